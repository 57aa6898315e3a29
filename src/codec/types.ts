/** The codec's public shapes. */
import type { NationalLanguage } from './national-language.js';
import type { Replacement } from './smart-encoding.js';

export type Encoding = 'gsm7' | 'ucs2' | 'latin1';

/**
 * How a long text reaches the SMSC:
 *  - udh8 / udh16: one submit_sm per part, concatenation IE 0x00 / 0x08 in a UDH (esm_class UDHI);
 *  - sar: one submit_sm per part, sar_msg_ref_num / sar_total_segments / sar_segment_seqnum TLVs;
 *  - payload: one submit_sm with the whole text in the message_payload TLV; the SMSC splits it.
 */
export type Concatenation = 'udh8' | 'udh16' | 'sar' | 'payload';

export interface EncodingOptions {
  /** data_coding used for GSM-7 text; default 0 (SMSC default alphabet), some operators want 1. */
  gsm7DataCoding?: 0 | 1;
  /** Pack septets (7 bits each) instead of one septet per octet, the SMPP norm; default false. */
  packed?: boolean;
  /** Allow Latin-1 (data_coding 3) for text that is not GSM-7 but fits ISO-8859-1; default false. */
  latin1?: boolean;
  /** Replace typographic look-alikes by GSM characters (see smart-encoding.ts); default false. */
  smartEncoding?: boolean;
  /** National language single shift table (UDH IEI 0x24); default none. */
  nationalLanguage?: NationalLanguage;
  /** Default 'udh8'. */
  concatenation?: Concatenation;
  /** Most parts a text may take (1–255); default 10. */
  maxParts?: number;
}

export interface Segment {
  /** Octets for short_message: UDH (when udhi) then the encoded text; empty in 'payload' mode. */
  shortMessage: Buffer;
  /** The caller sets esm_class bit 0x40 (UDHI) when true. */
  udhi: boolean;
  /** 'sar' mode, when the text takes more than one part: the values of the three sar_* TLVs. */
  sar?: { reference: number; total: number; sequence: number };
  /** 'payload' mode: UDH (when udhi) then the whole encoded text, for the message_payload TLV. */
  messagePayload?: Buffer;
  /** Septets (gsm7), UTF-16 code units (ucs2) or octets (latin1) of text in this part. */
  units: number;
  /** The slice of the encoded text this part carries. */
  text: string;
}

export interface TextAnalysis {
  encoding: Encoding;
  dataCoding: number;
  /**
   * Parts the handset receives, the number operators bill. 0 for an empty text. In 'payload' mode this is
   * the SMSC's split, estimated with the 'udh8' capacities.
   */
  segments: number;
  /** User-perceived characters (grapheme clusters): "👍🏽" is 1, "\r\n" is 1. */
  characters: number;
  /** Septets (gsm7: 2 for each extension character), UTF-16 code units (ucs2) or octets (latin1). */
  units: number;
  /** Units in each part, in order. */
  perSegment: number[];
  /** The distinct characters (grapheme clusters) that kept the text out of GSM-7, in order of appearance. */
  nonGsmCharacters: string[];
  /** Smart-encoding replacements actually applied. */
  replacements: Replacement[];
  /** National language whose single shift table the text uses (its IE is counted in every part). */
  nationalLanguage?: NationalLanguage;
  /** The maximum number of parts in force, and whether the text needs more (splitMessage would refuse it). */
  maxParts: number;
  exceedsMaxParts: boolean;
  /** The text that would be encoded (after smart replacements). */
  text: string;
}

export interface SplitResult {
  encoding: Encoding;
  dataCoding: number;
  /** One per submit_sm: one per part, or a single one in 'payload' mode. */
  segments: Segment[];
  characters: number;
  units: number;
  /** Units per handset part (in 'payload' mode: the estimated SMSC split, as in TextAnalysis). */
  perSegment: number[];
  nonGsmCharacters: string[];
  replacements: Replacement[];
  nationalLanguage?: NationalLanguage;
  /** The text actually encoded (after smart replacements). */
  text: string;
}
