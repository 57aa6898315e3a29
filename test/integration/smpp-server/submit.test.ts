// submit_sm from a platform driven by the `smpp` npm package: the in-memory ingress receives the exact
// texts, one message for a pre-split one; refusals; query_sm and cancel_sm on our ids.
import { describe, expect, it } from 'vitest';
import smpp from 'smpp';
import { eventually, startServer } from './harness.js';

const E = smpp.errors;

describe('submit_sm', () => {
  it('a short GSM-7 message reaches the ingress with its text, E.164 destination, class and registered_delivery', async () => {
    const h = await startServer();
    const client = await h.bound();
    const resp = await client.submit({
      source_addr: 'ACME',
      destination_addr: '33612345678',
      data_coding: 0,
      registered_delivery: 1,
      short_message: 'Votre code : 4521 @ 10€',
    });
    expect(resp.command_status).toBe(0);
    expect(h.store.submitted).toHaveLength(1);
    const stored = h.store.submitted[0]!;
    expect(resp.message_id).toBe(stored.id);
    expect(stored.account).toBe('acme');
    expect(stored.message).toMatchObject({
      to: '+33612345678',
      from: 'ACME',
      text: 'Votre code : 4521 @ 10€',
      class: 'transactional',
      registeredDelivery: 1,
      platformParts: 1,
    });
  });

  it('a message pre-split in three parts (UDH IE 0x00) is one message with the whole text, every part answered with its id', async () => {
    const h = await startServer();
    const client = await h.bound();
    const parts = [
      'Bonjour Marie, votre commande 4521 est arrivée. ',
      'Retrait possible au magasin de la rue Victor Hugo ',
      "jusqu'à samedi 19h. Merci de votre confiance !",
    ];
    const responses = [];
    // Sent out of order: the gatherer does not care.
    for (const i of [1, 0, 2]) {
      responses.push(
        await client.submit({
          source_addr: 'ACME',
          data_coding: 0,
          registered_delivery: 1,
          short_message: { udh: Buffer.from([0x05, 0x00, 0x03, 0x7f, 0x03, i + 1]), message: parts[i] },
        }),
      );
    }
    expect(responses.map((r) => r.command_status)).toEqual([0, 0, 0]);
    const ids = new Set(responses.map((r) => r.message_id));
    expect(ids.size).toBe(1);
    expect(h.store.submitted).toHaveLength(1);
    expect(h.store.submitted[0]!.id).toBe(responses[0]!.message_id);
    expect(h.store.submitted[0]!.message).toMatchObject({
      text: parts.join(''),
      platformParts: 3,
      registeredDelivery: 1,
    });
    expect(h.gatherer.size).toBe(0);
  });

  it('a message pre-split with SAR TLVs is gathered the same way', async () => {
    const h = await startServer();
    const client = await h.bound();
    for (const [seq, text] of [
      [1, 'first half, '],
      [2, 'second half'],
    ] as const) {
      const resp = await client.submit({
        source_addr: '36180',
        data_coding: 0,
        short_message: text,
        sar_msg_ref_num: 4242,
        sar_total_segments: 2,
        sar_segment_seqnum: seq,
      });
      expect(resp.command_status).toBe(0);
    }
    expect(h.store.submitted.map((s) => s.message.text)).toEqual(['first half, second half']);
  });

  it('a UCS-2 message (data_coding 8) arrives with its exact text', async () => {
    const h = await startServer();
    const client = await h.bound();
    const text = 'Привет! Ваш код: 777 ✅ 😀';
    expect(
      (await client.submit({ source_addr: 'ACME', data_coding: 8, short_message: text })).command_status,
    ).toBe(0);
    expect(h.store.submitted[0]?.message.text).toBe(text);
  });

  it('Latin-1 (3) and IA5 (1) texts arrive exactly; message_payload carries a long text', async () => {
    const h = await startServer();
    const client = await h.bound();
    await client.submit({
      source_addr: 'ACME',
      data_coding: 3,
      short_message: 'Crème brûlée à 5',
    });
    await client.submit({
      source_addr: 'ACME',
      data_coding: 1,
      short_message: Buffer.from('Pay $5 @ shop', 'ascii'),
    });
    const long = 'Long message. '.repeat(30);
    await client.submit({ source_addr: 'ACME', data_coding: 0, message_payload: long });
    expect(h.store.submitted.map((s) => s.message.text)).toEqual(['Crème brûlée à 5', 'Pay $5 @ shop', long]);
  });

  it('refuses a sender the account does not own with ESME_RINVSRCADR; nothing reaches the ingress', async () => {
    const h = await startServer();
    const client = await h.bound();
    const resp = await client.submit({ source_addr: 'GLOBEX', short_message: 'not mine' });
    expect(resp.command_status).toBe(E.ESME_RINVSRCADR);
    expect(h.store.submitted).toHaveLength(0);
  });

  it('refuses an unsupported data_coding with ESME_RINVDCS', async () => {
    const h = await startServer();
    const client = await h.bound();
    const resp = await client.submit({
      source_addr: 'ACME',
      data_coding: 4,
      short_message: Buffer.from([1, 2, 3]),
    });
    expect(resp.command_status).toBe(E.ESME_RINVDCS);
  });

  it('maps the ingress refusals: RATE_LIMITED → ESME_RTHROTTLED, QUEUE_FULL → ESME_RMSGQFUL, a throw → ESME_RSYSERR', async () => {
    const h = await startServer();
    const client = await h.bound();
    const answers = ['RATE_LIMITED', 'QUEUE_FULL', 'INSUFFICIENT_CREDIT', 'throw'] as const;
    let i = 0;
    h.store.decide = () => {
      const answer = answers[i++];
      if (answer === 'throw') throw new Error('redis away');
      return answer === undefined ? undefined : { ok: false, code: answer };
    };
    const statuses = [];
    for (let n = 0; n < answers.length; n++) {
      statuses.push((await client.submit({ source_addr: 'ACME', short_message: `m${n}` })).command_status);
    }
    expect(statuses).toEqual([E.ESME_RTHROTTLED, E.ESME_RMSGQFUL, E.ESME_RSUBMITFAIL, E.ESME_RSYSERR]);
  });

  it('uses accounts[].smpp.class and passes schedule and validity as epoch ms', async () => {
    const h = await startServer({
      accounts: [
        { id: 'promo', smpp: { systemId: 'promo', password: 'p', class: 'marketing' }, senders: ['PROMO'] },
      ],
    });
    const client = await h.connect();
    await client.bind('transmitter', 'promo', 'p');
    const before = Date.now();
    await client.submit({
      source_addr: 'PROMO',
      short_message: 'Soldes',
      schedule_delivery_time: '000000010000000R',
      validity_period: '000001000000000R',
    });
    const m = h.store.submitted[0]!.message;
    expect(m.class).toBe('marketing');
    expect(m.sendAt! - before).toBeGreaterThanOrEqual(3_600_000 - 1000);
    expect(m.sendAt! - before).toBeLessThan(3_600_000 + 5000);
    expect(m.validUntil! - before).toBeGreaterThanOrEqual(86_400_000 - 1000);
  });

  it('answers 50 outstanding submit_sm in any order while one is slow; the slow one never blocks the others', async () => {
    const h = await startServer();
    const client = await h.bound();
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    h.store.decide = async (_account, message) => {
      if (message.text === 'slow') await slow;
      return undefined;
    };
    const order: string[] = [];
    const pending = [];
    for (let n = 0; n < 50; n++) {
      const text = n === 0 ? 'slow' : `fast ${n}`;
      pending.push(
        client.submit({ source_addr: 'ACME', short_message: text }).then((r) => (order.push(text), r)),
      );
    }
    try {
      await eventually(() => order.length === 49, 5_000, '49 fast answers');
      expect(order).not.toContain('slow');
    } finally {
      release();
    }
    const responses = await Promise.all(pending);
    expect(order.at(-1)).toBe('slow');
    expect(responses.every((r) => r.command_status === 0)).toBe(true);
    expect(new Set(responses.map((r) => r.message_id)).size).toBe(50);
  });

  it('handles at most maxOutstanding requests of a connection at once, then reads on', async () => {
    const h = await startServer({ smppServer: { maxOutstanding: 3 } });
    const client = await h.bound();
    h.store.decide = () => new Promise((r) => setTimeout(() => r(undefined), 30));
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, n) => client.submit({ source_addr: 'ACME', short_message: `m${n}` })),
    );
    expect(responses.every((r) => r.command_status === 0)).toBe(true);
    expect(h.store.maxConcurrent).toBe(3);
  });
});

describe('query_sm and cancel_sm', () => {
  it("query_sm answers the state of our id; unknown or another account's id: ESME_RQUERYFAIL", async () => {
    const h = await startServer();
    const acme = await h.bound();
    const { message_id: id } = await acme.submit({ source_addr: 'ACME', short_message: 'hello' });
    let q = await acme.request('query_sm', { message_id: id });
    expect(q).toMatchObject({ command_status: 0, message_id: id, message_state: 1 });
    h.store.setStatus(String(id), { state: 'confirmed', at: Date.parse('2026-05-01T12:30:00Z') });
    q = await acme.request('query_sm', { message_id: id });
    expect(q).toMatchObject({ command_status: 0, message_state: 2, error_code: 0 });
    expect(q.final_date).toBeInstanceOf(Date);
    expect((q.final_date as Date).toISOString()).toBe('2026-05-01T12:30:00.000Z');
    expect((await acme.request('query_sm', { message_id: 'NOPE' })).command_status).toBe(E.ESME_RQUERYFAIL);

    const globex = await h.connect();
    await globex.bind('transceiver', 'globex', 'g-pass');
    expect((await globex.request('query_sm', { message_id: id })).command_status).toBe(E.ESME_RQUERYFAIL);
  });

  it('cancel_sm cancels a scheduled message; one already sent, or unknown: ESME_RCANCELFAIL', async () => {
    const h = await startServer();
    const client = await h.bound();
    const { message_id: later } = await client.submit({
      source_addr: 'ACME',
      short_message: 'tomorrow',
      schedule_delivery_time: '000001000000000R',
    });
    expect((await client.request('cancel_sm', { message_id: later })).command_status).toBe(0);
    expect((await client.request('query_sm', { message_id: later })).message_state).toBe(4);
    const { message_id: sent } = await client.submit({ source_addr: 'ACME', short_message: 'now' });
    h.store.setStatus(String(sent), { state: 'delivered' });
    expect((await client.request('cancel_sm', { message_id: sent })).command_status).toBe(E.ESME_RCANCELFAIL);
    expect((await client.request('cancel_sm', { message_id: 'NOPE' })).command_status).toBe(
      E.ESME_RCANCELFAIL,
    );
  });
});
