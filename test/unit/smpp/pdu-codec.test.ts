import { describe, expect, it } from 'vitest';
import {
  CommandStatus,
  decodePdu,
  encodePdu,
  FrameReader,
  makePdu,
  PduError,
  TlvTag,
  tlvCString,
  tlvUint,
  cstringTlv,
  uint8Tlv,
  commandStatusName,
  parseCommandStatus,
} from '../../../src/smpp/pdu/index.js';
import { bodyFields, type CommandName, type FieldSpec } from '../../../src/smpp/pdu/commands.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('PDU codec (SMPP 3.4 byte layouts)', () => {
  it('encodes enquire_link as a bare 16-octet header (§4.11.1)', () => {
    const bytes = encodePdu(makePdu('enquire_link', {}, { sequenceNumber: 7 }));
    expect(bytes.toString('hex')).toBe('00000010' + '00000015' + '00000000' + '00000007');
  });

  it('encodes bind_transceiver with C-octet strings and version 0x34 (§4.1.5)', () => {
    const pdu = makePdu(
      'bind_transceiver',
      { systemId: 'gw', password: 'pw', systemType: '', interfaceVersion: 0x34 },
      { sequenceNumber: 1 },
    );
    expect(encodePdu(pdu).toString('hex')).toBe(
      '0000001b' +
        '00000009' +
        '00000000' +
        '00000001' +
        '677700' +
        '707700' +
        '00' +
        '34' +
        '00' +
        '00' +
        '00',
    );
  });

  it('encodes submit_sm with raw short_message octets and a TLV', () => {
    const pdu = makePdu(
      'submit_sm',
      {
        sourceAddrTon: 5,
        sourceAddr: 'ACME',
        destAddrTon: 1,
        destAddrNpi: 1,
        destinationAddr: '33612345678',
        registeredDelivery: 1,
        dataCoding: 8,
        shortMessage: Buffer.from([0x00, 0xe9]),
      },
      { sequenceNumber: 2, tlvs: [uint8Tlv(TlvTag.sar_total_segments, 2)] },
    );
    const bytes = encodePdu(pdu);
    expect(bytes.toString('hex')).toBe(
      '00000037' + // length 55
        '00000004' +
        '00000000' +
        '00000002' +
        '00' + // service_type
        '05' +
        '00' +
        '41434d4500' +
        '01' +
        '01' +
        '333336313233343536373800' +
        '00' + // esm_class
        '00' +
        '00' +
        '00' + // schedule
        '00' + // validity
        '01' +
        '00' +
        '08' +
        '00' +
        '02' +
        '00e9' +
        '020e0001' +
        '02',
    );
    const back = decodePdu(bytes);
    expect(back).toEqual(pdu);
  });

  it('decodes a submit_sm_resp with message id, and one with an error status and no body', () => {
    const ok = decodePdu(hex('00000018 80000004 00000000 00000009 6162636465663000'));
    expect(ok.command).toBe('submit_sm_resp');
    if (ok.command !== 'submit_sm_resp') throw new Error('type');
    expect(ok.body.messageId).toBe('abcdef0');
    const err = decodePdu(hex('00000010 80000004 00000058 0000000a'));
    expect(err.command).toBe('submit_sm_resp');
    expect(err.commandStatus).toBe(CommandStatus.ESME_RTHROTTLED);
    if (err.command !== 'submit_sm_resp') throw new Error('type');
    expect(err.body.messageId).toBe('');
  });

  it('returns an UnknownPdu for a command id outside SMPP 3.4, so the session can generic_nack it', () => {
    const pdu = decodePdu(hex('00000010 000000ff 00000000 0000002a'));
    expect(pdu).toEqual({ command: 'unknown', commandId: 0xff, commandStatus: 0, sequenceNumber: 42 });
  });

  it('reports a truncated short_message as a recoverable error carrying the sequence number', () => {
    const good = encodePdu(
      makePdu('deliver_sm', { shortMessage: Buffer.from('hello') }, { sequenceNumber: 5 }),
    );
    // Claim sm_length 200 while only 5 octets follow.
    const bad = Buffer.from(good);
    bad[bad.length - 6] = 200;
    try {
      decodePdu(bad);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PduError);
      const e = error as PduError;
      expect(e.recoverable).toBe(true);
      expect(e.sequenceNumber).toBe(5);
      expect(e.status).toBe(CommandStatus.ESME_RINVMSGLEN);
    }
  });

  it('reports a TLV running past the end as recoverable', () => {
    const bytes = encodePdu(makePdu('deliver_sm', {}, { sequenceNumber: 3, tlvs: [cstringTlv(0x1e, 'ab')] }));
    const bad = Buffer.from(bytes);
    bad.writeUInt16BE(50, bad.length - 5);
    expect(() => decodePdu(bad)).toThrowError(/TLV 0x001e length 50/);
  });

  it('reads receipt TLVs', () => {
    const pdu = makePdu(
      'deliver_sm',
      {},
      {
        tlvs: [cstringTlv(TlvTag.receipted_message_id, '0A1B'), uint8Tlv(TlvTag.message_state, 2)],
      },
    );
    const back = decodePdu(encodePdu(pdu));
    expect(tlvCString(back.command === 'deliver_sm' ? back.tlvs : [], TlvTag.receipted_message_id)).toBe(
      '0A1B',
    );
    expect(tlvUint(back.command === 'deliver_sm' ? back.tlvs : [], TlvTag.message_state)).toBe(2);
  });

  it('refuses to encode a short_message over 254 octets or a too-long C-string', () => {
    expect(() => encodePdu(makePdu('submit_sm', { shortMessage: Buffer.alloc(255) }))).toThrowError(
      /message_payload/,
    );
    expect(() => encodePdu(makePdu('bind_transmitter', { systemId: 'x'.repeat(16) }))).toThrowError(
      /at most 15/,
    );
  });
});

describe('encodePdu in one buffer', () => {
  // Every command, every field at its largest and at its default, a TLV: decoded back to what was encoded,
  // each C-string as Buffer.from(text, 'latin1') writes it (the single-buffer encoder writes them by hand).
  const fill = (spec: FieldSpec, i: number): string | number | Buffer =>
    spec.type === 'uint8'
      ? (37 * (i + 1)) % 256
      : spec.type === 'cstring'
        ? 'Zoé-0123456789abcdefghijklmnopqrstuvwxyz'.repeat(3).slice(0, spec.max - 1)
        : Buffer.from(Array.from({ length: 254 }, (_, j) => (j * 7 + i) % 256));
  for (const command of Object.keys(bodyFields) as CommandName[]) {
    it(`${command}: round trip, full fields and defaults`, () => {
      const fields = bodyFields[command];
      const full = Object.fromEntries(fields.map((f, i) => [f.name, fill(f, i)]));
      const tlvs = [cstringTlv(TlvTag.receipted_message_id, 'abc')];
      const pdu = makePdu(command, full as never, { sequenceNumber: 0x7fffff01, tlvs });
      const frame = encodePdu(pdu);
      expect(frame.readUInt32BE(0)).toBe(frame.length);
      const back = decodePdu(frame) as unknown as { body: Record<string, unknown>; tlvs: unknown };
      for (const f of fields) {
        const sent = full[f.name];
        const got = back.body[f.name];
        if (f.type === 'cstring')
          expect(Buffer.from(got as string, 'latin1')).toEqual(Buffer.from(sent as string, 'latin1'));
        else expect(got, f.name).toEqual(sent);
      }
      expect(back.tlvs).toEqual(tlvs);
      const empty = encodePdu(makePdu(command, {} as never, { sequenceNumber: 2 }));
      // Every field empty: one octet each (0 for an octet, the NUL of a C-string, sm_length 0).
      const minimal = 16 + fields.length;
      expect(empty.length).toBe(minimal);
      expect([...empty.subarray(16)]).toEqual(new Array(minimal - 16).fill(0));
    });
  }
});

describe('FrameReader', () => {
  const frame = encodePdu(makePdu('enquire_link', {}, { sequenceNumber: 1 }));

  it('yields whole PDUs only, across arbitrary chunk boundaries', () => {
    const reader = new FrameReader();
    const stream = Buffer.concat([frame, frame, frame]);
    const got: Buffer[] = [];
    for (let i = 0; i < stream.length; i += 5) got.push(...reader.push(stream.subarray(i, i + 5)));
    expect(got).toHaveLength(3);
    expect(reader.buffered).toBe(0);
  });

  it('throws an unrecoverable error on an impossible command_length', () => {
    const reader = new FrameReader(1000);
    expect(() => reader.push(hex('00000004 00000015'))).toThrowError(PduError);
    try {
      reader.push(hex('0000ffff 00000015 00000000 00000001'));
    } catch (error) {
      expect((error as PduError).recoverable).toBe(false);
      return;
    }
    expect.unreachable();
  });
});

describe('command_status names', () => {
  it('names spec statuses and formats vendor ones', () => {
    expect(commandStatusName(0x58)).toBe('ESME_RTHROTTLED');
    expect(commandStatusName(0x401)).toBe('0x00000401');
    expect(parseCommandStatus('ESME_RMSGQFUL')).toBe(0x14);
    expect(parseCommandStatus('0x58')).toBe(0x58);
    expect(parseCommandStatus('nope')).toBeUndefined();
  });
});
