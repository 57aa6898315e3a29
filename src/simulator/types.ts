// The simulator's public types: its options, what it records, and what its events carry.
import type { Logger } from 'pino';
import type { Tlv } from '../smpp/pdu/index.js';
import type { BindMode } from './connection.js';
import type { MoConcatenation } from './mo-text.js';
import type { ReceiptStat } from './receipts.js';
import type { Scenario } from './scenarios.js';

export interface DestinationRule {
  /** Matched against destination_addr, a leading '+' ignored on both sides; longest prefix wins. */
  prefix: string;
  /** Final stat of the receipt; default DELIVRD. */
  stat?: ReceiptStat;
  /** Answer submit_sm with this command_status (no message id, no receipt). */
  submitStatus?: number;
  receiptDelayMs?: number;
  noReceipt?: boolean;
  /** The receipt's err: field; default per stat (see receipts.ts). */
  errorCode?: number;
}

export interface SimulatorOptions {
  host?: string;
  port?: number;
  systemId?: string;
  password?: string;
  /** Message ids in lower-case hex (default) or decimal, from one counter. */
  messageIdFormat?: 'hex' | 'decimal';
  /** First message id counter value; default random in 0x10000000..0x7fffffff (8 hex digits). */
  messageIdStart?: number;
  receipts?: boolean;
  receiptDelayMs?: number;
  rules?: DestinationRule[];
  scenarios?: Scenario[];
  tls?: { cert: string | Buffer; key: string | Buffer; ca?: string | Buffer };
  control?: { host?: string; port: number };
  logger?: Logger;
  maxRecordedSubmits?: number;
  /** system_id of the SMSC in bind responses; default "SMSCSIM". */
  smscSystemId?: string;
  /** Receipts held for a system_id with no receiver bound; beyond this new receipts are dropped. */
  maxQueuedReceipts?: number;
  /** A receipt answered ESME_RX_T_APPN (a temporary error) is sent again after this; default 1 s. */
  receiptRetryMs?: number;
  /** How long an injected MO waits for deliver_sm_resp; default 10 s. */
  deliverTimeoutMs?: number;
  /** How long stop() waits for each unbind_resp; default 1 s. */
  unbindTimeoutMs?: number;
  /** Send enquire_link to every bound session this often (§4.11); default 0 = never. */
  enquireLinkIntervalMs?: number;
  /** Clock for the throttle window and the receipt dates; default Date.now. */
  clock?: () => number;
}

export type SubmitOutcome =
  'ok' | 'error' | 'throttled' | 'genericNack' | 'noResponse' | 'closed' | 'badCommandLength';

export interface RecordedSubmit {
  /** 1-based arrival number across the simulator. */
  seq: number;
  command: 'submit_sm' | 'data_sm';
  /** The PDU's sequence_number. */
  sequenceNumber: number;
  systemId: string;
  sessionId: number;
  serviceType: string;
  sourceAddrTon: number;
  sourceAddrNpi: number;
  sourceAddr: string;
  destAddrTon: number;
  destAddrNpi: number;
  destinationAddr: string;
  esmClass: number;
  dataCoding: number;
  registeredDelivery: number;
  /** data_sm: the message_payload TLV. */
  shortMessage: Buffer;
  tlvs: Tlv[];
  /** null when not acknowledged with ESME_ROK. */
  messageId: string | null;
  /** The command_status answered (generic_nack's for genericNack); -1 when nothing was answered. */
  status: number;
  outcome: SubmitOutcome;
  receivedAt: number;
}

export interface MoInjection {
  from: string;
  to: string;
  text?: string;
  shortMessage?: Buffer;
  dataCoding?: number;
  esmClass?: number;
  tlvs?: Tlv[];
  /** For text longer than one part; default udh8. */
  concatenation?: MoConcatenation;
  /** The order (1-based part numbers) to send the parts in, e.g. [3, 1, 2]; parts may be left out. */
  partOrder?: number[];
  /** Concatenation reference; default random. */
  reference?: number;
  /** Only to receivers of this system_id; default any receiver or transceiver. */
  systemId?: string;
  sourceAddrTon?: number;
  sourceAddrNpi?: number;
  destAddrTon?: number;
  destAddrNpi?: number;
}

export interface MoResult {
  sessionId: number;
  /** One entry per deliver_sm sent, in sending order. */
  parts: Array<{ partNumber: number; sequenceNumber: number; commandStatus: number }>;
}

export interface BindEvent {
  sessionId: number;
  systemId: string;
  mode: BindMode;
}

export interface SessionEvent {
  sessionId: number;
  systemId: string;
}
