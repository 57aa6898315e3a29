// One SMPP server on ephemeral ports with in-memory ports (test/helpers/platform-ports.ts), stopped after
// each test, plus a log capture so tests can read what was logged.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach } from 'vitest';
import { buildConfig, type ConfigInput } from '../../../src/config/index.js';
import {
  MemoryPartGatherer,
  SmppServer,
  type OutboundItem,
  type SmppServerOptions,
} from '../../../src/smpp-server/index.js';
import { MemoryBindRegistry, PlatformStore } from '../../helpers/platform-ports.js';
import { SmppPlatform } from '../../helpers/smpp-platform.js';

type AccountInput = NonNullable<ConfigInput['accounts']>[number];
type SmppServerInput = NonNullable<ConfigInput['smppServer']>;

export const ACME: AccountInput = {
  id: 'acme',
  smpp: { systemId: 'acme', password: 'secret1', maxBinds: 2 },
  senders: ['ACME', '36180'],
};
export const GLOBEX: AccountInput = {
  id: 'globex',
  smpp: { systemId: 'globex', password: 'g-pass', maxBinds: 1 },
  senders: ['GLOBEX'],
};

export interface Harness {
  server: SmppServer;
  port: number;
  tlsPort: number | undefined;
  store: PlatformStore;
  binds: MemoryBindRegistry;
  gatherer: MemoryPartGatherer;
  logs: Array<Record<string, unknown>>;
  dropped: Array<{ account: string; item: OutboundItem; reason: string }>;
  connect(options?: Parameters<typeof SmppPlatform.connect>[1]): Promise<SmppPlatform>;
  /** Connect and bind acme as transceiver. */
  bound(mode?: 'transmitter' | 'receiver' | 'transceiver', account?: AccountInput): Promise<SmppPlatform>;
}

const running: Array<{ server: SmppServer; clients: SmppPlatform[] }> = [];

afterEach(async () => {
  for (const { server, clients } of running.splice(0)) {
    await Promise.all(clients.map((c) => c.close()));
    await server.stop(1_000);
  }
});

export interface HarnessOptions {
  smppServer?: Partial<SmppServerInput>;
  accounts?: AccountInput[];
  binds?: MemoryBindRegistry;
  store?: PlatformStore;
  server?: Partial<SmppServerOptions>;
}

export async function startServer(options: HarnessOptions = {}): Promise<Harness> {
  const config = buildConfig({
    operators: [{ id: 'sim', host: '127.0.0.1', port: 2775, systemId: 'gw', password: 'x' }],
    accounts: options.accounts ?? [ACME, GLOBEX],
    smppServer: {
      listen: '127.0.0.1:0',
      outbox: { pollIntervalMs: 50, retryInitialMs: 20, retryMaxMs: 100 },
      ...options.smppServer,
    },
  });
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n'))
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const store = options.store ?? new PlatformStore();
  const binds = options.binds ?? new MemoryBindRegistry();
  const gatherer = new MemoryPartGatherer();
  const dropped: Harness['dropped'] = [];
  const smppServerConfig = config.smppServer;
  if (!smppServerConfig) throw new Error('no smppServer config');
  const server = new SmppServer({
    config: smppServerConfig,
    accounts: config.accounts,
    ingress: store,
    messages: store,
    outbox: store,
    binds,
    gatherer,
    logger: pino({ level: 'debug' }, sink),
    hooks: { onOutboxDropped: (account, item, reason) => dropped.push({ account, item, reason }) },
    ...options.server,
  });
  await server.start();
  const clients: SmppPlatform[] = [];
  running.push({ server, clients });
  const port = server.addresses.plain?.port ?? server.addresses.tls?.port ?? 0;
  const tlsPort = server.addresses.tls?.port;
  const harness: Harness = {
    server,
    port,
    tlsPort,
    store,
    binds,
    gatherer,
    logs,
    dropped,
    async connect(connectOptions) {
      const client = await SmppPlatform.connect(
        connectOptions?.tls ? (tlsPort ?? port) : port,
        connectOptions,
      );
      clients.push(client);
      return client;
    },
    async bound(mode = 'transceiver', account = ACME) {
      const client = await harness.connect();
      const resp = await client.bind(mode, account.smpp?.systemId ?? '', account.smpp?.password ?? '');
      if (resp.command_status !== 0) throw new Error(`bind refused: ${resp.command_status}`);
      return client;
    },
  };
  return harness;
}

/** Resolves once pred holds (polling), or rejects after timeoutMs. */
export async function eventually(pred: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
