/**
 * Preview before sending (SPEC §3 "Preview"): encoding, parts, the characters that force UCS-2, and for a
 * personalised template the range across its recipients ("variable format" when the encoding or the part
 * count differs from one recipient to another). Used by `smpp-gateway preview` and POST /v1/preview.
 */
import { analyseText } from './segment.js';
import type { Replacement } from './smart-encoding.js';
import type { Encoding, EncodingOptions, TextAnalysis } from './types.js';

export type Preview = TextAnalysis;

export interface TemplateMeasures {
  segments: number;
  units: number;
  characters: number;
}

export interface TemplatePreview {
  recipients: number;
  /** Each measure's smallest and largest value over the recipients (measured independently). */
  min: TemplateMeasures;
  max: TemplateMeasures;
  /** True when the encoding or the part count is not the same for every recipient. */
  variable: boolean;
  /** Encodings used, in the order gsm7, latin1, ucs2. */
  encodings: Encoding[];
  /** Fields the template names, in order of first use. */
  fields: string[];
  /** Fields in the template that are absent from the data columns (they render as empty). */
  missingFields: string[];
  /** Recipients whose text needs more parts than maxParts (splitMessage would refuse them). */
  overMaxParts: number;
  maxParts: number;
  /** Union over the recipients, in order of appearance. */
  nonGsmCharacters: string[];
  replacements: Replacement[];
}

export function previewText(text: string, options?: EncodingOptions): Preview {
  return analyseText(text, options);
}

const FIELD = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The field names of a template ("Bonjour {{ prenom }}" → ["prenom"]), each once, in order. */
export function templateFields(template: string): string[] {
  const fields = new Set<string>();
  for (const match of template.matchAll(FIELD)) fields.add(match[1] ?? '');
  return [...fields];
}

/** Replaces each {{field}} by data[field]; a field absent from data renders as an empty string. */
export function renderTemplate(template: string, data: Record<string, string>): string {
  return template.replace(FIELD, (_match, name: string) =>
    Object.prototype.hasOwnProperty.call(data, name) ? String(data[name] ?? '') : '',
  );
}

const ENCODING_ORDER: readonly Encoding[] = ['gsm7', 'latin1', 'ucs2'];

/**
 * Renders the template for every row and reports the range. With no rows, the template rendered with every
 * field empty stands for both ends of the range.
 */
export function previewTemplate(
  template: string,
  rows: Array<Record<string, string>>,
  options?: EncodingOptions,
): TemplatePreview {
  const fields = templateFields(template);
  const columns = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) columns.add(key);

  const samples = rows.length > 0 ? rows : [{}];
  const min: TemplateMeasures = { segments: Infinity, units: Infinity, characters: Infinity };
  const max: TemplateMeasures = { segments: 0, units: 0, characters: 0 };
  const encodings = new Set<Encoding>();
  const nonGsm = new Set<string>();
  const replacements = new Map<string, Replacement>();
  let overMaxParts = 0;
  let maxParts = 0;
  for (const row of samples) {
    const analysis = analyseText(renderTemplate(template, row), options);
    maxParts = analysis.maxParts;
    if (analysis.exceedsMaxParts && rows.length > 0) overMaxParts++;
    encodings.add(analysis.encoding);
    for (const key of ['segments', 'units', 'characters'] as const) {
      min[key] = Math.min(min[key], analysis[key]);
      max[key] = Math.max(max[key], analysis[key]);
    }
    for (const char of analysis.nonGsmCharacters) nonGsm.add(char);
    for (const r of analysis.replacements) {
      const key = `${r.from}\u0000${r.to}`;
      const existing = replacements.get(key);
      if (existing) existing.count += r.count;
      else replacements.set(key, { ...r });
    }
  }
  return {
    recipients: rows.length,
    min,
    max,
    variable: encodings.size > 1 || min.segments !== max.segments,
    encodings: ENCODING_ORDER.filter((encoding) => encodings.has(encoding)),
    fields,
    missingFields: fields.filter((field) => !columns.has(field)),
    overMaxParts,
    maxParts,
    nonGsmCharacters: [...nonGsm],
    replacements: [...replacements.values()],
  };
}
