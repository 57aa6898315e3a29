// Every Redis key name of the gateway comes from here; no script builds one. A message's keys (record,
// queue streams, scheduled set, SMSC-id index, receipt deadlines) live under its shard's hash tag
// `{s<n>}`, and the shard is the message id's last character, so a script touching one message stays on
// one Redis Cluster slot and `GET /v1/messages/{id}` finds the record with one lookup. Accounts' event
// streams and figures are named by the SPEC (§4) and keyed per account.

export type Lane = 'transactional' | 'marketing';
export const LANES: readonly Lane[] = ['transactional', 'marketing'];

/** The consumer group every daemon instance joins on every operator stream. */
export const CONSUMER_GROUP = 'gateway';

/** The most shards the key layout can name (one Crockford base32 character in the message id). */
export const MAX_SHARDS = 32;

const SHARD_DIGITS = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The shard a message id lives on (its last character, Crockford base32), whatever the count is now. */
export function shardOfId(id: string): number {
  const i = SHARD_DIGITS.indexOf(id.charAt(id.length - 1));
  return i >= 0 ? i : 0;
}

/** FNV-1a, 32 bits: a cheap stable spread of a string over the shards. */
function spread(seed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** CRC16-XMODEM, what Redis Cluster hashes a key (or its `{tag}`) with: slot = crc16 mod 16384. */
export function clusterSlot(tag: string): number {
  const bytes = Buffer.from(tag, 'utf8');
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

const SLOTS = 16384;
const clusterTags = new Map<number, string>();

/**
 * The hash tag of shard n on a Redis Cluster. `{s<n>}` would leave the spread of the shards over the
 * primaries to chance (16 of them can fall 8/5/3 on three primaries); instead shard n's tag is the first
 * `s<n>.<k>` whose slot falls in the middle of bucket bitreverse5(n) of 32 equal slot ranges. The first S
 * shards of any power of two S then sit at evenly spaced slots, so a cluster whose primaries hold equal
 * slot ranges gets an equal share of them (16 shards on 3 primaries: 6/5/5). It depends on n alone: a
 * shard keeps its tag when the count grows.
 */
export function clusterShardTag(n: number): string {
  let tag = clusterTags.get(n);
  if (tag !== undefined) return tag;
  let reversed = 0;
  for (let bit = 0; bit < 5; bit++) if (n & (1 << bit)) reversed |= 1 << (4 - bit);
  const width = SLOTS / 32;
  const low = reversed * width + width / 4;
  const high = reversed * width + (3 * width) / 4;
  for (let k = 0; ; k++) {
    const candidate = `s${n}.${k}`;
    const slot = clusterSlot(candidate);
    if (slot >= low && slot < high) {
      tag = candidate;
      break;
    }
  }
  clusterTags.set(n, tag);
  return tag;
}

export function shardDigit(shard: number): string {
  return SHARD_DIGITS[shard] ?? '0';
}

export class RedisKeys {
  private next = 0;
  /** 0 … shards-1, for the readers that visit every shard. */
  readonly shardList: readonly number[];

  /**
   * `shards`: how many shards the readers visit (the most ever configured on this Redis: see
   * GatewayStore.registerShards) and new messages are spread over.
   */
  /**
   * On a Redis Cluster (`cluster`), every script's keys share one slot: the shards' tags are spread over
   * the slots (clusterShardTag), and what a message script writes for its account (events, figures,
   * clientRef) is kept per shard beside the message: events relayed to the account's stream, figures
   * summed when read. On one server the account keys stay one key each.
   */
  readonly cluster: boolean;
  /** The shards an account's figures are kept on (summed when read): every shard on a Cluster, else one key. */
  readonly figureShards: readonly number[];

  constructor(
    readonly prefix: string,
    readonly shards = 1,
    options: { cluster?: boolean } = {},
  ) {
    if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS) {
      throw new RangeError(`shards: expected an integer from 1 to ${MAX_SHARDS}, got ${shards}`);
    }
    this.shardList = Array.from({ length: shards }, (_, i) => i);
    this.cluster = options.cluster ?? false;
    this.figureShards = this.cluster ? this.shardList : [0];
  }

  /**
   * The shard of a new message: from `seed` when given (an account's clientRef, so its idempotency key
   * shares the message's hash tag), otherwise in turn, so traffic spreads evenly.
   */
  pickShard(seed?: string): number {
    if (this.shards === 1) return 0;
    if (seed !== undefined) return spread(seed) % this.shards;
    this.next = (this.next + 1) % this.shards;
    return this.next;
  }

  /** The key that remembers the most shards ever configured on this Redis (readers visit them all). */
  shardCount(): string {
    return `${this.prefix}:shards`;
  }

  private shard(n: number): string {
    return this.cluster ? `${this.prefix}:{${clusterShardTag(n)}}` : `${this.prefix}:{s${n}}`;
  }

  private op(operatorId: string): string {
    return `${this.prefix}:{op:${operatorId}}`;
  }

  /** Stream of messages waiting for the operator's send window, one per priority lane and shard. */
  stream(operatorId: string, lane: Lane, shard = 0): string {
    return `${this.shard(shard)}:q:${operatorId}:${lane === 'transactional' ? 't' : 'm'}`;
  }

  /** Sorted set (score = due time in ms) of `<t|m>|<message ref>` held until a time. */
  scheduled(operatorId: string, shard = 0): string {
    return `${this.shard(shard)}:sched:${operatorId}`;
  }

  /** The message record (hash, fields in record.ts). */
  message(id: string): string {
    return `${this.shard(shardOfId(id))}:m:${id}`;
  }

  /** Index from an SMSC message id (normalised form) to `<message ref>|<part>`. */
  smscId(operatorId: string, normalisedId: string, shard = 0): string {
    return `${this.shard(shard)}:x:${operatorId}:${normalisedId}`;
  }

  /** Delivered messages waiting for their receipt (sorted set of message refs, score = deadline ms). */
  receiptDeadlines(shard = 0): string {
    return `${this.shard(shard)}:dl`;
  }

  /**
   * The state changes someone is to be told of (webhooks), copied from the accounts' streams by the same
   * scripts: the notifier reads only these. Consumer group `notifier`; entries deleted once queued.
   */
  notifications(shard = 0): string {
    return `${this.shard(shard)}:notify`;
  }

  /** Token bucket shared by every instance: the operator's throughput limit. */
  bucket(operatorId: string): string {
    return `${this.op(operatorId)}:bucket`;
  }

  /** Lease on bind slot N of the operator, so the number of binds holds across instances. */
  bindLease(operatorId: string, slot: number): string {
    return `${this.op(operatorId)}:lease:${slot}`;
  }

  /** Receipts that arrived before the submit_sm_resp carrying their id: hash of JSON, retried. */
  earlyReceipts(operatorId: string): string {
    return `${this.op(operatorId)}:early-receipts`;
  }

  /** Token bucket of an account's own ingress limit (`accounts[].tps`), shared by every instance. */
  accountBucket(accountId: string): string {
    return `${this.prefix}:acct:${accountId}:bucket`;
  }

  /** A key each instance writes now and then (short TTL): can Redis take writes? */
  writeProbe(instance: string): string {
    return `${this.prefix}:probe:${instance}`;
  }

  /** Live daemon instances (sorted set, score = last heartbeat ms), for the fair share of bind slots. */
  instances(): string {
    return `${this.prefix}:instances`;
  }

  /**
   * Figures (SPEC §3 campaign statistics) of an account, kept by the state scripts: one key, or on a
   * Cluster one per shard (`figureShards`), summed when read.
   */
  accountFigures(accountId: string, shard = 0): string {
    if (this.cluster) return `${this.shard(shard)}:figures:account:${accountId}`;
    return `${this.prefix}:figures:account:${accountId}`;
  }

  /** Figures of one campaign of an account (per shard on a Cluster, like accountFigures). */
  campaignFigures(accountId: string, campaignId: string, shard = 0): string {
    if (this.cluster) return `${this.shard(shard)}:figures:campaign:${accountId}:${campaignId}`;
    return `${this.prefix}:figures:campaign:${accountId}:${campaignId}`;
  }

  /**
   * Idempotency: an account's clientRef → the first message id, for 24 h. On a Cluster it sits on the
   * shard the clientRef itself picks (pickShard(account + clientRef)), with the message it names.
   */
  clientRef(accountId: string, clientRef: string, shard = 0): string {
    if (this.cluster) return `${this.shard(shard)}:clientref:${accountId}:${clientRef}`;
    return `${this.prefix}:acct:${accountId}:clientref:${clientRef}`;
  }

  /** Counter for the UDH concatenation reference per destination number. */
  concatReference(destination: string): string {
    return `${this.prefix}:concat-ref:${destination}`;
  }

  /** An account's own event stream: its messages' state changes and its MO (SPEC §4). */
  events(accountId: string): string {
    return `${this.prefix}:events:${accountId}`;
  }

  /**
   * Where the message scripts write a state change's event: the account's stream itself, or on a Cluster
   * the shard's own event stream (every account's), which the ClusterRelay copies to the accounts' streams.
   */
  stateEvents(accountId: string, shard = 0): string {
    return this.cluster ? this.shardEvents(shard) : this.events(accountId);
  }

  /** A shard's own event stream on a Cluster (every account's events, each naming its account). */
  shardEvents(shard: number): string {
    return `${this.shard(shard)}:events`;
  }

  /**
   * The relay's cursor beside an account's stream (same slot: its tag is the stream's whole name): per
   * shard, the last shard event copied, so a relay repeated after a crash copies nothing twice.
   */
  relayCursor(accountId: string): string {
    return `{${this.events(accountId)}}:relayed`;
  }

  /** Which instance relays a shard's events now (a lease, so one instance does it at a time). */
  relayLease(shard: number): string {
    return `${this.shard(shard)}:events:relay`;
  }

  /** MO to a number no account owns (no short code configured): for the operators, not for any account. */
  unroutedMo(): string {
    return `${this.prefix}:mo:unrouted`;
  }

  /** Where aggregators XADD messages for an account (SPEC §4 Redis ingress). */
  ingress(accountId: string): string {
    return `${this.prefix}:ingress:${accountId}`;
  }

  /** The ingress entries refused, each with its reason (`code`, `message`, `ingressId`): the dead letters. */
  ingressDead(accountId: string): string {
    return `${this.prefix}:ingress:${accountId}:dead`;
  }

  // --- SMPP server for platforms: one hash tag per account, so each script of the server's state (binds,
  // gatherings, outbox) stays on one Redis Cluster slot ---

  private platform(accountId: string): string {
    return `${this.prefix}:{pf:${accountId}}`;
  }

  /** The account's platform binds on every instance: sorted set of session ids, score = lease expiry ms. */
  platformBinds(accountId: string): string {
    return `${this.platform(accountId)}:binds`;
  }

  /**
   * The parts of one pre-split message being gathered (hash). `from` goes last: the only part of the name
   * that may hold a ":" (an alphanumeric sender), so two keys can never read the same.
   */
  platformParts(accountId: string, via: string, to: string, reference: number, from: string): string {
    return `${this.platform(accountId)}:parts:${via}:${to}:${reference}:${from}`;
  }

  /** What the last gathering finished under the same name left (its id, its parts' digests), briefly. */
  platformPartsDone(accountId: string, via: string, to: string, reference: number, from: string): string {
    return `${this.platform(accountId)}:parts-done:${via}:${to}:${reference}:${from}`;
  }

  /** Gatherings of the account in progress (sorted set, member = their platformParts key, score = first part ms). */
  platformPartsPending(accountId: string): string {
    return `${this.platform(accountId)}:parts-pending`;
  }

  /** Receipts and MO due to the account's platforms: items (hash seq → JSON, t:seq, a:seq). */
  platformOutboxItems(accountId: string): string {
    return `${this.platform(accountId)}:outbox:items`;
  }

  /** Outbox items ready at a time (sorted set, member = seq, score = ms they may go). */
  platformOutboxDue(accountId: string): string {
    return `${this.platform(accountId)}:outbox:due`;
  }

  /** Outbox items handed to an instance (sorted set, member = seq, score = lease expiry ms). */
  platformOutboxLeased(accountId: string): string {
    return `${this.platform(accountId)}:outbox:leased`;
  }

  /** The outbox's sequence counter (items go out in its order). */
  platformOutboxSeq(accountId: string): string {
    return `${this.platform(accountId)}:outbox:seq`;
  }

  /** What the outbox was recently given (sorted set, member = the item's origin, score = ms), against doubles. */
  platformOutboxSeen(accountId: string): string {
    return `${this.platform(accountId)}:outbox:seen`;
  }

  /** A pre-allocated message id already written (a pre-split message's), so a second write is a duplicate. */
  preallocatedId(accountId: string, id: string): string {
    if (this.cluster) return `${this.shard(shardOfId(id))}:preid:${accountId}:${id}`;
    return `${this.prefix}:acct:${accountId}:preid:${id}`;
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

  /** The account's credit balance in segments (string, integer); absent: never used (the configured start). */
  credit(accountId: string): string {
    return `${this.prefix}:acct:${accountId}:credit`;
  }

  /**
   * Set while the account's low-balance alert has fired (cleared by a top-up back over the threshold). On
   * a Cluster it shares the balance's slot (its tag is the balance key's whole name), as do the two below.
   */
  creditLow(accountId: string): string {
    if (this.cluster) return `{${this.credit(accountId)}}:low`;
    return `${this.prefix}:acct:${accountId}:credit-low`;
  }

  /**
   * Cluster only: credit reserved for messages being written (hash: message id → "<segments>|<ms>"), so a
   * crash between the reservation and the write is found and given back (MessageStore.sweepCreditHolds).
   */
  creditHeld(accountId: string): string {
    return `{${this.credit(accountId)}}:held`;
  }

  /** Cluster only: a message's reserved credit already given back (a marker with a TTL), so it is given once. */
  creditRefunded(accountId: string, id: string): string {
    return `{${this.credit(accountId)}}:refunded:${id}`;
  }

  /** Cluster only: the accounts whose reservations the sweep visits (a set, one slot of its own). */
  creditAccounts(): string {
    return `${this.prefix}:credit-accounts`;
  }

  /**
   * Cluster only: credit given back by the state scripts on a shard, waiting to reach the balance on its
   * own slot (hash: message id → "<account>|<segments>"; MessageStore.applyRefunds).
   */
  creditRefunds(shard: number): string {
    return `${this.shard(shard)}:credit-back`;
  }

  /** Sorted set of the marketing messages submitted to a recipient (member id, score submission ms). */
  frequency(accountId: string, to: string): string {
    return `${this.prefix}:acct:${accountId}:freq:${to}`;
  }

  /** A campaign's record (hash). */
  campaign(accountId: string, campaignId: string): string {
    return `${this.prefix}:acct:${accountId}:campaign:${campaignId}`;
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
