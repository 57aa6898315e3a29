// One platform connection (we are the SMSC, SMPP 3.4 §2.2), lived through once:
// opening → bound → unbinding → closed, every change through setState(), logged as `from -> to`.
//
// One receive path: bytes → FrameReader → decodePdu → a request goes to its handler, a response completes its
// window entry. Requests are handled concurrently and answered in any order (§2.7 allows it; the sequence
// number pairs them): a slow submit_sm never holds up the next. At most `maxOutstanding` requests are handled
// at once; past that the socket is paused until one is answered. bind and unbind are barriers: nothing after
// them is read until they are done.
// One send path: encode → socket.write, for our responses and our requests (deliver_sm, enquire_link, unbind,
// tracked in a SendWindow).
// Nothing here throws to the caller: a peer or port failure is answered with a command_status, or closes
// the session with a reason.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { AccountConfig, SmppServerConfig } from '../config/index.js';
import {
  CommandId,
  type BodyByCommand,
  CommandStatus,
  FrameReader,
  HEADER_LENGTH,
  PduError,
  TlvTag,
  commandStatusName,
  decodePdu,
  encodePdu,
  isResponseId,
  makePdu,
  uint8Tlv,
  type CommandName,
  type Pdu,
} from '../smpp/pdu/index.js';
import type { AuthFailureLimiter } from '../security/index.js';
import { Keepalive } from '../smpp/keepalive.js';
import type { TimerHandle, Timers } from '../smpp/timers.js';
import { nextSequenceNumber, SendWindow, type WindowOutcome } from '../smpp/window.js';
import type { AccountDirectory } from './auth.js';
import { RequestRefusedError } from './errors.js';
import type {
  BindRegistry,
  GatherOutcome,
  PartGatherer,
  PlatformBindType,
  PlatformIngress,
  PlatformMessage,
  PlatformMessages,
  SmppServerHooks,
} from './ports.js';
import { platformStatOf, queryErrorCode } from './receipt.js';
import { formatSmppTime } from './smpp-time.js';
import { statusOfCancel, statusOfRefusal } from './status-map.js';
import { readSubmit, type ReadSubmit } from './submit-reader.js';
import { decodePlatformParts } from './text.js';

export type PlatformSessionState = 'opening' | 'bound' | 'unbinding' | 'closed';

export type PlatformCloseReason =
  | 'unbind'
  | 'peer_unbind'
  | 'stopped'
  | 'bind_refused'
  | 'bind_timeout'
  | 'socket_closed'
  | 'framing_lost'
  | 'keepalive_timeout';

/** §4.1.1: the interface_version we implement, returned as sc_interface_version (§5.3.2.25). */
const SMPP_VERSION_34 = 0x34;

/** What every session of one server shares. */
export interface SessionContext {
  config: SmppServerConfig;
  directory: AccountDirectory;
  /** Refused credentials per source address (smppServer.authFailures), in this process. */
  authFailures: AuthFailureLimiter;
  ingress: PlatformIngress;
  messages: PlatformMessages;
  binds: BindRegistry;
  gatherer: PartGatherer;
  hooks: SmppServerHooks;
  logger: Logger;
  timers: Timers;
  now: () => number;
  onBound(session: PlatformSession): void;
  onClosed(session: PlatformSession): void;
}

const BIND_TYPES: Partial<Record<CommandName, PlatformBindType>> = {
  bind_transmitter: 'transmitter',
  bind_receiver: 'receiver',
  bind_transceiver: 'transceiver',
};

/** How long a graceful close waits for the peer to take our last bytes before the socket is destroyed. */
const END_GRACE_MS = 2_000;

export class PlatformSession {
  readonly id: string;
  /** address:port of the peer, for logs. */
  readonly peer: string;
  readonly remoteAddress: string | undefined;

  private currentState: PlatformSessionState = 'opening';
  private log: Logger;
  private accountConfig: AccountConfig | undefined;
  private bound: PlatformBindType | undefined;
  private readonly reader = new FrameReader();
  private readonly window: SendWindow;
  private readonly keepalive: Keepalive;
  private readonly backlog: Buffer[] = [];
  private outstanding = 0;
  /** A bind or unbind is being handled: read nothing more until it is done. */
  private barrier = false;
  private paused = false;
  private sequenceNumber = 0;
  private bindTimer: TimerHandle | undefined;
  private endTimer: TimerHandle | undefined;
  /** Re-checked each time a request of the platform ends. */
  private progressWaiters: Array<() => void> = [];
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;
  /** The socket itself is closed (after close(): at once, or once a graceful end has flushed). */
  private readonly socketGone: Promise<void>;

  constructor(
    private readonly socket: Socket,
    private readonly ctx: SessionContext,
    id: string,
  ) {
    this.id = id;
    this.remoteAddress = socket.remoteAddress;
    this.peer = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.log = ctx.logger.child({ bind: id, peer: this.peer });
    this.closedPromise = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
    this.window = new SendWindow(ctx.config.outbox.window, ctx.timers, ctx.now);
    this.keepalive = new Keepalive({
      intervalMs: ctx.config.enquireLinkSeconds * 1000,
      maxMisses: ctx.config.enquireLinkMaxMisses,
      timers: ctx.timers,
      now: ctx.now,
      ping: () => this.enquireLink(),
      onMiss: (misses) => this.log.warn({ misses }, 'enquire_link unanswered'),
      onDead: () => this.close('keepalive_timeout'),
    });
    this.socketGone = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // 'close' always follows 'error': the error only needs a line.
    socket.on('error', (error) => this.log.debug({ err: error }, 'socket error'));
    socket.once('close', () => this.close('socket_closed'));
    this.bindTimer = ctx.timers.setTimeout(() => {
      this.bindTimer = undefined;
      if (this.currentState === 'opening') this.close('bind_timeout');
    }, ctx.config.bindTimeoutMs);
    this.log.debug('connection opened');
  }

  get state(): PlatformSessionState {
    return this.currentState;
  }

  get account(): AccountConfig | undefined {
    return this.accountConfig;
  }

  get bindType(): PlatformBindType | undefined {
    return this.bound;
  }

  /** Bound as receiver or transceiver (§2.2): deliver_sm may be sent. */
  get receives(): boolean {
    return this.currentState === 'bound' && (this.bound === 'receiver' || this.bound === 'transceiver');
  }

  /** deliver_sm this session can take now (its window's room). */
  get deliverRoom(): number {
    return this.receives ? this.window.free : 0;
  }

  /** Requests of the platform being handled. */
  get inProgress(): number {
    return this.outstanding;
  }

  closed(): Promise<void> {
    return this.closedPromise;
  }

  /** Resolves once the socket is closed too (a graceful end takes at most END_GRACE_MS more). */
  gone(): Promise<void> {
    return this.socketGone;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Send path

  private setState(next: PlatformSessionState): void {
    if (next === this.currentState) return;
    this.log.debug(`${this.currentState} -> ${next}`);
    this.currentState = next;
  }

  private writeBytes(bytes: Buffer): boolean {
    if (this.currentState === 'closed' || this.socket.destroyed || !this.socket.writable) return false;
    this.socket.write(bytes);
    return true;
  }

  /**
   * Answer a request. An error response goes without its body (§4.1.2, §4.4.2: "not returned if the
   * command_status field contains a non-zero value").
   */
  private respond<C extends CommandName>(
    command: C,
    sequenceNumber: number,
    status: number,
    body: Partial<BodyByCommand[C]> = {},
    tlvs: Pdu['tlvs'] = [],
  ): void {
    if (status !== CommandStatus.ESME_ROK) {
      const header = Buffer.alloc(HEADER_LENGTH);
      header.writeUInt32BE(HEADER_LENGTH, 0);
      header.writeUInt32BE(CommandId[command], 4);
      header.writeUInt32BE(status >>> 0, 8);
      header.writeUInt32BE(sequenceNumber >>> 0, 12);
      this.writeBytes(header);
      return;
    }
    this.writeBytes(
      encodePdu(makePdu(command, body, { sequenceNumber, commandStatus: status, tlvs }) as Pdu),
    );
  }

  /** §4.3: generic_nack answers a request we cannot read or do not serve. */
  private genericNack(sequenceNumber: number, status: number): void {
    this.respond('generic_nack', sequenceNumber, status);
  }

  /**
   * Send one request of ours and resolve with its outcome; never rejects. `counted` requests (deliver_sm)
   * take window room and resolve 'closed' at once when there is none or the session is not bound.
   */
  private request(pdu: Pdu, counted: boolean): Promise<WindowOutcome> {
    if (this.currentState === 'closed') return Promise.resolve({ kind: 'closed' });
    this.sequenceNumber = nextSequenceNumber(this.sequenceNumber);
    pdu.sequenceNumber = this.sequenceNumber;
    let bytes: Buffer;
    try {
      bytes = encodePdu(pdu);
    } catch (error) {
      this.log.error({ err: error, command: pdu.command }, 'request not encodable');
      return Promise.resolve({ kind: 'closed' });
    }
    const outcome = this.window.add(pdu.sequenceNumber, pdu.command, this.ctx.config.responseTimeoutMs, {
      counted,
    });
    if (!outcome) return Promise.resolve({ kind: 'closed' });
    if (!this.writeBytes(bytes)) {
      this.window.cancel(pdu.sequenceNumber);
      return Promise.resolve({ kind: 'closed' });
    }
    return outcome;
  }

  /** Send a deliver_sm (receipt or MO) and resolve with its outcome. */
  deliver(pdu: Pdu<'deliver_sm'>): Promise<WindowOutcome> {
    if (!this.receives) return Promise.resolve({ kind: 'closed' });
    return this.request(pdu, true);
  }

  private async enquireLink(): Promise<boolean> {
    const outcome = await this.request(makePdu('enquire_link', {}), false);
    return outcome.kind === 'response';
  }

  /**
   * Our graceful end (§4.2), bounded by timeoutMs: no new requests are read, those in progress are answered,
   * unbind is sent and its unbind_resp awaited, then the socket closes. A session not bound is just closed.
   */
  async unbind(timeoutMs: number): Promise<void> {
    if (this.currentState === 'closed') return;
    if (this.currentState !== 'bound') {
      this.close('stopped');
      return;
    }
    this.setState('unbinding');
    this.keepalive.stop();
    const deadline = this.ctx.now() + timeoutMs;
    await this.settled(0, timeoutMs);
    // The peer may have closed meanwhile (setState is not visible to the narrowing above).
    if ((this.currentState as PlatformSessionState) === 'closed') return;
    const left = Math.max(1, deadline - this.ctx.now());
    let timer: TimerHandle | undefined;
    const answered = await Promise.race([
      this.request(makePdu('unbind', {}), false).then((o) => o.kind === 'response'),
      new Promise<boolean>((resolve) => {
        timer = this.ctx.timers.setTimeout(() => resolve(false), left);
      }),
    ]);
    this.ctx.timers.clearTimeout(timer);
    if (!answered) this.log.warn({ timeoutMs }, 'no unbind_resp; closing anyway');
    this.close('unbind', true);
  }

  /** Resolves once at most `max` requests of the platform are in progress, the session closed, or timeoutMs passed. */
  private settled(max: number, timeoutMs?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let timer: TimerHandle | undefined;
      const check = (): void => {
        if (this.outstanding <= max || this.currentState === 'closed') {
          this.ctx.timers.clearTimeout(timer);
          resolve();
        } else {
          this.progressWaiters.push(check);
        }
      };
      if (timeoutMs !== undefined) timer = this.ctx.timers.setTimeout(resolve, timeoutMs);
      check();
    });
  }

  /** Close now (idempotent). `graceful`: flush what was written first (after unbind/unbind_resp, §4.2). */
  close(reason: PlatformCloseReason, graceful = false): void {
    if (this.currentState === 'closed') return;
    const wasBound = this.bound !== undefined && this.accountConfig !== undefined;
    this.setState('closed');
    this.ctx.timers.clearTimeout(this.bindTimer);
    this.bindTimer = undefined;
    this.keepalive.stop();
    this.backlog.length = 0;
    this.window.failAll();
    this.notifyProgress();
    if (graceful && !this.socket.destroyed) {
      this.socket.end(() => this.socket.destroy());
      // A peer that never takes our last bytes must not keep the socket.
      this.endTimer = this.ctx.timers.setTimeout(() => this.socket.destroy(), END_GRACE_MS);
      void this.socketGone.then(() => this.ctx.timers.clearTimeout(this.endTimer));
    } else {
      this.socket.destroy();
    }
    // A refused bind was logged where it was refused (once); a connection that never bound (a port probe)
    // is not news; the normal ends are info; a bound session lost is a warning.
    const level =
      reason === 'bind_refused' || (reason === 'socket_closed' && !wasBound)
        ? 'debug'
        : reason === 'unbind' || reason === 'peer_unbind' || reason === 'stopped' || reason === 'bind_timeout'
          ? 'info'
          : 'warn';
    this.log[level]({ reason }, 'session closed');
    if (wasBound && this.accountConfig) {
      const account = this.accountConfig.id;
      this.ctx.binds
        .release(account, this.id)
        .catch((error: unknown) => this.log.error({ err: error }, 'bind release failed'));
    }
    this.ctx.onClosed(this);
    this.hook(() => this.ctx.hooks.onClosed?.(this.accountConfig?.id, this.id, reason));
    this.resolveClosed();
  }

  /** Hooks observe; one that throws must not change what the platform is answered. */
  private hook(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.log.error({ err: error }, 'SMPP server hook threw');
    }
  }

  private notifyProgress(): void {
    const waiters = this.progressWaiters;
    this.progressWaiters = [];
    for (const waiter of waiters) waiter();
  }

  // ---------------------------------------------------------------------------------------------------------
  // Receive path

  private onData(chunk: Buffer): void {
    if (this.currentState === 'closed') return;
    let frames: Buffer[];
    try {
      frames = this.reader.push(chunk);
    } catch (error) {
      // §3.2: command_length alone frames the stream; an impossible one means the next PDU cannot be found.
      this.log.warn({ err: error }, 'PDU framing lost');
      this.close('framing_lost');
      return;
    }
    if (frames.length > 0) this.keepalive.touch();
    for (const frame of frames) this.backlog.push(frame);
    this.drain();
  }

  /** Handle queued frames while there is room; pause the socket while there is not. */
  private drain(): void {
    while (this.backlog.length > 0 && !this.barrier && this.currentState !== 'closed') {
      if (this.outstanding >= this.ctx.config.maxOutstanding) break;
      const frame = this.backlog.shift();
      if (frame) this.onFrame(frame);
    }
    const full = this.backlog.length > 0 || this.outstanding >= this.ctx.config.maxOutstanding;
    if (full && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!full && this.paused) {
      this.paused = false;
      this.socket.resume();
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
        this.log.warn({ commandId: pdu.commandId, seq: pdu.sequenceNumber }, 'unknown response ignored');
      } else {
        this.log.warn({ commandId: pdu.commandId, seq: pdu.sequenceNumber }, 'unknown command: generic_nack');
        this.genericNack(pdu.sequenceNumber, CommandStatus.ESME_RINVCMDID);
      }
      return;
    }
    if (isResponseId(CommandId[pdu.command])) {
      if (!this.window.complete(pdu)) {
        this.log.warn(
          { seq: pdu.sequenceNumber, command: pdu.command },
          'response matches no request of ours',
        );
      }
      return;
    }
    this.onRequest(pdu);
  }

  private onMalformed(error: unknown): void {
    if (!(error instanceof PduError) || !error.recoverable) {
      this.log.warn({ err: error }, 'undecodable frame: closing');
      this.close('framing_lost');
      return;
    }
    if (error.commandId !== undefined && isResponseId(error.commandId)) {
      // generic_nack never answers a response (§4.3); an unreadable one still ends its request, as an error.
      this.log.warn({ err: error }, 'malformed response');
      this.window.complete(
        makePdu(
          'generic_nack',
          {},
          { sequenceNumber: error.sequenceNumber ?? 0, commandStatus: error.status },
        ),
      );
      return;
    }
    // Framing is intact (§3.2): answer this PDU and read the next.
    this.log.warn({ err: error, seq: error.sequenceNumber }, 'malformed PDU: generic_nack');
    this.genericNack(error.sequenceNumber ?? 0, error.status);
  }

  private onRequest(pdu: Pdu): void {
    switch (pdu.command) {
      case 'enquire_link':
        // §4.11: answered in any state.
        this.respond('enquire_link_resp', pdu.sequenceNumber, CommandStatus.ESME_ROK);
        return;
      case 'bind_transmitter':
      case 'bind_receiver':
      case 'bind_transceiver':
        this.run(pdu, true, () => this.onBind(pdu));
        return;
      case 'unbind':
        this.run(pdu, true, () => this.onUnbind(pdu));
        return;
      case 'submit_sm':
        if (this.transmitReady(pdu, 'submit_sm_resp')) this.run(pdu, false, () => this.onSubmit(pdu));
        return;
      case 'query_sm':
        if (this.transmitReady(pdu, 'query_sm_resp')) this.run(pdu, false, () => this.onQuery(pdu));
        return;
      case 'cancel_sm':
        if (this.transmitReady(pdu, 'cancel_sm_resp')) this.run(pdu, false, () => this.onCancel(pdu));
        return;
      default:
        // data_sm, replace_sm, submit_multi, deliver_sm, outbind, alert_notification: not served here.
        this.log.warn({ command: pdu.command, seq: pdu.sequenceNumber }, 'request not served: generic_nack');
        this.genericNack(pdu.sequenceNumber, CommandStatus.ESME_RINVCMDID);
    }
  }

  /**
   * §2.3 / §4.4: submit_sm, query_sm and cancel_sm need a transmitter or transceiver bind; before a bind,
   * on a receiver bind or while we unbind, they get ESME_RINVBNDSTS.
   */
  private transmitReady(pdu: Pdu, resp: CommandName): boolean {
    if (this.currentState === 'bound' && this.bound !== 'receiver') return true;
    this.respond(resp, pdu.sequenceNumber, CommandStatus.ESME_RINVBNDSTS);
    return false;
  }

  /** Handle one request asynchronously, counted against maxOutstanding; a barrier holds the reading. */
  private run(pdu: Pdu, barrier: boolean, handler: () => Promise<void>): void {
    this.outstanding += 1;
    if (barrier) this.barrier = true;
    handler()
      .catch((error: unknown) => {
        // A handler answers every refusal itself; reaching here is a bug or a port that threw synchronously.
        this.log.error({ err: error, command: pdu.command }, 'request failed: ESME_RSYSERR');
        const resp = responseOf(pdu.command);
        if (resp) this.respond(resp, pdu.sequenceNumber, CommandStatus.ESME_RSYSERR);
      })
      .finally(() => {
        this.outstanding -= 1;
        if (barrier) this.barrier = false;
        this.notifyProgress();
        this.drain();
      });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Handlers

  /** §4.1: authenticate, take a bind of the account (maxBinds across instances), answer. */
  private async onBind(pdu: Pdu<'bind_transmitter' | 'bind_receiver' | 'bind_transceiver'>): Promise<void> {
    const resp = `${pdu.command}_resp` as const;
    if (this.currentState !== 'opening') {
      this.respond(resp, pdu.sequenceNumber, CommandStatus.ESME_RALYBND);
      return;
    }
    const { systemId, password } = pdu.body;
    // An address past its refused binds is not even checked: right or wrong credentials get the same
    // ESME_RBINDFAIL until the window passes, so guessing learns nothing.
    if (this.ctx.authFailures.retryAfterSeconds(this.remoteAddress) > 0) {
      this.hook(() => this.ctx.hooks.onAuthFailure?.('rate_limited'));
      this.refuseBind(pdu, systemId, CommandStatus.ESME_RBINDFAIL, 'rate_limited');
      return;
    }
    const auth = this.ctx.directory.authenticate(systemId, password, this.remoteAddress);
    if (!auth.ok) {
      // Outside allowedNetworks with the right password is not a guess: not counted.
      if (auth.reason !== 'network_not_allowed') this.authFailed(auth.reason);
      this.refuseBind(pdu, systemId, auth.status, auth.reason);
      return;
    }
    const account = auth.account;
    const maxBinds = account.smpp?.maxBinds ?? 1;
    let acquired: boolean;
    try {
      acquired = await this.ctx.binds.acquire(account.id, this.id, maxBinds);
    } catch (error) {
      this.log.error({ err: error, account: account.id }, 'bind registry unavailable');
      this.refuseBind(pdu, systemId, CommandStatus.ESME_RSYSERR, 'registry_unavailable');
      return;
    }
    if (!acquired) {
      this.refuseBind(pdu, systemId, CommandStatus.ESME_RBINDFAIL, 'max_binds');
      return;
    }
    if (this.currentState !== 'opening') {
      // The socket went while the registry answered: give the bind back.
      await this.ctx.binds.release(account.id, this.id).catch(() => undefined);
      return;
    }
    const bindType = BIND_TYPES[pdu.command] ?? 'transceiver';
    this.accountConfig = account;
    this.bound = bindType;
    this.log = this.log.child({ account: account.id });
    this.ctx.timers.clearTimeout(this.bindTimer);
    this.bindTimer = undefined;
    this.respond(resp, pdu.sequenceNumber, CommandStatus.ESME_ROK, { systemId: this.ctx.config.systemId }, [
      uint8Tlv(TlvTag.sc_interface_version, SMPP_VERSION_34),
    ]);
    this.setState('bound');
    this.log.info({ bindType, systemId }, 'platform bound');
    this.keepalive.start();
    this.hook(() => this.ctx.hooks.onBound?.(account.id, this.id, bindType));
    this.ctx.onBound(this);
  }

  private authFailed(reason: 'unknown_system_id' | 'wrong_password'): void {
    this.hook(() =>
      this.ctx.hooks.onAuthFailure?.(reason === 'wrong_password' ? 'bad_password' : 'unknown_system_id'),
    );
    if (this.ctx.authFailures.fail(this.remoteAddress)) {
      const { max, windowSeconds } = this.ctx.config.authFailures;
      this.log.warn(
        { address: this.remoteAddress, max, windowSeconds },
        'too many refused binds from this address: its binds are refused until the window passes',
      );
    }
  }

  /**
   * Logged once, here, with the peer and never the password; then the connection ends (one try per
   * connection). Refusals of a blocked address go at debug: its block was logged at warn once, and a flood
   * of them must not flood the log (the metric counts each).
   */
  private refuseBind(pdu: Pdu, systemId: string, status: number, reason: string): void {
    // A system_id no account has is logged by its length only: platforms do type the password into the
    // system_id field, and anyone may send anything there.
    const who = this.ctx.directory.has(systemId) ? { systemId } : { systemIdLength: systemId.length };
    const line = { ...who, reason, status: commandStatusName(status) };
    if (reason === 'rate_limited') this.log.debug(line, 'bind refused');
    else this.log.warn(line, 'bind refused');
    this.hook(() => this.ctx.hooks.onBindRefused?.(systemId, status));
    const resp = responseOf(pdu.command);
    if (resp) this.respond(resp, pdu.sequenceNumber, status);
    this.close('bind_refused', true);
  }

  /** §4.2: the platform ends the session. Requests already read are answered first (the barrier waited for them). */
  private async onUnbind(pdu: Pdu<'unbind'>): Promise<void> {
    // This handler counts itself: wait for the others.
    await this.settled(1);
    if (this.currentState === 'closed') return;
    this.respond('unbind_resp', pdu.sequenceNumber, CommandStatus.ESME_ROK);
    this.close('peer_unbind', true);
  }

  private async onSubmit(pdu: Pdu<'submit_sm'>): Promise<void> {
    const account = this.accountConfig;
    if (!account) return;
    const seq = pdu.sequenceNumber;
    let read: ReadSubmit;
    try {
      read = readSubmit(pdu, account, this.ctx.now());
    } catch (error) {
      if (!(error instanceof RequestRefusedError)) throw error;
      this.log.info({ reason: error.message }, 'submit_sm refused');
      this.answerSubmit(seq, error.status);
      return;
    }
    try {
      if (read.concat) await this.onPart(seq, account, read);
      else await this.submitWhole(seq, account, read, read.text, undefined, 1);
    } catch (error) {
      if (error instanceof RequestRefusedError) {
        this.answerSubmit(seq, error.status);
        return;
      }
      this.log.error({ err: error }, 'submit_sm failed: ESME_RSYSERR');
      this.answerSubmit(seq, CommandStatus.ESME_RSYSERR);
    }
  }

  private answerSubmit(seq: number, status: number, messageId = ''): void {
    const account = this.accountConfig;
    if (account) this.hook(() => this.ctx.hooks.onSubmit?.(account.id, status));
    this.respond('submit_sm_resp', seq, status, { messageId });
  }

  private messageOf(
    account: AccountConfig,
    read: ReadSubmit,
    text: string,
    platformParts: number,
  ): PlatformMessage {
    const message: PlatformMessage = {
      to: read.to,
      from: read.from,
      text,
      class: account.smpp?.class ?? 'transactional',
      registeredDelivery: read.registeredDelivery,
      platformParts,
    };
    if (read.validUntil !== undefined) message.validUntil = read.validUntil;
    if (read.sendAt !== undefined) message.sendAt = read.sendAt;
    return message;
  }

  /** Submit one whole message; answer with its id once the ingress has it durably (§4.4.2). */
  private async submitWhole(
    seq: number,
    account: AccountConfig,
    read: ReadSubmit,
    text: string,
    gathered: { id: string; registeredDelivery: number } | undefined,
    platformParts: number,
  ): Promise<boolean> {
    const message = this.messageOf(account, read, text, platformParts);
    if (gathered) {
      message.id = gathered.id;
      message.registeredDelivery = gathered.registeredDelivery;
    }
    const outcome = await this.ctx.ingress.submit(account.id, message);
    if (!outcome.ok) {
      // Throttling and full queues come in bursts: not worth a line each at info.
      this.log.debug({ code: outcome.code, reason: outcome.message }, 'submit_sm refused by the ingress');
      this.answerSubmit(seq, statusOfRefusal(outcome.code));
      return false;
    }
    if (gathered && outcome.id !== gathered.id) {
      this.log.warn({ id: outcome.id, gatheredId: gathered.id }, 'ingress ignored the pre-allocated id');
    }
    this.answerSubmit(seq, CommandStatus.ESME_ROK, gathered?.id ?? outcome.id);
    return true;
  }

  /**
   * One part of a pre-split message: kept by the gatherer (durably) and answered with the message's id; the
   * part that completes it submits the whole text as one message, which the gateway re-splits itself.
   */
  private async onPart(seq: number, account: AccountConfig, read: ReadSubmit): Promise<void> {
    const concat = read.concat;
    if (!concat) return;
    const key = {
      account: account.id,
      from: read.from,
      to: read.to,
      via: concat.via,
      reference: concat.reference,
    };
    const outcome: GatherOutcome = await this.ctx.gatherer.addPart(key, {
      seq: concat.seq,
      total: concat.total,
      payload: read.userData,
      dataCoding: read.dataCoding,
      registeredDelivery: read.registeredDelivery,
      receivedAt: this.ctx.now(),
    });
    if ('conflict' in outcome) {
      this.log.info(
        { via: concat.via, reference: concat.reference },
        'part contradicts its message: refused',
      );
      this.answerSubmit(seq, CommandStatus.ESME_RSUBMITFAIL);
      return;
    }
    if (!outcome.complete) {
      this.answerSubmit(seq, CommandStatus.ESME_ROK, outcome.id);
      return;
    }
    const text = decodePlatformParts(outcome.parts);
    const first = outcome.parts[0];
    const submitted = await this.submitWhole(
      seq,
      account,
      read,
      text,
      { id: outcome.id, registeredDelivery: first?.registeredDelivery ?? read.registeredDelivery },
      concat.total,
    );
    if (submitted) {
      await this.ctx.gatherer
        .finish(key, outcome.id)
        .catch((error: unknown) => this.log.error({ err: error, id: outcome.id }, 'gatherer finish failed'));
    }
  }

  /** §4.8: the state of one of this account's messages. */
  private async onQuery(pdu: Pdu<'query_sm'>): Promise<void> {
    const account = this.accountConfig;
    if (!account) return;
    const messageId = pdu.body.messageId;
    let status;
    try {
      status = messageId === '' ? undefined : await this.ctx.messages.lookup(account.id, messageId);
    } catch (error) {
      this.log.error({ err: error }, 'query_sm lookup failed');
      this.respond('query_sm_resp', pdu.sequenceNumber, CommandStatus.ESME_RSYSERR);
      return;
    }
    if (!status) {
      this.respond('query_sm_resp', pdu.sequenceNumber, CommandStatus.ESME_RQUERYFAIL);
      return;
    }
    const stat = platformStatOf(status);
    this.respond('query_sm_resp', pdu.sequenceNumber, CommandStatus.ESME_ROK, {
      messageId,
      finalDate: stat.final && status.at !== undefined ? formatSmppTime(status.at) : '',
      messageState: stat.messageState,
      errorCode: queryErrorCode(stat),
    });
  }

  /** §4.9: cancel one message by id. Cancelling by addresses alone (empty message_id) is not offered. */
  private async onCancel(pdu: Pdu<'cancel_sm'>): Promise<void> {
    const account = this.accountConfig;
    if (!account) return;
    if (pdu.body.messageId === '') {
      this.respond('cancel_sm_resp', pdu.sequenceNumber, CommandStatus.ESME_RCANCELFAIL);
      return;
    }
    let status: number;
    try {
      status = statusOfCancel(await this.ctx.messages.cancel(account.id, pdu.body.messageId));
    } catch (error) {
      this.log.error({ err: error }, 'cancel_sm failed');
      status = CommandStatus.ESME_RSYSERR;
    }
    this.respond('cancel_sm_resp', pdu.sequenceNumber, status);
  }
}

function responseOf(command: CommandName): CommandName | undefined {
  const name = `${command}_resp`;
  return name in CommandId ? (name as CommandName) : undefined;
}
