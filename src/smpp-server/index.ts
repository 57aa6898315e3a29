// The SMPP server for platforms (SPEC §4 "SMPP server"): they bind to the gateway as ESMEs and submit,
// query and cancel messages; receipts and MO go back to them as deliver_sm. Storage stays behind the ports
// of ports.ts, so this module never sees Redis; the composition root passes their implementations.
export { SmppServer, type SmppServerOptions, type SmppServerAddresses } from './server.js';
export type {
  AbandonCode,
  AuthFailureReason,
  AbandonedMessage,
  BindRegistry,
  CancelOutcome,
  ExpiredGathering,
  GatheredPart,
  GatherOutcome,
  IngressRefusalCode,
  MoItem,
  OutboundItem,
  PartGatherer,
  PartKey,
  PlatformBindType,
  PlatformIngress,
  PlatformMessage,
  PlatformMessageClass,
  PlatformMessages,
  PlatformMessageState,
  PlatformMessageStatus,
  PlatformOutbox,
  ReceiptItem,
  SmppServerHooks,
  SubmitOutcome,
} from './ports.js';
export { SmppServerError, RequestRefusedError, type SmppServerErrorCode } from './errors.js';
export { statusOfRefusal, statusOfCancel, REFUSAL_CODES, ESME_RINVDCS } from './status-map.js';
export { platformStatOf, formatReceiptText, type PlatformStat } from './receipt.js';
export { parseSmppTime, formatSmppTime } from './smpp-time.js';
export { parseCidr, cidrContains, addressAllowed, type Cidr } from './cidr.js';
export { decodePlatformText, decodePlatformParts, PLATFORM_DATA_CODINGS } from './text.js';
export { MemoryPartGatherer } from './memory-part-gatherer.js';
export type { PlatformSessionState } from './platform-session.js';
