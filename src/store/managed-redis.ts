// The embedded default: when the config names no Redis URL, the daemon runs redis-server as a child
// process with settings that cannot lose accepted messages (AOF on, fsync every second, no eviction).
// The child runs in its own process group (and session): a terminal's Ctrl-C, sent to the foreground
// process group, reaches the daemon only, and the daemon stops its redis-server last, after its own drain.
// Should the daemon exit without stopping it (process.exit, an uncaught error), an exit hook sends it
// SIGTERM; only a daemon killed with -9 leaves it running, and the next start stops it (stopStaleServer).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Redis } from 'ioredis';
import { RedisSetupError } from './errors.js';

export interface ManagedRedisOptions {
  dataDir: string;
  serverBin?: string;
  /** 0 or omitted: a free loopback port chosen at start. */
  port?: number;
  logger?: Logger;
  startTimeoutMs?: number;
  /** Extra `--name value` arguments (tests use them to speed up or to disable persistence). */
  extraArgs?: string[];
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Is a process with this pid alive (signal 0 probes without signalling)? */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isRedisProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    // No /proc (macOS): trust the pid file only when the process is alive.
    return processAlive(pid);
  }
}

/** Children still running, for the exit hook: a detached child no longer dies with our process group. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    // Synchronous: nothing asynchronous runs after 'exit'. SIGTERM lets redis-server fsync and exit.
    for (const child of running)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  });
}

export class ManagedRedis {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private portInUse = 0;
  private readonly dataDir: string;
  private stderrTail = '';

  constructor(private readonly options: ManagedRedisOptions) {
    this.dataDir = resolve(options.dataDir);
  }

  get port(): number {
    return this.portInUse;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.portInUse}/0`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<string> {
    const log = this.options.logger;
    mkdirSync(this.dataDir, { recursive: true });
    await this.stopStaleServer();
    this.portInUse = this.options.port && this.options.port > 0 ? this.options.port : await freePort();
    const bin = this.options.serverBin ?? 'redis-server';
    const args = [
      '--port',
      String(this.portInUse),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dataDir,
      '--pidfile',
      resolve(this.dataDir, 'redis.pid'),
      '--daemonize',
      'no',
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--maxmemory-policy',
      'noeviction',
      // A message record is a hash of ~10 short fields and one JSON field of a few hundred bytes: kept as a
      // listpack (not a hash table) it takes a third less memory (docs/storage.md).
      '--hash-max-listpack-value',
      '1024',
      '--protected-mode',
      'yes',
      '--logfile',
      '',
      ...(this.options.extraArgs ?? []),
    ];
    // detached: its own process group, so a terminal's SIGINT to ours does not reach it.
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    this.child = child;
    running.add(child);
    installExitHook();
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    this.exited = new Promise<void>((done) =>
      child.once('exit', () => {
        running.delete(child);
        done();
      }),
    );
    const spawnError = await new Promise<Error | undefined>((done) => {
      child.once('error', (error) => done(error));
      child.once('spawn', () => done(undefined));
    });
    if (spawnError) {
      running.delete(child);
      this.child = undefined;
      if ((spawnError as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new RedisSetupError(
          'REDIS_SERVER_NOT_FOUND',
          `${bin} was not found on the PATH: install Redis (e.g. "apt-get install redis-server") or set redis.url in the config to use an existing server`,
          { cause: spawnError },
        );
      }
      throw new RedisSetupError(
        'REDIS_SERVER_START_FAILED',
        `could not start ${bin}: ${spawnError.message}`,
        {
          cause: spawnError,
        },
      );
    }
    await this.waitUntilReady();
    log?.info(
      { port: this.portInUse, dataDir: this.dataDir, redisPid: child.pid },
      'managed redis-server started',
    );
    return this.url;
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 10_000);
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (this.child?.exitCode !== null && this.child?.exitCode !== undefined) break;
      const probe = new Redis({
        port: this.portInUse,
        host: '127.0.0.1',
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        enableOfflineQueue: false,
        // A refused probe's socket is already closed: no 2 s timer waiting for it to close again.
        disconnectTimeout: 0,
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        // While loading a large AOF, Redis answers LOADING; wait until PING succeeds.
        await probe.ping();
        probe.disconnect();
        return;
      } catch (error) {
        lastError = error;
        probe.disconnect();
      }
      await delay(50);
    }
    await this.stop();
    const detail = this.stderrTail.trim().split('\n').slice(-3).join(' | ');
    throw new RedisSetupError(
      'REDIS_SERVER_START_FAILED',
      `redis-server did not answer on 127.0.0.1:${this.portInUse}${detail ? `: ${detail}` : ''}`,
      { cause: lastError },
    );
  }

  /** A daemon killed with -9 leaves its redis-server running on our data directory: stop it first. */
  private async stopStaleServer(): Promise<void> {
    const pidFile = resolve(this.dataDir, 'redis.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
    if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid) || !isRedisProcess(pid)) return;
    this.options.logger?.warn({ pid }, 'stopping a redis-server left running on this data directory');
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (processAlive(pid) && Date.now() < deadline) await delay(50);
    if (processAlive(pid)) process.kill(pid, 'SIGKILL');
  }

  /**
   * SIGTERM lets redis-server fsync its AOF and exit; SIGKILL only if it does not within the timeout (its
   * AOF is already written: a killed server loses nothing the page cache holds).
   */
  async stop(timeoutMs = 5_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.child = undefined;
      return;
    }
    child.kill('SIGTERM');
    // The timer is cancelled once the child exits: a pending timeout must not hold the process open.
    const timer = new AbortController();
    const timedOut = await Promise.race([
      this.exited!.then(() => false),
      delay(timeoutMs, true, { signal: timer.signal }).catch(() => false),
    ]);
    timer.abort();
    if (timedOut) {
      child.kill('SIGKILL');
      await this.exited;
    }
    this.child = undefined;
    this.options.logger?.info('managed redis-server stopped');
  }

  /** For fault tests: kill the server abruptly (no AOF rewrite, as a crash would). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (child.exitCode !== null || child.signalCode !== null) {
      this.child = undefined;
      return;
    }
    child.kill('SIGKILL');
    await this.exited;
    this.child = undefined;
  }
}
