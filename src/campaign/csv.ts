// A small RFC 4180 CSV reader for campaign recipients: a header line, then one recipient a line; fields may
// be quoted ("a, b", "say ""hi"""), lines end in LF or CRLF, a trailing empty line is ignored. The separator
// is a comma, or a semicolon when the header has semicolons and no comma (spreadsheets in French locales).

export class CsvError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'CsvError';
  }
}

/** Rows of a CSV text, each as its fields, with the line each started on (1-based). */
export function parseCsvRows(text: string): Array<{ line: number; fields: string[] }> {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const firstLine = source.slice(0, source.search(/\r?\n|$/));
  const sep = !firstLine.includes(',') && firstLine.includes(';') ? ';' : ',';
  const rows: Array<{ line: number; fields: string[] }> = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  let i = 0;
  const endRow = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '')) rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
  };
  while (i < source.length) {
    const ch = source[i]!;
    if (quoted) {
      if (ch === '"') {
        if (source[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      i++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === sep) {
      fields.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && source[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else field += ch;
    i++;
  }
  if (quoted) throw new CsvError(`line ${rowLine}: a quoted field is not closed`, rowLine);
  if (field !== '' || fields.length > 0) endRow();
  return rows;
}

/** The recipients of a CSV: one object per data row keyed by the header's names (trimmed). */
export function parseCsvRecipients(text: string): Array<Record<string, string>> {
  const rows = parseCsvRows(text);
  const header = rows.shift();
  if (!header) throw new CsvError('the CSV is empty: expected a header line with a column "to"', 1);
  const names = header.fields.map((name) => name.trim());
  if (!names.includes('to')) throw new CsvError('the header has no column "to"', header.line);
  return rows.map(({ fields }) => {
    const record: Record<string, string> = {};
    names.forEach((name, j) => {
      if (name !== '') record[name] = (fields[j] ?? '').trim();
    });
    return record;
  });
}
