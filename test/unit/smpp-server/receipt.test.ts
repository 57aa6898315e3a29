// What a platform is told: the state → stat/message_state table and the receipt text of SPEC §4.
import { describe, expect, it } from 'vitest';
import {
  formatReceiptText,
  platformStatOf,
  type PlatformMessageStatus,
} from '../../../src/smpp-server/index.js';
import { receiptDeliverSm } from '../../../src/smpp-server/outbound-pdu.js';
import { TlvTag, tlvCString, tlvUint } from '../../../src/smpp/pdu/index.js';

const at = (iso: string) => Date.parse(iso);

describe('platformStatOf', () => {
  it.each<[PlatformMessageStatus, string, number, boolean]>([
    [{ state: 'confirmed' }, 'DELIVRD', 2, true],
    [{ state: 'error', errorStage: 'receipt', errorCode: 'UNDELIV' }, 'UNDELIV', 5, true],
    [{ state: 'error', errorStage: 'receipt', errorCode: 'REJECTD' }, 'REJECTD', 8, true],
    [{ state: 'error', errorStage: 'receipt', errorCode: 'DELETED' }, 'DELETED', 4, true],
    [{ state: 'error', errorStage: 'receipt', errorCode: 'SOMETHING' }, 'UNDELIV', 5, true],
    [{ state: 'error', errorStage: 'policy', errorCode: 'OPTED_OUT' }, 'REJECTD', 8, true],
    [{ state: 'error', errorStage: 'policy', errorCode: 'PARTS_MISSING' }, 'REJECTD', 8, true],
    [{ state: 'error', errorStage: 'policy', errorCode: 'EXPIRED' }, 'EXPIRED', 3, true],
    [{ state: 'error', errorStage: 'receipt', errorCode: 'EXPIRED' }, 'EXPIRED', 3, true],
    [{ state: 'error', errorStage: 'submit', errorCode: 'ESME_RINVDSTADR' }, 'UNDELIV', 5, true],
    [{ state: 'cancelled' }, 'DELETED', 4, true],
    [{ state: 'delivered', unconfirmed: true }, 'UNKNOWN', 7, true],
    [{ state: 'delivered' }, 'ENROUTE', 1, false],
    [{ state: 'queued' }, 'ENROUTE', 1, false],
    [{ state: 'scheduled' }, 'ENROUTE', 1, false],
    [{ state: 'sending' }, 'ENROUTE', 1, false],
  ])('%j → %s (%i)', (status, stat, messageState, final) => {
    expect(platformStatOf(status)).toMatchObject({ stat, messageState, final });
  });

  it("passes the operator's err: on, padded to three digits, and 000 for anything else", () => {
    expect(
      platformStatOf({ state: 'error', errorStage: 'receipt', errorCode: 'UNDELIV', networkError: '34' }).err,
    ).toBe('034');
    expect(platformStatOf({ state: 'confirmed', networkError: 'x1' }).err).toBe('000');
    expect(platformStatOf({ state: 'confirmed' }).err).toBe('000');
  });
});

describe('formatReceiptText', () => {
  it('is the SPEC form, dates in UTC, the first 20 characters of the text', () => {
    const text = formatReceiptText({
      messageId: '01JABCDEFGHJKMNPQRSTVWXYZ0',
      stat: platformStatOf({ state: 'confirmed' }),
      submitAt: at('2026-03-09T08:07:00Z'),
      doneAt: at('2026-03-09T08:09:59Z'),
      textStart: 'Your code is 123456, valid 10 minutes',
    });
    expect(text).toBe(
      'id:01JABCDEFGHJKMNPQRSTVWXYZ0 sub:001 dlvrd:001 submit date:2603090807 done date:2603090809 ' +
        'stat:DELIVRD err:000 text:Your code is 123456,',
    );
  });

  it('counts dlvrd 000 for a failure and shows characters outside the ASCII/GSM-7 common set as "?"', () => {
    const text = formatReceiptText({
      messageId: 'X',
      stat: platformStatOf({ state: 'error', errorStage: 'policy', errorCode: 'OPTED_OUT' }),
      submitAt: at('2026-12-31T23:59:00Z'),
      doneAt: at('2027-01-01T00:00:00Z'),
      textStart: 'Soldes @ 50% _ €5 été', // 21 characters: the last is cut
    });
    expect(text).toBe(
      'id:X sub:001 dlvrd:000 submit date:2612312359 done date:2701010000 stat:REJECTD err:000 text:Soldes ? 50% ? ?5 ?t',
    );
  });

  it('cuts at 20 characters, not 20 UTF-16 units', () => {
    const text = formatReceiptText({
      messageId: 'X',
      stat: platformStatOf({ state: 'confirmed' }),
      submitAt: 0,
      doneAt: 0,
      textStart: '😀'.repeat(25),
    });
    expect(text.endsWith(`text:${'?'.repeat(20)}`)).toBe(true);
  });
});

describe('receiptDeliverSm', () => {
  it('is a deliver_sm from the recipient to the sender, esm_class 0x04, with receipted_message_id and message_state', () => {
    const pdu = receiptDeliverSm({
      kind: 'receipt',
      messageId: 'ABC123',
      to: '+33612345678',
      from: 'ACME',
      status: { state: 'cancelled' },
      submitAt: 0,
      doneAt: 0,
      textStart: 'hello',
    });
    expect(pdu.body).toMatchObject({
      sourceAddrTon: 1,
      sourceAddr: '33612345678',
      destAddrTon: 5,
      destinationAddr: 'ACME',
      esmClass: 0x04,
      dataCoding: 0,
    });
    expect(pdu.body.shortMessage.toString('latin1')).toContain('stat:DELETED');
    expect(tlvCString(pdu.tlvs, TlvTag.receipted_message_id)).toBe('ABC123');
    expect(tlvUint(pdu.tlvs, TlvTag.message_state)).toBe(4);
  });
});
