/**
 * Codec throughput: encode and split one million messages on one core (the event loop's thread), and
 * print one JSON line. Not a test: run it by hand with `npx tsx bench/codec.bench.ts [count]`.
 *
 * Two runs over deterministic corpora (a seeded generator, so figures compare from run to run):
 *   short  — texts of up to 160 characters, 90 % GSM-7 (10 % of them with an extension character),
 *            10 % UCS-2 (French accents outside GSM, emoji): the issue's ≥ 200,000 msg/s goal;
 *   mixed  — 70 % short GSM-7, 15 % short UCS-2, 15 % long (2–6 parts, GSM-7 and UCS-2 with emoji).
 */
import { splitMessage, type EncodingOptions } from '../src/codec/index.js';

const count = Number(process.argv[2] ?? 1_000_000);

// Mulberry32: small, seeded, good enough to pick words.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GSM_WORDS = [
  'Bonjour',
  'votre',
  'code',
  'est',
  '482913',
  'livraison',
  'prévue',
  'demain',
  'entre',
  '8h',
  'et',
  '12h',
  'RDV',
  'confirmé',
  'le',
  'à',
  'Répondez',
  'STOP',
  'au',
  '36180',
  'promo',
  '-20%',
  'sur',
  'tout',
  'le',
  'magasin',
  "jusqu'au",
  'dimanche',
  'Merci!',
  'colis',
  'no.',
  'disponible',
  'en',
  'point',
  'relais',
];
const EXTENSION_WORDS = ['10€', '[info]', '{code}', 'a|b', '~env.'];
const UCS2_WORDS = [
  'ça',
  'fête',
  'à',
  'bientôt',
  'cœur',
  'hôtel',
  'août',
  '🎉',
  '👍🏽',
  '😀',
  'Noël',
  'maïs',
  'n°',
];

function sentence(random: () => number, maxLength: number, ucs2: boolean, extension: boolean): string {
  let text = '';
  for (;;) {
    const pool =
      ucs2 && random() < 0.25 ? UCS2_WORDS : extension && random() < 0.1 ? EXTENSION_WORDS : GSM_WORDS;
    const word = pool[Math.floor(random() * pool.length)] ?? 'x';
    if (text.length + word.length + 1 > maxLength) return text || word;
    text = text ? `${text} ${word}` : word;
  }
}

function corpus(kind: 'short' | 'mixed', size: number): string[] {
  const random = rng(kind === 'short' ? 1 : 2);
  const texts: string[] = [];
  for (let i = 0; i < size; i++) {
    const r = random();
    if (kind === 'short') {
      const ucs2 = r < 0.1;
      texts.push(sentence(random, ucs2 ? 70 : 20 + Math.floor(random() * 140), ucs2, random() < 0.1));
    } else if (r < 0.7) {
      texts.push(sentence(random, 20 + Math.floor(random() * 140), false, random() < 0.1));
    } else if (r < 0.85) {
      texts.push(sentence(random, 20 + Math.floor(random() * 50), true, false));
    } else {
      const ucs2 = random() < 0.5;
      texts.push(
        sentence(
          random,
          ucs2 ? 140 + Math.floor(random() * 260) : 200 + Math.floor(random() * 700),
          ucs2,
          true,
        ),
      );
    }
  }
  return texts;
}

function run(
  texts: string[],
  options: EncodingOptions,
  n = count,
): { messages: number; seconds: number; perSecond: number; parts: number } {
  let parts = 0;
  let reference = 0;
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const text = texts[i % texts.length] ?? '';
    reference = (reference + 1) & 0xff;
    parts += splitMessage(text, { ...options, reference }).segments.length;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { messages: n, seconds: Number(seconds.toFixed(3)), perSecond: Math.round(n / seconds), parts };
}

const shortTexts = corpus('short', 10_000);
const mixedTexts = corpus('mixed', 10_000);
// Warm-up so the JIT has compiled the hot path before timing.
run(shortTexts, {}, 50_000);
run(mixedTexts, {}, 50_000);

const result = {
  bench: 'codec.splitMessage',
  node: process.version,
  short: run(shortTexts, {}),
  mixed: run(mixedTexts, {}),
};
console.log(JSON.stringify(result));
