// docs/metrics.md is the catalogue operators read: it must list every metric GatewayMetrics registers, and
// name no metric that does not exist. prom-client's default process metrics may be documented as a group
// (`smppgw_process_*`, `smppgw_nodejs_*`), since their exact set depends on the Node.js version.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_METRIC_PREFIXES, GatewayMetrics, METRIC_PREFIX } from '../../../src/metrics/index.js';

const DOC = readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8');
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

async function registered(): Promise<Map<string, string>> {
  const metrics = new GatewayMetrics();
  const json = await metrics.registry.getMetricsAsJSON();
  return new Map(json.map((m) => [m.name, String(m.type)]));
}

/** Every `smppgw_...` name written in the doc (PromQL examples included), without recording-rule names. */
function namesInDoc(doc: string): Set<string> {
  return new Set([...doc.matchAll(/\bsmppgw_[a-z0-9_]*[a-z0-9]\b(?!\*)/g)].map((m) => m[0]));
}

/** `smppgw_process_*` style group wildcards written in the doc. */
function groupsInDoc(doc: string): Set<string> {
  return new Set([...doc.matchAll(/`(smppgw_[a-z0-9_]+_)\*`/g)].map((m) => m[1]!));
}

/** A name as written in the doc, resolved to a registered metric (histogram series to their metric). */
function resolve(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const suffix of HISTOGRAM_SUFFIXES) {
    const base = name.endsWith(suffix) ? name.slice(0, -suffix.length) : undefined;
    if (base !== undefined && types.get(base) === 'histogram') return base;
  }
  return undefined;
}

describe('metrics catalogue (docs/metrics.md)', () => {
  it('every metric uses the smppgw_ prefix', async () => {
    const types = await registered();
    expect(types.size).toBeGreaterThan(20);
    expect([...types.keys()].filter((n) => !n.startsWith(METRIC_PREFIX))).toEqual([]);
  });

  it('documents every gateway metric by name, in a table row of its own', async () => {
    const types = await registered();
    const gatewayOwn = [...types.keys()].filter((n) => !DEFAULT_METRIC_PREFIXES.some((p) => n.startsWith(p)));
    expect(gatewayOwn.length).toBeGreaterThan(20);
    const rows = new Set([...DOC.matchAll(/^\| `(smppgw_[a-z0-9_]+)` \|/gm)].map((m) => m[1]!));
    expect(gatewayOwn.filter((n) => !rows.has(n))).toEqual([]);
  });

  it('documents the default process metrics, each by name or as its documented group', async () => {
    const types = await registered();
    const groups = groupsInDoc(DOC);
    // The groups the doc declares are exactly the default-metric prefixes of GatewayMetrics.
    expect([...groups].sort()).toEqual([...DEFAULT_METRIC_PREFIXES].sort());
    const defaults = [...types.keys()].filter((n) => DEFAULT_METRIC_PREFIXES.some((p) => n.startsWith(p)));
    expect(defaults).toContain('smppgw_nodejs_eventloop_lag_seconds');
    expect(defaults).toContain('smppgw_process_resident_memory_bytes');
    const named = namesInDoc(DOC);
    const undocumented = defaults.filter((n) => !named.has(n) && ![...groups].some((g) => n.startsWith(g)));
    expect(undocumented).toEqual([]);
    // The ones on-call needs most are named explicitly, not only through the group.
    for (const n of ['smppgw_nodejs_eventloop_lag_seconds', 'smppgw_process_resident_memory_bytes'])
      expect(named.has(n), n).toBe(true);
  });

  it('names no metric that does not exist (histogram series resolve to their histogram)', async () => {
    const types = await registered();
    const unknown = [...namesInDoc(DOC)].filter((n) => resolve(n, types) === undefined);
    expect(unknown).toEqual([]);
  });

  it('gives each gateway metric the type and labels it really has', async () => {
    const metrics = new GatewayMetrics({ defaultMetrics: false });
    const json = await metrics.registry.getMetricsAsJSON();
    const rows = new Map(
      [...DOC.matchAll(/^\| `(smppgw_[a-z0-9_]+)` \| (\w+) \| ([^|]*) \|/gm)].map((m) => [
        m[1]!,
        { type: m[2]!, labels: m[3]!.trim() },
      ]),
    );
    for (const metric of json) {
      const row = rows.get(metric.name);
      expect(row, metric.name).toBeDefined();
      expect(row!.type, metric.name).toBe(String(metric.type));
      // Label names of the metric, read back from the prom-client object.
      const labelNames = labelNamesOf(metrics, metric.name);
      const documented =
        row!.labels === '—' ? [] : [...row!.labels.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!);
      expect(documented.sort(), metric.name).toEqual([...labelNames].sort());
    }
  });

  it('the resolver rejects what it should (so the checks above can fail)', async () => {
    const types = await registered();
    expect(resolve('smppgw_submits_totl', types)).toBeUndefined();
    expect(resolve('smppgw_submits_total_bucket', types)).toBeUndefined();
    expect(resolve('smppgw_submit_latency_seconds_bucket', types)).toBe('smppgw_submit_latency_seconds');
    expect(namesInDoc('`smppgw_nodejs_*` and smppgw_redis_up, smppgw:rule')).toEqual(
      new Set(['smppgw_redis_up']),
    );
  });
});

function labelNamesOf(metrics: GatewayMetrics, name: string): readonly string[] {
  const metric = metrics.registry.getSingleMetric(name) as unknown as { labelNames?: readonly string[] };
  return metric.labelNames ?? [];
}
