// Issue 12, the SMPP server half, wired for real: a whole gateway (its built-in simulator as the operator, a
// real redis-server) and platforms driven by the `smpp` npm package over real TCP and TLS. Binds, the exact
// texts reaching the operator, DELIVRD receipts with our ids, query_sm, cancel_sm, refusals, maxBinds across
// two instances, the account's rate, what waits while a platform is unbound, and TLS.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import smpp from 'smpp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../../src/config/index.js';
import { startTestGateway, waitFor, type TestGateway } from '../../helpers/gateway.js';
import { submitText, waitForBound } from '../../helpers/mo.js';
import { ON_CLUSTER, redisSection, testKeys, startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { SmppPlatform, type SmppPdu } from '../../helpers/smpp-platform.js';
import { makeTestPki, type TestPki } from '../simulator/tls-certs.js';

const E = smpp.errors;

let redis: TestRedis;
let gw: TestGateway;
let pki: TestPki;
let dir: string;
const clients: SmppPlatform[] = [];

const ACCOUNTS = [
  {
    id: 'acme',
    apiKeys: ['acme-key'],
    smpp: { systemId: 'acme', password: 'acme-pw', maxBinds: 2 },
    senders: ['ACME', '36180'],
  },
  // Its own account for the "while unbound" test, so no other test's receipts reach its platform.
  { id: 'away', smpp: { systemId: 'away', password: 'away-pw' }, senders: ['AWAY', '36190'] },
  { id: 'slow', smpp: { systemId: 'slow', password: 'slow-pw' }, senders: ['SLOW'], tps: 2 },
  { id: 'duo', smpp: { systemId: 'duo', password: 'duo-pw', maxBinds: 2 }, senders: ['DUO'] },
] as ConfigInput['accounts'];

function gatewayInput(files: { cert: string; key: string }): Parameters<typeof startTestGateway>[1] {
  return {
    accounts: ACCOUNTS,
    shortCodes: [
      { code: '36180', account: 'acme', operator: 'sim' },
      { code: '36190', account: 'away', operator: 'sim' },
    ] as ConfigInput['shortCodes'],
    smppServer: {
      listen: '127.0.0.1:0',
      tls: { listen: '127.0.0.1:0', ...files },
      outbox: { pollIntervalMs: 100, retryInitialMs: 50, retryMaxMs: 200 },
      partTimeoutSeconds: 2,
    },
  };
}

let files: { cert: string; key: string };

beforeAll(async () => {
  pki = makeTestPki();
  dir = mkdtempSync(join(tmpdir(), 'smpp-gateway-tls-'));
  files = { cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
  writeFileSync(files.cert, pki.cert);
  writeFileSync(files.key, pki.key);
  redis = await startTestRedis();
  gw = await startTestGateway(redis, gatewayInput(files), { smppServerSweepMs: 200 });
  await waitForBound(gw);
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  await gw?.stop();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function portOf(g: TestGateway, kind: 'plain' | 'tls' = 'plain'): number {
  const address = g.gateway.smppServer?.addresses[kind];
  if (!address) throw new Error(`no ${kind} SMPP listener`);
  return address.port;
}

async function connect(g: TestGateway = gw, options: Parameters<typeof SmppPlatform.connect>[1] = {}) {
  const client = await SmppPlatform.connect(portOf(g, options.tls ? 'tls' : 'plain'), options);
  clients.push(client);
  return client;
}

async function bound(
  systemId = 'acme',
  password = `${systemId}-pw`,
  mode: 'transmitter' | 'receiver' | 'transceiver' = 'transceiver',
  g: TestGateway = gw,
): Promise<SmppPlatform> {
  const client = await connect(g);
  const resp = await client.bind(mode, systemId, password);
  if (resp.command_status !== 0) throw new Error(`bind refused: ${resp.command_status}`);
  return client;
}

const receipts = (client: SmppPlatform) => client.delivered.filter((p) => p.esm_class === 0x04);
const textOf = (pdu: SmppPdu) => (pdu.short_message as { message: string }).message;

/** The operator's submits of one gateway message, in part order, read through its record's SMSC ids. */
async function operatorSubmitsOf(id: string) {
  const record = await waitFor(
    async () => {
      const r = await gw.gateway.store.messages.record(id);
      return r && r.parts.every((p) => p.smscId) ? r : undefined;
    },
    10_000,
    `message ${id} accepted by the simulator`,
  );
  const sim = gw.gateway.simulator!;
  return record.parts.map((p) => sim.submits.find((s) => s.messageId === p.smscId)!);
}

describe('the SMPP server in the gateway', () => {
  it('refuses a wrong password, binds with the right one', async () => {
    const wrong = await connect();
    expect((await wrong.bind('transceiver', 'acme', 'not-the-password')).command_status).toBe(
      E.ESME_RINVPASWD,
    );
    await wrong.closed;
    const right = await connect();
    expect((await right.bind('transceiver', 'acme', 'acme-pw')).command_status).toBe(E.ESME_ROK);
  });

  it('a short, a pre-split three-part and a UCS-2 message: the exact texts reach the operator, DELIVRD receipts come back with our ids, query_sm says delivered', async () => {
    const client = await bound();
    const short = await client.submit({
      source_addr: 'ACME',
      destination_addr: '33612345671',
      data_coding: 0,
      registered_delivery: 1,
      short_message: 'Votre code : 4521 @ 10€',
    });
    expect(short.command_status).toBe(0);

    // Three parts of 150 characters: 450 in all, which the gateway sends again in three parts of its own.
    const parts = [1, 2, 3].map((i) => `Partie ${i} : `.padEnd(150, String.fromCharCode(96 + i)));
    const partResponses: SmppPdu[] = [];
    for (const i of [2, 0, 1]) {
      partResponses.push(
        await client.submit({
          source_addr: 'ACME',
          destination_addr: '33612345672',
          data_coding: 0,
          registered_delivery: 1,
          short_message: { udh: Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x03, i + 1]), message: parts[i] },
        }),
      );
    }
    expect(partResponses.map((r) => r.command_status)).toEqual([0, 0, 0]);
    expect(new Set(partResponses.map((r) => r.message_id)).size).toBe(1);
    // Its last part again (the platform missed our answer): the same id, and nothing sent twice.
    const again = await client.submit({
      source_addr: 'ACME',
      destination_addr: '33612345672',
      data_coding: 0,
      registered_delivery: 1,
      short_message: { udh: Buffer.from([0x05, 0x00, 0x03, 0x2a, 0x03, 2]), message: parts[1] },
    });
    expect(again).toMatchObject({ command_status: 0, message_id: partResponses[0]!.message_id });

    const ucs2Text = 'Привет ! Ваш код 4521 👋';
    const ucs2 = await client.submit({
      source_addr: 'ACME',
      destination_addr: '33612345673',
      data_coding: 8,
      registered_delivery: 1,
      short_message: Buffer.from(ucs2Text, 'utf16le').swap16(),
    });
    expect(ucs2.command_status).toBe(0);

    const ids = [short.message_id, partResponses[0]!.message_id, ucs2.message_id].map(String);
    const [shortSubmits, longSubmits, ucs2Submits] = await Promise.all(ids.map(operatorSubmitsOf));
    expect(shortSubmits!.map(submitText)).toEqual(['Votre code : 4521 @ 10€']);
    expect(longSubmits).toHaveLength(3);
    expect(longSubmits!.every((s) => (s.esmClass & 0x40) !== 0)).toBe(true);
    expect(longSubmits!.map(submitText).join('')).toBe(parts.join(''));
    expect(gw.gateway.simulator!.submits.filter((s) => s.destinationAddr === '33612345672')).toHaveLength(3);
    expect(ucs2Submits!.map((s) => s.dataCoding)).toEqual([8]);
    expect(ucs2Submits!.map(submitText)).toEqual([ucs2Text]);

    await client.until(
      () => ids.every((id) => receipts(client).some((p) => p.receipted_message_id === id)),
      10_000,
      () => `receipts for ${ids.join(', ')}: got ${receipts(client).length}`,
    );
    for (const id of ids) {
      const receipt = receipts(client).find((p) => p.receipted_message_id === id)!;
      expect(receipt.message_state).toBe(2);
      expect(textOf(receipt)).toMatch(new RegExp(`^id:${id} sub:001 dlvrd:001 .* stat:DELIVRD err:000 `));
      const query = await client.request('query_sm', { message_id: id, source_addr: 'ACME' });
      expect(query).toMatchObject({ command_status: 0, message_id: id, message_state: 2 });
    }
    const first = receipts(client).find((p) => p.receipted_message_id === ids[0])!;
    expect(first).toMatchObject({ source_addr: '33612345671', destination_addr: 'ACME' });
    // The first 20 characters, "@" shown as "?" (it is not the same octet in ASCII and GSM 7-bit).
    expect(textOf(first)).toMatch(/text:Votre code : 4521 \? $/);
  });

  it('cancel_sm cancels a scheduled message: it never reaches the operator, and its DELETED receipt comes', async () => {
    const client = await bound();
    const resp = await client.submit({
      source_addr: 'ACME',
      destination_addr: '33612345674',
      schedule_delivery_time: '000001000000000R',
      registered_delivery: 1,
      short_message: 'Dans une heure',
    });
    expect(resp.command_status).toBe(0);
    const id = String(resp.message_id);
    expect(await client.request('query_sm', { message_id: id, source_addr: 'ACME' })).toMatchObject({
      command_status: 0,
      message_state: 1,
    });
    const cancel = await client.request('cancel_sm', { message_id: id, source_addr: 'ACME' });
    expect(cancel.command_status).toBe(0);
    expect((await gw.gateway.store.messages.get(id))?.state).toBe('cancelled');
    expect(await client.request('query_sm', { message_id: id, source_addr: 'ACME' })).toMatchObject({
      message_state: 4,
    });
    await client.until(() => receipts(client).some((p) => p.receipted_message_id === id), 10_000);
    expect(textOf(receipts(client).find((p) => p.receipted_message_id === id)!)).toContain('stat:DELETED');
    // Another account knows nothing of it.
    const other = await bound('duo');
    expect((await other.request('query_sm', { message_id: id, source_addr: 'DUO' })).command_status).toBe(
      E.ESME_RQUERYFAIL,
    );
    expect((await other.request('cancel_sm', { message_id: id, source_addr: 'DUO' })).command_status).toBe(
      E.ESME_RCANCELFAIL,
    );
    expect(gw.gateway.simulator!.submits.filter((s) => s.destinationAddr === '33612345674')).toEqual([]);
  });

  it('a pre-split message missing a part past the part timeout ends REJECTD, told by receipt, and nothing is sent', async () => {
    const client = await bound();
    const udh = (seq: number) => Buffer.from([0x05, 0x00, 0x03, 0x51, 0x03, seq]);
    const ids = new Set<string>();
    for (const seq of [1, 3]) {
      const resp = await client.submit({
        source_addr: 'ACME',
        destination_addr: '33612345679',
        data_coding: 0,
        registered_delivery: 2,
        short_message: { udh: udh(seq), message: `part ${seq} of 3` },
      });
      expect(resp.command_status).toBe(0);
      ids.add(String(resp.message_id));
    }
    expect(ids.size).toBe(1);
    const [id] = [...ids] as [string];
    await client.until(() => receipts(client).some((p) => p.receipted_message_id === id), 10_000);
    const receipt = receipts(client).find((p) => p.receipted_message_id === id)!;
    expect(receipt.message_state).toBe(8);
    expect(textOf(receipt)).toContain('stat:REJECTD');
    expect(await gw.gateway.store.messages.get(id)).toMatchObject({
      state: 'error',
      error: { stage: 'policy', code: 'PARTS_MISSING' },
    });
    expect(gw.gateway.simulator!.submits.filter((s) => s.destinationAddr === '33612345679')).toEqual([]);
  });

  it('refuses a sender the account does not own with ESME_RINVSRCADR, and nothing reaches the operator', async () => {
    const client = await bound();
    const resp = await client.submit({
      source_addr: 'GLOBEX',
      destination_addr: '33612345675',
      short_message: 'not mine',
    });
    expect(resp.command_status).toBe(E.ESME_RINVSRCADR);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(gw.gateway.simulator!.submits.filter((s) => s.destinationAddr === '33612345675')).toEqual([]);
  });

  it("answers ESME_RTHROTTLED past the account's rate", async () => {
    const client = await bound('slow');
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        client.submit({ source_addr: 'SLOW', destination_addr: '33612345676', short_message: `n°${i}` }),
      ),
    );
    const statuses = responses.map((r) => r.command_status);
    expect(statuses.filter((s) => s === E.ESME_ROK).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === E.ESME_ROK).length).toBeLessThanOrEqual(3);
    expect(statuses.filter((s) => s === E.ESME_RTHROTTLED).length).toBeGreaterThanOrEqual(7);
    const metrics = await gw.gateway.metrics.render();
    expect(metrics).toMatch(/smppgw_platform_submits_total\{account="slow",status="ESME_RTHROTTLED"\} [1-9]/);
  });

  it('receipts and an MO produced while the platform is unbound reach it when it binds again', async () => {
    const sender = await bound('away', 'away-pw', 'transmitter');
    const resp = await sender.submit({
      source_addr: 'AWAY',
      destination_addr: '33612345677',
      registered_delivery: 1,
      short_message: 'Vous êtes absent',
    });
    const id = String(resp.message_id);
    await sender.unbind();
    await waitFor(
      async () => ((await gw.gateway.store.messages.get(id))?.state === 'confirmed' ? true : undefined),
      10_000,
      'the message confirmed',
    );
    await gw.gateway.simulator!.injectMo({ from: '33699887766', to: '36190', text: 'Bonjour' });
    const keys = testKeys(gw.gateway.config.redis.keyPrefix);
    await waitFor(
      async () => ((await redis.client.zcard(keys.platformOutboxDue('away'))) === 2 ? true : undefined),
      10_000,
      'the receipt and the MO waiting in the outbox',
    );

    const receiver = await bound('away', 'away-pw', 'receiver');
    // Either order: on a Redis Cluster the receipt's event is relayed from its shard, the MO's is not.
    const delivered = await receiver.waitDelivered(2, 10_000);
    const receipt = delivered.find((pdu) => pdu.esm_class === 0x04);
    const mo = delivered.find((pdu) => pdu.esm_class !== 0x04);
    expect(receipt).toMatchObject({ esm_class: 0x04, receipted_message_id: id, message_state: 2 });
    expect(mo).toMatchObject({ esm_class: 0, source_addr: '33699887766', destination_addr: '36190' });
    expect(textOf(mo!)).toBe('Bonjour');
    await waitFor(
      async () => ((await redis.client.zcard(keys.platformOutboxLeased('away'))) === 0 ? true : undefined),
      5_000,
      'the outbox empty',
    );
    expect(await redis.client.zcard(keys.platformOutboxDue('away'))).toBe(0);
  });

  it('binds and submits over TLS', async () => {
    const client = await connect(gw, { tls: { ca: pki.ca } });
    expect((await client.bind('transceiver', 'acme', 'acme-pw')).command_status).toBe(0);
    const resp = await client.submit({
      source_addr: 'ACME',
      destination_addr: '33612345678',
      short_message: 'over TLS',
    });
    expect(resp.command_status).toBe(0);
    const [submit] = await operatorSubmitsOf(String(resp.message_id));
    expect(submitText(submit!)).toBe('over TLS');
  });

  it('refuses a third bind over maxBinds 2 across two gateway instances sharing one Redis', async () => {
    const second = await startTestGateway(redis, {
      ...gatewayInput(files),
      redis: { ...redisSection(redis), keyPrefix: gw.gateway.config.redis.keyPrefix },
    });
    try {
      await bound('duo', 'duo-pw', 'transceiver', gw);
      await bound('duo', 'duo-pw', 'transceiver', second);
      for (const g of [gw, second]) {
        const third = await connect(g);
        expect((await third.bind('transceiver', 'duo', 'duo-pw')).command_status).toBe(E.ESME_RBINDFAIL);
      }
      // One bind goes: there is room again, on either instance.
      await clients[0]!.unbind();
      await waitFor(
        async () => {
          const again = await connect(second);
          const status = (await again.bind('transceiver', 'duo', 'duo-pw')).command_status;
          return status === 0 ? true : undefined;
        },
        5_000,
        'a bind freed',
      );
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await second.stop();
    }
  });
});

// Redis restarting is one server's subject (on a Cluster, its own failover).
describe.skipIf(ON_CLUSTER)('the SMPP server when Redis is away', () => {
  it('answers ESME_RSYSERR to submit_sm and query_sm, and accepts again once Redis is back', async () => {
    const own = await startTestRedis();
    const g = await startTestGateway(own, gatewayInput(files));
    try {
      const client = await bound('acme', 'acme-pw', 'transceiver', g);
      const submit = () =>
        client.submit({ source_addr: 'ACME', destination_addr: '33612345680', short_message: 'là ?' });
      const before = await submit();
      expect(before.command_status).toBe(0);
      await own.server.stop();
      await waitFor(() => (g.gateway.store.available ? undefined : true), 5_000, 'Redis seen away');
      expect((await submit()).command_status).toBe(E.ESME_RSYSERR);
      expect(
        (await client.request('query_sm', { message_id: before.message_id, source_addr: 'ACME' }))
          .command_status,
      ).toBe(E.ESME_RSYSERR);
      await own.restart();
      await waitFor(() => (g.gateway.store.available ? true : undefined), 10_000, 'Redis back');
      expect((await submit()).command_status).toBe(0);
    } finally {
      await Promise.all(clients.splice(0).map((c) => c.close()));
      await g.stop();
      await own.stop();
    }
  });
});
