// Reconnect back-off as a policy object (ioredis' retryStrategy habit): exponential from initialMs to maxMs
// with jitter from an injected random source, so many gateways restarted together do not reconnect in step
// and tests stay deterministic. Kannel and Jasmin reconnect on a fixed 10 s timer; carriers punish that.

/** full: uniform in [0, ceiling]; equal: uniform in [ceiling/2, ceiling] (never a near-zero retry). */
export type Jitter = 'full' | 'equal' | 'none';

/** 'bindRefused': the SMSC answered the bind with an error (§4.1, e.g. ESME_RBINDFAIL): retry slowly. */
export type RetryKind = 'drop' | 'bindRefused';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** Floor for retries after a refused bind: hammering a refusing SMSC can get the account locked. */
  bindRefusedMinMs: number;
  jitter?: Jitter;
  random?: () => number;
}

/** The un-jittered ceiling for the n-th retry (0-based): initialMs · 2ⁿ, capped at maxMs. */
export function backoffCeiling(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
}

export class ReconnectBackoff {
  private attemptCount = 0;
  private readonly random: () => number;
  private readonly jitter: Jitter;

  constructor(private readonly options: BackoffOptions) {
    this.random = options.random ?? Math.random;
    this.jitter = options.jitter ?? 'equal';
  }

  /** Retries since the last reset. */
  get attempts(): number {
    return this.attemptCount;
  }

  /** The delay before the next connection attempt; each call counts one attempt. */
  next(kind: RetryKind): number {
    const ceiling = backoffCeiling(this.attemptCount, this.options.initialMs, this.options.maxMs);
    this.attemptCount += 1;
    const r = Math.min(1, Math.max(0, this.random()));
    let delay = ceiling;
    if (this.jitter === 'full') delay = ceiling * r;
    else if (this.jitter === 'equal') delay = ceiling / 2 + (ceiling / 2) * r;
    if (kind === 'bindRefused') delay = Math.max(delay, this.options.bindRefusedMinMs);
    return Math.round(delay);
  }

  /** A stable bind: the next drop retries quickly again. */
  reset(): void {
    this.attemptCount = 0;
  }
}
