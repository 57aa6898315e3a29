// Campaigns (SPEC §3, §4): one template sent to a list of recipients, personalised with `{{field}}`,
// de-duplicated on the E.164 form, its segment range and credits computed before launch, an optional test
// send, now or at a time in a zone, cancellable until submission, with the figures of its messages. Every
// message goes through the queue like any other (policy, credit, STOP mention), carrying the campaign's id:
// the store keeps the campaign's figures as its messages change state.
import { DateTime, IANAZone } from 'luxon';
import type { AccountConfig } from '../config/index.js';
import { normaliseNumber } from '../numbers/index.js';
import type { MessageQueue } from '../queue/index.js';
import {
  newMessageId,
  type CampaignRecord,
  type CampaignStore,
  type Figures,
  type MessageStore,
  type NewMessage,
} from '../store/index.js';
import { CsvError, parseCsvRecipients } from './csv.js';
import { CampaignError } from './errors.js';

const MAX_RECIPIENTS = 100_000;
const MAX_TEST_NUMBERS = 20;
const CHUNK = 500;
const FIELD = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

export interface CampaignInput {
  name: string;
  from: string;
  class: 'marketing' | 'transactional';
  template: string;
  /** One object per recipient: `to`, and the template's fields. */
  recipients: Array<Record<string, string>>;
  sendAt?: number;
  zone?: string;
  validityMinutes?: number;
  testNumbers: string[];
}

export interface CampaignCreated {
  id: string;
  state: 'scheduled' | 'sending';
  /** Unique valid recipients, each sent one message. */
  recipients: number;
  duplicates: number;
  /** Rows that cannot be sent, by 1-based data row (CSV: the header is not counted). */
  invalid: Array<{ row: number; code: string }>;
  segments: { min: number; max: number };
  credits: number;
  /** Rows refused when enqueued (INSUFFICIENT_CREDIT, QUEUE_FULL, ...): not sent. */
  refused: Array<{ row: number; code: string }>;
  tests: Array<{ to: string; id?: string; error?: string }>;
}

export interface CampaignView {
  id: string;
  name: string;
  state: 'scheduled' | 'sending' | 'completed' | 'cancelled';
  from: string;
  class: string;
  createdAt: string;
  sendAt: string | null;
  recipients: number;
  duplicates: number;
  invalid: number;
  segments: { min: number; max: number };
  credits: number;
  figures: Figures;
}

/** `{{field}}` replaced by the recipient's value; undefined (with the field) when one is missing. */
export function renderTemplate(
  template: string,
  fields: Record<string, string>,
): { ok: true; text: string } | { ok: false; field: string } {
  let missing: string | undefined;
  const text = template.replace(FIELD, (_all, name: string) => {
    const value = fields[name];
    if (value === undefined || value === '') {
      missing ??= name;
      return '';
    }
    return value;
  });
  return missing !== undefined ? { ok: false, field: missing } : { ok: true, text };
}

function str(body: Record<string, unknown>, field: string, max: number, required = true): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) {
    if (required) throw new CampaignError('MISSING_FIELD', `${field}: required`, field);
    return undefined;
  }
  if (typeof value !== 'string' || value === '' || value.length > max) {
    throw new CampaignError('INVALID_FIELD', `${field}: expected a string of 1 to ${max} characters`, field);
  }
  return value;
}

const KNOWN = new Set([
  'name',
  'from',
  'class',
  'template',
  'recipients',
  'csv',
  'sendAt',
  'zone',
  'validityMinutes',
  'testNumbers',
]);

/** Validate a `POST /v1/campaigns` body for `account`. */
export function validateCampaign(body: unknown, account: AccountConfig): CampaignInput {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new CampaignError('INVALID_BODY', 'body: expected a JSON object');
  }
  const input = body as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (!KNOWN.has(key)) throw new CampaignError('INVALID_FIELD', `${key}: unknown field`, key);
  }
  const name = str(input, 'name', 200)!;
  const from = str(input, 'from', 20)!;
  if (!account.senders.includes(from)) {
    throw new CampaignError(
      'SENDER_NOT_ALLOWED',
      `from: sender "${from}" is not authorised for this account`,
      'from',
    );
  }
  const messageClass = input.class;
  if (messageClass !== 'marketing' && messageClass !== 'transactional') {
    throw new CampaignError('INVALID_FIELD', 'class: expected "marketing" or "transactional"', 'class');
  }
  const template = str(input, 'template', 5000)!;

  let recipients: Array<Record<string, string>>;
  if (input.recipients !== undefined && input.csv !== undefined) {
    throw new CampaignError('INVALID_BODY', 'recipients, csv: give one of them, not both', 'recipients');
  }
  if (input.csv !== undefined) {
    if (typeof input.csv !== 'string')
      throw new CampaignError('INVALID_FIELD', 'csv: expected a string', 'csv');
    try {
      recipients = parseCsvRecipients(input.csv);
    } catch (error) {
      if (error instanceof CsvError) throw new CampaignError('INVALID_CSV', `csv: ${error.message}`, 'csv');
      throw error;
    }
  } else if (Array.isArray(input.recipients)) {
    recipients = input.recipients.map((r, i) => {
      if (!r || typeof r !== 'object' || Array.isArray(r)) {
        throw new CampaignError('INVALID_FIELD', `recipients[${i}]: expected an object`, 'recipients');
      }
      return Object.fromEntries(Object.entries(r as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    });
  } else {
    throw new CampaignError('MISSING_FIELD', 'recipients: required (or csv)', 'recipients');
  }
  if (recipients.length === 0 || recipients.length > MAX_RECIPIENTS) {
    throw new CampaignError(
      'INVALID_FIELD',
      `recipients: expected 1 to ${MAX_RECIPIENTS} recipients, got ${recipients.length}`,
      'recipients',
    );
  }

  const zone = str(input, 'zone', 64, false);
  if (zone !== undefined && !IANAZone.isValidZone(zone)) {
    throw new CampaignError('INVALID_FIELD', `zone: "${zone}" is not an IANA time zone`, 'zone');
  }
  let sendAt: number | undefined;
  if (input.sendAt !== undefined && input.sendAt !== null) {
    // An ISO time with an offset is that instant; one without is a local time in `zone` (default UTC).
    const raw = input.sendAt;
    const parsed =
      typeof raw === 'string' ? DateTime.fromISO(raw, { zone: zone ?? 'UTC', setZone: false }) : undefined;
    if (!parsed?.isValid)
      throw new CampaignError('INVALID_FIELD', 'sendAt: expected an ISO 8601 date-time', 'sendAt');
    sendAt = parsed.toMillis();
  }
  let validityMinutes: number | undefined;
  if (input.validityMinutes !== undefined && input.validityMinutes !== null) {
    const v = input.validityMinutes;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 60 * 24 * 30) {
      throw new CampaignError(
        'INVALID_FIELD',
        'validityMinutes: expected a whole number of minutes between 1 and 43200',
        'validityMinutes',
      );
    }
    validityMinutes = v;
  }
  const testNumbers: string[] = [];
  if (input.testNumbers !== undefined) {
    if (!Array.isArray(input.testNumbers) || input.testNumbers.length > MAX_TEST_NUMBERS) {
      throw new CampaignError(
        'INVALID_FIELD',
        `testNumbers: expected a list of at most ${MAX_TEST_NUMBERS} numbers`,
        'testNumbers',
      );
    }
    for (const raw of input.testNumbers) {
      const number = typeof raw === 'string' ? normaliseNumber(raw) : undefined;
      if (!number) {
        throw new CampaignError(
          'INVALID_FIELD',
          `testNumbers: "${String(raw)}" is not a valid number`,
          'testNumbers',
        );
      }
      testNumbers.push(number);
    }
  }
  return {
    name,
    from,
    class: messageClass,
    template,
    recipients,
    ...(sendAt !== undefined ? { sendAt } : {}),
    ...(zone !== undefined ? { zone } : {}),
    ...(validityMinutes !== undefined ? { validityMinutes } : {}),
    testNumbers,
  };
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'ERROR';
}

export interface CampaignsDeps {
  queue: Pick<MessageQueue, 'enqueueMany' | 'segmentsOf'>;
  campaigns: CampaignStore;
  messages: Pick<MessageStore, 'figures' | 'settle'>;
}

export class Campaigns {
  constructor(private readonly deps: CampaignsDeps) {}

  /** Plan, record and enqueue a campaign; answers once every message is in Redis. */
  async create(account: string, input: CampaignInput, now: number = Date.now()): Promise<CampaignCreated> {
    const seen = new Set<string>();
    const invalid: Array<{ row: number; code: string }> = [];
    const planned: Array<{ row: number; message: NewMessage; segments: number }> = [];
    let duplicates = 0;
    const sendAt = input.sendAt !== undefined && input.sendAt > now ? input.sendAt : undefined;
    const validUntil =
      input.validityMinutes !== undefined ? (sendAt ?? now) + input.validityMinutes * 60_000 : undefined;
    const id = newMessageId(now);
    input.recipients.forEach((fields, i) => {
      const row = i + 1;
      const raw = fields.to;
      if (raw === undefined || raw.trim() === '') return invalid.push({ row, code: 'MISSING_FIELD' });
      const to = normaliseNumber(raw);
      if (!to) return invalid.push({ row, code: 'INVALID_NUMBER' });
      if (seen.has(to)) {
        duplicates++;
        return;
      }
      const rendered = renderTemplate(input.template, fields);
      if (!rendered.ok) return invalid.push({ row, code: 'MISSING_FIELD' });
      const message: NewMessage = {
        account,
        to,
        from: input.from,
        text: rendered.text,
        class: input.class,
        campaignId: id,
        ...(sendAt !== undefined ? { sendAt } : {}),
        ...(validUntil !== undefined ? { validUntil } : {}),
      };
      let segments: number | undefined;
      try {
        segments = this.deps.queue.segmentsOf(message);
      } catch (error) {
        return invalid.push({ row, code: errorCode(error) });
      }
      if (segments === undefined) return invalid.push({ row, code: 'STOP_MENTION_MISSING' });
      seen.add(to);
      planned.push({ row, message, segments });
    });
    if (planned.length === 0) {
      throw new CampaignError('INVALID_FIELD', 'recipients: no recipient can be sent to', 'recipients');
    }
    const counts = planned.map((p) => p.segments);
    const record: CampaignRecord = {
      id,
      account,
      name: input.name,
      from: input.from,
      class: input.class,
      template: input.template,
      state: sendAt !== undefined ? 'scheduled' : 'sending',
      createdAt: now,
      ...(sendAt !== undefined ? { sendAt } : {}),
      ...(input.zone !== undefined ? { zone: input.zone } : {}),
      recipients: planned.length,
      duplicates,
      invalid: invalid.length,
      segmentsMin: Math.min(...counts),
      segmentsMax: Math.max(...counts),
      credits: counts.reduce((a, b) => a + b, 0),
    };
    await this.deps.campaigns.save(record, now);

    // The test send first, now, with the first recipient's fields, outside the campaign's figures.
    const tests: CampaignCreated['tests'] = [];
    if (input.testNumbers.length > 0) {
      const sample = planned[0]!.message;
      const outcomes = await this.deps.queue.enqueueMany(
        input.testNumbers.map((to) => ({
          account,
          to,
          from: sample.from,
          text: sample.text,
          class: input.class,
        })),
        now,
      );
      outcomes.forEach((outcome, i) => {
        const to = input.testNumbers[i]!;
        tests.push(outcome.ok ? { to, id: outcome.result.id } : { to, error: errorCode(outcome.error) });
      });
    }

    const refused: Array<{ row: number; code: string }> = [];
    for (let start = 0; start < planned.length; start += CHUNK) {
      const chunk = planned.slice(start, start + CHUNK);
      const outcomes = await this.deps.queue.enqueueMany(
        chunk.map((p) => p.message),
        now,
      );
      const ids: string[] = [];
      outcomes.forEach((outcome, i) => {
        if (outcome.ok) ids.push(outcome.result.id);
        else refused.push({ row: chunk[i]!.row, code: errorCode(outcome.error) });
      });
      await this.deps.campaigns.addMessages(record, ids, now);
    }
    return {
      id,
      state: record.state === 'scheduled' ? 'scheduled' : 'sending',
      recipients: record.recipients,
      duplicates,
      invalid,
      segments: { min: record.segmentsMin, max: record.segmentsMax },
      credits: record.credits,
      refused,
      tests,
    };
  }

  async get(account: string, id: string, now: number = Date.now()): Promise<CampaignView> {
    const record = await this.deps.campaigns.get(account, id);
    if (!record) throw new CampaignError('NOT_FOUND', `id: no campaign ${id} for this account`, 'id');
    const figures = await this.deps.messages.figures(account, id);
    const state =
      record.state === 'cancelled'
        ? 'cancelled'
        : figures.total > 0 && figures.remaining === 0
          ? 'completed'
          : record.sendAt !== undefined && record.sendAt > now
            ? 'scheduled'
            : 'sending';
    return {
      id,
      name: record.name,
      state,
      from: record.from,
      class: record.class,
      createdAt: new Date(record.createdAt).toISOString(),
      sendAt: record.sendAt !== undefined ? new Date(record.sendAt).toISOString() : null,
      recipients: record.recipients,
      duplicates: record.duplicates,
      invalid: record.invalid,
      segments: { min: record.segmentsMin, max: record.segmentsMax },
      credits: record.credits,
      figures,
    };
  }

  /** Cancel every message of the campaign not yet submitted (queued or scheduled); their credit returns. */
  async cancel(account: string, id: string): Promise<{ id: string; state: 'cancelled'; cancelled: number }> {
    const record = await this.deps.campaigns.get(account, id);
    if (!record) throw new CampaignError('NOT_FOUND', `id: no campaign ${id} for this account`, 'id');
    await this.deps.campaigns.setState(account, id, 'cancelled');
    let cancelled = 0;
    for (let start = 0; ; start += CHUNK) {
      const ids = await this.deps.campaigns.messages(account, id, start, CHUNK);
      if (ids.length === 0) break;
      const results = await this.deps.messages.settle(
        ids.map((messageId) => ({
          ref: { id: messageId, account, campaignId: id },
          to: 'cancelled' as const,
        })),
      );
      cancelled += results.filter((r) => r.changed).length;
      if (ids.length < CHUNK) break;
    }
    return { id, state: 'cancelled', cancelled };
  }
}
