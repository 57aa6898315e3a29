// Keyword routing of MO text (STYLE habit 9): an ordered table of rules evaluated on normalised text, the
// first match wins, a default route at the end. Order: stop, start, help (the legal ones first, so no custom
// keyword can shadow STOP), then the short code's own keywords in configuration order.
import type { KeywordsConfig, ShortCodeConfig } from '../config/index.js';

export type MoRoute = 'stop' | 'start' | 'help' | 'keyword' | 'default';
export type KeywordMatch = 'firstWord' | 'wholeText';

export interface KeywordRule {
  route: Exclude<MoRoute, 'default'>;
  /** The keyword as configured (reported in events). */
  keyword: string;
  /** Its normalised words. */
  words: readonly string[];
  /**
   * firstWord: the text starts with the keyword's words ("STOP SMS" also matches as a leading phrase);
   * wholeText: the text is exactly the keyword's words (punctuation around words ignored).
   */
  match: KeywordMatch;
  reply?: string;
  webhook?: string;
}

export interface RouteDecision {
  route: MoRoute;
  keyword?: string;
  reply?: string;
  webhook?: string;
}

/**
 * Text as keywords are compared: accents removed (NFKD, combining marks dropped), case-folded, whitespace
 * collapsed, and punctuation or symbols at both ends dropped ("  Stop. " → "stop", "ARRÊT !" → "arret").
 */
export function normaliseKeywordText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, '');
}

/** The words of normalised text, each without punctuation at its ends ("stop, merci" → [stop, merci]). */
function wordsOf(normalised: string): string[] {
  return normalised
    .split(' ')
    .map((w) => w.replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, ''))
    .filter((w) => w !== '');
}

function matches(rule: KeywordRule, words: readonly string[]): boolean {
  if (rule.words.length === 0) return false;
  if (rule.match === 'wholeText' ? words.length !== rule.words.length : words.length < rule.words.length) {
    return false;
  }
  return rule.words.every((w, i) => words[i] === w);
}

export function keywordRule(
  route: KeywordRule['route'],
  keyword: string,
  match: KeywordMatch,
  extra: { reply?: string | undefined; webhook?: string | undefined } = {},
): KeywordRule {
  const rule: KeywordRule = { route, keyword, words: wordsOf(normaliseKeywordText(keyword)), match };
  if (extra.reply !== undefined) rule.reply = extra.reply;
  if (extra.webhook !== undefined) rule.webhook = extra.webhook;
  return rule;
}

export class KeywordRouter {
  constructor(readonly rules: readonly KeywordRule[]) {}

  /** The table of one short code: the global stop/start/help keywords, then its own. */
  static forShortCode(keywords: KeywordsConfig, shortCode: ShortCodeConfig | undefined): KeywordRouter {
    const rules: KeywordRule[] = [
      ...keywords.stop.map((k) => keywordRule('stop', k, 'firstWord', { reply: keywords.stopReply })),
      ...keywords.start.map((k) => keywordRule('start', k, 'firstWord', { reply: keywords.startReply })),
      ...keywords.help.map((k) => keywordRule('help', k, 'firstWord', { reply: keywords.helpReply })),
      ...(shortCode?.keywords ?? []).map((k) =>
        keywordRule('keyword', k.keyword, k.match, { reply: k.reply, webhook: k.webhook }),
      ),
    ];
    return new KeywordRouter(rules);
  }

  route(text: string): RouteDecision {
    const words = wordsOf(normaliseKeywordText(text));
    for (const rule of this.rules) {
      if (!matches(rule, words)) continue;
      const decision: RouteDecision = { route: rule.route, keyword: rule.keyword };
      if (rule.reply !== undefined) decision.reply = rule.reply;
      if (rule.webhook !== undefined) decision.webhook = rule.webhook;
      return decision;
    }
    return { route: 'default' };
  }
}
