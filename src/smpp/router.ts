// Which operator carries a message. A sender that is a short code owned by an operator goes to that operator
// (replies to a short code must leave through the carrier that assigned it); otherwise the longest matching
// destination prefix wins, '' being the fallback. Prefixes and codes compare without a leading '+'.
import type { RouteConfig, ShortCodeConfig } from '../config/index.js';

const digits = (s: string): string => (s.startsWith('+') ? s.slice(1) : s);

export class Router {
  /** Longest prefix first, so the first match is the longest. */
  private readonly routes: Array<{ prefix: string; operator: string }>;
  private readonly senders = new Map<string, string>();

  constructor(
    routes: ReadonlyArray<Pick<RouteConfig, 'prefix' | 'operator'>>,
    shortCodes: ReadonlyArray<Pick<ShortCodeConfig, 'code' | 'account' | 'operator'>> = [],
  ) {
    this.routes = routes
      .map((r) => ({ prefix: digits(r.prefix), operator: r.operator }))
      .sort((a, b) => b.prefix.length - a.prefix.length);
    for (const code of shortCodes) this.senders.set(digits(code.code), code.operator);
  }

  /** The operator id for a destination (E.164 with '+'), or undefined when nothing matches (no fallback). */
  operatorFor(destination: string, sender?: string): string | undefined {
    if (sender !== undefined) {
      const owner = this.senders.get(digits(sender));
      if (owner !== undefined) return owner;
    }
    const number = digits(destination);
    for (const route of this.routes) if (number.startsWith(route.prefix)) return route.operator;
    return undefined;
  }
}
