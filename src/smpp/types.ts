// The public shapes of the ESME session layer: what the queue hands in (one segment), what it gets back (a
// classified result), what comes up from the SMSC (deliver_sm / data_sm), and the small injected policies.
import type { Tlv } from './pdu/index.js';

/** One submit_sm (§4.4.1): a segment already encoded and split by the codec module. */
export interface SegmentSubmit {
  sourceAddr: string;
  sourceAddrTon: number;
  sourceAddrNpi: number;
  destinationAddr: string;
  destAddrTon: number;
  destAddrNpi: number;
  esmClass: number;
  dataCoding: number;
  shortMessage: Buffer;
  registeredDelivery: number;
  validityPeriod?: string;
  priorityFlag?: number;
  serviceType?: string;
  tlvs?: Tlv[];
}

export type SubmitClass = 'ok' | 'retry' | 'throttle' | 'reject';

export type SubmitResult =
  | { outcome: 'ok'; messageId: string; bindId: string; latencyMs: number }
  | { outcome: 'retry' | 'throttle' | 'reject'; status: number; statusName: string; bindId: string }
  /** No answer: the caller requeues (the SMSC may or may not have taken it). */
  | { outcome: 'timeout' | 'disconnected'; bindId?: string };

export type SubmitOutcome = SubmitResult['outcome'];

/** A deliver_sm (receipt or MO, §4.6.1) or data_sm (§4.7.1) received from the SMSC. */
export interface InboundDeliver {
  operatorId: string;
  bindId: string;
  command: 'deliver_sm' | 'data_sm';
  sourceAddr: string;
  sourceAddrTon: number;
  sourceAddrNpi: number;
  destinationAddr: string;
  esmClass: number;
  dataCoding: number;
  /** Raw octets; empty for data_sm (its text is in the message_payload TLV). */
  shortMessage: Buffer;
  registeredDelivery: number;
  tlvs: Tlv[];
  receivedAt: number;
}

/**
 * Return the command_status for deliver_sm_resp (0 = ok). The session sends deliver_sm_resp only after this
 * resolves (so receipts are recorded in Redis before they are acknowledged). A rejection/throw answers
 * ESME_RX_T_APPN (temporary, the SMSC retries).
 */
export type DeliverHandler = (deliver: InboundDeliver) => Promise<number>;

/** Multi-instance bind limit (implemented in Redis by the app). */
export interface BindLeaseProvider {
  /** false: another instance holds it; try again later. */
  acquire(operatorId: string, slot: number): Promise<boolean>;
  /** false: lease lost → unbind that slot's sessions. */
  renew(operatorId: string, slot: number): Promise<boolean>;
  release(operatorId: string, slot: number): Promise<void>;
}

/** §2.2–2.3 session states as this ESME sees them; one session object lives through them once. */
export type BindState = 'opening' | 'binding' | 'bound' | 'unbinding' | 'closed';

/** The bind a session asks for (§4.1); 'pair' in config becomes one transmitter and one receiver session. */
export type BindType = 'transmitter' | 'receiver' | 'transceiver';

/** Why a session closed. Drives the reconnect policy and the bindFailures metric. */
export type CloseReason =
  | 'connect_failed'
  | 'bind_refused'
  | 'bind_timeout'
  | 'socket_closed'
  | 'framing_lost'
  | 'peer_unbind'
  | 'keepalive_timeout'
  | 'response_timeouts'
  | 'lease_lost'
  | 'unbind'
  | 'stopped';

export interface SessionClosed {
  bindId: string;
  reason: CloseReason;
  /** How long it stayed bound (0 if it never bound). */
  boundMs: number;
  /** submit_sm answered ESME_ROK (or overridden 'ok') during the session: proof the bind really worked. */
  okSubmits: number;
  /** The refusing bind_resp status for 'bind_refused'. */
  status?: number;
  error?: Error;
}

export interface StateChange {
  bindId: string;
  from: BindState;
  to: BindState;
}

export interface ThrottledEvent {
  bindId: string;
  pauseMs: number;
  status: number;
}
