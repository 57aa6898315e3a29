// Benchmark (not a test): the daemon end to end, as an operator runs it, against the fast C SMSC sink of
// ../shared/bench, with Kannel 1.4.5 side by side when it is installed (issue 11, "Benchmarks").
//
//   npm run build && npm run bench e2e          (or: node --import tsx bench/e2e.bench.ts [N])
//
// It drives the daemon only through its public interfaces (a config file, `node dist/main.js start`, the HTTP
// API, /readyz, SMPP), so it measures any version of the code. Everything listens on 127.0.0.1, every wait has a
// timeout, every child is stopped on exit or Ctrl-C. It measures and never asserts. Output: one JSON line per
// figure on stdout, bench/results/latest.json, docs/performance.svg, and a table on stderr at the end.
// Environment (defaults in brackets):
//   BENCH_N [20000] messages per workload (or the first argument), BENCH_REPS [3], BENCH_WINDOW [100],
//   BENCH_KANNEL=0 to skip Kannel (else one Kannel run after each gateway run), BENCH_WORKLOADS [a,b,c],
//   BENCH_ONLY [sink,e2e,kannel,ingress,latency,memory] (sections to run), BENCH_TIMEOUT_S [180] per wait,
//   BENCH_BATCH [500], BENCH_BATCH_CONCURRENCY [4] (POST /v1/messages/batch), BENCH_HTTP_CONNECTIONS [50],
//   BENCH_LATENCY_N [BENCH_N], BENCH_LATENCY_RATE [half of workload a], BENCH_LATENCY_TICK_MS [5],
//   BENCH_LATENCY_WARMUP_S [5] (seconds of traffic at the same rate before the measured messages),
//   BENCH_MEMORY_N [200000], BENCH_MILLION=1 (daemon RSS with BENCH_MILLION_N [1000000] queued: minutes),
//   BENCH_SINK_N [2000000], BENCH_SHARED [../shared/bench], BENCH_BUILD [/tmp/smpp-bench-build],
//   BENCH_WRITE_SVG=0 (leave docs/performance.svg alone), BENCH_KEEP=1 (keep the work folder and its logs),
//   BENCH_NODE_ARGS (more node options for every daemon, e.g. --trace-gc: its lines go to the daemon's log),
//   BENCH_QUEUE_BATCH (the daemons' queue.batchSize; their default, 50, when unset),
//   BENCH_CPU_PROF=1 (a --cpu-prof profile of each daemon in <work folder>/profiles, kept; summarise one
//   with `node --import tsx bench/lib/profile-top.ts FILE`).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { barChart } from './lib/chart.js';
import { pipelineSubmits } from './smpp-server.bench.js';
import {
  Gateway,
  SENDER,
  SMPP_PASSWORD,
  batchRequest,
  countBatch,
  messageJson,
  recipient,
  singleRequest,
} from './lib/gateway.js';
import type { HttpConnection } from './lib/http.js';
import { injectBatches, outsideStop, type Injection } from './lib/inject.js';
import { Proc, cpuSeconds, freePort, installExitHandlers, portInUse, sleep, until } from './lib/proc.js';
import { RedisServer, commandDelta, type RedisSnapshot } from './lib/redis.js';
import { BUILD, SHARED, buildSink, startSink } from './lib/sink.js';
import { BenchOutput, note } from './lib/output.js';
import { MiB, formatInt, median, quantile, round } from './lib/stats.js';

// ---------------------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------------------

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function setting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name}: expected a positive number, got "${raw}"`);
  return value;
}

const N = process.argv[2] ? Number(process.argv[2]) : setting('BENCH_N', 20_000);
if (!Number.isInteger(N) || N <= 0)
  throw new Error(`messages: expected a positive integer, got ${process.argv[2]}`);
const REPS = setting('BENCH_REPS', 3);
const WINDOW = setting('BENCH_WINDOW', 100);
const BATCH = Math.min(1000, setting('BENCH_BATCH', 500));
const BATCH_CONCURRENCY = setting('BENCH_BATCH_CONCURRENCY', 4);
const HTTP_CONNECTIONS = setting('BENCH_HTTP_CONNECTIONS', 50);
const LATENCY_N = setting('BENCH_LATENCY_N', N);
const LATENCY_TICK_MS = setting('BENCH_LATENCY_TICK_MS', 5);
// A fresh daemon runs cold code (JIT, pools) and falls behind at first: at 4,000 msg/s its backlog took the
// first 7,000 messages to clear on the 2-core machine. The figures are taken after this warm-up, at the same
// rate, and the warm-up's own p99 is printed beside them.
const LATENCY_WARMUP_S = setting('BENCH_LATENCY_WARMUP_S', 5);
const MEMORY_N = setting('BENCH_MEMORY_N', 200_000);
const MILLION = process.env.BENCH_MILLION === '1';
const MILLION_N = setting('BENCH_MILLION_N', 1_000_000);
const SINK_N = setting('BENCH_SINK_N', 2_000_000);
const TIMEOUT_MS = setting('BENCH_TIMEOUT_S', 180) * 1000;
const ONLY_WORKLOADS = new Set((process.env.BENCH_WORKLOADS ?? 'a,b,c').split(',').map((s) => s.trim()));
const SECTIONS = new Set(
  (process.env.BENCH_ONLY ?? 'sink,e2e,kannel,ingress,latency,memory').split(',').map((s) => s.trim()),
);
if (process.env.BENCH_KANNEL === '0') SECTIONS.delete('kannel');
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';
let workDir = '';
/** node options for a daemon: with BENCH_CPU_PROF=1, a V8 CPU profile per daemon, written when it stops. */
function profiling(name: string): string[] {
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  if (!CPU_PROF) return extra;
  return [
    ...extra,
    '--cpu-prof',
    '--cpu-prof-dir',
    join(workDir, 'profiles'),
    '--cpu-prof-name',
    `${name}.cpuprofile`,
  ];
}

// 70 GSM-7 characters, one segment; 400 characters, three segments of 153 (the Kannel script's long text).
const TEXT_70 = 'Hello, this is a short GSM-7 benchmark message from smpp-gateway.'.padEnd(70, '.');
const TEXT_400 = 'Long message segment text '.repeat(16).slice(0, 400);

interface Workload {
  key: string;
  label: string;
  receipts: boolean;
  segments: number;
  text: string;
  kannelArgs: string[];
  /** Done when (issue 11): the gateway's rate as a multiple of Kannel's, same run. */
  targetRatio: number;
}

const WORKLOADS: Workload[] = [
  {
    key: 'a',
    label: '1-part, no receipts',
    receipts: false,
    segments: 1,
    text: TEXT_70,
    kannelArgs: [],
    targetRatio: 1.5,
  },
  {
    key: 'b',
    label: '1-part, receipts on',
    receipts: true,
    segments: 1,
    text: TEXT_70,
    kannelArgs: ['-r'],
    targetRatio: 2,
  },
  {
    key: 'c',
    label: '3-part, no receipts',
    receipts: false,
    segments: 3,
    text: TEXT_400,
    kannelArgs: ['-l'],
    targetRatio: 1.5,
  },
];

// ---------------------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------------------

type Row = Record<string, unknown> & { figure: string };
const output = new BenchOutput<Row>('e2e');
const rows = output.rows;
const emit = (row: Row): Row => output.emit(row);

async function section(name: string, run: () => Promise<void>, detail = ''): Promise<void> {
  if (!SECTIONS.has(name)) return;
  note(`${name}${detail ? ` ${detail}` : ''}`);
  try {
    await run();
  } catch (error) {
    output.failures++;
    const message = error instanceof Error ? error.message : String(error);
    note(`${name} failed: ${message}`);
    emit({ figure: 'error', section: name, error: message.split('\n')[0] });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Injection through the HTTP API
// ---------------------------------------------------------------------------------------------------------

/** `total` messages, one POST /v1/messages each, over `connections` keep-alive connections. */
async function injectSingles(
  gateway: Gateway,
  total: number,
  text: string,
  connections: number,
): Promise<Injection> {
  const requests = Array.from({ length: total }, (_, i) => singleRequest(messageJson(i, text)));
  const result: Injection = { t0: 0, t1: 0, accepted: 0, refused: 0 };
  let next = 0;
  const worker = async (connection: HttpConnection) => {
    try {
      for (let i = next++; i < total; i = next++) {
        const response = await connection.request(requests[i]!);
        if (response.status === 202) result.accepted++;
        else {
          result.refused++;
          result.firstError ??= `HTTP ${response.status}: ${response.body.slice(0, 200)}`;
          if (response.body.includes('"DRAINING"')) throw new Error(outsideStop(gateway));
        }
      }
    } finally {
      connection.close();
    }
  };
  const pool = Array.from({ length: Math.min(connections, total) }, () => gateway.connection());
  result.t0 = Date.now();
  await Promise.all(pool.map(worker));
  result.t1 = Date.now();
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// What the daemon, Redis, the sink and this process spent
// ---------------------------------------------------------------------------------------------------------

interface Start {
  at: number;
  node: number;
  redis: RedisSnapshot;
  redisProcess: number;
  sink: number;
  client: NodeJS.CpuUsage;
}

async function begin(gateway: Gateway, redis: RedisServer, sinkPid?: number): Promise<Start> {
  return {
    redis: await redis.snapshot(),
    redisProcess: redis.processCpu(),
    sink: sinkPid ? cpuSeconds(sinkPid) : 0,
    client: process.cpuUsage(),
    node: gateway.cpu(),
    at: Date.now(),
  };
}

/** Per-message figures since `start` (CPU in µs, Redis commands, memory). */
async function end(
  start: Start,
  messages: number,
  gateway: Gateway,
  redis: RedisServer,
  sinkPid?: number,
): Promise<Record<string, unknown>> {
  const node = gateway.cpu() - start.node;
  const at = Date.now();
  const snapshot = await redis.snapshot();
  const redisCpu = snapshot.cpu - start.redis.cpu;
  const client = process.cpuUsage(start.client);
  const commands = commandDelta(start.redis, snapshot);
  const memory = gateway.memory();
  const perMessage = (seconds: number) => round((seconds * 1e6) / messages, 1);
  return {
    nodeCpuUsPerMsg: perMessage(node),
    // Share of one core the daemon used over the window: near 1.0, its one JS thread is the bound.
    nodeCores: round(node / ((at - start.at) / 1000), 2),
    redisCpuUsPerMsg: perMessage(redisCpu),
    // AOF rewrites (forked children) when one fell in the window: a cost of persistence, but in bursts.
    redisAofRewriteCpuUsPerMsg: perMessage(snapshot.childrenCpu - start.redis.childrenCpu),
    // From /proc, as a cross-check of INFO cpu.
    redisProcessCpuUsPerMsg: perMessage(redis.processCpu() - start.redisProcess),
    redisCmdsPerMsg: round(commands.total / messages, 2),
    // What crosses the daemon's sockets to Redis: the socket writes are a tenth of its CPU.
    redisBytesInPerMsg: Math.round((snapshot.netInput - start.redis.netInput) / messages),
    redisBytesOutPerMsg: Math.round((snapshot.netOutput - start.redis.netOutput) / messages),
    topCommands: Object.fromEntries(
      commands.byCommand.slice(0, 15).map(([name, calls]) => [name, round(calls / messages, 2)]),
    ),
    // Redis's own time per message by command (a script's time includes the commands it ran).
    topCommandsUsPerMsg: Object.fromEntries(
      commands.usecByCommand.slice(0, 15).map(([name, usec]) => [name, round(usec / messages, 2)]),
    ),
    sinkCpuUsPerMsg: sinkPid ? perMessage(cpuSeconds(sinkPid) - start.sink) : undefined,
    clientCpuUsPerMsg: perMessage((client.user + client.system) / 1e6),
    rssMiB: round(memory.rss / MiB, 1),
    peakRssMiB: round(memory.peak / MiB, 1),
    windowMs: at - start.at,
  };
}

/** Wait until Redis is nearly idle (the daemon's background polling only), at most `maxMs`. */
async function settle(redis: RedisServer, maxMs = 30_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = await redis.totalCommands();
  while (Date.now() < deadline) {
    await sleep(200);
    const now = await redis.totalCommands();
    if (now - last <= 40) return;
    last = now;
  }
  note(`Redis still busy after ${maxMs} ms: figures include work still under way`);
}

// ---------------------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------------------

function parseLoad(line: string): number | undefined {
  const rate = /rate=(\d+) submit_sm\/s/.exec(line);
  return rate ? Number(rate[1]) : undefined;
}

async function smppLoad(port: number, args: string[]): Promise<string> {
  const load = await Proc.start('smpp-load', join(BUILD, 'smpp-load'), [
    '-P',
    String(port),
    '-n',
    String(SINK_N),
    '-L',
    '60',
    ...args,
  ]);
  await load.wait(90_000);
  const line = load.lines.find((l) => l.startsWith('window=')) ?? '';
  if (!parseLoad(line)) throw new Error(`smpp-load gave no rate:\n${load.tail()}`);
  return line;
}

const ceilings: Record<string, number | undefined> = {};

async function sinkCeilings(dir: string): Promise<void> {
  for (const [name, receipts] of [
    ['c-sink', false],
    ['c-sink-receipts', true],
  ] as const) {
    const sink = await startSink(dir, `ceiling-${name}`, receipts ? ['-r'] : []);
    try {
      const cpu0 = cpuSeconds(sink.proc.pid);
      const line = await smppLoad(sink.port, ['-w', String(WINDOW), ...(receipts ? ['-r'] : [])]);
      const rate = parseLoad(line);
      ceilings[name] = rate;
      emit({
        figure: 'sink-ceiling',
        sink: 'smsc-sink (C)',
        receipts,
        window: WINDOW,
        submitSmPerS: rate,
        sinkCpuS: round(cpuSeconds(sink.proc.pid) - cpu0, 2),
        detail: line,
      });
    } finally {
      await sink.proc.stop();
    }
  }
  const port = await freePort();
  const sink = await Proc.start(
    'latency-sink',
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'bench', 'lib', 'latency-sink.ts'),
      '--port',
      String(port),
      '--expect',
      '0',
    ],
    { cwd: ROOT, logFile: join(dir, 'ceiling-node-sink.log') },
  );
  try {
    await sink.waitForLine(/^LISTENING/, 20_000);
    const line = await smppLoad(port, ['-w', String(WINDOW)]);
    ceilings['node-sink'] = parseLoad(line);
    emit({
      figure: 'sink-ceiling',
      sink: 'latency sink (Node, bench/lib/latency-sink.ts)',
      receipts: false,
      window: WINDOW,
      submitSmPerS: parseLoad(line),
      detail: line,
    });
  } finally {
    await sink.stop();
  }
}

interface RepFigures extends Record<string, unknown> {
  msgPerS: number;
}

const gatewayRates: Record<string, number | undefined> = {};
const gatewayFinalRates: Record<string, number | undefined> = {};
const kannelRates: Record<string, number | undefined> = {};

/**
 * One workload: REPS repetitions of the gateway, each followed by one of Kannel (bench-kannel.sh -k 1) when it
 * runs, so that each pair is measured under the same load of this shared machine.
 */
async function endToEnd(dir: string, redis: RedisServer, w: Workload): Promise<void> {
  const withGateway = SECTIONS.has('e2e');
  let withKannel = SECTIONS.has('kannel');
  if (withKannel) {
    const unavailable = await kannelUnavailable();
    if (unavailable) {
      withKannel = false;
      emit({ figure: 'throughput', workload: w.key, label: w.label, system: 'kannel', skipped: unavailable });
    }
  }
  const submits = N * w.segments;
  let sink: { proc: Proc; port: number } | undefined;
  let gateway: Gateway | undefined;
  const reps: RepFigures[] = [];
  const kannelReps: RepFigures[] = [];
  try {
    if (withGateway) {
      sink = await startSink(dir, `sink-${w.key}`, ['-n', String(submits), ...(w.receipts ? ['-r'] : [])]);
      gateway = await Gateway.start(ROOT, {
        dir,
        name: `gateway-${w.key}`,
        nodeArgs: profiling(`gateway-${w.key}`),
        redisUrl: redis.url,
        keyPrefix: `bench${w.key}${process.pid}`,
        smscPort: sink.port,
        receipts: w.receipts,
        window: WINDOW,
        operatorRequired: true,
      });
    }
    for (let rep = 1; rep <= REPS; rep++) {
      if (gateway && sink) {
        const figures = await gatewayRep(redis, gateway, sink.proc, w, rep);
        reps.push(figures);
        note(
          `${w.key} gateway rep ${rep}: ${figures.msgPerS} msg/s, node ${String(figures.nodeCpuUsPerMsg)} µs/msg, redis ${String(figures.redisCpuUsPerMsg)} µs/msg, ${String(figures.redisCmdsPerMsg)} cmds/msg, redis bytes in/out ${String(figures.redisBytesInPerMsg)}/${String(figures.redisBytesOutPerMsg)} per msg`,
        );
      }
      if (withKannel) {
        const figures = await kannelRep(dir, w, rep);
        kannelReps.push(figures);
        note(`${w.key} kannel rep ${rep}: ${figures.msgPerS} msg/s`);
      }
    }
  } finally {
    await gateway?.stop();
    await sink?.proc.stop();
    await redis.flushAll();
  }
  const common = {
    workload: w.key,
    label: w.label,
    n: N,
    segments: w.segments,
    window: WINDOW,
    binds: 1,
    until: w.receipts
      ? 'last receipt acknowledged (sink TARGET dlr_acked)'
      : 'last submit_sm (sink TARGET submits)',
    sinkCeilingSubmitSmPerS: w.receipts ? ceilings['c-sink-receipts'] : ceilings['c-sink'],
  };
  if (reps.length > 0) {
    const summary = summarise(reps);
    gatewayRates[w.key] = summary.msgPerS;
    if (typeof summary.finalMsgPerS === 'number') gatewayFinalRates[w.key] = summary.finalMsgPerS;
    emit({
      figure: 'throughput',
      system: 'gateway',
      ...common,
      injection: `POST /v1/messages/batch, ${BATCH} per request, ${BATCH_CONCURRENCY} in flight`,
      ...summary,
      reps,
    });
  }
  if (kannelReps.length > 0) {
    const summary = summarise(kannelReps);
    kannelRates[w.key] = summary.msgPerS;
    emit({
      figure: 'throughput',
      system: 'kannel',
      version: kannelVersion(),
      ...common,
      injection: 'HTTP sendsms, one message per request, ab -k -c 50 (bench-kannel.sh -i http)',
      ...summary,
      reps: kannelReps,
    });
  }
  if (reps.length > 0 && reps.length === kannelReps.length) {
    const pairs = reps.map((r, i) => round(r.msgPerS / kannelReps[i]!.msgPerS, 2));
    emit({
      figure: 'ratio',
      workload: w.key,
      label: w.label,
      gatewayMsgPerS: gatewayRates[w.key],
      kannelMsgPerS: kannelRates[w.key],
      // The ratio of the medians, and the ratio within each pair (gateway rep i, then Kannel rep i).
      ratio: round(gatewayRates[w.key]! / kannelRates[w.key]!, 2),
      pairRatios: pairs,
      medianPairRatio: round(median(pairs), 2),
      ...(typeof gatewayFinalRates[w.key] === 'number'
        ? { ratioToEveryMessageFinal: round(gatewayFinalRates[w.key]! / kannelRates[w.key]!, 2) }
        : {}),
      target: w.targetRatio,
    });
  }
}

async function gatewayRep(
  redis: RedisServer,
  gateway: Gateway,
  sink: Proc,
  w: Workload,
  rep: number,
): Promise<RepFigures> {
  const submits = N * w.segments;
  const from = sink.lines.length;
  sink.signal('SIGUSR1');
  const mark = await sink.waitForLine(/^MARK/, 5000, from);
  const finalBefore = await gateway.finalCount();
  const load = os.loadavg()[0]!;
  const start = await begin(gateway, redis, sink.pid);
  const injection = await injectBatches(gateway, N, () => w.text, {
    batch: BATCH,
    concurrency: BATCH_CONCURRENCY,
    offset: rep * N,
  });
  if (injection.refused > 0)
    throw new Error(`${injection.refused} of ${N} messages refused: ${injection.firstError}`);
  const doneSubmits = await sink.waitForLine(/^TARGET submits=/, TIMEOUT_MS, mark.index);
  const submitsDone = Number(/done_ms=(\d+)/.exec(doneSubmits.line)?.[1]);
  let receiptsDone: number | undefined;
  if (w.receipts) {
    const line = await sink.waitForLine(/^TARGET dlr_acked=/, TIMEOUT_MS, mark.index);
    receiptsDone = Number(/done_ms=(\d+)/.exec(line.line)?.[1]);
  }
  const done = receiptsDone ?? submitsDone;
  const atDone = await redis.snapshot();
  const nodeAtDone = gateway.cpu();
  // Every message in a final state, as the daemon's metrics count them: the sink's TARGET line only says
  // the wire work is over (a receipt, for one, may be acknowledged before it is correlated).
  let allFinal: number | undefined;
  if (finalBefore !== undefined) {
    allFinal = await until(
      'every message in a final state (smppgw_messages_final_total)',
      async () => (((await gateway.finalCount()) ?? 0) - finalBefore >= N ? Date.now() : undefined),
      TIMEOUT_MS,
      100,
    );
  }
  await settle(redis);
  const settled = Date.now();
  const spent = await end(start, N, gateway, redis, sink.pid);
  const tail = commandDelta(atDone, await redis.snapshot());
  return {
    rep,
    msgPerS: Math.round((N * 1000) / (done - injection.t0)),
    submitSmPerS: Math.round((submits * 1000) / (submitsDone - injection.t0)),
    acceptPerS: Math.round((N * 1000) / (injection.t1 - injection.t0)),
    submitsDoneMs: submitsDone - injection.t0,
    ...(receiptsDone !== undefined ? { receiptsAckedDoneMs: receiptsDone - injection.t0 } : {}),
    ...(allFinal !== undefined
      ? {
          finalMsgPerS: Math.round((N * 1000) / (allFinal - injection.t0)),
          allFinalMs: allFinal - injection.t0,
        }
      : {}),
    // What the daemon still did after the sink's TARGET line, until Redis went idle.
    tailMs: Math.max(0, settled - 200 - done),
    tailNodeCpuUsPerMsg: round(((gateway.cpu() - nodeAtDone) * 1e6) / N, 1),
    tailRedisCmdsPerMsg: round(tail.total / N, 2),
    tailTopCommands: Object.fromEntries(tail.byCommand.slice(0, 8).map(([c, k]) => [c, round(k / N, 2)])),
    ...spent,
    loadAverage1m: round(load, 2),
  };
}

/** Medians across repetitions (each figure on its own), the spread of msg/s, the median rep's commands. */
function summarise(reps: RepFigures[]): Record<string, unknown> & { msgPerS: number } {
  const byRate = [...reps].sort((a, b) => a.msgPerS - b.msgPerS);
  const middle = byRate[Math.floor((byRate.length - 1) / 2)]!;
  const out: Record<string, unknown> & { msgPerS: number } = { msgPerS: median(reps.map((r) => r.msgPerS)) };
  for (const key of Object.keys(middle)) {
    const values = reps.map((r) => r[key]).filter((v): v is number => typeof v === 'number');
    if (key !== 'rep' && key !== 'msgPerS' && values.length === reps.length)
      out[key] = round(median(values), 2);
  }
  out.msgPerSMin = byRate[0]!.msgPerS;
  out.msgPerSMax = byRate[byRate.length - 1]!.msgPerS;
  out.topCommands = middle.topCommands;
  out.topCommandsUsPerMsg = middle.topCommandsUsPerMsg;
  if (middle.tailTopCommands) out.tailTopCommands = middle.tailTopCommands;
  return out;
}

function onPath(binary: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  return dirs.some((d) => d !== '' && existsSync(join(d, binary)));
}

/** Why Kannel cannot run here, or undefined. */
async function kannelUnavailable(): Promise<string | undefined> {
  const missing = ['bearerbox', 'smsbox', 'ab'].filter((b) => !onPath(b));
  if (missing.length > 0)
    return `${missing.join(', ')} not installed: apt-get install -y kannel apache2-utils (Debian) to compare`;
  if (!existsSync(join(SHARED, 'bench-kannel.sh'))) return `${join(SHARED, 'bench-kannel.sh')} not found`;
  const busy: number[] = [];
  for (const port of [2775, 13000, 13001, 13013, 13014]) if (await portInUse(port)) busy.push(port);
  if (busy.length > 0)
    return `bench-kannel.sh needs 127.0.0.1 ports ${busy.join(', ')}, in use by something else`;
  return undefined;
}

/** One Kannel repetition: bench-kannel.sh -k 1, same N and window, its RESULT line. */
async function kannelRep(dir: string, w: Workload, rep: number): Promise<RepFigures> {
  const script = join(SHARED, 'bench-kannel.sh');
  const args = ['-i', 'http', '-n', String(N), '-k', '1', '-w', String(WINDOW), ...w.kannelArgs];
  const path = [process.env.PATH ?? '', '/usr/sbin', '/usr/local/sbin'].join(delimiter);
  const load = os.loadavg()[0]!;
  const proc = await Proc.start('bench-kannel.sh', 'bash', [script, ...args], {
    group: true,
    logFile: join(dir, `kannel-${w.key}-${rep}.log`),
    env: { ...process.env, PATH: path, BENCH_BUILD: BUILD },
  });
  const code = await proc.wait(TIMEOUT_MS + 60_000);
  const line = proc.lines.find((l) => l.startsWith('RESULT '));
  if (code !== 0 || !line)
    throw new Error(`bash ${script} ${args.join(' ')} exited ${String(code)}:\n${proc.tail(15)}`);
  const field = (name: string) => Number(new RegExp(`${name}=([\\d.]+)`).exec(line)?.[1]);
  const submitsMs = field('submits_done_ms');
  const receiptsMs = w.receipts ? field('dlr_acked_done_ms') : undefined;
  return {
    rep,
    // As the gateway's figure: to the last receipt acknowledged when receipts are on (the script's own
    // msg_per_s is to the last submit_sm).
    msgPerS: Math.round((N * 1000) / (receiptsMs ?? submitsMs)),
    submitSmPerS: Math.round((N * w.segments * 1000) / submitsMs),
    submitsDoneMs: submitsMs,
    ...(receiptsMs !== undefined ? { receiptsAckedDoneMs: receiptsMs } : {}),
    // bearerbox + smsbox (not ab, the client): to set beside the daemon's Node + Redis CPU.
    kannelCpuUsPerMsg: round(((field('bearerbox') + field('smsbox')) * 1e6) / N, 1),
    sinkCpuUsPerMsg: round((field('sink') * 1e6) / N, 1),
    loadAverage1m: round(load, 2),
    result: line,
  };
}

function kannelVersion(): string {
  const out = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'kannel'], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : 'unknown';
}

async function ingress(dir: string, redis: RedisServer): Promise<void> {
  // The operator's port has no listener: nothing drains, only acceptance is measured.
  const unreachable = await freePort();
  const smppServerPort = await freePort();
  const prefix = `benchi${process.pid}`;
  const gateway = await Gateway.start(ROOT, {
    dir,
    name: 'gateway-ingress',
    nodeArgs: profiling('gateway-ingress'),
    redisUrl: redis.url,
    keyPrefix: prefix,
    smscPort: unreachable,
    receipts: false,
    window: WINDOW,
    operatorRequired: false,
    smppServerPort,
  });
  try {
    await settle(redis);
    {
      const start = await begin(gateway, redis);
      const injection = await injectSingles(gateway, N, TEXT_70, HTTP_CONNECTIONS);
      await settle(redis);
      emit({
        figure: 'ingress',
        ingress: 'http-single',
        label: `HTTP, one message per request, ${HTTP_CONNECTIONS} keep-alive connections`,
        n: N,
        accepted: injection.accepted,
        refused: injection.refused,
        ...(injection.firstError ? { firstError: injection.firstError } : {}),
        acceptedPerS: Math.round((injection.accepted * 1000) / (injection.t1 - injection.t0)),
        ...(await end(start, N, gateway, redis)),
      });
    }
    {
      const start = await begin(gateway, redis);
      const injection = await injectBatches(gateway, N, () => TEXT_70, {
        batch: BATCH,
        concurrency: BATCH_CONCURRENCY,
        offset: N,
      });
      await settle(redis);
      emit({
        figure: 'ingress',
        ingress: 'http-batch',
        label: `HTTP batch, ${BATCH} per request, ${BATCH_CONCURRENCY} in flight, nothing draining`,
        n: N,
        accepted: injection.accepted,
        refused: injection.refused,
        ...(injection.firstError ? { firstError: injection.firstError } : {}),
        acceptedPerS: Math.round((injection.accepted * 1000) / (injection.t1 - injection.t0)),
        ...(await end(start, N, gateway, redis)),
      });
    }
    {
      // The Redis ingress: the aggregator's XADDs pipelined (1,000 in flight), the daemon reading them as they
      // come; accepted = the account's event stream holds N first events.
      const stream = `${prefix}:ingress:bench`;
      const events = `${prefix}:events:bench`;
      const before = Number(await redis.client.command('XLEN', events));
      const start = await begin(gateway, redis);
      const t0 = Date.now();
      for (let first = 0; first < N; first += 1000) {
        const writes: Array<Promise<unknown>> = [];
        for (let i = first; i < Math.min(N, first + 1000); i++) {
          writes.push(
            redis.client.command(
              'XADD',
              stream,
              '*',
              'to',
              recipient(2 * N + i),
              'from',
              SENDER,
              'text',
              TEXT_70,
              'class',
              'transactional',
            ),
          );
        }
        await Promise.all(writes);
      }
      const t1 = await until(
        'the Redis ingress to accept every entry',
        async () =>
          Number(await redis.client.command('XLEN', events)) - before >= N ? Date.now() : undefined,
        TIMEOUT_MS,
        10,
      );
      await settle(redis);
      emit({
        figure: 'ingress',
        ingress: 'redis',
        label: `Redis ingress stream, ${N} entries XADDed 1,000 in flight, nothing draining`,
        n: N,
        accepted: Number(await redis.client.command('XLEN', events)) - before,
        acceptedPerS: Math.round((N * 1000) / (t1 - t0)),
        ...(await end(start, N, gateway, redis)),
      });
    }
    {
      // The SMPP server: one platform bind, WINDOW submit_sm outstanding, each answered once in Redis.
      const start = await begin(gateway, redis);
      const run = await pipelineSubmits(smppServerPort, N, WINDOW, {
        systemId: 'bench',
        password: SMPP_PASSWORD,
      });
      await settle(redis);
      emit({
        figure: 'ingress',
        ingress: 'smpp-server',
        label: `SMPP server, one platform bind, window ${WINDOW}, nothing draining`,
        n: N,
        accepted: run.accepted,
        refused: run.refused,
        acceptedPerS: Math.round((run.accepted * 1000) / run.ms),
        ...(await end(start, N, gateway, redis)),
      });
    }
  } finally {
    await gateway.stop();
    await redis.flushAll();
  }
}

/** Paced injection at `fraction` of workload a's rate (or BENCH_LATENCY_RATE × fraction × 2). */
async function latency(dir: string, redis: RedisServer, fraction: number, measured: number): Promise<void> {
  const explicit = process.env.BENCH_LATENCY_RATE ? setting('BENCH_LATENCY_RATE', 1000) : undefined;
  const maxRate = gatewayRates.a;
  const rate = Math.round((explicit ? explicit * 2 : (maxRate ?? 2000)) * fraction);
  const warmup = Math.round(rate * LATENCY_WARMUP_S);
  const total = warmup + measured;
  const port = await freePort();
  const dump = join(dir, `latency-arrivals-${fraction}.txt`);
  const sink = await Proc.start(
    'latency-sink',
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'bench', 'lib', 'latency-sink.ts'),
      '--port',
      String(port),
      '--expect',
      String(total),
      '--dump',
      dump,
    ],
    { cwd: ROOT, logFile: join(dir, `latency-sink-${fraction}.log`) },
  );
  let gateway: Gateway | undefined;
  try {
    await sink.waitForLine(/^LISTENING/, 20_000);
    gateway = await Gateway.start(ROOT, {
      dir,
      name: `gateway-latency-${fraction}`,
      nodeArgs: profiling(`gateway-latency-${fraction}`),
      redisUrl: redis.url,
      keyPrefix: `benchl${process.pid}`,
      smscPort: port,
      receipts: false,
      window: WINDOW,
      operatorRequired: true,
    });
    const g = gateway;
    const free: HttpConnection[] = Array.from({ length: 8 }, () => g.connection());
    const all = [...free];
    // Per message, on the monotonic clock every process shares (ns after `base`): when its request was
    // written, and when the 202 came back; the sink records when its submit_sm arrived.
    const base = process.hrtime.bigint();
    const since = (t: bigint) => Number(t - base);
    const written = new Float64Array(total);
    const answeredAt = new Float64Array(total);
    let sent = 0;
    let answered = 0;
    let requests = 0;
    let refused = 0;
    let firstError: string | undefined;
    const started = performance.now();
    await new Promise<void>((resolveAll, reject) => {
      const tick = () => {
        const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
        while (sent < due && free.length > 0) {
          const connection = free.pop()!;
          const count = due - sent;
          const first = sent;
          sent += count;
          requests++;
          const stamp = process.hrtime.bigint();
          const messages: string[] = [];
          for (let k = 0; k < count; k++) {
            written[first + k] = since(stamp);
            messages.push(messageJson(first + k, `L${first + k} ${stamp} `.padEnd(70, 'x')));
          }
          connection
            .request(count === 1 ? singleRequest(messages[0]!) : batchRequest(messages))
            .then((response) => {
              const at = since(process.hrtime.bigint());
              for (let k = 0; k < count; k++) answeredAt[first + k] = at;
              if (response.status !== 202) {
                refused += count;
                firstError ??= `HTTP ${response.status}: ${response.body.slice(0, 200)}`;
              } else {
                const counted = countBatch(count === 1 ? `{"results":[${response.body}]}` : response.body);
                refused += counted.refused;
                if (counted.firstError) firstError ??= counted.firstError;
              }
              answered += count;
              free.push(connection);
              if (answered >= total) resolveAll();
            }, reject);
        }
        if (sent < total) setTimeout(tick, LATENCY_TICK_MS);
      };
      tick();
    });
    const injectedMs = performance.now() - started;
    for (const connection of all) connection.close();
    if (refused > 0) throw new Error(`${refused} messages refused: ${firstError}`);
    const done = await sink.waitForLine(/^DONE /, TIMEOUT_MS);
    const summary = JSON.parse(done.line.slice(5)) as { submits: number; unparsed: number };
    let firstWire = Infinity;
    let lastWire = -Infinity;
    const fromWritten: number[] = [];
    const fromAnswer: number[] = [];
    const accept: number[] = [];
    const duringWarmup: number[] = [];
    for (const line of readFileSync(dump, 'utf8').split('\n')) {
      const [seq, ns] = line.split(' ');
      if (!seq || !ns) continue;
      const i = Number(seq);
      const wire = since(BigInt(ns));
      if (i < warmup) {
        duringWarmup.push((wire - written[i]!) / 1e6);
        continue;
      }
      firstWire = Math.min(firstWire, wire);
      lastWire = Math.max(lastWire, wire);
      fromWritten.push((wire - written[i]!) / 1e6);
      fromAnswer.push((wire - answeredAt[i]!) / 1e6);
    }
    for (let i = warmup; i < total; i++) accept.push((answeredAt[i]! - written[i]!) / 1e6);
    const sorted = (values: number[]) => values.sort((a, b) => a - b);
    const [up, low, acc, wu] = [
      sorted(fromWritten),
      sorted(fromAnswer),
      sorted(accept),
      sorted(duringWarmup),
    ];
    emit({
      figure: 'latency',
      label:
        'enqueue → submit_sm on the wire, bracketed: from the request written (upper bound) and from its 202 (lower bound)',
      n: total,
      targetRate: rate,
      fractionOfMax: fraction,
      rateBasis: explicit
        ? `${fraction * 2} × BENCH_LATENCY_RATE`
        : maxRate
          ? `${fraction} × workload a (median)`
          : `${fraction} × 2000 (workload a not measured)`,
      achievedRate: Math.round((total * 1000) / injectedMs),
      // Below achievedRate: the daemon did not keep up, and the latencies are those of a growing queue.
      wireRate: Math.round((fromWritten.length * 1e9) / Math.max(1, lastWire - firstWire)),
      tickMs: LATENCY_TICK_MS,
      meanMessagesPerRequest: round(total / requests, 1),
      submits: summary.submits,
      warmupExcluded: warmup,
      warmupSeconds: LATENCY_WARMUP_S,
      // The warm-up's own figures (a fresh daemon), from the request written.
      warmupP99Ms: round(quantile(wu, 0.99), 3),
      warmupMaxMs: round(wu[wu.length - 1] ?? NaN, 3),
      correlated: up.length,
      p50Ms: round(quantile(up, 0.5), 3),
      p90Ms: round(quantile(up, 0.9), 3),
      p99Ms: round(quantile(up, 0.99), 3),
      maxMs: round(up[up.length - 1] ?? NaN, 3),
      fromAcceptP50Ms: round(quantile(low, 0.5), 3),
      fromAcceptP99Ms: round(quantile(low, 0.99), 3),
      fromAcceptMaxMs: round(low[low.length - 1] ?? NaN, 3),
      httpAcceptP50Ms: round(quantile(acc, 0.5), 3),
      httpAcceptP99Ms: round(quantile(acc, 0.99), 3),
      sinkCeilingSubmitSmPerS: ceilings['node-sink'],
      rssMiB: round(gateway.memory().rss / MiB, 1),
    });
  } finally {
    await gateway?.stop();
    await sink.stop();
    await redis.flushAll();
  }
}

async function memoryFigures(dir: string, redis: RedisServer): Promise<void> {
  const gateway = await Gateway.start(ROOT, {
    dir,
    name: 'gateway-memory',
    nodeArgs: profiling('gateway-memory'),
    redisUrl: redis.url,
    keyPrefix: `benchm${process.pid}`,
    smscPort: await freePort(),
    receipts: true,
    window: WINDOW,
    operatorRequired: false,
  });
  try {
    await settle(redis);
    const before = (await redis.snapshot()).usedMemory;
    const step = async (from: number, total: number, label: string) => {
      const injection = await injectBatches(gateway, total - from, () => TEXT_70, {
        batch: 1000,
        concurrency: BATCH_CONCURRENCY,
        offset: from,
      });
      if (injection.refused > 0) throw new Error(`${injection.refused} refused: ${injection.firstError}`);
      await settle(redis, 20_000);
      const used = (await redis.snapshot()).usedMemory;
      const memory = gateway.memory();
      const heap = await gateway.heap();
      const mib = (bytes: number | undefined) => (bytes === undefined ? undefined : round(bytes / MiB, 1));
      emit({
        figure: 'memory',
        // What the RSS is made of: V8's heap (used, and what it holds from the system) and external memory.
        daemonHeapUsedMiB: mib(heap.heapUsed),
        daemonHeapTotalMiB: mib(heap.heapTotal),
        daemonExternalMiB: mib(heap.external),
        label,
        queued: total,
        textChars: TEXT_70.length,
        redisUsedMemoryDeltaMiB: round((used - before) / MiB, 1),
        redisBytesPerQueuedMsg: Math.round((used - before) / total),
        daemonRssMiB: round(memory.rss / MiB, 1),
        daemonPeakRssMiB: round(memory.peak / MiB, 1),
        acceptedPerS: Math.round(((total - from) * 1000) / (injection.t1 - injection.t0)),
      });
    };
    await step(0, MEMORY_N, `${MEMORY_N} queued 70-character messages, nothing draining`);
    if (MILLION && MILLION_N > MEMORY_N) {
      await step(MEMORY_N, MILLION_N, `${MILLION_N} queued, nothing draining (BENCH_MILLION=1)`);
    } else {
      emit({
        figure: 'memory',
        label: `${MILLION_N} queued`,
        skipped: 'set BENCH_MILLION=1 for the daemon RSS with 1,000,000 queued (takes minutes)',
      });
    }
  } finally {
    await gateway.stop();
    await redis.flushAll();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------------------

function find(figure: string, match: Record<string, unknown>): Row | undefined {
  return rows.find((r) => r.figure === figure && Object.entries(match).every(([k, v]) => r[k] === v));
}

const n = (v: unknown, digits = 0) =>
  typeof v === 'number' ? (digits ? v.toFixed(digits) : formatInt(v)) : v === undefined ? 'n/a' : String(v);

function table(): string {
  const lines: string[] = [];
  lines.push(
    `N = ${N} messages per workload, window ${WINDOW}, 1 bind, Redis AOF everysec; median of ${REPS} run${REPS === 1 ? '' : 's'}${SECTIONS.has('kannel') ? ', each gateway run followed by a Kannel run' : ''}`,
    '',
    '| workload | gateway msg/s (min–max) | Kannel msg/s (min–max) | ratio (median of pairs) | target | gateway msg/s to every message final | Node µs/msg | Redis µs/msg | Redis cmds/msg | daemon RSS MiB | Kannel CPU µs/msg | sink ceiling submit_sm/s |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const w of WORKLOADS) {
    const g = find('throughput', { workload: w.key, system: 'gateway' });
    const k = find('throughput', { workload: w.key, system: 'kannel' });
    const ratio = find('ratio', { workload: w.key });
    const gw = g ? `${n(g.msgPerS)} (${n(g.msgPerSMin)}–${n(g.msgPerSMax)})` : 'n/a';
    const kn =
      k?.msgPerS !== undefined
        ? `${n(k.msgPerS)} (${n(k.msgPerSMin)}–${n(k.msgPerSMax)})`
        : k?.skipped
          ? 'skipped'
          : 'n/a';
    const r = ratio ? `${n(ratio.ratio, 2)} (${n(ratio.medianPairRatio, 2)})` : 'n/a';
    lines.push(
      `| ${w.label} | ${gw} | ${kn} | ${r} | ≥ ${w.targetRatio} | ${n(g?.finalMsgPerS)} | ${n(g?.nodeCpuUsPerMsg)} | ${n(g?.redisCpuUsPerMsg)} | ${n(g?.redisCmdsPerMsg, 1)} | ${n(g?.rssMiB)} | ${n(k?.kannelCpuUsPerMsg)} | ${n(g?.sinkCeilingSubmitSmPerS ?? k?.sinkCeilingSubmitSmPerS)} |`,
    );
  }
  lines.push(
    '',
    '| ingress | accepted msg/s | Node µs/msg | Redis µs/msg | Redis cmds/msg |',
    '|---|---|---|---|---|',
  );
  for (const name of ['http-single', 'http-batch', 'redis', 'smpp-server']) {
    const r = find('ingress', { ingress: name });
    if (!r) lines.push(`| ${name} | n/a | | | |`);
    else if (r.status) lines.push(`| ${String(r.label)} | ${String(r.status)} | | | |`);
    else
      lines.push(
        `| ${String(r.label)} | ${n(r.acceptedPerS)} | ${n(r.nodeCpuUsPerMsg)} | ${n(r.redisCpuUsPerMsg)} | ${n(r.redisCmdsPerMsg, 1)} |`,
      );
  }
  lines.push('');
  for (const l of rows.filter((x) => x.figure === 'latency')) {
    lines.push(
      `latency enqueue → submit_sm on the wire at ${n(l.achievedRate)} msg/s injected, ${n(l.wireRate)} on the wire (${String(l.rateBasis)}, ${n(l.meanMessagesPerRequest, 1)} messages per request): from the request written p50 ${n(l.p50Ms, 2)} ms, p99 ${n(l.p99Ms, 2)} ms, max ${n(l.maxMs, 2)} ms; from its 202 p50 ${n(l.fromAcceptP50Ms, 2)} ms, p99 ${n(l.fromAcceptP99Ms, 2)} ms (HTTP accept p50 ${n(l.httpAcceptP50Ms, 2)} ms, p99 ${n(l.httpAcceptP99Ms, 2)} ms; measured after a ${n(l.warmupSeconds)} s warm-up at the same rate, whose p99 was ${n(l.warmupP99Ms, 1)} ms; Node sink ceiling ${n(l.sinkCeilingSubmitSmPerS)} submit_sm/s)`,
    );
  }
  for (const r of rows.filter((x) => x.figure === 'memory')) {
    lines.push(
      r.skipped
        ? `memory, ${String(r.label)}: ${String(r.skipped)}`
        : `memory, ${String(r.label)}: Redis +${n(r.redisUsedMemoryDeltaMiB, 1)} MiB = ${n(r.redisBytesPerQueuedMsg)} bytes per message; daemon RSS ${n(r.daemonRssMiB)} MiB (peak ${n(r.daemonPeakRssMiB)}; V8 heap ${n(r.daemonHeapUsedMiB, 1)} MiB used of ${n(r.daemonHeapTotalMiB, 1)}, external ${n(r.daemonExternalMiB, 1)})`,
    );
  }
  const a = find('throughput', { workload: 'a', system: 'gateway' });
  if (a?.topCommands) {
    const top = Object.entries(a.topCommands as Record<string, number>)
      .map(([name, perMsg]) => `${name} ${perMsg}`)
      .join(', ');
    lines.push(`Redis commands per message in workload a: ${top}`);
  }
  if (a?.topCommandsUsPerMsg) {
    const top = Object.entries(a.topCommandsUsPerMsg as Record<string, number>)
      .map(([name, us]) => `${name} ${us}`)
      .join(', ');
    lines.push(`Redis µs per message by command in workload a (scripts include their commands): ${top}`);
  }
  for (const k of rows.filter((x) => x.figure === 'throughput' && x.skipped))
    lines.push(`Kannel, workload ${String(k.workload)}: skipped: ${String(k.skipped)}`);
  for (const r of rows.filter((x) => x.figure === 'error'))
    lines.push(`FAILED ${String(r.section)}: ${String(r.error)}`);
  return lines.join('\n');
}

function writeChart(machine: Record<string, unknown>): void {
  if (process.env.BENCH_WRITE_SVG === '0' || !SECTIONS.has('e2e')) return;
  const svg = barChart(
    'smpp-gateway against Kannel 1.4.5, end to end',
    `${N} messages, window ${WINDOW}, 1 bind, C sink, Redis AOF everysec; ${String(machine.cpus)} cores, load ${(machine.loadAverageAtStart as number[])[0]}, ${String(machine.date)}`,
    WORKLOADS.map((w) => ({
      label: w.label,
      gateway: gatewayRates[w.key],
      gatewayFinal: gatewayFinalRates[w.key],
      kannel: kannelRates[w.key],
      targetRatio: w.targetRatio,
    })),
  );
  writeFileSync(join(ROOT, 'docs', 'performance.svg'), svg);
  note('wrote docs/performance.svg');
}

// ---------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------

function git(...args: string[]): string {
  const out = spawnSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : 'unknown';
}

async function main(): Promise<void> {
  installExitHandlers();
  const dir = mkdtempSync(join(os.tmpdir(), 'smppgw-e2e-'));
  workDir = dir;
  note(`e2e benchmark: N=${N}, reps ${REPS}, work files in ${dir}`);
  let redis: RedisServer;
  try {
    buildSink();
    redis = await RedisServer.start(dir);
  } catch (error) {
    note(`setup failed: ${error instanceof Error ? error.message : String(error)}`);
    emit({
      figure: 'error',
      section: 'setup',
      error: String((error as Error).message ?? error).split('\n')[0],
    });
    rmSync(dir, { recursive: true, force: true });
    process.exitCode = 1;
    return;
  }
  const machine = {
    figure: 'machine',
    date: new Date().toISOString().slice(0, 10),
    cpus: os.availableParallelism(),
    model: os.cpus()[0]?.model?.trim(),
    memoryGiB: round(os.totalmem() / 1024 ** 3, 1),
    kernel: os.release(),
    node: process.version,
    redis: redis.version,
    kannel: onPath('bearerbox') ? kannelVersion() : 'not installed',
    commit: git('rev-parse', '--short', 'HEAD'),
    dirty: git('status', '--porcelain', '--untracked-files=no') !== '',
    loadAverageAtStart: os.loadavg().map((v) => round(v, 2)),
  };
  emit(machine);
  try {
    await section('sink', () => sinkCeilings(dir));
    for (const w of WORKLOADS.filter((x) => ONLY_WORKLOADS.has(x.key))) {
      const name = SECTIONS.has('e2e') ? 'e2e' : 'kannel';
      await section(name, () => endToEnd(dir, redis, w), `${w.key}: ${w.label}`);
    }
    await section('ingress', () => ingress(dir, redis));
    await section('latency', () => latency(dir, redis, 0.5, LATENCY_N), 'at half of the rate of a');
    await section('latency', () => latency(dir, redis, 0.25, Math.ceil(LATENCY_N / 2)), 'at a quarter');
    await section('memory', () => memoryFigures(dir, redis));
  } finally {
    await redis.stop();
  }
  emit({ figure: 'end', loadAverageAtEnd: os.loadavg().map((v) => round(v, 2)) });
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(ROOT, 'bench', 'results', 'latest.json'),
    `${JSON.stringify({ settings: { N, REPS, WINDOW, BATCH, BATCH_CONCURRENCY, HTTP_CONNECTIONS }, figures: rows }, null, 2)}\n`,
  );
  writeChart(machine);
  process.stderr.write(`\n${table()}\n\n`);
  if (output.failures === 0 && process.env.BENCH_KEEP !== '1' && !CPU_PROF)
    rmSync(dir, { recursive: true, force: true });
  else note(`work files (configs, logs) kept in ${dir}`);
  process.exitCode = output.failures === 0 ? 0 : 1;
}

await main();
