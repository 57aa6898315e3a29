// Benchmark (not a test): submit_sm accepted per second by the SMPP server of a whole gateway (a real
// redis-server, every submit answered only once its message is in Redis), from one platform bind keeping
// `window` submit_sm outstanding. The platform is a raw pipelining client on our own codec, so the figure is
// the server's, not a client library's. Two runs: with the send side idle (the operator unreachable, so the
// figure is the ingress alone) and with the built-in simulator bound (the daemon also sending what it
// accepts, on the same cores). Prints one JSON line per run.
//   npx tsx bench/smpp-server.bench.ts [N] [WINDOW]
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Gateway } from '../src/app.js';
import { buildConfig } from '../src/config/index.js';
import { FrameReader, encodePdu, makePdu } from '../src/smpp/pdu/index.js';
import { ManagedRedis, freePort } from '../src/store/index.js';

export interface SmppServerBenchResult {
  n: number;
  window: number;
  sending: boolean;
  accepted: number;
  refused: number;
  ms: number;
  acceptedPerSecond: number;
}

const SUBMIT_RESP = 0x80000004;
const BIND_TRANSMITTER_RESP = 0x80000002;

/** `n` submit_sm over one bind, `window` outstanding at any time; resolves when every one is answered. */
export function pipelineSubmits(
  port: number,
  n: number,
  window: number,
  credentials: { systemId: string; password: string } = { systemId: 'acme', password: 'bench' },
): Promise<{ accepted: number; refused: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    const reader = new FrameReader();
    const template = encodePdu(
      makePdu(
        'submit_sm',
        {
          serviceType: '',
          sourceAddrTon: 5,
          sourceAddrNpi: 0,
          sourceAddr: 'ACME',
          destAddrTon: 1,
          destAddrNpi: 1,
          destinationAddr: '33612345678',
          esmClass: 0,
          protocolId: 0,
          priorityFlag: 0,
          scheduleDeliveryTime: '',
          validityPeriod: '',
          registeredDelivery: 1,
          replaceIfPresentFlag: 0,
          dataCoding: 0,
          smDefaultMsgId: 0,
          shortMessage: Buffer.from('Benchmark message of a typical length, about sixty octets.', 'latin1'),
        },
        { sequenceNumber: 1 },
      ),
    );
    let written = 0;
    let accepted = 0;
    let refused = 0;
    let started = 0n;
    const write = (count: number): void => {
      const batch: Buffer[] = [];
      for (let i = 0; i < count && written < n; i++) {
        written += 1;
        const pdu = Buffer.from(template);
        pdu.writeUInt32BE(written + 1, 12);
        batch.push(pdu);
      }
      if (batch.length > 0) socket.write(Buffer.concat(batch));
    };
    socket.on('error', reject);
    socket.on('connect', () => {
      socket.write(
        encodePdu(
          makePdu('bind_transmitter', { ...credentials, interfaceVersion: 0x34 }, { sequenceNumber: 1 }),
        ),
      );
    });
    socket.on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) {
        const commandId = frame.readUInt32BE(4);
        const status = frame.readUInt32BE(8);
        if (commandId === BIND_TRANSMITTER_RESP) {
          if (status !== 0) {
            reject(new Error(`bench: bind refused (${status})`));
            return;
          }
          started = process.hrtime.bigint();
          write(window);
        } else if (commandId === SUBMIT_RESP) {
          if (status === 0) accepted += 1;
          else refused += 1;
          if (accepted + refused === n) {
            const ms = Number(process.hrtime.bigint() - started) / 1e6;
            socket.destroy();
            resolve({ accepted, refused, ms });
            return;
          }
          write(1);
        }
      }
    });
  });
}

/** A whole gateway on its own redis-server, with an SMPP server; measures `n` submits with `window`. */
export async function benchSmppServer(
  n: number,
  window: number,
  sending: boolean,
): Promise<SmppServerBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'smppgw-bench-server-'));
  const redis = new ManagedRedis({ dataDir: dir });
  const url = await redis.start();
  const simulatorPort = await freePort();
  // Nothing listens on `nowhere`: the operator stays unbound and nothing is sent.
  const nowhere = await freePort();
  const config = buildConfig({
    log: { level: 'error' },
    redis: { url, keyPrefix: 'bench' },
    http: { listen: '127.0.0.1:0' },
    simulator: sending
      ? { enabled: true, listen: `127.0.0.1:${simulatorPort}`, receiptDelayMs: 0 }
      : { enabled: false },
    smppServer: { listen: '127.0.0.1:0', maxOutstanding: window },
    accounts: [{ id: 'acme', smpp: { systemId: 'acme', password: 'bench' }, senders: ['ACME'] }],
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
  });
  const gateway = new Gateway(config, { logger: pino({ level: 'error' }) });
  try {
    await gateway.start();
    const port = gateway.smppServer?.addresses.plain?.port;
    if (port === undefined) throw new Error('bench: no SMPP listener');
    const { accepted, refused, ms } = await pipelineSubmits(port, n, window);
    return {
      n,
      window,
      sending,
      accepted,
      refused,
      ms: Math.round(ms),
      acceptedPerSecond: Math.round((accepted / ms) * 1000),
    };
  } finally {
    await gateway.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const isMain = import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const n = Number(process.argv[2] ?? 20_000);
  const window = Number(process.argv[3] ?? 100);
  // A short warm-up so the JIT has seen every path before anything is measured.
  await benchSmppServer(2_000, window, false);
  for (const sending of [false, true]) {
    const result = await benchSmppServer(n, window, sending);
    console.log(
      JSON.stringify({
        bench: 'smpp-server',
        node: process.version,
        cpus: os.cpus().length,
        transport: 'TCP loopback, platform client, gateway and redis-server on one machine',
        ...result,
      }),
    );
  }
}
