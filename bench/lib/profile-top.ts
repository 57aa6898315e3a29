// Where a daemon's CPU went, from a V8 .cpuprofile (BENCH_CPU_PROF=1 in bench/e2e.bench.ts): self time by
// function and by area (our src/ modules, each dependency, Node internals, GC, idle).
//   node --import tsx bench/lib/profile-top.ts FILE.cpuprofile [TOP]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: profile-top.ts FILE.cpuprofile [TOP]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
// `| head` closes the pipe early: that is not an error.
process.stdout.on('error', () => process.exit(0));
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

function area(url: string, name: string): string {
  if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') return name;
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dep) return dep[1]!;
  const ours = /\/(?:dist|src)\/([^/]+)\//.exec(url);
  if (ours) return `src/${ours[1]}`;
  if (url.startsWith('node:') || url === '') return 'node internals / native';
  return url;
}

const functions = new Map<string, number>();
const areas = new Map<string, number>();
let total = 0;
let busy = 0;
for (const [id, us] of self) {
  const node = byId.get(id)!;
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  const where = url ? `${url.replace(/^.*\/(dist|src|node_modules)\//, '$1/')}:${lineNumber + 1}` : '';
  functions.set(`${name} ${where}`, (functions.get(`${name} ${where}`) ?? 0) + us);
  const a = area(url, name);
  areas.set(a, (areas.get(a) ?? 0) + us);
  total += us;
  if (name !== '(idle)') busy += us;
}
// Inclusive time of our own functions (src/ or dist/): each sample counts once for every distinct one of
// them on its stack, so callers show what their whole path costs, dependencies and native code included.
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const inclusive = new Map<string, number>();
for (const [id, us] of self) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const { functionName, url, lineNumber } = byId.get(at)!.callFrame;
    if (!/\/(dist|src)\//.test(url)) continue;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(dist|src)\//, '$1/')}:${lineNumber + 1}`;
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + us);
  }
}
const pct = (us: number, of: number) => `${((100 * us) / of).toFixed(1).padStart(5)} %`;
console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s not idle`);
console.log('\nby area (self time, share of non-idle):');
for (const [a, us] of [...areas].sort((x, y) => y[1] - x[1]).slice(0, top))
  if (a !== '(idle)') console.log(`  ${pct(us, busy)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${a}`);
console.log('\nby function (self time, share of non-idle):');
for (const [f, us] of [...functions].sort((x, y) => y[1] - x[1]).slice(0, top))
  if (!f.startsWith('(idle)'))
    console.log(`  ${pct(us, busy)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${f}`);
console.log('\nour functions, inclusive (share of non-idle):');
for (const [f, us] of [...inclusive].sort((x, y) => y[1] - x[1]).slice(0, top))
  console.log(`  ${pct(us, busy)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${f}`);
