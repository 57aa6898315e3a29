// Random and mutated SMPP PDUs, reproducible from a seed: what a broken or hostile peer sends. Each PDU
// says what it is (its kind), its sequence number, and whether it is a valid reference PDU whose fate the
// test checks exactly (an MO that must be stored, a submit that must be accepted).
import { CommandId, encodePdu, HEADER_LENGTH, makePdu, type Tlv } from '../../src/smpp/pdu/index.js';

/** mulberry32: a small seeded PRNG, enough for reproducible fuzzing. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzPdu {
  kind: string;
  bytes: Buffer;
  sequenceNumber: number;
  /** A well-formed reference PDU: its text, which the test looks for at the far end. */
  valid?: { text: string; from: string };
  /** An impossible command_length: the peer cannot find the next PDU and must close. */
  breaksFraming?: boolean;
}

/** Who sends: an SMSC to our client sessions (deliver_sm, …) or a platform to our SMPP server (submit_sm, …). */
export type FuzzSide = 'smsc' | 'platform';

const KNOWN_IDS = new Set<number>(Object.values(CommandId));

function withLength(bytes: Buffer): Buffer {
  bytes.writeUInt32BE(bytes.length, 0);
  return bytes;
}

export class PduFuzzer {
  private readonly random: () => number;
  private sequence = 10_000;
  private validCount = 0;
  readonly counts = new Map<string, number>();

  constructor(
    readonly seed: number,
    private readonly side: FuzzSide,
    private readonly options: { shortCode: string; sender: string; framingBreakRate?: number },
  ) {
    this.random = prng(seed);
  }

  private int(max: number): number {
    return Math.floor(this.random() * max);
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  private bytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.int(256)));
  }

  private nextSeq(): number {
    this.sequence += 1;
    return this.sequence;
  }

  /** A message PDU (deliver_sm from the SMSC, submit_sm from a platform) as the peer means it. */
  private message(
    seq: number,
    fields: Record<string, unknown> = {},
    tlvs: Tlv[] = [],
    command?: 'deliver_sm' | 'submit_sm' | 'data_sm',
  ): Buffer {
    const name = command ?? (this.side === 'smsc' ? 'deliver_sm' : 'submit_sm');
    const base =
      this.side === 'smsc'
        ? {
            sourceAddr: `3361${String(this.int(10_000_000)).padStart(7, '0')}`,
            sourceAddrTon: 1,
            destinationAddr: this.options.shortCode,
          }
        : {
            sourceAddr: this.options.sender,
            sourceAddrTon: 5,
            destinationAddr: `3361${String(this.int(10_000_000)).padStart(7, '0')}`,
            destAddrTon: 1,
          };
    const body =
      name === 'data_sm'
        ? { ...base, ...fields }
        : { ...base, shortMessage: Buffer.from(`mut ${seq}`, 'latin1'), ...fields };
    // The codec refuses what the spec does not allow; the fuzzer writes such fields by hand elsewhere.
    return encodePdu(makePdu(name, body as never, { sequenceNumber: seq, tlvs }));
  }

  private valid(seq: number): FuzzPdu {
    this.validCount += 1;
    const text = `fz${this.seed}-${this.validCount}`;
    const from =
      this.side === 'smsc' ? `3370${String(this.validCount).padStart(7, '0')}` : this.options.sender;
    const fields =
      this.side === 'smsc'
        ? { sourceAddr: from, sourceAddrTon: 1, destinationAddr: this.options.shortCode }
        : {
            sourceAddr: from,
            sourceAddrTon: 5,
            destinationAddr: `3370${String(this.validCount).padStart(7, '0')}`,
            destAddrTon: 1,
          };
    return {
      kind: 'valid',
      sequenceNumber: seq,
      bytes: this.message(seq, { ...fields, shortMessage: Buffer.from(text, 'latin1') }),
      valid: { text, from },
    };
  }

  /** The next PDU: about one in six a valid reference PDU, the rest one of the mutation kinds. */
  next(): FuzzPdu {
    const pdu = this.generate();
    this.counts.set(pdu.kind, (this.counts.get(pdu.kind) ?? 0) + 1);
    return pdu;
  }

  private generate(): FuzzPdu {
    const seq = this.nextSeq();
    if (this.random() < (this.options.framingBreakRate ?? 0.002)) {
      const header = Buffer.alloc(HEADER_LENGTH);
      header.writeUInt32BE(this.pick([0, 5, 15, 70_001, 0x7fffffff, 0xffffffff]), 0);
      header.writeUInt32BE(CommandId.enquire_link, 4);
      header.writeUInt32BE(seq, 12);
      return { kind: 'framing', sequenceNumber: seq, bytes: header, breaksFraming: true };
    }
    const roll = this.random();
    if (roll < 0.16) return this.valid(seq);
    const kinds = [
      'truncated',
      'random-body',
      'unknown-command',
      'unknown-tlv',
      'tlv-overrun',
      'no-nul',
      'sm-length-lies',
      'udh-lies',
      'odd-ucs2',
      'odd-dcs',
      'unexpected-response',
      'random-frame',
      'bad-address',
      'payload-and-sm',
    ] as const;
    const kind = this.pick(kinds);
    return { kind, sequenceNumber: seq, bytes: this.mutate(kind, seq) };
  }

  private mutate(kind: string, seq: number): Buffer {
    switch (kind) {
      case 'truncated': {
        const whole = this.message(
          seq,
          {},
          this.random() < 0.5 ? [{ tag: 0x0204, value: Buffer.from([0, 1]) }] : [],
        );
        const cut = HEADER_LENGTH + this.int(whole.length - HEADER_LENGTH);
        return withLength(Buffer.from(whole.subarray(0, cut)));
      }
      case 'random-body': {
        const ids =
          this.side === 'smsc'
            ? [
                CommandId.deliver_sm,
                CommandId.data_sm,
                CommandId.enquire_link,
                CommandId.alert_notification,
                CommandId.outbind,
              ]
            : [
                CommandId.submit_sm,
                CommandId.data_sm,
                CommandId.query_sm,
                CommandId.cancel_sm,
                CommandId.replace_sm,
                CommandId.submit_multi,
                CommandId.bind_transceiver,
              ];
        const header = Buffer.alloc(HEADER_LENGTH);
        header.writeUInt32BE(this.pick(ids), 4);
        header.writeUInt32BE(seq, 12);
        return withLength(Buffer.concat([header, this.bytes(this.int(300))]));
      }
      case 'unknown-command': {
        let id = this.int(0x7fffffff);
        while (KNOWN_IDS.has(id)) id = this.int(0x7fffffff);
        const header = Buffer.alloc(HEADER_LENGTH);
        header.writeUInt32BE(id, 4);
        header.writeUInt32BE(seq, 12);
        return withLength(Buffer.concat([header, this.bytes(this.int(64))]));
      }
      case 'unknown-tlv': {
        const tlvs: Tlv[] = Array.from({ length: 1 + this.int(4) }, () => ({
          tag: this.pick([0x1400 + this.int(0x2c00), 0x0000, 0xffff, 0x0500 + this.int(0x100)]),
          value: this.bytes(this.int(40)),
        }));
        return this.message(seq, {}, tlvs);
      }
      case 'tlv-overrun': {
        const whole = this.message(seq);
        const tlv = Buffer.alloc(4 + 2);
        tlv.writeUInt16BE(this.pick([0x0204, 0x0424, 0x020c, 0x1401]), 0);
        tlv.writeUInt16BE(100 + this.int(60_000), 2);
        return withLength(Buffer.concat([whole, tlv]));
      }
      case 'no-nul': {
        // Every octet of the body non-zero: the C-Octet strings never end.
        const whole = this.message(seq);
        for (let i = HEADER_LENGTH; i < whole.length; i++) if (whole[i] === 0) whole[i] = 0x41;
        return whole;
      }
      case 'sm-length-lies': {
        const text = Buffer.from(`lies ${seq}`, 'latin1');
        const whole = this.message(seq, { shortMessage: text });
        const at = whole.length - text.length - 1;
        whole.writeUInt8(
          this.pick([0, text.length + 1 + this.int(200), 255, Math.max(0, text.length - 1)]),
          at,
        );
        return whole;
      }
      case 'udh-lies': {
        const shapes = [
          [0x20, 0x00, 0x03, 0x01, 0x02, 0x01], // UDHL larger than the message
          [0x05, 0x00, 0x09, 0x01, 0x02, 0x01], // concat IE whose length runs past the UDH
          [0x05, 0x00, 0x03, 0x07, 0x00, 0x01], // total 0
          [0x05, 0x00, 0x03, 0x07, 0x02, 0x05], // seq above total
          [0x05, 0x00, 0x03, 0x07, 0x02, 0x00], // seq 0
          [0x06, 0x08, 0x04, 0x12, 0x34, 0x03, 0x09], // 16-bit concat, seq above total
          [0x00], // an empty UDH
          [0xff], // UDHL with nothing behind it
        ];
        const udh = Buffer.from(this.pick(shapes));
        return this.message(seq, {
          esmClass: 0x40,
          shortMessage: Buffer.concat([udh, Buffer.from(`udh ${seq}`, 'latin1')]),
        });
      }
      case 'odd-ucs2': {
        const payloads = [
          Buffer.from([0x00, 0x41, 0x00]), // odd length
          Buffer.from([0xd8, 0x00, 0x00, 0x41]), // lone high surrogate
          Buffer.from([0xdc, 0x00]), // lone low surrogate
          Buffer.from([0x00]), // one octet
          this.bytes(1 + 2 * this.int(60)), // random, odd
        ];
        return this.message(seq, { dataCoding: 8, shortMessage: this.pick(payloads) });
      }
      case 'odd-dcs':
        return this.message(seq, {
          dataCoding: this.pick([0x04, 0xf5, 0x0e, 0x1f, 0xff, 0xc0, 0x84, 0x03]),
          shortMessage: this.bytes(1 + this.int(140)),
        });
      case 'unexpected-response': {
        const ids = Object.values(CommandId).filter((id) => (id & 0x80000000) !== 0);
        const header = Buffer.alloc(HEADER_LENGTH);
        header.writeUInt32BE(this.pick(ids), 4);
        header.writeUInt32BE(this.int(0xffffffff), 8);
        header.writeUInt32BE(this.int(0x7fffffff), 12);
        return withLength(Buffer.concat([header, this.bytes(this.int(20))]));
      }
      case 'random-frame': {
        const frame = this.bytes(HEADER_LENGTH + this.int(200));
        frame.writeUInt32BE(seq, 12);
        return withLength(frame);
      }
      case 'bad-address':
        return this.message(seq, {
          sourceAddrTon: this.int(256),
          sourceAddrNpi: this.int(256),
          sourceAddr: this.pick(['', '+', '++33', 'ÿÿÿ', '0'.repeat(20), '\u0001\u0002']),
          destinationAddr: this.pick(['', this.options.shortCode, '9'.repeat(20), ' ']),
        });
      case 'payload-and-sm':
        // short_message and message_payload both (the spec forbids it), and a receipt flag on a random text.
        return this.message(
          seq,
          { esmClass: this.pick([0x04, 0x08, 0x00, 0x44]), shortMessage: Buffer.from('both', 'latin1') },
          [{ tag: 0x0424, value: this.bytes(this.int(300)) }],
        );
      default:
        throw new Error(`unknown kind ${kind}`);
    }
  }
}
