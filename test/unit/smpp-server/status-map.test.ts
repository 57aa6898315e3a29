// The one table from refusal codes to command_status: every code, and the fallback for codes it lacks.
import { describe, expect, it } from 'vitest';
import { commandStatusName } from '../../../src/smpp/pdu/index.js';
import {
  ESME_RINVDCS,
  REFUSAL_CODES,
  statusOfCancel,
  statusOfRefusal,
} from '../../../src/smpp-server/index.js';

describe('statusOfRefusal', () => {
  it.each([
    ['SENDER_NOT_ALLOWED', 'ESME_RINVSRCADR'],
    ['INVALID_NUMBER', 'ESME_RINVDSTADR'],
    ['NO_ROUTE', 'ESME_RINVDSTADR'],
    ['EMPTY_TEXT', 'ESME_RINVMSGLEN'],
    ['TOO_MANY_PARTS', 'ESME_RINVMSGLEN'],
    ['INVALID_SCHEDULE', 'ESME_RINVSCHED'],
    ['INVALID_VALIDITY', 'ESME_RINVEXPIRY'],
    ['RATE_LIMITED', 'ESME_RTHROTTLED'],
    ['QUEUE_FULL', 'ESME_RMSGQFUL'],
    ['INSUFFICIENT_CREDIT', 'ESME_RSUBMITFAIL'],
    ['UNAVAILABLE', 'ESME_RSYSERR'],
    ['DRAINING', 'ESME_RSYSERR'],
    ['OPTED_OUT', 'ESME_RSUBMITFAIL'],
    ['QUIET_HOURS', 'ESME_RSUBMITFAIL'],
    ['HOLIDAY', 'ESME_RSUBMITFAIL'],
    ['FREQUENCY_CAP', 'ESME_RSUBMITFAIL'],
    ['STOP_MENTION_MISSING', 'ESME_RSUBMITFAIL'],
    ['DUPLICATE', 'ESME_RSUBMITFAIL'],
  ])('%s → %s', (code, status) => {
    expect(commandStatusName(statusOfRefusal(code))).toBe(status);
  });

  it('the table above covers every code the port declares', () => {
    expect(REFUSAL_CODES).toHaveLength(18);
  });

  it('a code the table does not know is ESME_RSUBMITFAIL, also for Object.prototype names', () => {
    expect(commandStatusName(statusOfRefusal('SOMETHING_NEW'))).toBe('ESME_RSUBMITFAIL');
    expect(commandStatusName(statusOfRefusal('toString'))).toBe('ESME_RSUBMITFAIL');
  });

  it('ESME_RINVDCS has its SMPP 5.0 value', () => {
    expect(ESME_RINVDCS).toBe(0x104);
  });
});

describe('statusOfCancel', () => {
  it.each([
    [{ ok: true } as const, 'ESME_ROK'],
    [{ ok: false, code: 'NOT_FOUND' } as const, 'ESME_RCANCELFAIL'],
    [{ ok: false, code: 'NOT_CANCELLABLE' } as const, 'ESME_RCANCELFAIL'],
    [{ ok: false, code: 'UNAVAILABLE' } as const, 'ESME_RSYSERR'],
  ])('%j → %s', (outcome, status) => {
    expect(commandStatusName(statusOfCancel(outcome))).toBe(status);
  });
});
