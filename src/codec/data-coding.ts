/**
 * Reading a data_coding octet: SMPP 3.4 §5.2.19 for the values 0x00–0x0F, and the coding groups of
 * 3GPP TS 23.038 §4 (SMS Data Coding Scheme) above them, where the upper bits can also carry a message class.
 */
import { CodecError } from './errors.js';

export type Alphabet = 'gsm7' | 'ucs2' | 'latin1' | 'binary';
export type MessageClass = 0 | 1 | 2 | 3;

export interface DataCodingInfo {
  alphabet: Alphabet;
  messageClass?: MessageClass;
}

/** data_coding values to use when sending, SMPP 3.4 §5.2.19. */
export const DATA_CODING_GSM7 = 0x00;
export const DATA_CODING_LATIN1 = 0x03;
export const DATA_CODING_UCS2 = 0x08;

export function interpretDataCoding(dataCoding: number): DataCodingInfo {
  if (!Number.isInteger(dataCoding) || dataCoding < 0 || dataCoding > 0xff) {
    throw new CodecError('INVALID_DATA_CODING', `data_coding ${String(dataCoding)} is not an octet`);
  }
  if (dataCoding <= 0x0f) return smppDataCoding(dataCoding);

  const group = dataCoding >> 4;
  // 00xx (general data coding) and 01xx (same layout, marked for automatic deletion), §4:
  // bit 5 compressed, bit 4 "bits 1-0 carry a message class", bits 3-2 the alphabet.
  if (group <= 0x7) {
    if (dataCoding & 0x20) {
      throw new CodecError(
        'UNSUPPORTED_DATA_CODING',
        `data_coding 0x${hex(dataCoding)} announces compressed text (3GPP TS 23.042), which is not supported`,
      );
    }
    const alphabet = generalAlphabet(dataCoding);
    return dataCoding & 0x10 ? { alphabet, messageClass: classOf(dataCoding) } : { alphabet };
  }
  switch (group) {
    case 0xc: // message waiting indication, discard message: GSM 7-bit
    case 0xd: // message waiting indication, store message: GSM 7-bit
      return { alphabet: 'gsm7' };
    case 0xe: // message waiting indication, store message: UCS-2
      return { alphabet: 'ucs2' };
    case 0xf: // data coding / message class: bit 2 selects 8-bit data over GSM 7-bit, bits 1-0 the class
      return { alphabet: dataCoding & 0x04 ? 'binary' : 'gsm7', messageClass: classOf(dataCoding) };
    default: // 1000–1011: reserved coding groups
      throw new CodecError(
        'INVALID_DATA_CODING',
        `data_coding 0x${hex(dataCoding)} is in a reserved coding group`,
      );
  }
}

/** SMPP 3.4 §5.2.19. Value 1 (IA5) is read as GSM 7-bit: operators that send it mean the SMSC default. */
function smppDataCoding(dataCoding: number): DataCodingInfo {
  switch (dataCoding) {
    case 0x00:
    case 0x01:
      return { alphabet: 'gsm7' };
    case 0x02:
    case 0x04:
      return { alphabet: 'binary' };
    case 0x03:
      return { alphabet: 'latin1' };
    case 0x08:
      return { alphabet: 'ucs2' };
    case 0x05: // JIS
    case 0x06: // Cyrillic ISO-8859-5
    case 0x07: // Latin/Hebrew ISO-8859-8
    case 0x09: // pictogram encoding
    case 0x0a: // ISO-2022-JP
    case 0x0d: // extended Kanji JIS
    case 0x0e: // KS C 5601
      throw new CodecError('UNSUPPORTED_DATA_CODING', `data_coding 0x${hex(dataCoding)} is not supported`);
    default: // 0x0b, 0x0c, 0x0f: reserved
      throw new CodecError('INVALID_DATA_CODING', `data_coding 0x${hex(dataCoding)} is reserved`);
  }
}

function generalAlphabet(dataCoding: number): Alphabet {
  switch ((dataCoding >> 2) & 0x3) {
    case 0:
      return 'gsm7';
    case 1:
      return 'binary';
    case 2:
      return 'ucs2';
    default:
      throw new CodecError(
        'INVALID_DATA_CODING',
        `data_coding 0x${hex(dataCoding)} names the reserved alphabet (bits 3-2 = 11)`,
      );
  }
}

function classOf(dataCoding: number): MessageClass {
  return (dataCoding & 0x3) as MessageClass;
}

function hex(value: number): string {
  return value.toString(16).padStart(2, '0');
}
