// The text codec: GSM 03.38 / UCS-2 / Latin-1 encoding, segmentation into submit_sm parts with UDH or SAR
// concatenation, decoding of MO and receipt payloads, and the preview of texts and templates.
// Pure: text in, bytes out; bytes in, text out. It imports nothing else of the gateway.
export { CodecError, type CodecErrorCode } from './errors.js';
export type {
  Concatenation,
  Encoding,
  EncodingOptions,
  Segment,
  SplitResult,
  TextAnalysis,
} from './types.js';
export { analyseText, splitMessage, partCapacity, DEFAULT_MAX_PARTS } from './segment.js';
export { decodeShortMessage, type DecodedMessage, type DecodeOptions } from './decode.js';
export { parseUdh, type ParsedUdh, type ConcatInfo } from './udh.js';
export { interpretDataCoding, type Alphabet, type DataCodingInfo, type MessageClass } from './data-coding.js';
export {
  previewText,
  previewTemplate,
  renderTemplate,
  templateFields,
  type Preview,
  type TemplatePreview,
  type TemplateMeasures,
} from './preview.js';
export {
  applySmartEncoding,
  SMART_ENCODING_TABLE,
  type Replacement,
  type SmartEntry,
} from './smart-encoding.js';
export { NATIONAL_LANGUAGE_ID, type NationalLanguage } from './national-language.js';
export {
  GSM7_DEFAULT_ALPHABET,
  GSM7_EXTENSION,
  encodeGsm7,
  decodeGsm7,
  packSeptets,
  unpackSeptets,
} from './gsm7.js';
export { encodeUcs2, decodeUcs2 } from './ucs2.js';
