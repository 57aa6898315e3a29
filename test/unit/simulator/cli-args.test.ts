// The simulator command line as options, and the counters line it prints.
import { describe, expect, it } from 'vitest';
import { parseRule, parseSimulatorArgs } from '../../../src/cli/simulator.js';
import { emptyCounters, formatCounters } from '../../../src/simulator/counters.js';

describe('parseSimulatorArgs', () => {
  it('defaults to 127.0.0.1:2775, hex ids, receipts on, no control server', () => {
    const { options, tlsFiles, help } = parseSimulatorArgs([]);
    expect(options).toMatchObject({
      host: '127.0.0.1',
      port: 2775,
      receipts: true,
      scenarios: [],
      rules: [],
    });
    expect(options.control).toBeUndefined();
    expect(tlsFiles).toBeUndefined();
    expect(help).toBe(false);
  });

  it('reads every option', () => {
    const { options, tlsFiles } = parseSimulatorArgs([
      '--host',
      '0.0.0.0',
      '--port',
      '2776',
      '--system-id',
      'gw',
      '--password',
      'pw',
      '--id-format',
      'decimal',
      '--receipt-delay-ms',
      '0',
      '--no-receipts',
      '--scenario',
      'throttle:5',
      '--scenario',
      'closeAfter:10,repeat',
      '--rule',
      '3399:UNDELIV',
      '--control-port',
      '2780',
      '--tls-cert',
      'c.pem',
      '--tls-key',
      'k.pem',
    ]);
    expect(options).toMatchObject({
      host: '0.0.0.0',
      port: 2776,
      systemId: 'gw',
      password: 'pw',
      messageIdFormat: 'decimal',
      receiptDelayMs: 0,
      receipts: false,
      scenarios: [
        { name: 'throttle', maxPerSecond: 5 },
        { name: 'closeAfter', submits: 10, repeat: true },
      ],
      rules: [{ prefix: '3399', stat: 'UNDELIV' }],
      control: { host: '127.0.0.1', port: 2780 },
    });
    expect(tlsFiles).toEqual({ cert: 'c.pem', key: 'k.pem', ca: undefined });
  });

  it('refuses bad values', () => {
    expect(() => parseSimulatorArgs(['--port', '-1'])).toThrow();
    expect(() => parseSimulatorArgs(['--receipt-delay-ms', '1.5'])).toThrow(/receipt-delay-ms/);
    expect(() => parseSimulatorArgs(['--tls-key', 'k.pem'])).toThrow(/go together/);
    expect(() => parseSimulatorArgs(['stray'])).toThrow();
  });
});

describe('parseRule', () => {
  it('reads PREFIX:STAT and PREFIX:key=value lists', () => {
    expect(parseRule('33:EXPIRED')).toEqual({ prefix: '33', stat: 'EXPIRED' });
    expect(parseRule('3398:submitStatus=ESME_RINVDSTADR')).toEqual({ prefix: '3398', submitStatus: 0x0b });
    expect(parseRule(':noReceipt,receiptDelayMs=5,errorCode=12')).toEqual({
      prefix: '',
      noReceipt: true,
      receiptDelayMs: 5,
      errorCode: 12,
    });
    expect(() => parseRule('33')).toThrow();
    expect(() => parseRule('33:DELIVERED')).toThrow(/DELIVERED/);
  });
});

describe('formatCounters', () => {
  it('prints one line, zeros left out except the essentials', () => {
    const c = { ...emptyCounters(), binds: 2, submits: 10, submitsOk: 9, submitsThrottled: 1 };
    expect(formatCounters(c)).toBe(
      'binds=2 activeSessions=0 submits=10 submitsOk=9 submitsThrottled=1 receiptsSent=0',
    );
  });
});
