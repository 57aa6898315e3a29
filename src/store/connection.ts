// The gateway's main Redis connection as the composition root sees it: opened with the shared retry
// policy, checked (version, eviction, persistence), pinged for the latency metric, and closed politely
// when Redis is there, at once when it is not (a stop never waits on an absent Redis).
import type { Logger } from 'pino';
import {
  checkRedisServer,
  closeNow,
  connectRedis,
  createRedis,
  describeTarget,
  type RedisClient,
  type RedisTarget,
} from './connect.js';

export interface RedisConnectionHooks {
  /** Connection up (true) or down (false). */
  onStatus?: (up: boolean) => void;
  /** A health ping's round trip: call the returned function when it answered. */
  onPing?: () => () => void;
}

export class RedisConnection {
  private pingTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly client: RedisClient,
    readonly target: RedisTarget,
  ) {}

  static async open(
    where: RedisTarget | string,
    options: { logger: Logger; managed: boolean; hooks?: RedisConnectionHooks },
  ): Promise<RedisConnection> {
    const { logger, hooks } = options;
    const target: RedisTarget = typeof where === 'string' ? { kind: 'url', url: where } : where;
    const client = createRedis(target, { logger, name: 'main' });
    client.on('ready', () => hooks?.onStatus?.(true));
    client.on('close', () => hooks?.onStatus?.(false));
    const connection = new RedisConnection(client, target);
    try {
      await connectRedis(client, target);
      const report = await checkRedisServer(client);
      for (const warning of report.warnings) logger.warn({ redis: describeTarget(target) }, warning);
      logger.info(
        {
          redis: describeTarget(target),
          shape: target.kind,
          version: report.version,
          managed: options.managed,
        },
        'redis ready',
      );
    } catch (error) {
      client.disconnect();
      throw error;
    }
    if (hooks?.onPing) {
      const onPing = hooks.onPing;
      connection.pingTimer = setInterval(() => {
        if (client.status !== 'ready') return;
        const end = onPing();
        client.ping().then(
          () => end(),
          () => undefined,
        );
      }, 5000);
    }
    return connection;
  }

  /** ioredis' connection status (ready, reconnecting, end, …), for logs. */
  get status(): string {
    return this.client.status;
  }

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /** No more health pings (the stop begins). */
  stopPinging(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }

  /**
   * Does Redis answer a PING within `timeoutMs`? False at once when the connection is not up (a command
   * would only wait in the offline queue), false when a server that holds the connection open does not
   * answer (a stopped or hung process).
   */
  async probe(timeoutMs: number): Promise<boolean> {
    if (this.client.status !== 'ready') return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([
        this.client.ping().then(
          () => true,
          () => false,
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Close now: every command still waiting (sent, or in the offline queue) fails at once with "Connection
   * is closed", so nothing waits on an absent Redis.
   */
  disconnect(): void {
    this.stopPinging();
    closeNow(this.client);
  }

  /** Polite QUIT when Redis is there, bounded by `timeoutMs`; otherwise (or after it) disconnect. */
  async close(timeoutMs = 1000): Promise<void> {
    this.stopPinging();
    if (this.client.status === 'ready') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.client.quit().catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    if (this.client.status !== 'end') closeNow(this.client);
  }
}
