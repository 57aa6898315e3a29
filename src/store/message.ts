// The message as the queue stores it. States are SPEC §2's; the record is a Redis hash whose fields
// are listed here so every reader and every Lua script agree on them.

export const MESSAGE_STATES = [
  'queued',
  'scheduled',
  'sending',
  'delivered',
  'confirmed',
  'error',
  'cancelled',
] as const;
export type MessageState = (typeof MESSAGE_STATES)[number];

/** States after which nothing changes, except `delivered` which a receipt (or its timeout) may still settle. */
export const FINAL_STATES: ReadonlySet<MessageState> = new Set(['confirmed', 'error', 'cancelled']);

export const MESSAGE_CLASSES = ['marketing', 'transactional'] as const;
export type MessageClass = (typeof MESSAGE_CLASSES)[number];

export type ErrorStage = 'policy' | 'submit' | 'receipt';

/** One encoded part as stored in the record, ready to become a submit_sm. */
export interface StoredSegment {
  /** short_message octets, base64 (UDH included when udhi). */
  sm: string;
  udhi: boolean;
  sar?: { reference: number; total: number; sequence: number };
  /** message_payload octets, base64 ('payload' concatenation). */
  payload?: string;
}

export interface NewMessage {
  account: string;
  to: string;
  from: string;
  text: string;
  class: MessageClass;
  /** Epoch ms; absent or past: send now. */
  sendAt?: number;
  /** Epoch ms after which the message ends in error EXPIRED instead of being sent. */
  validUntil?: number;
  clientRef?: string;
  callbackUrl?: string;
  campaignId?: string;
  zone?: string;
  /**
   * An id allocated before (a pre-split SMPP message's, given to the platform at its first part): the message
   * gets it, and a second enqueue of the same id is a duplicate of the first (`duplicate: true`).
   */
  id?: string;
  /** The SMPP registered_delivery a platform asked for: receipts go back to it for those states. */
  registeredDelivery?: number;
  /** The Redis ingress entry id it came from: on its first (queued/scheduled/error) event, not in the record. */
  ingressId?: string;
}

export interface HistoryEntry {
  state: MessageState;
  at: number;
  code?: string;
  detail?: string;
}

export interface PartView {
  index: number;
  smscMessageId: string | null;
  state: 'pending' | 'accepted' | 'confirmed' | 'failed';
  stat?: string;
  err?: string;
}

/** The read model of a message (GET /v1/messages/{id}). */
export interface MessageView {
  id: string;
  account: string;
  to: string;
  from: string;
  class: MessageClass;
  state: MessageState;
  /** true when `delivered` is final: no receipt expected, or none came in time. */
  unconfirmed?: boolean;
  operator: string;
  encoding: string;
  segments: number;
  clientRef?: string;
  campaignId?: string;
  sendAt?: string;
  error?: { stage: ErrorStage; code: string; message: string };
  parts: PartView[];
  history: Array<{ state: MessageState; at: string; code?: string; detail?: string }>;
  createdAt: string;
  updatedAt: string;
}
