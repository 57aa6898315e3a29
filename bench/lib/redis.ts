// The benchmark's own redis-server (a free port, a temporary directory, AOF on with fsync every second, as the
// daemon runs it) and a minimal RESP client for INFO and a few admin commands. The client is written here, not
// taken from the daemon, so the benchmark depends on nothing inside it.
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { Proc, cpuSeconds, freePort, portInUse, until } from './proc.js';

export type Resp = string | number | null | Resp[] | Error;

/** RESP2 over one connection, one command at a time (enough for INFO and admin commands). */
export class RespClient {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending: Array<{ resolve: (value: Resp) => void; reject: (error: Error) => void }> = [];

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const parsed = parse(this.buffer, 0);
        if (!parsed) break;
        this.buffer = this.buffer.subarray(parsed.end);
        this.pending.shift()?.resolve(parsed.value);
      }
    });
    socket.on('error', (error) => {
      for (const waiter of this.pending.splice(0)) waiter.reject(error);
    });
    socket.on('close', () => {
      for (const waiter of this.pending.splice(0)) waiter.reject(new Error('redis connection closed'));
    });
  }

  static async connect(port: number, timeoutMs = 5000): Promise<RespClient> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`redis 127.0.0.1:${port}: connect timeout`)),
        timeoutMs,
      );
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    return new RespClient(socket);
  }

  async command(...args: string[]): Promise<Resp> {
    let out = `*${args.length}\r\n`;
    for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
    const reply = await new Promise<Resp>((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(out);
    });
    if (reply instanceof Error) throw reply;
    return reply;
  }

  /** INFO <section> as a map of field → value. */
  async info(section: string): Promise<Map<string, string>> {
    const text = String(await this.command('INFO', section));
    const fields = new Map<string, string>();
    for (const line of text.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
    }
    return fields;
  }

  close(): void {
    this.socket.destroy();
  }
}

function parse(buffer: Buffer, start: number): { value: Resp; end: number } | undefined {
  const eol = buffer.indexOf('\r\n', start);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buffer[start]!);
  const head = buffer.toString('utf8', start + 1, eol);
  switch (type) {
    case '+':
      return { value: head, end: eol + 2 };
    case '-':
      return { value: new Error(head), end: eol + 2 };
    case ':':
      return { value: Number(head), end: eol + 2 };
    case '$': {
      const length = Number(head);
      if (length < 0) return { value: null, end: eol + 2 };
      if (buffer.length < eol + 2 + length + 2) return undefined;
      return { value: buffer.toString('utf8', eol + 2, eol + 2 + length), end: eol + 2 + length + 2 };
    }
    case '*': {
      const count = Number(head);
      if (count < 0) return { value: null, end: eol + 2 };
      const items: Resp[] = [];
      let at = eol + 2;
      for (let i = 0; i < count; i++) {
        const item = parse(buffer, at);
        if (!item) return undefined;
        items.push(item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
  }
}

/** What Redis did between two snapshots. */
export interface RedisSnapshot {
  /** used_cpu_sys + used_cpu_user: the server process, its threads included. */
  cpu: number;
  /** The same for the children it forked (AOF rewrites), apart: they come in bursts. */
  childrenCpu: number;
  commands: Map<string, number>;
  /** Microseconds spent per command (commandstats `usec`; a script's includes the commands it ran). */
  usec: Map<string, number>;
  usedMemory: number;
  /** Bytes read from and written to clients (INFO stats: total_net_input_bytes, total_net_output_bytes). */
  netInput: number;
  netOutput: number;
}

// The benchmark's own commands, left out of the per-message count (the daemon sends none of them while it runs).
const OWN_COMMANDS = new Set(['info', 'config', 'ping', 'flushall', 'shutdown']);

export class RedisServer {
  private constructor(
    readonly proc: Proc,
    readonly port: number,
    readonly client: RespClient,
    readonly version: string,
  ) {}

  /**
   * A redis-server in `<dir>/<name>` (name: `redis` unless given), logging to `<dir>/<name>.log`, on `port`
   * (a free one unless given), with `extraArgs` after the usual ones (e.g. --cluster-enabled yes).
   */
  static async start(
    dir: string,
    options: { name?: string; port?: number; extraArgs?: string[] } = {},
  ): Promise<RedisServer> {
    const name = options.name ?? 'redis';
    const dataDir = join(dir, name);
    mkdirSync(dataDir, { recursive: true });
    const port = options.port ?? (await freePort());
    // The daemon's own managed server runs with these settings; `save ""`: the AOF is the persistence.
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--protected-mode',
      'yes',
      '--dir',
      dataDir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
      '--hash-max-listpack-value',
      '1024',
      '--daemonize',
      'no',
      '--logfile',
      '',
      ...(options.extraArgs ?? []),
    ];
    const proc = await Proc.start(
      name === 'redis' ? 'redis-server' : `redis-server(${name})`,
      'redis-server',
      args,
      {
        logFile: join(dir, `${name}.log`),
      },
    );
    let client: RespClient;
    try {
      client = await until(
        'redis-server to answer PING',
        async () => {
          if (!proc.running) throw new Error(`exited:\n${proc.tail()}`);
          const c = await RespClient.connect(port, 500);
          await c.command('PING');
          return c;
        },
        10_000,
      );
    } catch (error) {
      await proc.stop(2000);
      throw error;
    }
    const version = (await client.info('server')).get('redis_version') ?? '?';
    return new RedisServer(proc, port, client, version);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  async snapshot(): Promise<RedisSnapshot> {
    const [cpu, stats, memory, totals] = [
      await this.client.info('cpu'),
      await this.client.info('commandstats'),
      await this.client.info('memory'),
      await this.client.info('stats'),
    ];
    const commands = new Map<string, number>();
    const usec = new Map<string, number>();
    for (const [key, value] of stats) {
      const calls = /calls=(\d+)/.exec(value);
      const spent = /usec=(\d+)/.exec(value);
      const name = key.replace(/^cmdstat_/, '');
      if (calls && !OWN_COMMANDS.has(name.split('|')[0]!)) {
        commands.set(name, Number(calls[1]));
        usec.set(name, Number(spent?.[1] ?? 0));
      }
    }
    const used = (name: string) => Number(cpu.get(name) ?? 0);
    return {
      cpu: used('used_cpu_sys') + used('used_cpu_user'),
      childrenCpu: used('used_cpu_sys_children') + used('used_cpu_user_children'),
      commands,
      usec,
      usedMemory: Number(memory.get('used_memory') ?? 0),
      // The benchmark's own INFO replies are counted too: a few kilobytes per snapshot.
      netInput: Number(totals.get('total_net_input_bytes') ?? 0),
      netOutput: Number(totals.get('total_net_output_bytes') ?? 0),
    };
  }

  /** The process's own CPU (from /proc), as a cross-check of INFO cpu. */
  processCpu(): number {
    return cpuSeconds(this.proc.pid);
  }

  async totalCommands(): Promise<number> {
    return Number((await this.client.info('stats')).get('total_commands_processed') ?? 0);
  }

  async flushAll(): Promise<void> {
    await this.client.command('FLUSHALL');
  }

  async stop(): Promise<void> {
    try {
      await this.client.command('SHUTDOWN', 'NOSAVE');
    } catch {
      // the connection closes as the server exits
    }
    this.client.close();
    await this.proc.stop(5000);
  }
}

/** Commands between two snapshots: the total and the most called. */
export function commandDelta(
  before: RedisSnapshot,
  after: RedisSnapshot,
): { total: number; byCommand: Array<[string, number]>; usecByCommand: Array<[string, number]> } {
  const byCommand: Array<[string, number]> = [];
  const usecByCommand: Array<[string, number]> = [];
  let total = 0;
  for (const [name, calls] of after.commands) {
    const delta = calls - (before.commands.get(name) ?? 0);
    if (delta > 0) {
      byCommand.push([name, delta]);
      usecByCommand.push([name, (after.usec.get(name) ?? 0) - (before.usec.get(name) ?? 0)]);
      total += delta;
    }
  }
  byCommand.sort((a, b) => b[1] - a[1]);
  usecByCommand.sort((a, b) => b[1] - a[1]);
  return { total, byCommand, usecByCommand };
}

/**
 * A Redis Cluster of `primaries` primaries and no replicas, each a RedisServer (AOF everysec) in its own
 * directory under `dir` with `--cluster-enabled yes`, the slots assigned by `redis-cli --cluster create`.
 */
export class RedisCluster {
  private constructor(readonly servers: RedisServer[]) {}

  static async start(dir: string, primaries = 3, timeoutMs = 30_000): Promise<RedisCluster> {
    const servers: RedisServer[] = [];
    try {
      for (let i = 0; i < primaries; i++) {
        const port = await clusterPort(servers.map((s) => s.port));
        servers.push(
          await RedisServer.start(dir, {
            name: `cluster-${i + 1}`,
            port,
            extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
          }),
        );
      }
      const args = [
        '--cluster',
        'create',
        ...servers.map((s) => `127.0.0.1:${s.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ];
      const create = await Proc.start('redis-cli --cluster create', 'redis-cli', args, {
        logFile: join(dir, 'cluster-create.log'),
      });
      const code = await create.wait(timeoutMs);
      if (code !== 0)
        throw new Error(`redis-cli ${args.join(' ')} exited ${String(code)}:\n${create.tail()}`);
      for (const server of servers) {
        await until(
          `cluster_state:ok on 127.0.0.1:${server.port}`,
          async () => {
            const info = String(await server.client.command('CLUSTER', 'INFO'));
            const known = Number(/cluster_known_nodes:(\d+)/.exec(info)?.[1] ?? 0);
            return /cluster_state:ok/.test(info) && known === primaries ? true : undefined;
          },
          timeoutMs,
          200,
        );
      }
      return new RedisCluster(servers);
    } catch (error) {
      await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
      throw error;
    }
  }

  /** The seed nodes, as `redis.cluster` takes them. */
  get nodes(): string[] {
    return this.servers.map((s) => `redis://127.0.0.1:${s.port}`);
  }

  async flushAll(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.flushAll()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop()));
  }
}

/** A free port whose cluster bus port (port + 10000) is free too, not among `taken`. */
async function clusterPort(taken: number[]): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = await freePort();
    if (port + 10_000 > 65_535 || taken.includes(port) || taken.includes(port + 10_000)) continue;
    if (taken.some((t) => t + 10_000 === port)) continue;
    if (await portInUse(port + 10_000, 200)) continue;
    return port;
  }
  throw new Error('no free port pair (port, port + 10000) found for a cluster node');
}
