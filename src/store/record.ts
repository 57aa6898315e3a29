// The typed codec of the message record: what enqueue writes, what the worker and the API read. The
// record is a Redis hash of a few short fields (their list is in lua/lib-record.lua): the context the
// scripts need (k, TAB-separated), the rest as one JSON field (m) the scripts never decode, and per
// part only its SMSC id and its receipt.
import type {
  ErrorStage,
  MessageClass,
  MessageState,
  MessageView,
  PartView,
  StoredSegment,
} from './message.js';
import { isFinalReceiptStat } from '../smpp/pdu/index.js';

/** What the scripts read of a message: enough for events, figures, opt-out checks and part counts. */
export interface MessageContext {
  id: string;
  account: string;
  clientRef?: string;
  campaignId?: string;
  hasCallback: boolean;
  /** Someone is to be told of its state changes (its own callbackUrl, or its account's webhook). */
  notify?: boolean;
  segments: number;
  to: string;
  class: MessageClass;
}

/** The immutable rest of a message, kept as JSON in field `m`. */
export interface MessageMeta {
  from: string;
  operator: string;
  encoding: string;
  dataCoding: number;
  segs: StoredSegment[];
  callbackUrl?: string;
  zone?: string;
  sendAt?: number;
  validUntil?: number;
  /** The SMPP registered_delivery a platform asked for (SMPP-server ingress). */
  registeredDelivery?: number;
  /** The first 20 characters of the text, for the text: field of receipts to a platform (SMPP-server ingress). */
  textStart?: string;
}

/**
 * Free text for a record's compact strings (TAB and newline separate their fields) or for a packed script
 * argument (U+001F separates its fields): each separator becomes a space.
 */
export function oneLine(value: string | undefined): string {
  // eslint-disable-next-line no-control-regex -- U+001F separates packed fields (message-store.ts pack)
  return value === undefined ? '' : value.replace(/[\t\n\x1f]/g, ' ');
}

export function encodeContext(c: MessageContext): string {
  return [
    c.id,
    c.account,
    oneLine(c.clientRef),
    oneLine(c.campaignId),
    c.hasCallback ? '1' : c.notify ? '2' : '',
    String(c.segments),
    c.to,
    c.class,
  ].join('\t');
}

export function decodeContext(k: string): MessageContext {
  const [id = '', account = '', clientRef = '', campaignId = '', cb = '', segments = '0', to = '', cls = ''] =
    k.split('\t');
  return {
    id,
    account,
    ...(clientRef ? { clientRef } : {}),
    ...(campaignId ? { campaignId } : {}),
    hasCallback: cb === '1',
    ...(cb !== '' ? { notify: true } : {}),
    segments: Number(segments),
    to,
    class: cls === 'marketing' ? 'marketing' : 'transactional',
  };
}

export function encodeMeta(meta: MessageMeta): string {
  return JSON.stringify(meta);
}

export function decodeMeta(m: string | undefined | null): MessageMeta {
  const parsed = JSON.parse(m ?? '{}') as Partial<MessageMeta>;
  return {
    from: parsed.from ?? '',
    operator: parsed.operator ?? '',
    encoding: parsed.encoding ?? '',
    dataCoding: parsed.dataCoding ?? 0,
    segs: parsed.segs ?? [],
    ...(parsed.callbackUrl !== undefined ? { callbackUrl: parsed.callbackUrl } : {}),
    ...(parsed.zone !== undefined ? { zone: parsed.zone } : {}),
    ...(parsed.sendAt !== undefined ? { sendAt: parsed.sendAt } : {}),
    ...(parsed.validUntil !== undefined ? { validUntil: parsed.validUntil } : {}),
    ...(parsed.registeredDelivery !== undefined ? { registeredDelivery: parsed.registeredDelivery } : {}),
    ...(parsed.textStart !== undefined ? { textStart: parsed.textStart } : {}),
  };
}

/**
 * A message's reference where it is queued or indexed (stream entry, scheduled and deadline sets, SMSC-id
 * index): `id|account|campaignId`, enough to name every key of the message without reading it first.
 */
export interface MessageRef {
  id: string;
  account: string;
  campaignId?: string;
}

export function encodeRef(ref: MessageRef): string {
  return `${ref.id}|${ref.account}|${ref.campaignId ?? ''}`;
}

export function decodeRef(s: string): MessageRef {
  const [id = '', account = '', campaignId = ''] = s.split('|');
  return { id, account, ...(campaignId ? { campaignId } : {}) };
}

export interface HistoryLine {
  state: MessageState;
  at: number;
  code?: string;
  detail?: string;
}

export function decodeHistory(h: string | undefined): HistoryLine[] {
  if (!h) return [];
  return h.split('\n').map((line) => {
    const [state = '', at = '0', code = '', detail = ''] = line.split('\t');
    return {
      state: state as MessageState,
      at: Number(at),
      ...(code ? { code } : {}),
      ...(detail ? { detail } : {}),
    };
  });
}

/** The decoded record, as the worker and the API use it. */
export interface MessageRecord {
  context: MessageContext;
  meta: MessageMeta;
  state: MessageState;
  history: HistoryLine[];
  attempts: number;
  error?: { stage: ErrorStage; code: string; message: string };
  detail?: string;
  /** Per part (index 0 = part 1): the SMSC id once accepted, the receipt once it came. */
  parts: Array<{ smscId?: string; stat?: string; err?: string }>;
}

export function decodeRecord(r: Record<string, string>): MessageRecord | undefined {
  if (!r.k || !r.st) return undefined;
  const context = decodeContext(r.k);
  const parts: MessageRecord['parts'] = [];
  for (let i = 1; i <= context.segments; i++) {
    const smscId = r[`a${i}`];
    const receipt = r[`r${i}`];
    const [stat, err] = receipt ? receipt.split('\t') : [];
    parts.push({
      ...(smscId ? { smscId } : {}),
      ...(stat ? { stat } : {}),
      ...(err ? { err } : {}),
    });
  }
  const record: MessageRecord = {
    context,
    meta: decodeMeta(r.m),
    state: r.st as MessageState,
    history: decodeHistory(r.h),
    attempts: Number(r.at ?? 0),
    parts,
  };
  if (r.er) {
    const [stage = '', code = '', message = ''] = r.er.split('\t');
    record.error = { stage: stage as ErrorStage, code, message };
  }
  if (r.dt) record.detail = r.dt;
  return record;
}

function iso(ms: number | undefined): string {
  return ms !== undefined && Number.isFinite(ms) ? new Date(ms).toISOString() : '';
}

/** The read model of a message (GET /v1/messages/{id}). */
export function toView(record: MessageRecord): MessageView {
  const { context, meta } = record;
  const parts: PartView[] = record.parts.map((p, i) => {
    let state: PartView['state'] = p.smscId ? 'accepted' : 'pending';
    if (p.stat === 'DELIVRD') state = 'confirmed';
    else if (p.stat && isFinalReceiptStat(p.stat)) state = 'failed';
    return {
      index: i + 1,
      smscMessageId: p.smscId ?? null,
      state,
      ...(p.stat ? { stat: p.stat } : {}),
      ...(p.err ? { err: p.err } : {}),
    };
  });
  const history = record.history.map((h) => ({
    state: h.state,
    at: iso(h.at),
    ...(h.code ? { code: h.code } : {}),
    ...(h.detail ? { detail: h.detail } : {}),
  }));
  const view: MessageView = {
    id: context.id,
    account: context.account,
    to: context.to,
    from: meta.from,
    class: context.class,
    state: record.state,
    operator: meta.operator,
    encoding: meta.encoding,
    segments: context.segments,
    parts,
    history,
    createdAt: iso(record.history[0]?.at),
    updatedAt: iso(record.history[record.history.length - 1]?.at),
  };
  if (record.state === 'delivered' && (record.detail === 'unconfirmed' || record.detail === 'final'))
    view.unconfirmed = true;
  if (context.clientRef) view.clientRef = context.clientRef;
  if (context.campaignId) view.campaignId = context.campaignId;
  if (meta.sendAt !== undefined) view.sendAt = iso(meta.sendAt);
  if (record.error) view.error = record.error;
  return view;
}
