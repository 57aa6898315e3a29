// The gateway's main Redis connection as the composition root sees it: opened with the shared retry
// policy, checked (version, eviction, persistence), pinged for the latency metric, and closed politely
// when Redis is there, at once when it is not (a stop never waits on an absent Redis).
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { checkRedisServer, connectRedis, createRedis, redactUrl } from './connect.js';

export interface RedisConnectionHooks {
  /** Connection up (true) or down (false). */
  onStatus?: (up: boolean) => void;
  /** A health ping's round trip: call the returned function when it answered. */
  onPing?: () => () => void;
}

export class RedisConnection {
  private pingTimer: NodeJS.Timeout | undefined;

  private constructor(
    readonly client: Redis,
    readonly url: string,
  ) {}

  static async open(
    url: string,
    options: { logger: Logger; managed: boolean; hooks?: RedisConnectionHooks },
  ): Promise<RedisConnection> {
    const { logger, hooks } = options;
    const client = createRedis(url, { logger, name: 'main' });
    client.on('ready', () => hooks?.onStatus?.(true));
    client.on('close', () => hooks?.onStatus?.(false));
    const connection = new RedisConnection(client, url);
    try {
      await connectRedis(client, url);
      const report = await checkRedisServer(client);
      for (const warning of report.warnings) logger.warn({ redis: redactUrl(url) }, warning);
      logger.info(
        { redis: redactUrl(url), version: report.version, managed: options.managed },
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

  get ready(): boolean {
    return this.client.status === 'ready';
  }

  async close(): Promise<void> {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    if (this.client.status === 'ready') await this.client.quit();
    else this.client.disconnect();
  }
}
