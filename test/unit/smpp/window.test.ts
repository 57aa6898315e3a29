import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makePdu } from '../../../src/smpp/pdu/index.js';
import { MAX_SEQUENCE_NUMBER, SendWindow, nextSequenceNumber } from '../../../src/smpp/window.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('SendWindow', () => {
  it('refuses a counted request beyond capacity but always tracks control requests', () => {
    const window = new SendWindow(2);
    expect(window.add(1, 'submit_sm', 1000)).toBeDefined();
    expect(window.add(2, 'submit_sm', 1000)).toBeDefined();
    expect(window.free).toBe(0);
    expect(window.add(3, 'submit_sm', 1000)).toBeUndefined();
    expect(window.add(4, 'enquire_link', 1000, { counted: false })).toBeDefined();
    expect(window.size).toBe(2);
    expect(window.pending).toBe(3);
    window.failAll();
  });

  it('refuses a sequence number still in use', () => {
    const window = new SendWindow(5);
    void window.add(7, 'submit_sm', 1000);
    expect(window.add(7, 'submit_sm', 1000)).toBeUndefined();
    window.failAll();
  });

  it('completes by sequence number with the round trip', async () => {
    const window = new SendWindow(5);
    const outcome = window.add(1, 'submit_sm', 1000);
    await vi.advanceTimersByTimeAsync(40);
    expect(window.complete(makePdu('submit_sm_resp', { messageId: 'a' }, { sequenceNumber: 1 }))).toBe(true);
    expect(await outcome).toMatchObject({ kind: 'response', roundTripMs: 40 });
    expect(window.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not complete with a response of another command, or an unknown sequence number', () => {
    const window = new SendWindow(5);
    void window.add(1, 'submit_sm', 1000);
    expect(window.complete(makePdu('enquire_link_resp', {}, { sequenceNumber: 1 }))).toBe(false);
    expect(window.complete(makePdu('submit_sm_resp', {}, { sequenceNumber: 2 }))).toBe(false);
    expect(window.size).toBe(1);
    // generic_nack answers any request (§4.3).
    expect(window.complete(makePdu('generic_nack', {}, { sequenceNumber: 1 }))).toBe(true);
  });

  it('times each request out on its own timer', async () => {
    const window = new SendWindow(5);
    const first = window.add(1, 'submit_sm', 100);
    await vi.advanceTimersByTimeAsync(50);
    const second = window.add(2, 'submit_sm', 100);
    await vi.advanceTimersByTimeAsync(50);
    expect(await first).toEqual({ kind: 'timeout' });
    expect(window.size).toBe(1);
    await vi.advanceTimersByTimeAsync(50);
    expect(await second).toEqual({ kind: 'timeout' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('failAll resolves every request closed and leaves no timer', async () => {
    const window = new SendWindow(5);
    const outcomes = [
      window.add(1, 'submit_sm', 100),
      window.add(2, 'enquire_link', 100, { counted: false }),
    ];
    window.failAll();
    expect(await Promise.all(outcomes)).toEqual([{ kind: 'closed' }, { kind: 'closed' }]);
    expect(window.pending).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('timeout 0 leaves the timer to the caller', () => {
    const window = new SendWindow(1);
    void window.add(1, 'bind_transceiver', 0, { counted: false });
    expect(vi.getTimerCount()).toBe(0);
    window.failAll();
  });
});

describe('nextSequenceNumber (§5.1.4)', () => {
  it.each([
    [0, 1],
    [1, 2],
    [MAX_SEQUENCE_NUMBER - 1, MAX_SEQUENCE_NUMBER],
    [MAX_SEQUENCE_NUMBER, 1],
  ])('%i → %i', (current, next) => {
    expect(nextSequenceNumber(current)).toBe(next);
  });
});
