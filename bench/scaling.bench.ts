// Benchmark (not a test): how the daemon scales out, for docs/scaling.md. Four configurations, each against
// the fast C SMSC sink of ../shared/bench with receipts on:
//   1. one daemon on one Redis, 2. two daemons on that same Redis (operator `binds: 2`, one bind each),
//   3. one daemon on a 3-primary Redis Cluster (16 shards, the default there), 4. two daemons on that cluster.
//
//   npm run build && npm run bench scaling        (or: node --import tsx bench/scaling.bench.ts)
//
// Like e2e.bench.ts it drives the daemons only through their public interfaces (a config file, `node
// dist/main.js start`, POST /v1/messages/batch, /readyz, /metrics, SMPP). Each daemon gets its share of the
// messages (half each with two daemons, injected concurrently); a repetition is timed from the first request
// to the sink's `TARGET dlr_acked=` line (every receipt acknowledged). CPU: each daemon's from /proc, each
// Redis primary's from INFO cpu (used_cpu_sys + used_cpu_user), from the first request until Redis is idle
// again. It measures and never asserts: a configuration that fails prints an error row and the next one runs.
// Output: one JSON line per configuration on stdout ({"bench":"scaling",...}), a table on stderr at the end.
// Environment (defaults in brackets):
//   BENCH_N [20000] messages per repetition (all daemons together), BENCH_REPS [2], BENCH_WINDOW [100],
//   BENCH_BATCH [500], BENCH_BATCH_CONCURRENCY [4] (requests in flight per daemon), BENCH_TIMEOUT_S [180]
//   per wait, BENCH_CONFIGS [standalone-1,standalone-2,cluster-1,cluster-2], BENCH_KEEP=1 (keep the work
//   folder and its logs), BENCH_SHARED [../shared/bench], BENCH_BUILD [/tmp/smpp-bench-build].
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Gateway, type GatewayOptions } from './lib/gateway.js';
import { injectBatches, type Injection } from './lib/inject.js';
import { Proc, installExitHandlers, sleep, until } from './lib/proc.js';
import { RedisCluster, RedisServer, commandDelta, type RedisSnapshot } from './lib/redis.js';
import { buildSink, startSink } from './lib/sink.js';
import { BenchOutput, note } from './lib/output.js';
import { median, round } from './lib/stats.js';

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

const N = setting('BENCH_N', 20_000);
if (!Number.isInteger(N)) throw new Error(`BENCH_N: expected a positive integer, got ${N}`);
const REPS = setting('BENCH_REPS', 2);
const WINDOW = setting('BENCH_WINDOW', 100);
const BATCH = Math.min(1000, setting('BENCH_BATCH', 500));
const BATCH_CONCURRENCY = setting('BENCH_BATCH_CONCURRENCY', 4);
const TIMEOUT_MS = setting('BENCH_TIMEOUT_S', 180) * 1000;
const KEEP = process.env.BENCH_KEEP === '1';

// 70 GSM-7 characters, one segment (as e2e.bench.ts workload b).
const TEXT_70 = 'Hello, this is a short GSM-7 benchmark message from smpp-gateway.'.padEnd(70, '.');

interface Configuration {
  key: string;
  label: string;
  daemons: number;
  backend: 'standalone' | 'cluster';
}

const CONFIGURATIONS: Configuration[] = [
  { key: 'standalone-1', label: '1 daemon, 1 Redis', daemons: 1, backend: 'standalone' },
  { key: 'standalone-2', label: '2 daemons, 1 Redis', daemons: 2, backend: 'standalone' },
  { key: 'cluster-1', label: '1 daemon, 3-primary Cluster', daemons: 1, backend: 'cluster' },
  { key: 'cluster-2', label: '2 daemons, 3-primary Cluster', daemons: 2, backend: 'cluster' },
];
const ONLY = new Set(
  (process.env.BENCH_CONFIGS ?? CONFIGURATIONS.map((c) => c.key).join(',')).split(',').map((s) => s.trim()),
);

// ---------------------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------------------

type Row = Record<string, unknown>;
const output = new BenchOutput<Row>('scaling');
const rows = output.rows;
const emit = (row: Row): Row => output.emit(row);

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

// ---------------------------------------------------------------------------------------------------------
// Redis: one server or the primaries of a cluster, measured node by node
// ---------------------------------------------------------------------------------------------------------

interface Backend {
  kind: 'standalone' | 'cluster';
  servers: RedisServer[];
  redis: Pick<GatewayOptions, 'redisUrl' | 'redisCluster'>;
  flushAll(): Promise<void>;
  stop(): Promise<void>;
}

async function standaloneBackend(dir: string): Promise<Backend> {
  const server = await RedisServer.start(dir);
  return {
    kind: 'standalone',
    servers: [server],
    redis: { redisUrl: server.url },
    flushAll: () => server.flushAll(),
    stop: () => server.stop(),
  };
}

async function clusterBackend(dir: string): Promise<Backend> {
  const cluster = await RedisCluster.start(dir, 3, TIMEOUT_MS);
  return {
    kind: 'cluster',
    servers: cluster.servers,
    redis: { redisCluster: cluster.nodes },
    flushAll: () => cluster.flushAll(),
    stop: () => cluster.stop(),
  };
}

async function totalCommands(backend: Backend): Promise<number> {
  let total = 0;
  for (const server of backend.servers) total += await server.totalCommands();
  return total;
}

interface Idle {
  /** Commands per second, all primaries together. */
  cmdsPerS: number;
  /** Share of one core each primary (INFO cpu) and each daemon (/proc) used. */
  redisCores: number[];
  nodeCores: number[];
}

/** What the daemons and Redis do while nothing is sent (the daemons' background polling), over `ms`. */
async function idle(backend: Backend, gateways: Gateway[], ms = 2000): Promise<Idle> {
  const redisCpu = async () => {
    const cpu: number[] = [];
    for (const server of backend.servers) cpu.push((await server.snapshot()).cpu);
    return cpu;
  };
  const commands = await totalCommands(backend);
  const redis = await redisCpu();
  const node = gateways.map((g) => g.cpu());
  const at = Date.now();
  await sleep(ms);
  const seconds = (Date.now() - at) / 1000;
  const nodeCores = gateways.map((g, d) => round((g.cpu() - node[d]!) / seconds, 3));
  const redisCores = (await redisCpu()).map((cpu, j) => round((cpu - redis[j]!) / seconds, 3));
  return { cmdsPerS: ((await totalCommands(backend)) - commands) / seconds, redisCores, nodeCores };
}

/**
 * Wait until Redis is back to its idle rate (the daemons' background polling: on a cluster, reads of every
 * shard every 25 ms, so not near zero), at most `maxMs`.
 */
async function settle(backend: Backend, idlePerS: number, maxMs = 30_000): Promise<void> {
  const stepMs = 200;
  const threshold = (idlePerS * stepMs * 1.5) / 1000 + 40;
  const deadline = Date.now() + maxMs;
  let last = await totalCommands(backend);
  while (Date.now() < deadline) {
    await sleep(stepMs);
    const now = await totalCommands(backend);
    if (now - last <= threshold) return;
    last = now;
  }
  note(`Redis still busy after ${maxMs} ms: figures include work still under way`);
}

// ---------------------------------------------------------------------------------------------------------
// One configuration
// ---------------------------------------------------------------------------------------------------------

interface RepFigures extends Record<string, unknown> {
  rep: number;
  msgPerS: number;
}

/** `n` split into `parts` nearly equal shares. */
function shares(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

async function finalTotal(gateways: Gateway[]): Promise<number | undefined> {
  let total: number | undefined;
  for (const gateway of gateways) {
    const count = await gateway.finalCount();
    if (count !== undefined) total = (total ?? 0) + count;
  }
  return total;
}

async function bindsPerDaemon(gateways: Gateway[]): Promise<Array<number | undefined>> {
  return Promise.all(gateways.map((g) => g.bindsBound()));
}

async function configuration(dir: string, backend: Backend, c: Configuration): Promise<void> {
  const prefix = `bscale${c.key.replace(/\W/g, '')}${process.pid}`;
  let sink: { proc: Proc; port: number } | undefined;
  const gateways: Gateway[] = [];
  const reps: RepFigures[] = [];
  try {
    sink = await startSink(dir, `sink-${c.key}`, ['-n', String(N), '-r']);
    // The same configuration for every daemon (Gateway.start gives each its own HTTP port).
    for (let d = 1; d <= c.daemons; d++) {
      gateways.push(
        await Gateway.start(ROOT, {
          dir,
          name: `${c.key}-daemon${d}`,
          ...backend.redis,
          keyPrefix: prefix,
          smscPort: sink.port,
          receipts: true,
          window: WINDOW,
          operatorRequired: true,
          binds: c.daemons,
          // BENCH_CPU_PROF=<dir>: a V8 CPU profile of each daemon there (bench/lib/profile-top.ts reads one).
          ...(process.env.BENCH_CPU_PROF
            ? {
                nodeArgs: [
                  '--cpu-prof',
                  '--cpu-prof-dir',
                  process.env.BENCH_CPU_PROF,
                  '--cpu-prof-name',
                  `${c.key}-daemon${d}.cpuprofile`,
                ],
              }
            : {}),
        }),
      );
    }
    // `binds` is shared among the live daemons by leases: wait until each holds its one.
    let binds = await bindsPerDaemon(gateways);
    try {
      binds = await until(
        'one bind per daemon',
        async () => {
          const now = await bindsPerDaemon(gateways);
          return now.every((b) => b === 1) ? now : undefined;
        },
        30_000,
        200,
      );
    } catch {
      binds = await bindsPerDaemon(gateways);
      note(`${c.key}: binds per daemon still ${JSON.stringify(binds)} after 30 s; measuring anyway`);
    }
    await sleep(1000);
    const quiet = await idle(backend, gateways);
    for (let rep = 1; rep <= REPS; rep++) {
      const figures = await repetition(backend, gateways, sink.proc, rep, quiet);
      figures.bindsPerDaemon = binds;
      reps.push(figures);
      note(
        `${c.key} rep ${rep}: ${figures.msgPerS} msg/s, node ${JSON.stringify(figures.nodeCpuUsPerMsgPerDaemon)} µs/msg per daemon, redis ${JSON.stringify(figures.redisCpuUsPerMsgPerPrimary)} µs/msg per primary`,
      );
    }
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
    await sink?.proc.stop();
    await backend.flushAll().catch((error) => note(`FLUSHALL failed: ${errorMessage(error)}`));
  }
  emit({
    figure: 'scaling',
    configuration: c.key,
    label: c.label,
    daemons: c.daemons,
    redisPrimaries: backend.servers.length,
    redis: backend.kind,
    shards: backend.kind === 'cluster' ? 16 : 1,
    n: N,
    segments: 1,
    receipts: true,
    window: WINDOW,
    bindsTotal: c.daemons,
    injection: `POST /v1/messages/batch, ${BATCH} per request, ${BATCH_CONCURRENCY} in flight per daemon, ${c.daemons > 1 ? 'the daemons concurrently, an equal share each' : 'one daemon'}`,
    until: 'last receipt acknowledged (sink TARGET dlr_acked)',
    ...summarise(reps),
    reps,
  });
}

async function repetition(
  backend: Backend,
  gateways: Gateway[],
  sink: Proc,
  rep: number,
  quiet: Idle,
): Promise<RepFigures> {
  await settle(backend, quiet.cmdsPerS);
  const from = sink.lines.length;
  sink.signal('SIGUSR1');
  const mark = await sink.waitForLine(/^MARK/, 5000, from);
  const finalBefore = await finalTotal(gateways);
  const load = os.loadavg()[0]!;
  const redisStart: RedisSnapshot[] = [];
  for (const server of backend.servers) redisStart.push(await server.snapshot());
  const nodeStart = gateways.map((g) => g.cpu());
  const counts = shares(N, gateways.length);
  const injections: Injection[] = await Promise.all(
    gateways.map((gateway, d) =>
      injectBatches(gateway, counts[d]!, () => TEXT_70, {
        batch: BATCH,
        concurrency: BATCH_CONCURRENCY,
        offset: rep * N + counts.slice(0, d).reduce((a, b) => a + b, 0),
      }),
    ),
  );
  const t0 = Math.min(...injections.map((i) => i.t0));
  const refused = injections.reduce((a, i) => a + i.refused, 0);
  if (refused > 0)
    throw new Error(
      `${refused} of ${N} messages refused: ${injections.find((i) => i.firstError)?.firstError}`,
    );
  const submitsLine = await sink.waitForLine(/^TARGET submits=/, TIMEOUT_MS, mark.index);
  const submitsDone = Number(/done_ms=(\d+)/.exec(submitsLine.line)?.[1]);
  const receiptsLine = await sink.waitForLine(/^TARGET dlr_acked=/, TIMEOUT_MS, mark.index);
  const done = Number(/done_ms=(\d+)/.exec(receiptsLine.line)?.[1]);
  // Every message in a final state, as the daemons' metrics count them (summed over the daemons).
  let allFinal: number | undefined;
  if (finalBefore !== undefined) {
    allFinal = await until(
      'every message in a final state (smppgw_messages_final_total)',
      async () => (((await finalTotal(gateways)) ?? 0) - finalBefore >= N ? Date.now() : undefined),
      TIMEOUT_MS,
      100,
    );
  }
  await settle(backend, quiet.cmdsPerS);
  const at = Date.now();
  const nodeCpu = gateways.map((g, d) => g.cpu() - nodeStart[d]!);
  const redisEnd: RedisSnapshot[] = [];
  for (const server of backend.servers) redisEnd.push(await server.snapshot());
  const redisCpu = redisEnd.map((s, j) => s.cpu - redisStart[j]!.cpu);
  const commands = redisEnd.map((s, j) => commandDelta(redisStart[j]!, s).total);
  const windowS = (at - t0) / 1000;
  const msgPerS = Math.round((N * 1000) / (done - t0));
  return {
    rep,
    msgPerS,
    msgPerSPerDaemon: Math.round(msgPerS / gateways.length),
    submitSmPerS: Math.round((N * 1000) / (submitsDone - t0)),
    acceptPerS: Math.round((N * 1000) / (Math.max(...injections.map((i) => i.t1)) - t0)),
    receiptsAckedDoneMs: done - t0,
    ...(allFinal !== undefined
      ? { finalMsgPerS: Math.round((N * 1000) / (allFinal - t0)), allFinalMs: allFinal - t0 }
      : {}),
    // Each daemon's CPU over its share of the messages (N / daemons), from the first request until Redis
    // is idle again; and all daemons' CPU over all messages.
    nodeCpuUsPerMsgPerDaemon: nodeCpu.map((s, d) => round((s * 1e6) / counts[d]!, 1)),
    nodeCpuUsPerMsg: round((nodeCpu.reduce((a, b) => a + b, 0) * 1e6) / N, 1),
    nodeCoresPerDaemon: nodeCpu.map((s) => round(s / windowS, 2)),
    // Each primary's CPU (INFO cpu) over all N messages, and their sum.
    redisCpuUsPerMsgPerPrimary: redisCpu.map((s) => round((s * 1e6) / N, 1)),
    redisCpuUsPerMsg: round((redisCpu.reduce((a, b) => a + b, 0) * 1e6) / N, 1),
    redisCoresPerPrimary: redisCpu.map((s) => round(s / windowS, 2)),
    redisAofRewriteCpuUsPerMsg: round(
      (redisEnd.reduce((a, s, j) => a + s.childrenCpu - redisStart[j]!.childrenCpu, 0) * 1e6) / N,
      1,
    ),
    redisCmdsPerMsgPerPrimary: commands.map((k) => round(k / N, 2)),
    redisCmdsPerMsg: round(commands.reduce((a, b) => a + b, 0) / N, 2),
    // While nothing is sent (the daemons' background polling, measured before the first repetition):
    // included in the figures above, in proportion to the window.
    idleRedisCmdsPerS: Math.round(quiet.cmdsPerS),
    idleRedisCoresPerPrimary: quiet.redisCores,
    idleNodeCoresPerDaemon: quiet.nodeCores,
    windowMs: at - t0,
    loadAverage1m: round(load, 2),
  };
}

/** Medians across repetitions, figure by figure (lists element by element), and the spread of msg/s. */
function summarise(reps: RepFigures[]): Record<string, unknown> {
  if (reps.length === 0) return {};
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(reps[0]!)) {
    if (key === 'rep') continue;
    const values = reps.map((r) => r[key]);
    if (values.every((v): v is number => typeof v === 'number')) out[key] = round(median(values), 2);
    else if (values.every((v): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number')))
      out[key] = values[0]!.map((_, i) => round(median(values.map((v) => v[i]!)), 2));
    else out[key] = values[0];
  }
  const rates = reps.map((r) => r.msgPerS);
  out.msgPerSMin = Math.min(...rates);
  out.msgPerSMax = Math.max(...rates);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------

function table(): string {
  const header = [
    'configuration',
    'daemons',
    'primaries',
    'msg/s',
    'msg/s/daemon',
    'node µs/msg per daemon',
    'redis µs/msg per primary',
    'load',
    'n',
  ];
  const lines = rows
    .filter((r) => r.figure === 'scaling' || r.figure === 'error')
    .map((r) => {
      if (r.figure === 'error')
        return [String(r.configuration), '', '', 'ERROR', String(r.error).slice(0, 60), '', '', '', ''];
      const list = (v: unknown) => (Array.isArray(v) ? v.join(' / ') : 'n/a');
      return [
        String(r.label),
        String(r.daemons),
        String(r.redisPrimaries),
        String(r.msgPerS),
        String(r.msgPerSPerDaemon),
        list(r.nodeCpuUsPerMsgPerDaemon),
        list(r.redisCpuUsPerMsgPerPrimary),
        String(r.loadAverage1m),
        String(r.n),
      ];
    });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  return [format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}

async function main(): Promise<void> {
  installExitHandlers();
  const dir = mkdtempSync(join(os.tmpdir(), 'smpp-scaling-'));
  note(
    `scaling: ${N} one-part messages, receipts on, window ${WINDOW}, ${REPS} reps, ${os.cpus().length} CPUs, work folder ${dir}`,
  );
  emit({
    figure: 'machine',
    date: new Date().toISOString().slice(0, 10),
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((l) => round(l, 2)),
  });
  try {
    buildSink();
    for (const kind of ['standalone', 'cluster'] as const) {
      const wanted = CONFIGURATIONS.filter((c) => c.backend === kind && ONLY.has(c.key));
      if (wanted.length === 0) continue;
      let backend: Backend | undefined;
      try {
        note(`starting ${kind === 'cluster' ? 'a 3-primary Redis Cluster' : 'one redis-server'}`);
        backend = kind === 'cluster' ? await clusterBackend(dir) : await standaloneBackend(dir);
        for (const c of wanted) {
          note(`${c.key}: ${c.label}`);
          try {
            await configuration(dir, backend, c);
          } catch (error) {
            output.failures++;
            note(`${c.key} failed: ${errorMessage(error)}`);
            emit({ figure: 'error', configuration: c.key, error: errorMessage(error).split('\n')[0] });
          }
        }
      } catch (error) {
        // The Redis side could not start: every configuration on it fails with that reason.
        for (const c of wanted.filter((w) => !rows.some((r) => r.configuration === w.key))) {
          output.failures++;
          note(`${c.key} failed: ${errorMessage(error)}`);
          emit({ figure: 'error', configuration: c.key, error: errorMessage(error).split('\n')[0] });
        }
      } finally {
        await backend?.stop().catch((error) => note(`stopping Redis failed: ${errorMessage(error)}`));
      }
    }
  } finally {
    process.stderr.write(`\n${table()}\n`);
    if (KEEP || output.failures > 0) note(`work folder kept: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  note(`scaling failed: ${errorMessage(error)}`);
  process.exitCode = 1;
});
