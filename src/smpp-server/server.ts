// The SMPP server platforms bind to: plain and TLS listeners, one PlatformSession per connection, one
// OutboxPump per account with a receiving bind, and the sweep that gives up pre-split messages whose parts
// did not all arrive. start() listens; stop() stops accepting, unbinds every session politely within a
// bound, and closes what is left.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import type { Logger } from 'pino';
import type { AccountConfig, SmppServerConfig } from '../config/index.js';
import { parseListen } from '../config/schema.js';
import { systemClock, systemTimers, type TimerHandle, type Timers } from '../smpp/timers.js';
import { AuthFailureLimiter } from '../security/index.js';
import { AccountDirectory } from './auth.js';
import { SmppServerError } from './errors.js';
import { OutboxPump } from './outbox-pump.js';
import { PlatformSession, type SessionContext } from './platform-session.js';
import type {
  BindRegistry,
  PartGatherer,
  PlatformIngress,
  PlatformMessages,
  PlatformOutbox,
  SmppServerHooks,
} from './ports.js';

export interface SmppServerOptions {
  config: SmppServerConfig;
  accounts: readonly AccountConfig[];
  ingress: PlatformIngress;
  messages: PlatformMessages;
  binds: BindRegistry;
  gatherer: PartGatherer;
  outbox: PlatformOutbox;
  logger: Logger;
  hooks?: SmppServerHooks;
  timers?: Timers;
  now?: () => number;
  /** Prefix of session ids, unique per instance (BindRegistry keys on session ids). Default: random. */
  instanceId?: string;
  /** How often gatherings past partTimeoutSeconds are looked for. Default 5 s. */
  sweepIntervalMs?: number;
}

export interface SmppServerAddresses {
  plain?: AddressInfo;
  tls?: AddressInfo;
}

const SWEEP_BATCH = 100;

export class SmppServer {
  private readonly config: SmppServerConfig;
  private readonly log: Logger;
  private readonly timers: Timers;
  private readonly now: () => number;
  private readonly instanceId: string;
  private readonly sweepIntervalMs: number;
  private readonly context: SessionContext;
  private readonly sessions = new Set<PlatformSession>();
  private readonly pumps = new Map<string, OutboxPump>();
  private readonly listeners: Array<{ kind: 'plain' | 'tls'; server: net.Server }> = [];
  private sweepTimer: TimerHandle | undefined;
  private sweeping: Promise<number> | undefined;
  private pollTimer: TimerHandle | undefined;
  private nextSession = 1;
  private started = false;
  private stopping = false;

  constructor(private readonly options: SmppServerOptions) {
    this.config = options.config;
    this.log = options.logger.child({ component: 'smpp-server' });
    this.timers = options.timers ?? systemTimers;
    this.now = options.now ?? systemClock;
    this.instanceId = options.instanceId ?? randomUUID().slice(0, 8);
    this.sweepIntervalMs = options.sweepIntervalMs ?? 5_000;
    this.context = {
      config: options.config,
      directory: new AccountDirectory(options.accounts),
      authFailures: new AuthFailureLimiter(options.config.authFailures, this.now),
      ingress: options.ingress,
      messages: options.messages,
      binds: options.binds,
      gatherer: options.gatherer,
      hooks: options.hooks ?? {},
      logger: this.log,
      timers: this.timers,
      now: this.now,
      onBound: (session) => this.onBound(session),
      onClosed: (session) => this.onClosed(session),
    };
  }

  /** Listen on `listen` (plain, or TLS when `tls` has no address of its own) and `tls.listen`. */
  async start(): Promise<void> {
    if (this.started)
      throw new SmppServerError('SMPP_SERVER_ALREADY_STARTED', 'the SMPP server is already started');
    this.started = true;
    try {
      await this.listenAll();
    } catch (error) {
      // Nothing half-started: a listener already open would hold its port with no one to close it.
      await Promise.all(
        this.listeners.map(({ server }) => new Promise<void>((r) => server.close(() => r()))),
      );
      this.listeners.length = 0;
      throw error;
    }
    this.scheduleSweep();
    this.schedulePoll();
  }

  private async listenAll(): Promise<void> {
    const tlsConfig = this.config.tls;
    if (tlsConfig === undefined || tlsConfig.listen !== undefined) {
      await this.listen('plain', net.createServer(), this.config.listen, 'connection');
    }
    if (tlsConfig !== undefined) {
      const read = (path: string, what: string): Buffer => {
        try {
          return readFileSync(path);
        } catch (error) {
          throw new SmppServerError('SMPP_SERVER_TLS_FILES', `cannot read TLS ${what} file ${path}`, {
            cause: error,
          });
        }
      };
      const secure: tls.TlsOptions = { cert: read(tlsConfig.cert, 'cert'), key: read(tlsConfig.key, 'key') };
      if (tlsConfig.ca !== undefined) {
        // A CA given: platforms must present a certificate it signed (mutual TLS).
        secure.ca = read(tlsConfig.ca, 'ca');
        secure.requestCert = true;
        secure.rejectUnauthorized = true;
      }
      const server = tls.createServer(secure);
      server.on('tlsClientError', (error) => this.log.info({ err: error }, 'TLS handshake failed'));
      await this.listen('tls', server, tlsConfig.listen ?? this.config.listen, 'secureConnection');
    }
  }

  private async listen(
    kind: 'plain' | 'tls',
    server: net.Server,
    address: string,
    event: 'connection' | 'secureConnection',
  ): Promise<void> {
    const { host, port } = parseListen(address);
    server.on(event, (socket: net.Socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => {
        reject(
          new SmppServerError('SMPP_SERVER_LISTEN_FAILED', `cannot listen on ${address}: ${error.message}`, {
            cause: error,
          }),
        );
      };
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (error) => this.log.error({ err: error, kind }, 'listener error'));
    this.listeners.push({ kind, server });
    this.log.info({ kind, address: server.address() }, 'SMPP server listening');
  }

  /** The bound addresses (port 0 in the config asks the OS for one). */
  get addresses(): SmppServerAddresses {
    const out: SmppServerAddresses = {};
    for (const { kind, server } of this.listeners) {
      const address = server.address();
      if (address !== null && typeof address === 'object') out[kind] = address;
    }
    return out;
  }

  /** Sessions open now, bound or not. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /** New outbox items are due for `account`: deliver them now rather than at the next poll. */
  wake(account: string): void {
    this.pumps.get(account)?.wake();
  }

  private accept(socket: net.Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const id = `${this.instanceId}-${this.nextSession++}`;
    const session = new PlatformSession(socket, this.context, id);
    this.sessions.add(session);
  }

  private onBound(session: PlatformSession): void {
    const account = session.account;
    if (!account || !session.receives) return;
    let pump = this.pumps.get(account.id);
    if (!pump) {
      pump = new OutboxPump(
        account.id,
        this.options.outbox,
        this.config.outbox,
        this.log,
        this.context.hooks,
        this.timers,
      );
      this.pumps.set(account.id, pump);
    }
    pump.addSession(session);
  }

  private onClosed(session: PlatformSession): void {
    this.sessions.delete(session);
    const account = session.account;
    if (account) this.pumps.get(account.id)?.removeSession(session);
  }

  /** The owner may forget to wake(): every poll interval, pumps of bound accounts look again. */
  private schedulePoll(): void {
    this.pollTimer = this.timers.setTimeout(() => {
      for (const pump of this.pumps.values()) pump.wake();
      if (!this.stopping) this.schedulePoll();
    }, this.config.outbox.pollIntervalMs);
  }

  private scheduleSweep(): void {
    this.sweepTimer = this.timers.setTimeout(() => {
      this.sweeping = this.sweep().finally(() => {
        this.sweeping = undefined;
        if (!this.stopping) this.scheduleSweep();
      });
    }, this.sweepIntervalMs);
  }

  /**
   * Pre-split messages whose first part is older than partTimeoutSeconds: every part already went back with
   * the message id, so the message cannot be refused any more; it is abandoned (final error PARTS_MISSING,
   * or NOT_SUBMITTED when all parts came but its submit was refused) and the platform hears of it by receipt.
   * Sending what arrived would put a truncated text on a handset, perhaps without its opt-out mention.
   */
  async sweep(): Promise<number> {
    let expired;
    try {
      expired = await this.options.gatherer.expired(
        this.now() - this.config.partTimeoutSeconds * 1000,
        SWEEP_BATCH,
      );
    } catch (error) {
      this.log.error({ err: error }, 'part gatherer unavailable');
      return 0;
    }
    for (const g of expired) {
      const code = g.received < g.total ? 'PARTS_MISSING' : 'NOT_SUBMITTED';
      try {
        await this.options.ingress.abandon(g.key.account, g.id, {
          to: g.key.to,
          from: g.key.from,
          registeredDelivery: g.registeredDelivery,
          code,
          received: g.received,
          total: g.total,
        });
        await this.options.gatherer.finish(g.key, g.id);
        this.log.warn(
          { account: g.key.account, id: g.id, received: g.received, total: g.total, code },
          'pre-split message abandoned',
        );
      } catch (error) {
        this.log.error({ err: error, id: g.id }, 'abandoning a pre-split message failed');
      }
    }
    return expired.length;
  }

  /**
   * Stop accepting, stop sending deliver_sm, unbind every session (each answers what it has in progress
   * first), all within timeoutMs; then destroy what is left and close the listeners.
   */
  async stop(timeoutMs = 5_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.timers.clearTimeout(this.sweepTimer);
    this.timers.clearTimeout(this.pollTimer);
    const closing = this.listeners.map(
      ({ server }) => new Promise<void>((resolve) => server.close(() => resolve())),
    );
    const pumps = [...this.pumps.values()].map((pump) => pump.stop());
    const sessions = [...this.sessions];
    let timer: TimerHandle | undefined;
    await Promise.race([
      Promise.all(sessions.map((session) => session.unbind(timeoutMs))),
      new Promise<void>((resolve) => {
        timer = this.timers.setTimeout(resolve, timeoutMs);
      }),
    ]);
    this.timers.clearTimeout(timer);
    for (const session of this.sessions) session.close('stopped');
    await Promise.all([...pumps, ...closing, this.sweeping, ...sessions.map((session) => session.gone())]);
    this.log.info({ sessions: sessions.length }, 'SMPP server stopped');
  }
}
