import { describe, expect, it } from 'vitest';
import { Permits } from '../../../src/queue/permits.js';

describe('Permits', () => {
  it('never hands out more than its size, and serves waiters in order', async () => {
    const permits = new Permits(2);
    const a = await permits.acquire();
    const b = await permits.acquire();
    expect(permits.inUse).toBe(2);
    const order: string[] = [];
    const c = permits.acquire().then((release) => {
      order.push('c');
      return release;
    });
    const d = permits.acquire().then((release) => {
      order.push('d');
      return release;
    });
    await Promise.resolve();
    expect(order).toEqual([]);
    a();
    a(); // releasing twice gives back one permit only
    const releaseC = await c;
    expect(order).toEqual(['c']);
    expect(permits.inUse).toBe(2);
    b();
    const releaseD = await d;
    expect(order).toEqual(['c', 'd']);
    releaseC();
    releaseD();
    expect(permits.inUse).toBe(0);
  });

  it('drops a waiter whose signal aborts, without leaking its place', async () => {
    const permits = new Permits(1);
    const held = await permits.acquire();
    const controller = new AbortController();
    const waiting = permits.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    held();
    expect(permits.inUse).toBe(0);
    const again = await permits.acquire();
    expect(permits.inUse).toBe(1);
    again();
  });
});
