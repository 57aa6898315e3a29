// Issue 15: API keys configured in clear or as sha256:<hex>, matched by digest in constant time; the schema
// refuses a malformed hash naming its path; the cross-check finds one key given twice in either form; the
// CLI prints the hashed form.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runConfigHashKey } from '../../../src/cli/config-hash-key.js';
import { resolveTarget } from '../../../src/cli/http-client.js';
import { ConfigError, parseConfig } from '../../../src/config/index.js';
import { KeyRing, configuredKeyDigest, hashApiKey } from '../../../src/security/index.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

const OPERATOR = `
operators:
  - { id: sim, host: 127.0.0.1, port: 2775, systemId: gateway, password: secret }
`;

function issuesOf(text: string): string[] {
  try {
    parseConfig(text, 'test.yaml', { env: {} });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

describe('KeyRing', () => {
  const ring = new KeyRing<string>([
    ['clear-key-a', 'a'],
    [`sha256:${sha('hashed-key-b')}`, 'b'],
    [`sha256:${sha('x').toUpperCase()}`, 'c'],
  ]);

  it('matches a clear key and the key behind a hash, nothing else', () => {
    expect(ring.match('clear-key-a')).toBe('a');
    expect(ring.match('hashed-key-b')).toBe('b');
    // Upper-case hex is the same digest.
    expect(ring.match('x')).toBe('c');
    // The hash itself is not a key: presenting what the config file holds gets nobody in.
    expect(ring.match(`sha256:${sha('hashed-key-b')}`)).toBeUndefined();
    expect(ring.match('clear-key')).toBeUndefined();
    expect(ring.match('')).toBeUndefined();
  });

  it('digests a configured entry as the hash it stands for', () => {
    expect(configuredKeyDigest('k').toString('hex')).toBe(sha('k'));
    expect(configuredKeyDigest(`sha256:${sha('k')}`).toString('hex')).toBe(sha('k'));
    expect(hashApiKey('k')).toBe(`sha256:${sha('k')}`);
  });
});

describe('hashed API keys in the configuration', () => {
  it('accepts sha256:<64 hex> in accounts[].apiKeys and admin.apiKeys', () => {
    const text = `${OPERATOR}
accounts:
  - { id: a, apiKeys: ["sha256:${sha('one')}", two] }
admin: { apiKeys: ["sha256:${sha('root')}"] }
`;
    expect(issuesOf(text)).toEqual([]);
  });

  it('refuses a malformed hash, naming its path and never echoing it', () => {
    const bad = `sha256:${sha('one').slice(0, 63)}`;
    const text = `${OPERATOR}
accounts:
  - { id: a, apiKeys: [fine, "${bad}"] }
admin: { apiKeys: ["sha256:zz"] }
`;
    const issues = issuesOf(text);
    expect(issues).toEqual([
      'accounts[0].apiKeys[1]: expected sha256:<64 hex digits>',
      'admin.apiKeys[0]: expected sha256:<64 hex digits>',
    ]);
    expect(issues.join('\n')).not.toContain(bad);
  });

  it('finds one key given to two accounts, in clear in one and hashed in the other', () => {
    const text = `${OPERATOR}
accounts:
  - { id: a, apiKeys: [shared-secret] }
  - { id: b, apiKeys: [other, "sha256:${sha('shared-secret')}"] }
`;
    const issues = issuesOf(text);
    expect(issues).toEqual(['accounts[1].apiKeys[1]: API key already used at accounts[0].apiKeys[0]']);
    expect(issues.join('\n')).not.toContain('shared-secret');
  });
});

describe('privileged keys shared with an account', () => {
  it('warns when an admin or metrics key is also an account key, in either form', () => {
    const warnings: string[] = [];
    parseConfig(
      `${OPERATOR}
accounts:
  - { id: a, apiKeys: [mine, other] }
admin: { apiKeys: ["sha256:${sha('mine')}"] }
http: { metricsApiKeys: [scrape, other] }
`,
      'test.yaml',
      { env: {}, onWarning: (w) => warnings.push(`${w.path}: ${w.message}`) },
    );
    expect(warnings).toEqual([
      'admin.apiKeys[0]: the same key as accounts[0].apiKeys[0]: that account can also use the admin routes',
      'http.metricsApiKeys[1]: the same key as accounts[0].apiKeys[1]: that account can also use /metrics',
    ]);
    expect(warnings.join('\n')).not.toMatch(/mine|other/);
  });
});

describe('smpp-gateway config hash-key', () => {
  const run = (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = runConfigHashKey(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
    return { code, stdout: out.join(''), stderr: err.join('') };
  };

  it('prints sha256:<hex> of the key, which the config accepts and the ring matches', () => {
    const { code, stdout } = run(['my-api-key']);
    expect(code).toBe(0);
    expect(stdout).toBe(`sha256:${sha('my-api-key')}\n`);
    expect(new KeyRing([[stdout.trim(), 'acme']]).match('my-api-key')).toBe('acme');
  });

  it('wants exactly one non-empty key', () => {
    expect(run([]).code).toBe(2);
    expect(run(['a', 'b']).code).toBe(2);
    expect(run(['']).code).toBe(2);
    expect(run(['--help']).code).toBe(0);
  });
});

describe('the CLI reading a key from the config file', () => {
  it('sends the first key in clear, never a hash (which no server would accept)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smppgw-keys-'));
    const saved = { key: process.env.SMPPGW_API_KEY, url: process.env.SMPPGW_URL };
    delete process.env.SMPPGW_API_KEY;
    delete process.env.SMPPGW_URL;
    try {
      const file = join(dir, 'gateway.yaml');
      const write = (keys: string) =>
        writeFileSync(file, `${OPERATOR}\naccounts:\n  - { id: a, apiKeys: [${keys}] }\n`);
      write(`"sha256:${sha('old')}", clear-one`);
      expect(await resolveTarget({ config: file })).toMatchObject({ apiKey: 'clear-one' });
      write(`"sha256:${sha('old')}"`);
      await expect(resolveTarget({ config: file })).rejects.toThrow(/hashed keys cannot be sent/);
    } finally {
      if (saved.key !== undefined) process.env.SMPPGW_API_KEY = saved.key;
      if (saved.url !== undefined) process.env.SMPPGW_URL = saved.url;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
