// One ESME connection to the simulator: framing, decoding, the write path, and the simulator's own requests
// (deliver_sm, unbind) awaiting their responses by sequence number. What to answer is the simulator's
// business; this class only moves PDUs and keeps every timer it starts so close() can clear them.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import {
  CommandId,
  decodePdu,
  encodePdu,
  FrameReader,
  HEADER_LENGTH,
  makePdu,
  PduError,
  type CommandName,
  type Pdu,
  type UnknownPdu,
} from '../smpp/pdu/index.js';

export type BindMode = 'transmitter' | 'receiver' | 'transceiver';
export type ConnectionState = 'open' | 'bound' | 'unbinding' | 'closed';

export interface ConnectionHandler {
  request(conn: SimulatorConnection, pdu: Pdu): void;
  unknownCommand(conn: SimulatorConnection, pdu: UnknownPdu): void;
  /** A recoverable PduError (§3.3 generic_nack case) or an unrecoverable framing error (connection closes). */
  malformed(conn: SimulatorConnection, error: PduError): void;
  unexpectedResponse(conn: SimulatorConnection, pdu: Pdu): void;
  closed(conn: SimulatorConnection): void;
}

export class ConnectionClosedError extends Error {
  readonly code = 'SIMULATOR_CONNECTION_CLOSED';
  constructor(message = 'connection closed before the response arrived') {
    super(message);
    this.name = 'ConnectionClosedError';
  }
}

export class ResponseTimeoutError extends Error {
  readonly code = 'SIMULATOR_RESPONSE_TIMEOUT';
  constructor(command: string, sequenceNumber: number, timeoutMs: number) {
    super(`no response to ${command} seq ${sequenceNumber} within ${timeoutMs} ms`);
    this.name = 'ResponseTimeoutError';
  }
}

interface PendingRequest {
  command: CommandName;
  resolve(pdu: Pdu): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
}

export class SimulatorConnection {
  state: ConnectionState = 'open';
  mode: BindMode | undefined;
  systemId = '';
  readonly remote: string;
  private readonly reader = new FrameReader();
  private readonly pending = new Map<number, PendingRequest>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly intervals = new Set<NodeJS.Timeout>();
  private nextSequence = 1;
  private readonly closedPromise: Promise<void>;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    private readonly handler: ConnectionHandler,
    readonly log: Logger,
  ) {
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    socket.setNoDelay(true);
    this.closedPromise = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // 'close' always follows 'error'; the error itself only needs a log line.
    socket.on('error', (error) => this.log.debug({ err: error }, 'socket error'));
    socket.once('close', () => this.onClose());
  }

  /** Can deliver_sm be sent here (§2.2: receiver and transceiver binds receive). */
  get receives(): boolean {
    return this.state === 'bound' && (this.mode === 'receiver' || this.mode === 'transceiver');
  }

  /** Can submit_sm be taken here (§2.2: transmitter and transceiver binds submit). */
  get transmits(): boolean {
    return this.state === 'bound' && (this.mode === 'transmitter' || this.mode === 'transceiver');
  }

  get open(): boolean {
    return this.state !== 'closed' && !this.socket.destroyed;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  setState(next: ConnectionState): void {
    if (next === this.state) return;
    this.log.debug(`${this.state} -> ${next}`);
    this.state = next;
  }

  /** Write one PDU; false when the connection is already gone. */
  send(pdu: Pdu): boolean {
    return this.writeRaw(encodePdu(pdu));
  }

  /**
   * An error response without a body: §4.1.2, §4.4.2 and friends say the body is not returned when
   * command_status is non-zero, and ESMEs must cope with exactly that.
   */
  sendHeaderOnly(command: CommandName, commandStatus: number, sequenceNumber: number): boolean {
    const header = Buffer.alloc(HEADER_LENGTH);
    header.writeUInt32BE(HEADER_LENGTH, 0);
    header.writeUInt32BE(CommandId[command], 4);
    header.writeUInt32BE(commandStatus >>> 0, 8);
    header.writeUInt32BE(sequenceNumber >>> 0, 12);
    return this.writeRaw(header);
  }

  writeRaw(bytes: Buffer): boolean {
    if (!this.open || !this.socket.writable) return false;
    this.socket.write(bytes);
    return true;
  }

  /** Send a request of ours (deliver_sm, unbind) and resolve with its response. */
  request(pdu: Pdu, timeoutMs: number): Promise<Pdu> {
    if (!this.open) return Promise.reject(new ConnectionClosedError('connection is closed'));
    const sequenceNumber = this.nextSequence;
    pdu.sequenceNumber = sequenceNumber;
    let bytes: Buffer;
    try {
      // Encode before registering, so a PDU that cannot be encoded leaves no pending entry or timer behind.
      bytes = encodePdu(pdu);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    // §5.1.4: sequence numbers run 0x00000001..0x7FFFFFFF.
    this.nextSequence = this.nextSequence >= 0x7fffffff ? 1 : this.nextSequence + 1;
    return new Promise<Pdu>((resolve, reject) => {
      const entry: PendingRequest = { command: pdu.command, resolve, reject, timer: undefined };
      if (timeoutMs > 0) {
        entry.timer = setTimeout(() => {
          this.pending.delete(sequenceNumber);
          reject(new ResponseTimeoutError(pdu.command, sequenceNumber, timeoutMs));
        }, timeoutMs);
      }
      this.pending.set(sequenceNumber, entry);
      this.writeRaw(bytes);
    });
  }

  /** Run fn after ms unless the connection closes first (a delayed response to a dead socket is moot). */
  later(ms: number, fn: () => void): void {
    if (ms <= 0) {
      fn();
      return;
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  /** Run fn every ms until the connection closes. */
  every(ms: number, fn: () => void): void {
    const interval = setInterval(fn, ms);
    this.intervals.add(interval);
  }

  /** §4.2: unbind, wait (bounded) for unbind_resp, then close. Resolves once the socket is closed. */
  async unbind(timeoutMs: number): Promise<void> {
    if (!this.open) return this.closedPromise;
    if (this.state === 'bound') {
      this.setState('unbinding');
      try {
        await this.request(makePdu('unbind', {}), timeoutMs);
      } catch (error) {
        this.log.debug({ err: error }, 'unbind not answered');
      }
    }
    this.destroy();
    return this.closedPromise;
  }

  /** Close once everything written so far is flushed (after unbind_resp, §4.2). */
  end(): void {
    this.socket.end();
    // An ESME that never closes its side must not keep the socket forever.
    this.later(2_000, () => this.destroy());
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Resolves once the socket has closed. */
  closed(): Promise<void> {
    return this.closedPromise;
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.reader.push(chunk);
    } catch (error) {
      // §3.2: with command_length wrong the stream cannot be re-synchronised; the connection must go.
      const pduError =
        error instanceof PduError
          ? error
          : new PduError('PDU_LENGTH_INVALID', String(error), { recoverable: false, cause: error });
      this.handler.malformed(this, pduError);
      this.destroy();
      return;
    }
    for (const frame of frames) {
      if (!this.open) return;
      this.onFrame(frame);
    }
  }

  private onFrame(frame: Buffer): void {
    let pdu: Pdu | UnknownPdu;
    try {
      pdu = decodePdu(frame);
    } catch (error) {
      if (error instanceof PduError) {
        this.handler.malformed(this, error);
        if (!error.recoverable) this.destroy();
      } else {
        this.log.error({ err: error }, 'unexpected decode failure; closing the connection');
        this.destroy();
      }
      return;
    }
    // The socket boundary: nothing the peer sends may take the simulator down.
    try {
      if (pdu.command === 'unknown') {
        this.handler.unknownCommand(this, pdu);
      } else if (pdu.command === 'generic_nack' || pdu.command.endsWith('_resp')) {
        this.onResponse(pdu);
      } else {
        this.handler.request(this, pdu);
      }
    } catch (error) {
      this.log.error({ err: error, command: pdu.command }, 'error while handling a PDU');
    }
  }

  private onResponse(pdu: Pdu): void {
    const entry = this.pending.get(pdu.sequenceNumber);
    // A generic_nack answers whatever request carried its sequence number (§4.3).
    if (!entry || (pdu.command !== 'generic_nack' && pdu.command !== `${entry.command}_resp`)) {
      this.handler.unexpectedResponse(this, pdu);
      return;
    }
    this.pending.delete(pdu.sequenceNumber);
    if (entry.timer) clearTimeout(entry.timer);
    entry.resolve(pdu);
  }

  private onClose(): void {
    this.setState('closed');
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const interval of this.intervals) clearInterval(interval);
    this.intervals.clear();
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const entry of waiting) {
      if (entry.timer) clearTimeout(entry.timer);
      entry.reject(new ConnectionClosedError());
    }
    this.handler.closed(this);
  }
}
