// The PartGatherer contract, on the in-memory implementation tests use: order independence, one id from
// the first part, duplicates, retry after completion, conflicts, expiry handed out once.
import { describe, expect, it } from 'vitest';
import { MemoryPartGatherer, type GatheredPart, type PartKey } from '../../../src/smpp-server/index.js';

const key: PartKey = { account: 'acme', from: 'ACME', to: '+33612345678', via: 'udh8', reference: 7 };
let ids = 0;
const gatherer = () => new MemoryPartGatherer(() => `ID${++ids}`);
const part = (seq: number, total = 3, receivedAt = 1000): GatheredPart => ({
  seq,
  total,
  payload: Buffer.from(`p${seq}`),
  dataCoding: 0,
  registeredDelivery: 1,
  receivedAt,
});

describe('MemoryPartGatherer', () => {
  it('allocates the id at the first part and completes with the parts in order, whatever the arrival order', async () => {
    const g = gatherer();
    const a = await g.addPart(key, part(3));
    const b = await g.addPart(key, part(1));
    const c = await g.addPart(key, part(2));
    expect(a).toEqual({ complete: false, id: expect.any(String) });
    expect(b).toEqual(a);
    expect(c).toMatchObject({ complete: true, id: (a as { id: string }).id });
    expect(c.complete && c.parts.map((p) => p.payload.toString())).toEqual(['p1', 'p2', 'p3']);
  });

  it('takes a repeated part as a duplicate, and completes again until finish()', async () => {
    const g = gatherer();
    await g.addPart(key, part(1, 2));
    expect(await g.addPart(key, part(1, 2))).toMatchObject({ complete: false });
    const done = await g.addPart(key, part(2, 2));
    const again = await g.addPart(key, part(2, 2));
    expect(again).toEqual(done);
    if (!done.complete) throw new Error('expected complete');
    await g.finish(key, done.id);
    expect(g.size).toBe(0);
    // The reference comes round again for a new message: a new id.
    const next = await g.addPart(key, part(1, 2));
    expect(next).toMatchObject({ complete: false });
    expect((next as { id: string }).id).not.toBe(done.id);
  });

  it('keeps messages apart by account, source, destination, method and reference', async () => {
    const g = gatherer();
    const ids = new Set<string>();
    for (const k of [
      key,
      { ...key, account: 'other' },
      { ...key, from: '36180' },
      { ...key, to: '+33700000000' },
      { ...key, via: 'udh16' as const },
      { ...key, via: 'sar' as const },
      { ...key, reference: 8 },
    ]) {
      const outcome = await g.addPart(k, part(1));
      ids.add((outcome as { id: string }).id);
    }
    expect(ids.size).toBe(7);
  });

  it('refuses a part announcing another total, keeping what it had', async () => {
    const g = gatherer();
    await g.addPart(key, part(1, 3));
    expect(await g.addPart(key, part(2, 4))).toEqual({ complete: false, conflict: true });
    await g.addPart(key, part(2, 3));
    expect(await g.addPart(key, part(3, 3))).toMatchObject({ complete: true });
  });

  it('hands out a gathering whose first part is too old once, with what arrived, until finish()', async () => {
    const g = gatherer();
    await g.addPart(key, part(2, 3, 1000));
    await g.addPart({ ...key, reference: 9 }, part(1, 2, 5000));
    const expired = await g.expired(2000, 10);
    expect(expired).toEqual([{ key, id: expect.any(String), received: 1, total: 3, registeredDelivery: 1 }]);
    expect(await g.expired(2000, 10)).toEqual([]);
    await g.finish(key, expired[0]!.id);
    expect(g.size).toBe(1);
  });
});
