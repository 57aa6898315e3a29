// `smpp-gateway policy check`: what it prints is the decision the queue would make (SPEC §4), exactly the
// four fields, for the configuration it is given; errors on stderr with a non-zero exit.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPolicyCheck } from '../../../src/cli/policy-check.js';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runPolicyCheck(argv, {
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
  });
  return { code, stdout, stderr };
}

let dir = '';
let strict = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'policy-check-cli-'));
  strict = join(dir, 'strict.yaml');
  await writeFile(
    strict,
    [
      'operators:',
      '  - { id: sim, host: 127.0.0.1, port: 2775, systemId: gw, password: pw }',
      'accounts:',
      '  - id: strict',
      '    apiKeys: [k]',
      '    stopMention: { mode: refuse, text: "STOP au 36180" }',
      'policy:',
      '  quietHours:',
      '    FR: { days: [mon, tue, wed, thu, fri], from: "09:00", to: "18:00" }',
      '',
    ].join('\n'),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const PARIS = '+33612345678';

describe('smpp-gateway policy check --json (shipped configuration)', () => {
  it.each([
    [
      'Saturday 20:00 in Paris: held until Monday 08:00',
      ['--to', PARIS, '--class', 'marketing', '--at', '2026-07-11T20:00:00+02:00'],
      3,
      {
        allowed: false,
        reason: 'QUIET_HOURS',
        nextAllowedAt: '2026-07-13T06:00:00.000Z',
        zone: 'Europe/Paris',
      },
    ],
    [
      '14 July at noon: a holiday, until the 15th at 08:00',
      ['--to', PARIS, '--class', 'marketing', '--at', '2026-07-14T12:00:00+02:00'],
      3,
      { allowed: false, reason: 'HOLIDAY', nextAllowedAt: '2026-07-15T06:00:00.000Z', zone: 'Europe/Paris' },
    ],
    [
      'a weekday at 10:00 in Paris',
      ['--to', '+33 6 12 34 56 78', '--class', 'marketing', '--at', '2026-07-15T10:00:00+02:00'],
      0,
      { allowed: true, reason: null, nextAllowedAt: null, zone: 'Europe/Paris' },
    ],
    [
      'transactional on Sunday at midnight',
      ['--to', PARIS, '--class', 'transactional', '--at', '2026-07-12T00:00:00+02:00'],
      0,
      { allowed: true, reason: null, nextAllowedAt: null, zone: 'Europe/Paris' },
    ],
    [
      'an explicit zone wins over the number: 14:00 in Paris is 08:00 in New York, allowed',
      ['--to', PARIS, '--class', 'marketing', '--at', '2026-07-15T12:00:00Z', '--zone', 'America/New_York'],
      0,
      { allowed: true, reason: null, nextAllowedAt: null, zone: 'America/New_York' },
    ],
    [
      'a validity shorter than the wait: refused, with when the window opens',
      ['--to', PARIS, '--class', 'marketing', '--at', '2026-07-11T20:00:00+02:00', '--validity', '60'],
      3,
      {
        allowed: false,
        reason: 'QUIET_HOURS',
        nextAllowedAt: '2026-07-13T06:00:00.000Z',
        zone: 'Europe/Paris',
      },
    ],
    [
      'a US toll-free number at 07:00 in Hawaii: the hours of all US zones, no zone',
      ['--to', '+18005551234', '--class', 'marketing', '--at', '2026-07-15T17:00:00Z'],
      3,
      { allowed: false, reason: 'QUIET_HOURS', nextAllowedAt: '2026-07-15T18:00:00.000Z', zone: null },
    ],
  ])('%s', async (_name, argv, exit, expected) => {
    const { code, stdout, stderr } = await run([...argv, '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(exit);
    expect(stdout.endsWith('\n')).toBe(true);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    // Exactly the four fields, in this order.
    expect(Object.keys(JSON.parse(stdout))).toEqual(['allowed', 'reason', 'nextAllowedAt', 'zone']);
    expect(JSON.parse(stdout)).toEqual(expected);
  });

  it('defaults --at to now', async () => {
    const { code, stdout } = await run(['--to', PARIS, '--class', 'transactional', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      allowed: true,
      reason: null,
      nextAllowedAt: null,
      zone: 'Europe/Paris',
    });
  });

  it('without --json prints a short human answer', async () => {
    const { code, stdout } = await run([
      '--to',
      PARIS,
      '--class',
      'marketing',
      '--at',
      '2026-07-14T12:00:00+02:00',
    ]);
    expect(code).toBe(3);
    expect(stdout).toContain('not allowed: marketing to +33612345678 at 2026-07-14T10:00:00.000Z');
    expect(stdout).toContain('reason:      HOLIDAY');
    expect(stdout).toContain('next:        2026-07-15T06:00:00.000Z');
  });
});

describe('smpp-gateway policy check with a configuration and an account', () => {
  it('reads the windows of --config: 08:30 on a Monday is before its 09:00', async () => {
    const { code, stdout } = await run([
      '--config',
      strict,
      '--to',
      PARIS,
      '--class',
      'marketing',
      '--at',
      '2026-07-13T08:30:00+02:00',
      '--json',
    ]);
    expect(code).toBe(3);
    expect(JSON.parse(stdout)).toMatchObject({
      reason: 'QUIET_HOURS',
      nextAllowedAt: '2026-07-13T07:00:00.000Z',
    });
  });

  it('--account --text: a text without the mention of a refuse-mode account; waiting cannot help', async () => {
    const base = [
      '--config',
      strict,
      '--account',
      'strict',
      '--offline',
      '--to',
      PARIS,
      '--class',
      'marketing',
    ];
    const missing = await run([
      ...base,
      '--text',
      'Promo -20 %',
      '--at',
      '2026-07-13T10:00:00+02:00',
      '--json',
    ]);
    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.stdout)).toEqual({
      allowed: false,
      reason: 'STOP_MENTION_MISSING',
      nextAllowedAt: null,
      zone: 'Europe/Paris',
    });
    const carried = await run([
      ...base,
      '--text',
      'Promo -20 %, STOP au 36180',
      '--at',
      '2026-07-13T10:00:00+02:00',
      '--json',
    ]);
    expect(JSON.parse(carried.stdout)).toMatchObject({ allowed: true });
  });

  it('--account without a Redis to read the opt-out from is an error (exit 1), unless --offline', async () => {
    const { code, stdout, stderr } = await run([
      '--config',
      strict,
      '--account',
      'strict',
      '--to',
      PARIS,
      '--class',
      'marketing',
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('has no redis.url');
    expect(stderr).toContain('--offline');
  });
});

describe('smpp-gateway policy check: bad usage', () => {
  it.each([
    [['--class', 'marketing'], '--to is required'],
    [['--to', '12', '--class', 'marketing'], '--to: "12" is not a valid phone number'],
    [['--to', PARIS], '--class is required'],
    [['--to', PARIS, '--class', 'promo'], '--class is required'],
    [['--to', PARIS, '--class', 'marketing', '--at', 'tomorrow'], '--at: "tomorrow" is not an ISO 8601'],
    [['--to', PARIS, '--class', 'marketing', '--zone', 'Mars/Olympus'], '--zone: "Mars/Olympus" is not'],
    [['--to', PARIS, '--class', 'marketing', '--validity', 'ten'], '--validity: expected a whole number'],
    [['--to', PARIS, '--class', 'marketing', '--text', 'x'], '--text checks an account'],
    [['--to', PARIS, '--class', 'marketing', '--account', 'globex'], '--account: no account "globex"'],
    [['--to', PARIS, '--class', 'marketing', '--bogus'], "Unknown option '--bogus'"],
  ])('%j exits 2 with a message on stderr', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
  });

  it('an unreadable configuration exits 1', async () => {
    const { code, stderr } = await run([
      '--config',
      join(dir, 'missing.yaml'),
      '--to',
      PARIS,
      '--class',
      'marketing',
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain('missing.yaml');
  });
});
