// The campaign policy as the gateway enforces it: the one decision (`decide`) with the facts each stage
// reads, built once at start. Enqueue asks `text` (the STOP mention, before the text is encoded) and then
// `atEnqueue` (opt-out and the frequency-cap count read from Redis, quiet hours at the instant the message
// would leave); the worker asks `atSend` just before submission (its claim reads the opt-out and counts the
// cap atomically); `policy check` asks
// `decide` with the facts it was given. Every answer is a `PolicyDecision`, which the queue reads as its
// `PolicyVerdict`.
import {
  decide,
  type MessageClass,
  type PolicyDecision,
  type PolicyFacts,
  type PolicyInput,
} from './decide.js';
import type { PolicyRules } from './decide.js';
import { applyStopMention, type StopMentionResult } from './stop-mention.js';

/** What the policy reads of a message: a queue `NewMessage` has these fields. */
export interface PolicySubject {
  account: string;
  to: string;
  class: MessageClass;
  /** The text as it will be sent (the mention appended); omitted at send time (settled at enqueue). */
  text?: string | undefined;
  zone?: string | undefined;
  validUntil?: number | undefined;
}

export interface CampaignPolicyDeps {
  /** The account's opt-out list (OptOutList); omitted: nobody is opted out at enqueue. */
  optOuts?: { has(account: string, number: string): Promise<boolean> };
  /**
   * Marketing messages submitted to a number within the last `windowMs` (MessageStore.frequencyCount);
   * omitted: the cap is not read at enqueue (the worker's claim still counts and enforces it).
   */
  frequency?: { count(account: string, to: string, windowMs: number): Promise<number> };
  /**
   * Tests only: decide as if the clock read `at + shiftMs` (a test stands 5 s before a window opens without
   * waiting for a real morning); every instant of the answer is mapped back to the real clock.
   */
  shiftMs?: number;
}

export class CampaignPolicy {
  private readonly shift: number;

  constructor(
    readonly rules: PolicyRules,
    private readonly deps: CampaignPolicyDeps = {},
  ) {
    this.shift = deps.shiftMs ?? 0;
  }

  /**
   * The text a message is sent with: marketing gets its account's STOP mention appended (`append`), or is
   * refused without it (`refuse`); transactional text is left alone.
   */
  text(message: { account: string; class: MessageClass; text: string }): StopMentionResult {
    if (message.class !== 'marketing') return { ok: true, text: message.text, appended: false };
    return applyStopMention(message.text, this.rules.accounts.get(message.account), this.rules.stopKeywords);
  }

  /** At enqueue: the opt-out list is read, then everything is decided for the message to leave at `at`. */
  async atEnqueue(message: PolicySubject, at: number): Promise<PolicyDecision> {
    const marketing = message.class === 'marketing';
    const optedOut =
      this.deps.optOuts !== undefined && (marketing || this.rules.transactionalHonoursOptOut)
        ? await this.deps.optOuts.has(message.account, message.to)
        : false;
    const cap = this.rules.frequencyCap;
    const capCount =
      marketing && cap && this.deps.frequency
        ? await this.deps.frequency.count(message.account, message.to, cap.windowDays * 86_400_000)
        : undefined;
    return this.decide(message, at, { optedOut, ...(capCount !== undefined ? { capCount } : {}) });
  }

  /**
   * Just before submission: quiet hours and holidays again (a message released early, a holiday configured
   * since). The worker's claim read the opt-out atomically (store.take), and the mention was settled at
   * enqueue, so neither is asked here.
   */
  atSend(message: Omit<PolicySubject, 'text'>, at: number): PolicyDecision {
    const { account: _account, ...rest } = message;
    // No account: its only rule (the mention) was applied at enqueue; an account since removed from the
    // configuration must not make its queued messages undecidable.
    return this.decide(rest, at, { optedOut: false });
  }

  /** `decide` on this policy's rules and clock. */
  decide(input: PolicyInput, at: number, facts: PolicyFacts): PolicyDecision {
    if (this.shift === 0) return decide(input, at, facts, this.rules);
    const shifted = decide(
      { ...input, ...(input.validUntil !== undefined ? { validUntil: input.validUntil + this.shift } : {}) },
      at + this.shift,
      facts,
      this.rules,
    );
    if (shifted.action === 'defer') return { ...shifted, until: shifted.until - this.shift };
    if (shifted.action === 'refuse' && shifted.nextAllowedAt !== null)
      return { ...shifted, nextAllowedAt: shifted.nextAllowedAt - this.shift };
    return shifted;
  }
}
