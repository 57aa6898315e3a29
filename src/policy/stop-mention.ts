// The opt-out mention every marketing message must carry (SPEC §3, e.g. "STOP au 36180"), per account:
// `append` adds it when it is missing, `refuse` refuses the message, `off` checks nothing. Applied to the text
// before it is encoded, so an appended mention is counted in the segments like any other character.
import { keywordsSchema, type AccountConfig } from '../config/index.js';

export type StopMentionConfig = NonNullable<AccountConfig['stopMention']>;

export type StopMentionResult =
  | { ok: true; text: string; appended: boolean }
  | { ok: false; code: 'STOP_MENTION_MISSING'; message: string };

const DEFAULT_STOP_KEYWORDS: readonly string[] = keywordsSchema.parse({}).stop;

/** Case-, accent- and spacing-insensitive form: "Arrêt  au 36180" and "ARRET au 36180" compare equal. */
export function foldText(s: string): string {
  return s
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/gu, ' ')
    .trim();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function containsWord(folded: string, word: string): boolean {
  return new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(word)}(?![\\p{L}\\p{N}])`, 'u').test(folded);
}

/**
 * Whether `text` already carries `mention`: it contains the mention itself, or, as a whole word, a stop keyword
 * the mention contains ("STOP" for "STOP au 36180"), since "Répondez STOP au 36180" and "STOP : 36180" offer
 * the same opt-out. Only the mention's own keywords count: "END" or "CANCEL" are ordinary English words, and
 * a text using them has not offered an opt-out.
 */
export function hasStopMention(
  text: string,
  mention: string,
  stopKeywords: readonly string[] = DEFAULT_STOP_KEYWORDS,
): boolean {
  const folded = foldText(text);
  const foldedMention = foldText(mention);
  if (foldedMention !== '' && folded.includes(foldedMention)) return true;
  return stopKeywords
    .map(foldText)
    .filter((k) => k !== '' && containsWord(foldedMention, k))
    .some((k) => containsWord(folded, k));
}

/**
 * The text to send for a marketing message of `account`. Appending keeps the text's layout: nothing is added
 * between when it already ends in white space, a line break when it has several lines (the mention then reads
 * as a line of its own), a space otherwise. Transactional messages need no mention: callers apply this to
 * marketing only.
 */
export function applyStopMention(
  text: string,
  account: { stopMention?: StopMentionConfig | undefined } | undefined,
  stopKeywords: readonly string[] = DEFAULT_STOP_KEYWORDS,
): StopMentionResult {
  const rule = account?.stopMention;
  if (!rule || rule.mode === 'off' || rule.text === undefined) return { ok: true, text, appended: false };
  if (hasStopMention(text, rule.text, stopKeywords)) return { ok: true, text, appended: false };
  if (rule.mode === 'refuse') {
    return {
      ok: false,
      code: 'STOP_MENTION_MISSING',
      message: `text: marketing messages of this account must carry the opt-out mention "${rule.text}"`,
    };
  }
  const separator = text === '' || /\s$/u.test(text) ? '' : /[\r\n]/.test(text) ? '\n' : ' ';
  return { ok: true, text: `${text}${separator}${rule.text}`, appended: true };
}
