// The opt-out (suppression) list of each account: E.164 numbers with when and how they opted out. Fed by
// stop keywords in MO, the HTTP API and CSV import; read before marketing leaves (SPEC §3, OPTED_OUT).
// One Redis hash per account (number → JSON {at, source}): HEXISTS is the hot-path check.
import { parse } from 'csv-parse/sync';
import { normaliseNumber } from '../numbers/index.js';
import type { GatewayMetrics } from '../metrics/index.js';
import type { OptOutStore } from '../store/index.js';

export interface OptOutEntry {
  /** E.164, e.g. "+33612345678". */
  number: string;
  /** Epoch ms of the opt-out. */
  at: number;
  /** How it was recorded: "mo:<short code>", "api", "import", ... */
  source: string;
}

export interface OptOutImportResult {
  /** Valid numbers of the file, now on the list. */
  imported: number;
  /** Of those, how many were not on it before. */
  added: number;
  invalid: Array<{ line: number; value: string; message: string }>;
}

export type OptOutErrorCode = 'INVALID_NUMBER' | 'INVALID_CSV';

export class OptOutError extends Error {
  constructor(
    readonly code: OptOutErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OptOutError';
  }
}

const IMPORT_BATCH = 1000;
const NUMBER_COLUMNS = new Set(['number', 'phone', 'msisdn', 'e164', 'mobile', 'numero', 'to']);

/**
 * The stored form of a number: E.164 as libphonenumber validates it; failing that, a '+' and 8–15 digits is
 * still accepted, because an MO's originator that the metadata does not know must be honoured when it says
 * STOP (an outbound message to it would be refused as invalid anyway, so nothing is lost by keeping it).
 */
function storedForm(number: string): string {
  const normalised = normaliseNumber(number);
  if (normalised) return normalised;
  if (/^\+\d{8,15}$/.test(number)) return number;
  throw new OptOutError('INVALID_NUMBER', `number: "${number}" is not a valid phone number`);
}

function parseEntry(number: string, raw: string | null): OptOutEntry | undefined {
  if (raw === null) return undefined;
  try {
    const value = JSON.parse(raw) as { at?: unknown; source?: unknown };
    return {
      number,
      at: typeof value.at === 'number' ? value.at : 0,
      source: typeof value.source === 'string' ? value.source : '',
    };
  } catch {
    return { number, at: 0, source: '' };
  }
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export class OptOutList {
  constructor(
    private readonly store: OptOutStore,
    private readonly deps: { metrics?: GatewayMetrics | undefined } = {},
  ) {}

  /** Is the number on the account's list? Takes E.164 (other forms are normalised first). */
  async has(account: string, number: string): Promise<boolean> {
    const key = normaliseNumber(number) ?? number;
    return this.store.has(account, key);
  }

  async get(account: string, number: string): Promise<OptOutEntry | undefined> {
    const key = storedForm(number);
    return parseEntry(key, await this.store.get(account, key));
  }

  /** Add a number; an existing opt-out keeps its original time and source. */
  async add(
    account: string,
    number: string,
    source: string,
    at: number = Date.now(),
  ): Promise<{ added: boolean; entry: OptOutEntry }> {
    const key = storedForm(number);
    const added = (await this.store.addMissing(account, [[key, JSON.stringify({ at, source })]])) === 1;
    if (added) {
      this.deps.metrics?.optOuts.inc({ account });
      return { added, entry: { number: key, at, source } };
    }
    const existing = parseEntry(key, await this.store.get(account, key));
    return { added, entry: existing ?? { number: key, at, source } };
  }

  /** Remove a number (opt back in); false when it was not on the list. */
  async remove(account: string, number: string): Promise<boolean> {
    return this.store.remove(account, storedForm(number));
  }

  async count(account: string): Promise<number> {
    return this.store.count(account);
  }

  /** One page of the list (HSCAN: pages may vary in size); nextCursor null at the end. */
  async list(
    account: string,
    options: { cursor?: string; count?: number } = {},
  ): Promise<{ entries: OptOutEntry[]; nextCursor: string | null }> {
    const [next, flat] = await this.store.scan(account, options.cursor ?? '0', options.count ?? 500);
    const entries: OptOutEntry[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const entry = parseEntry(flat[i]!, flat[i + 1]!);
      if (entry) entries.push(entry);
    }
    return { entries, nextCursor: next === '0' ? null : next };
  }

  /** Every entry, page by page. */
  async *entries(account: string): AsyncGenerator<OptOutEntry> {
    let cursor: string | null = '0';
    do {
      const page: { entries: OptOutEntry[]; nextCursor: string | null } = await this.list(account, {
        cursor,
        count: 1000,
      });
      yield* page.entries;
      cursor = page.nextCursor;
    } while (cursor !== null);
  }

  /** The whole list as CSV: `number,optedOutAt,source` with ISO 8601 times, sorted by number. */
  async exportCsv(account: string): Promise<string> {
    const all: OptOutEntry[] = [];
    for await (const entry of this.entries(account)) all.push(entry);
    all.sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0));
    const lines = ['number,optedOutAt,source'];
    for (const e of all) {
      lines.push(`${e.number},${new Date(e.at).toISOString()},${csvField(e.source)}`);
    }
    return `${lines.join('\n')}\n`;
  }

  /**
   * Bulk import from CSV: one number per line, or a header naming the number column (number, phone, msisdn,
   * e164, ...) and optionally a `source` column. Numbers are normalised to E.164 (with or without '+', or
   * starting 00); invalid lines are reported with their line number and the rest imported.
   */
  async importCsv(
    account: string,
    csv: string,
    options: { source?: string; now?: number } = {},
  ): Promise<OptOutImportResult> {
    let rows: Array<{ record: string[]; info: { lines: number } }>;
    try {
      rows = parse(csv, {
        relax_column_count: true,
        skip_empty_lines: true,
        trim: true,
        bom: true,
        info: true,
      }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new OptOutError('INVALID_CSV', `body: not valid CSV (${message})`, { cause: error });
    }
    let numberColumn = 0;
    let sourceColumn: number | undefined;
    const first = rows[0]?.record;
    if (first && first.some((cell) => NUMBER_COLUMNS.has(cell.toLowerCase()))) {
      numberColumn = first.findIndex((cell) => NUMBER_COLUMNS.has(cell.toLowerCase()));
      const s = first.findIndex((cell) => cell.toLowerCase() === 'source');
      if (s >= 0) sourceColumn = s;
      rows = rows.slice(1);
    }
    const defaultSource = options.source ?? 'import';
    const at = options.now ?? Date.now();
    const invalid: OptOutImportResult['invalid'] = [];
    const valid = new Map<string, string>();
    for (const { record, info } of rows) {
      const value = record[numberColumn] ?? '';
      if (value === '') {
        invalid.push({ line: info.lines, value, message: 'no number on this line' });
        continue;
      }
      // A spreadsheet drops the '+' of a number it took for an integer: accept bare international digits.
      const number =
        normaliseNumber(value) ?? (/^\d{8,15}$/.test(value) ? normaliseNumber(`+${value}`) : undefined);
      if (!number) {
        invalid.push({ line: info.lines, value, message: 'not a valid phone number' });
        continue;
      }
      const source = (sourceColumn !== undefined ? record[sourceColumn] : undefined) || defaultSource;
      if (!valid.has(number)) valid.set(number, source.slice(0, 64));
    }
    let added = 0;
    const items = [...valid];
    for (let i = 0; i < items.length; i += IMPORT_BATCH) {
      added += await this.store.addMissing(
        account,
        items
          .slice(i, i + IMPORT_BATCH)
          .map(([number, source]) => [number, JSON.stringify({ at, source })] as const),
      );
    }
    if (added > 0) this.deps.metrics?.optOuts.inc({ account }, added);
    return { imported: valid.size, added, invalid };
  }
}
