// submit_sm → what the ingress gets: addresses, senders, concatenation by UDH or SAR, times, refusals.
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../../src/config/index.js';
import { encodeGsm7 } from '../../../src/codec/index.js';
import {
  commandStatusName,
  makePdu,
  TlvTag,
  uint16Tlv,
  uint8Tlv,
  type BodyByCommand,
  type Tlv,
} from '../../../src/smpp/pdu/index.js';
import { RequestRefusedError } from '../../../src/smpp-server/index.js';
import { matchSender, readSubmit } from '../../../src/smpp-server/submit-reader.js';

const config = buildConfig({
  operators: [{ id: 'sim', host: '127.0.0.1', port: 2775, systemId: 'gw', password: 'x' }],
  accounts: [
    { id: 'acme', smpp: { systemId: 'acme', password: 'pw' }, senders: ['ACME', '36180', '+33700000001'] },
  ],
});
const account = config.accounts[0]!;
const now = Date.parse('2026-01-31T10:00:00Z');

function submit(body: Partial<BodyByCommand['submit_sm']>, tlvs: Tlv[] = []) {
  return makePdu(
    'submit_sm',
    {
      sourceAddr: 'ACME',
      destAddrTon: 1,
      destinationAddr: '33612345678',
      shortMessage: Buffer.from('hi'),
      ...body,
    },
    { tlvs },
  );
}

function refusal(body: Partial<BodyByCommand['submit_sm']>, tlvs: Tlv[] = []): string {
  try {
    readSubmit(submit(body, tlvs), account, now);
  } catch (error) {
    if (error instanceof RequestRefusedError) return commandStatusName(error.status);
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('readSubmit', () => {
  it('a plain message: E.164 destination, the sender as configured, the text', () => {
    expect(readSubmit(submit({ registeredDelivery: 1 }), account, now)).toMatchObject({
      to: '+33612345678',
      from: 'ACME',
      text: 'hi',
      registeredDelivery: 1,
    });
  });

  it.each([
    [0, '+33612345678'],
    [0, '0033612345678'],
    [1, '33612345678'],
  ])('destination TON %i %s → +33612345678', (ton, addr) => {
    expect(readSubmit(submit({ destAddrTon: ton, destinationAddr: addr }), account, now).to).toBe(
      '+33612345678',
    );
  });

  it('refuses what is not an international number', () => {
    expect(refusal({ destAddrTon: 2, destinationAddr: '0612345678' })).toBe('ESME_RINVDSTTON');
    expect(refusal({ destinationAddr: 'ACME' })).toBe('ESME_RINVDSTADR');
    expect(refusal({ destinationAddr: '' })).toBe('ESME_RINVDSTADR');
  });

  it('a sender the account does not own: ESME_RINVSRCADR; numeric senders match with or without +', () => {
    expect(refusal({ sourceAddr: 'OTHER' })).toBe('ESME_RINVSRCADR');
    expect(refusal({ sourceAddr: '' })).toBe('ESME_RINVSRCADR');
    expect(matchSender(account.senders, '33700000001')).toBe('+33700000001');
    expect(matchSender(account.senders, '+36180')).toBe('36180');
    expect(matchSender(account.senders, 'acme')).toBeUndefined();
  });

  it('message_payload carries the text; both it and short_message: ESME_RINVMSGLEN', () => {
    const long = 'x'.repeat(400);
    const payload: Tlv = { tag: TlvTag.message_payload, value: Buffer.from(long) };
    expect(readSubmit(submit({ shortMessage: Buffer.alloc(0) }, [payload]), account, now).text).toBe(long);
    expect(refusal({}, [payload])).toBe('ESME_RINVMSGLEN');
  });

  it('an empty message: ESME_RINVMSGLEN; a non-default message type: ESME_RINVESMCLASS', () => {
    expect(refusal({ shortMessage: Buffer.alloc(0) })).toBe('ESME_RINVMSGLEN');
    expect(refusal({ esmClass: 0x08 })).toBe('ESME_RINVESMCLASS');
  });

  it('a UDH IE 0x00 or 0x08 makes a part; its user data is what follows the UDH', () => {
    const udh8 = Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x03, 0x02]);
    const text = Buffer.from(encodeGsm7('part two'));
    const r8 = readSubmit(
      submit({ esmClass: 0x40, shortMessage: Buffer.concat([udh8, text]) }),
      account,
      now,
    );
    expect(r8.concat).toEqual({ via: 'udh8', reference: 0x2a, total: 3, seq: 2 });
    expect(r8.text).toBe('part two');
    const udh16 = Buffer.from([0x06, 0x08, 0x04, 0x12, 0x34, 0x02, 0x01]);
    const r16 = readSubmit(
      submit({ esmClass: 0x40, shortMessage: Buffer.concat([udh16, text]) }),
      account,
      now,
    );
    expect(r16.concat).toEqual({ via: 'udh16', reference: 0x1234, total: 2, seq: 1 });
  });

  it('a concatenation of one part is a plain message', () => {
    const udh = Buffer.from([0x05, 0x00, 0x03, 0x01, 0x01, 0x01]);
    const r = readSubmit(
      submit({ esmClass: 0x40, shortMessage: Buffer.concat([udh, Buffer.from('x')]) }),
      account,
      now,
    );
    expect(r.concat).toBeUndefined();
  });

  it('SAR TLVs make a part; an incomplete or impossible set is refused', () => {
    const sar = [
      uint16Tlv(TlvTag.sar_msg_ref_num, 513),
      uint8Tlv(TlvTag.sar_total_segments, 2),
      uint8Tlv(TlvTag.sar_segment_seqnum, 2),
    ];
    expect(readSubmit(submit({}, sar), account, now).concat).toEqual({
      via: 'sar',
      reference: 513,
      total: 2,
      seq: 2,
    });
    expect(refusal({}, sar.slice(0, 2))).toBe('ESME_RMISSINGOPTPARAM');
    expect(refusal({}, [sar[0]!, sar[1]!, uint8Tlv(TlvTag.sar_segment_seqnum, 3)])).toBe(
      'ESME_RINVOPTPARAMVAL',
    );
  });

  it('a UDH that does not fit: ESME_RINVMSGLEN; a national language shift: ESME_RINVDCS', () => {
    expect(refusal({ esmClass: 0x40, shortMessage: Buffer.from([0x09, 0x00]) })).toBe('ESME_RINVMSGLEN');
    expect(refusal({ esmClass: 0x40, shortMessage: Buffer.from([0x03, 0x24, 0x01, 0x01, 0x41]) })).toBe(
      '0x00000104',
    );
  });

  it('schedule and validity become epoch ms; a past schedule means now', () => {
    const r = readSubmit(
      submit({ scheduleDeliveryTime: '000000010000000R', validityPeriod: '000001000000000R' }),
      account,
      now,
    );
    expect(r.sendAt).toBe(now + 3_600_000);
    expect(r.validUntil).toBe(now + 86_400_000);
    expect(
      readSubmit(submit({ scheduleDeliveryTime: '250101000000000+' }), account, now).sendAt,
    ).toBeUndefined();
  });

  it('refuses unreadable times and a validity that ends before the message could go', () => {
    expect(refusal({ scheduleDeliveryTime: 'tomorrow' })).toBe('ESME_RINVSCHED');
    expect(refusal({ validityPeriod: '2601311200' })).toBe('ESME_RINVEXPIRY');
    expect(refusal({ validityPeriod: '250101000000000+' })).toBe('ESME_RINVEXPIRY');
    expect(refusal({ scheduleDeliveryTime: '000000020000000R', validityPeriod: '000000010000000R' })).toBe(
      'ESME_RINVEXPIRY',
    );
  });
});
