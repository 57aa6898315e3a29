// One function classifies every submit_sm_resp command_status (§5.1.3) as ok / retry / throttle / reject; the
// queue acts on the class, never on raw statuses. A default table plus per-operator overrides from config,
// whose keys may be decimal ("88"), hex ("0x58") or spec names ("ESME_RTHROTTLED").
import { CommandStatus as S, commandStatusName, parseCommandStatus } from './pdu/index.js';
import type { SubmitClass } from './types.js';

const DEFAULTS = new Map<number, SubmitClass>([
  [S.ESME_ROK, 'ok'],
  // The carrier asks us to slow down: pause the bind, requeue without counting an attempt.
  [S.ESME_RTHROTTLED, 'throttle'],
  [S.ESME_RMSGQFUL, 'throttle'],
  // Transient on the SMSC's side: the same segment may well pass later.
  [S.ESME_RSYSERR, 'retry'],
  [S.ESME_RSUBMITFAIL, 'retry'],
  [S.ESME_RX_T_APPN, 'retry'],
  [S.ESME_RUNKNOWNERR, 'retry'],
  [S.ESME_RDELIVERYFAILURE, 'retry'],
  // The SMSC thinks we are not bound as a transmitter: a session-level glitch, not the message's fault.
  [S.ESME_RINVBNDSTS, 'retry'],
  // The message itself is wrong or refused for good: retrying changes nothing.
  [S.ESME_RINVMSGLEN, 'reject'],
  [S.ESME_RINVCMDLEN, 'reject'],
  [S.ESME_RINVCMDID, 'reject'],
  [S.ESME_RINVPRTFLG, 'reject'],
  [S.ESME_RINVREGDLVFLG, 'reject'],
  [S.ESME_RINVSRCADR, 'reject'],
  [S.ESME_RINVDSTADR, 'reject'],
  [S.ESME_RINVSERTYP, 'reject'],
  [S.ESME_RINVESMCLASS, 'reject'],
  [S.ESME_RINVSRCTON, 'reject'],
  [S.ESME_RINVSRCNPI, 'reject'],
  [S.ESME_RINVDSTTON, 'reject'],
  [S.ESME_RINVDSTNPI, 'reject'],
  [S.ESME_RINVSYSTYP, 'reject'],
  [S.ESME_RINVREPFLAG, 'reject'],
  [S.ESME_RINVSCHED, 'reject'],
  [S.ESME_RINVEXPIRY, 'reject'],
  [S.ESME_RINVDFTMSGID, 'reject'],
  [S.ESME_RX_P_APPN, 'reject'],
  [S.ESME_RX_R_APPN, 'reject'],
  [S.ESME_RINVOPTPARSTREAM, 'reject'],
  [S.ESME_ROPTPARNOTALLWD, 'reject'],
  [S.ESME_RINVPARLEN, 'reject'],
  [S.ESME_RMISSINGOPTPARAM, 'reject'],
  [S.ESME_RINVOPTPARAMVAL, 'reject'],
]);

/** 0x400–0x4FF are reserved for SMSC vendors (§5.1.3); their meaning is unknown to us, so retry (bounded). */
function isVendorSpecific(status: number): boolean {
  return status >= 0x400 && status <= 0x4ff;
}

const compiled = new WeakMap<object, Map<number, SubmitClass>>();

/** Resolve override keys once per overrides object; unparseable keys are ignored (config validated them). */
function compileOverrides(overrides: Readonly<Record<string, SubmitClass>>): Map<number, SubmitClass> {
  let map = compiled.get(overrides);
  if (!map) {
    map = new Map();
    for (const [key, value] of Object.entries(overrides)) {
      const status = parseCommandStatus(key);
      if (status !== undefined) map.set(status, value);
    }
    compiled.set(overrides, map);
  }
  return map;
}

/**
 * Classify a submit_sm answer. Lookup order: operator override, default table, vendor range (retry), any other
 * status named in the spec (reject: a parameter error), an unknown status (retry: bounded by the queue's
 * attempts). `genericNack`: the SMSC answered generic_nack (§4.3) instead of submit_sm_resp; it could not read
 * our PDU, so only 'throttle' survives and everything else becomes 'retry'.
 */
export function classifySubmitStatus(
  status: number,
  overrides?: Readonly<Record<string, SubmitClass>>,
  options: { genericNack?: boolean } = {},
): SubmitClass {
  const override = overrides ? compileOverrides(overrides).get(status) : undefined;
  let cls: SubmitClass =
    override ??
    DEFAULTS.get(status) ??
    (isVendorSpecific(status) ? 'retry' : commandStatusName(status).startsWith('ESME_') ? 'reject' : 'retry');
  if (options.genericNack && cls !== 'throttle') cls = 'retry';
  return cls;
}
