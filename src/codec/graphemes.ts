/**
 * User-perceived characters (Unicode extended grapheme clusters, UAX #29) without paying for
 * Intl.Segmenter on ordinary text.
 *
 * SIMPLE marks code units whose Grapheme_Cluster_Break property is Other, Control, CR, LF, LV or LVT: in a
 * text made only of them, every code unit is its own grapheme except CR LF (rule GB3), since every other
 * joining rule needs an Extend, ZWJ, SpacingMark, Prepend, Regional_Indicator, Hangul jamo or surrogate on
 * one side. That covers all of GSM 03.38, Latin-1, Latin Extended, Greek, Cyrillic, general punctuation,
 * currency symbols, CJK ideographs and Hangul syllables; test/unit/codec/graphemes.test.ts checks every
 * marked unit against Intl.Segmenter.
 */

const SIMPLE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x0000, 0x02ff], // C0, Basic Latin, Latin-1, Latin Extended-A/B, IPA, spacing modifier letters
  [0x0370, 0x0482], // Greek and Coptic, Cyrillic up to the combining titlo (U+0483)
  [0x048a, 0x052f], // Cyrillic after the combining marks, Cyrillic Supplement
  [0x2000, 0x200b], // spaces, ZWSP (Control); U+200C ZWNJ is Extend and U+200D is ZWJ
  [0x200e, 0x206f], // rest of General Punctuation
  [0x20a0, 0x20cf], // currency symbols (€)
  [0x2100, 0x214f], // letterlike symbols
  [0x3400, 0x4dbf], // CJK extension A
  [0x4e00, 0x9fff], // CJK unified ideographs
  [0xac00, 0xd7a3], // Hangul syllables (LV / LVT: they join only with jamo, which are not marked)
  [0xff01, 0xff5e], // fullwidth ASCII
];

export const SIMPLE = new Uint8Array(0x10000);
for (const [from, to] of SIMPLE_RANGES) SIMPLE.fill(1, from, to + 1);

let segmenter: Intl.Segmenter | undefined;

export function graphemeSegmenter(): Intl.Segmenter {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return segmenter;
}

/** True when every code unit of text is SIMPLE. */
export function isSimpleText(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!SIMPLE[text.charCodeAt(i)]) return false;
  return true;
}

/** Number of grapheme clusters. */
export function countGraphemes(text: string): number {
  if (isSimpleText(text)) return text.length - countCrLf(text);
  return graphemeStarts(text).length;
}

export function countCrLf(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\r\n'); i >= 0; i = text.indexOf('\r\n', i + 2)) n++;
  return n;
}

/*
 * A grapheme cluster segmenter for the text SMS actually carries beyond SIMPLE: emoji with skin tones,
 * variation selectors, ZWJ sequences and flags, and Latin letters with combining accents. It implements the
 * UAX #29 rules those classes meet (GB3–GB5, GB9, GB11, GB12–GB13, GB999); a code point of any class it
 * does not model (SpacingMark, Prepend, Hangul jamo, Indic scripts, lone surrogates, most astral planes)
 * makes it return undefined and the caller uses Intl.Segmenter. Intl.Segmenter costs ~20 µs per message;
 * this costs well under 1 µs. graphemes.test.ts checks both agree.
 */
const OTHER = 0;
const CR_CLASS = 1;
const LF_CLASS = 2;
const CONTROL = 3;
const EXTEND = 4;
const ZWJ = 5;
const RI = 6;
const PICTO = 7;
const UNSUPPORTED = 8;

let bmpClasses: Uint8Array | undefined;

function buildBmpClasses(): Uint8Array {
  const classes = new Uint8Array(0x10000).fill(UNSUPPORTED);
  const control = /^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]$/u;
  const pictographic = /^\p{Extended_Pictographic}$/u;
  const graphemeExtend = /^\p{Grapheme_Extend}$/u;
  const unassigned = /^\p{Cn}$/u;
  const classify = (unit: number): number => {
    const char = String.fromCharCode(unit);
    // Unassigned code points may get any property in a later Unicode version: leave them to ICU.
    if (unassigned.test(char)) return UNSUPPORTED;
    if (pictographic.test(char)) return PICTO;
    if (control.test(char)) return CONTROL;
    return OTHER;
  };
  for (const [from, to] of SIMPLE_RANGES) {
    // CJK ideographs and Hangul syllables are all plain Other: no need to test 38,000 code points.
    const plain = from >= 0x3400;
    for (let unit = from; unit <= to; unit++) classes[unit] = plain ? OTHER : classify(unit);
  }
  // Arrows, mathematical operators, technical, enclosed alphanumerics, shapes, dingbats (☀ ✅ ❤ ✨ ⭐):
  // no combining characters in these blocks.
  for (let unit = 0x2190; unit <= 0x2bff; unit++) classes[unit] = classify(unit);
  // Combining diacritical marks (for symbols and letters), variation selectors, combining half marks.
  const extendRanges: ReadonlyArray<readonly [number, number]> = [
    [0x0300, 0x036f],
    [0x20d0, 0x20ff],
    [0xfe00, 0xfe0f],
    [0xfe20, 0xfe2f],
  ];
  for (const [from, to] of extendRanges) {
    for (let unit = from; unit <= to; unit++) {
      if (graphemeExtend.test(String.fromCharCode(unit))) classes[unit] = EXTEND;
    }
  }
  classes[0x0d] = CR_CLASS;
  classes[0x0a] = LF_CLASS;
  classes[0x200c] = EXTEND; // ZWNJ: Grapheme_Extend
  classes[0x200d] = ZWJ;
  return classes;
}

const astralPictographic = /^\p{Extended_Pictographic}$/u;
const astralCache = new Map<number, number>();

function astralClass(codePoint: number): number {
  if (codePoint >= 0x1f1e6 && codePoint <= 0x1f1ff) return RI;
  if (codePoint >= 0x1f3fb && codePoint <= 0x1f3ff) return EXTEND; // Emoji_Modifier (skin tones)
  if (codePoint >= 0xe0020 && codePoint <= 0xe007f) return EXTEND; // tags (subdivision flags)
  if (codePoint >= 0x1f000 && codePoint <= 0x1faff) {
    let cls = astralCache.get(codePoint);
    if (cls === undefined) {
      cls = astralPictographic.test(String.fromCodePoint(codePoint)) ? PICTO : OTHER;
      astralCache.set(codePoint, cls);
    }
    return cls;
  }
  if (codePoint >= 0x20000 && codePoint <= 0x3134f) return OTHER; // CJK extensions B–H
  return UNSUPPORTED;
}

/** UAX #29 §3.1.1, in rule order, for the classes modelled here. */
function breaksBetween(previous: number, cls: number, pictographicState: number, riRun: number): boolean {
  // GB3: CR × LF
  if (previous === CR_CLASS && cls === LF_CLASS) return false;
  // GB4, GB5: break after and before controls
  if (previous === CR_CLASS || previous === LF_CLASS || previous === CONTROL) return true;
  if (cls === CR_CLASS || cls === LF_CLASS || cls === CONTROL) return true;
  // GB9: × (Extend | ZWJ)
  if (cls === EXTEND || cls === ZWJ) return false;
  // GB11: ExtPict Extend* ZWJ × ExtPict
  if (cls === PICTO && pictographicState === 2) return false;
  // GB12, GB13: regional indicators pair up
  if (cls === RI && previous === RI) return riRun % 2 === 0;
  // GB999
  return true;
}

/**
 * Start index (in UTF-16 units) of every grapheme cluster of text, or undefined when the text holds a
 * character this segmenter does not model.
 */
export function fastGraphemeStarts(text: string): number[] | undefined {
  bmpClasses ??= buildBmpClasses();
  const classes = bmpClasses;
  const starts: number[] = [];
  let previous = -1;
  let pictographicState = 0; // 1: ExtPict Extend*, 2: ExtPict Extend* ZWJ
  let riRun = 0;
  for (let i = 0; i < text.length;) {
    const unit = text.charCodeAt(i);
    let cls: number;
    let size = 1;
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const low = text.charCodeAt(i + 1);
      if (unit > 0xdbff || !(low >= 0xdc00 && low <= 0xdfff)) return undefined;
      cls = astralClass(((unit - 0xd800) << 10) + (low - 0xdc00) + 0x10000);
      size = 2;
    } else {
      cls = classes[unit] as number;
    }
    if (cls === UNSUPPORTED) return undefined;

    if (previous < 0 || breaksBetween(previous, cls, pictographicState, riRun)) starts.push(i);

    if (cls === PICTO) pictographicState = 1;
    else if (cls === ZWJ && pictographicState === 1) pictographicState = 2;
    else if (cls !== EXTEND || pictographicState !== 1) pictographicState = 0;
    riRun = cls === RI ? riRun + 1 : 0;
    previous = cls;
    i += size;
  }
  return starts;
}

/** Grapheme cluster start indices, by the fast segmenter when it can, else by Intl.Segmenter. */
export function graphemeStarts(text: string): number[] {
  const fast = fastGraphemeStarts(text);
  if (fast !== undefined) return fast;
  const starts: number[] = [];
  for (const { index } of graphemeSegmenter().segment(text)) starts.push(index);
  return starts;
}
