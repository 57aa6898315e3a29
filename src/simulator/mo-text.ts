// Text → deliver_sm segments for injected MO messages. Encoding and splitting belong to the codec module
// (GSM-7 unpacked, or UCS-2 when the text needs it); this adapter fixes the few choices an MO needs.
import { splitMessage, type Segment } from '../codec/index.js';

export type MoConcatenation = 'udh8' | 'udh16' | 'sar';

export interface MoText {
  dataCoding: number;
  segments: Array<Pick<Segment, 'shortMessage' | 'udhi' | 'sar'>>;
}

export function encodeMoText(
  text: string,
  options: { reference: number; concatenation: MoConcatenation },
): MoText {
  // A handset may send an empty SMS; the codec (built for MT) refuses empty text.
  if (text === '') return { dataCoding: 0, segments: [{ shortMessage: Buffer.alloc(0), udhi: false }] };
  // 3GPP TS 23.040 §9.2.3.24.1: at most 255 parts in a concatenated message.
  const split = splitMessage(text, {
    reference: options.reference,
    concatenation: options.concatenation,
    maxParts: 255,
  });
  return { dataCoding: split.dataCoding, segments: split.segments };
}
