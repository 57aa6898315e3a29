// Fault (a), client side: an SMSC sends 10,000 random and mutated PDUs (truncated, wrong lengths, unknown
// commands and TLVs, strings without NUL, sm_length and UDH that lie, odd UCS-2, a few impossible
// command_lengths) at one of the gateway's client sessions, about one in six a valid MO. The gateway neither
// crashes nor hangs, its heap stays flat, every valid MO is stored in Redis (re-sent by the SMSC after a
// framing loss, as SMSCs do), and traffic on its other operator's session keeps flowing.
import net from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gateway } from '../../src/app.js';
import { buildConfig, type ConfigInput } from '../../src/config/index.js';
import {
  CommandStatus,
  commandStatusName,
  decodePdu,
  encodePdu,
  FrameReader,
  makePdu,
  type Pdu,
} from '../../src/smpp/pdu/index.js';
import { freePort } from '../../src/store/index.js';
import { waitFor } from '../helpers/gateway.js';
import { testKeys, startTestRedis, uniquePrefix, type TestRedis } from '../helpers/redis.js';
import { heapMb, report, tally } from './helpers.js';
import { PduFuzzer, type FuzzPdu } from './pdu-fuzzer.js';

const SHORT_CODE = '36180';
const TOTAL = 10_000;
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_201);

/** A hostile SMSC: binds whoever asks, then sends what the test gives it; counts every answer. */
class FuzzSmsc {
  readonly responses = new Map<string, number>();
  /** Valid PDUs sent on the current connection and not yet answered ESME_ROK. */
  readonly outstanding = new Map<number, FuzzPdu>();
  readonly resend: FuzzPdu[] = [];
  readonly acked = new Set<string>();
  closes = 0;
  binds = 0;
  private socket: net.Socket | undefined;
  private server: net.Server | undefined;
  private boundWaiters: Array<() => void> = [];
  private markers = new Map<number, () => void>();

  async listen(port: number): Promise<void> {
    this.server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
  }

  get bound(): boolean {
    return this.socket !== undefined;
  }

  whenBound(): Promise<void> {
    if (this.socket) return Promise.resolve();
    return new Promise((resolve) => this.boundWaiters.push(resolve));
  }

  private accept(socket: net.Socket): void {
    const reader = new FrameReader();
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = reader.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const frame of frames) this.onFrame(socket, frame);
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.closes += 1;
      // Unanswered deliver_sm are sent again on the next bind, as an SMSC does.
      this.resend.push(...this.outstanding.values());
      this.outstanding.clear();
    });
  }

  private onFrame(socket: net.Socket, frame: Buffer): void {
    let pdu: Pdu;
    try {
      const decoded = decodePdu(frame);
      if (decoded.command === 'unknown') return;
      pdu = decoded;
    } catch {
      tally(this.responses, 'undecodable');
      return;
    }
    if (pdu.command === 'bind_transceiver') {
      socket.write(
        encodePdu(
          makePdu('bind_transceiver_resp', { systemId: 'FUZZ' }, { sequenceNumber: pdu.sequenceNumber }),
        ),
      );
      this.binds += 1;
      this.socket = socket;
      for (const w of this.boundWaiters.splice(0)) w();
      return;
    }
    if (pdu.command === 'enquire_link') {
      socket.write(encodePdu(makePdu('enquire_link_resp', {}, { sequenceNumber: pdu.sequenceNumber })));
      return;
    }
    if (pdu.command === 'unbind') {
      socket.write(encodePdu(makePdu('unbind_resp', {}, { sequenceNumber: pdu.sequenceNumber })));
      socket.end();
      return;
    }
    tally(this.responses, `${pdu.command}:${commandStatusName(pdu.commandStatus)}`);
    this.markers.get(pdu.sequenceNumber)?.();
    const valid = this.outstanding.get(pdu.sequenceNumber);
    if (!valid) return;
    this.outstanding.delete(pdu.sequenceNumber);
    if (pdu.commandStatus === CommandStatus.ESME_ROK) this.acked.add(valid.valid!.text);
    else this.resend.push(valid);
  }

  /** Write these PDUs in one write (so several share a read at the other end). */
  send(pdus: FuzzPdu[]): void {
    const socket = this.socket;
    if (!socket) {
      this.resend.push(...pdus.filter((p) => p.valid));
      return;
    }
    for (const p of pdus) if (p.valid) this.outstanding.set(p.sequenceNumber, p);
    socket.write(Buffer.concat(pdus.map((p) => p.bytes)));
  }

  /** An enquire_link that must be answered within `timeoutMs`: the session is alive and reading. */
  async ping(sequenceNumber: number, timeoutMs: number): Promise<number> {
    await this.whenBound();
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no enquire_link_resp within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.markers.set(sequenceNumber, () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket!.write(encodePdu(makePdu('enquire_link', {}, { sequenceNumber })));
    });
    return Date.now() - started;
  }

  async close(): Promise<void> {
    this.socket?.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe('fault: random and mutated PDUs at a client session', () => {
  it(`${TOTAL} PDUs from a hostile SMSC: no crash, no hang, heap flat, every valid MO stored, the other operator's traffic flowing`, async () => {
    const [simPort, fuzzPort] = [await freePort(), await freePort()];
    const fuzz = new FuzzSmsc();
    await fuzz.listen(fuzzPort);
    const prefix = uniquePrefix('fuzz');
    const input = {
      log: { level: 'error' },
      redis: { url: redis.url, keyPrefix: prefix },
      http: { listen: '127.0.0.1:0' },
      simulator: { enabled: true, listen: `127.0.0.1:${simPort}`, receiptDelayMs: 20 },
      accounts: [{ id: 'acme', apiKeys: ['k'], senders: ['ACME', SHORT_CODE] }],
      operators: [
        { id: 'sim', host: '127.0.0.1', port: simPort, systemId: 'gateway', password: 'secret' },
        {
          id: 'fuzz',
          host: '127.0.0.1',
          port: fuzzPort,
          systemId: 'gateway',
          password: 'secret',
          receipts: false,
          reconnect: { initialMs: 20, maxMs: 100, bindRefusedMinMs: 20 },
        },
      ],
      routes: [{ prefix: '', operator: 'sim' }],
      shortCodes: [{ code: SHORT_CODE, account: 'acme', operator: 'fuzz' }],
      mo: { reassemblyTimeoutSeconds: 2, sweepIntervalMs: 200 },
    } as ConfigInput;
    const gateway = new Gateway(buildConfig(input), {
      logger: pino({ level: 'silent' }),
      receiptMatchWindowMs: 1000,
    });
    let sending = true;
    let traffic: Promise<void> | undefined;
    const sent: string[] = [];
    let trafficRefused = 0;
    try {
      await gateway.start();
      await fuzz.whenBound();
      await waitFor(() => ((gateway.bindManager('sim')?.boundCount() ?? 0) > 0 ? true : undefined), 10_000);
      const base = `http://${gateway.httpAddress.host}:${gateway.httpAddress.port}`;
      // Valid traffic on the other operator all along: one message every 10 ms.
      traffic = (async () => {
        while (sending) {
          const response = await fetch(`${base}/v1/messages`, {
            method: 'POST',
            headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
            body: JSON.stringify({
              to: '+33612345678',
              from: 'ACME',
              text: `flow ${sent.length}`,
              class: 'transactional',
            }),
          });
          const body = (await response.json()) as { id?: string };
          if (response.status === 202 && body.id) sent.push(body.id);
          else trafficRefused += 1;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })();

      const fuzzer = new PduFuzzer(SEED, 'smsc', { shortCode: SHORT_CODE, sender: 'ACME' });
      const validTexts = new Set<string>();
      let heapAfterWarmup = 0;
      let maxPingMs = 0;
      let generated = 0;
      while (generated < TOTAL) {
        await fuzz.whenBound();
        // Flow control as an SMSC's window: at most 50 valid PDUs unanswered.
        await waitFor(() => (fuzz.outstanding.size < 50 || !fuzz.bound ? true : undefined), 20_000, 'room');
        const chunk: FuzzPdu[] = fuzz.resend.splice(0, 10);
        while (chunk.length < 25 && generated < TOTAL) {
          const pdu = fuzzer.next();
          generated += 1;
          if (pdu.valid) validTexts.add(pdu.valid.text);
          chunk.push(pdu);
          if (pdu.breaksFraming) break;
        }
        const closes = fuzz.closes;
        fuzz.send(chunk);
        if (chunk.some((p) => p.breaksFraming)) {
          // The gateway must drop the connection (and bind again, maybe before this looks).
          await waitFor(
            () => (fuzz.closes > closes ? true : undefined),
            10_000,
            'the framing loss to close the session',
          );
        }
        if (generated % 1000 < 25)
          maxPingMs = Math.max(maxPingMs, await fuzz.ping(900_000_000 + generated, 5000));
        if (heapAfterWarmup === 0 && generated >= 2000) heapAfterWarmup = await heapMb();
      }
      // Every valid MO answered ESME_ROK at last (re-sent after each framing loss).
      await waitFor(
        async () => {
          if (fuzz.resend.length > 0 && fuzz.bound) fuzz.send(fuzz.resend.splice(0, 25));
          return fuzz.acked.size === validTexts.size ? true : undefined;
        },
        30_000,
        'every valid MO to be acknowledged',
      );
      maxPingMs = Math.max(maxPingMs, await fuzz.ping(999_999_999, 5000));
      const heapAtEnd = await heapMb();

      // In Redis: each valid MO in the account's event stream (duplicates only from re-sends).
      const entries = await redis.client.xrange(testKeys(prefix).events('acme'), '-', '+');
      const stored = new Map<string, number>();
      for (const [, flat] of entries) {
        const fields: Record<string, string> = {};
        for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
        if (fields.type === 'mo' && fields.text?.startsWith(`fz${SEED}-`)) tally(stored, fields.text);
      }
      const missing = [...validTexts].filter((t) => !stored.has(t));

      sending = false;
      await traffic;
      const views = await waitFor(
        async () => {
          const all = await Promise.all(sent.map((id) => gateway.store.messages.get(id)));
          return all.every((v) => v?.state === 'confirmed') ? all : undefined;
        },
        30_000,
        'the other operator’s traffic to be confirmed',
      );
      report('pdu-client', {
        seed: SEED,
        pdus: TOTAL,
        kinds: Object.fromEntries(fuzzer.counts),
        answers: Object.fromEntries(fuzz.responses),
        framingCloses: fuzz.closes,
        binds: fuzz.binds,
        validMo: validTexts.size,
        storedInRedis: stored.size,
        duplicatesInRedis: [...stored.values()].reduce((a, b) => a + b, 0) - stored.size,
        otherOperatorMessages: views.length,
        otherOperatorRefused: trafficRefused,
        maxEnquireLinkMs: maxPingMs,
        heapMbAfter2000: heapAfterWarmup.toFixed(1),
        heapMbAtEnd: heapAtEnd.toFixed(1),
      });
      expect(missing).toEqual([]);
      expect(trafficRefused).toBe(0);
      expect(views.length).toBeGreaterThan(100);
      expect(maxPingMs).toBeLessThan(2000);
      expect(heapAtEnd - heapAfterWarmup).toBeLessThan(10);
      expect(gateway.readiness().ready).toBe(true);
    } finally {
      sending = false;
      await traffic?.catch(() => undefined);
      await gateway.stop();
      await fuzz.close();
    }
  }, 180_000);
});
