// The ESME side of SMPP 3.4: sessions kept bound to each operator's SMSC, their send windows, keepalive,
// reconnect and throttling, the operator router, and the PDU names the rest of the gateway needs.
// Import from here, not from the files behind it.
export { BindManager, type BindManagerDeps, type BindManagerEvents } from './bind-manager.js';
export { SmppSession, SMPP_INTERFACE_VERSION, type BindOutcome, type SessionOptions } from './session.js';
export { Router } from './router.js';
export { classifySubmitStatus } from './status-class.js';
export {
  ReconnectBackoff,
  backoffCeiling,
  type BackoffOptions,
  type Jitter,
  type RetryKind,
} from './reconnect.js';
export { SendWindow, nextSequenceNumber, MAX_SEQUENCE_NUMBER, type WindowOutcome } from './window.js';
export { Keepalive, type KeepaliveOptions } from './keepalive.js';
export {
  socketTransportFactory,
  type Transport,
  type TransportFactory,
  type TransportHandlers,
  type TransportTarget,
  type TlsTarget,
} from './transport.js';
export { systemTimers, systemClock, type Timers, type TimerHandle } from './timers.js';
export {
  SmppSessionError,
  TransportError,
  type SmppSessionErrorCode,
  type TransportErrorCode,
} from './errors.js';
export type * from './types.js';
export {
  CommandId,
  CommandStatus,
  commandStatusName,
  parseCommandStatus,
  TlvTag,
  findTlv,
  tlvUint,
  tlvCString,
  uint8Tlv,
  uint16Tlv,
  cstringTlv,
  encodePdu,
  decodePdu,
  makePdu,
  FrameReader,
  PduError,
  type CommandName,
  type CommandStatusName,
  type Tlv,
  type TlvName,
} from './pdu/index.js';
export type * from './pdu/types.js';
