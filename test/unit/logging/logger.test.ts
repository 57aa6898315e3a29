import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, maskNumber, redact } from '../../../src/logging/index.js';
import type { LoggerOptions } from '../../../src/logging/index.js';

/** A logger writing JSON lines into memory; `text()` is everything written so far. */
function capture(options: Omit<LoggerOptions, 'destination'> = {}) {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ pretty: false, env: {}, ...options, destination });
  const text = () => chunks.join('');
  const records = () =>
    text()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, text, records };
}

describe('createLogger', () => {
  it('writes JSON lines with level, time and message', () => {
    const { logger, records } = capture();
    logger.info({ op: 'sim' }, 'bound');
    expect(records()).toEqual([expect.objectContaining({ level: 30, msg: 'bound', op: 'sim' })]);
    expect(typeof records()[0]?.time).toBe('string');
  });

  it('never writes passwords or API keys, at any depth', () => {
    const { logger, text } = capture({ level: 'trace' });
    logger.info(
      {
        password: 'pw-top-1',
        operator: { id: 'sim', password: 'pw-nested-2', tls: { key: '/k.pem' } },
        accounts: [{ id: 'acme', apiKeys: ['sk-live-3'], webhook: { secret: 'wh-4' } }],
        apiKey: 'sk-live-5',
        headers: { Authorization: 'Bearer sk-live-6' },
        deep: { a: { b: { c: { password: 'pw-deep-7' } } } },
      },
      'config loaded',
    );
    const out = text();
    for (const secret of [
      'pw-top-1',
      'pw-nested-2',
      'sk-live-3',
      'wh-4',
      'sk-live-5',
      'sk-live-6',
      'pw-deep-7',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('[redacted]');
    expect(out).toContain('"id":"acme"');
  });

  it('redacts secrets in child logger bindings, including grandchildren', () => {
    const { logger, text } = capture();
    logger
      .child({ op: 'sim', password: 'pw-child' })
      .child({ bind: 'sim#1', secret: 'pw-grandchild' })
      .info('x');
    expect(text()).not.toContain('pw-child');
    expect(text()).not.toContain('pw-grandchild');
    expect(text()).toContain('"bind":"sim#1"');
  });

  it('binds a message id given as msg under msgId, keeping msg for the message', () => {
    const { logger, records } = capture();
    logger.child({ op: 'sim', bind: 'sim#1' }).child({ msg: 'm-42' }).info('submitted');
    expect(records()[0]).toMatchObject({ op: 'sim', bind: 'sim#1', msgId: 'm-42', msg: 'submitted' });
  });

  it('hides message text unless showMessageText is on', () => {
    const hidden = capture();
    hidden.logger.info({ text: 'Bonjour Alice', pdu: { shortMessage: 'Code 1234' } }, 'mt');
    expect(hidden.text()).not.toContain('Bonjour Alice');
    expect(hidden.text()).not.toContain('Code 1234');
    expect(hidden.records()[0]).toMatchObject({ text: '[hidden: 13 chars]' });

    const shown = capture({ showMessageText: true });
    shown.logger.info({ text: 'Bonjour Alice' }, 'mt');
    expect(shown.text()).toContain('Bonjour Alice');
  });

  it('masks phone numbers when maskNumbers is on, and only then', () => {
    const masked = capture({ maskNumbers: true });
    masked.logger.info({ to: '+33612345678', from: 'ACME', msisdn: '33612345678' }, 'mt');
    expect(masked.records()[0]).toMatchObject({ to: '+3361234****', from: 'ACME', msisdn: '3361234****' });
    const plain = capture();
    plain.logger.info({ to: '+33612345678' }, 'mt');
    expect(plain.records()[0]).toMatchObject({ to: '+33612345678' });
  });

  it('keeps Error objects for the err serializer', () => {
    const { logger, records } = capture();
    logger.error({ err: new Error('bind refused') }, 'bind failed');
    expect(records()[0]?.err).toMatchObject({ type: 'Error', message: 'bind refused' });
  });

  it('does not modify the logged object', () => {
    const { logger } = capture();
    const obj = { password: 'p', nested: { text: 't' } };
    logger.info(obj, 'x');
    expect(obj).toEqual({ password: 'p', nested: { text: 't' } });
  });

  it('uses the configured level', () => {
    const { logger, records } = capture({ level: 'warn' });
    logger.info('dropped');
    logger.warn('kept');
    expect(records().map((r) => r.msg)).toEqual(['kept']);
  });

  it('lets LOG_LEVEL override the configured level', () => {
    const { logger, records } = capture({ level: 'info', env: { LOG_LEVEL: 'debug' } });
    logger.debug('shown');
    expect(records().map((r) => r.msg)).toEqual(['shown']);
    const quiet = capture({ level: 'debug', env: { LOG_LEVEL: 'ERROR' } });
    quiet.logger.warn('hidden');
    expect(quiet.records()).toEqual([]);
  });

  it('warns about an invalid LOG_LEVEL and keeps the configured level', () => {
    const { logger, records } = capture({ level: 'info', env: { LOG_LEVEL: 'loud' } });
    logger.debug('not shown');
    expect(records()).toEqual([
      expect.objectContaining({ level: 40, msg: expect.stringMatching(/LOG_LEVEL/) as unknown }),
    ]);
  });

  it('refuses an invalid configured level', () => {
    expect(() => createLogger({ level: 'verbose', env: {}, pretty: false })).toThrow(/log level/);
  });

  it('writes human-readable lines when pretty, still redacted', () => {
    const chunks: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ pretty: true, env: {}, destination });
    logger.info({ op: 'sim', password: 'pw-pretty' }, 'bound to SMSC');
    const out = chunks.join('');
    expect(out).toContain('bound to SMSC');
    expect(out).not.toContain('pw-pretty');
    expect(() => JSON.parse(out) as unknown).toThrow();
  });
});

describe('maskNumber', () => {
  it.each([
    ['+33612345678', '+3361234****'],
    ['33612345678', '3361234****'],
    ['36180', '361**'],
    ['ACME', 'ACME'],
    ['', ''],
  ])('%s → %s', (input, expected) => expect(maskNumber(input)).toBe(expected));
});

describe('redact', () => {
  it('handles cycles and leaves non-plain objects alone', () => {
    const a: Record<string, unknown> = { password: 'p' };
    a.self = a;
    const date = new Date(0);
    expect(redact({ a, date })).toEqual({ a: { password: '[redacted]', self: '[Circular]' }, date });
  });
});
