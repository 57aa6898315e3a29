// stop() leaves nothing running: every timer the server, its sessions, windows, keepalives and pumps
// started is cleared or has fired (STYLE habit 4: prove no timer outlives close()).
import { describe, expect, it } from 'vitest';
import type { TimerHandle, Timers } from '../../../src/smpp/timers.js';
import { startServer } from './harness.js';

class TrackingTimers implements Timers {
  readonly active = new Set<TimerHandle>();
  readonly where = new Map<TimerHandle, string>();
  setTimeout(callback: () => void, ms: number): TimerHandle {
    const handle = setTimeout(() => {
      this.active.delete(handle);
      callback();
    }, ms);
    this.active.add(handle);
    this.where.set(handle, `${ms} ${new Error().stack ?? ''}`);
    return handle;
  }
  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle === undefined) return;
    clearTimeout(handle);
    this.active.delete(handle);
  }
}

describe('lifecycle', () => {
  it('no timer outlives stop(), with sessions bound, deliver_sm in flight and a connection never bound', async () => {
    const timers = new TrackingTimers();
    const h = await startServer({ server: { timers } });
    const receiver = await h.bound('receiver');
    const transmitter = await h.bound('transmitter');
    await h.connect();
    // The platform never answers this one: it is in flight when stop() comes.
    receiver.session.removeAllListeners('deliver_sm');
    h.store.produce('acme', { kind: 'mo', from: '+33612345678', to: '36180', text: 'in flight' });
    h.server.wake('acme');
    await new Promise((r) => setTimeout(r, 100));
    await transmitter.submit({ source_addr: 'ACME', short_message: 'hello' });
    expect(timers.active.size).toBeGreaterThan(0);
    await h.server.stop(500);
    expect(h.server.sessionCount).toBe(0);
    expect([...timers.active].map((t) => timers.where.get(t))).toEqual([]);
    // The unanswered deliver_sm is offered again later, not lost.
    expect(h.store.pendingItems).toBe(1);
  });

  it('start() twice is refused with SMPP_SERVER_ALREADY_STARTED', async () => {
    const h = await startServer();
    await expect(h.server.start()).rejects.toMatchObject({ code: 'SMPP_SERVER_ALREADY_STARTED' });
  });
});
