// Fault (a), server side: a platform bound to the SMPP server sends 10,000 random and mutated PDUs (the same
// kinds as at the client sessions, as submit_sm, data_sm, query_sm, cancel_sm, replace_sm, submit_multi,
// binds again), about one in six a valid submit_sm. The server neither crashes nor hangs, its heap stays flat,
// every valid submit is accepted into the ingress (re-sent after a framing loss, as platforms do), and
// another platform's session keeps submitting with answers in time.
import net from 'node:net';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  CommandStatus,
  commandStatusName,
  decodePdu,
  encodePdu,
  FrameReader,
  makePdu,
  type Pdu,
} from '../../src/smpp/pdu/index.js';
import { TestEsme } from '../helpers/smpp-client.js';
import { waitFor } from '../helpers/gateway.js';
import { startServer } from '../integration/smpp-server/harness.js';
import { heapMb, report, tally } from './helpers.js';
import { PduFuzzer, type FuzzPdu } from './pdu-fuzzer.js';

const TOTAL = 10_000;
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_202);

/** A hostile platform: binds as acme, sends what the test gives it, binds again after each close. */
class FuzzPlatform {
  readonly responses = new Map<string, number>();
  readonly outstanding = new Map<number, FuzzPdu>();
  readonly resend: FuzzPdu[] = [];
  readonly accepted = new Set<string>();
  closes = 0;
  binds = 0;
  private socket: net.Socket | undefined;
  private ready: Promise<void> | undefined;
  private stopped = false;
  private bindSeq = 1;

  constructor(private readonly port: number) {}

  get bound(): boolean {
    return this.socket !== undefined;
  }

  /** Connected and bound (reconnecting if the server closed us). */
  whenBound(): Promise<void> {
    if (this.socket) return Promise.resolve();
    this.ready ??= this.connect().finally(() => {
      this.ready = undefined;
    });
    return this.ready;
  }

  private connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.port, '127.0.0.1');
      const reader = new FrameReader();
      socket.on('error', () => undefined);
      socket.on('connect', () => {
        const seq = this.bindSeq++;
        socket.write(
          encodePdu(
            makePdu(
              'bind_transceiver',
              { systemId: 'acme', password: 'secret1', interfaceVersion: 0x34 },
              { sequenceNumber: seq },
            ),
          ),
        );
      });
      socket.on('data', (chunk: Buffer) => {
        let frames: Buffer[];
        try {
          frames = reader.push(chunk);
        } catch {
          socket.destroy();
          return;
        }
        for (const frame of frames) {
          let pdu: Pdu;
          try {
            const decoded = decodePdu(frame);
            if (decoded.command === 'unknown') continue;
            pdu = decoded;
          } catch {
            tally(this.responses, 'undecodable');
            continue;
          }
          // Our own bind's answer (a fuzzed bind_transceiver gets one too, once bound: not this one).
          if (pdu.command === 'bind_transceiver_resp' && this.socket !== socket) {
            if (pdu.commandStatus !== 0) {
              reject(new Error(`bind refused ${pdu.commandStatus}`));
              socket.destroy();
              return;
            }
            this.binds += 1;
            this.socket = socket;
            resolve();
            continue;
          }
          this.onPdu(socket, pdu);
        }
      });
      socket.on('close', () => {
        if (this.socket === socket) {
          this.socket = undefined;
          this.closes += 1;
        }
        this.resend.push(...this.outstanding.values());
        this.outstanding.clear();
        if (!this.stopped && this.socket === undefined) reject(new Error('closed before bind'));
      });
    });
  }

  private onPdu(socket: net.Socket, pdu: Pdu): void {
    if (pdu.command === 'enquire_link') {
      socket.write(encodePdu(makePdu('enquire_link_resp', {}, { sequenceNumber: pdu.sequenceNumber })));
      return;
    }
    if (pdu.command === 'deliver_sm') {
      socket.write(encodePdu(makePdu('deliver_sm_resp', {}, { sequenceNumber: pdu.sequenceNumber })));
      return;
    }
    if (pdu.command === 'unbind') {
      socket.write(encodePdu(makePdu('unbind_resp', {}, { sequenceNumber: pdu.sequenceNumber })));
      return;
    }
    tally(this.responses, `${pdu.command}:${commandStatusName(pdu.commandStatus)}`);
    const valid = this.outstanding.get(pdu.sequenceNumber);
    if (!valid) return;
    this.outstanding.delete(pdu.sequenceNumber);
    if (pdu.command === 'submit_sm_resp' && pdu.commandStatus === CommandStatus.ESME_ROK)
      this.accepted.add(valid.valid!.text);
    else this.resend.push(valid);
  }

  send(pdus: FuzzPdu[]): void {
    const socket = this.socket;
    if (!socket) {
      this.resend.push(...pdus.filter((p) => p.valid));
      return;
    }
    for (const p of pdus) if (p.valid) this.outstanding.set(p.sequenceNumber, p);
    socket.write(Buffer.concat(pdus.map((p) => p.bytes)));
  }

  close(): void {
    this.stopped = true;
    this.socket?.destroy();
  }
}

describe('fault: random and mutated PDUs at the SMPP server', () => {
  it(`${TOTAL} PDUs from a hostile platform: no crash, no hang, heap flat, every valid submit accepted, another platform served`, async () => {
    const h = await startServer({
      server: { logger: pino({ level: 'silent' }) },
    });
    const fuzz = new FuzzPlatform(h.port);
    // The other platform (globex), submitting all along; each answer timed.
    const other = await TestEsme.connect(h.port);
    expect((await other.bind('transceiver', { systemId: 'globex', password: 'g-pass' })).commandStatus).toBe(
      0,
    );
    let sending = true;
    let otherOk = 0;
    let otherSlowest = 0;
    const otherFailures = new Map<string, number>();
    const traffic = (async () => {
      while (sending) {
        const started = Date.now();
        const resp = await other.submit({
          sourceAddr: 'GLOBEX',
          sourceAddrTon: 5,
          destinationAddr: '33612345678',
          destAddrTon: 1,
          shortMessage: Buffer.from(`flow ${otherOk}`),
        });
        otherSlowest = Math.max(otherSlowest, Date.now() - started);
        if (resp.commandStatus === 0) otherOk += 1;
        else tally(otherFailures, commandStatusName(resp.commandStatus));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    try {
      const fuzzer = new PduFuzzer(SEED, 'platform', { shortCode: '36180', sender: 'ACME' });
      const validTexts = new Set<string>();
      let heapAfterWarmup = 0;
      let generated = 0;
      while (generated < TOTAL) {
        await fuzz.whenBound();
        await waitFor(() => (fuzz.outstanding.size < 40 || !fuzz.bound ? true : undefined), 20_000, 'room');
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
          await waitFor(
            () => (fuzz.closes > closes ? true : undefined),
            10_000,
            'the server to close on a framing loss',
          );
        }
        if (heapAfterWarmup === 0 && generated >= 2000) heapAfterWarmup = await heapMb();
      }
      await waitFor(
        async () => {
          if (fuzz.resend.length > 0) {
            await fuzz.whenBound();
            fuzz.send(fuzz.resend.splice(0, 25));
          }
          return fuzz.accepted.size === validTexts.size ? true : undefined;
        },
        30_000,
        'every valid submit to be accepted',
      );
      const heapAtEnd = await heapMb();
      sending = false;
      await traffic;

      // At the ingress: each valid submit's text, at least once (more only after a re-send).
      const stored = new Map<string, number>();
      for (const s of h.store.submitted)
        if (s.message.text.startsWith(`fz${SEED}-`)) tally(stored, s.message.text);
      const missing = [...validTexts].filter((t) => !stored.has(t));
      report('pdu-server', {
        seed: SEED,
        pdus: TOTAL,
        kinds: Object.fromEntries(fuzzer.counts),
        answers: Object.fromEntries(fuzz.responses),
        framingCloses: fuzz.closes,
        binds: fuzz.binds,
        validSubmits: validTexts.size,
        acceptedAtIngress: stored.size,
        duplicatesAtIngress: [...stored.values()].reduce((a, b) => a + b, 0) - stored.size,
        otherPlatformOk: otherOk,
        otherPlatformRefused: Object.fromEntries(otherFailures),
        otherPlatformSlowestMs: otherSlowest,
        heapMbAfter2000: heapAfterWarmup.toFixed(1),
        heapMbAtEnd: heapAtEnd.toFixed(1),
      });
      expect(missing).toEqual([]);
      expect(otherFailures.size).toBe(0);
      expect(otherOk).toBeGreaterThan(50);
      expect(otherSlowest).toBeLessThan(2000);
      expect(heapAtEnd - heapAfterWarmup).toBeLessThan(10);
    } finally {
      sending = false;
      await traffic.catch(() => undefined);
      fuzz.close();
      await other.close();
    }
  }, 180_000);
});
