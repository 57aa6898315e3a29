// Benchmark (not a test): Redis ingress entries per second into a whole gateway (a real redis-server, every
// entry validated, queued through enqueue.lua, given its outcome and acknowledged). An aggregator XADDs `n`
// entries (pipelined, as fast as Redis takes them) while the gateway reads; the clock runs from the first
// XADD to the last entry settled. Two runs: with the send side idle (the operator unreachable, so the figure
// is the ingress alone) and with the built-in simulator bound (the daemon also sending, on the same cores).
// No account tps: the figure is the ingress's own ceiling. Prints one JSON line per run.
//   npx tsx bench/redis-ingress.bench.ts [N]
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Gateway } from '../src/app.js';
import { buildConfig } from '../src/config/index.js';
import { ManagedRedis, duplicateClient, freePort } from '../src/store/index.js';

export interface RedisIngressBenchResult {
  n: number;
  sending: boolean;
  accepted: number;
  ms: number;
  entriesPerSecond: number;
}

async function settled(gateway: Gateway): Promise<number> {
  const metric = await gateway.metrics.ingressEntries.get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}

export async function benchRedisIngress(n: number, sending: boolean): Promise<RedisIngressBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'smppgw-bench-ingress-'));
  const redis = new ManagedRedis({ dataDir: dir });
  const url = await redis.start();
  const simulatorPort = await freePort();
  const nowhere = await freePort();
  const config = buildConfig({
    log: { level: 'error' },
    redis: { url, keyPrefix: 'bench' },
    http: { listen: '127.0.0.1:0' },
    simulator: sending
      ? { enabled: true, listen: `127.0.0.1:${simulatorPort}`, receiptDelayMs: 0 }
      : { enabled: false },
    accounts: [{ id: 'acme', apiKeys: ['bench'], senders: ['ACME'] }],
    operators: [
      {
        id: 'sim',
        host: '127.0.0.1',
        port: sending ? simulatorPort : nowhere,
        systemId: 'gw',
        password: 'pw',
        tps: 1_000_000,
        window: 50,
      },
    ],
    queue: { maxDepth: 10_000_000 },
  });
  const gateway = new Gateway(config, { logger: pino({ level: 'error' }) });
  try {
    await gateway.start();
    const client = duplicateClient(gateway.store.redis);
    const stream = gateway.store.keys.ingress('acme');
    const started = process.hrtime.bigint();
    for (let start = 0; start < n; start += 1000) {
      const pipeline = client.pipeline();
      for (let i = start; i < Math.min(n, start + 1000); i++) {
        pipeline.xadd(
          stream,
          '*',
          'to',
          '+33612345678',
          'from',
          'ACME',
          'class',
          'transactional',
          'text',
          `Benchmark message ${i} of a typical length, about sixty octets.`,
        );
      }
      await pipeline.exec();
    }
    while ((await settled(gateway)) < n) await new Promise((resolve) => setTimeout(resolve, 5));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    client.disconnect();
    const accepted = (await gateway.metrics.ingressEntries.get()).values
      .filter((v) => v.labels.outcome === 'accepted')
      .reduce((sum, v) => sum + v.value, 0);
    return { n, sending, accepted, ms: Math.round(ms), entriesPerSecond: Math.round((n / ms) * 1000) };
  } finally {
    await gateway.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const n = Number(process.argv[2] ?? 50_000);
  // A short warm-up so the JIT has seen every path before anything is measured.
  await benchRedisIngress(2_000, false);
  for (const sending of [false, true]) {
    const result = await benchRedisIngress(n, sending);
    console.log(
      JSON.stringify({
        bench: 'redis-ingress',
        node: process.version,
        cpus: os.cpus().length,
        transport: 'aggregator client, gateway and redis-server on one machine',
        ...result,
      }),
    );
  }
}
