import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Keepalive } from '../../../src/smpp/keepalive.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(answer: () => boolean, maxMisses = 3) {
  const ping = vi.fn(async () => answer());
  const onDead = vi.fn();
  const keepalive = new Keepalive({ intervalMs: 1000, maxMisses, ping, onDead });
  return { keepalive, ping, onDead };
}

describe('Keepalive', () => {
  it('pings after intervalMs of silence, and again after each answered interval', async () => {
    const { keepalive, ping } = setup(() => true);
    keepalive.start();
    await vi.advanceTimersByTimeAsync(999);
    expect(ping).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(ping).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(ping).toHaveBeenCalledTimes(2);
    keepalive.stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not ping while traffic arrives', async () => {
    const { keepalive, ping } = setup(() => true);
    keepalive.start();
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(500);
      keepalive.touch();
    }
    expect(ping).not.toHaveBeenCalled();
    keepalive.stop();
  });

  it('declares the link dead after maxMisses unanswered pings in a row', async () => {
    const { keepalive, ping, onDead } = setup(() => false, 3);
    keepalive.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(ping).toHaveBeenCalledTimes(3);
    expect(onDead).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an answer between misses resets the count', async () => {
    const answers = [false, false, true, false, false, true];
    const { keepalive, onDead } = setup(() => answers.shift() ?? true, 3);
    keepalive.start();
    await vi.advanceTimersByTimeAsync(5000);
    expect(onDead).not.toHaveBeenCalled();
    keepalive.stop();
  });

  it('stop() while a ping is pending ends everything', async () => {
    let answer: (value: boolean) => void = () => undefined;
    const onDead = vi.fn();
    const keepalive = new Keepalive({
      intervalMs: 1000,
      maxMisses: 1,
      ping: () => new Promise<boolean>((resolve) => (answer = resolve)),
      onDead,
    });
    keepalive.start();
    await vi.advanceTimersByTimeAsync(1000);
    keepalive.stop();
    answer(false);
    await vi.advanceTimersByTimeAsync(5000);
    expect(onDead).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
