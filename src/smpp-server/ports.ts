// What the SMPP server needs of the rest of the gateway, as ports named for the server's needs. The server
// never sees Redis: the composition root passes implementations (Redis-backed in the daemon, in-memory in
// tests). Every method may reject when its store is away; the server answers ESME_RSYSERR then (or, for
// the outbox, tries again at the next poll) and never lets a rejection escape.

/** The class a message is sent under (SPEC §3). */
export type PlatformMessageClass = 'marketing' | 'transactional';

/** A message a platform submitted, decoded and checked by the server (sender owned, addresses, coding). */
export interface PlatformMessage {
  /** E.164 with its "+". */
  to: string;
  /** One of the account's `senders`, as configured. */
  from: string;
  /** The whole text: for a pre-split message, the decoded text of all its parts joined. */
  text: string;
  class: PlatformMessageClass;
  /** The SMPP registered_delivery octet as received (§5.2.17), so receipts go out for what was asked. */
  registeredDelivery: number;
  /** Epoch ms the platform asked the message to expire at (validity_period, §5.2.15). */
  validUntil?: number;
  /** Epoch ms the platform asked the message to be sent at (schedule_delivery_time, §5.2.14). */
  sendAt?: number;
  /**
   * Set for a pre-split message: the id the PartGatherer allocated at its first part, already given to the
   * platform. The ingress must use it, and a second submit with the same id must be the same message
   * (the last part can be retried by the platform, or re-submitted after a crash).
   */
  id?: string;
  /** Parts the platform sent the text in (1 when it was not pre-split); the gateway re-splits it itself. */
  platformParts: number;
}

/**
 * Why the ingress refused a message. The server maps each to a command_status in one table
 * (status-map.ts); a code the table does not know is answered ESME_RSUBMITFAIL.
 */
export type IngressRefusalCode =
  | 'SENDER_NOT_ALLOWED'
  | 'INVALID_NUMBER'
  | 'NO_ROUTE'
  | 'EMPTY_TEXT'
  | 'TOO_MANY_PARTS'
  | 'INVALID_SCHEDULE'
  | 'INVALID_VALIDITY'
  | 'RATE_LIMITED'
  | 'QUEUE_FULL'
  | 'INSUFFICIENT_CREDIT'
  | 'UNAVAILABLE'
  | 'DRAINING'
  | 'OPTED_OUT'
  | 'QUIET_HOURS'
  | 'HOLIDAY'
  | 'FREQUENCY_CAP'
  | 'STOP_MENTION_MISSING'
  | 'DUPLICATE';

export type SubmitOutcome =
  { ok: true; id: string } | { ok: false; code: IngressRefusalCode; message?: string };

/**
 * Why a gathered message was given up: PARTS_MISSING, not every part arrived in time; NOT_SUBMITTED, every
 * part arrived but the submit of the whole was refused and the platform did not retry it successfully.
 */
export type AbandonCode = 'PARTS_MISSING' | 'NOT_SUBMITTED';

export interface AbandonedMessage {
  to: string;
  from: string;
  registeredDelivery: number;
  code: AbandonCode;
  /** Parts that arrived, of `total` announced. */
  received: number;
  total: number;
}

export interface PlatformIngress {
  /** Validate, apply policy and queue; resolve only once the message is durable (§4.4.2: the id goes back). */
  submit(account: string, message: PlatformMessage): Promise<SubmitOutcome>;
  /**
   * Record a message whose parts were acknowledged with `id` but that will never be submitted (not every
   * part arrived in time, or the whole was refused and never retried) as final `error` at stage policy with
   * `code`, so the platform learns of it by receipt (REJECTD) if it asked for one.
   */
  abandon(account: string, id: string, message: AbandonedMessage): Promise<void>;
}

/** The gateway's record of a message, as query_sm and receipts need it. */
export type PlatformMessageState =
  'queued' | 'scheduled' | 'sending' | 'delivered' | 'confirmed' | 'error' | 'cancelled';

export interface PlatformMessageStatus {
  state: PlatformMessageState;
  /** `delivered` is final: no receipt came, or none is expected ("delivered, unconfirmed"). */
  unconfirmed?: boolean;
  errorStage?: 'policy' | 'submit' | 'receipt';
  /** e.g. OPTED_OUT, EXPIRED, UNDELIV, ESME_RINVDSTADR. At stage receipt: the operator's stat word. */
  errorCode?: string;
  /** The operator receipt's `err:` value (3 digits), passed on to the platform. */
  networkError?: string;
  /** Epoch ms of the last state change (the final one, for final states). */
  at?: number;
}

export type CancelOutcome =
  { ok: true } | { ok: false; code: 'NOT_FOUND' | 'NOT_CANCELLABLE' | 'UNAVAILABLE' };

export interface PlatformMessages {
  /** The message `id` of `account`; undefined when unknown or another account's. */
  lookup(account: string, id: string): Promise<PlatformMessageStatus | undefined>;
  /** Cancel `id` of `account` if it has not been submitted yet. */
  cancel(account: string, id: string): Promise<CancelOutcome>;
}

/**
 * Binds per account across every instance (accounts[].smpp.maxBinds). The Redis implementation keeps
 * leases and refreshes the ones it granted itself, so a dead instance's binds lapse without a method here.
 */
export interface BindRegistry {
  /** Take one of the account's binds for `sessionId` (unique across instances); false when all are taken. */
  acquire(account: string, sessionId: string, maxBinds: number): Promise<boolean>;
  release(account: string, sessionId: string): Promise<void>;
}

/** Where the parts of one pre-split message meet (§5.3.2.22–24 SAR, or a 3GPP TS 23.040 concatenation UDH). */
export interface PartKey {
  account: string;
  /** source_addr and destination_addr as the server normalised them (`from`, E.164 `to`). */
  from: string;
  to: string;
  via: 'udh8' | 'udh16' | 'sar';
  reference: number;
}

export interface GatheredPart {
  /** 1-based. */
  seq: number;
  total: number;
  /** The part's user data: short_message or message_payload without its UDH. */
  payload: Buffer;
  dataCoding: number;
  registeredDelivery: number;
  /** Epoch ms. */
  receivedAt: number;
}

export type GatherOutcome =
  | { complete: false; id: string }
  /** Every part is there: `parts` in order of seq. Stays gathered until finish(), so a retry completes again. */
  | { complete: true; id: string; parts: GatheredPart[] }
  /** The part contradicts the ones before it (another total): answered ESME_RSUBMITFAIL, nothing kept. */
  | { complete: false; conflict: true };

export interface ExpiredGathering {
  key: PartKey;
  id: string;
  received: number;
  total: number;
  registeredDelivery: number;
}

export interface PartGatherer {
  /**
   * Keep one part durably and resolve once it is kept. The message id is allocated at the first part to
   * arrive (in any order) and returned for every part; a part already kept is a duplicate, not an error.
   */
  addPart(key: PartKey, part: GatheredPart): Promise<GatherOutcome>;
  /** The assembled message is durable (submitted, or abandoned): forget its parts. */
  finish(key: PartKey, id: string): Promise<void>;
  /**
   * Gatherings whose first part arrived before `firstPartBefore` (epoch ms), at most `max`, each handed
   * to one caller only (several instances sweep). They stay until finish().
   */
  expired(firstPartBefore: number, max: number): Promise<ExpiredGathering[]>;
}

/** A receipt due to the platform that submitted `messageId` (SPEC §4 "SMPP server"). */
export interface ReceiptItem {
  kind: 'receipt';
  messageId: string;
  /** The message's recipient and sender: the receipt's source_addr and destination_addr. */
  to: string;
  from: string;
  status: PlatformMessageStatus;
  /** Epoch ms the message was accepted, and of the state the receipt reports. */
  submitAt: number;
  doneAt: number;
  /** The start of the message text; the receipt carries its first 20 characters. */
  textStart: string;
}

/** A mobile-originated message for one of the account's short codes. */
export interface MoItem {
  kind: 'mo';
  /** The handset (E.164) and the short code it wrote to. */
  from: string;
  to: string;
  text: string;
}

export type OutboundItem = {
  itemId: string;
  /** Delivery attempts made so far (each retry() counts one). */
  attempts: number;
} & (ReceiptItem | MoItem);

/**
 * What is due to an account's platforms, waiting (bounded, with a TTL: the owner's business) until one binds
 * as receiver or transceiver. Items come out of next() in order and are each handed to one caller until
 * done(), retry() or drop() (or a lease of the owner's lapses).
 */
export interface PlatformOutbox {
  next(account: string, max: number): Promise<OutboundItem[]>;
  /** The platform acknowledged it (deliver_sm_resp ESME_ROK). */
  done(itemId: string): Promise<void>;
  /** Offer it again after `delayMs`; counts one attempt. */
  retry(itemId: string, delayMs: number): Promise<void>;
  /** Give it up (attempts exhausted, or it cannot be encoded). */
  drop(itemId: string, reason: string): Promise<void>;
}

/** Observations for metrics and tests; every hook is optional and must not throw. */
export interface SmppServerHooks {
  onBound?(account: string, sessionId: string, bindType: PlatformBindType): void;
  onClosed?(account: string | undefined, sessionId: string, reason: string): void;
  onBindRefused?(systemId: string, status: number): void;
  /** Credentials refused, or a bind from an address past `authFailures` (refused unread). */
  onAuthFailure?(reason: AuthFailureReason): void;
  onSubmit?(account: string, status: number): void;
  onOutboxDropped?(account: string, item: OutboundItem, reason: string): void;
}

export type AuthFailureReason = 'unknown_system_id' | 'bad_password' | 'rate_limited';

export type PlatformBindType = 'transmitter' | 'receiver' | 'transceiver';
