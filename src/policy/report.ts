// What `smpp-gateway policy check --json` prints (SPEC §4), derived from a decision and nothing else, so the
// command cannot say something the queue would not do.
import type { PolicyDecision } from './decide.js';

export interface PolicyCheckReport {
  allowed: boolean;
  /** The refusal code or deferral reason (QUIET_HOURS, HOLIDAY, OPTED_OUT, ...); null when allowed. */
  reason: string | null;
  /** ISO 8601 (UTC) first allowed minute; null when allowed now or when waiting cannot help. */
  nextAllowedAt: string | null;
  /** The recipient's IANA zone; null when only the hours common to several zones were used, or none known. */
  zone: string | null;
}

export function policyCheckReport(decision: PolicyDecision): PolicyCheckReport {
  const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
  switch (decision.action) {
    case 'send':
      return { allowed: true, reason: null, nextAllowedAt: null, zone: decision.zone };
    case 'defer':
      return {
        allowed: false,
        reason: decision.reason,
        nextAllowedAt: iso(decision.until),
        zone: decision.zone,
      };
    case 'refuse':
      // Only a QUIET_HOURS refusal (validity too short) has a next opening; opt-out, cap, credit and a missing
      // mention do not pass with time.
      return {
        allowed: false,
        reason: decision.code,
        nextAllowedAt: iso(decision.nextAllowedAt),
        zone: decision.zone,
      };
  }
}
