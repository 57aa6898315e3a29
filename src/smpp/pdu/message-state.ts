// Delivery-receipt vocabulary shared by both ends of the wire: the stat words of the receipt text
// (SMPP 3.4 Appendix B) and the message_state TLV values (§5.3.2.35), with the one mapping between them.

export type ReceiptStat =
  'DELIVRD' | 'UNDELIV' | 'REJECTD' | 'EXPIRED' | 'DELETED' | 'UNKNOWN' | 'ACCEPTD' | 'ENROUTE';

export const RECEIPT_STATS: readonly ReceiptStat[] = [
  'DELIVRD',
  'UNDELIV',
  'REJECTD',
  'EXPIRED',
  'DELETED',
  'UNKNOWN',
  'ACCEPTD',
  'ENROUTE',
];

/** §5.3.2.35 message_state values. */
export const MessageState = {
  ENROUTE: 1,
  DELIVERED: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIVERABLE: 5,
  ACCEPTED: 6,
  UNKNOWN: 7,
  REJECTED: 8,
} as const;

const stateByStat: Record<ReceiptStat, number> = {
  DELIVRD: MessageState.DELIVERED,
  UNDELIV: MessageState.UNDELIVERABLE,
  REJECTD: MessageState.REJECTED,
  EXPIRED: MessageState.EXPIRED,
  DELETED: MessageState.DELETED,
  UNKNOWN: MessageState.UNKNOWN,
  ACCEPTD: MessageState.ACCEPTED,
  ENROUTE: MessageState.ENROUTE,
};

const statByState = new Map<number, ReceiptStat>(
  (Object.entries(stateByStat) as Array<[ReceiptStat, number]>).map(([stat, state]) => [state, stat]),
);

export function messageStateOf(stat: ReceiptStat): number {
  return stateByStat[stat];
}

/** The stat word of a message_state value; undefined for values outside §5.3.2.35. */
export function statOfMessageState(state: number): ReceiptStat | undefined {
  return statByState.get(state);
}

/** Stats after which the SMSC reports nothing more on a message; ACCEPTD and ENROUTE are interim. */
export const FINAL_RECEIPT_STATS: readonly ReceiptStat[] = RECEIPT_STATS.filter(
  (stat) => stat !== 'ACCEPTD' && stat !== 'ENROUTE',
);

export function isFinalReceiptStat(stat: string): boolean {
  return (FINAL_RECEIPT_STATS as readonly string[]).includes(stat);
}
