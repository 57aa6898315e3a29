/**
 * `smpp-gateway preview`: encoding and segment analysis of a text, or of a template across the rows of a
 * CSV of recipients, without sending anything. `--json` prints one JSON object on stdout for scripts.
 * With `--account A --class marketing`, the text is the one the gateway would send: the account's STOP
 * mention (read from the configuration, `--config`) appended, and counted, as at enqueue.
 * Exit codes: 0 done, 1 the input could not be analysed (unreadable file, bad CSV, bad configuration),
 * 2 bad usage.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { parse } from 'csv-parse/sync';
import { ConfigError, DEFAULT_CONFIG_FILE, formatIssue, loadConfig } from '../config/index.js';
import { applyStopMention } from '../policy/index.js';
import {
  CodecError,
  previewTemplate,
  previewText,
  type Concatenation,
  type EncodingOptions,
  type NationalLanguage,
  type Preview,
  type TemplatePreview,
} from '../codec/index.js';

export interface PreviewIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const USAGE = [
  'usage: smpp-gateway preview (--text T | --template T --data FILE.csv) [options]',
  '  --json                     print one JSON object',
  '  --smart                    smart encoding: replace look-alikes (’ “ ” – … NBSP) by GSM characters',
  '  --latin1                   allow Latin-1 (data_coding 3) for text that is not GSM-7',
  '  --national-language L      turkish | spanish | portuguese single shift table',
  '  --concatenation C          udh8 (default) | udh16 | sar | payload',
  '  --max-parts N              most parts a text may take (default 10)',
  '  --account A --class C      the text as account A sends it: marketing gets its STOP mention appended',
  `  --config FILE              where --account is read from (default ${DEFAULT_CONFIG_FILE})`,
].join('\n');

const CONCATENATIONS = new Set<string>(['udh8', 'udh16', 'sar', 'payload']);
const LANGUAGES = new Set<string>(['turkish', 'spanish', 'portuguese']);

class UsageError extends Error {}

export async function runPreview(argv: string[], io: PreviewIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        text: { type: 'string' },
        template: { type: 'string' },
        data: { type: 'string' },
        json: { type: 'boolean', default: false },
        smart: { type: 'boolean', default: false },
        latin1: { type: 'boolean', default: false },
        'national-language': { type: 'string' },
        concatenation: { type: 'string' },
        'max-parts': { type: 'string' },
        account: { type: 'string' },
        class: { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    io.stderr(`preview: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }

  let options: EncodingOptions;
  try {
    if ((values.text === undefined) === (values.template === undefined)) {
      throw new UsageError('give either --text or --template');
    }
    if (values.template !== undefined && values.data === undefined) {
      throw new UsageError('--template needs --data FILE.csv');
    }
    if (values.text !== undefined && values.data !== undefined) {
      throw new UsageError('--data goes with --template, not --text');
    }
    if ((values.account === undefined) !== (values.class === undefined)) {
      throw new UsageError('--account and --class go together');
    }
    if (values.class !== undefined && values.class !== 'marketing' && values.class !== 'transactional') {
      throw new UsageError(`--class must be marketing or transactional, not ${values.class}`);
    }
    options = buildOptions(values);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`preview: ${error.message}\n${USAGE}\n`);
    return 2;
  }

  try {
    // With --account: the text as that account sends it, and what its STOP mention did.
    const shape: Shaper =
      values.account !== undefined
        ? await shaperFor(values.config ?? DEFAULT_CONFIG_FILE, values.account, values.class)
        : (text) => ({ text });
    if (values.text !== undefined) {
      const { text, stopMention } = shape(values.text);
      const preview = { ...previewText(text, options), ...(stopMention ? { stopMention } : {}) };
      io.stdout(
        values.json ? `${JSON.stringify(preview)}\n` : describeText(preview) + mentionLine(stopMention),
      );
    } else {
      const rows = await readRecipients(values.data ?? '');
      const { text, stopMention } = shape(values.template ?? '');
      const preview = { ...previewTemplate(text, rows, options), ...(stopMention ? { stopMention } : {}) };
      io.stdout(
        values.json ? `${JSON.stringify(preview)}\n` : describeTemplate(preview) + mentionLine(stopMention),
      );
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`preview: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof CodecError && error.code === 'INVALID_OPTION') {
      io.stderr(`preview: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    io.stderr(`preview: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** `stopMention`: `none` (no mention required), `present`, `appended`, or `missing` (would be refused). */
type Shaper = (text: string) => { text: string; stopMention?: 'none' | 'present' | 'appended' | 'missing' };

/** The text as `accountId` sends a message of `messageClass`, from the configuration in `file`. */
async function shaperFor(file: string, accountId: string, messageClass: string | undefined): Promise<Shaper> {
  let config;
  try {
    config = await loadConfig(file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new Error([error.message.split('\n')[0] ?? file, ...error.issues.map(formatIssue)].join('\n'), {
      cause: error,
    });
  }
  const account = config.accounts.find((a) => a.id === accountId);
  if (!account) throw new UsageError(`--account: no account "${accountId}" in ${file}`);
  const rule = messageClass === 'marketing' ? account.stopMention : undefined;
  if (!rule || rule.mode === 'off') return (text) => ({ text, stopMention: 'none' });
  return (text) => {
    const shaped = applyStopMention(text, account, config.keywords.stop);
    if (!shaped.ok) return { text, stopMention: 'missing' };
    return { text: shaped.text, stopMention: shaped.appended ? 'appended' : 'present' };
  };
}

function mentionLine(stopMention: string | undefined): string {
  switch (stopMention) {
    case 'appended':
      return 'STOP:        mention appended (counted above)\n';
    case 'missing':
      return 'STOP:        mention missing: the account refuses this text (STOP_MENTION_MISSING)\n';
    case 'present':
      return 'STOP:        mention present\n';
    default:
      return '';
  }
}

function buildOptions(values: {
  smart?: boolean;
  latin1?: boolean;
  'national-language'?: string;
  concatenation?: string;
  'max-parts'?: string;
}): EncodingOptions {
  const options: EncodingOptions = {};
  if (values.smart) options.smartEncoding = true;
  if (values.latin1) options.latin1 = true;
  const language = values['national-language'];
  if (language !== undefined) {
    if (!LANGUAGES.has(language)) {
      throw new UsageError(`--national-language must be turkish, spanish or portuguese, not ${language}`);
    }
    options.nationalLanguage = language as NationalLanguage;
  }
  if (values.concatenation !== undefined) {
    if (!CONCATENATIONS.has(values.concatenation)) {
      throw new UsageError(
        `--concatenation must be udh8, udh16, sar or payload, not ${values.concatenation}`,
      );
    }
    options.concatenation = values.concatenation as Concatenation;
  }
  const maxParts = values['max-parts'];
  if (maxParts !== undefined) {
    if (!/^\d+$/.test(maxParts) || Number(maxParts) < 1 || Number(maxParts) > 255) {
      throw new UsageError(`--max-parts must be a whole number from 1 to 255, not ${maxParts}`);
    }
    options.maxParts = Number(maxParts);
  }
  return options;
}

/**
 * Reads a CSV of recipients with a header row. Spreadsheet exports vary: UTF-8 with or without BOM, or
 * Windows-1252 (French Excel); comma, semicolon (French Excel again) or tab as the delimiter, guessed from
 * the header line.
 */
export async function readRecipients(file: string): Promise<Array<Record<string, string>>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new Error(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const text = decodeCsvText(bytes);
  try {
    return parse<Record<string, string>>(text, {
      columns: (header: string[]) => header.map((name) => name.trim()),
      delimiter: guessDelimiter(text),
      skip_empty_lines: true,
      relax_column_count: true,
    });
  } catch (error) {
    throw new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function decodeCsvText(bytes: Buffer): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder('windows-1252').decode(bytes);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function guessDelimiter(text: string): string {
  const newline = text.search(/\r?\n/);
  const header = newline < 0 ? text : text.slice(0, newline);
  let best = ',';
  let bestCount = 0;
  for (const candidate of [',', ';', '\t']) {
    let count = 0;
    let quoted = false;
    for (const char of header) {
      if (char === '"') quoted = !quoted;
      else if (char === candidate && !quoted) count++;
    }
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

const UNIT_NAMES = { gsm7: 'septets', ucs2: 'UTF-16 units', latin1: 'octets' } as const;

function describeText(preview: Preview): string {
  const lines = [
    `encoding:    ${preview.encoding} (data_coding ${preview.dataCoding})`,
    `segments:    ${preview.segments}` +
      (preview.segments > 1 ? ` (${preview.perSegment.join(' + ')} ${UNIT_NAMES[preview.encoding]})` : ''),
    `characters:  ${preview.characters}`,
    `units:       ${preview.units} ${UNIT_NAMES[preview.encoding]}`,
  ];
  if (preview.nonGsmCharacters.length > 0) {
    lines.push(`not GSM-7:   ${preview.nonGsmCharacters.map((char) => JSON.stringify(char)).join(' ')}`);
  }
  if (preview.nationalLanguage !== undefined) {
    lines.push(`national:    ${preview.nationalLanguage} single shift table`);
  }
  for (const r of preview.replacements) {
    lines.push(`replaced:    ${JSON.stringify(r.from)} → ${JSON.stringify(r.to)} ×${r.count}`);
  }
  if (preview.exceedsMaxParts) {
    lines.push(`too long:    needs ${preview.segments} parts, the maximum is ${preview.maxParts}`);
  }
  return `${lines.join('\n')}\n`;
}

function describeTemplate(preview: TemplatePreview): string {
  const range = (key: 'segments' | 'units' | 'characters'): string =>
    preview.min[key] === preview.max[key]
      ? String(preview.min[key])
      : `${preview.min[key]}–${preview.max[key]}`;
  const lines = [
    `recipients:  ${preview.recipients}`,
    `encoding:    ${preview.encodings.join(', ')}`,
    `segments:    ${range('segments')}${preview.variable ? ' (variable format)' : ''}`,
    `characters:  ${range('characters')}`,
    `units:       ${range('units')}`,
  ];
  if (preview.nonGsmCharacters.length > 0) {
    lines.push(`not GSM-7:   ${preview.nonGsmCharacters.map((char) => JSON.stringify(char)).join(' ')}`);
  }
  if (preview.missingFields.length > 0) {
    lines.push(`missing:     ${preview.missingFields.join(', ')} (not a column of the data; rendered empty)`);
  }
  if (preview.overMaxParts > 0) {
    lines.push(`too long:    ${preview.overMaxParts} recipient(s) need more than ${preview.maxParts} parts`);
  }
  return `${lines.join('\n')}\n`;
}
