// The Prometheus side of issue 8, checked with Prometheus's own tool: the alerting rules load and their unit
// tests pass, the compose scrape config is valid, and a real gateway's /metrics passes `promtool check
// metrics` and counts exactly the traffic it carried. promtool comes from Debian's `prometheus` package
// (.ci/run installs it); without it these tests fail, they are not skipped.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PROMETHEUS_DIR = join(ROOT, 'deploy/prometheus');
const MESSAGES = 5;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function promtool(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new Error(
              'promtool is not installed: install Debian\'s "prometheus" package (apt-get install prometheus; .ci/run does it)',
            )
          : error,
      ),
    );
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

function describeRun(run: Run): string {
  return `exit ${run.code}\n${run.stdout}\n${run.stderr}`;
}

describe('alerting rules (deploy/prometheus)', () => {
  it('pass promtool check rules', async () => {
    const run = await promtool(['check', 'rules', join(PROMETHEUS_DIR, 'alerts.yml')]);
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('pass their promtool unit tests, which prove at least three alerts fire and a healthy system fires none', async () => {
    const run = await promtool(['test', 'rules', join(PROMETHEUS_DIR, 'alerts.test.yml')]);
    expect(run.code, describeRun(run)).toBe(0);
    expect(run.stdout).toContain('SUCCESS');

    // What the unit test file asserts: alerts expected to fire, and alerts expected silent.
    interface AlertTest {
      alertname: string;
      exp_alerts?: unknown[];
    }
    const file = parse(readFileSync(join(PROMETHEUS_DIR, 'alerts.test.yml'), 'utf8')) as {
      tests: Array<{ alert_rule_test?: AlertTest[] }>;
    };
    const cases = file.tests.flatMap((t) => t.alert_rule_test ?? []);
    const firing = new Set(cases.filter((c) => (c.exp_alerts ?? []).length > 0).map((c) => c.alertname));
    const silent = new Set(cases.filter((c) => (c.exp_alerts ?? []).length === 0).map((c) => c.alertname));
    expect(firing.size).toBeGreaterThanOrEqual(3);
    for (const name of ['SmppgwNoBind', 'SmppgwRedisDown', 'SmppgwReceiptErrorRatioHigh'])
      expect(firing.has(name), name).toBe(true);

    // Every alert of alerts.yml is proved silent on healthy series.
    const rules = parse(readFileSync(join(PROMETHEUS_DIR, 'alerts.yml'), 'utf8')) as {
      groups: Array<{ rules: Array<{ alert?: string }> }>;
    };
    const alerts = rules.groups.flatMap((g) => g.rules.flatMap((r) => (r.alert ? [r.alert] : [])));
    expect(alerts.length).toBeGreaterThanOrEqual(8);
    expect(alerts.filter((a) => !silent.has(a))).toEqual([]);
  });

  it('the compose scrape configuration passes promtool check config', async () => {
    // The rules path in prometheus.yml is where docker-compose mounts them; point it at the repository file.
    const dir = mkdtempSync(join(tmpdir(), 'smppgw-prom-'));
    try {
      const config = readFileSync(join(PROMETHEUS_DIR, 'prometheus.yml'), 'utf8');
      expect(config).toContain('/etc/prometheus/rules/alerts.yml');
      const file = join(dir, 'prometheus.yml');
      writeFileSync(
        file,
        config.replace('/etc/prometheus/rules/alerts.yml', join(PROMETHEUS_DIR, 'alerts.yml')),
      );
      const run = await promtool(['check', 'config', file]);
      expect(run.code, describeRun(run)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('/metrics of a running gateway after known traffic', () => {
  let redis: TestRedis;
  let gw: TestGateway;
  let scrape: string;

  const scrapeMetrics = async () => {
    const response = await fetch(`${gw.baseUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  };

  /** The value of one exact series line (`name{labels} value`), or undefined when absent. */
  const sample = (text: string, series: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  beforeAll(async () => {
    redis = await startTestRedis();
    gw = await startTestGateway(redis);
    const ids: string[] = [];
    for (let i = 0; i < MESSAGES; i++) {
      const created = await gw.request('POST', '/v1/messages', {
        to: '+33612345678',
        from: 'ACME',
        text: 'Bonjour',
        class: 'transactional',
      });
      expect(created.status, JSON.stringify(created.json)).toBe(202);
      ids.push(String(created.json.id));
    }
    for (const id of ids) {
      await waitFor(
        async () =>
          (await gw.request('GET', `/v1/messages/${id}`)).json.state === 'confirmed' ? true : undefined,
        15_000,
        `message ${id} to be confirmed`,
      );
    }
    // The counter is incremented right after the state is written: let it catch up with what the API shows.
    scrape = await waitFor(
      async () => {
        const text = await scrapeMetrics();
        return (sample(text, 'smppgw_messages_final_total{state="confirmed"}') ?? 0) >= MESSAGES
          ? text
          : undefined;
      },
      5_000,
      'the confirmed counter',
    );
  });

  afterAll(async () => {
    await gw?.stop();
    await redis?.stop();
  });

  it('counts exactly the traffic sent', () => {
    expect(scrape).toMatch(/^smppgw_submits_total\{operator="sim",result="ok"\} 5$/m);
    expect(scrape).toMatch(/^smppgw_messages_final_total\{state="confirmed"\} 5$/m);
    expect(scrape).toMatch(/^smppgw_receipts_total\{operator="sim",status="DELIVRD"\} 5$/m);
    expect(sample(scrape, 'smppgw_messages_accepted_total{ingress="http",class="transactional"}')).toBe(
      MESSAGES,
    );
    expect(sample(scrape, 'smppgw_submit_latency_seconds_count{operator="sim"}')).toBe(MESSAGES);
    // Nothing else happened: no other submit result, receipt status or final state.
    const series = (name: string) => scrape.split('\n').filter((l) => l.startsWith(`${name}{`));
    expect(series('smppgw_submits_total')).toEqual(['smppgw_submits_total{operator="sim",result="ok"} 5']);
    expect(series('smppgw_receipts_total')).toEqual([
      'smppgw_receipts_total{operator="sim",status="DELIVRD"} 5',
    ]);
    expect(series('smppgw_messages_final_total')).toEqual([
      'smppgw_messages_final_total{state="confirmed"} 5',
    ]);
    expect(sample(scrape, 'smppgw_receipts_orphaned_total')).toBeUndefined();
  });

  it('reports the session, Redis and process health', () => {
    expect(sample(scrape, 'smppgw_redis_up')).toBe(1);
    expect(sample(scrape, 'smppgw_binds_bound{operator="sim"}')).toBe(1);
    expect(sample(scrape, 'smppgw_bind_up{operator="sim",bind="sim-0"}')).toBe(1);
    expect(sample(scrape, 'smppgw_nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('passes promtool check metrics', async () => {
    const run = await promtool(['check', 'metrics'], scrape);
    expect(run.code, describeRun(run)).toBe(0);
    expect(`${run.stdout}${run.stderr}`.trim()).toBe('');
  });

  it('promtool check metrics would catch a bad exposition (the check can fail)', async () => {
    const run = await promtool(['check', 'metrics'], '# TYPE smppgw_bad_total gauge\nsmppgw_bad_total 1\n');
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain('smppgw_bad_total');
  });
});
