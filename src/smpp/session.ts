// One ESME session: one TCP/TLS connection carrying one bind (§2.2), lived through once:
// opening → binding → bound → unbinding → closed. Reconnecting makes a new session (bind-slot.ts).
//
// One send path: sequence_number → encode → window → write. One receive path: frame → decode → a request goes
// to its handler, a response completes its window entry or is counted as unexpected (cloudhopper's layering).
// Nothing here throws to the caller or rejects a promise: every socket or peer failure closes the session
// with a reason, and every pending request resolves.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { OperatorConfig } from '../config/index.js';
import type { GatewayMetrics } from '../metrics/index.js';
import {
  CommandId,
  CommandStatus,
  FrameReader,
  PduError,
  TlvTag,
  commandStatusName,
  decodePdu,
  encodePdu,
  isResponseId,
  makePdu,
  tlvUint,
  type CommandName,
  type Pdu,
} from './pdu/index.js';
import { SmppSessionError, type SmppSessionErrorCode } from './errors.js';
import { classifySubmitStatus } from './status-class.js';
import { Keepalive } from './keepalive.js';
import { systemClock, systemTimers, type TimerHandle, type Timers } from './timers.js';
import { socketTransportFactory, type Transport, type TransportFactory } from './transport.js';
import { nextSequenceNumber, SendWindow, type WindowOutcome } from './window.js';
import type {
  BindState,
  BindType,
  CloseReason,
  DeliverHandler,
  InboundDeliver,
  SegmentSubmit,
  SessionClosed,
  StateChange,
  SubmitResult,
  ThrottledEvent,
} from './types.js';

/** §4.1.1: interface_version 0x34 asks for SMPP 3.4. */
export const SMPP_INTERFACE_VERSION = 0x34;

export interface SessionOptions {
  operator: OperatorConfig;
  bindId: string;
  bindType: BindType;
  logger: Logger;
  metrics?: GatewayMetrics;
  /** Required to accept deliver_sm/data_sm; without it they are answered ESME_RX_T_APPN. */
  onDeliver?: DeliverHandler;
  transport?: TransportFactory;
  timers?: Timers;
  now?: () => number;
  /** Submit timeouts in a row after which the session is recycled (closed; the slot reconnects). */
  maxConsecutiveTimeouts?: number;
  /** First pause after a throttling answer; doubles while throttling repeats, up to throttleMaxPauseMs. */
  throttleInitialPauseMs?: number;
  throttleMaxPauseMs?: number;
  /** For tests of the §5.1.4 wrap; the first request uses the number after this. */
  lastSequenceNumber?: number;
}

export type BindOutcome =
  { bound: true } | { bound: false; reason: CloseReason; status?: number; error?: Error };

export interface SessionEvents {
  state: [StateChange];
  /** Window room, a pause ending or the bind completing: waiting submits may go now. */
  ready: [];
  throttled: [ThrottledEvent];
  close: [SessionClosed];
}

const BIND_COMMAND = {
  transmitter: 'bind_transmitter',
  receiver: 'bind_receiver',
  transceiver: 'bind_transceiver',
} as const;

type FailureReason = Exclude<CloseReason, 'unbind' | 'stopped'>;

const CLOSE_CODES: Record<FailureReason, SmppSessionErrorCode> = {
  connect_failed: 'SMPP_CONNECT_FAILED',
  bind_refused: 'SMPP_BIND_REFUSED',
  bind_timeout: 'SMPP_BIND_TIMEOUT',
  socket_closed: 'SMPP_SOCKET_CLOSED',
  framing_lost: 'SMPP_FRAMING_LOST',
  peer_unbind: 'SMPP_PEER_UNBIND',
  keepalive_timeout: 'SMPP_KEEPALIVE_TIMEOUT',
  response_timeouts: 'SMPP_RESPONSE_TIMEOUTS',
  lease_lost: 'SMPP_LEASE_LOST',
};

const CLOSE_MESSAGES: Record<FailureReason, string> = {
  connect_failed: 'connection failed',
  bind_refused: 'bind refused',
  bind_timeout: 'bind timed out',
  socket_closed: 'connection closed by the peer or the network',
  framing_lost: 'PDU framing lost',
  peer_unbind: 'the SMSC unbound',
  keepalive_timeout: 'enquire_link unanswered',
  response_timeouts: 'submit_sm responses timed out',
  lease_lost: 'bind lease lost',
};

/** Requests an SMSC may send to an ESME (§2.3); any other request gets generic_nack ESME_RINVCMDID. */
type InboundRequest = 'enquire_link' | 'unbind' | 'deliver_sm' | 'data_sm' | 'alert_notification' | 'outbind';

export class SmppSession extends EventEmitter<SessionEvents> {
  readonly bindId: string;
  readonly bindType: BindType;
  readonly operatorId: string;

  private readonly operator: OperatorConfig;
  private readonly log: Logger;
  private readonly metrics: GatewayMetrics | undefined;
  private readonly timers: Timers;
  private readonly now: () => number;
  private readonly transportFactory: TransportFactory;
  private readonly window: SendWindow;
  private readonly reader = new FrameReader();
  private readonly keepalive: Keepalive;
  private readonly maxConsecutiveTimeouts: number;
  private readonly throttleInitialPauseMs: number;
  private readonly throttleMaxPauseMs: number;
  private readonly onDeliver: DeliverHandler | undefined;

  private currentState: BindState = 'opening';
  private transport: Transport | undefined;
  private sequenceNumber: number;
  private bindTimer: TimerHandle | undefined;
  private pauseTimer: TimerHandle | undefined;
  private drainTimer: TimerHandle | undefined;
  private drainWaiters: Array<(drained: boolean) => void> = [];
  private openPromise: Promise<BindOutcome> | undefined;
  private resolveOpen: ((outcome: BindOutcome) => void) | undefined;
  private boundAt: number | undefined;
  private consecutiveTimeouts = 0;
  private bindSequenceNumber: number | undefined;
  private throttlePauseMs = 0;
  private okSubmits = 0;

  constructor(options: SessionOptions) {
    super();
    this.operator = options.operator;
    this.operatorId = options.operator.id;
    this.bindId = options.bindId;
    this.bindType = options.bindType;
    this.log = options.logger.child({ op: this.operatorId, bind: this.bindId });
    this.metrics = options.metrics;
    this.timers = options.timers ?? systemTimers;
    this.now = options.now ?? systemClock;
    this.transportFactory =
      options.transport ??
      socketTransportFactory({
        host: options.operator.host,
        port: options.operator.port,
        tls: options.operator.tls,
      });
    this.window = new SendWindow(options.operator.window, this.timers, this.now);
    this.maxConsecutiveTimeouts = options.maxConsecutiveTimeouts ?? 3;
    this.throttleInitialPauseMs = options.throttleInitialPauseMs ?? 1000;
    this.throttleMaxPauseMs = options.throttleMaxPauseMs ?? 10_000;
    this.sequenceNumber = options.lastSequenceNumber ?? 0;
    this.metrics?.watchInflight(this.operatorId, this.bindId, () => this.window.size);
    this.onDeliver = options.onDeliver;
    this.keepalive = new Keepalive({
      intervalMs: options.operator.enquireLinkSeconds * 1000,
      maxMisses: options.operator.enquireLinkMaxMisses,
      timers: this.timers,
      now: this.now,
      ping: () => this.enquireLink(),
      onMiss: (misses) => {
        this.metrics?.enquireLinkTimeouts.inc({ operator: this.operatorId });
        this.log.warn({ misses }, 'enquire_link unanswered');
      },
      onDead: () => this.close('keepalive_timeout'),
    });
  }

  get state(): BindState {
    return this.currentState;
  }

  /** May carry submit_sm (§2.2: transmitter and transceiver binds). */
  get canTransmit(): boolean {
    return this.bindType !== 'receiver';
  }

  /** Submits awaiting their response. */
  get inflight(): number {
    return this.window.size;
  }

  get freeSlots(): number {
    return this.window.free;
  }

  /** New submits are held after a throttling answer until the pause ends. */
  get paused(): boolean {
    return this.pauseTimer !== undefined;
  }

  /** Bound, transmit-capable, not paused, with window room: submit() will write at once. */
  isReady(): boolean {
    return (
      this.currentState === 'bound' &&
      this.canTransmit &&
      this.window.free > 0 &&
      this.pauseTimer === undefined
    );
  }

  /** Connect and bind (§4.1) within bindTimeoutMs. Resolves, never rejects; call once. */
  open(): Promise<BindOutcome> {
    if (this.openPromise) return this.openPromise;
    this.openPromise = new Promise<BindOutcome>((resolve) => {
      this.resolveOpen = resolve;
    });
    this.log.debug(
      { host: this.operator.host, port: this.operator.port, tls: this.operator.tls !== false },
      'connecting',
    );
    this.bindTimer = this.timers.setTimeout(() => {
      this.bindTimer = undefined;
      this.close('bind_timeout', {
        message:
          this.currentState === 'opening'
            ? `no connection within ${this.operator.bindTimeoutMs} ms`
            : `no bind_resp within ${this.operator.bindTimeoutMs} ms`,
      });
    }, this.operator.bindTimeoutMs);
    this.transport = this.transportFactory({
      onConnect: () => this.onConnect(),
      onData: (chunk) => this.onData(chunk),
      onClose: (error) => this.onTransportClose(error),
    });
    return this.openPromise;
  }

  /** Write one submit_sm (§4.4). Resolves 'disconnected' if the session is not ready; never rejects. */
  submit(segment: SegmentSubmit): Promise<SubmitResult> {
    if (!this.isReady()) return Promise.resolve({ outcome: 'disconnected', bindId: this.bindId });
    const pdu = makePdu(
      'submit_sm',
      {
        serviceType: segment.serviceType ?? '',
        sourceAddrTon: segment.sourceAddrTon,
        sourceAddrNpi: segment.sourceAddrNpi,
        sourceAddr: segment.sourceAddr,
        destAddrTon: segment.destAddrTon,
        destAddrNpi: segment.destAddrNpi,
        destinationAddr: segment.destinationAddr,
        esmClass: segment.esmClass,
        priorityFlag: segment.priorityFlag ?? 0,
        validityPeriod: segment.validityPeriod ?? '',
        registeredDelivery: segment.registeredDelivery,
        dataCoding: segment.dataCoding,
        shortMessage: segment.shortMessage,
      },
      { tlvs: segment.tlvs ?? [] },
    );
    const sent = this.send(pdu, this.operator.responseTimeoutMs, true);
    if (sent.error) {
      // A field the spec does not allow (caller bug): the SMSC would refuse it too, so refuse it here for good.
      const status =
        segment.shortMessage.length > 254 ? CommandStatus.ESME_RINVMSGLEN : CommandStatus.ESME_RINVPARLEN;
      this.log.error({ err: sent.error }, 'submit_sm not encodable');
      return Promise.resolve({
        outcome: 'reject',
        status,
        statusName: commandStatusName(status),
        bindId: this.bindId,
      });
    }
    if (!sent.outcome) return Promise.resolve({ outcome: 'disconnected', bindId: this.bindId });
    return sent.outcome.then((outcome) => this.onSubmitOutcome(outcome));
  }

  /** Resolves true once no submit awaits a response, false after timeoutMs (or at once if 0). */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.window.size === 0) return Promise.resolve(true);
    if (timeoutMs <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      this.drainWaiters.push(resolve);
      this.drainTimer ??= this.timers.setTimeout(() => {
        this.drainTimer = undefined;
        this.settleDrain(false);
      }, timeoutMs);
    });
  }

  /**
   * Graceful end (§4.2): unbind, wait for unbind_resp (bounded), close. Submits still in flight resolve as
   * their responses arrive or 'disconnected' at the close. A session not bound is just closed.
   */
  async unbind(
    timeoutMs: number = this.operator.responseTimeoutMs,
    reason: CloseReason = 'unbind',
  ): Promise<void> {
    if (this.currentState === 'unbinding') {
      // Already unbinding (a lost lease, then stop): wait for that one, it is bounded too.
      await new Promise<void>((resolve) => this.once('close', () => resolve()));
      return;
    }
    if (this.currentState !== 'bound') {
      this.close(reason === 'unbind' ? 'stopped' : reason);
      return;
    }
    this.setState('unbinding');
    this.keepalive.stop();
    const sent = this.send(makePdu('unbind', {}), timeoutMs, false);
    const outcome = await sent.outcome;
    if (outcome?.kind === 'timeout') this.log.warn({ timeoutMs }, 'no unbind_resp; closing anyway');
    this.close(reason, { graceful: true });
  }

  /** Close now (idempotent): every pending request resolves, every timer is cleared, 'close' is emitted once. */
  close(
    reason: CloseReason,
    details: { status?: number; cause?: unknown; message?: string; graceful?: boolean } = {},
  ): void {
    if (this.currentState === 'closed') return;
    const error = this.closeError(reason, details);
    const boundMs = this.boundAt === undefined ? 0 : this.now() - this.boundAt;
    this.timers.clearTimeout(this.bindTimer);
    this.bindTimer = undefined;
    this.timers.clearTimeout(this.pauseTimer);
    this.pauseTimer = undefined;
    this.keepalive.stop();
    if (details.graceful) this.transport?.end();
    else this.transport?.destroy();
    this.setState('closed');
    this.window.failAll();
    this.settleDrain(true);

    // Failed binds repeat on every retry: the slot logs them once per change of reason instead.
    const level =
      reason === 'unbind' || reason === 'stopped'
        ? 'info'
        : reason === 'bind_refused' || reason === 'bind_timeout' || reason === 'connect_failed'
          ? 'debug'
          : 'warn';
    this.log[level]({ reason, boundMs, err: error }, 'session closed');
    if (reason === 'bind_refused' || reason === 'bind_timeout' || reason === 'connect_failed') {
      const failure =
        reason === 'bind_refused'
          ? details.status === undefined
            ? 'refused'
            : commandStatusName(details.status)
          : reason === 'bind_timeout'
            ? 'timeout'
            : 'connect';
      this.metrics?.bindFailures.inc({ operator: this.operatorId, reason: failure });
    }
    const closed: SessionClosed = { bindId: this.bindId, reason, boundMs, okSubmits: this.okSubmits };
    if (details.status !== undefined) closed.status = details.status;
    if (error !== undefined) closed.error = error;
    if (this.resolveOpen) {
      const outcome: BindOutcome = { bound: false, reason };
      if (details.status !== undefined) outcome.status = details.status;
      if (error !== undefined) outcome.error = error;
      this.resolveOpen(outcome);
      this.resolveOpen = undefined;
    }
    this.emit('close', closed);
  }

  /** The typed error a close carries; none for the normal ends (our unbind, stop). */
  private closeError(
    reason: CloseReason,
    details: { status?: number; cause?: unknown; message?: string },
  ): SmppSessionError | undefined {
    if (reason === 'unbind' || reason === 'stopped') return undefined;
    const status = details.status === undefined ? '' : ` ${commandStatusName(details.status)}`;
    const causeText = details.cause instanceof Error ? `: ${details.cause.message}` : '';
    const message = details.message ?? `${CLOSE_MESSAGES[reason]}${status}${causeText}`;
    return new SmppSessionError(CLOSE_CODES[reason], message, {
      operatorId: this.operatorId,
      bindId: this.bindId,
      ...(details.status === undefined ? {} : { status: details.status }),
      ...(details.cause === undefined ? {} : { cause: details.cause }),
    });
  }

  // ---------------------------------------------------------------------------------------------------------
  // State

  /** The one place the state changes, logged `from -> to` (ioredis' habit). */
  private setState(to: BindState): void {
    const from = this.currentState;
    if (from === to) return;
    this.currentState = to;
    this.log.info({ from, to }, `${from} -> ${to}`);
    if (from === 'bound' || to === 'bound') {
      this.metrics?.bindUp.set({ operator: this.operatorId, bind: this.bindId }, to === 'bound' ? 1 : 0);
    }
    this.emit('state', { bindId: this.bindId, from, to });
  }

  private onConnect(): void {
    if (this.currentState !== 'opening') return;
    this.setState('binding');
    const command = BIND_COMMAND[this.bindType];
    const pdu = makePdu(command, {
      systemId: this.operator.systemId,
      password: this.operator.password,
      systemType: this.operator.systemType,
      interfaceVersion: SMPP_INTERFACE_VERSION,
      addrTon: 0,
      addrNpi: 0,
      addressRange: '',
    });
    // The bind timer (started in open) bounds connect + bind together, so the window entry needs none.
    const sent = this.send(pdu, 0, false);
    this.bindSequenceNumber = pdu.sequenceNumber;
    if (!sent.outcome) {
      this.close('bind_refused', {
        cause: sent.error,
        message: 'bind PDU not encodable (system_id/password too long?)',
      });
      return;
    }
    void sent.outcome.then((outcome) => this.onBindOutcome(outcome));
  }

  private onBindOutcome(outcome: WindowOutcome): void {
    if (outcome.kind !== 'response' || this.currentState !== 'binding') return;
    const { pdu } = outcome;
    if (pdu.command === 'generic_nack' || pdu.commandStatus !== CommandStatus.ESME_ROK) {
      // Some SMSCs answer a refused bind with generic_nack; the status is what matters (§4.1.2).
      this.close('bind_refused', {
        status: pdu.commandStatus === 0 ? CommandStatus.ESME_RBINDFAIL : pdu.commandStatus,
      });
      return;
    }
    this.timers.clearTimeout(this.bindTimer);
    this.bindTimer = undefined;
    this.boundAt = this.now();
    const scVersion = tlvUint(pdu.tlvs, TlvTag.sc_interface_version);
    const systemId = 'systemId' in pdu.body ? pdu.body.systemId : undefined;
    this.log.debug({ smscSystemId: systemId, scInterfaceVersion: scVersion }, 'bind accepted');
    this.setState('bound');
    this.keepalive.start();
    this.resolveOpen?.({ bound: true });
    this.resolveOpen = undefined;
    this.emit('ready');
  }

  private onTransportClose(error: Error | undefined): void {
    if (this.currentState === 'closed') return;
    this.close(this.currentState === 'opening' ? 'connect_failed' : 'socket_closed', { cause: error });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Send path

  /** sequence_number → encode → window → write. `outcome` undefined: not written (closed, full or unencodable). */
  private send(
    pdu: Pdu,
    timeoutMs: number,
    counted: boolean,
  ): { outcome?: Promise<WindowOutcome>; error?: Error } {
    if (this.currentState === 'closed' || !this.transport) return {};
    this.sequenceNumber = nextSequenceNumber(this.sequenceNumber);
    pdu.sequenceNumber = this.sequenceNumber;
    let bytes: Buffer;
    try {
      bytes = encodePdu(pdu);
    } catch (error) {
      return { error: error as Error };
    }
    const outcome = this.window.add(pdu.sequenceNumber, pdu.command, timeoutMs, { counted });
    if (!outcome) return {};
    this.transport.write(bytes);
    return { outcome };
  }

  /** Responses to the SMSC's requests bypass the window: they expect no answer. */
  private respond(
    request: { sequenceNumber: number },
    command: CommandName,
    commandStatus: number,
    body = {},
  ): void {
    if (this.currentState === 'closed' || !this.transport) return;
    const pdu = makePdu(command, body, { sequenceNumber: request.sequenceNumber, commandStatus });
    this.transport.write(encodePdu(pdu));
  }

  private genericNack(sequenceNumber: number, status: number): void {
    this.respond({ sequenceNumber }, 'generic_nack', status);
  }

  private onSubmitOutcome(outcome: WindowOutcome): SubmitResult {
    const bindId = this.bindId;
    let result: SubmitResult;
    if (outcome.kind === 'closed') {
      result = { outcome: 'disconnected', bindId };
    } else if (outcome.kind === 'timeout') {
      this.consecutiveTimeouts += 1;
      result = { outcome: 'timeout', bindId };
      if (this.consecutiveTimeouts >= this.maxConsecutiveTimeouts && this.currentState === 'bound') {
        this.close('response_timeouts', {
          message: `${this.consecutiveTimeouts} submit_sm in a row got no response`,
        });
      }
    } else {
      this.consecutiveTimeouts = 0;
      const { pdu } = outcome;
      const status = pdu.commandStatus;
      const cls = classifySubmitStatus(status, this.operator.commandStatus, {
        genericNack: pdu.command === 'generic_nack',
      });
      if (cls === 'ok') {
        this.okSubmits += 1;
        // A success for a submit written before the pause must not undo the escalation.
        if (this.pauseTimer === undefined) this.throttlePauseMs = 0;
        const messageId = pdu.command === 'submit_sm_resp' ? pdu.body.messageId : '';
        result = { outcome: 'ok', messageId, bindId, latencyMs: outcome.roundTripMs };
      } else {
        if (cls === 'throttle') this.throttle(status);
        result = { outcome: cls, status, statusName: commandStatusName(status), bindId };
      }
    }
    if (this.window.size === 0) this.settleDrain(true);
    if (this.currentState === 'bound') this.emit('ready');
    return result;
  }

  /** The carrier asked us to slow down: hold this bind's new submits for a pause that grows while it repeats. */
  private throttle(status: number): void {
    // Answers to submits written before the pause began are the same episode, not a repeat.
    if (this.pauseTimer !== undefined || this.currentState !== 'bound') return;
    this.throttlePauseMs =
      this.throttlePauseMs === 0
        ? this.throttleInitialPauseMs
        : Math.min(this.throttleMaxPauseMs, this.throttlePauseMs * 2);
    const pauseMs = this.throttlePauseMs;
    this.pauseTimer = this.timers.setTimeout(() => {
      this.pauseTimer = undefined;
      if (this.currentState === 'bound') this.emit('ready');
    }, pauseMs);
    this.metrics?.throttleEvents.inc({ operator: this.operatorId });
    this.log.info({ pauseMs, status: commandStatusName(status) }, 'throttled by the SMSC: pausing submits');
    this.emit('throttled', { bindId: this.bindId, pauseMs, status });
  }

  private async enquireLink(): Promise<boolean> {
    const sent = this.send(makePdu('enquire_link', {}), this.operator.responseTimeoutMs, false);
    const outcome = await sent.outcome;
    return outcome?.kind === 'response';
  }

  private settleDrain(drained: boolean): void {
    if (this.drainWaiters.length === 0) return;
    this.timers.clearTimeout(this.drainTimer);
    this.drainTimer = undefined;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve(drained);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Receive path

  private onData(chunk: Buffer): void {
    if (this.currentState === 'closed') return;
    let frames: Buffer[];
    try {
      frames = this.reader.push(chunk);
    } catch (error) {
      // §3.2: command_length is all that frames the stream; an impossible one means we cannot find the next PDU.
      this.metrics?.pduErrors.inc({ operator: this.operatorId, kind: 'framing' });
      this.close('framing_lost', { cause: error });
      return;
    }
    if (frames.length > 0) this.keepalive.touch();
    for (const frame of frames) {
      // A PDU earlier in this chunk may have closed the session (unbind, framing).
      if (this.state === 'closed') return;
      this.onFrame(frame);
    }
  }

  private onFrame(frame: Buffer): void {
    let pdu: ReturnType<typeof decodePdu>;
    try {
      pdu = decodePdu(frame);
    } catch (error) {
      this.onMalformed(error);
      return;
    }
    if (pdu.command === 'unknown') {
      if (isResponseId(pdu.commandId)) {
        this.countUnexpected(pdu.sequenceNumber, `0x${pdu.commandId.toString(16)}`);
      } else {
        // §4.3: generic_nack answers a request whose command_id we do not know.
        this.metrics?.pduErrors.inc({ operator: this.operatorId, kind: 'unknown_command' });
        this.log.warn({ commandId: pdu.commandId, seq: pdu.sequenceNumber }, 'unknown command: generic_nack');
        this.genericNack(pdu.sequenceNumber, CommandStatus.ESME_RINVCMDID);
      }
      return;
    }
    if (isResponseId(CommandId[pdu.command])) {
      const bindResponse = this.currentState === 'binding' && pdu.sequenceNumber === this.bindSequenceNumber;
      if (!this.window.complete(pdu)) this.countUnexpected(pdu.sequenceNumber, pdu.command);
      // Settle the bind now, not in a later microtask: the PDUs behind bind_resp in this same read (the
      // receipts an SMSC held for us, flushed right after it) must find the session bound.
      else if (bindResponse) this.onBindOutcome({ kind: 'response', pdu, roundTripMs: 0 });
      return;
    }
    this.onRequest(pdu);
  }

  private onMalformed(error: unknown): void {
    if (!(error instanceof PduError) || !error.recoverable) {
      this.metrics?.pduErrors.inc({ operator: this.operatorId, kind: 'framing' });
      this.close('framing_lost', { cause: error });
      return;
    }
    this.metrics?.pduErrors.inc({ operator: this.operatorId, kind: 'malformed' });
    this.log.warn({ err: error, seq: error.sequenceNumber }, 'malformed PDU');
    const sequenceNumber = error.sequenceNumber ?? 0;
    if (error.commandId !== undefined && isResponseId(error.commandId)) {
      // A response we cannot read still answers its request: complete it as a generic_nack (the submit is
      // retried; a duplicate beats a loss). generic_nack must never answer a response.
      this.window.complete(makePdu('generic_nack', {}, { sequenceNumber, commandStatus: error.status }));
      return;
    }
    // Recoverable (§3.2 framing intact): answer generic_nack with the error's status and carry on.
    this.genericNack(sequenceNumber, error.status);
  }

  private countUnexpected(sequenceNumber: number, command: string): void {
    this.metrics?.pduErrors.inc({ operator: this.operatorId, kind: 'unexpected_response' });
    this.log.warn({ seq: sequenceNumber, command }, 'response matches no request in the window');
  }

  private onRequest(pdu: Pdu): void {
    const command = pdu.command as InboundRequest | CommandName;
    switch (command) {
      case 'enquire_link':
        // §4.11: answer in any state.
        this.respond(pdu, 'enquire_link_resp', CommandStatus.ESME_ROK);
        return;
      case 'unbind':
        // §4.2: the SMSC ends the session: answer, close; the slot reconnects after its back-off.
        this.respond(pdu, 'unbind_resp', CommandStatus.ESME_ROK);
        this.close('peer_unbind', { graceful: true });
        return;
      case 'deliver_sm':
      case 'data_sm':
        this.onDeliverRequest(pdu);
        return;
      case 'alert_notification':
      case 'outbind':
        // §4.12, §4.1.7: neither has a response; nothing for a bound ESME to do.
        this.log.debug({ command }, 'ignored');
        return;
      default:
        this.metrics?.pduErrors.inc({ operator: this.operatorId, kind: 'unexpected_request' });
        this.log.warn({ command, seq: pdu.sequenceNumber }, 'request an SMSC may not send: generic_nack');
        this.genericNack(pdu.sequenceNumber, CommandStatus.ESME_RINVCMDID);
    }
  }

  private onDeliverRequest(pdu: Pdu): void {
    if (pdu.command !== 'deliver_sm' && pdu.command !== 'data_sm') return;
    const respCommand = pdu.command === 'deliver_sm' ? 'deliver_sm_resp' : 'data_sm_resp';
    const receivable =
      this.bindType !== 'transmitter' && (this.currentState === 'bound' || this.currentState === 'unbinding');
    if (!receivable || !this.onDeliver) {
      // §4.6: a transmitter bind cannot receive; without a handler, ask the SMSC to retry later.
      this.respond(
        pdu,
        respCommand,
        receivable ? CommandStatus.ESME_RX_T_APPN : CommandStatus.ESME_RINVBNDSTS,
      );
      return;
    }
    const body = pdu.body;
    const deliver: InboundDeliver = {
      operatorId: this.operatorId,
      bindId: this.bindId,
      command: pdu.command,
      sourceAddr: body.sourceAddr,
      sourceAddrTon: body.sourceAddrTon,
      sourceAddrNpi: body.sourceAddrNpi,
      destinationAddr: body.destinationAddr,
      esmClass: body.esmClass,
      dataCoding: body.dataCoding,
      shortMessage: 'shortMessage' in body ? body.shortMessage : Buffer.alloc(0),
      registeredDelivery: body.registeredDelivery,
      tlvs: pdu.tlvs,
      receivedAt: this.now(),
    };
    const handler = this.onDeliver;
    // Acknowledge only after the handler has stored it: an unanswered deliver_sm is redelivered by the SMSC.
    Promise.resolve()
      .then(() => handler(deliver))
      .then(
        (status) => this.respond(pdu, respCommand, Number.isInteger(status) && status >= 0 ? status : 0),
        (error: unknown) => {
          this.log.error({ err: error, command: pdu.command }, 'deliver handler failed: ESME_RX_T_APPN');
          this.respond(pdu, respCommand, CommandStatus.ESME_RX_T_APPN);
        },
      )
      .catch((error: unknown) => this.log.error({ err: error }, 'deliver response not sent'));
  }
}
