// Benchmark (not a test): messages per second through enqueue → stream → token bucket → bind →
// simulator, one gateway instance, and the Redis commands spent per message. Prints one JSON line.
// Run: npx tsx bench/queue.bench.ts [N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { Gateway } from '../src/app.js';
import { buildConfig } from '../src/config/index.js';
import { MessageQueue } from '../src/queue/index.js';
import { ManagedRedis } from '../src/store/index.js';
import { SmscSimulator } from '../src/simulator/index.js';

// Count the commands this process sends (every connection: the gateway's and the bench's own).
let roundTrips = 0;
const send = Redis.prototype.sendCommand;
Redis.prototype.sendCommand = function (this: Redis, ...args: Parameters<typeof send>) {
  roundTrips++;
  return send.apply(this, args);
};

async function commandsProcessed(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0);
}

async function run(total: number, receipts: boolean): Promise<Record<string, number | boolean>> {
  const dir = mkdtempSync(join(tmpdir(), 'smppgw-bench-'));
  const server = new ManagedRedis({ dataDir: dir });
  const url = await server.start();
  const sim = new SmscSimulator({ port: 0, receipts, receiptDelayMs: 0 });
  const { port } = await sim.start();
  const config = buildConfig({
    log: { level: 'error' },
    redis: { url, keyPrefix: 'bench' },
    http: { listen: '127.0.0.1:0' },
    accounts: [{ id: 'acme', apiKeys: ['k'], senders: ['ACME'] }],
    operators: [
      {
        id: 'sim',
        host: '127.0.0.1',
        port,
        systemId: 'gw',
        password: 'pw',
        tps: 1_000_000,
        window: 50,
        receipts,
      },
    ],
  });
  const gateway = new Gateway(config, { logger: pino({ level: 'error' }) });
  const redis = new Redis(url);
  try {
    await gateway.start();
    const queue = new MessageQueue(gateway.store.messages, config, () => 'sim');
    const before = await commandsProcessed(redis);
    const tripsBefore = roundTrips;
    const t0 = performance.now();
    for (let start = 0; start < total; start += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, total - start) }, (_, i) =>
          queue.enqueue({
            account: 'acme',
            to: '+33612345678',
            from: 'ACME',
            text: `bench ${start + i}`,
            class: 'transactional',
          }),
        ),
      );
    }
    const enqueued = performance.now();
    const done = async () => {
      if (!receipts) return sim.submits.length >= total;
      const confirmed = await redis.hget('bench:figures:account:acme', 'confirmed');
      return Number(confirmed ?? 0) >= total;
    };
    while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 20));
    const t1 = performance.now();
    const after = await commandsProcessed(redis);
    const trips = roundTrips - tripsBefore;
    const memory = process.memoryUsage();
    return {
      messages: total,
      receipts,
      enqueuePerSecond: Math.round(total / ((enqueued - t0) / 1000)),
      endToEndPerSecond: Math.round(total / ((t1 - t0) / 1000)),
      seconds: Number(((t1 - t0) / 1000).toFixed(2)),
      // Commands sent by the process per message (a MULTI/EXEC counts its parts), including the
      // benchmark's own polling, a few every 20 ms.
      clientCommandsPerMessage: Number((trips / total).toFixed(1)),
      // Commands Redis executed per message, those run inside Lua scripts included.
      serverCommandsPerMessage: Number(((after - before) / total).toFixed(1)),
      rssMiB: Math.round(memory.rss / 1048576),
    };
  } finally {
    redis.disconnect();
    await gateway.stop();
    await sim.stop();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const total = Number(process.argv[2] ?? 20_000);
const results = [await run(total, false), await run(total, true)];
for (const result of results)
  console.log(JSON.stringify({ bench: 'queue', node: process.version, ...result }));
