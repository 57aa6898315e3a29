// Additive increase, multiplicative decrease: when a carrier answers ESME_RTHROTTLED or ESME_RMSGQFUL,
// the operator's rate halves; each second without throttling it climbs back by a step toward the
// configured limit. This settles just under the carrier's real limit without a retry storm.

export interface AdaptiveRateOptions {
  /** The configured limit (segments/s): never exceeded. */
  max: number;
  /** Floor of the decrease. Default 1 segment/s. */
  min?: number;
  /** Fraction of `max` regained per second without throttling. Default 5 %. */
  increaseFraction?: number;
  /** Factor applied on throttling. Default 0.5. */
  decreaseFactor?: number;
  /** Throttles within this period after a decrease count as the same event. Default 1 s. */
  holdMs?: number;
  now?: () => number;
}

export class AdaptiveRate {
  private rate: number;
  private lastChange: number;
  private lastDecrease = -Infinity;
  private readonly now: () => number;

  constructor(private readonly options: AdaptiveRateOptions) {
    this.now = options.now ?? Date.now;
    this.rate = options.max;
    this.lastChange = this.now();
  }

  current(): number {
    const now = this.now();
    const elapsedSeconds = (now - this.lastChange) / 1000;
    if (this.rate < this.options.max && elapsedSeconds >= 1) {
      const step = this.options.max * (this.options.increaseFraction ?? 0.05);
      this.rate = Math.min(this.options.max, this.rate + step * Math.floor(elapsedSeconds));
      this.lastChange = now;
    } else if (this.rate >= this.options.max) {
      this.lastChange = now;
    }
    return this.rate;
  }

  /** A throttle answer: lower the rate once per hold period (one burst of throttles is one event). */
  onThrottle(): number {
    const now = this.now();
    if (now - this.lastDecrease >= (this.options.holdMs ?? 1000)) {
      this.rate = Math.max(this.options.min ?? 1, this.current() * (this.options.decreaseFactor ?? 0.5));
      this.lastDecrease = now;
      this.lastChange = now;
    }
    return this.rate;
  }
}
