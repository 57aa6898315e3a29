// Fault (b): generated HTTP requests at the API: wrong types in every field, huge strings, invalid UTF-8, deep
// JSON, prototype keys, huge and broken batches, bodies that are not JSON, junk in paths and headers, a body
// over the limit. Every answer is 2xx or 4xx, never 5xx, every error has a machine-readable code, and what
// Redis holds is exactly what the 2xx answers acknowledged: nothing is enqueued from an invalid request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, TEST_API_KEY, type TestGateway } from '../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { report, tally } from './helpers.js';
import { prng } from './pdu-fuzzer.js';

const TOTAL = Number(process.env.HTTP_FUZZ_REQUESTS ?? 3000);
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_203);

interface FuzzRequest {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

const VALID = { to: '+33612345678', from: 'ACME', text: 'Bonjour', class: 'transactional' };
const FIELDS = [
  'to',
  'from',
  'text',
  'class',
  'sendAt',
  'zone',
  'validityMinutes',
  'clientRef',
  'callbackUrl',
  'campaignId',
];

class HttpFuzzer {
  private readonly random: () => number;
  private n = 0;
  readonly counts = new Map<string, number>();

  constructor(seed: number) {
    this.random = prng(seed);
  }

  private int(max: number): number {
    return Math.floor(this.random() * max);
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  private json(path: string, value: unknown, kind: string, method = 'POST'): FuzzRequest {
    return {
      kind,
      method,
      path,
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(value),
    };
  }

  /** A value of any JSON type, sometimes nested, sometimes huge or strange. */
  private junk(depth = 0): unknown {
    const kinds = [
      () => this.int(2 ** 31) - 2 ** 30,
      () => this.random() * 1e308,
      () => -0,
      () => true,
      () => null,
      () => '',
      () => ' ',
      () => 'x'.repeat(this.pick([1, 160, 161, 1000, 70_000])),
      () => '\u0000\u0001\u001f',
      () => '\ud800', // a lone surrogate (JSON allows its escape)
      () => '😀'.repeat(this.int(400)),
      () => 'ÿ€€ِ'.repeat(50),
      () => '1970-01-01T00:00:00Z',
      () => '9999-99-99',
      () => '+33612345678',
      () => '{{prenom}}',
      () => (depth < 3 ? [this.junk(depth + 1), this.junk(depth + 1)] : []),
      () => (depth < 3 ? { a: this.junk(depth + 1), to: this.junk(depth + 1) } : {}),
    ];
    return this.pick(kinds)();
  }

  private validMessage(): Record<string, unknown> {
    this.n += 1;
    const extras: Record<string, unknown> = {};
    if (this.random() < 0.3) extras.clientRef = `ref-${SEED}-${this.n}`;
    if (this.random() < 0.2) extras.validityMinutes = 1 + this.int(1000);
    if (this.random() < 0.2) extras.campaignId = 'fuzz';
    if (this.random() < 0.1) extras.text = 'Été à Noël ' + 'é'.repeat(this.int(300));
    return { ...VALID, ...extras, to: `+3361${String(this.int(10_000_000)).padStart(7, '0')}` };
  }

  next(): FuzzRequest {
    const request = this.generate();
    tally(this.counts, request.kind);
    return request;
  }

  private generate(): FuzzRequest {
    const roll = this.random();
    if (roll < 0.12) return this.json('/v1/messages', this.validMessage(), 'valid');
    if (roll < 0.16) {
      const messages = Array.from({ length: 1 + this.int(50) }, () =>
        this.random() < 0.6
          ? this.validMessage()
          : { ...this.validMessage(), [this.pick(FIELDS)]: this.junk() },
      );
      return this.json('/v1/messages/batch', { messages }, 'batch-mixed');
    }
    const kind = this.pick([
      'wrong-type',
      'missing-field',
      'unknown-field',
      'proto-key',
      'huge-string',
      'invalid-utf8',
      'deep-json',
      'batch-broken',
      'batch-huge',
      'not-json',
      'bad-path',
      'bad-auth',
      'optouts',
      'preview',
      'over-limit',
    ] as const);
    switch (kind) {
      case 'wrong-type':
        return this.json('/v1/messages', { ...VALID, [this.pick(FIELDS)]: this.junk() }, kind);
      case 'missing-field': {
        const body: Record<string, unknown> = { ...VALID };
        delete body[this.pick(['to', 'from', 'text', 'class'])];
        return this.json('/v1/messages', body, kind);
      }
      case 'unknown-field':
        return this.json(
          '/v1/messages',
          { ...VALID, [this.pick(['To', 'TEXT', 'id', 'state', 'account', ''])]: 1 },
          kind,
        );
      case 'proto-key':
        return {
          ...this.json('/v1/messages', {}, kind),
          body: this.pick([
            `{"__proto__":{"text":"polluted"},"to":"+33612345678","from":"ACME","class":"transactional"}`,
            `{"constructor":{"prototype":{"x":1}},"to":"+33612345678","from":"ACME","text":"a","class":"transactional"}`,
            `{"messages":[{"__proto__":{"from":"ACME"}}]}`,
          ]),
          path: this.pick(['/v1/messages', '/v1/messages/batch']),
        };
      case 'huge-string': {
        const field = this.pick(['text', 'to', 'clientRef', 'campaignId', 'callbackUrl', 'zone']);
        const size = this.pick([1000, 100_000, 1_000_000]);
        return this.json('/v1/messages', { ...VALID, [field]: 'a'.repeat(size) }, kind);
      }
      case 'invalid-utf8': {
        const bad = this.pick([
          Buffer.from([0xc3, 0x28]),
          Buffer.from([0xff, 0xfe]),
          Buffer.from([0xe2, 0x82]),
          Buffer.from([0xed, 0xa0, 0x80]), // an encoded surrogate
          Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
          Buffer.from([0xc0, 0xaf]), // overlong '/'
          Buffer.from([0xf0, 0x9f, 0x98]), // a cut 4-octet sequence: one U+FFFD, the same length
        ]);
        const body = Buffer.concat([
          Buffer.from('{"to":"+33612345678","from":"ACME","class":"transactional","text":"ab'),
          bad,
          Buffer.from('cd"}'),
        ]);
        return { ...this.json('/v1/messages', {}, kind), body };
      }
      case 'deep-json': {
        const depth = this.pick([100, 10_000, 100_000]);
        const shape = this.pick(['array', 'object', 'proto']);
        const body =
          shape === 'array'
            ? `{"to":"+33612345678","from":"ACME","class":"transactional","text":${'['.repeat(depth)}${']'.repeat(depth)}}`
            : shape === 'object'
              ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
              : `${'{"__proto__":'.repeat(depth)}1${'}'.repeat(depth)}`;
        return {
          ...this.json(this.pick(['/v1/messages', '/v1/messages/batch', '/v1/preview']), {}, kind),
          body,
        };
      }
      case 'batch-broken':
        return this.json(
          '/v1/messages/batch',
          this.pick([
            {},
            { messages: [] },
            { messages: {} },
            { messages: 'x' },
            { messages: [null, 1, 'x', []] },
            [VALID],
            null,
            { messages: [VALID], extra: 1 },
          ]),
          kind,
        );
      case 'batch-huge': {
        const count = this.pick([1001, 5000]);
        return this.json(
          '/v1/messages/batch',
          { messages: Array.from({ length: count }, () => VALID) },
          kind,
        );
      }
      case 'not-json': {
        const variants: Array<[string | undefined, string | Buffer]> = [
          ['text/plain', 'to=+33612345678&text=hi'],
          ['application/x-www-form-urlencoded', 'to=%2B33612345678&from=ACME&text=hi&class=transactional'],
          ['application/json', '{"to":"+33612345678",'],
          ['application/json', ''],
          ['application/json', 'null'],
          ['application/json', '[]'],
          ['application/json', '"string"'],
          ['application/json', 'NaN'],
          [
            'application/json',
            '\ufeff{"to":"+33612345678","from":"ACME","text":"a","class":"transactional"}',
          ],
          [
            'application/json; charset=latin1',
            '{"to":"+33612345678","from":"ACME","text":"é","class":"transactional"}',
          ],
          ['application/xml', '<message/>'],
          [undefined, JSON.stringify(VALID)],
          ['multipart/form-data; boundary=x', '--x\r\n\r\n--x--'],
        ];
        const [type, body] = this.pick(variants);
        const headers: Record<string, string> = { authorization: `Bearer ${TEST_API_KEY}` };
        if (type) headers['content-type'] = type;
        return {
          kind,
          method: 'POST',
          path: this.pick(['/v1/messages', '/v1/messages/batch']),
          headers,
          body,
        };
      }
      case 'bad-path':
        return {
          kind,
          method: this.pick(['GET', 'DELETE', 'PUT', 'PATCH', 'POST']),
          path: this.pick([
            '/v1/messages/%00',
            '/v1/messages/../../etc/passwd',
            `/v1/messages/${'A'.repeat(5000)}`,
            '/v1/messages/01M80JPTV663CHDNXVVW8C36DF',
            '/v1/messages/%E0%A4%A',
            '/v1/messages?x=%zz',
            '/v1//messages',
            '/v1/messages/%F0%9F%98%80',
            '/metrics?%00',
            '/readyz/../healthz',
            '/v1/campaigns/x',
          ]),
          headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
          body: this.random() < 0.5 ? JSON.stringify(VALID) : undefined,
        };
      case 'bad-auth':
        return {
          ...this.json('/v1/messages', VALID, kind),
          headers: {
            'content-type': 'application/json',
            ...(this.random() < 0.8
              ? {
                  authorization: this.pick([
                    'Bearer',
                    'Bearer ',
                    'Basic dXNlcjpwYXNz',
                    `Bearer ${'k'.repeat(8000)}`,
                    'bearer wrong',
                    `Bearer ${TEST_API_KEY} extra`,
                  ]),
                }
              : {}),
          },
        };
      case 'optouts': {
        const number = this.pick([
          '+33612345678',
          'abc',
          '%00',
          '+',
          '0'.repeat(200),
          '+33 6 12 34 56 78',
          '%2B33612345678',
        ]);
        const method = this.pick(['GET', 'PUT', 'DELETE']);
        if (this.random() < 0.3) {
          return {
            kind,
            method: 'POST',
            path: '/v1/optouts/import',
            headers: {
              authorization: `Bearer ${TEST_API_KEY}`,
              'content-type': this.pick(['text/csv', 'application/json']),
            },
            body: this.pick([
              'number\n+33612345678\n',
              'x,y\n"unterminated',
              '\u0000\u0000',
              'number\n' + 'abc\n'.repeat(1000),
              '{"number":1}',
            ]),
          };
        }
        return {
          kind,
          method,
          path: `/v1/optouts/${number}`,
          headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
          body:
            method === 'PUT' ? JSON.stringify(this.pick([{}, { source: this.junk() }, null, []])) : undefined,
        };
      }
      case 'preview':
        return this.json(
          '/v1/preview',
          this.pick([{ text: this.junk() }, {}, { text: 'a'.repeat(100_000) }, { text: '😀'.repeat(2000) }]),
          kind,
        );
      case 'over-limit':
        return { ...this.json('/v1/messages', {}, kind), body: Buffer.alloc(6 * 1024 * 1024, 0x20) };
    }
  }
}

let redis: TestRedis;
let gw: TestGateway;
beforeAll(async () => {
  redis = await startTestRedis();
  gw = await startTestGateway(redis, {
    operator: { tps: 5000, window: 50 },
    // The bad-auth requests would block this one address after 10 (http.authFailures), and the fuzz is
    // about what every request gets answered, not about the limit (test/integration/tenancy covers that).
    http: { listen: '127.0.0.1:0', authFailures: { max: 1_000_000 } },
  });
});
afterAll(async () => {
  await gw?.stop();
  await redis?.stop();
});

describe('fault: generated HTTP requests', () => {
  it(`${TOTAL} requests: only 2xx and 4xx, each error with a code, nothing enqueued from an invalid request`, async () => {
    const fuzzer = new HttpFuzzer(SEED);
    const statuses = new Map<string, number>();
    const codes = new Map<string, number>();
    const fiveHundreds: string[] = [];
    const uncoded: string[] = [];
    const acknowledged = new Set<string>();
    let i = 0;
    const worker = async () => {
      while (i < TOTAL) {
        i += 1;
        const request = fuzzer.next();
        let status: number;
        let text: string;
        try {
          const response = await fetch(`${gw.baseUrl}${request.path}`, {
            method: request.method,
            headers: request.headers,
            ...(request.body !== undefined && request.method !== 'GET' ? { body: request.body } : {}),
          });
          status = response.status;
          text = await response.text();
        } catch (error) {
          // A connection the server closed without an answer counts as a failure too.
          status = 599;
          text = String(error);
        }
        tally(statuses, `${request.kind}:${status}`);
        if (status >= 500)
          fiveHundreds.push(
            `${request.kind} ${request.method} ${request.path.slice(0, 80)} → ${status} ${text.slice(0, 200)}`,
          );
        let json: { id?: string; results?: Array<{ id?: string }>; error?: { code?: string } } = {};
        try {
          json = JSON.parse(text) as typeof json;
        } catch {
          json = {};
        }
        if (status >= 400) {
          if (json.error?.code) tally(codes, json.error.code);
          else if (request.path.startsWith('/v1/'))
            uncoded.push(`${request.kind} ${status} ${text.slice(0, 120)}`);
        } else if (status === 202 && request.path === '/v1/messages/batch') {
          for (const r of json.results ?? []) if (r.id !== undefined) acknowledged.add(r.id);
        } else if (status === 202 && json.id !== undefined) {
          // A repeated clientRef answers the first message's id: one message, acknowledged twice.
          acknowledged.add(json.id);
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));

    // Redis' count: the account's figures total every message enqueued, whatever its state.
    const figures = await gw.gateway.store.messages.figures('acme');
    report('http', {
      seed: SEED,
      requests: TOTAL,
      kinds: Object.fromEntries(fuzzer.counts),
      statuses: Object.fromEntries([...statuses].sort()),
      errorCodes: Object.fromEntries(codes),
      acknowledged: acknowledged.size,
      enqueuedInRedis: figures.total,
      fiveHundreds: fiveHundreds.length,
    });
    expect(fiveHundreds).toEqual([]);
    expect(uncoded).toEqual([]);
    expect(figures.total).toBe(acknowledged.size);
    expect(acknowledged.size).toBeGreaterThan(TOTAL * 0.1);
    // Still serving afterwards.
    expect((await gw.request('POST', '/v1/messages', VALID)).status).toBe(202);
  }, 180_000);
});
