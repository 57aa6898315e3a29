// Every Redis key name of the gateway comes from here. Keys of one operator share the hash tag
// `{op:<id>}` so that the scripts that touch an operator's queue stay on one Redis Cluster slot.

export type Lane = 'transactional' | 'marketing';
export const LANES: readonly Lane[] = ['transactional', 'marketing'];

/** The consumer group every daemon instance joins on every operator stream. */
export const CONSUMER_GROUP = 'gateway';

export class RedisKeys {
  constructor(readonly prefix: string) {}

  private op(operatorId: string): string {
    return `${this.prefix}:{op:${operatorId}}`;
  }

  /** Stream of messages waiting for the operator's send window, one per priority lane. */
  stream(operatorId: string, lane: Lane): string {
    return `${this.op(operatorId)}:stream:${lane}`;
  }

  /** Sorted set (score = due time in ms) of `<lane>|<messageId>` held until a time. */
  scheduled(operatorId: string): string {
    return `${this.op(operatorId)}:scheduled`;
  }

  /** Token bucket shared by every instance: the operator's throughput limit. */
  bucket(operatorId: string): string {
    return `${this.op(operatorId)}:bucket`;
  }

  /** Lease on bind slot N of the operator, so the number of binds holds across instances. */
  bindLease(operatorId: string, slot: number): string {
    return `${this.op(operatorId)}:lease:${slot}`;
  }

  /** Index from an SMSC message id (normalised form) to `<messageId>:<part>`. */
  smscId(operatorId: string, normalisedId: string): string {
    return `${this.op(operatorId)}:smsc:${normalisedId}`;
  }

  /** Receipts that arrived before the submit_sm_resp carrying their id: hash of JSON, retried. */
  earlyReceipts(operatorId: string): string {
    return `${this.op(operatorId)}:early-receipts`;
  }

  /** Token bucket of an account's own ingress limit (`accounts[].tps`), shared by every instance. */
  accountBucket(accountId: string): string {
    return `${this.prefix}:acct:${accountId}:bucket`;
  }

  /** Live daemon instances (sorted set, score = last heartbeat ms), for the fair share of bind slots. */
  instances(): string {
    return `${this.prefix}:instances`;
  }

  /** Delivered messages waiting for their receipt (sorted set, score = deadline ms). */
  receiptDeadlines(): string {
    return `${this.prefix}:receipt-deadlines`;
  }

  /** Figures (SPEC §3 campaign statistics) of an account, kept by the state scripts. */
  accountFigures(accountId: string): string {
    return `${this.prefix}:figures:account:${accountId}`;
  }

  /** Figures of one campaign of an account. */
  campaignFigures(accountId: string, campaignId: string): string {
    return `${this.prefix}:figures:campaign:${accountId}:${campaignId}`;
  }

  /** The message record (hash). */
  message(id: string): string {
    return `${this.messagePrefix()}${id}`;
  }

  messagePrefix(): string {
    return `${this.prefix}:msg:`;
  }

  /** Idempotency: an account's clientRef → the first message id, for 24 h. */
  clientRef(accountId: string, clientRef: string): string {
    return `${this.prefix}:acct:${accountId}:clientref:${clientRef}`;
  }

  /** Counter for the UDH concatenation reference per destination number. */
  concatReference(destination: string): string {
    return `${this.prefix}:concat-ref:${destination}`;
  }

  /** Every state change, for aggregators and webhooks (SPEC §4 Redis ingress). */
  events(): string {
    return `${this.prefix}:events`;
  }

  /** Where aggregators XADD messages for an account (SPEC §4 Redis ingress). */
  ingress(accountId: string): string {
    return `${this.prefix}:ingress:${accountId}`;
  }

  // --- Inbound (MO), opt-outs, webhooks ---

  /** The parts of one concatenated MO being reassembled (hash), per originator, recipient and reference. */
  moParts(operatorId: string, from: string, to: string, reference: string | number): string {
    return `${this.op(operatorId)}:mo:parts:${from}:${to}:${reference}`;
  }

  /** Part digests of the message last completed under the same reference, so an SMSC's resent part is ignored. */
  moDone(operatorId: string, from: string, to: string, reference: string | number): string {
    return `${this.op(operatorId)}:mo:done:${from}:${to}:${reference}`;
  }

  /** Sorted set of reassemblies (member = their moParts key) by deadline in ms. */
  moPending(operatorId: string): string {
    return `${this.op(operatorId)}:mo:pending`;
  }

  /** Stream of whole MO messages (complete or expired) not yet routed; an entry is deleted once handled. */
  moInbox(operatorId: string): string {
    return `${this.op(operatorId)}:mo:inbox`;
  }

  /** Lease of the instance routing one inbox entry; when it lapses, another instance retries the entry. */
  moClaim(operatorId: string, entryId: string): string {
    return `${this.op(operatorId)}:mo:claim:${entryId}`;
  }

  /** An account's opt-out list: hash of E.164 number → JSON {at, source}. */
  optOuts(accountId: string): string {
    return `${this.prefix}:acct:${accountId}:optouts`;
  }

  /** Loop guard of a short code's auto-responder: set (NX, with the interval as TTL) per number replied to. */
  autoReplyGuard(shortCode: string, number: string): string {
    return `${this.prefix}:autoreply:${shortCode}:${number}`;
  }

  /** Sorted set of webhook delivery ids by the time (ms) their next attempt is due. */
  webhookQueue(): string {
    return `${this.prefix}:{webhooks}:due`;
  }

  /** One webhook delivery (hash: url, body, signature, attempts, ...); same hash tag as webhookQueue. */
  webhookDelivery(id: string): string {
    return `${this.prefix}:{webhooks}:d:${id}`;
  }
}
