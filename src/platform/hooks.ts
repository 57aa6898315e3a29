// The SMPP server's observations as metrics: binds by account, refusals and submits by status name, outbox
// items given up by reason. Labels stay bounded: account ids come from the config, statuses from SMPP's
// table, and a refused bind's system_id (anyone may send one) is never a label.
import type { GatewayMetrics } from '../metrics/index.js';
import type { SmppServerHooks } from '../smpp-server/index.js';
import { commandStatusName } from '../smpp/index.js';

/** What the pump's drop reasons ("attempts exhausted: ESME_RSYSERR", "unencodable") come down to. */
export function dropReasonLabel(reason: string): string {
  if (reason.startsWith('attempts exhausted')) return 'attempts';
  if (reason === 'unencodable') return 'unencodable';
  return 'other';
}

export function platformMetricsHooks(metrics: GatewayMetrics): SmppServerHooks {
  const bound = new Map<string, string>();
  return {
    onBound(account, sessionId) {
      bound.set(sessionId, account);
      metrics.platformBinds.inc({ account });
    },
    onClosed(_account, sessionId) {
      const account = bound.get(sessionId);
      if (account === undefined) return;
      bound.delete(sessionId);
      metrics.platformBinds.dec({ account });
    },
    onBindRefused(_systemId, status) {
      metrics.platformBindRefusals.inc({ status: commandStatusName(status) });
    },
    onAuthFailure(reason) {
      metrics.authFailures.inc({ ingress: 'smpp', reason });
    },
    onSubmit(account, status) {
      metrics.platformSubmits.inc({ account, status: commandStatusName(status) });
    },
    onOutboxDropped(account, _item, reason) {
      metrics.platformOutboxDropped.inc({ account, reason: dropReasonLabel(reason) });
    },
  };
}
