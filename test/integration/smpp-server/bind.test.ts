// Binds from a platform driven by the `smpp` npm package: credentials, maxBinds across instances,
// allowed networks, bind states, and what a refused bind leaves in the log.
import { describe, expect, it } from 'vitest';
import smpp from 'smpp';
import { MemoryBindRegistry } from '../../helpers/platform-ports.js';
import { ACME, startServer } from './harness.js';

const E = smpp.errors;

describe('bind', () => {
  it('refuses a wrong password (ESME_RINVPASWD) and an unknown system_id (ESME_RINVSYSID), then closes', async () => {
    const h = await startServer();
    const wrong = await h.connect();
    expect((await wrong.bind('transceiver', 'acme', 'nope')).command_status).toBe(E.ESME_RINVPASWD);
    await wrong.closed;
    const unknown = await h.connect();
    expect((await unknown.bind('transmitter', 'nobody', 'x')).command_status).toBe(E.ESME_RINVSYSID);
    expect(h.binds.count('acme')).toBe(0);
  });

  it('logs a refused bind once, with the peer address, never with the password', async () => {
    const h = await startServer();
    const client = await h.connect();
    await client.bind('transceiver', 'acme', 'hunter2');
    await client.closed;
    const refusals = h.logs.filter((l) => l.msg === 'bind refused');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({
      systemId: 'acme',
      reason: 'wrong_password',
      status: 'ESME_RINVPASWD',
    });
    expect(String(refusals[0]?.peer)).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(JSON.stringify(h.logs)).not.toContain('hunter2');
  });

  it('logs an unknown system_id by its length only: it may be a password typed in the wrong field', async () => {
    const h = await startServer();
    const client = await h.connect();
    expect((await client.bind('transceiver', 'hunter2', 'acme')).command_status).toBe(E.ESME_RINVSYSID);
    await client.closed;
    const refusals = h.logs.filter((l) => l.msg === 'bind refused');
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ systemIdLength: 7, reason: 'unknown_system_id' });
    expect(refusals[0]).not.toHaveProperty('systemId');
    expect(JSON.stringify(h.logs)).not.toContain('hunter2');
  });

  it('binds with the right credentials as transmitter, receiver and transceiver', async () => {
    const h = await startServer({ accounts: [{ ...ACME, smpp: { ...ACME.smpp!, maxBinds: 3 } }] });
    for (const mode of ['transmitter', 'receiver', 'transceiver'] as const) {
      const client = await h.connect();
      const resp = await client.bind(mode, 'acme', 'secret1');
      expect(resp.command_status).toBe(0);
      expect(resp.system_id).toBe('smppgw');
      expect(resp.command).toBe(`bind_${mode}_resp`);
    }
    expect(h.binds.count('acme')).toBe(3);
  });

  it('refuses a third bind over maxBinds 2 across two instances (ESME_RBINDFAIL), and takes one again after an unbind', async () => {
    const binds = new MemoryBindRegistry();
    const a = await startServer({ binds, server: { instanceId: 'a' } });
    const b = await startServer({ binds, server: { instanceId: 'b' } });
    const first = await a.bound();
    await b.bound();
    const third = await b.connect();
    expect((await third.bind('transceiver', 'acme', 'secret1')).command_status).toBe(E.ESME_RBINDFAIL);
    await first.unbind();
    await new Promise((r) => setTimeout(r, 20));
    const again = await a.connect();
    expect((await again.bind('transceiver', 'acme', 'secret1')).command_status).toBe(0);
  });

  it('refuses a bind from outside the allowed networks (ESME_RBINDFAIL), accepts one from inside', async () => {
    const h = await startServer({
      accounts: [
        { ...ACME, smpp: { ...ACME.smpp!, allowedNetworks: ['192.0.2.0/24'] } },
        {
          id: 'local',
          smpp: { systemId: 'local', password: 'l', allowedNetworks: ['10.0.0.0/8', '127.0.0.0/8'] },
          senders: ['LOCAL'],
        },
      ],
    });
    const outside = await h.connect();
    expect((await outside.bind('transceiver', 'acme', 'secret1')).command_status).toBe(E.ESME_RBINDFAIL);
    const inside = await h.connect();
    expect((await inside.bind('transceiver', 'local', 'l')).command_status).toBe(0);
  });

  it('answers a bind while bound with ESME_RALYBND and keeps the session', async () => {
    const h = await startServer();
    const client = await h.bound();
    expect((await client.bind('transceiver', 'acme', 'secret1')).command_status).toBe(E.ESME_RALYBND);
    expect((await client.request('enquire_link')).command_status).toBe(0);
  });

  it('answers a request before the bind with ESME_RINVBNDSTS; enquire_link works in any state', async () => {
    const h = await startServer();
    const client = await h.connect();
    expect((await client.request('enquire_link')).command_status).toBe(0);
    expect((await client.submit({ source_addr: 'ACME', short_message: 'early' })).command_status).toBe(
      E.ESME_RINVBNDSTS,
    );
    expect((await client.request('query_sm', { message_id: 'X' })).command_status).toBe(E.ESME_RINVBNDSTS);
    expect((await client.bind('transceiver', 'acme', 'secret1')).command_status).toBe(0);
  });

  it('a receiver bind may not submit (ESME_RINVBNDSTS)', async () => {
    const h = await startServer();
    const client = await h.bound('receiver');
    expect((await client.submit({ source_addr: 'ACME', short_message: 'x' })).command_status).toBe(
      E.ESME_RINVBNDSTS,
    );
  });

  it('refuses the bind with ESME_RSYSERR when the bind registry is away', async () => {
    const binds = new MemoryBindRegistry();
    binds.unavailable = true;
    const h = await startServer({ binds });
    const client = await h.connect();
    expect((await client.bind('transceiver', 'acme', 'secret1')).command_status).toBe(E.ESME_RSYSERR);
  });

  it('closes a connection that does not bind within bindTimeoutMs', async () => {
    const h = await startServer({ smppServer: { bindTimeoutMs: 100 } });
    const client = await h.connect();
    await client.closed;
    expect(h.server.sessionCount).toBe(0);
  });

  it('unbind is answered and the session closes, releasing its bind', async () => {
    const h = await startServer();
    const client = await h.bound();
    expect(h.binds.count('acme')).toBe(1);
    await client.unbind();
    await new Promise((r) => setTimeout(r, 20));
    expect(h.binds.count('acme')).toBe(0);
  });

  it('stop() unbinds every bound platform politely', async () => {
    const h = await startServer();
    const client = await h.bound();
    await h.server.stop(1_000);
    await client.closed;
    expect(client.requests.map((p) => p.command)).toContain('unbind');
    expect(h.binds.count('acme')).toBe(0);
  });
});
