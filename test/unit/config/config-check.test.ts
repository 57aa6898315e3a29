import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runConfigCheck } from '../../../src/cli/config-check.js';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runConfigCheck(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'smppgw-config-check-'));
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const BAD = `
operators:
  - { id: a, host: h, port: 1, systemId: s, password: p }
  - { id: b, host: h, port: abc, systemId: s, password: p, bindMode: trx }
`;

describe('smpp-gateway config check', () => {
  it('validates config/gateway.yaml by default and summarises it', async () => {
    const r = await run([]);
    expect(r).toEqual({ code: 0, stdout: 'config/gateway.yaml: OK (1 operator, 1 account)\n', stderr: '' });
  });

  it('prints each error on its own line on stderr and exits 1', async () => {
    const path = await file('bad.yaml', BAD);
    const r = await run([path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toEqual([
      `${path}: invalid configuration (2 errors)`,
      'operators[1].port: expected a number, got "abc"',
      'operators[1].bindMode: expected one of transmitter | receiver | transceiver | pair, got "trx"',
      '',
    ]);
  });

  it('--json prints one object on stdout', async () => {
    const path = await file('bad2.yaml', BAD);
    const r = await run([path, '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const body = JSON.parse(r.stdout) as {
      ok: boolean;
      file: string;
      errors: Array<{ path: string; message: string }>;
    };
    expect(body.ok).toBe(false);
    expect(body.file).toBe(path);
    expect(body.errors.map((e) => [e.path, e.message])).toEqual([
      ['operators[1].port', 'expected a number, got "abc"'],
      ['operators[1].bindMode', 'expected one of transmitter | receiver | transceiver | pair, got "trx"'],
    ]);
  });

  it('--json on a valid file says ok with no errors', async () => {
    const r = await run(['--json', '--config', 'config/gateway.yaml']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, file: 'config/gateway.yaml', errors: [] });
  });

  it('prints warnings on stderr but still succeeds', async () => {
    const path = await file(
      'warn.yaml',
      'operators: [{ id: a, host: h, port: 1, systemId: s, password: p }]\nroutes: [{ prefix: "+33", operator: a }]\n',
    );
    const r = await run([path]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${path}: OK (1 operator, 0 accounts)\n`);
    expect(r.stderr).toMatch(/warning: routes: no fallback route/);
  });

  it('names a missing file', async () => {
    const r = await run([join(dir, 'missing.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`file not found: ${join(dir, 'missing.yaml')}`);
  });

  it('reports a YAML syntax error with its line', async () => {
    const path = await file('syntax.yaml', 'operators:\n  - id: a\n    host: a: b\n');
    const r = await run([path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/YAML syntax error/);
    expect(r.stderr).toMatch(/line 3, column \d+: /);
  });

  it('refuses unknown options and extra files with exit 2', async () => {
    expect((await run(['--nope'])).code).toBe(2);
    expect((await run(['a.yaml', 'b.yaml'])).code).toBe(2);
  });
});
