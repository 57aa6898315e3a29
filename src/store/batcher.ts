// Coalesces the calls made within one turn of the event loop into one Redis call: the submit_sm_resp
// PDUs of one socket read, the receipts of one read, the single-message HTTP requests that arrive
// together. Each caller gets its own item's result; a failed flush fails every caller of that flush.

export type FlushFn<T, R> = (items: T[]) => Promise<R[]>;

interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

export class Batcher<T, R> {
  private queue: Array<Pending<T, R>> = [];
  private scheduled = false;
  private inFlight = 0;
  private readonly flushes = new Set<Promise<unknown>>();
  private last: Promise<unknown> = Promise.resolve();
  private readonly maxItems: number;
  private readonly maxConcurrent: number;

  constructor(
    private readonly flushFn: FlushFn<T, R>,
    options: { maxItems?: number; maxConcurrent?: number } = {},
  ) {
    this.maxItems = options.maxItems ?? 500;
    this.maxConcurrent = options.maxConcurrent ?? 2;
  }

  add(item: T): Promise<R> {
    const result = new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.maxItems) this.drain();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.drain();
        });
      }
    });
    this.last = result;
    return result;
  }

  /** Resolves once every item added so far has been flushed (whatever its outcome). */
  async flushed(): Promise<void> {
    await Promise.allSettled([...this.flushes, this.last]);
  }

  /** Items waiting for or inside a flush. */
  get pending(): number {
    return this.queue.length;
  }

  // Items that come while the flushes are running wait for the next one, so a slow Redis gets bigger
  // batches rather than more calls.
  private drain(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxConcurrent) {
      const batch = this.queue.splice(0, this.maxItems);
      this.inFlight += 1;
      let flushed: Promise<R[]>;
      try {
        flushed = this.flushFn(batch.map((p) => p.item));
      } catch (error) {
        flushed = Promise.reject(error);
      }
      const done = flushed
        .then(
          (results) => batch.forEach((p, i) => p.resolve(results[i] as R)),
          (error: unknown) => batch.forEach((p) => p.reject(error)),
        )
        .finally(() => {
          this.inFlight -= 1;
          this.flushes.delete(done);
          this.drain();
        });
      this.flushes.add(done);
    }
  }
}
