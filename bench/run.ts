// `npm run bench`: every benchmark in bench/, one after the other, each printing JSON lines.
// Benchmarks measure; they never assert. Figures depend on the machine: note its conditions.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';

const only = process.argv[2];
const files = readdirSync(new URL('.', import.meta.url))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !only || f.startsWith(only))
  .sort();
console.log(
  JSON.stringify({ machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version } }),
);
let failed = 0;
for (const file of files) {
  console.error(`# ${file}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', `bench/${file}`], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
