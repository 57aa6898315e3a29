/**
 * Choice of encoding and segmentation: text in, submit_sm-ready parts out.
 *
 * Capacities come from the 140-octet TP-UD of 3GPP TS 23.040 §9.2.3.16 minus the UDH (§9.2.3.24):
 *   GSM-7: 160 − ⌈UDH octets × 8 / 7⌉ septets (the UDH plus its fill bits, counted in septets)
 *          → 160 alone, 153 with the 8-bit concatenation IE, 152 with the 16-bit one, and 155 / 149 / 148
 *            when the 3-octet national single shift IE rides along;
 *   UCS-2: ⌊(140 − UDH octets) / 2⌋ code units → 70, 67, 66;
 *   Latin-1: 140 − UDH octets → 140, 134, 133.
 * In unpacked mode (the SMPP norm) short_message holds one septet per octet, so a full GSM part is longer
 * than 140 octets in the PDU; the SMSC packs it into 140 for the air interface.
 *
 * Splitting rules: an ESC and the septet it escapes stay in one part; UCS-2 parts end on grapheme cluster
 * boundaries, and a cluster longer than a part is cut between code points, never inside a surrogate pair.
 * CR LF counts as one character but may be cut between CR and LF (two control characters; keeping them
 * together would only cost a part now and then). Within those rules parts are filled greedily, which gives
 * the fewest parts.
 *
 * Decisions:
 *  - 'sar' parts use the 'udh8' capacities (153 / 67 / 134): an SMSC that delivers to a handset turns the
 *    sar_* TLVs into that same 6-octet UDH, so the parts must leave room for it.
 *  - 'payload' sends one submit_sm; the handset parts it reports are the SMSC's split estimated with the
 *    'udh8' capacities, and maxParts applies to them.
 *  - An empty text: analyseText reports 0 parts; splitMessage throws EMPTY_TEXT (an SMSC would bill an
 *    empty message, and it is always a caller's mistake).
 *  - The concatenation reference is allocated by the caller (per destination, in Redis); the codec checks
 *    its range: 0–255 for udh8, 0–65535 for udh16 and sar (sar_msg_ref_num is two octets, SMPP 3.4
 *    §5.3.2.22).
 */
import { CodecError } from './errors.js';
import {
  ESC,
  ESCAPED,
  NATIONAL,
  NOT_GSM7,
  fillBits,
  gsm7EncodeTable,
  packSeptets,
  packedLength,
} from './gsm7.js';
import { SIMPLE, graphemeStarts } from './graphemes.js';
import { writeLatin1 } from './latin1.js';
import { NATIONAL_LANGUAGES, NATIONAL_LANGUAGE_ID, type NationalLanguage } from './national-language.js';
import { applySmartEncoding, type Replacement } from './smart-encoding.js';
import type {
  Concatenation,
  Encoding,
  EncodingOptions,
  Segment,
  SplitResult,
  TextAnalysis,
} from './types.js';
import { udhLength, writeUdh } from './udh.js';
import { writeUcs2 } from './ucs2.js';
import { DATA_CODING_LATIN1, DATA_CODING_UCS2 } from './data-coding.js';

export const DEFAULT_MAX_PARTS = 10;
/** The concatenation IEs count parts in one octet (§9.2.3.24.1). */
const MAX_PARTS_LIMIT = 255;
const CONCATENATIONS: readonly Concatenation[] = ['udh8', 'udh16', 'sar', 'payload'];

interface Resolved {
  gsm7DataCoding: 0 | 1;
  packed: boolean;
  latin1: boolean;
  smartEncoding: boolean;
  nationalLanguage: NationalLanguage | undefined;
  concatenation: Concatenation;
  maxParts: number;
}

const DEFAULTS: Resolved = Object.freeze({
  gsm7DataCoding: 0,
  packed: false,
  latin1: false,
  smartEncoding: false,
  nationalLanguage: undefined,
  concatenation: 'udh8',
  maxParts: DEFAULT_MAX_PARTS,
});

function resolve(options: EncodingOptions | undefined): Resolved {
  if (options === undefined) return DEFAULTS;
  const resolved: Resolved = {
    gsm7DataCoding: options.gsm7DataCoding ?? 0,
    packed: options.packed ?? false,
    latin1: options.latin1 ?? false,
    smartEncoding: options.smartEncoding ?? false,
    nationalLanguage: options.nationalLanguage,
    concatenation: options.concatenation ?? 'udh8',
    maxParts: options.maxParts ?? DEFAULT_MAX_PARTS,
  };
  if (resolved.gsm7DataCoding !== 0 && resolved.gsm7DataCoding !== 1) {
    throw new CodecError(
      'INVALID_OPTION',
      `gsm7DataCoding must be 0 or 1, not ${String(options.gsm7DataCoding)}`,
    );
  }
  if (!CONCATENATIONS.includes(resolved.concatenation)) {
    throw new CodecError(
      'INVALID_OPTION',
      `concatenation must be one of ${CONCATENATIONS.join(', ')}, not ${String(options.concatenation)}`,
    );
  }
  if (resolved.nationalLanguage !== undefined && !NATIONAL_LANGUAGES.includes(resolved.nationalLanguage)) {
    throw new CodecError(
      'INVALID_OPTION',
      `nationalLanguage must be one of ${NATIONAL_LANGUAGES.join(', ')}, not ${String(options.nationalLanguage)}`,
    );
  }
  if (!Number.isInteger(resolved.maxParts) || resolved.maxParts < 1 || resolved.maxParts > MAX_PARTS_LIMIT) {
    throw new CodecError(
      'INVALID_OPTION',
      `maxParts must be an integer from 1 to ${MAX_PARTS_LIMIT}, not ${String(options.maxParts)}`,
    );
  }
  return resolved;
}

/** Text units one part can carry, given the UDH it has (0 octets: none). */
export function partCapacity(encoding: Encoding, udhOctets: number): number {
  switch (encoding) {
    case 'gsm7':
      return 160 - Math.ceil((udhOctets * 8) / 7);
    case 'ucs2':
      return (140 - udhOctets) >> 1;
    case 'latin1':
      return 140 - udhOctets;
  }
}

/** The UDH one part of a multi-part text carries for the purpose of capacity. */
function concatBits(concatenation: Concatenation): 8 | 16 {
  return concatenation === 'udh16' ? 16 : 8;
}

// ---------------------------------------------------------------------------------------------------------
// Scanning. The septets of the last GSM-7 scan live in a module scratch buffer: the codec is synchronous,
// and splitMessage copies them out before any other call can scan again.

let scratch = new Uint8Array(512);
let scanNational = false;
let scanCrLf = 0;

/** Septet count of text in the given table, or -1 when a character is not in it. */
function scanGsm7(text: string, table: Int16Array): number {
  const length = text.length;
  if (scratch.length < length * 2) scratch = new Uint8Array(length * 2 + 256);
  const out = scratch;
  let n = 0;
  let flags = 0;
  let crlf = 0;
  let previous = 0;
  for (let i = 0; i < length; i++) {
    const unit = text.charCodeAt(i);
    const value = table[unit] as number;
    if (value === NOT_GSM7) return -1;
    if (value & ESCAPED) {
      out[n++] = ESC;
      out[n++] = value & 0x7f;
      flags |= value;
    } else {
      out[n++] = value;
      if (unit === 0x0a && previous === 0x0d) crlf++;
    }
    previous = unit;
  }
  scanNational = (flags & NATIONAL) !== 0;
  scanCrLf = crlf;
  return n;
}

// ---------------------------------------------------------------------------------------------------------

interface Plan {
  text: string;
  encoding: Encoding;
  dataCoding: number;
  units: number;
  characters: number;
  nonGsmCharacters: string[];
  replacements: Replacement[];
  nationalLanguage: NationalLanguage | undefined;
  /** End of each handset part, in units (septets for gsm7, UTF-16 code units otherwise). */
  unitEnds: number[];
  /** End of each handset part, in text indices. */
  textEnds: number[];
  options: Resolved;
}

const NO_REPLACEMENTS: Replacement[] = [];

function plan(input: string, options: Resolved): Plan {
  if (typeof input !== 'string') {
    throw new CodecError('INVALID_OPTION', `text must be a string, not ${typeof input}`);
  }
  const table = gsm7EncodeTable(options.nationalLanguage);
  let text = input;
  let replacements = NO_REPLACEMENTS;
  let septets = scanGsm7(text, table);
  if (septets < 0 && options.smartEncoding) {
    const smart = applySmartEncoding(text);
    if (smart.text !== text) {
      const replaced = scanGsm7(smart.text, table);
      if (replaced >= 0) {
        text = smart.text;
        replacements = smart.replacements;
        septets = replaced;
      }
    }
  }
  if (septets >= 0) return planGsm7(text, septets, replacements, options);
  return planUtf16(text, table, options);
}

function planGsm7(text: string, septets: number, replacements: Replacement[], options: Resolved): Plan {
  const national =
    options.nationalLanguage !== undefined && scanNational ? options.nationalLanguage : undefined;
  const result: Plan = {
    text,
    encoding: 'gsm7',
    dataCoding: options.gsm7DataCoding,
    units: septets,
    // Every GSM 03.38 character is a grapheme of its own except CR LF (see graphemes.ts).
    characters: text.length - scanCrLf,
    nonGsmCharacters: [],
    replacements,
    nationalLanguage: national,
    unitEnds: [],
    textEnds: [],
    options,
  };
  if (septets === 0) return result;
  const single = partCapacity('gsm7', udhLength(undefined, national !== undefined));
  if (septets <= single) {
    result.unitEnds.push(septets);
    result.textEnds.push(text.length);
    return result;
  }
  const capacity = partCapacity('gsm7', udhLength(concatBits(options.concatenation), national !== undefined));
  const s = scratch;
  let start = 0;
  let textEnd = 0;
  while (start < septets) {
    let end = Math.min(start + capacity, septets);
    // An ESC never ends a part: the septet it escapes would land in the next one (an escape pair split
    // across parts decodes as a space and a wrong character).
    if (end < septets && s[end - 1] === ESC) end--;
    let characters = 0;
    for (let i = start; i < end; i++) {
      if (s[i] === ESC) i++;
      characters++;
    }
    textEnd += characters;
    result.unitEnds.push(end);
    result.textEnds.push(textEnd);
    start = end;
  }
  return result;
}

function planUtf16(text: string, table: Int16Array, options: Resolved): Plan {
  const length = text.length;
  let simple = true;
  let latin1 = options.latin1;
  for (let i = 0; i < length; i++) {
    const unit = text.charCodeAt(i);
    if (!SIMPLE[unit]) simple = false;
    if (unit > 0xff) latin1 = false;
  }

  const nonGsm: string[] = [];
  let characters: number;
  // Grapheme starts, needed to split non-simple UCS-2 text.
  let starts: number[] | undefined;
  if (simple) {
    const seen = new Set<number>();
    let crlf = 0;
    for (let i = 0; i < length; i++) {
      const unit = text.charCodeAt(i);
      if (table[unit] === NOT_GSM7 && !seen.has(unit)) {
        seen.add(unit);
        nonGsm.push(text[i] ?? '');
      }
      if (unit === 0x0a && i > 0 && text.charCodeAt(i - 1) === 0x0d) crlf++;
    }
    characters = length - crlf;
  } else {
    const seen = new Set<string>();
    starts = graphemeStarts(text);
    for (let g = 0; g < starts.length; g++) {
      const start = starts[g] ?? 0;
      const end = starts[g + 1] ?? length;
      for (let i = start; i < end; i++) {
        if (table[text.charCodeAt(i)] === NOT_GSM7) {
          const grapheme = text.slice(start, end);
          if (!seen.has(grapheme)) {
            seen.add(grapheme);
            nonGsm.push(grapheme);
          }
          break;
        }
      }
    }
    characters = starts.length;
  }

  const encoding: Encoding = latin1 ? 'latin1' : 'ucs2';
  const result: Plan = {
    text,
    encoding,
    dataCoding: encoding === 'latin1' ? DATA_CODING_LATIN1 : DATA_CODING_UCS2,
    units: length,
    characters,
    nonGsmCharacters: nonGsm,
    replacements: NO_REPLACEMENTS,
    nationalLanguage: undefined,
    unitEnds: [],
    textEnds: [],
    options,
  };
  if (length <= partCapacity(encoding, 0)) {
    result.unitEnds.push(length);
  } else {
    const capacity = partCapacity(encoding, udhLength(concatBits(options.concatenation), false));
    if (starts === undefined) {
      // Latin-1, or simple UTF-16 text: every code unit is a character of its own.
      for (let end = capacity; end < length; end += capacity) result.unitEnds.push(end);
      result.unitEnds.push(length);
    } else {
      splitGraphemes(text, starts, capacity, result.unitEnds);
    }
  }
  result.textEnds = result.unitEnds;
  return result;
}

/**
 * Greedy split of UTF-16 text into parts of `capacity` code units on grapheme boundaries; a grapheme that
 * does not fit in the rest of the part starts the next one, unless it is longer than a whole part (or is
 * CR LF), in which case it is cut between code points.
 */
function splitGraphemes(text: string, starts: number[], capacity: number, ends: number[]): void {
  const length = text.length;
  let partStart = 0;
  for (let g = 0; g < starts.length; g++) {
    const start = starts[g] ?? 0;
    const end = starts[g + 1] ?? length;
    if (end - partStart <= capacity) continue;
    const size = end - start;
    if (size <= capacity && !(size === 2 && text.charCodeAt(start) === 0x0d)) {
      ends.push(start);
      partStart = start;
      continue;
    }
    for (let i = start; i < end;) {
      const unit = text.charCodeAt(i);
      const next = text.charCodeAt(i + 1);
      const pair = unit >= 0xd800 && unit <= 0xdbff && i + 1 < end && next >= 0xdc00 && next <= 0xdfff;
      const step = pair ? 2 : 1;
      if (i + step - partStart > capacity) {
        ends.push(i);
        partStart = i;
      }
      i += step;
    }
  }
  ends.push(length);
}

// ---------------------------------------------------------------------------------------------------------

function perSegment(unitEnds: number[]): number[] {
  const out = new Array<number>(unitEnds.length);
  let previous = 0;
  for (let i = 0; i < unitEnds.length; i++) {
    const end = unitEnds[i] ?? 0;
    out[i] = end - previous;
    previous = end;
  }
  return out;
}

/**
 * Encoding, part count and sizes of a text, without building any bytes. Never throws for a text that is
 * merely too long (see exceedsMaxParts); throws INVALID_OPTION for bad options.
 */
export function analyseText(text: string, options?: EncodingOptions): TextAnalysis {
  const resolved = resolve(options);
  const p = plan(text, resolved);
  const analysis: TextAnalysis = {
    encoding: p.encoding,
    dataCoding: p.dataCoding,
    segments: p.unitEnds.length,
    characters: p.characters,
    units: p.units,
    perSegment: perSegment(p.unitEnds),
    nonGsmCharacters: p.nonGsmCharacters,
    replacements: p.replacements,
    maxParts: resolved.maxParts,
    exceedsMaxParts: p.unitEnds.length > resolved.maxParts,
    text: p.text,
  };
  if (p.nationalLanguage !== undefined) analysis.nationalLanguage = p.nationalLanguage;
  return analysis;
}

/**
 * Encodes and splits a text into submit_sm-ready parts. `reference` is the concatenation reference the
 * caller allocated for this destination; it is used only when the text takes more than one part.
 */
export function splitMessage(text: string, options: EncodingOptions & { reference: number }): SplitResult {
  const resolved = resolve(options);
  const p = plan(text, resolved);
  if (p.units === 0) {
    throw new CodecError(
      'EMPTY_TEXT',
      text.length === 0 ? 'text is empty' : 'text is empty once smart encoding removed invisible characters',
    );
  }
  const parts = p.unitEnds.length;
  if (parts > resolved.maxParts) {
    throw new CodecError('TOO_MANY_PARTS', `text needs ${parts} parts, the maximum is ${resolved.maxParts}`);
  }
  const reference = options.reference;
  const referenceMax = resolved.concatenation === 'udh8' ? 0xff : 0xffff;
  if (!Number.isInteger(reference) || reference < 0 || reference > referenceMax) {
    throw new CodecError(
      'INVALID_REFERENCE',
      `reference must be an integer from 0 to ${referenceMax} for ${resolved.concatenation}, not ${String(reference)}`,
    );
  }

  const result: SplitResult = {
    encoding: p.encoding,
    dataCoding: p.dataCoding,
    segments: resolved.concatenation === 'payload' ? [payloadSegment(p)] : partSegments(p, reference),
    characters: p.characters,
    units: p.units,
    perSegment: perSegment(p.unitEnds),
    nonGsmCharacters: p.nonGsmCharacters,
    replacements: p.replacements,
    text: p.text,
  };
  if (p.nationalLanguage !== undefined) result.nationalLanguage = p.nationalLanguage;
  return result;
}

function nationalId(p: Plan): number | undefined {
  return p.nationalLanguage === undefined ? undefined : NATIONAL_LANGUAGE_ID[p.nationalLanguage];
}

function partSegments(p: Plan, reference: number): Segment[] {
  const { concatenation, packed } = p.options;
  const total = p.unitEnds.length;
  const shiftId = nationalId(p);
  const segments = new Array<Segment>(total);
  let unitStart = 0;
  let textStart = 0;
  for (let k = 0; k < total; k++) {
    const unitEnd = p.unitEnds[k] ?? 0;
    const textEnd = p.textEnds[k] ?? 0;
    const concat =
      total > 1 && (concatenation === 'udh8' || concatenation === 'udh16')
        ? {
            referenceBits: concatenation === 'udh8' ? (8 as const) : (16 as const),
            reference,
            total,
            sequence: k + 1,
          }
        : undefined;
    const udhOctets = udhLength(concat?.referenceBits, shiftId !== undefined);
    const body = encodedLength(p.encoding, unitEnd - unitStart, packed, udhOctets);
    const shortMessage = Buffer.allocUnsafe(udhOctets + body);
    writeUdh(shortMessage, 0, concat, shiftId);
    writeBody(p, unitStart, unitEnd, textStart, textEnd, shortMessage, udhOctets);
    const segment: Segment = {
      shortMessage,
      udhi: udhOctets > 0,
      units: unitEnd - unitStart,
      text: p.text.slice(textStart, textEnd),
    };
    if (total > 1 && concatenation === 'sar') segment.sar = { reference, total, sequence: k + 1 };
    segments[k] = segment;
    unitStart = unitEnd;
    textStart = textEnd;
  }
  return segments;
}

function payloadSegment(p: Plan): Segment {
  const shiftId = nationalId(p);
  const udhOctets = udhLength(undefined, shiftId !== undefined);
  const payload = Buffer.allocUnsafe(
    udhOctets + encodedLength(p.encoding, p.units, p.options.packed, udhOctets),
  );
  writeUdh(payload, 0, undefined, shiftId);
  writeBody(p, 0, p.units, 0, p.text.length, payload, udhOctets);
  return {
    shortMessage: Buffer.alloc(0),
    udhi: udhOctets > 0,
    messagePayload: payload,
    units: p.units,
    text: p.text,
  };
}

function encodedLength(encoding: Encoding, units: number, packed: boolean, udhOctets: number): number {
  switch (encoding) {
    case 'gsm7':
      return packed ? packedLength(units, fillBits(udhOctets)) : units;
    case 'ucs2':
      return units * 2;
    case 'latin1':
      return units;
  }
}

function writeBody(
  p: Plan,
  unitStart: number,
  unitEnd: number,
  textStart: number,
  textEnd: number,
  out: Buffer,
  offset: number,
): void {
  switch (p.encoding) {
    case 'gsm7':
      if (p.options.packed) packSeptets(scratch, unitStart, unitEnd, out, offset, fillBits(offset));
      else out.set(scratch.subarray(unitStart, unitEnd), offset);
      return;
    case 'ucs2':
      writeUcs2(p.text, textStart, textEnd, out, offset);
      return;
    case 'latin1':
      writeLatin1(p.text, textStart, textEnd, out, offset);
      return;
  }
}
