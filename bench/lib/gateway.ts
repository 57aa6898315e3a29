// The daemon under test, driven only through its public interfaces: a YAML config file (keys from
// docs/configuration.md), `node dist/main.js start --config FILE`, GET /readyz and the HTTP API.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildRequest, httpGet, HttpConnection } from './http.js';
import { Proc, cpuSeconds, freePort, memory, until } from './proc.js';

export const API_KEY = 'bench-key';
export const SENDER = 'ACME';
/** The bench account's SMPP-server password (the platform workload binds with it). */
export const SMPP_PASSWORD = 'benchpw';

export interface GatewayOptions {
  dir: string;
  name: string;
  /** One Redis (`redis.url`); ignored when redisCluster is given. */
  redisUrl?: string;
  /** Redis Cluster seed nodes (`redis.cluster`, redis://host:port each), instead of redisUrl. */
  redisCluster?: string[];
  keyPrefix: string;
  smscPort: number;
  receipts: boolean;
  window: number;
  /** false: /readyz does not wait for a bind (the operator may be unreachable on purpose). */
  operatorRequired: boolean;
  /** Also declare smppServer.listen on this port (the SMPP server ingress, when it exists). */
  smppServerPort?: number;
  maxDepth?: number;
  /** Extra node options for the daemon (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** operators[].binds: sessions to the sink across all daemons together (default 1). */
  binds?: number;
}

export function gatewayConfig(o: GatewayOptions, httpPort: number): string {
  const lines = [
    '# Written by bench/e2e.bench.ts for one benchmark workload.',
    'log:',
    '  level: warn',
    'redis:',
    ...(o.redisCluster !== undefined
      ? [`  cluster: [${o.redisCluster.map((node) => JSON.stringify(node)).join(', ')}]`]
      : [`  url: ${o.redisUrl}`]),
    `  keyPrefix: ${o.keyPrefix}`,
    'http:',
    `  listen: 127.0.0.1:${httpPort}`,
    ...(o.smppServerPort !== undefined ? ['smppServer:', `  listen: 127.0.0.1:${o.smppServerPort}`] : []),
    'simulator:',
    '  enabled: false',
    'accounts:',
    '  - id: bench',
    `    apiKeys: ['${API_KEY}']`,
    `    senders: [${SENDER}]`,
    '    tps: 1000000',
    ...(o.smppServerPort !== undefined ? [`    smpp: { systemId: bench, password: ${SMPP_PASSWORD} }`] : []),
    'operators:',
    '  - id: sink',
    '    host: 127.0.0.1',
    `    port: ${o.smscPort}`,
    '    systemId: bench',
    '    password: secret',
    '    bindMode: transceiver',
    `    binds: ${o.binds ?? 1}`,
    `    window: ${o.window}`,
    '    tps: 1000000',
    `    receipts: ${o.receipts}`,
    `    required: ${o.operatorRequired}`,
    '    reconnect: { initialMs: 1000, maxMs: 5000, bindRefusedMinMs: 1000 }',
    'routes:',
    "  - { prefix: '', operator: sink }",
    'queue:',
    `  maxDepth: ${o.maxDepth ?? 2_000_000}`,
    ...(process.env.BENCH_QUEUE_BATCH ? [`  batchSize: ${process.env.BENCH_QUEUE_BATCH}`] : []),
    '',
  ];
  return lines.join('\n');
}

export class Gateway {
  private constructor(
    readonly proc: Proc,
    readonly httpPort: number,
    readonly configFile: string,
  ) {}

  static async start(root: string, o: GatewayOptions, readyTimeoutMs = 30_000): Promise<Gateway> {
    const main = join(root, 'dist', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: run "npm run build" first`);
    const httpPort = await freePort();
    const configFile = join(o.dir, `${o.name}.yaml`);
    writeFileSync(configFile, gatewayConfig(o, httpPort));
    const proc = await Proc.start(
      `gateway(${o.name})`,
      process.execPath,
      [...(o.nodeArgs ?? []), main, 'start', '--config', configFile],
      { logFile: join(o.dir, `${o.name}.log`), cwd: o.dir, env: { ...process.env, LOG_LEVEL: 'warn' } },
    );
    try {
      await until(
        `${proc.name} /readyz`,
        async () => {
          if (!proc.running) throw new Error(`exited:\n${proc.tail()}`);
          const response = await httpGet(httpPort, '/readyz', 1000);
          return response.status === 200 ? true : undefined;
        },
        readyTimeoutMs,
        100,
      );
    } catch (error) {
      await proc.stop(2000);
      throw new Error(`${(error as Error).message}\n${proc.tail()}`);
    }
    return new Gateway(proc, httpPort, configFile);
  }

  /** Sessions of the operator bound on this instance (smppgw_binds_bound, summed); undefined if not exported. */
  async bindsBound(): Promise<number | undefined> {
    const response = await httpGet(this.httpPort, '/metrics', 5000);
    let total: number | undefined;
    for (const line of response.body.split('\n')) {
      if (!line.startsWith('smppgw_binds_bound')) continue;
      total = (total ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return total;
  }

  cpu(): number {
    return cpuSeconds(this.proc.pid);
  }

  /** The daemon's own memory figures from /metrics (V8 heap used and total, external), in bytes. */
  async heap(): Promise<{ heapUsed?: number; heapTotal?: number; external?: number }> {
    const body = (await httpGet(this.httpPort, '/metrics', 5000)).body;
    const value = (name: string) => {
      const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(body);
      return m ? Number(m[1]) : undefined;
    };
    return {
      heapUsed: value('smppgw_nodejs_heap_size_used_bytes'),
      heapTotal: value('smppgw_nodejs_heap_size_total_bytes'),
      external: value('smppgw_nodejs_external_memory_bytes'),
    };
  }

  memory(): { rss: number; peak: number } {
    return memory(this.proc.pid);
  }

  /** Messages in a final state so far (smppgw_messages_final_total, summed); undefined if not exported. */
  async finalCount(): Promise<number | undefined> {
    const response = await httpGet(this.httpPort, '/metrics', 5000);
    // A labelled counter has no sample before its first increment, but its HELP line is there.
    let total = response.body.includes('# HELP smppgw_messages_final_total') ? 0 : undefined;
    for (const line of response.body.split('\n')) {
      if (!line.startsWith('smppgw_messages_final_total')) continue;
      total = (total ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return total;
  }

  connection(): HttpConnection {
    return new HttpConnection(this.httpPort);
  }

  async stop(): Promise<void> {
    await this.proc.stop(15_000);
  }
}

/** A valid French mobile number per index (distinct recipients, as real traffic). */
export function recipient(i: number): string {
  return `+336${String(10_000_000 + (i % 89_999_999)).padStart(8, '0')}`;
}

export function messageJson(i: number, text: string): string {
  return JSON.stringify({ to: recipient(i), from: SENDER, text, class: 'transactional' });
}

const AUTH = { authorization: `Bearer ${API_KEY}` };

export function batchRequest(messages: string[]): Buffer {
  return buildRequest('POST', '/v1/messages/batch', `{"messages":[${messages.join(',')}]}`, AUTH);
}

export function singleRequest(message: string): Buffer {
  return buildRequest('POST', '/v1/messages', message, AUTH);
}

/** Accepted ids and refusals in a batch response. */
export function countBatch(body: string): { accepted: number; refused: number; firstError?: string } {
  const parsed = JSON.parse(body) as {
    results?: Array<{ id?: string; error?: { code: string; message: string } }>;
    error?: { code: string; message: string };
  };
  if (!parsed.results)
    return { accepted: 0, refused: 0, firstError: parsed.error?.code ?? body.slice(0, 200) };
  let accepted = 0;
  let firstError: string | undefined;
  for (const result of parsed.results) {
    if (result.id) accepted++;
    else firstError ??= `${result.error?.code}: ${result.error?.message}`;
  }
  return { accepted, refused: parsed.results.length - accepted, ...(firstError ? { firstError } : {}) };
}
