// Sessions over real sockets against the scriptable FakeSmsc: what the simulator does not do (SMSC-initiated
// enquire_link and unbind, unknown commands, garbage, a silent listener, a refused port, mutual TLS).
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BindManager, type BindManagerDeps } from '../../../src/smpp/bind-manager.js';
import { CommandStatus, encodePdu, makePdu } from '../../../src/smpp/pdu/index.js';
import { SmppSession } from '../../../src/smpp/session.js';
import type { SessionClosed } from '../../../src/smpp/types.js';
import { FakeSmsc, testOperator, testSegment, type FakeConnection } from '../../helpers/fake-smsc.js';

const tlsDir = fileURLToPath(new URL('../../fixtures/tls/', import.meta.url));
const silent = pino({ level: 'silent' });

let fakes: FakeSmsc[] = [];
let managers: BindManager[] = [];

async function listen(
  options: Parameters<FakeSmsc['listen']>[0] = {},
): Promise<{ fake: FakeSmsc; host: string; port: number }> {
  const fake = new FakeSmsc();
  fakes.push(fake);
  return { fake, ...(await fake.listen(options)) };
}

function makeManager(
  address: { host: string; port: number },
  overrides: Record<string, unknown> = {},
  deps: Partial<BindManagerDeps> = {},
) {
  const manager = new BindManager(
    testOperator({
      host: address.host,
      port: address.port,
      reconnect: { initialMs: 50, maxMs: 200, bindRefusedMinMs: 0 },
      ...overrides,
    }),
    { logger: silent, onDeliver: async () => 0, jitter: 'none', ...deps },
  );
  managers.push(manager);
  return manager;
}

afterEach(async () => {
  await Promise.all(managers.map((m) => m.stop({ drainTimeoutMs: 100 })));
  managers = [];
  await Promise.all(fakes.map((f) => f.close()));
  fakes = [];
});

async function boundConnection(fake: FakeSmsc, manager: BindManager): Promise<FakeConnection> {
  manager.start();
  expect(await manager.whenBound(3000)).toBe(true);
  const conn = fake.last;
  if (!conn) throw new Error('no connection');
  return conn;
}

describe('over TCP, from the SMSC side', () => {
  it("answers the SMSC's enquire_link", async () => {
    const { fake, ...address } = await listen();
    const conn = await boundConnection(fake, makeManager(address));
    const seq = conn.request('enquire_link');
    await fake.waitFor(() => conn.commands('enquire_link_resp').length === 1, 2000, 'enquire_link_resp');
    expect(conn.commands('enquire_link_resp')[0]?.sequenceNumber).toBe(seq);
  });

  it('answers an unknown command and a malformed PDU with generic_nack, and keeps working', async () => {
    const { fake, ...address } = await listen();
    const manager = makeManager(address);
    const conn = await boundConnection(fake, manager);
    const unknown = Buffer.alloc(16);
    unknown.writeUInt32BE(16, 0);
    unknown.writeUInt32BE(0x000000aa, 4);
    unknown.writeUInt32BE(5, 12);
    conn.sendRaw(unknown);
    const malformed = encodePdu(
      makePdu('deliver_sm', { sourceAddr: '336', shortMessage: Buffer.from('hey') }, { sequenceNumber: 6 }),
    );
    malformed.writeUInt8(250, malformed.length - 4); // sm_length past the end
    conn.sendRaw(malformed);
    await fake.waitFor(() => conn.commands('generic_nack').length === 2, 2000, 'two generic_nacks');
    expect(conn.commands('generic_nack').map((p) => [p.sequenceNumber, p.commandStatus])).toEqual([
      [5, CommandStatus.ESME_RINVCMDID],
      [6, CommandStatus.ESME_RINVMSGLEN],
    ]);
    expect((await manager.submit(testSegment())).outcome).toBe('ok');
    expect(fake.connections).toHaveLength(1);
  });

  it('garbage with an impossible command_length: closes, reconnects, no crash', async () => {
    const { fake, ...address } = await listen();
    const manager = makeManager(address);
    const conn = await boundConnection(fake, manager);
    conn.sendRaw(Buffer.from('ffffffff00000000', 'hex'));
    await fake.waitFor(() => fake.connections.length === 2 && manager.boundCount() === 1, 3000, 'a new bind');
    expect(conn.closed).toBe(true);
    expect((await manager.submit(testSegment())).outcome).toBe('ok');
  });

  it("answers the SMSC's unbind, then binds again after the back-off", async () => {
    const { fake, ...address } = await listen();
    const manager = makeManager(address);
    const conn = await boundConnection(fake, manager);
    conn.request('unbind');
    await fake.waitFor(() => conn.commands('unbind_resp').length === 1, 2000, 'unbind_resp');
    await fake.waitFor(() => fake.connections.length === 2 && manager.boundCount() === 1, 3000, 'a new bind');
  });

  it('in-flight submits come back disconnected at once when the SMSC drops the socket', async () => {
    const { fake, ...address } = await listen();
    fake.behaviour.submit = 'hang';
    const manager = makeManager(address, { responseTimeoutMs: 30_000 });
    const conn = await boundConnection(fake, manager);
    const results = [manager.submit(testSegment()), manager.submit(testSegment())];
    await fake.waitFor(() => conn.commands('submit_sm').length === 2, 2000, 'two submits');
    const started = Date.now();
    conn.destroy();
    expect((await Promise.all(results)).map((r) => r.outcome)).toEqual(['disconnected', 'disconnected']);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a listener that never answers the bind: bind_timeout, and retries', async () => {
    const { fake, ...address } = await listen();
    fake.onRequest = (pdu) => pdu.command === 'bind_transceiver';
    const manager = makeManager(address, { bindTimeoutMs: 200 });
    manager.start();
    await fake.waitFor(() => fake.connections.length >= 3, 3000, 'three attempts');
    expect(manager.boundCount()).toBe(0);
  });

  it('a closed port: connect_failed, retries forever, never throws', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const manager = makeManager({ host: '127.0.0.1', port });
    const closes: string[] = [];
    manager.on('state', (c) => c.to === 'closed' && closes.push(c.from));
    manager.start();
    const deadline = Date.now() + 3000;
    while (closes.length < 3 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closes.length).toBeGreaterThanOrEqual(3);
    expect(closes.every((from) => from === 'opening')).toBe(true);
  });
});

describe('TLS details', () => {
  it('presents the client certificate and key from the config (mutual TLS)', async () => {
    const { fake, ...address } = await listen({
      tls: {
        cert: readFileSync(`${tlsDir}server.pem`),
        key: readFileSync(`${tlsDir}server-key.pem`),
        ca: readFileSync(`${tlsDir}ca.pem`),
        requestCert: true,
        rejectUnauthorized: true,
      },
    });
    const withCert = makeManager(address, {
      tls: {
        ca: `${tlsDir}ca.pem`,
        cert: `${tlsDir}client.pem`,
        key: `${tlsDir}client-key.pem`,
        servername: 'localhost',
      },
    });
    withCert.start();
    expect(await withCert.whenBound(3000)).toBe(true);
    expect(fake.connections).toHaveLength(1);

    const without = makeManager(address, { tls: { ca: `${tlsDir}ca.pem` } });
    without.start();
    expect(await without.whenBound(500)).toBe(false);
  });

  it('an unreadable CA file fails the connection with TRANSPORT_TLS_FILES, not the process', async () => {
    const { fake, ...address } = await listen();
    const session = new SmppSession({
      operator: testOperator({ ...address, tls: { ca: '/nonexistent/ca.pem' } }),
      bindId: 'op-0',
      bindType: 'transceiver',
      logger: silent,
    });
    const closed = new Promise<SessionClosed>((resolve) => session.once('close', resolve));
    const outcome = await session.open();
    expect(outcome).toMatchObject({ bound: false, reason: 'connect_failed' });
    expect((await closed).error?.cause).toMatchObject({ code: 'TRANSPORT_TLS_FILES' });
    expect(fake.connections).toHaveLength(0);
  });

  it('a name mismatch reports the TLS error as the cause', async () => {
    const { fake: _fake, ...address } = await listen({
      tls: {
        cert: readFileSync(`${tlsDir}wrong-name.pem`),
        key: readFileSync(`${tlsDir}wrong-name-key.pem`),
      },
    });
    const session = new SmppSession({
      operator: testOperator({ ...address, tls: { ca: `${tlsDir}ca.pem` } }),
      bindId: 'op-0',
      bindType: 'transceiver',
      logger: silent,
    });
    const outcome = await session.open();
    expect(outcome).toMatchObject({ bound: false, reason: 'connect_failed' });
    expect(outcome.bound === false && outcome.error?.cause).toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });
});
