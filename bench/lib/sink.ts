// The fast C SMSC sink of ../shared/bench (smsc-sink, and smpp-load to prove its ceiling), built into
// BENCH_BUILD, and started on a free loopback port. Shared by e2e.bench.ts and scaling.bench.ts.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Proc, freePort } from './proc.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The folder holding smsc-sink.c, smpp-load.c, the Makefile and bench-kannel.sh (BENCH_SHARED). */
export const SHARED = resolve(process.env.BENCH_SHARED ?? join(ROOT, '..', 'shared', 'bench'));
/** Where they are built (BENCH_BUILD): ../shared/bench may be read-only. */
export const BUILD = resolve(process.env.BENCH_BUILD ?? join(os.tmpdir(), 'smpp-bench-build'));

export function buildSink(): void {
  if (!existsSync(join(SHARED, 'smsc-sink.c'))) {
    throw new Error(
      `${join(SHARED, 'smsc-sink.c')} not found: set BENCH_SHARED to the folder holding smsc-sink.c (../shared/bench)`,
    );
  }
  mkdirSync(BUILD, { recursive: true });
  for (const file of readdirSync(SHARED)) {
    if (file.endsWith('.c') || file === 'Makefile') copyFileSync(join(SHARED, file), join(BUILD, file));
  }
  const make = spawnSync('make', ['-s', '-C', BUILD], { encoding: 'utf8' });
  if (make.error) {
    throw new Error(`cannot run make (${make.error.message}): apt-get install -y build-essential`);
  }
  if (make.status !== 0) {
    throw new Error(
      `building the C sink in ${BUILD} failed (is gcc installed?):\n${make.stderr}${make.stdout}`,
    );
  }
  for (const binary of ['smsc-sink', 'smpp-load']) {
    if (!existsSync(join(BUILD, binary)))
      throw new Error(`make succeeded but ${join(BUILD, binary)} is missing`);
  }
}

export async function startSink(
  dir: string,
  name: string,
  args: string[],
): Promise<{ proc: Proc; port: number }> {
  const port = await freePort();
  const proc = await Proc.start(
    'smsc-sink',
    join(BUILD, 'smsc-sink'),
    ['-P', String(port), '-L', '1800', ...args],
    {
      logFile: join(dir, `${name}.log`),
    },
  );
  await proc.waitForLine(/^smsc-sink listening/, 5000);
  return { proc, port };
}
