import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  buildConfig,
  loadConfig,
  parseConfig,
  parseConfigObject,
} from '../../../src/config/index.js';
import type { ConfigInput, ConfigIssue } from '../../../src/config/index.js';

const OPERATOR = `
operators:
  - id: sim
    host: 127.0.0.1
    port: 2775
    systemId: gateway
    password: secret
`;

/** Parses and returns the ConfigError, failing the test if the config is accepted. */
function errorOf(text: string, env: Record<string, string> = {}): ConfigError {
  try {
    parseConfig(text, 'test.yaml', { env });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const lines = (err: ConfigError) => err.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));

describe('parseConfig: valid files', () => {
  it('applies defaults to a minimal file', () => {
    const c = parseConfig(OPERATOR, 'test.yaml', { env: {} });
    expect(c.http.listen).toBe('127.0.0.1:8080');
    expect(c.redis).toEqual({
      keyPrefix: 'smppgw',
      dataDir: './data/redis',
      serverBin: 'redis-server',
      waitReplicas: 0,
      waitTimeoutMs: 500,
      shards: 1,
    });
    expect(c.simulator.enabled).toBe(false);
    expect(c.operators[0]).toMatchObject({
      bindMode: 'transceiver',
      window: 10,
      tps: 100,
      tls: false,
      binds: 1,
    });
    expect(c.routes).toEqual([{ prefix: '', operator: 'sim' }]);
    expect(c.keywords.stop).toContain('ARRÊT');
    expect(c.policy.quietHours.FR).toEqual({
      days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
      from: '08:00',
      to: '20:00',
      holidays: true,
    });
    expect(c.log.pretty).toBeUndefined();
  });

  it('returns a deeply frozen object', () => {
    const c = parseConfig(OPERATOR, 'test.yaml', { env: {} });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.operators)).toBe(true);
    expect(Object.isFrozen(c.operators[0]?.reconnect)).toBe(true);
    expect(Object.isFrozen(c.keywords.stop)).toBe(true);
    expect(() => {
      (c.operators as unknown as unknown[]).push({});
    }).toThrow(TypeError);
  });

  it('substitutes ${NAME} and coerces a substituted number', () => {
    const text = OPERATOR.replace('port: 2775', 'port: ${SMSC_PORT}').replace(
      'password: secret',
      'password: ${PW:-dflt}',
    );
    const c = parseConfig(text, 'test.yaml', { env: { SMSC_PORT: '3550' } });
    expect(c.operators[0]?.port).toBe(3550);
    expect(c.operators[0]?.password).toBe('dflt');
  });

  it('accepts YAML anchors and merge keys so operators can share settings', () => {
    const text = `
operators:
  - &base { id: a, host: h, port: 1, systemId: s, password: p, window: 42 }
  - { <<: *base, id: b }
`;
    const c = parseConfig(text, 'test.yaml', { env: {} });
    expect(c.operators.map((o) => [o.id, o.window])).toEqual([
      ['a', 42],
      ['b', 42],
    ]);
  });
});

describe('parseConfig: errors name their path', () => {
  it('reports a non-numeric port with the received value and its line', () => {
    const err = errorOf(OPERATOR.replace('port: 2775', 'port: abc'));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.issues).toEqual([
      { path: 'operators[0].port', message: 'expected a number, got "abc"', line: 5, column: 11 },
    ]);
  });

  it('reports several errors at once, schema and cross-references together, in file order', () => {
    const text = `
operators:
  - { id: sim, host: h, port: 1, systemId: s, password: p }
  - { id: b, host: h, port: "abc", systemId: s, password: p, windw: 3, bindMode: trx }
routes:
  - { prefix: "+33", operator: sim }
  - { prefix: "", operator: x }
`;
    expect(lines(errorOf(text))).toEqual([
      'operators[1].port: expected a number, got "abc"',
      'operators[1].windw: unknown key (did you mean "window"?)',
      'operators[1].bindMode: expected one of transmitter | receiver | transceiver | pair, got "trx"',
      'routes[1].operator: unknown operator "x"',
    ]);
  });

  it('reports a missing required key', () => {
    const err = errorOf(OPERATOR.replace('    host: 127.0.0.1\n', ''));
    expect(lines(err)).toEqual(['operators[0].host: missing required key']);
  });

  it('requires at least one operator', () => {
    expect(lines(errorOf('log: { level: info }'))).toEqual(['operators: missing required key']);
    expect(lines(errorOf('operators: []'))).toEqual(['operators: must list at least 1 item']);
  });

  it('reports unknown keys at any level', () => {
    const err = errorOf(`${OPERATOR}\nrouting: []\nlog: { levle: debug }`);
    expect(lines(err)).toEqual(['routing: unknown key', 'log.levle: unknown key (did you mean "level"?)']);
  });

  it('reports an unknown key inside a tls mapping rather than a vague union error', () => {
    const err = errorOf(OPERATOR + '    tls: { ca: /x.pem, rejectUnauthorised: false }\n');
    expect(lines(err)).toEqual([
      'operators[0].tls.rejectUnauthorised: unknown key (did you mean "rejectUnauthorized"?)',
    ]);
  });

  it('never prints the value of a password, even in a type error', () => {
    const err = errorOf(OPERATOR.replace('password: secret', 'password: [hunter2]'));
    expect(lines(err)).toEqual(['operators[0].password: expected a string, got a list']);
    const err2 = errorOf(OPERATOR.replace('password: secret', 'password: 12345678901'));
    expect(err2.message).not.toContain('12345678901');
    expect(lines(err2)).toEqual([
      'operators[0].password: expected a string, got a number (put it in quotes)',
    ]);
  });

  it('never prints API keys or webhook secrets', () => {
    const text = `${OPERATOR}
accounts:
  - { id: a, apiKeys: [sk-very-secret-1], webhook: { url: "https://h.example", secret: 42 } }
  - { id: b, apiKeys: [sk-very-secret-1] }
`;
    const err = errorOf(text);
    expect(err.message).not.toContain('sk-very-secret-1');
    expect(lines(err)).toEqual([
      'accounts[0].webhook.secret: expected a string, got a number (put it in quotes)',
      'accounts[1].apiKeys[0]: API key already used at accounts[0].apiKeys[0]',
    ]);
  });

  it('refuses an SMPP password longer than SMPP 3.4 allows, without echoing it', () => {
    const err = errorOf(OPERATOR.replace('password: secret', 'password: muchtoolongpw'));
    expect(lines(err)).toEqual(['operators[0].password: must be at most 8 characters (SMPP 3.4 limit)']);
  });

  it('reports an unset environment variable at the path where it appears', () => {
    const text = `${OPERATOR}
accounts:
  - id: acme
    apiKeys: ["\${ACME_API_KEY}"]
`;
    const err = errorOf(text);
    expect(err.code).toBe('CONFIG_ENV');
    // Only the cause: not also "must not be empty" for the value it left behind.
    expect(lines(err)).toEqual(['accounts[0].apiKeys[0]: environment variable ACME_API_KEY is not set']);
  });

  it('suggests quoting when YAML read a sender or prefix as a number', () => {
    const text = `${OPERATOR}
accounts: [{ id: a, apiKeys: [k], senders: [36180] }]
routes: [{ prefix: +33, operator: sim }]
`;
    expect(lines(errorOf(text))).toEqual([
      'accounts[0].senders[0]: expected a string, got 36180 (put it in quotes)',
      'routes[0].prefix: expected a string, got 33 (put it in quotes)',
    ]);
  });

  it('reports YAML syntax errors with line and column', () => {
    const err = errorOf('operators:\n  - id: a\n    host: a: b\n');
    expect(err.code).toBe('CONFIG_YAML');
    expect(err.issues[0]?.line).toBe(3);
    expect(err.issues[0]?.message).toMatch(/^line 3, column \d+: /);
  });

  it('reports duplicate YAML keys as a syntax error', () => {
    const err = errorOf(`${OPERATOR}http: { listen: "127.0.0.1:1" }\nhttp: { listen: "127.0.0.1:2" }\n`);
    expect(err.code).toBe('CONFIG_YAML');
    expect(err.issues[0]?.message).toMatch(/unique/i);
  });

  it('treats a key with no value as omitted, and says "missing value" for a required one', () => {
    const c = parseConfig(`${OPERATOR}redis:\n  # url: redis://h\nsimulator:\n`, 'test.yaml', { env: {} });
    expect(c.redis.keyPrefix).toBe('smppgw');
    expect(c.simulator.enabled).toBe(false);
    expect(lines(errorOf(OPERATOR.replace('port: 2775', 'port:')))).toEqual([
      'operators[0].port: missing value',
    ]);
  });

  it('refuses a top level that is not a mapping', () => {
    expect(errorOf('- a\n- b\n').issues[0]?.message).toMatch(/mapping/);
  });

  it('puts every issue in the error message for an uncaught error', () => {
    const err = errorOf(OPERATOR.replace('port: 2775', 'port: 70000').replace('id: sim', 'id: Sim'));
    expect(err.message.split('\n')).toEqual([
      'test.yaml: invalid configuration (2 errors)',
      '  operators[0].id: expected an id of lowercase letters, digits, "-" or "_" (at most 64, starting with a letter or digit)',
      '  operators[0].port: must be at most 65535, got 70000',
    ]);
  });
});

describe('loadConfig', () => {
  it('reads a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'smppgw-config-'));
    const file = join(dir, 'gateway.yaml');
    await writeFile(file, OPERATOR);
    const c = await loadConfig(file, { env: {} });
    expect(c.operators[0]?.id).toBe('sim');
  });

  it('fails with CONFIG_NOT_FOUND naming the missing file', async () => {
    const file = join(tmpdir(), 'smppgw-does-not-exist', 'gateway.yaml');
    const err = await loadConfig(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('CONFIG_NOT_FOUND');
    expect((err as ConfigError).issues[0]?.message).toBe(`file not found: ${file}`);
  });

  it('validates the shipped config/gateway.yaml without any environment', async () => {
    const c = await loadConfig('config/gateway.yaml', { env: {} });
    expect(c.simulator).toMatchObject({ enabled: true, listen: '127.0.0.1:2775' });
    expect(c.operators).toHaveLength(1);
    expect(c.operators[0]).toMatchObject({ id: 'sim', host: '127.0.0.1', port: 2775, password: 'secret' });
    expect(c.accounts.map((a) => [a.id, a.apiKeys])).toEqual([['acme', ['dev-only-key']]]);
    expect(c.redis.url).toBeUndefined();
    expect(c.http.listen).toBe('127.0.0.1:8080');
  });

  it('takes the API key of the shipped config from ACME_API_KEY when set', async () => {
    const c = await loadConfig('config/gateway.yaml', { env: { ACME_API_KEY: 'from-env' } });
    expect(c.accounts[0]?.apiKeys).toEqual(['from-env']);
  });

  it('validates config/production.example.yaml once its secrets are in the environment', async () => {
    const env = Object.fromEntries(
      [
        'ACME_API_KEY',
        'ACME_SMPP_PASSWORD',
        'ACME_WEBHOOK_SECRET',
        'GLOBEX_API_KEY',
        'ORANGE_SYSTEM_ID',
        'ORANGE_PASSWORD',
        'SFR_SYSTEM_ID',
        'SFR_PASSWORD',
        'SMPPGW_ADMIN_KEY',
      ]
        .map((k, i) => [k, `v${i}`])
        // A hashed key, as `smpp-gateway config hash-key` prints it.
        .concat([['GLOBEX_API_KEY_PREVIOUS_SHA256', `sha256:${'ab'.repeat(32)}`]]),
    );
    const warnings: ConfigIssue[] = [];
    const c = await loadConfig('config/production.example.yaml', { env, onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([]);
    expect(c.simulator.enabled).toBe(false);
    expect(c.operators.map((o) => o.id)).toEqual(['orange-fr', 'sfr']);
    expect(c.operators[0]?.tls).toMatchObject({
      rejectUnauthorized: true,
      servername: 'smpp.orange.example',
    });
    expect(c.operators[0]?.commandStatus).toEqual({ ESME_RTHROTTLED: 'throttle', '69': 'retry' });
    expect(c.routes.length).toBe(3);
    expect(c.http.authFailures).toEqual({ max: 10, windowSeconds: 60 });
  });
});

describe('buildConfig and parseConfigObject', () => {
  const input: ConfigInput = {
    operators: [{ id: 'sim', host: '127.0.0.1', port: 2775, systemId: 'gw', password: 'pw' }],
    accounts: [{ id: 'acme', apiKeys: ['k'] }],
  };

  it('builds a defaulted, frozen config from code', () => {
    const c = buildConfig(input);
    expect(c.accounts[0]).toMatchObject({ id: 'acme', smartEncoding: false, senders: [] });
    expect(Object.isFrozen(c.accounts[0])).toBe(true);
  });

  it('takes values literally: no ${ENV} substitution', () => {
    const c = buildConfig({ ...input, accounts: [{ id: 'acme', apiKeys: ['${NOT_SUBSTITUTED}'] }] });
    expect(c.accounts[0]?.apiKeys).toEqual(['${NOT_SUBSTITUTED}']);
  });

  it('throws a ConfigError naming the path', () => {
    expect(() => buildConfig({ ...input, http: { listen: 'localhost' } })).toThrow(
      /http\.listen: expected host:port/,
    );
  });

  it('parseConfigObject substitutes the environment', () => {
    const raw = { operators: [{ id: 'sim', host: '${H}', port: '1', systemId: 's', password: 'p' }] };
    expect(parseConfigObject(raw, 'obj', { env: { H: 'h.example' } }).operators[0]?.host).toBe('h.example');
  });

  it('reports a route table without fallback as a warning, not an error', () => {
    const warnings: ConfigIssue[] = [];
    buildConfig(
      { ...input, routes: [{ prefix: '+33', operator: 'sim' }] },
      { onWarning: (w) => warnings.push(w) },
    );
    expect(warnings).toEqual([
      { path: 'routes', message: expect.stringMatching(/no fallback route/) as unknown },
    ]);
  });
});

describe('parseConfig: redis shapes (url, cluster, sentinel)', () => {
  it('reads a cluster (16 shards unless told) and a sentinel set', () => {
    const cluster = parseConfig(
      `redis:\n  cluster: ["redis://10.0.0.1:7000", "redis://:pw@10.0.0.2:7001"]\n${OPERATOR}`,
      'test.yaml',
      { env: {} },
    );
    expect(cluster.redis.cluster).toEqual(['redis://10.0.0.1:7000', 'redis://:pw@10.0.0.2:7001']);
    expect(cluster.redis.shards).toBe(16);
    expect(
      parseConfig(`redis:\n  cluster: ["redis://10.0.0.1:7000"]\n  shards: 4\n${OPERATOR}`, 'test.yaml', {
        env: {},
      }).redis.shards,
    ).toBe(4);
    expect(parseConfig(OPERATOR, 'test.yaml', { env: {} }).redis.shards).toBe(1);
    const sentinel = parseConfig(
      `redis:\n  sentinel: { nodes: ["redis://10.0.0.1:26379"], name: mymaster, password: p }\n  waitReplicas: 1\n${OPERATOR}`,
      'test.yaml',
      { env: {} },
    );
    expect(sentinel.redis.sentinel).toEqual({
      nodes: ['redis://10.0.0.1:26379'],
      name: 'mymaster',
      password: 'p',
      tls: false,
    });
    expect(sentinel.redis.waitReplicas).toBe(1);
  });

  it('refuses two shapes at once, a node that is not host:port, and waitReplicas on a cluster', () => {
    expect(
      lines(
        errorOf(`redis:\n  url: redis://127.0.0.1:6379\n  cluster: ["redis://10.0.0.1:7000"]\n${OPERATOR}`),
      ),
    ).toContain('redis.cluster: give one of url, cluster and sentinel, not url and cluster');
    expect(lines(errorOf(`redis:\n  cluster: ["10.0.0.1:7000"]\n${OPERATOR}`))).toContain(
      'redis.cluster[0]: expected redis://host:port (or rediss://, with user:password@ optional)',
    );
    expect(lines(errorOf(`redis:\n  sentinel: { nodes: [] }\n${OPERATOR}`))).toEqual(
      expect.arrayContaining([
        'redis.sentinel.name: missing required key',
        'redis.sentinel.nodes: must list at least 1 item',
      ]),
    );
    expect(
      lines(errorOf(`redis:\n  cluster: ["redis://10.0.0.1:7000"]\n  waitReplicas: 1\n${OPERATOR}`)),
    ).toEqual(
      expect.arrayContaining([expect.stringMatching(/^redis\.waitReplicas: not supported with cluster/)]),
    );
  });
});
