// The SMPP 3.4 PDU layer: command and status tables, TLVs, the byte-exact codec and the frame reader.
// Pure and I/O-free; the session and the simulator both speak through it.
export { CommandId, commandNameOf, isResponseId, type CommandName } from './commands.js';
export { CommandStatus, commandStatusName, parseCommandStatus, type CommandStatusName } from './status.js';
export {
  TlvTag,
  findTlv,
  tlvUint,
  tlvCString,
  uint8Tlv,
  uint16Tlv,
  cstringTlv,
  type Tlv,
  type TlvName,
} from './tlv.js';
export { encodePdu, decodePdu, makePdu, responseCommandOf, HEADER_LENGTH } from './codec.js';
export { FrameReader, DEFAULT_MAX_PDU_LENGTH } from './frame-reader.js';
export { PduError, type PduErrorCode } from './errors.js';
export type * from './types.js';
export {
  MessageState,
  messageStateOf,
  statOfMessageState,
  isFinalReceiptStat,
  FINAL_RECEIPT_STATS,
  RECEIPT_STATS,
  type ReceiptStat,
} from './message-state.js';
