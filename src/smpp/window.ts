// The send window (cloudhopper's habit): every request written is an entry keyed by sequence_number until its
// response completes it, its own response timer fires, or the socket closes. The window neither encodes nor
// writes; the session's single send path does, after the window has room.
import { responseCommandOf, type CommandName, type Pdu } from './pdu/index.js';
import { systemClock, systemTimers, type TimerHandle, type Timers } from './timers.js';

export type WindowOutcome =
  { kind: 'response'; pdu: Pdu; roundTripMs: number } | { kind: 'timeout' } | { kind: 'closed' };

interface Entry {
  command: CommandName;
  sentAt: number;
  counted: boolean;
  timer: TimerHandle | undefined;
  resolve: (outcome: WindowOutcome) => void;
}

/** §5.1.4: sequence_number runs 0x00000001..0x7FFFFFFF and then wraps. */
export const MAX_SEQUENCE_NUMBER = 0x7fffffff;

export function nextSequenceNumber(current: number): number {
  return current >= MAX_SEQUENCE_NUMBER || current < 1 ? 1 : current + 1;
}

export class SendWindow {
  private readonly entries = new Map<number, Entry>();
  private countedSize = 0;

  /**
   * @param capacity requests counted against the window (submits); control requests (enquire_link, unbind)
   *   are tracked too but never refused, so keepalive and shutdown work with a full window.
   */
  constructor(
    readonly capacity: number,
    private readonly timers: Timers = systemTimers,
    private readonly now: () => number = systemClock,
  ) {}

  /** Counted requests awaiting a response. */
  get size(): number {
    return this.countedSize;
  }

  /** Every request awaiting a response, counted or not. */
  get pending(): number {
    return this.entries.size;
  }

  get free(): number {
    return Math.max(0, this.capacity - this.countedSize);
  }

  has(sequenceNumber: number): boolean {
    return this.entries.has(sequenceNumber);
  }

  /**
   * Track a request about to be written. Returns undefined when a counted request finds the window full or
   * the sequence number still in use (after a wrap, an entry 2^31 requests old): the caller must not write.
   * `timeoutMs` 0 means the caller runs its own timer (bind).
   */
  add(
    sequenceNumber: number,
    command: CommandName,
    timeoutMs: number,
    options: { counted?: boolean } = {},
  ): Promise<WindowOutcome> | undefined {
    const counted = options.counted ?? true;
    if ((counted && this.countedSize >= this.capacity) || this.entries.has(sequenceNumber)) return undefined;
    return new Promise<WindowOutcome>((resolve) => {
      const entry: Entry = { command, sentAt: this.now(), counted, timer: undefined, resolve };
      if (timeoutMs > 0) {
        entry.timer = this.timers.setTimeout(() => {
          if (this.remove(sequenceNumber) === entry) resolve({ kind: 'timeout' });
        }, timeoutMs);
      }
      this.entries.set(sequenceNumber, entry);
      if (counted) this.countedSize += 1;
    });
  }

  /**
   * Complete the entry this response answers. false: no request of ours has that sequence number, or the
   * response is of another command (generic_nack answers any request, §4.3): counted as unexpected.
   */
  complete(pdu: Pdu): boolean {
    const entry = this.entries.get(pdu.sequenceNumber);
    if (!entry) return false;
    if (pdu.command !== 'generic_nack' && responseCommandOf(entry.command) !== pdu.command) return false;
    this.remove(pdu.sequenceNumber);
    entry.resolve({ kind: 'response', pdu, roundTripMs: this.now() - entry.sentAt });
    return true;
  }

  /** Forget a request whose write failed, without resolving it. */
  cancel(sequenceNumber: number): void {
    this.remove(sequenceNumber);
  }

  /** The socket closed: every request resolves 'closed' at once and every timer goes. */
  failAll(): void {
    const entries = [...this.entries.values()];
    for (const entry of entries) this.timers.clearTimeout(entry.timer);
    this.entries.clear();
    this.countedSize = 0;
    for (const entry of entries) entry.resolve({ kind: 'closed' });
  }

  private remove(sequenceNumber: number): Entry | undefined {
    const entry = this.entries.get(sequenceNumber);
    if (!entry) return undefined;
    this.entries.delete(sequenceNumber);
    this.timers.clearTimeout(entry.timer);
    if (entry.counted) this.countedSize -= 1;
    return entry;
  }
}
