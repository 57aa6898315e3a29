// The daemon as a real process: built once (dist/, as `npm start` runs it), started through npm or node,
// its JSON log lines collected, its processes (npm, node, the managed redis-server) found and watched.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processAlive } from '../../src/store/index.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    newest = Math.max(newest, stat.isDirectory() ? newestMtime(path) : stat.mtimeMs);
  }
  return newest;
}

/** `npm run build` unless dist/ is newer than every file of src/ (CI builds before the tests). */
export function ensureBuilt(): void {
  const main = join(REPO, 'dist', 'main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newestMtime(join(REPO, 'src'))) return;
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: 'ignore' });
}

export interface LogLine {
  level: number;
  msg: string;
  time: string;
  [key: string]: unknown;
}

export interface Daemon {
  child: ChildProcess;
  /** Everything on stdout and stderr so far. */
  output(): string;
  /** The JSON log lines so far. */
  lines(): LogLine[];
  /** Log lines after the "shutting down" line. */
  afterShutdown(): LogLine[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Resolves once a log line with this message has been written. */
  logged(msg: string, timeoutMs?: number): Promise<LogLine>;
}

/**
 * Run a command in its own process group (`detached`), as a terminal runs a foreground job: a signal to
 * the group (`process.kill(-pid, …)`) is what Ctrl-C sends.
 */
export function runDaemon(command: string, args: string[], env: Record<string, string> = {}): Daemon {
  const child = spawn(command, args, {
    cwd: REPO,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  const waiters: Array<() => void> = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal, at: Date.now() })),
  );
  const lines = (): LogLine[] =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as LogLine];
        } catch {
          return [];
        }
      });
  return {
    child,
    output: () => out,
    lines,
    afterShutdown: () => {
      const all = lines();
      const i = all.findIndex((l) => l.msg === 'shutting down');
      return i < 0 ? [] : all.slice(i + 1);
    },
    exit,
    async logged(msg, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = lines().find((l) => l.msg === msg);
        if (line) return line;
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`exited before logging "${msg}":\n${out.slice(-3000)}`);
        if (Date.now() > deadline)
          throw new Error(`no "${msg}" within ${timeoutMs} ms:\n${out.slice(-3000)}`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, 100);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
    },
  };
}

/** Every live process of a process group (Linux: from /proc). */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Fields after the command's closing parenthesis: state ppid pgrp …
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return members;
}

/** The children of a process (Linux: from /proc). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

export function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

/** Resolves with the time at which `pid` is gone (zombies count as gone), or rejects after timeoutMs. */
export async function gone(pid: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let zombie = false;
    try {
      zombie = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? false;
    } catch {
      zombie = !processAlive(pid);
    }
    if (zombie || !processAlive(pid)) return Date.now();
    if (Date.now() > deadline)
      throw new Error(`process ${pid} (${commandOf(pid)}) still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Warnings and errors (pino levels 40 and up). */
export function complaints(lines: LogLine[]): LogLine[] {
  return lines.filter((l) => l.level >= 40);
}

export interface DaemonChild extends Daemon {
  /** `kill -9` of the daemon (its whole process group): no stop code runs, sockets close as the kernel drops them. */
  crash(): Promise<void>;
}

/**
 * The daemon from the sources (`node --import tsx src/main.ts start`, as the kill -9 test runs it), on a
 * configuration written to `dir` (JSON is YAML), in its own process group so that a crash kills it all.
 */
export function startDaemonChild(dir: string, name: string, config: object): DaemonChild {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, JSON.stringify(config));
  const daemon = runDaemon(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start', '--config', file], {
    LOG_LEVEL: 'warn',
  });
  return {
    ...daemon,
    async crash() {
      if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) return;
      process.kill(-daemon.child.pid!, 'SIGKILL');
      const { signal } = await daemon.exit;
      if (signal !== 'SIGKILL') throw new Error(`the daemon ended by ${signal ?? 'exit'}, not SIGKILL`);
    },
  };
}
