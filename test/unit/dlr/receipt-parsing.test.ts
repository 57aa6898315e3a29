import { describe, expect, it } from 'vitest';
import { isDeliveryReceipt, parseReceipt } from '../../../src/dlr/index.js';
import { smscIdForms } from '../../../src/store/index.js';
import { cstringTlv, TlvTag, uint8Tlv } from '../../../src/smpp/index.js';

const text = (s: string) => ({ shortMessage: Buffer.from(s, 'latin1'), tlvs: [] });

describe('receipt parsing', () => {
  it('reads the standard text form', () => {
    expect(
      parseReceipt(
        text(
          'id:0A1B2C3D sub:001 dlvrd:001 submit date:2611220830 done date:2611220831 stat:DELIVRD err:000 text:Bonjour',
        ),
      ),
    ).toEqual({
      messageId: '0A1B2C3D',
      stat: 'DELIVRD',
      err: '000',
      submitDate: '2611220830',
      doneDate: '2611220831',
      text: 'Bonjour',
    });
  });

  it('is tolerant of case, spacing, missing fields and 12-digit dates', () => {
    const r = parseReceipt(
      text('ID: 123  Sub:1 DLVRD:0 Submit Date:261122083000 Done date:261122083100 Stat:undeliv'),
    );
    expect(r).toMatchObject({
      messageId: '123',
      stat: 'UNDELIV',
      err: '',
      submitDate: '261122083000',
      doneDate: '261122083100',
    });
    expect(parseReceipt(text('id:9 stat:DELIVERED'))?.stat).toBe('DELIVRD');
    expect(parseReceipt(text('id:9 stat:ENROUTE'))?.stat).toBe('ENROUTE');
  });

  it('prefers receipted_message_id and message_state TLVs over the text', () => {
    const r = parseReceipt({
      shortMessage: Buffer.from('id:WRONG stat:DELIVRD err:000'),
      tlvs: [cstringTlv(TlvTag.receipted_message_id, 'abc123'), uint8Tlv(TlvTag.message_state, 5)],
    });
    expect(r).toMatchObject({ messageId: 'abc123', stat: 'UNDELIV', err: '000' });
  });

  it('reads a receipt from TLVs alone, and gives undefined when nothing identifies it', () => {
    expect(
      parseReceipt({
        shortMessage: Buffer.alloc(0),
        tlvs: [cstringTlv(TlvTag.receipted_message_id, '77'), uint8Tlv(TlvTag.message_state, 2)],
      }),
    ).toEqual({
      messageId: '77',
      stat: 'DELIVRD',
      err: '',
    });
    expect(parseReceipt(text('hello there'))).toBeUndefined();
    expect(parseReceipt(text('id:12 stat:WHATEVER'))).toBeUndefined();
  });

  it('recognises receipts by esm_class message type (§5.2.12)', () => {
    expect(isDeliveryReceipt(0x04)).toBe(true);
    expect(isDeliveryReceipt(0x44)).toBe(true);
    expect(isDeliveryReceipt(0x20)).toBe(true);
    expect(isDeliveryReceipt(0x00)).toBe(false);
    expect(isDeliveryReceipt(0x40)).toBe(false);
  });
});

describe('SMSC message id forms', () => {
  const shares = (a: string, b: string, format: 'auto' | 'hex' | 'decimal' | 'string' = 'auto') =>
    smscIdForms(a, format).some((f) => smscIdForms(b, format).includes(f));

  it('auto matches hex against decimal in both directions', () => {
    expect(shares('0A1B', '2587')).toBe(true); // 0x0a1b = 2587
    expect(shares('2587', 'a1b')).toBe(true);
    expect(shares('5f3a1b2c', String(0x5f3a1b2c))).toBe(true);
  });

  it('auto ignores leading zeros and case', () => {
    expect(shares('000A1B', 'a1b')).toBe(true);
    expect(shares('0000123', '123')).toBe(true);
    expect(shares('ABCDEF', 'abcdef')).toBe(true);
  });

  it('auto keeps unrelated ids apart, and string ids exact', () => {
    expect(shares('a1b', 'a1c')).toBe(false);
    expect(shares('msg-42-x', 'msg-42-x')).toBe(true);
    expect(shares('msg-42-x', 'MSG-42-Y')).toBe(false);
  });

  it('pinned formats do only what they say', () => {
    expect(shares('0A1B', 'a1b', 'hex')).toBe(true);
    expect(shares('0A1B', '2587', 'hex')).toBe(false);
    expect(shares('007', '7', 'decimal')).toBe(true);
    expect(shares('Abc', 'abc', 'string')).toBe(false);
  });
});
