// Reassembly of concatenated MO (STYLE habit 9), kept in Redis so that neither the order of the parts nor a
// restart between them loses anything. Each part is stored atomically (mo-part.lua) under (operator,
// originator, recipient, reference); the part that completes the message moves it, in the same script, to
// the operator's MO inbox stream. A reassembly still incomplete at its deadline moves there too, flagged
// incomplete (mo-expire.lua), so a missing part never makes a message vanish. Entries leave the inbox only
// once routed: routing is at least once, whatever instance does it.
import { decodeShortMessage } from '../codec/index.js';
import type { MoStore } from '../store/index.js';
import { MoError } from './errors.js';
import type { InboundPart } from './inbound-part.js';

/** One part as stored in Redis (JSON). */
interface StoredPart {
  /** Part number, 1-based. */
  n: number;
  dc: number;
  enc: string;
  /** Decoded text of this part alone. */
  t: string;
  /** User data (after the UDH), base64. */
  ud: string;
  /** A national language shift applies. */
  sh?: 1;
  err?: string;
}

/** A whole inbound message, complete or not, as routed. */
export interface AssembledMo {
  /** Stable id (derived from the inbox entry): the same on every retry of its routing. */
  id: string;
  entryId: string;
  operatorId: string;
  from: string;
  sourceAddrTon: number;
  to: string;
  /** When its first part arrived (epoch ms). */
  receivedAt: number;
  text: string;
  encoding: string;
  /** Parts the message announced (1 when not concatenated). */
  total: number;
  /** Parts that arrived. */
  received: number;
  /** true when the reassembly timed out before every part arrived. */
  incomplete: boolean;
  /** Part numbers that never arrived (incomplete messages). */
  missing: number[];
  decodeError?: string;
}

export type StoreOutcome =
  | { status: 'duplicate' }
  | { status: 'stored'; received: number; total: number }
  | { status: 'complete'; entryId: string };

export interface ReassemblyOptions {
  timeoutSeconds: number;
}

function storedPart(part: InboundPart, n: number): StoredPart {
  const stored: StoredPart = {
    n,
    dc: part.dataCoding,
    enc: part.encoding,
    t: part.text,
    ud: part.userData.toString('base64'),
  };
  if (part.languageShift) stored.sh = 1;
  if (part.decodeError !== undefined) stored.err = part.decodeError;
  return stored;
}

/**
 * The text of the parts, in order. A complete message whose parts share one plain coding is decoded from its
 * joined user data, so a character a handset split across two parts (a GSM escape pair, a UTF-16 surrogate
 * pair) comes out whole; otherwise the parts' own texts are joined.
 */
export function assembleText(
  parts: readonly StoredPart[],
  complete: boolean,
): { text: string; encoding: string } {
  const first = parts[0];
  if (!first) return { text: '', encoding: 'binary' };
  const uniform = parts.every(
    (p) => p.dc === first.dc && p.enc === first.enc && p.sh === undefined && p.err === undefined,
  );
  if (complete && uniform && parts.length > 1 && first.enc !== 'binary') {
    const joined = Buffer.concat(parts.map((p) => Buffer.from(p.ud, 'base64')));
    const evenUcs2 = first.enc !== 'ucs2' || parts.every((p) => Buffer.from(p.ud, 'base64').length % 2 === 0);
    if (evenUcs2) {
      try {
        return { text: decodeShortMessage(joined, first.dc).text, encoding: first.enc };
      } catch {
        // Fall through to the per-part texts, which each decoded fine.
      }
    }
  }
  const encodings = new Set(parts.map((p) => p.enc));
  return {
    text: parts.map((p) => p.t).join(''),
    encoding: encodings.size === 1 ? first.enc : [...encodings].join('+'),
  };
}

function fieldsOf(flat: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}

export function moId(operatorId: string, entryId: string): string {
  return `mo-${operatorId}-${entryId}`;
}

export function parseInboxEntry(operatorId: string, entryId: string, flat: readonly string[]): AssembledMo {
  const f = fieldsOf(flat);
  let parts: StoredPart[];
  try {
    parts = JSON.parse(f.parts ?? '[]') as StoredPart[];
  } catch (error) {
    throw new MoError('MO_CORRUPT_ENTRY', `MO inbox entry ${entryId}: unreadable parts`, { cause: error });
  }
  const total = Number(f.total ?? parts.length) || parts.length;
  const incomplete = f.incomplete === '1';
  const { text, encoding } = assembleText(parts, !incomplete);
  const present = new Set(parts.map((p) => p.n));
  const missing: number[] = [];
  if (incomplete) for (let n = 1; n <= total; n++) if (!present.has(n)) missing.push(n);
  const mo: AssembledMo = {
    id: moId(operatorId, entryId),
    entryId,
    operatorId: f.op ?? operatorId,
    from: f.from ?? '',
    sourceAddrTon: Number(f.ton ?? 0),
    to: f.to ?? '',
    receivedAt: Number(f.at ?? 0),
    text,
    encoding,
    total,
    received: parts.length,
    incomplete,
    missing,
  };
  const decodeError = parts.find((p) => p.err !== undefined)?.err;
  if (decodeError !== undefined) mo.decodeError = decodeError;
  return mo;
}

export class MoReassembly {
  constructor(
    private readonly mo: MoStore,
    private readonly options: ReassemblyOptions,
  ) {}

  /**
   * Store one part. A message of one part goes straight to the inbox; a part of a longer message is kept
   * until the last one arrives. Resolves once Redis has it: only then may deliver_sm_resp go back.
   */
  async store(part: InboundPart): Promise<StoreOutcome> {
    const meta = ['op', part.operatorId, 'from', part.from, 'ton', part.sourceAddrTon, 'to', part.to];
    meta.push('at', part.receivedAt);
    if (!part.concat) {
      const entryId = await this.mo.addToInbox(part.operatorId, [
        ...meta.map(String),
        'total',
        '1',
        'received',
        '1',
        'incomplete',
        '0',
        'parts',
        JSON.stringify([storedPart(part, 1)]),
      ]);
      if (entryId === null) throw new MoError('MO_STORE_FAILED', 'XADD to the MO inbox returned no id');
      return { status: 'complete', entryId };
    }
    const { reference, total, sequence, via } = part.concat;
    const ref = `${via}-${reference}`;
    const timeoutSeconds = this.options.timeoutSeconds;
    const reply = await this.mo.addPart(
      { operatorId: part.operatorId, from: part.from, to: part.to, reference: ref },
      [
        sequence,
        total,
        JSON.stringify(storedPart(part, sequence)),
        part.digest,
        part.receivedAt + timeoutSeconds * 1000,
        // Outlives the deadline by far: the sweeper, not this TTL, ends a reassembly.
        timeoutSeconds * 4 + 86_400,
        timeoutSeconds,
        ...meta,
        'ref',
        ref,
      ],
    );
    switch (reply[0]) {
      case 'duplicate':
        return { status: 'duplicate' };
      case 'stored':
        return { status: 'stored', received: Number(reply[1]), total: Number(reply[2]) };
      case 'complete':
        return { status: 'complete', entryId: String(reply[1]) };
      default:
        throw new MoError('MO_STORE_FAILED', `mo-part returned ${JSON.stringify(reply)}`);
    }
  }

  /** Move every reassembly of the operator past its deadline to the inbox; returns the new entry ids. */
  async expire(operatorId: string, now: number, limit = 100): Promise<string[]> {
    return this.mo.expire(operatorId, now, limit);
  }

  async read(operatorId: string, entryId: string): Promise<AssembledMo | undefined> {
    const entry = await this.mo.readInbox(operatorId, entryId);
    return entry ? parseInboxEntry(operatorId, entry[0], entry[1]) : undefined;
  }

  /** Inbox entries older than `olderThanMs`: their routing failed or their instance died. */
  async stale(operatorId: string, now: number, olderThanMs: number, count = 50): Promise<string[]> {
    return this.mo.inboxUpTo(operatorId, Math.max(0, now - olderThanMs), count);
  }

  /** Take the routing of an entry for `leaseMs`; false when another instance holds it. */
  async claim(operatorId: string, entryId: string, holder: string, leaseMs: number): Promise<boolean> {
    return this.mo.claim(operatorId, entryId, holder, leaseMs);
  }

  /** The entry is routed: remove it (and its claim). */
  async done(operatorId: string, entryId: string): Promise<void> {
    await this.mo.done(operatorId, entryId);
  }

  /** Reassemblies in progress for the operator (for metrics and tests). */
  async pendingCount(operatorId: string): Promise<number> {
    return this.mo.pendingCount(operatorId);
  }
}
