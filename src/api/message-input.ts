// Validation of a message submitted by an account (HTTP body, Redis ingress entry): one place, so every
// ingress gives the same errors, each naming its field.
import { IANAZone } from 'luxon';
import type { AccountConfig, OperatorConfig } from '../config/index.js';
import { MESSAGE_CLASSES, type MessageClass, type NewMessage } from '../store/index.js';
import { normaliseNumber } from '../numbers/index.js';
import { ApiError } from './errors.js';

export interface MessageInput {
  to?: unknown;
  from?: unknown;
  text?: unknown;
  class?: unknown;
  sendAt?: unknown;
  zone?: unknown;
  validityMinutes?: unknown;
  clientRef?: unknown;
  callbackUrl?: unknown;
  campaignId?: unknown;
}

const KNOWN_FIELDS = new Set([
  'to',
  'from',
  'text',
  'class',
  'sendAt',
  'zone',
  'validityMinutes',
  'clientRef',
  'callbackUrl',
  'campaignId',
]);

function invalid(field: string, message: string, code = 'INVALID_FIELD'): ApiError {
  return new ApiError(400, code, `${field}: ${message}`, field);
}

function optionalString(input: Record<string, unknown>, field: string, max: number): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw invalid(field, 'expected a non-empty string');
  if (value.length > max) throw invalid(field, `at most ${max} characters`);
  return value;
}

/**
 * A sender's own identifier (clientRef, campaignId): up to 128 characters, no control character. They are
 * written into records, keys and events where TAB, newline and U+001F separate fields.
 */
function identifier(input: Record<string, unknown>, field: string): string | undefined {
  const value = optionalString(input, field, 128);
  // eslint-disable-next-line no-control-regex
  if (value !== undefined && /[\u0000-\u001f\u007f]/.test(value)) {
    throw invalid(field, 'no control characters (TAB, newline, …)');
  }
  return value;
}

export { normaliseNumber };

/**
 * Validate one message of `account`. `now` fixes "send now"; the operator default validity applies when
 * the message names none.
 */
export function validateMessage(
  body: unknown,
  account: AccountConfig,
  options: { now: number; defaultValidityMinutes?: number | undefined },
): NewMessage {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'INVALID_BODY', 'body: expected a JSON object');
  }
  const input = body as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!KNOWN_FIELDS.has(key)) throw invalid(key, 'unknown field', 'UNKNOWN_FIELD');
  }
  if (typeof input.to !== 'string' || input.to.trim() === '')
    throw invalid('to', 'required, a phone number in E.164 form', 'MISSING_FIELD');
  const to = normaliseNumber(input.to);
  if (!to) throw invalid('to', 'not a valid phone number', 'INVALID_NUMBER');

  if (typeof input.from !== 'string' || input.from === '')
    throw invalid('from', 'required, a sender ID or short code', 'MISSING_FIELD');
  const from = input.from;
  if (!account.senders.includes(from)) {
    throw new ApiError(
      403,
      'SENDER_NOT_ALLOWED',
      `from: sender "${from}" is not authorised for this account`,
      'from',
    );
  }

  if (typeof input.text !== 'string') throw invalid('text', 'required, a string', 'MISSING_FIELD');
  if (input.text.length === 0) throw invalid('text', 'must not be empty', 'EMPTY_TEXT');
  const text = input.text;

  if (input.class === undefined)
    throw invalid('class', 'required: "marketing" or "transactional"', 'MISSING_FIELD');
  if (typeof input.class !== 'string' || !(MESSAGE_CLASSES as readonly string[]).includes(input.class)) {
    throw invalid('class', 'expected "marketing" or "transactional"');
  }
  const messageClass = input.class as MessageClass;

  let sendAt: number | undefined;
  if (input.sendAt !== undefined && input.sendAt !== null) {
    if (typeof input.sendAt !== 'string' || Number.isNaN(Date.parse(input.sendAt))) {
      throw invalid('sendAt', 'expected an ISO 8601 date-time');
    }
    sendAt = Date.parse(input.sendAt);
  }
  const zone = optionalString(input, 'zone', 64);
  if (zone !== undefined && !IANAZone.isValidZone(zone))
    throw invalid('zone', `"${zone}" is not an IANA time zone`);

  let validityMinutes = options.defaultValidityMinutes;
  if (input.validityMinutes !== undefined && input.validityMinutes !== null) {
    const v = input.validityMinutes;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 60 * 24 * 30) {
      throw invalid('validityMinutes', 'expected a whole number of minutes between 1 and 43200');
    }
    validityMinutes = v;
  }
  const clientRef = identifier(input, 'clientRef');
  const campaignId = identifier(input, 'campaignId');
  const callbackUrl = optionalString(input, 'callbackUrl', 2048);
  if (callbackUrl !== undefined) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(callbackUrl).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw invalid('callbackUrl', 'expected an http:// or https:// URL');
  }

  const message: NewMessage = { account: account.id, to, from, text, class: messageClass };
  if (sendAt !== undefined) message.sendAt = sendAt;
  if (validityMinutes !== undefined)
    message.validUntil = Math.max(sendAt ?? 0, options.now) + validityMinutes * 60_000;
  if (zone !== undefined) message.zone = zone;
  if (clientRef !== undefined) message.clientRef = clientRef;
  if (campaignId !== undefined) message.campaignId = campaignId;
  if (callbackUrl !== undefined) message.callbackUrl = callbackUrl;
  return message;
}

export function defaultValidityFor(operator: OperatorConfig | undefined): number | undefined {
  return operator?.validityMinutes;
}
