// The HTTP control interface on loopback, and the `smpp-gateway simulator` command around it.
import { describe, expect, it, vi } from 'vitest';
import { CommandStatus, TlvTag, tlvCString, type Pdu } from '../../../src/smpp/pdu/index.js';
import { runSimulatorCommand } from '../../../src/cli/simulator.js';
import type { SmscSimulator } from '../../../src/simulator/index.js';
import { TestEsme } from '../../helpers/smpp-client.js';
import { bound, startSimulator } from './harness.js';

async function call(sim: SmscSimulator, method: string, path: string, body?: unknown) {
  const address = sim.controlAddress;
  if (!address) throw new Error('no control server');
  const res = await fetch(`http://${address.host}:${address.port}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> & unknown[] };
}

describe('control server', () => {
  it('listens on loopback and serves GET /counters and GET /submits?limit=N', async () => {
    const sim = await startSimulator({ receipts: false, control: { port: 0 } });
    expect(sim.controlAddress?.host).toBe('127.0.0.1');
    const client = await bound(sim, 'transceiver', { systemId: 'acme' });
    for (let i = 0; i < 5; i++)
      await client.submit({ destinationAddr: '3361000000' + i, shortMessage: Buffer.from(`hello ${i}`) });
    const counters = await call(sim, 'GET', '/counters');
    expect(counters.status).toBe(200);
    expect(counters.json).toMatchObject({ binds: 1, submits: 5, submitsOk: 5, activeSessions: 1 });
    const submits = await call(sim, 'GET', '/submits?limit=2');
    expect(submits.json['total']).toBe(5);
    const list = submits.json['submits'] as Array<Record<string, unknown>>;
    expect(list.map((s) => s['seq'])).toEqual([4, 5]);
    expect(list[1]).toMatchObject({
      systemId: 'acme',
      destinationAddr: '33610000004',
      shortMessage: Buffer.from('hello 4').toString('hex'),
      text: 'hello 4',
      outcome: 'ok',
    });
    expect((await call(sim, 'GET', '/submits?limit=x')).status).toBe(400);
    const sessions = await call(sim, 'GET', '/sessions');
    expect(sessions.json).toEqual([
      expect.objectContaining({ systemId: 'acme', mode: 'transceiver', state: 'bound' }),
    ]);
  });

  it('POST /mo injects a deliver_sm and answers once the ESME acknowledged it', async () => {
    const sim = await startSimulator({ control: { port: 0 } });
    const none = await call(sim, 'POST', '/mo', { from: '33612345678', to: '36180', text: 'HELP' });
    expect(none.status).toBe(409);
    expect(none.json).toMatchObject({ error: { code: 'SIMULATOR_NO_RECEIVER' } });
    const client = await bound(sim, 'receiver');
    const ok = await call(sim, 'POST', '/mo', { from: '33612345678', to: '36180', text: 'HELP' });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ parts: [{ partNumber: 1, commandStatus: 0 }] });
    const mo = (await client.waitFor((p) => p.command === 'deliver_sm')) as Pdu<'deliver_sm'>;
    expect(mo.body).toMatchObject({ sourceAddr: '33612345678', destinationAddr: '36180' });
    expect(mo.body.shortMessage.toString()).toBe('HELP');
    const bad = await call(sim, 'POST', '/mo', { from: '1' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.json)).toMatch(/to/);
    expect((await call(sim, 'POST', '/mo', '{not json')).status).toBe(400);
  });

  it('PUT /scenarios and PUT /rules change behaviour at run time and reject invalid bodies', async () => {
    const sim = await startSimulator({ control: { port: 0 }, receiptDelayMs: 10 });
    const client = await bound(sim);
    const put = await call(sim, 'PUT', '/scenarios', [{ name: 'submitError', status: 'ESME_RSYSERR' }]);
    expect(put.status).toBe(200);
    expect(put.json).toEqual([{ name: 'submitError', status: CommandStatus.ESME_RSYSERR }]);
    expect((await client.submit({})).commandStatus).toBe(CommandStatus.ESME_RSYSERR);
    const invalid = await call(sim, 'PUT', '/scenarios', [{ name: 'throttle', maxPerSecond: 0 }]);
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(invalid.json)).toMatch(/maxPerSecond/);
    expect(sim.scenarios()).toHaveLength(1);
    expect((await call(sim, 'PUT', '/scenarios', [])).status).toBe(200);

    const rules = await call(sim, 'PUT', '/rules', [
      { prefix: '3399', stat: 'UNDELIV' },
      { prefix: '3398', submitStatus: 11 },
    ]);
    expect(rules.status).toBe(200);
    expect((await client.submit({ destinationAddr: '33981111111' })).commandStatus).toBe(
      CommandStatus.ESME_RINVDSTADR,
    );
    const resp = (await client.submit({
      destinationAddr: '33991111111',
      registeredDelivery: 1,
    })) as Pdu<'submit_sm_resp'>;
    const receipt = (await client.waitFor((p) => p.command === 'deliver_sm')) as Pdu<'deliver_sm'>;
    expect(tlvCString(receipt.tlvs, TlvTag.receipted_message_id)).toBe(resp.body.messageId);
    expect(receipt.body.shortMessage.toString()).toMatch(/stat:UNDELIV/);
    expect((await call(sim, 'PUT', '/rules', [{ prefix: '1', stat: 'NOPE' }])).status).toBe(400);
    expect((await call(sim, 'GET', '/nowhere')).status).toBe(404);
  });

  it('POST /receipts sends a receipt by hand', async () => {
    const sim = await startSimulator({ control: { port: 0 }, receipts: false });
    const client = await bound(sim);
    await client.submit({});
    expect((await call(sim, 'POST', '/receipts', { ref: 1, stat: 'EXPIRED' })).status).toBe(200);
    const receipt = (await client.waitFor((p) => p.command === 'deliver_sm')) as Pdu<'deliver_sm'>;
    expect(receipt.body.shortMessage.toString()).toMatch(/stat:EXPIRED/);
    expect((await call(sim, 'POST', '/receipts', { ref: 99, stat: 'EXPIRED' })).status).toBe(404);
  });

  it('stop() closes the control server too', async () => {
    const sim = await startSimulator({ control: { port: 0 } });
    const address = sim.controlAddress as { host: string; port: number };
    await sim.stop();
    await expect(fetch(`http://${address.host}:${address.port}/counters`)).rejects.toThrow();
  });
});

describe('smpp-gateway simulator (CLI)', () => {
  it('rejects bad usage with exit code 2', async () => {
    const err: string[] = [];
    const io = { stdout: () => undefined, stderr: (s: string) => err.push(s) };
    expect(await runSimulatorCommand(['--scenario', 'explode:3'], io)).toBe(2);
    expect(err.join('')).toMatch(/unknown scenario "explode"/);
    expect(await runSimulatorCommand(['--port', 'abc'], io)).toBe(2);
    expect(await runSimulatorCommand(['--id-format', 'base64'], io)).toBe(2);
    expect(await runSimulatorCommand(['--tls-cert', 'a.pem'], io)).toBe(2);
    expect(await runSimulatorCommand(['--bogus'], io)).toBe(2);
  });

  it('runs with the given options, prints counters periodically and on exit, and exits 0', async () => {
    const out: string[] = [];
    const io = { stdout: (s: string) => out.push(s), stderr: () => undefined };
    const abort = new AbortController();
    let sim: SmscSimulator | undefined;
    const run = runSimulatorCommand(
      [
        '--port',
        '0',
        '--system-id',
        'gw',
        '--password',
        'pw',
        '--id-format',
        'decimal',
        '--no-receipts',
        '--scenario',
        'refuseBinds:1',
        '--scenario',
        'submitError:ESME_RSYSERR,2',
        '--rule',
        '3398:submitStatus=ESME_RINVDSTADR',
        '--control-port',
        '0',
        '--log-level',
        'silent',
      ],
      io,
      { signal: abort.signal, counterIntervalMs: 50, onStarted: (s) => (sim = s) },
    );
    await vi.waitFor(() => expect(sim?.address).toBeDefined());
    const port = sim?.address?.port as number;
    expect(out[0]).toMatch(
      new RegExp(`listening on 127\\.0\\.0\\.1:${port}, control http://127\\.0\\.0\\.1:\\d+`),
    );
    const refused = await TestEsme.connect(port);
    expect((await refused.bind('transceiver', { systemId: 'gw', password: 'pw' })).commandStatus).toBe(
      CommandStatus.ESME_RBINDFAIL,
    );
    await refused.close();
    const client = await TestEsme.connect(port);
    expect((await client.bind('transceiver', { systemId: 'gw', password: 'bad' })).commandStatus).toBe(
      CommandStatus.ESME_RINVPASWD,
    );
    await client.close();
    const ok = await TestEsme.connect(port);
    expect((await ok.bind('transceiver', { systemId: 'gw', password: 'pw' })).commandStatus).toBe(0);
    const first = (await ok.submit({ registeredDelivery: 1 })) as Pdu<'submit_sm_resp'>;
    expect(first.body.messageId).toMatch(/^\d+$/);
    expect((await ok.submit({})).commandStatus).toBe(CommandStatus.ESME_RSYSERR);
    expect((await ok.submit({ destinationAddr: '33981' })).commandStatus).toBe(CommandStatus.ESME_RINVDSTADR);
    await vi.waitFor(() => expect(out.some((l) => /^counters .*submits=3 submitsOk=1/.test(l))).toBe(true));
    abort.abort();
    expect(await run).toBe(0);
    await ok.waitClosed();
    expect(out.at(-1)).toMatch(/^stopped; counters .*binds=1 bindsRefused=2 .*submits=3/);
    expect(ok.received.filter((p) => p.command === 'deliver_sm')).toHaveLength(0);
  });
});
