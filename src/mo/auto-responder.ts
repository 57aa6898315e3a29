// The auto-responder of a short code (SPEC §3): every MO gets the configured reply, except stop keywords.
// Its loop guard: at most one automatic reply per number per interval (SET NX EX, shared by every instance),
// and never one to an originator that is not a phone number (decided by the caller, see originator.ts).
import type { ShortCodeConfig } from '../config/index.js';
import type { MoStore } from '../store/index.js';
import type { MoRoute } from './keyword-router.js';

export class AutoResponder {
  constructor(private readonly mo: MoStore) {}

  /**
   * The text to send back to `number` (E.164) for an MO on `route`, or undefined. Taking the answer takes the
   * guard: call it only when the reply will be queued.
   */
  async replyFor(shortCode: ShortCodeConfig, route: MoRoute, number: string): Promise<string | undefined> {
    const responder = shortCode.autoResponder;
    if (!responder?.enabled || route === 'stop') return undefined;
    if (responder.intervalMinutes === 0) return responder.text;
    const taken = await this.mo.takeReplyGuard(shortCode.code, number, responder.intervalMinutes * 60);
    return taken ? responder.text : undefined;
  }
}
