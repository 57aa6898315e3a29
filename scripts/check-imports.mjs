// Lint step: the architecture's two rules that a linter alone cannot state.
// 1. No import cycles, between files or between the folders of src/ (one folder per concern).
// 2. Only src/store talks to Redis: nothing else imports ioredis.
// Prints each violation with its path and exits 1 when there is any.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve('src');
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.ts')) files.push(path);
  }
})(root);

const importRe = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g;
const problems = [];
const fileEdges = new Map();
const folderEdges = new Map();
const folderOf = (file) => {
  const rel = relative(root, file);
  // A file directly in src/ (main.ts, the entry; app.ts, the composition root) is a node of its own.
  return rel.includes('/') ? rel.split('/')[0] : rel;
};

for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const targets = new Set();
  for (const match of text.matchAll(importRe)) {
    const spec = match[1];
    // Type-only imports cannot create a run-time cycle, but a folder cycle is still a design cycle.
    if (spec === 'ioredis' && folderOf(file) !== 'store') {
      problems.push(`${relative('.', file)}: imports ioredis; only src/store may talk to Redis`);
    }
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
    targets.add(target);
    const from = folderOf(file);
    const to = folderOf(target);
    if (from !== to) {
      if (!folderEdges.has(from)) folderEdges.set(from, new Map());
      if (!folderEdges.get(from).has(to)) folderEdges.get(from).set(to, relative('.', file));
    }
  }
  fileEdges.set(file, targets);
}

function findCycles(nodes, next, name) {
  const state = new Map();
  const stack = [];
  const seen = new Set();
  const visit = (node) => {
    state.set(node, 'open');
    stack.push(node);
    for (const to of next(node)) {
      if (state.get(to) === 'open') {
        const cycle = stack.slice(stack.indexOf(to)).concat(to).map(name);
        const key = [...cycle].sort().join('|');
        if (!seen.has(key)) {
          seen.add(key);
          problems.push(`import cycle: ${cycle.join(' -> ')}`);
        }
      } else if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of nodes) if (!state.has(node)) visit(node);
}

findCycles(
  files,
  (f) => [...(fileEdges.get(f) ?? [])].filter((t) => fileEdges.has(t)),
  (f) => relative('.', f),
);
findCycles(
  [...folderEdges.keys()],
  (f) => [...(folderEdges.get(f)?.keys() ?? [])],
  (f) => `src/${f}`,
);

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  for (const [from, tos] of folderEdges) {
    for (const [to, via] of tos) console.error(`  (src/${from} -> src/${to} via ${via})`);
  }
  process.exit(1);
}
console.log(`imports: ${files.length} files, no cycles, ioredis only in src/store`);
