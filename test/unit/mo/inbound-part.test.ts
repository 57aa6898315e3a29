// Issue 7: decoding one MO part and its concatenation (UDH 8/16-bit, SAR TLVs).
import { describe, expect, it } from 'vitest';
import { decodeInbound } from '../../../src/mo/index.js';
import { TlvTag, uint16Tlv, uint8Tlv } from '../../../src/smpp/pdu/index.js';
import type { InboundDeliver } from '../../../src/smpp/types.js';

function deliver(overrides: Partial<InboundDeliver>): InboundDeliver {
  return {
    operatorId: 'sim',
    bindId: 'sim#0',
    command: 'deliver_sm',
    sourceAddr: '33612345678',
    sourceAddrTon: 1,
    sourceAddrNpi: 1,
    destinationAddr: '36180',
    esmClass: 0,
    dataCoding: 0,
    shortMessage: Buffer.from('Hello', 'latin1'),
    registeredDelivery: 0,
    tlvs: [],
    receivedAt: 1_700_000_000_000,
    ...overrides,
  };
}

describe('decodeInbound', () => {
  it('decodes a plain GSM-7 part without concatenation', () => {
    const part = decodeInbound(deliver({}));
    expect(part).toMatchObject({ text: 'Hello', encoding: 'gsm7', from: '33612345678', to: '36180' });
    expect(part.concat).toBeUndefined();
  });

  it('reads an 8-bit UDH reference', () => {
    const udh = Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x03, 0x02]);
    const part = decodeInbound(
      deliver({ esmClass: 0x40, shortMessage: Buffer.concat([udh, Buffer.from('abc')]) }),
    );
    expect(part.text).toBe('abc');
    expect(part.concat).toEqual({ reference: 0x2a, total: 3, sequence: 2, via: 'udh8' });
    expect(part.userData.toString('latin1')).toBe('abc');
  });

  it('reads a 16-bit UDH reference', () => {
    const udh = Buffer.from([0x06, 0x08, 0x04, 0x12, 0x34, 0x02, 0x01]);
    const part = decodeInbound(
      deliver({ esmClass: 0x40, shortMessage: Buffer.concat([udh, Buffer.from('xy')]) }),
    );
    expect(part.concat).toEqual({ reference: 0x1234, total: 2, sequence: 1, via: 'udh16' });
  });

  it('reads the SAR TLVs', () => {
    const part = decodeInbound(
      deliver({
        tlvs: [
          uint16Tlv(TlvTag.sar_msg_ref_num, 777),
          uint8Tlv(TlvTag.sar_total_segments, 2),
          uint8Tlv(TlvTag.sar_segment_seqnum, 2),
        ],
      }),
    );
    expect(part.concat).toEqual({ reference: 777, total: 2, sequence: 2, via: 'sar' });
  });

  it('treats a one-part concatenation as a single message', () => {
    const udh = Buffer.from([0x05, 0x00, 0x03, 0x01, 0x01, 0x01]);
    const part = decodeInbound(
      deliver({ esmClass: 0x40, shortMessage: Buffer.concat([udh, Buffer.from('x')]) }),
    );
    expect(part.concat).toBeUndefined();
  });

  it('keeps undecodable octets as a message with empty text and the reason, rather than refusing it', () => {
    const part = decodeInbound(deliver({ dataCoding: 8, shortMessage: Buffer.from([0x00, 0x41, 0x00]) }));
    expect(part.text).toBe('');
    expect(part.decodeError).toMatch(/odd length/);
  });

  it('gives the same digest to the same octets (a resent part) and another to other octets', () => {
    expect(decodeInbound(deliver({})).digest).toBe(decodeInbound(deliver({ receivedAt: 1 })).digest);
    expect(decodeInbound(deliver({})).digest).not.toBe(
      decodeInbound(deliver({ shortMessage: Buffer.from('Hellp') })).digest,
    );
  });
});
