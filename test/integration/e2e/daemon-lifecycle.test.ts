// Issue 2: the daemon as users run it — a real process with its managed redis-server. SIGTERM drains and
// exits 0 within 5 s leaving no redis-server behind; a broken config exits non-zero before starting anything.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, processAlive } from '../../../src/store/index.js';
import { waitFor } from '../../helpers/gateway.js';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return child;
}

function collect(child: ChildProcess): {
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
} {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { out: () => out, err: () => err, exit };
}

describe('daemon lifecycle', () => {
  it('starts with managed Redis and its simulator, confirms a message, and exits 0 on SIGTERM leaving no redis-server', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smppgw-daemon-'));
    dirs.push(dir);
    const [httpPort, smscPort] = [await freePort(), await freePort()];
    const configFile = join(dir, 'gateway.yaml');
    writeFileSync(
      configFile,
      `redis:
  dataDir: ${join(dir, 'redis')}
http:
  listen: 127.0.0.1:${httpPort}
simulator:
  enabled: true
  listen: 127.0.0.1:${smscPort}
  receiptDelayMs: 50
accounts:
  - id: acme
    apiKeys: ["\${TEST_KEY:-dev-only-key}"]
    senders: [ACME]
operators:
  - id: sim
    host: 127.0.0.1
    port: ${smscPort}
    systemId: gateway
    password: secret
`,
    );
    const daemon = collect(cli(['start', '--config', configFile], { TEST_KEY: 'lifecycle-key' }));
    const base = `http://127.0.0.1:${httpPort}`;
    await waitFor(
      async () => {
        const ok = await fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
        return ok ? true : undefined;
      },
      // Started through tsx while other test files load both cores: seen to take over 20 s in a full run.
      45_000,
      'the daemon to be ready',
    );

    const sender = collect(
      cli(
        [
          'send',
          '--to',
          '+33612345678',
          '--from',
          'ACME',
          '--text',
          'Bonjour',
          '--wait',
          '--config',
          configFile,
        ],
        {
          TEST_KEY: 'lifecycle-key',
        },
      ),
    );
    expect(await sender.exit).toBe(0);
    expect(sender.out()).toMatch(/ confirmed\n$/);

    const redisPid = Number(readFileSync(join(dir, 'redis', 'redis.pid'), 'utf8'));
    expect(processAlive(redisPid)).toBe(true);
    const child = children[0]!;
    const t0 = Date.now();
    child.kill('SIGTERM');
    expect(await daemon.exit).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(processAlive(redisPid)).toBe(false);
  }, 60_000);

  it('refuses a broken config with every error named by its path, starting nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smppgw-daemon-'));
    dirs.push(dir);
    const configFile = join(dir, 'bad.yaml');
    writeFileSync(
      configFile,
      `operators:
  - id: sim
    host: 127.0.0.1
    port: abc
    systemId: gateway
    password: secret
    bindMode: trx
`,
    );
    const run = collect(cli(['start', '--config', configFile]));
    expect(await run.exit).toBe(1);
    expect(run.err()).toContain('operators[0].port');
    expect(run.err()).toContain('operators[0].bindMode');
  }, 30_000);
});
