// The SMSC simulator: an SMPP 3.4 server (§2: the SMSC side of binds, submit_sm and deliver_sm) that acks
// with unique message ids, sends delivery receipts, injects MO, and fails on purpose through named scenarios.
// It is used in-process by the daemon and the tests, and standalone by `smpp-gateway simulator`.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { pino, type Logger } from 'pino';
import {
  CommandStatus,
  commandStatusName,
  findTlv,
  makePdu,
  responseCommandOf,
  TlvTag,
  uint16Tlv,
  uint8Tlv,
  type CommandName,
  type Pdu,
  type PduError,
  type UnknownPdu,
} from '../smpp/pdu/index.js';
import { ControlServer } from './control-server.js';
import { SimulatorConnection, type BindMode, type ConnectionHandler } from './connection.js';
import { emptyCounters, type SimulatorCounters } from './counters.js';
import { SimulatorError } from './errors.js';
import { encodeMoText } from './mo-text.js';
import { buildReceiptPdu, messageStateOf, receiptRequested, type ReceiptStat } from './receipts.js';
import { ScenarioEngine, type Scenario } from './scenarios.js';
import type {
  BindEvent,
  DestinationRule,
  MoInjection,
  MoResult,
  RecordedSubmit,
  SessionEvent,
  SimulatorOptions,
} from './types.js';

interface ReceiptItem {
  systemId: string;
  messageId: string;
  pdu: Pdu<'deliver_sm'>;
  /** Called once the receipt is acknowledged or parked in the queue (sendReceipt's promise). */
  settle?: () => void;
}

const BIND_MODES: Partial<Record<CommandName, BindMode>> = {
  bind_transmitter: 'transmitter',
  bind_receiver: 'receiver',
  bind_transceiver: 'transceiver',
};

export interface SimulatorEvents {
  submit: [submit: RecordedSubmit];
  bind: [bind: BindEvent];
  unbind: [session: SessionEvent];
  disconnect: [session: SessionEvent];
}

export class SmscSimulator extends EventEmitter<SimulatorEvents> {
  readonly submits: RecordedSubmit[] = [];
  private readonly options: Required<
    Pick<
      SimulatorOptions,
      | 'host'
      | 'port'
      | 'messageIdFormat'
      | 'receipts'
      | 'receiptDelayMs'
      | 'maxRecordedSubmits'
      | 'smscSystemId'
      | 'maxQueuedReceipts'
      | 'deliverTimeoutMs'
      | 'unbindTimeoutMs'
    >
  > &
    SimulatorOptions;
  private readonly log: Logger;
  private readonly clock: () => number;
  private readonly scenarioEngine: ScenarioEngine;
  private rules: DestinationRule[] = [];
  private readonly counterValues = emptyCounters();
  private readonly connections = new Set<SimulatorConnection>();
  private readonly bySubmitMessageId = new Map<string, RecordedSubmit>();
  private readonly receiptQueue = new Map<string, ReceiptItem[]>();
  private readonly receiptTimers = new Set<NodeJS.Timeout>();
  private server: net.Server | undefined;
  private control: ControlServer | undefined;
  private listening: { host: string; port: number } | undefined;
  private starting: Promise<{ host: string; port: number }> | undefined;
  private stopping: Promise<void> | undefined;
  private nextSessionId = 1;
  private submitCount = 0;
  private messageIdCounter: number;
  private roundRobin = 0;

  constructor(options: SimulatorOptions = {}) {
    super();
    this.options = {
      ...options,
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 0,
      messageIdFormat: options.messageIdFormat ?? 'hex',
      receipts: options.receipts ?? true,
      receiptDelayMs: options.receiptDelayMs ?? 500,
      maxRecordedSubmits: Math.max(1, options.maxRecordedSubmits ?? 1_000_000),
      smscSystemId: options.smscSystemId ?? 'SMSCSIM',
      maxQueuedReceipts: options.maxQueuedReceipts ?? 100_000,
      deliverTimeoutMs: options.deliverTimeoutMs ?? 10_000,
      unbindTimeoutMs: options.unbindTimeoutMs ?? 1_000,
    };
    this.log = options.logger ?? pino({ level: 'silent' });
    this.clock = options.clock ?? Date.now;
    this.scenarioEngine = new ScenarioEngine(options.scenarios ?? [], this.clock);
    this.setRules(options.rules ?? []);
    this.messageIdCounter = options.messageIdStart ?? 0x10000000 + Math.floor(Math.random() * 0x6fffffff);
  }

  get address(): { host: string; port: number } | undefined {
    return this.listening;
  }

  /** The control server's address, when `control` was given. */
  get controlAddress(): { host: string; port: number } | undefined {
    return this.control?.address;
  }

  start(): Promise<{ host: string; port: number }> {
    this.starting ??= this.listen();
    return this.starting;
  }

  private async listen(): Promise<{ host: string; port: number }> {
    if (this.stopping) throw new SimulatorError('SIMULATOR_STOPPED', 'the simulator was stopped');
    const onSocket = (socket: net.Socket) => this.accept(socket);
    const server = this.options.tls
      ? tls.createServer(
          { cert: this.options.tls.cert, key: this.options.tls.key, ca: this.options.tls.ca },
          onSocket,
        )
      : net.createServer(onSocket);
    if (server instanceof tls.Server) {
      server.on('tlsClientError', (error) => this.log.info({ err: error }, 'TLS handshake failed'));
    }
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.log.error({ err: error }, 'simulator server error'));
    const bound = server.address() as net.AddressInfo;
    this.listening = { host: bound.address, port: bound.port };
    if (this.options.control) {
      const control = new ControlServer(this, this.options.control, this.log.child({ component: 'control' }));
      try {
        await control.start();
      } catch (error) {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        this.listening = undefined;
        throw error;
      }
      this.control = control;
    }
    this.log.info({ ...this.listening, tls: Boolean(this.options.tls) }, 'SMSC simulator listening');
    return this.listening;
  }

  /** Unbind every session (bounded), close the listener and the control server, clear every timer. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    // A start() still in progress would otherwise open the listener after we closed it.
    await this.starting?.catch(() => undefined);
    for (const timer of this.receiptTimers) clearTimeout(timer);
    this.receiptTimers.clear();
    const server = this.server;
    const serverClosed = server?.listening
      ? new Promise<void>((resolve) => server.close(() => resolve()))
      : Promise.resolve();
    const control = this.control?.stop() ?? Promise.resolve();
    await Promise.all([...this.connections].map((conn) => conn.unbind(this.options.unbindTimeoutMs)));
    await Promise.all([serverClosed, control]);
    for (const items of this.receiptQueue.values()) for (const item of items) item.settle?.();
    this.receiptQueue.clear();
    this.counterValues.receiptsQueued = 0;
    this.listening = undefined;
    this.log.info('SMSC simulator stopped');
  }

  counters(): SimulatorCounters {
    let active = 0;
    for (const conn of this.connections) if (conn.state === 'bound') active += 1;
    return { ...this.counterValues, activeSessions: active };
  }

  setScenarios(scenarios: Scenario[]): void {
    this.scenarioEngine.set(scenarios);
    this.log.info({ scenarios }, 'scenarios replaced');
  }

  scenarios(): Scenario[] {
    return this.scenarioEngine.list();
  }

  setRules(rules: DestinationRule[]): void {
    // Longest prefix first, so the first match is the rule that wins.
    this.rules = rules
      .map((r) => ({ ...r, prefix: r.prefix.replace(/^\+/, '') }))
      .sort((a, b) => b.prefix.length - a.prefix.length);
  }

  getRules(): DestinationRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /** The bound sessions, for tests and the control API. */
  sessions(): Array<{
    sessionId: number;
    systemId: string;
    mode: BindMode | undefined;
    state: string;
    remote: string;
  }> {
    return [...this.connections].map((c) => ({
      sessionId: c.id,
      systemId: c.systemId,
      mode: c.mode,
      state: c.state,
      remote: c.remote,
    }));
  }

  /** Drop every connection without unbinding (a network failure, as the ESME sees it). */
  dropConnections(): void {
    for (const conn of this.connections) conn.destroy();
  }

  /**
   * §4.11: send enquire_link to every bound session (or one) and resolve once all answered; rejects when one
   * does not answer within deliverTimeoutMs or its connection drops.
   */
  async enquireLink(sessionId?: number): Promise<void> {
    const targets = [...this.connections].filter(
      (c) => c.state === 'bound' && (sessionId === undefined || c.id === sessionId),
    );
    await Promise.all(targets.map((c) => this.sendEnquireLink(c)));
  }

  /** §4.2: the SMSC unbinds every bound session (or one), as operators do before maintenance. */
  async unbindSessions(sessionId?: number): Promise<void> {
    const targets = [...this.connections].filter(
      (c) => c.state === 'bound' && (sessionId === undefined || c.id === sessionId),
    );
    await Promise.all(targets.map((c) => c.unbind(this.options.unbindTimeoutMs)));
  }

  findSubmit(ref: number | string): RecordedSubmit | undefined {
    if (typeof ref === 'string') return this.bySubmitMessageId.get(ref);
    // Records are in seq order but the oldest may have been dropped: index from the first one kept.
    const first = this.submits[0];
    if (!first) return undefined;
    const found = this.submits[ref - first.seq];
    return found?.seq === ref ? found : undefined;
  }

  /**
   * Deliver MO as deliver_sm (§4.6.1) to a receiver or transceiver session (round robin); every part goes to
   * the same session. Resolves once every part got its deliver_sm_resp, whatever its status.
   */
  async injectMo(mo: MoInjection): Promise<MoResult> {
    if (this.stopping) throw new SimulatorError('SIMULATOR_STOPPED', 'the simulator was stopped');
    const parts = this.buildMoParts(mo);
    const conn = this.pickReceiver(mo.systemId);
    if (!conn) {
      throw new SimulatorError(
        'SIMULATOR_NO_RECEIVER',
        mo.systemId === undefined
          ? 'no receiver or transceiver session is bound'
          : `no receiver or transceiver session is bound as "${mo.systemId}"`,
      );
    }
    const order = mo.partOrder ?? parts.map((_, i) => i + 1);
    for (const n of order) {
      if (!Number.isInteger(n) || n < 1 || n > parts.length) {
        throw new SimulatorError(
          'SIMULATOR_BAD_INPUT',
          `partOrder: ${n} is not a part number 1..${parts.length}`,
        );
      }
    }
    const pending = order.map((n) => {
      const pdu = parts[n - 1] as Pdu<'deliver_sm'>;
      // Each send needs its own PDU object: request() stamps the sequence number on it.
      const copy = { ...pdu, tlvs: [...pdu.tlvs] };
      this.counterValues.moSent += 1;
      return conn.request(copy, this.options.deliverTimeoutMs).then((resp) => ({
        partNumber: n,
        sequenceNumber: copy.sequenceNumber,
        commandStatus: resp.commandStatus,
      }));
    });
    const results = await Promise.all(pending);
    conn.log.debug({ parts: results.length, from: mo.from, to: mo.to }, 'MO delivered');
    return { sessionId: conn.id, parts: results };
  }

  /**
   * Send a receipt now for a recorded submit (by arrival seq or message id). Resolves once it is answered,
   * or once it is queued when no receiver of the submitter's system_id is bound.
   */
  sendReceipt(ref: number | string, stat: ReceiptStat, options: { errorCode?: number } = {}): Promise<void> {
    const submit = this.findSubmit(ref);
    if (!submit || submit.messageId === null) {
      return Promise.reject(
        new SimulatorError('SIMULATOR_UNKNOWN_SUBMIT', `no acknowledged submit with ${typeof ref} ${ref}`),
      );
    }
    const messageId = submit.messageId;
    return new Promise<void>((resolve) => {
      this.deliverReceipt({
        systemId: submit.systemId,
        messageId,
        pdu: buildReceiptPdu(submit, messageId, stat, {
          doneDate: this.clock(),
          errorCode: options.errorCode,
        }),
        settle: resolve,
      });
    });
  }

  // --- connections -----------------------------------------------------------------------------------

  private accept(socket: net.Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const id = this.nextSessionId++;
    const conn = new SimulatorConnection(id, socket, this.handler, this.log.child({ session: id }));
    this.connections.add(conn);
    conn.log.debug({ remote: conn.remote }, 'connection accepted');
  }

  private readonly handler: ConnectionHandler = {
    request: (conn, pdu) => this.onRequest(conn, pdu),
    unknownCommand: (conn, pdu) => this.onUnknownCommand(conn, pdu),
    malformed: (conn, error) => this.onMalformed(conn, error),
    unexpectedResponse: (conn, pdu) => {
      this.counterValues.unexpectedResponses += 1;
      conn.log.warn(
        { command: pdu.command, sequenceNumber: pdu.sequenceNumber },
        'response to no request of ours',
      );
    },
    closed: (conn) => this.onClosed(conn),
  };

  private onClosed(conn: SimulatorConnection): void {
    this.connections.delete(conn);
    this.counterValues.disconnects += 1;
    conn.log.debug({ systemId: conn.systemId }, 'connection closed');
    this.emit('disconnect', { sessionId: conn.id, systemId: conn.systemId } satisfies SessionEvent);
  }

  private onUnknownCommand(conn: SimulatorConnection, pdu: UnknownPdu): void {
    // §3.3, §5.1.3: a command_id we do not know is answered generic_nack ESME_RINVCMDID.
    this.counterValues.unknownCommands += 1;
    this.counterValues.genericNacks += 1;
    conn.log.info({ commandId: `0x${pdu.commandId.toString(16)}` }, 'unknown command_id');
    conn.sendHeaderOnly('generic_nack', CommandStatus.ESME_RINVCMDID, pdu.sequenceNumber);
  }

  private onMalformed(conn: SimulatorConnection, error: PduError): void {
    this.counterValues.malformedPdus += 1;
    if (!error.recoverable) {
      conn.log.warn({ err: error }, 'unrecoverable framing error; closing the connection');
      return;
    }
    // cloudhopper's rule: a recoverable PDU error answers generic_nack with the error's status; session goes on.
    this.counterValues.genericNacks += 1;
    conn.log.info({ err: error }, 'malformed PDU answered with generic_nack');
    conn.sendHeaderOnly('generic_nack', error.status, error.sequenceNumber ?? 0);
  }

  private onRequest(conn: SimulatorConnection, pdu: Pdu): void {
    switch (pdu.command) {
      case 'bind_transmitter':
      case 'bind_receiver':
      case 'bind_transceiver':
        this.onBind(conn, pdu);
        return;
      case 'enquire_link':
        // §4.11: answered in any state, so an ESME can probe the link before binding.
        this.counterValues.enquireLinks += 1;
        if (this.scenarioEngine.ignoresEnquireLink()) {
          this.counterValues.enquireLinksIgnored += 1;
          return;
        }
        conn.send(makePdu('enquire_link_resp', {}, { sequenceNumber: pdu.sequenceNumber }));
        return;
      case 'unbind':
        // §4.2: answer unbind_resp, then the ESME or we may close; we close once it is written.
        conn.send(makePdu('unbind_resp', {}, { sequenceNumber: pdu.sequenceNumber }));
        conn.setState('unbinding');
        conn.log.debug({ systemId: conn.systemId }, 'unbind from ESME');
        this.emit('unbind', { sessionId: conn.id, systemId: conn.systemId } satisfies SessionEvent);
        conn.end();
        return;
      case 'submit_sm':
      case 'data_sm':
        this.onSubmit(conn, pdu);
        return;
      case 'query_sm':
        this.onQuery(conn, pdu);
        return;
      default:
        this.refuse(conn, pdu, CommandStatus.ESME_RINVCMDID);
    }
  }

  /** Answer a request we do not serve: its own response when it has one (§4), else generic_nack. */
  private refuse(conn: SimulatorConnection, pdu: Pdu, status: number): void {
    const resp = responseCommandOf(pdu.command);
    if (resp) {
      conn.sendHeaderOnly(resp, status, pdu.sequenceNumber);
    } else {
      this.counterValues.genericNacks += 1;
      conn.sendHeaderOnly('generic_nack', status, pdu.sequenceNumber);
    }
    if (status === CommandStatus.ESME_RINVCMDID) this.counterValues.unknownCommands += 1;
    conn.log.info({ command: pdu.command, status: commandStatusName(status) }, 'request refused');
  }

  private onBind(
    conn: SimulatorConnection,
    pdu: Pdu<'bind_transmitter' | 'bind_receiver' | 'bind_transceiver'>,
  ): void {
    const mode = BIND_MODES[pdu.command] as BindMode;
    const resp = `${pdu.command}_resp` as const;
    const { systemId, password } = pdu.body;
    const refuse = (status: number, why: string) => {
      this.counterValues.bindsRefused += 1;
      conn.log.info({ systemId, mode, status: commandStatusName(status) }, `bind refused: ${why}`);
      conn.sendHeaderOnly(resp, status, pdu.sequenceNumber);
    };
    // §4.1: one bind per connection; a second one is ESME_RALYBND.
    if (conn.state !== 'open') return refuse(CommandStatus.ESME_RALYBND, 'already bound');
    const scenarioStatus = this.scenarioEngine.onBind();
    if (scenarioStatus !== undefined) return refuse(scenarioStatus, 'refuseBinds scenario');
    if (this.options.systemId !== undefined && systemId !== this.options.systemId) {
      return refuse(CommandStatus.ESME_RINVSYSID, 'unknown system_id');
    }
    if (this.options.password !== undefined && password !== this.options.password) {
      return refuse(CommandStatus.ESME_RINVPASWD, 'wrong password');
    }
    conn.mode = mode;
    conn.systemId = systemId;
    conn.setState('bound');
    this.counterValues.binds += 1;
    // §4.1.2 and §5.3.2.25: the bind response carries our system_id and sc_interface_version 3.4.
    conn.send(
      makePdu(
        resp,
        { systemId: this.options.smscSystemId },
        { sequenceNumber: pdu.sequenceNumber, tlvs: [uint8Tlv(TlvTag.sc_interface_version, 0x34)] },
      ),
    );
    conn.log.info({ systemId, mode }, 'bound');
    this.emit('bind', { sessionId: conn.id, systemId, mode } satisfies BindEvent);
    const interval = this.options.enquireLinkIntervalMs ?? 0;
    if (interval > 0) {
      conn.every(interval, () => {
        this.sendEnquireLink(conn).catch((error: unknown) =>
          conn.log.info({ err: error }, 'enquire_link not answered'),
        );
      });
    }
    if (conn.receives) this.flushReceipts(systemId);
  }

  private onSubmit(conn: SimulatorConnection, pdu: Pdu<'submit_sm' | 'data_sm'>): void {
    const resp = pdu.command === 'submit_sm' ? 'submit_sm_resp' : 'data_sm_resp';
    // §2.3 / §4.4: only a bound transmitter or transceiver may submit.
    if (!conn.transmits) {
      conn.log.info({ state: conn.state, mode: conn.mode }, `${pdu.command} refused: not bound to transmit`);
      conn.sendHeaderOnly(resp, CommandStatus.ESME_RINVBNDSTS, pdu.sequenceNumber);
      return;
    }
    this.counterValues.submits += 1;
    const record = this.recordOf(conn, pdu);
    const decision = this.scenarioEngine.onSubmit();
    const c = this.counterValues;
    switch (decision.action) {
      case 'close':
        record.outcome = 'closed';
        c.submitsUnanswered += 1;
        c.scenarioCloses += 1;
        this.store(record);
        conn.log.info({ seq: record.seq }, 'closeAfter: dropping the connection with the submit unanswered');
        conn.destroy();
        return;
      case 'badCommandLength': {
        record.outcome = 'badCommandLength';
        c.submitsUnanswered += 1;
        c.badLengthsWritten += 1;
        this.store(record);
        const header = Buffer.alloc(16);
        header.writeUInt32BE(decision.commandLength >>> 0, 0);
        header.writeUInt32BE(0x80000004, 4);
        header.writeUInt32BE(0, 8);
        header.writeUInt32BE(pdu.sequenceNumber, 12);
        conn.log.info(
          { commandLength: decision.commandLength },
          'badCommandLength: impossible header written',
        );
        conn.writeRaw(header);
        return;
      }
      case 'noResponse':
        record.outcome = 'noResponse';
        c.submitsUnanswered += 1;
        this.store(record);
        return;
      case 'genericNack':
        record.outcome = 'genericNack';
        record.status = decision.status;
        c.genericNacks += 1;
        this.store(record);
        conn.later(decision.delayMs, () =>
          conn.sendHeaderOnly('generic_nack', decision.status, pdu.sequenceNumber),
        );
        return;
      case 'answer': {
        const rule = this.ruleFor(record.destinationAddr);
        const status = decision.status ?? rule?.submitStatus ?? CommandStatus.ESME_ROK;
        record.status = status;
        if (status !== CommandStatus.ESME_ROK) {
          record.outcome = status === CommandStatus.ESME_RTHROTTLED ? 'throttled' : 'error';
          if (record.outcome === 'throttled') c.submitsThrottled += 1;
          else c.submitsFailed += 1;
          this.store(record);
          conn.later(decision.delayMs, () => conn.sendHeaderOnly(resp, status, pdu.sequenceNumber));
          return;
        }
        const messageId = this.nextMessageId();
        record.messageId = messageId;
        record.outcome = 'ok';
        c.submitsOk += 1;
        this.store(record);
        conn.later(decision.delayMs, () =>
          conn.send(makePdu(resp, { messageId }, { sequenceNumber: pdu.sequenceNumber })),
        );
        this.scheduleReceipt(record, rule, decision.delayMs);
        return;
      }
    }
  }

  private onQuery(conn: SimulatorConnection, pdu: Pdu<'query_sm'>): void {
    if (!conn.transmits) return this.refuse(conn, pdu, CommandStatus.ESME_RINVBNDSTS);
    const submit = this.bySubmitMessageId.get(pdu.body.messageId);
    if (!submit) return this.refuse(conn, pdu, CommandStatus.ESME_RQUERYFAIL);
    // §4.8.2: without a tracked final state the simulator reports what its rules will make of it.
    const stat = this.ruleFor(submit.destinationAddr)?.stat ?? 'DELIVRD';
    conn.send(
      makePdu(
        'query_sm_resp',
        {
          messageId: submit.messageId ?? '',
          finalDate: '',
          messageState: messageStateOf(stat),
          errorCode: 0,
        },
        { sequenceNumber: pdu.sequenceNumber },
      ),
    );
  }

  private async sendEnquireLink(conn: SimulatorConnection): Promise<void> {
    this.counterValues.enquireLinksSent += 1;
    await conn.request(makePdu('enquire_link', {}), this.options.deliverTimeoutMs);
  }

  // --- submits, ids, rules ---------------------------------------------------------------------------

  private recordOf(conn: SimulatorConnection, pdu: Pdu<'submit_sm' | 'data_sm'>): RecordedSubmit {
    const body = pdu.body;
    const shortMessage =
      'shortMessage' in body && body.shortMessage.length > 0
        ? body.shortMessage
        : (findTlv(pdu.tlvs, TlvTag.message_payload) ?? Buffer.alloc(0));
    return {
      seq: ++this.submitCount,
      command: pdu.command,
      sequenceNumber: pdu.sequenceNumber,
      systemId: conn.systemId,
      sessionId: conn.id,
      serviceType: body.serviceType,
      sourceAddrTon: body.sourceAddrTon,
      sourceAddrNpi: body.sourceAddrNpi,
      sourceAddr: body.sourceAddr,
      destAddrTon: body.destAddrTon,
      destAddrNpi: body.destAddrNpi,
      destinationAddr: body.destinationAddr,
      esmClass: body.esmClass,
      dataCoding: body.dataCoding,
      registeredDelivery: body.registeredDelivery,
      shortMessage,
      tlvs: pdu.tlvs,
      messageId: null,
      status: -1,
      outcome: 'noResponse',
      receivedAt: this.clock(),
    };
  }

  /** Keep the record (bounded), index its message id, and tell listeners, before any response is written. */
  private store(record: RecordedSubmit): void {
    this.submits.push(record);
    if (record.messageId !== null) this.bySubmitMessageId.set(record.messageId, record);
    const max = this.options.maxRecordedSubmits;
    // Trim in batches of a tenth so a full buffer does not pay an O(n) splice on every submit.
    if (this.submits.length >= max + Math.max(1, Math.floor(max / 10))) {
      const dropped = this.submits.splice(0, this.submits.length - max);
      for (const old of dropped) if (old.messageId !== null) this.bySubmitMessageId.delete(old.messageId);
    }
    this.emit('submit', record);
  }

  private nextMessageId(): string {
    const n = this.messageIdCounter++;
    return this.options.messageIdFormat === 'decimal' ? n.toString(10) : n.toString(16);
  }

  private ruleFor(destinationAddr: string): DestinationRule | undefined {
    const address = destinationAddr.replace(/^\+/, '');
    return this.rules.find((r) => address.startsWith(r.prefix));
  }

  // --- receipts ----------------------------------------------------------------------------------------

  private scheduleReceipt(
    record: RecordedSubmit,
    rule: DestinationRule | undefined,
    responseDelayMs: number,
  ): void {
    const stat = rule?.stat ?? 'DELIVRD';
    if (!this.options.receipts || rule?.noReceipt || !receiptRequested(record.registeredDelivery, stat))
      return;
    const messageId = record.messageId;
    if (messageId === null) return;
    const delay = responseDelayMs + (rule?.receiptDelayMs ?? this.options.receiptDelayMs);
    const timer = setTimeout(() => {
      this.receiptTimers.delete(timer);
      this.deliverReceipt({
        systemId: record.systemId,
        messageId,
        pdu: buildReceiptPdu(record, messageId, stat, { doneDate: this.clock(), errorCode: rule?.errorCode }),
      });
    }, delay);
    this.receiptTimers.add(timer);
  }

  /** Send to a receiver of the submitter's system_id, or park it until one binds. */
  private deliverReceipt(item: ReceiptItem): void {
    if (this.stopping) {
      item.settle?.();
      return;
    }
    const conn = this.pickReceiver(item.systemId);
    if (!conn) {
      this.queueReceipt(item);
      return;
    }
    const pdu = { ...item.pdu, tlvs: [...item.pdu.tlvs] };
    this.counterValues.receiptsSent += 1;
    // No response timeout: a receipt whose session drops before deliver_sm_resp is re-sent on the next bind.
    conn.request(pdu, 0).then(
      (resp) => {
        if (resp.commandStatus === CommandStatus.ESME_RX_T_APPN) {
          // §5.1.3: a temporary error at the ESME (it could not store the receipt): as SMSCs do, try again
          // later, on whichever receiver is bound then.
          this.counterValues.receiptsRetried += 1;
          const timer = setTimeout(() => {
            this.receiptTimers.delete(timer);
            this.deliverReceipt(item);
          }, this.options.receiptRetryMs ?? 1000);
          this.receiptTimers.add(timer);
          return;
        }
        if (resp.commandStatus !== CommandStatus.ESME_ROK) {
          conn.log.info(
            { messageId: item.messageId, status: commandStatusName(resp.commandStatus) },
            'receipt refused by the ESME; not retried',
          );
        }
        item.settle?.();
      },
      () => this.queueReceipt(item, true),
    );
  }

  private queueReceipt(item: ReceiptItem, front = false): void {
    if (this.stopping) {
      item.settle?.();
      return;
    }
    if (this.counterValues.receiptsQueued >= this.options.maxQueuedReceipts) {
      this.counterValues.receiptsDropped += 1;
      this.log.warn(
        { messageId: item.messageId, systemId: item.systemId },
        'receipt queue full; receipt dropped',
      );
      item.settle?.();
      return;
    }
    let queue = this.receiptQueue.get(item.systemId);
    if (!queue) {
      queue = [];
      this.receiptQueue.set(item.systemId, queue);
    }
    if (front) queue.unshift(item);
    else queue.push(item);
    this.counterValues.receiptsQueued += 1;
    item.settle?.();
    delete item.settle;
    // A receiver may have bound between the failed send and now.
    if (this.pickReceiver(item.systemId, false)) this.flushReceipts(item.systemId);
  }

  private flushReceipts(systemId: string): void {
    const queue = this.receiptQueue.get(systemId);
    if (!queue || queue.length === 0) return;
    this.receiptQueue.delete(systemId);
    this.counterValues.receiptsQueued -= queue.length;
    this.log.info({ systemId, receipts: queue.length }, 'sending held receipts');
    for (const item of queue) this.deliverReceipt(item);
  }

  private pickReceiver(systemId: string | undefined, advance = true): SimulatorConnection | undefined {
    const candidates = [...this.connections].filter(
      (c) => c.receives && (systemId === undefined || c.systemId === systemId),
    );
    if (candidates.length === 0) return undefined;
    const index = this.roundRobin % candidates.length;
    if (advance) this.roundRobin = (this.roundRobin + 1) % 1_000_000_007;
    return candidates[index];
  }

  private buildMoParts(mo: MoInjection): Array<Pdu<'deliver_sm'>> {
    // §4.6.1: source_addr and destination_addr are C-octet strings of at most 21 octets.
    for (const [field, value] of [
      ['from', mo.from],
      ['to', mo.to],
    ] as const) {
      if (value.length === 0 || value.length > 20) {
        throw new SimulatorError(
          'SIMULATOR_BAD_INPUT',
          `${field}: expected 1 to 20 characters, got "${value}"`,
        );
      }
    }
    const base = {
      sourceAddrTon: mo.sourceAddrTon ?? (/^\+?\d+$/.test(mo.from) ? 1 : 5),
      sourceAddrNpi: mo.sourceAddrNpi ?? (/^\+?\d+$/.test(mo.from) ? 1 : 0),
      sourceAddr: mo.from,
      destAddrTon: mo.destAddrTon ?? (/^\d{3,8}$/.test(mo.to) ? 3 : 1),
      destAddrNpi: mo.destAddrNpi ?? 1,
      destinationAddr: mo.to,
    };
    const extra = mo.tlvs ?? [];
    if (mo.shortMessage !== undefined || mo.text === undefined) {
      if (mo.shortMessage !== undefined && mo.shortMessage.length > 254) {
        throw new SimulatorError('SIMULATOR_BAD_INPUT', 'shortMessage is longer than 254 octets (§5.2.21)');
      }
      return [
        makePdu(
          'deliver_sm',
          {
            ...base,
            esmClass: mo.esmClass ?? 0,
            dataCoding: mo.dataCoding ?? 0,
            shortMessage: mo.shortMessage ?? Buffer.alloc(0),
          },
          { tlvs: extra },
        ),
      ];
    }
    const concatenation = mo.concatenation ?? 'udh8';
    const reference = mo.reference ?? Math.floor(Math.random() * (concatenation === 'udh8' ? 256 : 65536));
    let encoded: ReturnType<typeof encodeMoText>;
    try {
      encoded = encodeMoText(mo.text, { reference, concatenation });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new SimulatorError('SIMULATOR_BAD_INPUT', `text cannot be sent as MO: ${why}`, { cause: error });
    }
    return encoded.segments.map((segment) => {
      const tlvs = [...extra];
      if (segment.sar) {
        // §5.3.2.22–24: SAR concatenation travels in TLVs instead of a UDH.
        tlvs.push(
          uint16Tlv(TlvTag.sar_msg_ref_num, segment.sar.reference),
          uint8Tlv(TlvTag.sar_total_segments, segment.sar.total),
          uint8Tlv(TlvTag.sar_segment_seqnum, segment.sar.sequence),
        );
      }
      return makePdu(
        'deliver_sm',
        {
          ...base,
          // §5.2.12: bit 6 (0x40) = UDHI, the short_message starts with a user data header.
          esmClass: (mo.esmClass ?? 0) | (segment.udhi ? 0x40 : 0),
          dataCoding: mo.dataCoding ?? encoded.dataCoding,
          shortMessage: segment.shortMessage,
        },
        { tlvs },
      );
    });
  }
}
