import { describe, expect, it } from 'vitest';
import { CommandStatus as S } from '../../../src/smpp/pdu/index.js';
import { classifySubmitStatus } from '../../../src/smpp/status-class.js';
import type { SubmitClass } from '../../../src/smpp/types.js';

describe('classifySubmitStatus: default table', () => {
  it.each<[string, number, SubmitClass]>([
    ['ESME_ROK', S.ESME_ROK, 'ok'],
    ['ESME_RTHROTTLED', S.ESME_RTHROTTLED, 'throttle'],
    ['ESME_RMSGQFUL', S.ESME_RMSGQFUL, 'throttle'],
    ['ESME_RSYSERR', S.ESME_RSYSERR, 'retry'],
    ['ESME_RSUBMITFAIL', S.ESME_RSUBMITFAIL, 'retry'],
    ['ESME_RX_T_APPN', S.ESME_RX_T_APPN, 'retry'],
    ['ESME_RUNKNOWNERR', S.ESME_RUNKNOWNERR, 'retry'],
    ['ESME_RDELIVERYFAILURE', S.ESME_RDELIVERYFAILURE, 'retry'],
    ['ESME_RINVBNDSTS', S.ESME_RINVBNDSTS, 'retry'],
    ['vendor 0x400', 0x400, 'retry'],
    ['vendor 0x4FF', 0x4ff, 'retry'],
    ['unnamed 0x500', 0x500, 'retry'],
    ['ESME_RINVDSTADR', S.ESME_RINVDSTADR, 'reject'],
    ['ESME_RINVSRCADR', S.ESME_RINVSRCADR, 'reject'],
    ['ESME_RINVMSGLEN', S.ESME_RINVMSGLEN, 'reject'],
    ['ESME_RINVESMCLASS', S.ESME_RINVESMCLASS, 'reject'],
    ['ESME_RINVDSTTON', S.ESME_RINVDSTTON, 'reject'],
    ['ESME_RINVDSTNPI', S.ESME_RINVDSTNPI, 'reject'],
    ['ESME_RINVSRCTON', S.ESME_RINVSRCTON, 'reject'],
    ['ESME_RINVSRCNPI', S.ESME_RINVSRCNPI, 'reject'],
    ['ESME_RX_P_APPN', S.ESME_RX_P_APPN, 'reject'],
    ['ESME_RX_R_APPN', S.ESME_RX_R_APPN, 'reject'],
    ['ESME_RINVEXPIRY', S.ESME_RINVEXPIRY, 'reject'],
    ['ESME_RINVOPTPARAMVAL', S.ESME_RINVOPTPARAMVAL, 'reject'],
    ['ESME_RQUERYFAIL (spec-named, not in the table)', S.ESME_RQUERYFAIL, 'reject'],
  ])('%s → %s', (_name, status, expected) => {
    expect(classifySubmitStatus(status)).toBe(expected);
  });
});

describe('classifySubmitStatus: operator overrides', () => {
  it('accepts decimal, hex and spec-name keys', () => {
    const overrides: Record<string, SubmitClass> = {
      '1025': 'reject',
      '0x58': 'retry',
      ESME_RINVDSTADR: 'retry',
    };
    expect(classifySubmitStatus(0x401, overrides)).toBe('reject');
    expect(classifySubmitStatus(S.ESME_RTHROTTLED, overrides)).toBe('retry');
    expect(classifySubmitStatus(S.ESME_RINVDSTADR, overrides)).toBe('retry');
    expect(classifySubmitStatus(S.ESME_RMSGQFUL, overrides)).toBe('throttle');
  });

  it('can declare a vendor status a throttle', () => {
    expect(classifySubmitStatus(0x442, { '0x442': 'throttle' })).toBe('throttle');
  });
});

describe('classifySubmitStatus: generic_nack (§4.3)', () => {
  it('is a retry whatever its status, unless it says throttled', () => {
    expect(classifySubmitStatus(S.ESME_RINVCMDLEN, undefined, { genericNack: true })).toBe('retry');
    expect(classifySubmitStatus(S.ESME_RINVDSTADR, undefined, { genericNack: true })).toBe('retry');
    expect(classifySubmitStatus(0, undefined, { genericNack: true })).toBe('retry');
    expect(classifySubmitStatus(S.ESME_RTHROTTLED, undefined, { genericNack: true })).toBe('throttle');
  });
});
