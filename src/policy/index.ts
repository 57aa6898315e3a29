// Campaign policy (SPEC §3): the rules every message passes before it leaves. The opt-out list is
// kept here, fed by STOP/START MO and the HTTP API, and read by the outbound check.
export { OptOutList, OptOutError, type OptOutEntry, type OptOutImportResult } from './opt-out.js';
