// A raw test ESME over net/tls on the PDU layer: connect, bind, send any PDU (or any bytes), await the
// response by sequence number, collect what the SMSC sends. Deliberately dumb (no window, no keepalive)
// so tests drive the simulator byte for byte; the gateway's own session is tested elsewhere.
import net from 'node:net';
import tls from 'node:tls';
import {
  decodePdu,
  encodePdu,
  FrameReader,
  makePdu,
  PduError,
  type BodyByCommand,
  type CommandName,
  type Pdu,
  type Tlv,
  type UnknownPdu,
} from '../../src/smpp/pdu/index.js';

export type TestBindMode = 'transmitter' | 'receiver' | 'transceiver';

export interface TestEsmeOptions {
  host?: string;
  /** TLS instead of plain TCP. */
  tls?: tls.ConnectionOptions;
  /** Answer deliver_sm, enquire_link and unbind from the SMSC automatically (default true). */
  autoRespond?: boolean;
  /** command_status of the automatic deliver_sm_resp (default 0). */
  deliverSmStatus?: number;
  /** Default timeout of request() (default 5 s). */
  timeoutMs?: number;
}

interface Waiter {
  resolve(pdu: Pdu): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class TestEsme {
  /** Requests from the SMSC (deliver_sm, enquire_link, unbind), and any response nobody waited for. */
  readonly received: Array<Pdu | UnknownPdu> = [];
  /** Every response received, in order. */
  readonly responses: Pdu[] = [];
  /** Recoverable decode errors of frames from the SMSC. */
  readonly malformed: PduError[] = [];
  /** Set when the SMSC sent an impossible command_length (the socket is then destroyed). */
  frameError: PduError | undefined;
  readonly closed: Promise<void>;
  isClosed = false;

  private readonly reader = new FrameReader();
  private readonly waiters = new Map<number, Waiter>();
  private readonly watchers = new Set<() => void>();
  private nextSequence = 1;

  private constructor(
    private readonly socket: net.Socket,
    private readonly options: TestEsmeOptions,
  ) {
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.isClosed = true;
        for (const waiter of this.waiters.values()) {
          clearTimeout(waiter.timer);
          waiter.reject(new Error('connection closed'));
        }
        this.waiters.clear();
        this.notify();
        resolve();
      });
    });
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
  }

  static connect(port: number, options: TestEsmeOptions = {}): Promise<TestEsme> {
    const host = options.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      const socket = options.tls ? tls.connect({ host, port, ...options.tls }) : net.connect({ host, port });
      const ready = options.tls ? 'secureConnect' : 'connect';
      socket.once('error', reject);
      socket.once(ready, () => {
        socket.off('error', reject);
        resolve(new TestEsme(socket, options));
      });
    });
  }

  /** Write a PDU; a zero sequence_number gets the next one. Returns the sequence number used. */
  send(pdu: Pdu): number {
    if (pdu.sequenceNumber === 0) pdu.sequenceNumber = this.nextSequence++;
    this.socket.write(encodePdu(pdu));
    return pdu.sequenceNumber;
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Send a request and resolve with its response (or generic_nack) by sequence number. */
  requestPdu(pdu: Pdu, timeoutMs = this.options.timeoutMs ?? 5_000): Promise<Pdu> {
    if (pdu.sequenceNumber === 0) pdu.sequenceNumber = this.nextSequence++;
    return this.awaitResponse(pdu.sequenceNumber, timeoutMs, () => this.send(pdu));
  }

  request<C extends CommandName>(
    command: C,
    body: Partial<BodyByCommand[C]>,
    options: { tlvs?: Tlv[]; timeoutMs?: number } = {},
  ): Promise<Pdu> {
    return this.requestPdu(makePdu(command, body, { tlvs: options.tlvs }) as Pdu, options.timeoutMs);
  }

  /** Resolve with the response carrying this sequence number (for raw requests written by hand). */
  awaitResponse(
    sequenceNumber: number,
    timeoutMs = this.options.timeoutMs ?? 5_000,
    write?: () => void,
  ): Promise<Pdu> {
    return new Promise<Pdu>((resolve, reject) => {
      if (this.isClosed) {
        reject(new Error('connection closed'));
        return;
      }
      const timer = setTimeout(() => {
        this.waiters.delete(sequenceNumber);
        reject(new Error(`no response to seq ${sequenceNumber} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(sequenceNumber, { resolve, reject, timer });
      write?.();
    });
  }

  bind(mode: TestBindMode, credentials: { systemId?: string; password?: string } = {}): Promise<Pdu> {
    const command = `bind_${mode}` as const;
    return this.request(command, {
      systemId: credentials.systemId ?? 'test',
      password: credentials.password ?? '',
      interfaceVersion: 0x34,
    });
  }

  submit(body: Partial<BodyByCommand['submit_sm']>, tlvs: Tlv[] = []): Promise<Pdu> {
    return this.request(
      'submit_sm',
      { sourceAddr: 'TEST', destinationAddr: '33600000000', ...body },
      { tlvs },
    );
  }

  /** The first received PDU (past or future) matching pred. */
  waitFor(pred: (pdu: Pdu | UnknownPdu) => boolean, timeoutMs = 5_000): Promise<Pdu | UnknownPdu> {
    return this.waitForCount(pred, 1, timeoutMs).then((found) => found[0] as Pdu | UnknownPdu);
  }

  /** The first n received PDUs matching pred. */
  waitForCount(
    pred: (pdu: Pdu | UnknownPdu) => boolean,
    n: number,
    timeoutMs = 5_000,
  ): Promise<Array<Pdu | UnknownPdu>> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.received.filter(pred);
        if (found.length >= n) {
          resolve(found.slice(0, n));
          return true;
        }
        return false;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.watchers.delete(watch);
        reject(
          new Error(`only ${this.received.filter(pred).length} of ${n} expected PDUs within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      const watch = () => {
        if (check()) {
          clearTimeout(timer);
          this.watchers.delete(watch);
        }
      };
      this.watchers.add(watch);
    });
  }

  /** Resolves once the SMSC has closed the connection (or rejects after timeoutMs). */
  waitClosed(timeoutMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      this.closed,
      new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`still open after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  async unbind(): Promise<void> {
    await this.request('unbind', {});
    await this.closed;
  }

  close(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }

  private notify(): void {
    for (const watch of [...this.watchers]) watch();
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.reader.push(chunk);
    } catch (error) {
      this.frameError = error instanceof PduError ? error : undefined;
      this.socket.destroy();
      return;
    }
    for (const frame of frames) {
      let pdu: Pdu | UnknownPdu;
      try {
        pdu = decodePdu(frame);
      } catch (error) {
        if (error instanceof PduError) this.malformed.push(error);
        continue;
      }
      this.onPdu(pdu);
    }
    this.notify();
  }

  private onPdu(pdu: Pdu | UnknownPdu): void {
    if (pdu.command !== 'unknown' && (pdu.command === 'generic_nack' || pdu.command.endsWith('_resp'))) {
      this.responses.push(pdu);
      const waiter = this.waiters.get(pdu.sequenceNumber);
      if (waiter) {
        this.waiters.delete(pdu.sequenceNumber);
        clearTimeout(waiter.timer);
        waiter.resolve(pdu);
        return;
      }
    }
    this.received.push(pdu);
    if (this.options.autoRespond === false || pdu.command === 'unknown') return;
    if (pdu.command === 'deliver_sm') {
      this.send(
        makePdu(
          'deliver_sm_resp',
          {},
          { sequenceNumber: pdu.sequenceNumber, commandStatus: this.options.deliverSmStatus ?? 0 },
        ),
      );
    } else if (pdu.command === 'enquire_link') {
      this.send(makePdu('enquire_link_resp', {}, { sequenceNumber: pdu.sequenceNumber }));
    } else if (pdu.command === 'unbind') {
      this.send(makePdu('unbind_resp', {}, { sequenceNumber: pdu.sequenceNumber }));
      this.socket.end();
    }
  }
}
