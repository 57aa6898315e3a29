// docs/configuration.md cannot drift from the schema: every key the schema accepts is documented, and every
// key the reference documents is accepted. The schema is walked through zod 4's definitions (`_zod.def`):
// wrappers (default, prefault, optional, nullable, readonly, catch, pipe from preprocess/transform) are seen
// through; objects, arrays (`[]`) and records (`*`) add to the path.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { configSchema } from '../../../src/config/schema.js';

const DOC = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');

/** The parts of a zod 4 definition this walk reads. */
interface Def {
  type: string;
  innerType?: ZodNode;
  in?: ZodNode;
  out?: ZodNode;
  shape?: Record<string, ZodNode>;
  element?: ZodNode;
  valueType?: ZodNode;
  options?: readonly ZodNode[];
  left?: ZodNode;
  right?: ZodNode;
}
interface ZodNode {
  _zod: { def: Def };
}

const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'catch', 'nonoptional']);
const CONTAINERS = new Set(['object', 'array', 'record']);

interface SchemaPaths {
  /** Every key path, mappings and lists included (`operators`, `operators[].reconnect`, ...). */
  all: Set<string>;
  /** Paths that can hold a value users write directly (scalar, list or map of scalars). */
  leaves: Set<string>;
}

function walk(node: ZodNode, path: string, out: SchemaPaths): void {
  const def = node._zod.def;
  if (WRAPPERS.has(def.type) && def.innerType) return walk(def.innerType, path, out);
  switch (def.type) {
    case 'pipe':
      // preprocess: transform → schema; .transform(): schema → transform. Walk both ends.
      walk(def.in!, path, out);
      walk(def.out!, path, out);
      return;
    case 'transform':
      return;
    case 'object':
      if (path) out.all.add(path);
      for (const [key, child] of Object.entries(def.shape ?? {}))
        walk(child, path ? `${path}.${key}` : key, out);
      return;
    case 'array':
      out.all.add(path);
      if (isContainer(def.element!)) walk(def.element!, `${path}[]`, out);
      else out.leaves.add(path);
      return;
    case 'record':
      out.all.add(path);
      if (isContainer(def.valueType!)) walk(def.valueType!, `${path}.*`, out);
      else out.leaves.add(path);
      return;
    case 'union':
      // e.g. operators[].tls: `true | false | { ca, cert, ... }`: a leaf and a mapping at once.
      for (const option of def.options ?? []) walk(option, path, out);
      return;
    case 'intersection':
      walk(def.left!, path, out);
      walk(def.right!, path, out);
      return;
    default:
      out.all.add(path);
      out.leaves.add(path);
  }
}

/** Whether the node (through wrappers and pipes) is an object, array or record. */
function isContainer(node: ZodNode): boolean {
  const def = node._zod.def;
  if (WRAPPERS.has(def.type) && def.innerType) return isContainer(def.innerType);
  if (def.type === 'pipe') return isContainer(def.in!) || isContainer(def.out!);
  if (def.type === 'union') return (def.options ?? []).some(isContainer);
  return CONTAINERS.has(def.type);
}

function schemaPaths(schema: z.ZodType): SchemaPaths {
  const out: SchemaPaths = { all: new Set(), leaves: new Set() };
  walk(schema as unknown as ZodNode, '', out);
  return out;
}

/** The key paths documented: the code span opening the first cell of a table row. */
function documentedPaths(doc: string): string[] {
  return [...doc.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);
}

describe('configuration reference (docs/configuration.md) against the schema', () => {
  const paths = schemaPaths(configSchema);
  const documented = documentedPaths(DOC);

  it('the walk reaches the whole schema (sanity)', () => {
    // Top-level sections, list items, nested mappings, maps of mappings, and transformed fields.
    for (const p of [
      'log.level',
      'redis.url',
      'operators[].reconnect.initialMs',
      'operators[].tls',
      'operators[].tls.rejectUnauthorized',
      'operators[].commandStatus',
      'policy.quietHours.*.from',
      'shortCodes[].keywords[].keyword',
      'keywords.stop',
      'routes[].prefix',
    ])
      expect(paths.leaves.has(p), p).toBe(true);
    for (const p of ['operators', 'operators[].reconnect', 'policy.quietHours', 'accounts[].smpp'])
      expect(paths.all.has(p), p).toBe(true);
    expect(paths.leaves.size).toBeGreaterThan(100);
  });

  it('documents every key the schema accepts', () => {
    const missing = [...paths.leaves].filter((p) => !documented.includes(p));
    expect(missing).toEqual([]);
  });

  it('documents only keys the schema accepts', () => {
    const unknown = documented.filter((p) => !paths.all.has(p));
    expect(unknown).toEqual([]);
  });

  it('documents each key once', () => {
    const seen = new Set<string>();
    const duplicates = documented.filter((p) => (seen.has(p) ? true : (seen.add(p), false)));
    expect(duplicates).toEqual([]);
  });

  it('would notice an undocumented or an unknown key (the checks can fail)', () => {
    const extended = z.object({
      a: z.object({ b: z.string().default('x'), c: z.array(z.object({ d: z.number() })).optional() }),
      m: z.record(z.string(), z.object({ e: z.boolean() })),
    });
    const p = schemaPaths(extended);
    expect([...p.leaves].sort()).toEqual(['a.b', 'a.c[].d', 'm.*.e']);
    expect(p.all.has('a.c')).toBe(true);
    const doc = '| `a.b` | string |\n| `a.x` | string |\n';
    expect([...p.leaves].filter((l) => !documentedPaths(doc).includes(l))).toEqual(['a.c[].d', 'm.*.e']);
    expect(documentedPaths(doc).filter((d) => !p.all.has(d))).toEqual(['a.x']);
  });
});
