// Incremental framing of the TCP byte stream into whole PDUs (§3.2: command_length leads every PDU).
// It does no I/O and bounds command_length, so a hostile or broken peer cannot make us buffer forever.
import { PduError } from './errors.js';
import { HEADER_LENGTH } from './codec.js';

/** 64 KiB of message_payload plus the largest mandatory body, rounded up. */
export const DEFAULT_MAX_PDU_LENGTH = 70_000;

export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly maxLength: number = DEFAULT_MAX_PDU_LENGTH) {}

  /** Feed bytes; returns the whole frames now available. Throws an unrecoverable PduError on a bad length. */
  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    let offset = 0;
    while (this.pending.length - offset >= 4) {
      const length = this.pending.readUInt32BE(offset);
      if (length < HEADER_LENGTH || length > this.maxLength) {
        this.pending = Buffer.alloc(0);
        throw new PduError(
          'PDU_LENGTH_INVALID',
          `command_length ${length} is outside ${HEADER_LENGTH}..${this.maxLength}: framing lost`,
          { recoverable: false },
        );
      }
      if (this.pending.length - offset < length) break;
      frames.push(Buffer.from(this.pending.subarray(offset, offset + length)));
      offset += length;
    }
    this.pending = offset === 0 ? this.pending : Buffer.from(this.pending.subarray(offset));
    return frames;
  }

  /** Octets received that do not yet form a whole PDU. */
  get buffered(): number {
    return this.pending.length;
  }
}
