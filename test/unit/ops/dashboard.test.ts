// deploy/grafana/dashboard.json loads as JSON, and every query in it names only metrics GatewayMetrics exports
// (histogram series resolve to their histogram; the default process metrics count), so a renamed metric
// cannot leave an empty panel behind.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../../../src/metrics/index.js';

const DASHBOARD_FILE = new URL('../../../deploy/grafana/dashboard.json', import.meta.url);

interface Target {
  expr?: string;
  refId?: string;
}
interface Panel {
  id?: number;
  type: string;
  title?: string;
  gridPos?: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
}
interface Dashboard {
  title: string;
  uid: string;
  panels: Panel[];
  templating?: { list: Variable[] };
}

const PROMQL_KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'inf',
  'nan',
]);
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

/**
 * The metric names a PromQL expression selects. String literals, label matchers (`{...}`), ranges (`[...]`),
 * grouping clauses (`by (...)`, `on (...)`, ...) and function names (an identifier followed by `(`) are not
 * metric names; whatever identifier is left is.
 */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names: string[] = [];
  for (const m of stripped.matchAll(/(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, name, call] = m;
    if (call || PROMQL_KEYWORDS.has(name!.toLowerCase())) continue;
    names.push(name!);
  }
  return names;
}

/** `label_values(metric, label)` / `metric` of a query variable. */
function variableMetrics(query: string): string[] {
  const m = /^label_values\(\s*(.*),\s*\w+\s*\)$/.exec(query.trim());
  return m ? metricNames(m[1]!) : metricNames(query);
}

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

async function registeredTypes(): Promise<Map<string, string>> {
  const json = await new GatewayMetrics().registry.getMetricsAsJSON();
  return new Map(json.map((m) => [m.name, String(m.type)]));
}

function exists(name: string, types: Map<string, string>): boolean {
  if (types.has(name)) return true;
  return HISTOGRAM_SUFFIXES.some(
    (s) => name.endsWith(s) && types.get(name.slice(0, -s.length)) === 'histogram',
  );
}

describe('Grafana dashboard (deploy/grafana/dashboard.json)', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
  const panels = allPanels(dashboard.panels);
  const queryPanels = panels.filter((p) => p.type !== 'row');
  const exprs = queryPanels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.title ?? String(p.id), expr: t.expr ?? '' })),
  );

  it('is a dashboard with a stable uid, unique panel ids and a grid position for every panel', () => {
    expect(dashboard.title).toBe('smpp-gateway');
    expect(dashboard.uid).toBe('smpp-gateway');
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      expect(p.gridPos, p.title).toBeDefined();
      expect(p.gridPos!.x + p.gridPos!.w, p.title).toBeLessThanOrEqual(24);
    }
    expect(queryPanels.length).toBeGreaterThan(20);
  });

  it('gives every query panel at least one query, each naming at least one metric', () => {
    for (const p of queryPanels) expect(p.targets?.length ?? 0, p.title).toBeGreaterThan(0);
    for (const { panel, expr } of exprs)
      expect(metricNames(expr).length, `${panel}: ${expr}`).toBeGreaterThan(0);
  });

  it('names only metrics that exist in GatewayMetrics', async () => {
    const types = await registeredTypes();
    const unknown = exprs.flatMap(({ panel, expr }) =>
      metricNames(expr)
        .filter((n) => !exists(n, types))
        .map((n) => `${panel}: ${n}`),
    );
    expect(unknown).toEqual([]);
  });

  it('template variables query existing metrics too', async () => {
    const types = await registeredTypes();
    const queries = (dashboard.templating?.list ?? [])
      .filter((v) => v.type === 'query')
      .map((v) => (typeof v.query === 'string' ? v.query : (v.query?.query ?? '')));
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) {
      const names = variableMetrics(q);
      expect(names.length, q).toBeGreaterThan(0);
      expect(
        names.filter((n) => !exists(n, types)),
        q,
      ).toEqual([]);
    }
  });

  it('shows what on-call needs (issue 8): each of these metrics has a panel', () => {
    const shown = new Set(exprs.flatMap(({ expr }) => metricNames(expr)));
    for (const name of [
      'smppgw_submits_total',
      'smppgw_submit_latency_seconds_bucket',
      'smppgw_window_wait_seconds_bucket',
      'smppgw_inflight',
      'smppgw_bind_up',
      'smppgw_binds_bound',
      'smppgw_reconnects_total',
      'smppgw_throttle_events_total',
      'smppgw_throttle_rate',
      'smppgw_queue_depth',
      'smppgw_scheduled',
      'smppgw_receipts_total',
      'smppgw_receipts_orphaned_total',
      'smppgw_messages_final_total',
      'smppgw_mo_total',
      'smppgw_optouts_total',
      'smppgw_credit_balance',
      'smppgw_webhook_deliveries_total',
      'smppgw_redis_up',
      'smppgw_redis_ping_seconds_bucket',
      'smppgw_nodejs_eventloop_lag_p99_seconds',
    ])
      expect(shown.has(name), name).toBe(true);
  });

  it('the expression reader finds metric names and nothing else (so the checks above can fail)', async () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (operator, le) (rate(smppgw_submit_latency_seconds_bucket{instance=~"$instance", operator=~"a|b"}[$__rate_interval])))',
      ),
    ).toEqual(['smppgw_submit_latency_seconds_bucket']);
    expect(
      metricNames(
        'sum by (operator) (rate(smppgw_receipts_total{status="x"}[5m])) / on (operator) smppgw_inflight',
      ),
    ).toEqual(['smppgw_receipts_total', 'smppgw_inflight']);
    expect(metricNames('-sum(rate(smppgw_submit_total[1m])) > bool 0 or vector(0)')).toEqual([
      'smppgw_submit_total',
    ]);
    const types = await registeredTypes();
    expect(exists('smppgw_submit_total', types)).toBe(false);
    expect(exists('smppgw_submits_total_bucket', types)).toBe(false);
    expect(exists('up', types)).toBe(false);
    expect(exists('smppgw_nodejs_eventloop_lag_seconds', types)).toBe(true);
    expect(variableMetrics('label_values(smppgw_binds_bound, operator)')).toEqual(['smppgw_binds_bound']);
  });
});
