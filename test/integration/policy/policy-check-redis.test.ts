// `smpp-gateway policy check --account A` reads the account's opt-out list where the daemon keeps it (the
// configuration's Redis, or --redis), against a real redis-server.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPolicyCheck } from '../../../src/cli/policy-check.js';
import { OptOutStore, freePort } from '../../../src/store/index.js';
import { testKeys, startTestRedis, uniquePrefix, type TestRedis } from '../../helpers/redis.js';

let redis: TestRedis;
let dir = '';
let file = '';
const prefix = uniquePrefix('policy-cli');
const OPTED_OUT = '+33612345670';
const MONDAY_10 = '2026-07-13T10:00:00+02:00';

beforeAll(async () => {
  redis = await startTestRedis();
  dir = await mkdtemp(join(tmpdir(), 'policy-check-redis-'));
  file = join(dir, 'gateway.yaml');
  await writeFile(
    file,
    [
      `redis: { url: "${redis.url}", keyPrefix: ${prefix} }`,
      'operators:',
      '  - { id: sim, host: 127.0.0.1, port: 2775, systemId: gw, password: pw }',
      'accounts:',
      '  - { id: acme, apiKeys: [k] }',
      '  - { id: globex, apiKeys: [g] }',
      '',
    ].join('\n'),
  );
  await new OptOutStore(redis.client, testKeys(prefix)).addMissing('acme', [[OPTED_OUT, '{}']]);
});
afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runPolicyCheck(['--config', file, ...argv], {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
  });
  return { code, stdout, stderr };
}

describe('smpp-gateway policy check --account (opt-out read from Redis)', () => {
  it('an opted-out number: OPTED_OUT, and waiting does not help', async () => {
    const { code, stdout, stderr } = await run([
      '--to',
      '+33 6 12 34 56 70',
      '--class',
      'marketing',
      '--account',
      'acme',
      '--at',
      MONDAY_10,
      '--json',
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(3);
    expect(JSON.parse(stdout)).toEqual({
      allowed: false,
      reason: 'OPTED_OUT',
      nextAllowedAt: null,
      zone: 'Europe/Paris',
    });
  });

  it("the list is the account's own; transactional ignores it; --offline does not read it", async () => {
    const base = ['--to', OPTED_OUT, '--at', MONDAY_10, '--json'];
    const other = await run([...base, '--class', 'marketing', '--account', 'globex']);
    expect(JSON.parse(other.stdout)).toMatchObject({ allowed: true });
    const alert = await run([...base, '--class', 'transactional', '--account', 'acme']);
    expect(JSON.parse(alert.stdout)).toMatchObject({ allowed: true });
    const offline = await run([...base, '--class', 'marketing', '--account', 'acme', '--offline']);
    expect(offline.code).toBe(0);
  });

  it('a Redis that does not answer is an error on stderr, exit 1', async () => {
    const url = `redis://127.0.0.1:${await freePort()}/0`;
    const { code, stdout, stderr } = await run([
      '--to',
      OPTED_OUT,
      '--class',
      'marketing',
      '--account',
      'acme',
      '--redis',
      url,
      '--json',
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`cannot read the opt-out list at ${url}`);
  });
});

describe('the smpp-gateway bin', () => {
  it('dispatches "policy check" and exits with its code', async () => {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          '--import',
          'tsx',
          'src/main.ts',
          'policy',
          'check',
          '--config',
          file,
          '--account',
          'acme',
          '--to',
          OPTED_OUT,
          '--class',
          'marketing',
          '--json',
        ],
        (error, stdout, stderr) =>
          resolve({ code: error ? Number((error as { code?: number }).code) : 0, stdout, stderr }),
      );
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)).toMatchObject({ allowed: false, reason: 'OPTED_OUT' });
  }, 20_000);
});
