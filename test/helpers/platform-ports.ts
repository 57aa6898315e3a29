// In-memory fakes of the SMPP server's ports (src/smpp-server/ports.ts), for its tests. They implement OUR
// interfaces with the behaviour the contract describes; they are not Redis mocks. One PlatformStore plays
// ingress, message records and outbox together, so a test can submit, then produce a receipt for what it
// submitted, and watch it reach the platform.
import type {
  AbandonedMessage,
  BindRegistry,
  CancelOutcome,
  OutboundItem,
  PlatformIngress,
  PlatformMessage,
  PlatformMessages,
  PlatformMessageStatus,
  PlatformOutbox,
  SubmitOutcome,
} from '../../src/smpp-server/index.js';

type Distribute<T> = T extends unknown ? Omit<T, 'itemId' | 'attempts'> : never;
/** An outbox item as a test produces it (the store gives it its id and attempt count). */
export type NewOutboundItem = Distribute<OutboundItem>;

export interface StoredMessage {
  account: string;
  id: string;
  message: PlatformMessage;
  status: PlatformMessageStatus;
  submittedAt: number;
}

interface QueuedItem {
  account: string;
  item: OutboundItem;
  availableAt: number;
  leased: boolean;
}

export class PlatformStore implements PlatformIngress, PlatformMessages, PlatformOutbox {
  readonly submitted: StoredMessage[] = [];
  readonly abandoned: Array<{ account: string; id: string; message: AbandonedMessage }> = [];
  readonly doneItems: string[] = [];
  readonly droppedItems: Array<{ itemId: string; reason: string }> = [];
  readonly retries: Array<{ itemId: string; delayMs: number }> = [];
  /** Decides each submit; undefined: accept. May be slow (return a promise). */
  decide:
    | ((
        account: string,
        message: PlatformMessage,
      ) => SubmitOutcome | undefined | Promise<SubmitOutcome | undefined>)
    | undefined;
  /** Submits being decided now, and the most at once (to prove concurrency and its bound). */
  concurrent = 0;
  maxConcurrent = 0;

  private readonly records = new Map<string, StoredMessage>();
  private readonly queue: QueuedItem[] = [];
  private nextId = 1;
  private nextItem = 1;

  constructor(private readonly now: () => number = Date.now) {}

  // PlatformIngress ------------------------------------------------------------------------------------------

  async submit(account: string, message: PlatformMessage): Promise<SubmitOutcome> {
    this.concurrent += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.concurrent);
    try {
      const decided = this.decide ? await this.decide(account, message) : undefined;
      if (decided && !decided.ok) return decided;
      const id = message.id ?? `MSG${String(this.nextId++).padStart(4, '0')}`;
      const existing = this.records.get(id);
      // The same pre-allocated id again is the same message (the port's idempotency rule).
      if (existing) return { ok: true, id };
      const stored: StoredMessage = {
        account,
        id,
        message,
        status: { state: message.sendAt !== undefined ? 'scheduled' : 'queued', at: this.now() },
        submittedAt: this.now(),
      };
      this.records.set(id, stored);
      this.submitted.push(stored);
      return { ok: true, id };
    } finally {
      this.concurrent -= 1;
    }
  }

  abandon(account: string, id: string, message: AbandonedMessage): Promise<void> {
    this.abandoned.push({ account, id, message });
    return Promise.resolve();
  }

  // PlatformMessages -----------------------------------------------------------------------------------------

  lookup(account: string, id: string): Promise<PlatformMessageStatus | undefined> {
    const record = this.records.get(id);
    return Promise.resolve(record && record.account === account ? record.status : undefined);
  }

  cancel(account: string, id: string): Promise<CancelOutcome> {
    const record = this.records.get(id);
    if (!record || record.account !== account) return Promise.resolve({ ok: false, code: 'NOT_FOUND' });
    if (record.status.state !== 'queued' && record.status.state !== 'scheduled') {
      return Promise.resolve({ ok: false, code: 'NOT_CANCELLABLE' });
    }
    record.status = { state: 'cancelled', at: this.now() };
    return Promise.resolve({ ok: true });
  }

  /** Move a message to a state (as the gateway's worker and receipts would). */
  setStatus(id: string, status: PlatformMessageStatus): void {
    const record = this.records.get(id);
    if (!record) throw new Error(`no message ${id}`);
    record.status = status;
  }

  // PlatformOutbox -------------------------------------------------------------------------------------------

  /** Make an item due to the account's platform. */
  produce(account: string, item: NewOutboundItem): string {
    const itemId = `item-${this.nextItem++}`;
    this.queue.push({
      account,
      item: { ...item, itemId, attempts: 0 } as OutboundItem,
      availableAt: 0,
      leased: false,
    });
    return itemId;
  }

  /** A receipt for a submitted message in its current state. */
  produceReceipt(id: string): string {
    const record = this.records.get(id);
    if (!record) throw new Error(`no message ${id}`);
    return this.produce(record.account, {
      kind: 'receipt',
      messageId: id,
      to: record.message.to,
      from: record.message.from,
      status: record.status,
      submitAt: record.submittedAt,
      doneAt: record.status.at ?? this.now(),
      textStart: record.message.text.slice(0, 20),
    });
  }

  get pendingItems(): number {
    return this.queue.length;
  }

  next(account: string, max: number): Promise<OutboundItem[]> {
    const now = this.now();
    const out: OutboundItem[] = [];
    for (const q of this.queue) {
      if (out.length >= max) break;
      if (q.account !== account || q.leased || q.availableAt > now) continue;
      q.leased = true;
      out.push(q.item);
    }
    return Promise.resolve(out);
  }

  done(itemId: string): Promise<void> {
    this.remove(itemId);
    this.doneItems.push(itemId);
    return Promise.resolve();
  }

  retry(itemId: string, delayMs: number): Promise<void> {
    const q = this.queue.find((x) => x.item.itemId === itemId);
    if (q) {
      q.leased = false;
      q.availableAt = this.now() + delayMs;
      q.item = { ...q.item, attempts: q.item.attempts + 1 };
    }
    this.retries.push({ itemId, delayMs });
    return Promise.resolve();
  }

  drop(itemId: string, reason: string): Promise<void> {
    this.remove(itemId);
    this.droppedItems.push({ itemId, reason });
    return Promise.resolve();
  }

  private remove(itemId: string): void {
    const i = this.queue.findIndex((x) => x.item.itemId === itemId);
    if (i >= 0) this.queue.splice(i, 1);
  }
}

/** maxBinds across "instances": share one registry between several servers. */
export class MemoryBindRegistry implements BindRegistry {
  readonly held = new Map<string, Set<string>>();
  /** Set to make the registry fail (Redis away). */
  unavailable = false;

  acquire(account: string, sessionId: string, maxBinds: number): Promise<boolean> {
    if (this.unavailable) return Promise.reject(new Error('registry unavailable'));
    const set = this.held.get(account) ?? new Set<string>();
    this.held.set(account, set);
    if (set.has(sessionId)) return Promise.resolve(true);
    if (set.size >= maxBinds) return Promise.resolve(false);
    set.add(sessionId);
    return Promise.resolve(true);
  }

  release(account: string, sessionId: string): Promise<void> {
    this.held.get(account)?.delete(sessionId);
    return Promise.resolve();
  }

  count(account: string): number {
    return this.held.get(account)?.size ?? 0;
  }
}
