// Campaign policy (SPEC §3): the rules every message passes before it leaves. `decide` is the one pure
// decision (STOP mention, opt-out, frequency cap, credit, quiet hours and holidays in the recipient's zone);
// the opt-out list is kept here too, fed by STOP/START MO and the HTTP API, and read for `decide`'s facts.
export { OptOutList, OptOutError, type OptOutEntry, type OptOutImportResult } from './opt-out.js';
export {
  createPolicyRules,
  decide,
  type MessageClass,
  type PolicyDecision,
  type PolicyDeferReason,
  type PolicyFacts,
  type PolicyInput,
  type PolicyRefusalCode,
  type PolicyRules,
} from './decide.js';
export { CampaignPolicy, type CampaignPolicyDeps, type PolicySubject } from './campaign-policy.js';
export { policyCheckReport, type PolicyCheckReport } from './report.js';
export {
  applyStopMention,
  hasStopMention,
  type StopMentionConfig,
  type StopMentionResult,
} from './stop-mention.js';
export {
  DateHolidaysSource,
  FRENCH_OVERSEAS_DEPARTMENTS,
  createHolidayCalendar,
  type HolidayCalendar,
} from './holidays.js';
export { createNumberZones, recipientZones, type NumberZones, type RecipientZones } from './number-zones.js';
export { PolicyError, type PolicyErrorCode } from './errors.js';
