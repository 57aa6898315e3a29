// The simulator's counters: one flat object of integers, so the CLI can print it on one line and the
// control server can return it as JSON without translation.

export interface SimulatorCounters {
  binds: number;
  bindsRefused: number;
  activeSessions: number;
  submits: number;
  submitsOk: number;
  submitsThrottled: number;
  /** Answered with a non-zero status other than ESME_RTHROTTLED (scenario, rule, or bind state). */
  submitsFailed: number;
  /** Recorded but never answered (`noResponse`, `closeAfter`, `badCommandLength`). */
  submitsUnanswered: number;
  receiptsSent: number;
  /** Receipts waiting for a receiver or transceiver bind of their system_id. */
  receiptsQueued: number;
  /** Receipts dropped because the pending queue was full. */
  receiptsDropped: number;
  /** Receipts sent again after an ESME_RX_T_APPN answer (the ESME could not store them yet). */
  receiptsRetried: number;
  moSent: number;
  /** enquire_link received from ESMEs. */
  enquireLinks: number;
  /** enquire_link the simulator sent (periodic or enquireLink()). */
  enquireLinksSent: number;
  enquireLinksIgnored: number;
  genericNacks: number;
  unknownCommands: number;
  malformedPdus: number;
  unexpectedResponses: number;
  /** Connections closed by `closeAfter`. */
  scenarioCloses: number;
  /** Impossible command_length headers written by `badCommandLength`. */
  badLengthsWritten: number;
  disconnects: number;
}

export function emptyCounters(): SimulatorCounters {
  return {
    binds: 0,
    bindsRefused: 0,
    activeSessions: 0,
    submits: 0,
    submitsOk: 0,
    submitsThrottled: 0,
    submitsFailed: 0,
    submitsUnanswered: 0,
    receiptsSent: 0,
    receiptsQueued: 0,
    receiptsDropped: 0,
    receiptsRetried: 0,
    moSent: 0,
    enquireLinks: 0,
    enquireLinksSent: 0,
    enquireLinksIgnored: 0,
    genericNacks: 0,
    unknownCommands: 0,
    malformedPdus: 0,
    unexpectedResponses: 0,
    scenarioCloses: 0,
    badLengthsWritten: 0,
    disconnects: 0,
  };
}

/** One line, `name=value` pairs, zero values left out except the ones an operator always wants to see. */
export function formatCounters(c: SimulatorCounters): string {
  const always = new Set<keyof SimulatorCounters>(['activeSessions', 'submits', 'submitsOk', 'receiptsSent']);
  return (Object.keys(c) as Array<keyof SimulatorCounters>)
    .filter((k) => always.has(k) || c[k] !== 0)
    .map((k) => `${k}=${c[k]}`)
    .join(' ');
}
