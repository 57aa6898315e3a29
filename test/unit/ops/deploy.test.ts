// The deployment files cannot be run here (no Docker, no systemd as init), so their consistency is checked
// instead: the compose gateway configuration passes the daemon's own `config check`, and docker-compose.yml,
// that configuration, the Prometheus scrape config and the Grafana provisioning agree on names, ports and
// paths.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig, parseListen } from '../../../src/config/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const COMPOSE_CONFIG = 'deploy/compose/gateway.yaml';

interface Service {
  build?: string;
  image?: string;
  entrypoint?: string[];
  command?: string[];
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const compose = parse(read('docker-compose.yml')) as Compose;

/** `./host/path:/container/path[:ro]` bind mounts of a service, host paths relative to the repository. */
function bindMounts(service: Service): Array<{ host: string; container: string }> {
  return (service.volumes ?? [])
    .filter((v) => v.startsWith('./'))
    .map((v) => {
      const [host, container] = v.split(':') as [string, string];
      return { host: host.slice(2), container };
    });
}

describe('deploy/compose/gateway.yaml', () => {
  it('passes `smpp-gateway config check`', () => {
    const run = spawnSync(
      join(ROOT, 'node_modules/.bin/tsx'),
      ['src/main.ts', 'config', 'check', COMPOSE_CONFIG],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, ACME_API_KEY: '', SIM_PASSWORD: '' },
      },
    );
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toBe(`${COMPOSE_CONFIG}: OK (1 operator, 1 account)\n`);
    expect(run.stderr).toBe('');
  });

  it('points at the compose services: Redis, the simulator, and listens where Prometheus scrapes', async () => {
    const config = await loadConfig(join(ROOT, COMPOSE_CONFIG));
    expect(new URL(config.redis.url!).hostname).toBe('redis');
    expect(config.simulator.enabled).toBe(false);
    const simulator = compose.services.simulator!;
    const simPort = simulator.command![simulator.command!.indexOf('--port') + 1];
    expect(config.operators.map((o) => [o.host, String(o.port)])).toEqual([['simulator', simPort]]);
    const { host, port } = parseListen(config.http.listen);
    expect(host).toBe('0.0.0.0');
    expect(compose.services.gateway!.ports).toContain(`${port}:${port}`);
    const prometheus = parse(read('deploy/prometheus/prometheus.yml')) as {
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
    };
    const job = prometheus.scrape_configs.find((j) => j.job_name === 'smpp-gateway');
    expect(job?.static_configs[0]?.targets).toEqual([`gateway:${port}`]);
    // Secrets in the compose config come from the environment, with development defaults only.
    expect(read(COMPOSE_CONFIG)).toContain("'${ACME_API_KEY:-dev-only-key}'");
  });
});

describe('docker-compose.yml', () => {
  it('has the gateway, Redis with its append-only file, the simulator, Prometheus and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'gateway',
      'grafana',
      'prometheus',
      'redis',
      'simulator',
    ]);
    const redis = compose.services.redis!;
    expect(redis.command!.join(' ')).toMatch(/--appendonly yes/);
    expect(redis.command!.join(' ')).toMatch(/--maxmemory-policy noeviction/);
    expect(redis.volumes).toContain('redis-data:/data');
    expect(compose.services.gateway!.build).toBe('.');
    expect(compose.services.gateway!.command).toEqual([
      'start',
      '--config',
      '/etc/smpp-gateway/gateway.yaml',
    ]);
    const simulator = compose.services.simulator!;
    expect([...simulator.entrypoint!, ...simulator.command!].join(' ')).toMatch(
      /^node dist\/main\.js simulator --host 0\.0\.0\.0 --port 2775\b/,
    );
  });

  it('mounts files that exist, where the services read them', () => {
    const mounts = Object.values(compose.services).flatMap(bindMounts);
    for (const { host } of mounts) expect(existsSync(join(ROOT, host)), host).toBe(true);
    const at = (service: string, container: string) =>
      bindMounts(compose.services[service]!).find((m) => m.container === container)?.host;
    expect(at('gateway', '/etc/smpp-gateway/gateway.yaml')).toBe(COMPOSE_CONFIG);
    expect(at('prometheus', '/etc/prometheus/prometheus.yml')).toBe('deploy/prometheus/prometheus.yml');
    // prometheus.yml loads its rules from where compose mounts alerts.yml.
    const rulesPath = (parse(read('deploy/prometheus/prometheus.yml')) as { rule_files: string[] })
      .rule_files[0]!;
    expect(at('prometheus', rulesPath)).toBe('deploy/prometheus/alerts.yml');
    // Grafana: provisioning directories, and the dashboard where the provider looks for it.
    expect(at('grafana', '/etc/grafana/provisioning/datasources')).toBe(
      'deploy/grafana/provisioning/datasources',
    );
    expect(at('grafana', '/etc/grafana/provisioning/dashboards')).toBe(
      'deploy/grafana/provisioning/dashboards',
    );
    const provider = parse(read('deploy/grafana/provisioning/dashboards/smpp-gateway.yml')) as {
      providers: Array<{ options: { path: string } }>;
    };
    const dashboardMount = at('grafana', `${provider.providers[0]!.options.path}/dashboard.json`);
    expect(dashboardMount).toBe('deploy/grafana/dashboard.json');
    const datasources = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: Array<{ type: string; url: string }>;
    };
    expect(datasources.datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
  });
});

describe('deploy/systemd/smpp-gateway.service', () => {
  const unit = read('deploy/systemd/smpp-gateway.service');
  const directive = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!);

  it('checks the configuration, then starts the daemon with it, and drains on SIGTERM', () => {
    const [exec] = directive('ExecStart');
    const [pre] = directive('ExecStartPre');
    const config = /--config (\S+)/.exec(exec ?? '')?.[1];
    expect(exec).toMatch(/dist\/main\.js start --config \/etc\/smpp-gateway\/gateway\.yaml$/);
    expect(pre).toBe(exec!.replace(/ start --config (\S+)$/, ` config check ${config}`));
    expect(directive('KillSignal')).toEqual(['SIGTERM']);
    expect(Number(directive('TimeoutStopSec')[0])).toBeGreaterThan(10);
  });

  it('runs unprivileged and hardened', () => {
    expect(directive('User')).toEqual(['smpp-gateway']);
    for (const key of ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp', 'PrivateDevices', 'RestrictSUIDSGID'])
      expect(directive(key), key).toEqual(['yes']);
    expect(directive('ProtectSystem')).toEqual(['strict']);
    expect(directive('CapabilityBoundingSet')).toEqual(['']);
    // Node's JIT needs W+X memory.
    expect(directive('MemoryDenyWriteExecute')).toEqual(['no']);
  });
});
