// A scriptable SMSC peer for fine-grained session tests, built on our PDU layer. It speaks over a real
// `net`/`tls` server (listen) or over an in-memory pipe (connector) that needs no sockets, so fake timers
// drive it. Tests script it: change `behaviour`, hook `onRequest`, or push PDUs and raw bytes (garbage, a bad
// command_length) through a connection; it records every PDU it receives.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { operatorSchema, type OperatorConfig } from '../../src/config/index.js';
import type { TransportFactory } from '../../src/smpp/transport.js';
import {
  CommandStatus,
  FrameReader,
  PduError,
  decodePdu,
  encodePdu,
  makePdu,
  type CommandName,
  type Pdu,
  type UnknownPdu,
} from '../../src/smpp/pdu/index.js';
import type { BodyByCommand } from '../../src/smpp/pdu/types.js';

export type Received = Pdu | UnknownPdu;

export interface FakeBehaviour {
  /** command_status of every bind_resp (0 accepts). */
  bindStatus: number;
  answerEnquireLink: boolean;
  /** 'ok' answers ESME_ROK with a fresh id, 'hang' never answers, a function decides per PDU (undefined: hang). */
  submit:
    | 'ok'
    | 'hang'
    | ((pdu: Pdu<'submit_sm'>, conn: FakeConnection) => { status: number; messageId?: string } | undefined);
  /** Delay before answering a submit_sm (ms, real timers or fake ones). */
  submitDelayMs: number;
}

interface Wire {
  write(bytes: Buffer): void;
  end(): void;
  destroy(): void;
}

/** One ESME connection as the fake SMSC sees it. */
export class FakeConnection extends EventEmitter<{ pdu: [Received]; close: [] }> {
  readonly received: Received[] = [];
  readonly decodeErrors: PduError[] = [];
  bindCommand: CommandName | undefined;
  closed = false;
  private readonly reader = new FrameReader();
  private sequenceNumber = 0;

  constructor(
    readonly id: number,
    private readonly wire: Wire,
    private readonly smsc: FakeSmsc,
  ) {
    super();
  }

  /** Send a PDU as is (responses carry the request's sequence number). */
  send(pdu: Pdu): void {
    if (!this.closed) this.wire.write(encodePdu(pdu));
  }

  /** Send a request from the SMSC with the next sequence number; returns that number. */
  request<C extends CommandName>(
    command: C,
    body: Partial<BodyByCommand[C]> = {},
    commandStatus = 0,
  ): number {
    this.sequenceNumber += 1;
    this.send(makePdu(command, body, { sequenceNumber: this.sequenceNumber, commandStatus }) as Pdu);
    return this.sequenceNumber;
  }

  sendRaw(bytes: Buffer): void {
    if (!this.closed) this.wire.write(bytes);
  }

  /** Close abruptly (RST-like for the in-memory pipe, destroy for sockets). */
  destroy(): void {
    this.wire.destroy();
  }

  end(): void {
    this.wire.end();
  }

  /** Received PDUs of one command. */
  commands(command: Received['command']): Received[] {
    return this.received.filter((p) => p.command === command);
  }

  /** @internal bytes from the ESME */
  onBytes(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.reader.push(chunk);
    } catch (error) {
      this.decodeErrors.push(error as PduError);
      this.destroy();
      return;
    }
    for (const frame of frames) {
      let pdu: Received;
      try {
        pdu = decodePdu(frame);
      } catch (error) {
        this.decodeErrors.push(error as PduError);
        continue;
      }
      this.received.push(pdu);
      this.emit('pdu', pdu);
      this.smsc.handle(this, pdu);
    }
  }

  /** @internal */
  onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}

export class FakeSmsc extends EventEmitter<{ connection: [FakeConnection] }> {
  readonly connections: FakeConnection[] = [];
  behaviour: FakeBehaviour = { bindStatus: 0, answerEnquireLink: true, submit: 'ok', submitDelayMs: 0 };
  /** Runs before the default handling; return true when the test handled the PDU itself. */
  onRequest: ((pdu: Received, conn: FakeConnection) => boolean) | undefined;
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private messageIds = 0;
  private connectionIds = 0;

  /** Every PDU received on every connection, in order. */
  get received(): Received[] {
    return this.connections.flatMap((c) => c.received);
  }

  get last(): FakeConnection | undefined {
    return this.connections[this.connections.length - 1];
  }

  /** A real TCP (or TLS) listener on 127.0.0.1 and a free port. */
  async listen(options: { tls?: tls.TlsOptions } = {}): Promise<{ host: string; port: number }> {
    const onSocket = (socket: net.Socket): void => {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      const conn = this.adopt({
        write: (bytes) => {
          if (!socket.destroyed) socket.write(bytes);
        },
        end: () => socket.end(),
        destroy: () => socket.destroy(),
      });
      socket.on('data', (chunk: Buffer) => conn.onBytes(chunk));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        conn.onClosed();
      });
    };
    const server = options.tls ? tls.createServer(options.tls, onSocket) : net.createServer(onSocket);
    // A failed TLS handshake is an expected outcome in tests, not an error.
    server.on('tlsClientError', () => undefined);
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as net.AddressInfo;
    return { host: '127.0.0.1', port: address.port };
  }

  /** An in-memory TransportFactory: each call is a new connection to this fake, no sockets, no timers. */
  connector(): TransportFactory {
    return (handlers) => {
      // `open` gates new writes; `delivering` gates delivery. Writes queued before a close still arrive, in
      // order, like bytes already in the kernel's buffer.
      let open = true;
      let delivering = true;
      const closeBoth = (): void => {
        if (!open) return;
        open = false;
        queueMicrotask(() => {
          delivering = false;
          conn.onClosed();
          handlers.onClose();
        });
      };
      const conn = this.adopt({
        write: (bytes) => {
          const copy = Buffer.from(bytes);
          if (open) queueMicrotask(() => delivering && handlers.onData(copy));
        },
        end: closeBoth,
        destroy: closeBoth,
      });
      queueMicrotask(() => delivering && handlers.onConnect());
      return {
        write: (bytes) => {
          const copy = Buffer.from(bytes);
          if (open) queueMicrotask(() => delivering && conn.onBytes(copy));
        },
        end: closeBoth,
        destroy: closeBoth,
      };
    };
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Wait (real time) until a predicate over the fake holds. */
  async waitFor(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const started = Date.now();
    while (!predicate()) {
      if (Date.now() - started > timeoutMs) throw new Error(`FakeSmsc: timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** @internal */
  handle(conn: FakeConnection, pdu: Received): void {
    if (this.onRequest?.(pdu, conn)) return;
    const reply = (command: CommandName, commandStatus = 0, body: object = {}): void =>
      conn.send(makePdu(command, body, { sequenceNumber: pdu.sequenceNumber, commandStatus }));
    switch (pdu.command) {
      case 'bind_transmitter':
      case 'bind_receiver':
      case 'bind_transceiver':
        conn.bindCommand = pdu.command;
        reply(`${pdu.command}_resp`, this.behaviour.bindStatus, { systemId: 'FAKE' });
        return;
      case 'enquire_link':
        if (this.behaviour.answerEnquireLink) reply('enquire_link_resp');
        return;
      case 'unbind':
        reply('unbind_resp');
        conn.end();
        return;
      case 'submit_sm': {
        const decide = this.behaviour.submit;
        const answer = decide === 'ok' ? { status: 0 } : decide === 'hang' ? undefined : decide(pdu, conn);
        if (!answer) return;
        const messageId = answer.messageId ?? (answer.status === 0 ? `M${++this.messageIds}` : '');
        const send = (): void => reply('submit_sm_resp', answer.status, { messageId });
        if (this.behaviour.submitDelayMs > 0) setTimeout(send, this.behaviour.submitDelayMs);
        else send();
        return;
      }
      case 'unknown':
        conn.send(
          makePdu(
            'generic_nack',
            {},
            { sequenceNumber: pdu.sequenceNumber, commandStatus: CommandStatus.ESME_RINVCMDID },
          ),
        );
        return;
      default:
        return;
    }
  }

  private adopt(wire: Wire): FakeConnection {
    const conn = new FakeConnection(++this.connectionIds, wire, this);
    this.connections.push(conn);
    this.emit('connection', conn);
    return conn;
  }
}

/** An operator config for tests, through the real schema (so defaults match production), pointing anywhere. */
export function testOperator(overrides: Record<string, unknown> = {}): OperatorConfig {
  return operatorSchema.parse({
    id: 'op',
    host: '127.0.0.1',
    port: 2775,
    systemId: 'gw',
    password: 'secret',
    bindMode: 'transceiver',
    binds: 1,
    window: 10,
    enquireLinkSeconds: 30,
    responseTimeoutMs: 1000,
    bindTimeoutMs: 1000,
    reconnect: { initialMs: 100, maxMs: 1000, bindRefusedMinMs: 0 },
    ...overrides,
  });
}

/** A submit for tests: GSM-7 default alphabet octets, no receipt. */
export function testSegment(text = 'hello', destinationAddr = '33612345678') {
  return {
    sourceAddr: 'ACME',
    sourceAddrTon: 5,
    sourceAddrNpi: 0,
    destinationAddr,
    destAddrTon: 1,
    destAddrNpi: 1,
    esmClass: 0,
    dataCoding: 0,
    shortMessage: Buffer.from(text, 'latin1'),
    registeredDelivery: 0,
  };
}
