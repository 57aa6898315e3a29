import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  buildConfig,
  isValidSender,
  normaliseCommandStatusKey,
  parseListen,
} from '../../../src/config/index.js';
import type { ConfigInput } from '../../../src/config/index.js';

const op = { id: 'sim', host: '127.0.0.1', port: 2775, systemId: 'gw', password: 'pw' };
const base: ConfigInput = { operators: [op], accounts: [{ id: 'acme', apiKeys: ['k1'] }] };

function issuesOf(input: ConfigInput): string[] {
  try {
    buildConfig(input);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseListen', () => {
  it.each([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    ['[::1]:8080', { host: '::1', port: 8080 }],
    ['0.0.0.0:65535', { host: '0.0.0.0', port: 65535 }],
  ])('parses %s', (s, expected) => {
    expect(parseListen(s)).toEqual(expected);
  });

  it.each(['8080', ':8080', 'host:65536', 'host:-1', '::1:8080', 'host:80x', '[::1]8080'])(
    'refuses %s',
    (s) => {
      expect(() => parseListen(s)).toThrow(/host:port/);
    },
  );
});

describe('isValidSender', () => {
  it.each(['ACME', '36180', '+33612345678', 'Acme Shop', 'ABCDEFGHIJK', '123456789012345', 'Café-Bar'])(
    'accepts %s',
    (s) => expect(isValidSender(s)).toBe(true),
  );
  it.each(['', 'ABCDEFGHIJKL', '1234567890123456', ' ACME', 'ACME€', 'ÇA[1]', 'a\nb'])('refuses %j', (s) =>
    expect(isValidSender(s)).toBe(false),
  );
});

describe('normaliseCommandStatusKey', () => {
  it('normalises numbers to decimal and names to upper case', () => {
    expect(normaliseCommandStatusKey('0x58')).toBe('88');
    expect(normaliseCommandStatusKey('0X00000058')).toBe('88');
    expect(normaliseCommandStatusKey('88')).toBe('88');
    expect(normaliseCommandStatusKey('esme_rthrottled')).toBe('ESME_RTHROTTLED');
    expect(normaliseCommandStatusKey('throttled')).toBeUndefined();
  });
});

describe('operators', () => {
  it('normalises tls: true to an object with rejectUnauthorized', () => {
    const c = buildConfig({ ...base, operators: [{ ...op, tls: true }] });
    expect(c.operators[0]?.tls).toEqual({ rejectUnauthorized: true });
  });

  it('keeps tls options and defaults rejectUnauthorized to true', () => {
    const c = buildConfig({ ...base, operators: [{ ...op, tls: { ca: '/ca.pem', servername: 'smsc' } }] });
    expect(c.operators[0]?.tls).toEqual({ ca: '/ca.pem', servername: 'smsc', rejectUnauthorized: true });
  });

  it('maps commandStatus keys in any accepted spelling', () => {
    const c = buildConfig({
      ...base,
      operators: [
        { ...op, commandStatus: { '0x58': 'throttle', ESME_RSUBMITFAIL: 'retry', '11': 'reject' } },
      ],
    });
    expect(c.operators[0]?.commandStatus).toEqual({
      '88': 'throttle',
      ESME_RSUBMITFAIL: 'retry',
      '11': 'reject',
    });
  });

  it('refuses a bad commandStatus key and action', () => {
    expect(
      issuesOf({ ...base, operators: [{ ...op, commandStatus: { nope: 'ok', '0x58': 'later' } as never }] }),
    ).toEqual([
      'operators[0].commandStatus.nope: expected a command_status as a number, 0x hex, or a name like ESME_RTHROTTLED',
      'operators[0].commandStatus.0x58: expected one of ok | retry | throttle | reject, got "later"',
    ]);
  });

  it('checks numeric ranges and integers', () => {
    expect(
      issuesOf({
        ...base,
        operators: [{ ...op, port: 0, window: 2.5, sourceAddrTon: 256, gsm7DataCoding: 2 as 0 }],
      }),
    ).toEqual([
      'operators[0].port: must be at least 1, got 0',
      'operators[0].window: expected a whole number, got 2.5',
      'operators[0].gsm7DataCoding: expected 0 or 1',
      'operators[0].sourceAddrTon: must be at most 255, got 256',
    ]);
  });

  it('refuses reconnect.initialMs above maxMs', () => {
    expect(issuesOf({ ...base, operators: [{ ...op, reconnect: { initialMs: 5000, maxMs: 100 } }] })).toEqual(
      ['operators[0].reconnect.initialMs: initialMs must not exceed maxMs'],
    );
  });

  it('reports duplicate operator ids', () => {
    expect(issuesOf({ ...base, operators: [op, { ...op }] })).toEqual([
      'operators[1].id: duplicate operator id "sim" (also at operators[0].id)',
    ]);
  });
});

describe('accounts', () => {
  it('accepts an account with SMPP credentials and no API key', () => {
    const c = buildConfig({ ...base, accounts: [{ id: 'p', smpp: { systemId: 'p', password: 'x' } }] });
    expect(c.accounts[0]?.smpp).toEqual({ systemId: 'p', password: 'x', maxBinds: 2 });
  });

  it('refuses an account with neither API key nor SMPP credentials', () => {
    expect(issuesOf({ ...base, accounts: [{ id: 'p' }] })).toEqual([
      'accounts[0].apiKeys: an account needs at least one API key, or smpp credentials',
    ]);
  });

  it('validates senders, ids and stopMention', () => {
    expect(
      issuesOf({
        ...base,
        accounts: [
          { id: 'Acme!', apiKeys: ['k'], senders: ['TOOLONGSENDER'], stopMention: { mode: 'append' } },
        ],
      }),
    ).toEqual([
      'accounts[0].id: expected an id of lowercase letters, digits, "-" or "_" (at most 64, starting with a letter or digit)',
      'accounts[0].senders[0]: expected an alphanumeric sender ID of at most 11 GSM characters, or a short code / number of at most 15 digits',
      'accounts[0].stopMention.text: text is required unless mode is off',
    ]);
  });

  it('reports duplicate ids and SMPP system ids', () => {
    const a = { id: 'a', apiKeys: ['k1'], smpp: { systemId: 'same', password: 'p' } };
    expect(issuesOf({ ...base, accounts: [a, { ...a, apiKeys: ['k2'] }] })).toEqual([
      'accounts[1].id: duplicate account id "a" (also at accounts[0].id)',
      'accounts[1].smpp.systemId: duplicate SMPP systemId "same" (also at accounts[0].smpp.systemId)',
    ]);
  });
});

describe('routes and shortCodes', () => {
  it('defaults to one fallback route to the first operator', () => {
    const c = buildConfig({ ...base, operators: [op, { ...op, id: 'b' }] });
    expect(c.routes).toEqual([{ prefix: '', operator: 'sim' }]);
  });

  it('checks prefixes, duplicates and operator references', () => {
    expect(
      issuesOf({
        ...base,
        routes: [
          { prefix: '33', operator: 'sim' },
          { prefix: '+33', operator: 'x' },
          { prefix: '+33', operator: 'sim' },
        ],
      }),
    ).toEqual([
      'routes[0].prefix: expected "" (the fallback) or "+" and digits',
      'routes[1].operator: unknown operator "x"',
      'routes[2].prefix: duplicate route prefix "+33" (also at routes[1].prefix)',
    ]);
  });

  it('checks short code references and uniqueness', () => {
    expect(
      issuesOf({
        ...base,
        shortCodes: [
          { code: '36180', account: 'acme', operator: 'sim' },
          { code: '36180', account: 'nobody', operator: 'nowhere' },
        ],
      }),
    ).toEqual([
      'shortCodes[1].operator: unknown operator "nowhere"',
      'shortCodes[1].account: unknown account "nobody"',
      'shortCodes[1].code: duplicate short code "36180" (also at shortCodes[0].code)',
    ]);
  });

  it('requires an action for each short-code keyword', () => {
    expect(
      issuesOf({
        ...base,
        shortCodes: [{ code: '36180', account: 'acme', operator: 'sim', keywords: [{ keyword: 'X' }] }],
      }),
    ).toEqual(['shortCodes[0].keywords[0].reply: a keyword needs a reply, a webhook, or both']);
  });
});

describe('listeners, policy, log', () => {
  it('refuses two of our listeners on one address', () => {
    expect(issuesOf({ ...base, simulator: { enabled: true, listen: '127.0.0.1:8080' } })).toEqual([
      'simulator.listen: address 127.0.0.1:8080 is already used by http.listen',
    ]);
  });

  it("compares the SMPP server's TLS listener with the others, and with its plain listener", () => {
    const tls = { cert: 'server.pem', key: 'server-key.pem' };
    expect(
      issuesOf({
        ...base,
        smppServer: { listen: '127.0.0.1:2776', tls: { ...tls, listen: '127.0.0.1:8080' } },
      }),
    ).toEqual(['smppServer.tls.listen: address 127.0.0.1:8080 is already used by http.listen']);
    expect(
      issuesOf({
        ...base,
        smppServer: { listen: '127.0.0.1:2776', tls: { ...tls, listen: '127.0.0.1:2776' } },
      }),
    ).toEqual(['smppServer.tls.listen: address 127.0.0.1:2776 is already used by smppServer.listen']);
    // Without its own address, `listen` itself serves TLS: nothing to compare.
    expect(() => buildConfig({ ...base, smppServer: { listen: '127.0.0.1:2776', tls } })).not.toThrow();
  });

  it('does not compare a disabled simulator or port 0', () => {
    expect(() =>
      buildConfig({ ...base, simulator: { enabled: false, listen: '127.0.0.1:8080' } }),
    ).not.toThrow();
    expect(() =>
      buildConfig({
        ...base,
        http: { listen: '127.0.0.1:0' },
        simulator: { enabled: true, listen: '127.0.0.1:0' },
      }),
    ).not.toThrow();
  });

  it('replaces the quiet-hours table when given, with per-country defaults and the shipped default', () => {
    const c = buildConfig({ ...base, policy: { quietHours: { BE: { days: ['mon'] } } } });
    const everyDay = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    expect(c.policy.quietHours).toEqual({
      BE: { days: ['mon'], from: '08:00', to: '20:00', holidays: true },
      default: { days: everyDay, from: '08:00', to: '20:00', holidays: false },
    });
  });

  it('ships FR and default windows, and keeps a default the file gives', () => {
    const c = buildConfig(base);
    expect(c.policy.quietHours).toEqual({
      FR: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'], from: '08:00', to: '20:00', holidays: true },
      default: {
        days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
        from: '08:00',
        to: '20:00',
        holidays: false,
      },
    });
    const open = buildConfig({
      ...base,
      policy: { quietHours: { default: { from: '00:00', to: '24:00' } } },
    });
    expect(open.policy.quietHours).toEqual({
      default: {
        days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat'],
        from: '00:00',
        to: '24:00',
        holidays: true,
      },
    });
  });

  it('reads holiday extras, exclusions and regions (region numbers as strings)', () => {
    const c = buildConfig({
      ...base,
      policy: {
        holidays: {
          extra: { FR: ['2026-06-01', '12-24', 'easter-2'] },
          exclude: { FR: ['easter+50'] },
          regions: { FR: [57, '67', 68] as unknown as string[] },
        },
      },
    });
    expect(c.policy.holidays).toEqual({
      extra: { FR: ['2026-06-01', '12-24', 'easter-2'] },
      exclude: { FR: ['easter+50'] },
      regions: { FR: ['57', '67', '68'] },
    });
    expect(buildConfig(base).policy.holidays).toEqual({ extra: {}, exclude: {}, regions: {} });
  });

  it('checks holiday days and their countries, naming the path', () => {
    const dayError =
      'expected YYYY-MM-DD, MM-DD (every year), or easter, easter+N, easter-N (days from Easter Sunday)';
    expect(
      issuesOf({
        ...base,
        policy: {
          holidays: {
            extra: { FR: ['2026-02-30', '02-29', 'Easter+1', '14/07'], fr: [] },
            exclude: { DE: ['13-01'] },
            regions: { FR: ['5 7'] },
          },
        },
      }),
    ).toEqual([
      `policy.holidays.extra.FR[0]: ${dayError}`,
      `policy.holidays.extra.FR[2]: ${dayError}`,
      `policy.holidays.extra.FR[3]: ${dayError}`,
      'policy.holidays.extra.fr: expected an ISO 3166-1 alpha-2 country code like FR',
      `policy.holidays.exclude.DE[0]: ${dayError}`,
      'policy.holidays.regions.FR[0]: expected a region code like 57 or ENG',
    ]);
  });

  it('checks quiet-hours country codes, times and order', () => {
    expect(
      issuesOf({
        ...base,
        policy: {
          quietHours: { fr: {}, BE: { from: '8h', to: '25:00' }, DE: { from: '20:00', to: '08:00' } },
        },
      }),
    ).toEqual([
      'policy.quietHours.fr: expected an ISO 3166-1 alpha-2 country code like FR, or default',
      'policy.quietHours.BE.from: expected HH:MM (24-hour)',
      'policy.quietHours.BE.to: expected HH:MM (24-hour, 24:00 allowed)',
      'policy.quietHours.DE.to: from must be earlier than to (the window cannot wrap past midnight)',
    ]);
  });

  it('accepts "true"/"false" strings for booleans, as ${ENV} substitution yields', () => {
    const c = buildConfig({ ...base, log: { pretty: 'true', showMessageText: 'false' } });
    expect(c.log).toMatchObject({ pretty: true, showMessageText: false });
  });

  it('lists the accepted log levels', () => {
    expect(issuesOf({ ...base, log: { level: 'verbose' as 'info' } })).toEqual([
      'log.level: expected one of fatal | error | warn | info | debug | trace, got "verbose"',
    ]);
  });

  it('checks the redis url', () => {
    expect(issuesOf({ ...base, redis: { url: 'http://x' } })).toEqual([
      'redis.url: expected a redis:// or rediss:// URL, or the path of a unix socket',
    ]);
    expect(buildConfig({ ...base, redis: { url: '/run/redis.sock' } }).redis.url).toBe('/run/redis.sock');
  });
});
