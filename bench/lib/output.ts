// What every benchmark prints: one JSON line per figure on stdout (kept in `rows` for the tables and the
// results file), progress notes on stderr, and a count of the sections that failed.

export class BenchOutput<R extends Record<string, unknown>> {
  readonly rows: R[] = [];
  failures = 0;

  constructor(private readonly bench: string) {}

  emit(row: R): R {
    const full = { bench: this.bench, ...row };
    this.rows.push(full);
    console.log(JSON.stringify(full));
    return full;
  }
}

export function note(message: string): void {
  process.stderr.write(`# ${message}\n`);
}
