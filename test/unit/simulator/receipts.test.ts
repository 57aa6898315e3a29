// Receipt text (SMPP 3.4 Appendix B), its TLVs, and which registered_delivery values ask for one.
import { describe, expect, it } from 'vitest';
import { decodePdu, encodePdu, TlvTag, tlvCString, tlvUint, type Pdu } from '../../../src/smpp/pdu/index.js';
import {
  buildReceiptPdu,
  formatReceiptDate,
  formatReceiptText,
  parseReceiptText,
  receiptPreview,
  receiptRequested,
  RECEIPT_STATS,
  messageStateOf,
} from '../../../src/simulator/receipts.js';

const at = Date.UTC(2025, 0, 31, 23, 59, 30);

describe('receipt text', () => {
  it('formats the Appendix B fields with YYMMDDhhmm dates in UTC', () => {
    expect(formatReceiptDate(at)).toBe('2501312359');
    expect(
      formatReceiptText({
        messageId: '5f3a1b2c',
        stat: 'DELIVRD',
        submitDate: at,
        doneDate: at + 60_000,
        errorCode: 0,
        text: 'Bonjour',
      }),
    ).toBe(
      'id:5f3a1b2c sub:001 dlvrd:001 submit date:2501312359 done date:2502010000 stat:DELIVRD err:000 text:Bonjour',
    );
    expect(
      formatReceiptText({
        messageId: '42',
        stat: 'UNDELIV',
        submitDate: at,
        doneDate: at,
        errorCode: 1,
        text: '',
      }),
    ).toBe('id:42 sub:001 dlvrd:000 submit date:2501312359 done date:2501312359 stat:UNDELIV err:001 text:');
  });

  it('parses back what it formats, for every stat', () => {
    for (const stat of RECEIPT_STATS) {
      const text = formatReceiptText({
        messageId: 'abc',
        stat,
        submitDate: at,
        doneDate: at,
        errorCode: 7,
        text: 'a b:c',
      });
      expect(parseReceiptText(text)).toEqual({
        id: 'abc',
        sub: '001',
        dlvrd: stat === 'DELIVRD' ? '001' : '000',
        submitDate: '2501312359',
        doneDate: '2501312359',
        stat,
        err: '007',
        text: 'a b:c',
      });
    }
    expect(parseReceiptText('not a receipt')).toBeUndefined();
  });

  it('previews the first 20 characters: UDH skipped, UCS-2 decoded, non-ASCII as ?', () => {
    expect(receiptPreview(Buffer.from('0123456789abcdefghijKLMN'), 0, 0)).toBe('0123456789abcdefghij');
    const udh = Buffer.from([5, 0, 3, 1, 2, 1]);
    expect(receiptPreview(Buffer.concat([udh, Buffer.from('part one')]), 0, 0x40)).toBe('part one');
    const ucs2 = Buffer.from('Café €5', 'utf16le').swap16();
    expect(receiptPreview(ucs2, 8, 0)).toBe('Caf? ?5');
    expect(receiptPreview(Buffer.from('line\nbreak'), 0, 0)).toBe('line?break');
  });
});

describe('registered_delivery (§5.2.17)', () => {
  it('1: always; 2: failures only; 3: successes only (SMPP 5.0); 0: never', () => {
    expect(receiptRequested(0x01, 'DELIVRD')).toBe(true);
    expect(receiptRequested(0x01, 'UNDELIV')).toBe(true);
    expect(receiptRequested(0x02, 'DELIVRD')).toBe(false);
    expect(receiptRequested(0x02, 'EXPIRED')).toBe(true);
    expect(receiptRequested(0x03, 'DELIVRD')).toBe(true);
    expect(receiptRequested(0x03, 'REJECTD')).toBe(false);
    expect(receiptRequested(0x00, 'DELIVRD')).toBe(false);
    // Upper bits (intermediate notification, SME ack) do not change the receipt request.
    expect(receiptRequested(0x11, 'DELIVRD')).toBe(true);
  });
});

describe('receipt PDU', () => {
  it('swaps the addresses, sets esm_class 0x04 and carries both TLVs; survives encode/decode', () => {
    const pdu = buildReceiptPdu(
      {
        sourceAddrTon: 5,
        sourceAddrNpi: 0,
        sourceAddr: 'ACME',
        destAddrTon: 1,
        destAddrNpi: 1,
        destinationAddr: '33612345678',
        shortMessage: Buffer.from('Votre code est 123456'),
        dataCoding: 0,
        esmClass: 0,
        receivedAt: at,
      },
      '1a2b3c4d',
      'REJECTD',
      { doneDate: at },
    );
    pdu.sequenceNumber = 9;
    const back = decodePdu(encodePdu(pdu)) as Pdu<'deliver_sm'>;
    expect(back.body).toMatchObject({
      sourceAddr: '33612345678',
      sourceAddrTon: 1,
      destinationAddr: 'ACME',
      destAddrTon: 5,
      esmClass: 0x04,
      dataCoding: 0,
    });
    expect(back.body.shortMessage.toString()).toBe(
      'id:1a2b3c4d sub:001 dlvrd:000 submit date:2501312359 done date:2501312359 stat:REJECTD err:002 text:Votre code est 12345',
    );
    expect(tlvCString(back.tlvs, TlvTag.receipted_message_id)).toBe('1a2b3c4d');
    expect(tlvUint(back.tlvs, TlvTag.message_state)).toBe(8);
  });

  it('maps every stat to its §5.2.28 message_state', () => {
    expect(RECEIPT_STATS.map((s) => [s, messageStateOf(s)])).toEqual([
      ['DELIVRD', 2],
      ['UNDELIV', 5],
      ['REJECTD', 8],
      ['EXPIRED', 3],
      ['DELETED', 4],
      ['UNKNOWN', 7],
      ['ACCEPTD', 6],
      ['ENROUTE', 1],
    ]);
  });
});
