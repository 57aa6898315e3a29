import { describe, expect, it } from 'vitest';
import { isDeliveryReceipt, normaliseStat, parseReceipt } from '../../../src/dlr/index.js';
import { smscIdForms } from '../../../src/store/index.js';
import { cstringTlv, TlvTag, uint8Tlv, type Tlv } from '../../../src/smpp/index.js';

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
    expect(isDeliveryReceipt(0x08)).toBe(true); // SME delivery acknowledgement
    expect(isDeliveryReceipt(0x10)).toBe(true); // SME manual/user acknowledgement
    expect(isDeliveryReceipt(0x20)).toBe(true);
    expect(isDeliveryReceipt(0x18)).toBe(false); // two type bits: no such type
    expect(isDeliveryReceipt(0x00)).toBe(false);
    expect(isDeliveryReceipt(0x40)).toBe(false);
  });
});

// Cases found by the mutation run (npm run test:mutation): each kills mutants of src/dlr/receipt.ts that
// the tests above let live.
describe('receipt parsing, the edges', () => {
  const networkError = (code: number, length = 3): Tlv => {
    const value = Buffer.alloc(length);
    if (length === 3) value.writeUInt16BE(code, 1);
    return { tag: TlvTag.network_error_code, value };
  };

  it('reads stat words with spaces around them and in any case', () => {
    expect(normaliseStat(' delivrd ')).toBe('DELIVRD');
    expect(normaliseStat('Failed')).toBe('UNDELIV');
    expect(normaliseStat('nope')).toBeUndefined();
  });

  it('reads message_payload when short_message is empty, short_message when both are there', () => {
    const payload = { tag: TlvTag.message_payload, value: Buffer.from('id:P1 stat:DELIVRD', 'latin1') };
    expect(parseReceipt({ shortMessage: Buffer.alloc(0), tlvs: [payload] })?.messageId).toBe('P1');
    expect(parseReceipt({ shortMessage: Buffer.from('id:S1 stat:EXPIRED'), tlvs: [payload] })).toMatchObject({
      messageId: 'S1',
      stat: 'EXPIRED',
    });
  });

  it('trims receipted_message_id, and falls back to the text id when it is blank', () => {
    const body = Buffer.from('id:T9 stat:DELIVRD');
    expect(
      parseReceipt({ shortMessage: body, tlvs: [cstringTlv(TlvTag.receipted_message_id, ' ab12 ')] })
        ?.messageId,
    ).toBe('ab12');
    expect(
      parseReceipt({ shortMessage: body, tlvs: [cstringTlv(TlvTag.receipted_message_id, '   ')] })?.messageId,
    ).toBe('T9');
  });

  it('falls back to the text stat when message_state is a value SMPP does not define', () => {
    const r = parseReceipt({
      shortMessage: Buffer.from('id:1 stat:REJECTD'),
      tlvs: [uint8Tlv(TlvTag.message_state, 99)],
    });
    expect(r?.stat).toBe('REJECTD');
  });

  it('takes err from network_error_code (3 octets) only when the text has none', () => {
    const body = (s: string) => Buffer.from(s, 'latin1');
    expect(parseReceipt({ shortMessage: body('id:1 stat:UNDELIV'), tlvs: [networkError(34)] })?.err).toBe(
      '34',
    );
    expect(
      parseReceipt({ shortMessage: body('id:1 stat:UNDELIV err:007'), tlvs: [networkError(34)] })?.err,
    ).toBe('007');
    expect(parseReceipt({ shortMessage: body('id:1 stat:UNDELIV'), tlvs: [networkError(34, 2)] })?.err).toBe(
      '',
    );
  });

  it('has no date or text fields when the receipt has none, and reads text from the start or across lines', () => {
    expect(parseReceipt(text('id:1 stat:DELIVRD err:000'))).toEqual({
      messageId: '1',
      stat: 'DELIVRD',
      err: '000',
    });
    expect(parseReceipt(text('id:1 stat:DELIVRD submit date:26112208 text:x'))).not.toHaveProperty(
      'submitDate',
    );
    expect(parseReceipt(text('text:first id:2 stat:DELIVRD'))?.text).toBe('first id:2 stat:DELIVRD');
    expect(parseReceipt(text('id:3 stat:DELIVRD text :two\nlines'))?.text).toBe('two\nlines');
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
