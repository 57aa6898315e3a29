/**
 * Decoding short_message / message_payload octets for MO messages and receipts: data_coding read per
 * data-coding.ts, optional UDH (esm_class UDHI), GSM 7-bit packed or unpacked, UCS-2, Latin-1. Bad input
 * throws a CodecError; nothing here reads outside the buffer.
 */
import { interpretDataCoding, type MessageClass } from './data-coding.js';
import { CodecError } from './errors.js';
import { decodeGsm7, fillBits, unpackSeptets } from './gsm7.js';
import { decodeLatin1 } from './latin1.js';
import type { Encoding } from './types.js';
import { parseUdh, type ParsedUdh } from './udh.js';
import { decodeUcs2 } from './ucs2.js';

export interface DecodedMessage {
  /** The text; empty for binary (8-bit data) messages, whose octets are in userData. */
  text: string;
  encoding: Encoding | 'binary';
  udh?: ParsedUdh;
  messageClass?: MessageClass;
  /** The octets after the UDH, as received. */
  userData: Buffer;
}

export interface DecodeOptions {
  /** esm_class has UDHI (0x40) set: the octets start with a UDH. */
  udhi?: boolean;
  /** GSM 7-bit text is packed (7 bits per septet) rather than one septet per octet. */
  packed?: boolean;
}

export function decodeShortMessage(
  bytes: Buffer | Uint8Array,
  dataCoding: number,
  options: DecodeOptions = {},
): DecodedMessage {
  if (!(bytes instanceof Uint8Array)) {
    throw new CodecError('INVALID_OPTION', 'short message must be a Buffer');
  }
  const info = interpretDataCoding(dataCoding);
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let udh: ParsedUdh | undefined;
  let offset = 0;
  if (options.udhi) {
    udh = parseUdh(buffer);
    offset = udh.length;
  }
  const userData = buffer.subarray(offset);
  let text: string;
  switch (info.alphabet) {
    case 'gsm7': {
      const septets = options.packed
        ? unpackSeptets(buffer, offset, buffer.length, offset > 0 ? fillBits(offset) : 0)
        : userData;
      text = decodeGsm7(septets, udh?.lockingShift, udh?.singleShift);
      break;
    }
    case 'ucs2':
      text = decodeUcs2(buffer, offset);
      break;
    case 'latin1':
      text = decodeLatin1(buffer, offset);
      break;
    case 'binary':
      text = '';
      break;
  }
  const decoded: DecodedMessage = { text, encoding: info.alphabet, userData };
  if (udh !== undefined) decoded.udh = udh;
  if (info.messageClass !== undefined) decoded.messageClass = info.messageClass;
  return decoded;
}
