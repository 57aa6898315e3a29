// An in-memory PartGatherer, FOR TESTS ONLY: nothing survives a restart and nothing is shared between
// instances, so the daemon must be given the Redis-backed one. It keeps the port's contract (id at the first
// part, duplicates tolerated, complete again until finish(), each expired gathering handed out once) so the
// server's tests exercise the same behaviour the real one must have.
import { randomUUID } from 'node:crypto';
import type { ExpiredGathering, GatheredPart, GatherOutcome, PartGatherer, PartKey } from './ports.js';

interface Gathering {
  key: PartKey;
  id: string;
  total: number;
  firstAt: number;
  registeredDelivery: number;
  parts: Map<number, GatheredPart>;
  /** Handed out by expired(): not again. */
  claimed: boolean;
}

function keyString(key: PartKey): string {
  return JSON.stringify([key.account, key.from, key.to, key.via, key.reference]);
}

export class MemoryPartGatherer implements PartGatherer {
  private readonly gatherings = new Map<string, Gathering>();

  constructor(private readonly newId: () => string = () => randomUUID().replaceAll('-', '').toUpperCase()) {}

  addPart(key: PartKey, part: GatheredPart): Promise<GatherOutcome> {
    const k = keyString(key);
    let g = this.gatherings.get(k);
    if (!g) {
      g = {
        key,
        id: this.newId(),
        total: part.total,
        firstAt: part.receivedAt,
        registeredDelivery: part.registeredDelivery,
        parts: new Map(),
        claimed: false,
      };
      this.gatherings.set(k, g);
    }
    if (part.total !== g.total) return Promise.resolve({ complete: false, conflict: true });
    if (!g.parts.has(part.seq)) g.parts.set(part.seq, { ...part, payload: Buffer.from(part.payload) });
    if (g.parts.size < g.total) return Promise.resolve({ complete: false, id: g.id });
    const parts = [...g.parts.values()].sort((a, b) => a.seq - b.seq);
    return Promise.resolve({ complete: true, id: g.id, parts });
  }

  finish(key: PartKey, id: string): Promise<void> {
    const k = keyString(key);
    if (this.gatherings.get(k)?.id === id) this.gatherings.delete(k);
    return Promise.resolve();
  }

  expired(firstPartBefore: number, max: number): Promise<ExpiredGathering[]> {
    const out: ExpiredGathering[] = [];
    for (const g of this.gatherings.values()) {
      if (out.length >= max) break;
      if (g.claimed || g.firstAt >= firstPartBefore) continue;
      g.claimed = true;
      out.push({
        key: g.key,
        id: g.id,
        received: g.parts.size,
        total: g.total,
        registeredDelivery: g.registeredDelivery,
      });
    }
    return Promise.resolve(out);
  }

  /** Gatherings in progress (for tests). */
  get size(): number {
    return this.gatherings.size;
  }
}
