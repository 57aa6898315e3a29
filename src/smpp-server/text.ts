// Text of platform PDUs: short_message / message_payload octets to text by data_coding (SMPP 3.4 §5.2.19),
// and text to octets for the deliver_sm we send. The octet-level work is the codec module's; this file only
// decides which of its decoders a data_coding means here and which command_status a bad text gets.
import { CodecError, decodeGsm7, decodeUcs2, encodeGsm7, encodeUcs2 } from '../codec/index.js';
import { CommandStatus } from '../smpp/pdu/index.js';
import { RequestRefusedError } from './errors.js';
import { ESME_RINVDCS } from './status-map.js';

/**
 * The data codings a platform may submit text in:
 *   0 SMSC default alphabet: we are the SMSC and ours is the GSM 7-bit default alphabet, one septet per octet
 *     (unpacked, as SMPP carries it);
 *   1 IA5 (ITU-T T.50), i.e. ASCII: octets 0x00–0x7F read as ASCII. (The client side reads 1 as GSM-7 because
 *     operators mean their default by it; a platform that means GSM-7 should say 0.)
 *   3 ISO-8859-1; 8 UCS-2, big-endian (UTF-16BE: surrogate pairs pass).
 * Anything else (binary, national codings, the 23.038 coding groups) is refused with ESME_RINVDCS.
 */
export const PLATFORM_DATA_CODINGS: readonly number[] = [0x00, 0x01, 0x03, 0x08];

export const DC_SMSC_DEFAULT = 0x00;
export const DC_UCS2 = 0x08;

/** Decode one text; throws RequestRefusedError (ESME_RINVDCS, or ESME_RINVMSGLEN for odd UCS-2). */
export function decodePlatformText(octets: Buffer, dataCoding: number): string {
  try {
    switch (dataCoding) {
      case 0x00:
        return decodeGsm7(octets);
      case 0x01:
        for (let i = 0; i < octets.length; i++) {
          if ((octets[i] ?? 0) > 0x7f) {
            throw new RequestRefusedError(ESME_RINVDCS, `octet 0x${octets[i]?.toString(16)} is not IA5`);
          }
        }
        return octets.toString('latin1');
      case 0x03:
        return octets.toString('latin1');
      case 0x08:
        return decodeUcs2(octets);
      default:
        throw new RequestRefusedError(
          ESME_RINVDCS,
          `data_coding 0x${dataCoding.toString(16)} is not supported`,
        );
    }
  } catch (error) {
    if (error instanceof RequestRefusedError) throw error;
    if (error instanceof CodecError && error.code === 'INVALID_UCS2') {
      throw new RequestRefusedError(CommandStatus.ESME_RINVMSGLEN, error.message, { cause: error });
    }
    throw new RequestRefusedError(ESME_RINVDCS, error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
}

/**
 * The text of a message the platform sent in parts, in order. Parts of one coding are decoded from their
 * joined octets, so a GSM escape or a UTF-16 surrogate pair the platform split across two parts comes out
 * whole; parts of mixed codings are decoded one by one.
 */
export function decodePlatformParts(parts: ReadonlyArray<{ payload: Buffer; dataCoding: number }>): string {
  const first = parts[0];
  if (!first) return '';
  const uniform = parts.every((p) => p.dataCoding === first.dataCoding);
  const evenUcs2 = first.dataCoding !== 0x08 || parts.every((p) => p.payload.length % 2 === 0);
  if (uniform && evenUcs2) {
    return decodePlatformText(Buffer.concat(parts.map((p) => p.payload)), first.dataCoding);
  }
  return parts.map((p) => decodePlatformText(p.payload, p.dataCoding)).join('');
}

/** Text for a deliver_sm: the GSM 7-bit default alphabet unpacked (data_coding 0) when it fits, else UCS-2. */
export function encodeForPlatform(text: string): { dataCoding: number; octets: Buffer } {
  try {
    return { dataCoding: DC_SMSC_DEFAULT, octets: Buffer.from(encodeGsm7(text)) };
  } catch (error) {
    if (!(error instanceof CodecError)) throw error;
    return { dataCoding: DC_UCS2, octets: encodeUcs2(text) };
  }
}
