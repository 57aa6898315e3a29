// Submits per second over one bind (window 1, 10, 50) against the in-process SMSC simulator, and the
// simulator's own ceiling measured with a raw pipelining client (no session layer). Prints JSON.
//   npx tsx bench/smpp.bench.ts [N]
import net from 'node:net';
import os from 'node:os';
import { pino } from 'pino';
import { operatorSchema } from '../src/config/index.js';
import { BindManager } from '../src/smpp/bind-manager.js';
import { FrameReader, encodePdu, makePdu } from '../src/smpp/pdu/index.js';
import type { SegmentSubmit } from '../src/smpp/types.js';
import { SmscSimulator } from '../src/simulator/index.js';

const N = Number(process.argv[2] ?? 20_000);
const WINDOWS = [1, 10, 50];
const logger = pino({ level: 'silent' });

const segment: SegmentSubmit = {
  sourceAddr: 'ACME',
  sourceAddrTon: 5,
  sourceAddrNpi: 0,
  destinationAddr: '33612345678',
  destAddrTon: 1,
  destAddrNpi: 1,
  esmClass: 0,
  dataCoding: 0,
  shortMessage: Buffer.from('Benchmark message of a typical length, about sixty octets.', 'latin1'),
  registeredDelivery: 0,
};

async function withSimulator<T>(run: (address: { host: string; port: number }) => Promise<T>): Promise<T> {
  const sim = new SmscSimulator({ port: 0, receipts: false, maxRecordedSubmits: 1 });
  const address = await sim.start();
  try {
    return await run(address);
  } finally {
    await sim.stop();
  }
}

/** N submits through BindManager (one transmitter bind), `window` of them in flight. */
async function benchWindow(
  window: number,
): Promise<{ window: number; n: number; ms: number; perSecond: number }> {
  return withSimulator(async ({ host, port }) => {
    const operator = operatorSchema.parse({
      id: 'bench',
      host,
      port,
      systemId: 'bench',
      password: 'bench',
      bindMode: 'transmitter',
      binds: 1,
      window,
      responseTimeoutMs: 10_000,
    });
    const manager = new BindManager(operator, { logger, onDeliver: async () => 0 });
    manager.start();
    if (!(await manager.whenBound(5000))) throw new Error('bench: no bind');
    let sent = 0;
    let failed = 0;
    const started = process.hrtime.bigint();
    const worker = async (): Promise<void> => {
      while (sent < N) {
        sent += 1;
        const result = await manager.submit(segment);
        if (result.outcome !== 'ok') failed += 1;
      }
    };
    await Promise.all(Array.from({ length: window }, () => worker()));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    await manager.stop();
    if (failed > 0) throw new Error(`bench: ${failed} submits failed`);
    return { window, n: N, ms: Math.round(ms), perSecond: Math.round((N / ms) * 1000) };
  });
}

/** The simulator's ceiling: a raw socket pipelining submit_sm with `depth` outstanding, no session layer. */
async function benchRaw(depth: number): Promise<{ depth: number; n: number; ms: number; perSecond: number }> {
  return withSimulator(
    ({ host, port }) =>
      new Promise((resolve, reject) => {
        const socket = net.connect({ host, port });
        socket.setNoDelay(true);
        const reader = new FrameReader();
        const submit = encodePdu(
          makePdu('submit_sm', { ...segment, serviceType: '' }, { sequenceNumber: 1 }),
        );
        let written = 0;
        let answered = 0;
        let started = 0n;
        const write = (count: number): void => {
          const batch: Buffer[] = [];
          for (let i = 0; i < count && written < N; i++) {
            written += 1;
            const pdu = Buffer.from(submit);
            pdu.writeUInt32BE(written + 1, 12);
            batch.push(pdu);
          }
          if (batch.length > 0) socket.write(Buffer.concat(batch));
        };
        socket.on('error', reject);
        socket.on('connect', () => {
          socket.write(
            encodePdu(
              makePdu(
                'bind_transmitter',
                { systemId: 'raw', password: 'raw', interfaceVersion: 0x34 },
                { sequenceNumber: 1 },
              ),
            ),
          );
        });
        socket.on('data', (chunk: Buffer) => {
          for (const frame of reader.push(chunk)) {
            const commandId = frame.readUInt32BE(4);
            if (commandId === 0x80000002) {
              started = process.hrtime.bigint();
              write(depth);
            } else if (commandId === 0x80000004) {
              answered += 1;
              if (answered === N) {
                const ms = Number(process.hrtime.bigint() - started) / 1e6;
                socket.destroy();
                resolve({ depth, n: N, ms: Math.round(ms), perSecond: Math.round((N / ms) * 1000) });
                return;
              }
              write(1);
            }
          }
        });
      }),
  );
}

const results = {
  windows: [] as Awaited<ReturnType<typeof benchWindow>>[],
  simulatorCeiling: [] as Awaited<ReturnType<typeof benchRaw>>[],
};
// One warm-up round so the JIT has seen every path before anything is measured.
await benchWindow(10);
for (const window of WINDOWS) results.windows.push(await benchWindow(window));
for (const depth of [50, 500]) results.simulatorCeiling.push(await benchRaw(depth));

console.log(
  JSON.stringify(
    {
      bench: 'smpp',
      conditions: {
        node: process.version,
        cpus: os.cpus().length,
        cpu: os.cpus()[0]?.model,
        transport: 'TCP loopback, gateway and simulator in one process',
        binds: 1,
        bindMode: 'transmitter',
        shortMessageOctets: segment.shortMessage.length,
      },
      ...results,
    },
    null,
    2,
  ),
);
