// Child processes for the end-to-end benchmark: started with their output captured line by line (and to a
// log file), waited on with a timeout, and all killed when the benchmark exits, fails or is interrupted.
// CPU and memory are read from /proc, so the figures cover exactly the process measured.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import net from 'node:net';

// Every child still running; `true` for those started as a process group (killed as a whole).
const live = new Map<ChildProcess, boolean>();

function kill(child: ChildProcess, group: boolean, signal: NodeJS.Signals): void {
  try {
    if (group && child.pid !== undefined) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // already gone
  }
}

function killAllNow(): void {
  for (const [child, group] of live) kill(child, group, 'SIGKILL');
  live.clear();
}

let handlersInstalled = false;
/** Kill every child still running when the process exits or is interrupted (SIGINT, SIGTERM, SIGHUP). */
export function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`\n# ${signal}: stopping every child process\n`);
      killAllNow();
      process.exit(130);
    });
  }
}

export interface StartOptions {
  /** Where stdout and stderr go, besides the in-memory line buffer. */
  logFile?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Start it as a process group and signal the whole group (a script and everything it starts). */
  group?: boolean;
}

/** A running child: its output lines, a way to wait for one, and a bounded stop. */
export class Proc {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;
  private readonly waiters = new Set<() => void>();
  private readonly log: WriteStream | undefined;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    logFile: string | undefined,
    private readonly group: boolean,
  ) {
    this.log = logFile ? createWriteStream(logFile) : undefined;
    live.set(child, group);
    const onData = (buffered: { text: string }) => (chunk: Buffer) => {
      this.log?.write(chunk);
      buffered.text += chunk.toString('utf8');
      let newline = buffered.text.indexOf('\n');
      while (newline >= 0) {
        this.lines.push(buffered.text.slice(0, newline));
        buffered.text = buffered.text.slice(newline + 1);
        newline = buffered.text.indexOf('\n');
      }
      if (this.lines.length > 200_000) this.lines.splice(0, 100_000);
      for (const wake of this.waiters) wake();
    };
    child.stdout?.on('data', onData({ text: '' }));
    child.stderr?.on('data', onData({ text: '' }));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        // Whatever a script left behind in its group goes with it.
        if (group) kill(child, true, 'SIGKILL');
        this.exitCode = code ?? (signal ? -1 : null);
        this.log?.end();
        for (const wake of this.waiters) wake();
        resolve(this.exitCode);
      });
    });
  }

  static async start(
    name: string,
    command: string,
    args: string[],
    options: StartOptions = {},
  ): Promise<Proc> {
    const child = spawn(command, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      cwd: options.cwd,
      detached: options.group ?? false,
    });
    const proc = new Proc(name, child, options.logFile, options.group ?? false);
    const spawnError = await new Promise<Error | undefined>((resolve) => {
      child.once('error', (error) => resolve(error));
      child.once('spawn', () => resolve(undefined));
    });
    if (spawnError) {
      live.delete(child);
      throw new Error(`${name}: could not start ${command}: ${spawnError.message}`);
    }
    return proc;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.name}: no pid`);
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  tail(count = 20): string {
    return this.lines.slice(-count).join('\n');
  }

  /** The first line at or after `from` matching `pattern`; rejects on timeout or if the child exits first. */
  async waitForLine(pattern: RegExp, timeoutMs: number, from = 0): Promise<{ line: string; index: number }> {
    return new Promise((resolve, reject) => {
      let scanned = Math.max(0, from);
      const finish = (error?: Error, found?: { line: string; index: number }) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (error) reject(error);
        else resolve(found!);
      };
      const check = () => {
        for (; scanned < this.lines.length; scanned++) {
          const line = this.lines[scanned]!;
          if (pattern.test(line)) return finish(undefined, { line, index: scanned });
        }
        if (!this.running)
          finish(new Error(`${this.name} exited (code ${this.exitCode}) before ${pattern}:\n${this.tail()}`));
      };
      const timer = setTimeout(
        () =>
          finish(
            new Error(`${this.name}: no line matching ${pattern} within ${timeoutMs} ms:\n${this.tail()}`),
          ),
        timeoutMs,
      );
      this.waiters.add(check);
      check();
    });
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) kill(this.child, this.group, signal);
  }

  /** SIGTERM (or `signal`), then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) return;
    kill(this.child, this.group, signal);
    const timer = setTimeout(() => kill(this.child, this.group, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** The exit code, or undefined (after killing it) when it runs longer than `timeoutMs`. */
  async wait(timeoutMs: number): Promise<number | null | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    const code = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (code === undefined && this.running) await this.stop(5000);
    return code;
  }
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    clockTicks = Number(out.stdout.trim()) || 100;
  }
  return clockTicks;
}

/** utime + stime of a process, in seconds (/proc/<pid>/stat, fields 14 and 15). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
}

/** Resident set size and its peak (VmRSS, VmHWM), in bytes; zeros when the process is gone. */
export function memory(pid: number): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kib('VmRSS') * 1024, peak: kib('VmHWM') * 1024 };
  } catch {
    return { rss: 0, peak: 0 };
  }
}

/** A TCP port free on 127.0.0.1 at the time of the call. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something listens on 127.0.0.1:port. */
export async function portInUse(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (used: boolean) => {
      socket.destroy();
      resolve(used);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Poll `probe` every `everyMs` until it returns a value (not undefined), or throw after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await sleep(everyMs);
  }
}
