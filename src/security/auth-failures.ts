// Failed authentications counted per source address, in this process's memory: after `max` failures within
// `windowSeconds`, the address is refused for `windowSeconds`, whatever it presents, so guessing keys or
// passwords gets nowhere. Per instance by design: it is a defence, not state worth a Redis round trip on
// every request; with N instances behind a balancer an address gets at most N × max tries per window.

export interface AuthFailureLimits {
  /** Failures from one address within the window that block it. */
  max: number;
  windowSeconds: number;
}

interface AddressState {
  /** Times of the failures still inside the window, oldest first (at most `max`). */
  failures: number[];
  /** Refused until then (ms), once `max` failures were counted. */
  blockedUntil: number;
}

/** Addresses remembered at most; past it, those with nothing recent are forgotten first. */
const MAX_ADDRESSES = 100_000;

export class AuthFailureLimiter {
  private readonly addresses = new Map<string, AddressState>();
  private readonly windowMs: number;

  constructor(
    private readonly limits: AuthFailureLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.windowMs = limits.windowSeconds * 1000;
  }

  /** Seconds the address must still wait (at least 1), or 0 when it may try. */
  retryAfterSeconds(address: string | undefined): number {
    const state = this.addresses.get(address ?? '');
    if (!state) return 0;
    const wait = state.blockedUntil - this.now();
    if (wait <= 0) {
      if (state.blockedUntil > 0) this.addresses.delete(address ?? '');
      return 0;
    }
    return Math.max(1, Math.ceil(wait / 1000));
  }

  /** One failed authentication from the address; true when this one blocked it. */
  fail(address: string | undefined): boolean {
    const key = address ?? '';
    const now = this.now();
    let state = this.addresses.get(key);
    if (!state) {
      if (this.addresses.size >= MAX_ADDRESSES) this.prune(now);
      state = { failures: [], blockedUntil: 0 };
      this.addresses.set(key, state);
    }
    if (state.blockedUntil > now) return false;
    const since = now - this.windowMs;
    state.failures = state.failures.filter((at) => at > since);
    state.failures.push(now);
    if (state.failures.length < this.limits.max) return false;
    state.failures = [];
    state.blockedUntil = now + this.windowMs;
    return true;
  }

  /** Addresses remembered now (failures in the window, or blocked). */
  get size(): number {
    return this.addresses.size;
  }

  private prune(now: number): void {
    const since = now - this.windowMs;
    for (const [key, state] of this.addresses) {
      if (state.blockedUntil <= now && state.failures.every((at) => at <= since)) this.addresses.delete(key);
    }
    // Still full (a flood from many addresses): forget the oldest entries rather than grow without bound.
    for (const key of this.addresses.keys()) {
      if (this.addresses.size < MAX_ADDRESSES) break;
      this.addresses.delete(key);
    }
  }
}
