// The simulator as an SMPP 3.4 SMSC over real TCP: binds, submits, receipts, MO, malformed input, stop().
import { describe, expect, it, vi } from 'vitest';
import {
  CommandStatus,
  HEADER_LENGTH,
  makePdu,
  encodePdu,
  TlvTag,
  tlvCString,
  tlvUint,
  type Pdu,
  type UnknownPdu,
} from '../../../src/smpp/pdu/index.js';
import {
  MessageState,
  parseReceiptText,
  SmscSimulator,
  type RecordedSubmit,
} from '../../../src/simulator/index.js';
import { decodeShortMessage } from '../../../src/codec/index.js';
import { TestEsme } from '../../helpers/smpp-client.js';
import { bound, connect, sleep, startSimulator } from './harness.js';

const isDeliver = (p: Pdu | UnknownPdu): p is Pdu<'deliver_sm'> => p.command === 'deliver_sm';

describe('binds (SMPP 3.4 §4.1)', () => {
  it.each(['transmitter', 'receiver', 'transceiver'] as const)(
    'accepts bind_%s with its own system_id and sc_interface_version 0x34',
    async (mode) => {
      const sim = await startSimulator();
      const binds: string[] = [];
      sim.on('bind', (b) => binds.push(`${b.systemId}/${b.mode}`));
      const client = await connect(sim);
      const resp = await client.bind(mode, { systemId: 'acme', password: 'x' });
      expect(resp.command).toBe(`bind_${mode}_resp`);
      expect(resp.commandStatus).toBe(CommandStatus.ESME_ROK);
      expect((resp as Pdu<'bind_transceiver_resp'>).body.systemId).toBe('SMSCSIM');
      expect(tlvUint(resp.tlvs, TlvTag.sc_interface_version)).toBe(0x34);
      expect(binds).toEqual([`acme/${mode}`]);
      expect(sim.counters()).toMatchObject({ binds: 1, activeSessions: 1 });
    },
  );

  it('checks configured credentials: wrong password ESME_RINVPASWD, unknown system_id ESME_RINVSYSID', async () => {
    const sim = await startSimulator({ systemId: 'gateway', password: 'secret' });
    const a = await connect(sim);
    expect((await a.bind('transceiver', { systemId: 'gateway', password: 'wrong' })).commandStatus).toBe(
      CommandStatus.ESME_RINVPASWD,
    );
    const b = await connect(sim);
    expect((await b.bind('transceiver', { systemId: 'other', password: 'secret' })).commandStatus).toBe(
      CommandStatus.ESME_RINVSYSID,
    );
    const c = await connect(sim);
    expect((await c.bind('transceiver', { systemId: 'gateway', password: 'secret' })).commandStatus).toBe(0);
    expect(sim.counters()).toMatchObject({ binds: 1, bindsRefused: 2, activeSessions: 1 });
  });

  it('refuses a second bind on the same connection with ESME_RALYBND', async () => {
    const sim = await startSimulator();
    const client = await bound(sim, 'transmitter');
    expect((await client.bind('transmitter')).commandStatus).toBe(CommandStatus.ESME_RALYBND);
  });

  it('refuses submit_sm before bind and on a receiver bind with ESME_RINVBNDSTS', async () => {
    const sim = await startSimulator();
    const unbound = await connect(sim);
    const early = await unbound.submit({ shortMessage: Buffer.from('hi') });
    expect(early.command).toBe('submit_sm_resp');
    expect(early.commandStatus).toBe(CommandStatus.ESME_RINVBNDSTS);
    const receiver = await bound(sim, 'receiver');
    expect((await receiver.submit({ shortMessage: Buffer.from('hi') })).commandStatus).toBe(
      CommandStatus.ESME_RINVBNDSTS,
    );
    expect(sim.submits).toHaveLength(0);
  });

  it('answers enquire_link before and after bind, and unbind with unbind_resp then closes', async () => {
    const sim = await startSimulator();
    const client = await connect(sim);
    expect((await client.request('enquire_link', {})).command).toBe('enquire_link_resp');
    await client.bind('transceiver');
    const resp = await client.request('enquire_link', {});
    expect(resp).toMatchObject({ command: 'enquire_link_resp', commandStatus: 0 });
    const unbinds: number[] = [];
    sim.on('unbind', (s) => unbinds.push(s.sessionId));
    expect((await client.request('unbind', {})).command).toBe('unbind_resp');
    await client.waitClosed();
    expect(unbinds).toHaveLength(1);
    await vi.waitFor(() =>
      expect(sim.counters()).toMatchObject({ enquireLinks: 2, activeSessions: 0, disconnects: 1 }),
    );
  });
});

describe('requests from the SMSC side (§4.11, §4.2)', () => {
  it('sends enquire_link periodically to bound sessions, and on demand', async () => {
    const sim = await startSimulator({ enquireLinkIntervalMs: 30 });
    const client = await bound(sim);
    await client.waitForCount((p) => p.command === 'enquire_link', 2, 2_000);
    const before = sim.counters().enquireLinksSent;
    await sim.enquireLink();
    expect(sim.counters().enquireLinksSent).toBeGreaterThan(before);
  });

  it('enquireLink() rejects when the ESME does not answer', async () => {
    const sim = await startSimulator({ deliverTimeoutMs: 100 });
    await bound(sim, 'transceiver', {}, { autoRespond: false });
    await expect(sim.enquireLink()).rejects.toMatchObject({ code: 'SIMULATOR_RESPONSE_TIMEOUT' });
  });

  it('unbindSessions() unbinds from the SMSC side and closes', async () => {
    const sim = await startSimulator();
    const a = await bound(sim);
    const b = await bound(sim);
    const sessionId = sim.sessions().find((s) => s.state === 'bound')?.sessionId as number;
    await sim.unbindSessions(sessionId);
    await vi.waitFor(() => expect(a.isClosed || b.isClosed).toBe(true));
    const [closed, open] = a.isClosed ? [a, b] : [b, a];
    expect(closed.received.some((p) => p.command === 'unbind')).toBe(true);
    expect(open.isClosed).toBe(false);
    await sim.unbindSessions();
    await open.waitClosed();
  });
});

describe('submit_sm (§4.4)', () => {
  it('answers with unique lower-case hex message ids and records each submit before answering', async () => {
    const sim = await startSimulator({ receipts: false });
    const seen: RecordedSubmit[] = [];
    sim.on('submit', (s) => seen.push(s));
    const client = await bound(sim, 'transmitter', { systemId: 'acme' });
    const resps = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        client.submit({
          destinationAddr: `3361234${String(i).padStart(4, '0')}`,
          shortMessage: Buffer.from(`m${i}`),
        }),
      ),
    );
    const ids = resps.map((r) => (r as Pdu<'submit_sm_resp'>).body.messageId);
    expect(resps.every((r) => r.command === 'submit_sm_resp' && r.commandStatus === 0)).toBe(true);
    expect(new Set(ids).size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}$/);
    expect(sim.submits).toHaveLength(50);
    expect(seen).toHaveLength(50);
    const first = sim.submits[0] as RecordedSubmit;
    expect(first).toMatchObject({ seq: 1, systemId: 'acme', sourceAddr: 'TEST', status: 0, outcome: 'ok' });
    expect(first.shortMessage.toString()).toBe('m0');
    expect(sim.submits.map((s) => s.messageId)).toEqual(ids);
    expect(sim.counters()).toMatchObject({ submits: 50, submitsOk: 50 });
  });

  it('gives decimal ids from the configured start when asked', async () => {
    const sim = await startSimulator({ messageIdFormat: 'decimal', messageIdStart: 1000, receipts: false });
    const client = await bound(sim, 'transceiver');
    const a = (await client.submit({ shortMessage: Buffer.from('a') })) as Pdu<'submit_sm_resp'>;
    const b = (await client.submit({ shortMessage: Buffer.from('b') })) as Pdu<'submit_sm_resp'>;
    expect([a.body.messageId, b.body.messageId]).toEqual(['1000', '1001']);
  });

  it('answers data_sm with data_sm_resp and records the message_payload', async () => {
    const sim = await startSimulator({ receipts: false });
    const client = await bound(sim, 'transceiver');
    const resp = await client.request(
      'data_sm',
      { sourceAddr: 'ACME', destinationAddr: '33611111111' },
      { tlvs: [{ tag: TlvTag.message_payload, value: Buffer.from('payload text') }] },
    );
    expect(resp).toMatchObject({ command: 'data_sm_resp', commandStatus: 0 });
    expect(sim.submits[0]?.command).toBe('data_sm');
    expect(sim.submits[0]?.shortMessage.toString()).toBe('payload text');
  });

  it('answers query_sm for known ids, and commands it does not serve with ESME_RINVCMDID', async () => {
    const sim = await startSimulator({ receipts: false, rules: [{ prefix: '3399', stat: 'EXPIRED' }] });
    const client = await bound(sim);
    const resp = (await client.submit({ destinationAddr: '33991234567' })) as Pdu<'submit_sm_resp'>;
    const query = await client.request('query_sm', { messageId: resp.body.messageId });
    expect(query).toMatchObject({ command: 'query_sm_resp', commandStatus: 0 });
    expect((query as Pdu<'query_sm_resp'>).body.messageState).toBe(MessageState.EXPIRED);
    expect((await client.request('query_sm', { messageId: 'nope' })).commandStatus).toBe(
      CommandStatus.ESME_RQUERYFAIL,
    );
    const cancel = await client.request('cancel_sm', { messageId: resp.body.messageId });
    expect(cancel).toMatchObject({ command: 'cancel_sm_resp', commandStatus: CommandStatus.ESME_RINVCMDID });
  });

  it('keeps at most maxRecordedSubmits records, dropping the oldest', async () => {
    const sim = await startSimulator({ receipts: false, maxRecordedSubmits: 10 });
    const client = await bound(sim);
    for (let i = 0; i < 25; i++) await client.submit({ shortMessage: Buffer.from(`m${i}`) });
    expect(sim.submits.length).toBeLessThanOrEqual(11);
    expect(sim.submits.at(-1)?.seq).toBe(25);
    expect(sim.findSubmit(25)?.shortMessage.toString()).toBe('m24');
    expect(sim.findSubmit(1)).toBeUndefined();
    expect(sim.counters().submits).toBe(25);
  });
});

describe('delivery receipts (§4.6.1, Appendix B)', () => {
  it('sends a receipt with the standard text and receipted_message_id / message_state TLVs', async () => {
    const sim = await startSimulator({ receiptDelayMs: 30 });
    const client = await bound(sim, 'transceiver', { systemId: 'acme' });
    const resp = (await client.submit({
      sourceAddr: 'ACME',
      sourceAddrTon: 5,
      destinationAddr: '33612345678',
      destAddrTon: 1,
      destAddrNpi: 1,
      registeredDelivery: 1,
      shortMessage: Buffer.from('Hello from the simulator test suite'),
    })) as Pdu<'submit_sm_resp'>;
    const receipt = (await client.waitFor(isDeliver)) as Pdu<'deliver_sm'>;
    const id = resp.body.messageId;
    expect(receipt.body).toMatchObject({
      esmClass: 0x04,
      dataCoding: 0,
      sourceAddr: '33612345678',
      sourceAddrTon: 1,
      sourceAddrNpi: 1,
      destinationAddr: 'ACME',
      destAddrTon: 5,
    });
    expect(tlvCString(receipt.tlvs, TlvTag.receipted_message_id)).toBe(id);
    expect(tlvUint(receipt.tlvs, TlvTag.message_state)).toBe(MessageState.DELIVERED);
    const text = receipt.body.shortMessage.toString('latin1');
    expect(text).toMatch(
      /^id:[0-9a-f]+ sub:001 dlvrd:001 submit date:\d{10} done date:\d{10} stat:DELIVRD err:000 text:Hello from the simul$/,
    );
    expect(parseReceiptText(text)).toMatchObject({
      id,
      stat: 'DELIVRD',
      err: '000',
      dlvrd: '001',
      text: 'Hello from the simul',
    });
    expect(sim.counters().receiptsSent).toBe(1);
  });

  it('follows destination rules: longest prefix wins, UNDELIV receipts, submitStatus answers', async () => {
    const sim = await startSimulator({
      rules: [
        { prefix: '33', stat: 'DELIVRD' },
        { prefix: '+3399', stat: 'UNDELIV' },
        { prefix: '33990', stat: 'EXPIRED', errorCode: 42 },
        { prefix: '3398', submitStatus: CommandStatus.ESME_RINVDSTADR },
      ],
    });
    const client = await bound(sim, 'transceiver');
    const undeliv = (await client.submit({
      destinationAddr: '33991234567',
      registeredDelivery: 1,
    })) as Pdu<'submit_sm_resp'>;
    const expired = (await client.submit({
      destinationAddr: '+33990000000',
      registeredDelivery: 1,
    })) as Pdu<'submit_sm_resp'>;
    const refused = await client.submit({ destinationAddr: '33981234567', registeredDelivery: 1 });
    expect(refused.commandStatus).toBe(CommandStatus.ESME_RINVDSTADR);
    const receipts = (await client.waitForCount(isDeliver, 2)) as Array<Pdu<'deliver_sm'>>;
    const byId = new Map(receipts.map((r) => [tlvCString(r.tlvs, TlvTag.receipted_message_id), r]));
    const u = byId.get(undeliv.body.messageId) as Pdu<'deliver_sm'>;
    expect(parseReceiptText(u.body.shortMessage.toString())).toMatchObject({
      stat: 'UNDELIV',
      dlvrd: '000',
      err: '001',
    });
    expect(tlvUint(u.tlvs, TlvTag.message_state)).toBe(MessageState.UNDELIVERABLE);
    const e = byId.get(expired.body.messageId) as Pdu<'deliver_sm'>;
    expect(parseReceiptText(e.body.shortMessage.toString())).toMatchObject({ stat: 'EXPIRED', err: '042' });
    expect(tlvUint(e.tlvs, TlvTag.message_state)).toBe(MessageState.EXPIRED);
    // A later submit's receipt (same delay, so it comes after any earlier one): none for the refused submit.
    const marker = (await client.submit({
      destinationAddr: '33611111111',
      registeredDelivery: 1,
    })) as Pdu<'submit_sm_resp'>;
    const all = (await client.waitForCount(isDeliver, 3)) as Array<Pdu<'deliver_sm'>>;
    expect(tlvCString(all[2]!.tlvs, TlvTag.receipted_message_id)).toBe(marker.body.messageId);
    expect(client.received.filter(isDeliver)).toHaveLength(3);
    expect(sim.counters()).toMatchObject({ submitsOk: 3, submitsFailed: 1 });
  });

  it('honours registered_delivery: none for 0, only failures for 2', async () => {
    const sim = await startSimulator({ rules: [{ prefix: '3399', stat: 'UNDELIV' }] });
    const client = await bound(sim, 'transceiver');
    await client.submit({ destinationAddr: '33611111111', registeredDelivery: 0 });
    await client.submit({ destinationAddr: '33611111111', registeredDelivery: 2 });
    const failed = (await client.submit({
      destinationAddr: '33991111111',
      registeredDelivery: 2,
    })) as Pdu<'submit_sm_resp'>;
    // A later submit asking for every receipt: its receipt comes after any the first two could have caused.
    const marker = (await client.submit({
      destinationAddr: '33611111111',
      registeredDelivery: 1,
    })) as Pdu<'submit_sm_resp'>;
    const [receipt, last] = (await client.waitForCount(isDeliver, 2)) as Array<Pdu<'deliver_sm'>>;
    expect(tlvCString(receipt!.tlvs, TlvTag.receipted_message_id)).toBe(failed.body.messageId);
    expect(tlvCString(last!.tlvs, TlvTag.receipted_message_id)).toBe(marker.body.messageId);
    expect(client.received.filter(isDeliver)).toHaveLength(2);
  });

  it("sends a receipt only to a receiver of the submitter's system_id, holding it until one binds", async () => {
    const sim = await startSimulator({ receiptDelayMs: 10 });
    const other = await bound(sim, 'receiver', { systemId: 'other' });
    const tx = await bound(sim, 'transmitter', { systemId: 'acme' });
    const resp = (await tx.submit({
      registeredDelivery: 1,
      shortMessage: Buffer.from('x'),
    })) as Pdu<'submit_sm_resp'>;
    await vi.waitFor(() => expect(sim.counters().receiptsQueued).toBe(1));
    expect(other.received.filter(isDeliver)).toHaveLength(0);
    const rx = await bound(sim, 'receiver', { systemId: 'acme' });
    const receipt = (await rx.waitFor(isDeliver)) as Pdu<'deliver_sm'>;
    expect(tlvCString(receipt.tlvs, TlvTag.receipted_message_id)).toBe(resp.body.messageId);
    expect(sim.counters().receiptsQueued).toBe(0);
  });

  it('re-sends a receipt on the next bind when the session dropped before deliver_sm_resp', async () => {
    const sim = await startSimulator({ receiptDelayMs: 10 });
    const silent = await bound(sim, 'transceiver', { systemId: 'acme' }, { autoRespond: false });
    const resp = (await silent.submit({ registeredDelivery: 1 })) as Pdu<'submit_sm_resp'>;
    await silent.waitFor(isDeliver);
    await silent.close();
    await vi.waitFor(() => expect(sim.counters().receiptsQueued).toBe(1));
    const next = await bound(sim, 'receiver', { systemId: 'acme' });
    const again = (await next.waitFor(isDeliver)) as Pdu<'deliver_sm'>;
    expect(tlvCString(again.tlvs, TlvTag.receipted_message_id)).toBe(resp.body.messageId);
    expect(sim.counters().receiptsSent).toBe(2);
  });

  it('sends a receipt again after ESME_RX_T_APPN (the ESME could not store it yet), as SMSCs do', async () => {
    const sim = await startSimulator({ receiptDelayMs: 10, receiptRetryMs: 50 });
    const client = await bound(sim, 'transceiver', { systemId: 'acme' }, { autoRespond: false });
    const resp = (await client.submit({ registeredDelivery: 1 })) as Pdu<'submit_sm_resp'>;
    const first = (await client.waitFor(isDeliver)) as Pdu<'deliver_sm'>;
    client.send(
      makePdu(
        'deliver_sm_resp',
        {},
        { sequenceNumber: first.sequenceNumber, commandStatus: CommandStatus.ESME_RX_T_APPN },
      ),
    );
    const [, again] = (await client.waitForCount(isDeliver, 2)) as Array<Pdu<'deliver_sm'>>;
    expect(tlvCString(again!.tlvs, TlvTag.receipted_message_id)).toBe(resp.body.messageId);
    client.send(makePdu('deliver_sm_resp', {}, { sequenceNumber: again!.sequenceNumber }));
    expect(sim.counters()).toMatchObject({ receiptsSent: 2, receiptsRetried: 1 });
  });

  it('sendReceipt drives a receipt by hand, by seq or message id', async () => {
    const sim = await startSimulator({ receipts: false });
    const client = await bound(sim, 'transceiver');
    const resp = (await client.submit({ shortMessage: Buffer.from('by hand') })) as Pdu<'submit_sm_resp'>;
    await sim.sendReceipt(1, 'REJECTD');
    await sim.sendReceipt(resp.body.messageId, 'DELIVRD');
    const [a, b] = (await client.waitForCount(isDeliver, 2)) as Array<Pdu<'deliver_sm'>>;
    expect(tlvUint(a?.tlvs ?? [], TlvTag.message_state)).toBe(MessageState.REJECTED);
    expect(tlvUint(b?.tlvs ?? [], TlvTag.message_state)).toBe(MessageState.DELIVERED);
    await expect(sim.sendReceipt('nope', 'DELIVRD')).rejects.toMatchObject({
      code: 'SIMULATOR_UNKNOWN_SUBMIT',
    });
  });
});

describe('MO injection (§4.6.1)', () => {
  it('delivers deliver_sm with exact bytes and resolves on deliver_sm_resp', async () => {
    const sim = await startSimulator();
    const client = await bound(sim, 'receiver', { systemId: 'acme' });
    const result = await sim.injectMo({ from: '33612345678', to: '36180', text: 'STOP' });
    expect(result.parts).toEqual([expect.objectContaining({ partNumber: 1, commandStatus: 0 })]);
    const mo = (await client.waitFor(isDeliver)) as Pdu<'deliver_sm'>;
    expect(
      encodePdu(mo).equals(
        encodePdu(
          makePdu(
            'deliver_sm',
            {
              sourceAddrTon: 1,
              sourceAddrNpi: 1,
              sourceAddr: '33612345678',
              destAddrTon: 3,
              destAddrNpi: 1,
              destinationAddr: '36180',
              esmClass: 0,
              dataCoding: 0,
              shortMessage: Buffer.from('STOP', 'ascii'),
            },
            { sequenceNumber: mo.sequenceNumber },
          ),
        ),
      ),
    ).toBe(true);
    expect(sim.counters().moSent).toBe(1);
  });

  it('passes raw short_message, data_coding, esm_class and TLVs through untouched', async () => {
    const sim = await startSimulator();
    const client = await bound(sim, 'transceiver');
    await sim.injectMo({
      from: '33600000001',
      to: '36180',
      shortMessage: Buffer.from([0x00, 0xe9]),
      dataCoding: 8,
      esmClass: 0,
      tlvs: [{ tag: TlvTag.source_port, value: Buffer.from([0x12, 0x34]) }],
    });
    const mo = (await client.waitFor(isDeliver)) as Pdu<'deliver_sm'>;
    expect(mo.body.dataCoding).toBe(8);
    expect(mo.body.shortMessage.toString('hex')).toBe('00e9');
    expect(tlvUint(mo.tlvs, TlvTag.source_port)).toBe(0x1234);
  });

  it('reports the ESME status of each part, and fails when no receiver is bound', async () => {
    const sim = await startSimulator();
    await expect(sim.injectMo({ from: '1', to: '2', text: 'x' })).rejects.toMatchObject({
      code: 'SIMULATOR_NO_RECEIVER',
    });
    await bound(sim, 'transmitter');
    await expect(sim.injectMo({ from: '1', to: '2', text: 'x' })).rejects.toMatchObject({
      code: 'SIMULATOR_NO_RECEIVER',
    });
    await bound(sim, 'receiver', {}, { deliverSmStatus: CommandStatus.ESME_RX_T_APPN });
    const result = await sim.injectMo({ from: '1', to: '2', text: 'x' });
    expect(result.parts[0]?.commandStatus).toBe(CommandStatus.ESME_RX_T_APPN);
  });

  it('round-robins MO over receiver sessions', async () => {
    const sim = await startSimulator();
    const a = await bound(sim, 'receiver');
    const b = await bound(sim, 'transceiver');
    for (let i = 0; i < 4; i++) await sim.injectMo({ from: '33600000001', to: '36180', text: `m${i}` });
    expect(a.received.filter(isDeliver)).toHaveLength(2);
    expect(b.received.filter(isDeliver)).toHaveLength(2);
  });

  it('sends a long ASCII MO as udh8 parts in the asked order 3,1,2 with the UDHI bit', async () => {
    const sim = await startSimulator();
    const client = await bound(sim, 'receiver');
    const text = 'A'.repeat(153) + 'B'.repeat(153) + 'C'.repeat(10);
    const result = await sim.injectMo({
      from: '33600000001',
      to: '36180',
      text,
      partOrder: [3, 1, 2],
      reference: 0x42,
    });
    expect(result.parts.map((p) => p.partNumber)).toEqual([3, 1, 2]);
    const parts = (await client.waitForCount(isDeliver, 3)) as Array<Pdu<'deliver_sm'>>;
    const udhs = parts.map((p) => p.body.shortMessage.subarray(0, 6).toString('hex'));
    expect(udhs).toEqual(['050003420303', '050003420301', '050003420302']);
    expect(parts.every((p) => (p.body.esmClass & 0x40) === 0x40 && p.body.dataCoding === 0)).toBe(true);
    expect(parts[1]?.body.shortMessage.subarray(6).toString()).toBe('A'.repeat(153));
    expect(parts[0]?.body.shortMessage.subarray(6).toString()).toBe('C'.repeat(10));
  });

  it('encodes text through the codec: GSM-7 with escapes, UCS-2 when needed, udh8 parts that reassemble', async () => {
    const sim = await startSimulator();
    const client = await bound(sim, 'receiver');
    await sim.injectMo({ from: '33600000001', to: '36180', text: 'a@b€' });
    await sim.injectMo({ from: '33600000001', to: '36180', text: 'Привет 👍' });
    const long = 'Ça coûte 5€ — ' + 'Ж'.repeat(120);
    await sim.injectMo({ from: '33600000001', to: '36180', text: long, partOrder: [2, 1], reference: 7 });
    const [gsm, ucs2, second, first] = (await client.waitForCount(isDeliver, 4)) as Array<Pdu<'deliver_sm'>>;
    // GSM 03.38 unpacked: '@' is 0x00, '€' is the escape 0x1B 0x65.
    expect(gsm?.body.dataCoding).toBe(0);
    expect(gsm?.body.shortMessage.toString('hex')).toBe('6100621b65');
    expect(ucs2?.body.dataCoding).toBe(8);
    expect(decodeShortMessage(ucs2?.body.shortMessage ?? Buffer.alloc(0), 8).text).toBe('Привет 👍');
    const parts = [first, second].map((p) =>
      decodeShortMessage(p?.body.shortMessage ?? Buffer.alloc(0), p?.body.dataCoding ?? 0, {
        udhi: ((p?.body.esmClass ?? 0) & 0x40) !== 0,
      }),
    );
    expect(parts.map((p) => p.udh?.concat)).toEqual([
      { reference: 7, total: 2, sequence: 1, referenceBits: 8 },
      { reference: 7, total: 2, sequence: 2, referenceBits: 8 },
    ]);
    expect(parts.map((p) => p.text).join('')).toBe(long);
  });

  it('refuses MO it cannot encode or address', async () => {
    const sim = await startSimulator();
    await bound(sim, 'receiver');
    await expect(sim.injectMo({ from: '1'.repeat(21), to: '2', text: 'x' })).rejects.toMatchObject({
      code: 'SIMULATOR_BAD_INPUT',
    });
    await expect(sim.injectMo({ from: '1', to: '2', text: 'x', partOrder: [2] })).rejects.toMatchObject({
      code: 'SIMULATOR_BAD_INPUT',
    });
    await expect(sim.injectMo({ from: '1', to: '2', text: 'x', reference: 300 })).rejects.toMatchObject({
      code: 'SIMULATOR_BAD_INPUT',
    });
  });

  it('sends sar concatenation as TLVs (§5.3.2.22–24)', async () => {
    const sim = await startSimulator();
    const client = await bound(sim, 'receiver');
    await sim.injectMo({
      from: '1',
      to: '2',
      text: 'x'.repeat(200),
      concatenation: 'sar',
      reference: 0x1234,
    });
    const parts = (await client.waitForCount(isDeliver, 2)) as Array<Pdu<'deliver_sm'>>;
    expect(parts.map((p) => tlvUint(p.tlvs, TlvTag.sar_segment_seqnum))).toEqual([1, 2]);
    expect(parts.every((p) => tlvUint(p.tlvs, TlvTag.sar_msg_ref_num) === 0x1234)).toBe(true);
    expect(parts.every((p) => tlvUint(p.tlvs, TlvTag.sar_total_segments) === 2)).toBe(true);
    expect(parts.every((p) => (p.body.esmClass & 0x40) === 0)).toBe(true);
  });
});

describe('bad input never takes the simulator down', () => {
  it('answers an unknown command_id with generic_nack ESME_RINVCMDID and keeps the session', async () => {
    const sim = await startSimulator({ receipts: false });
    const client = await bound(sim);
    const header = Buffer.alloc(HEADER_LENGTH);
    header.writeUInt32BE(HEADER_LENGTH, 0);
    header.writeUInt32BE(0x00000999, 4);
    header.writeUInt32BE(0, 8);
    header.writeUInt32BE(77, 12);
    const nack = await client.awaitResponse(77, 2_000, () => client.writeRaw(header));
    expect(nack).toMatchObject({
      command: 'generic_nack',
      commandStatus: CommandStatus.ESME_RINVCMDID,
      sequenceNumber: 77,
    });
    expect((await client.submit({ shortMessage: Buffer.from('still here') })).commandStatus).toBe(0);
    expect(sim.counters()).toMatchObject({ unknownCommands: 1, genericNacks: 1 });
  });

  it('answers a malformed submit_sm with generic_nack carrying its status, and the session goes on', async () => {
    const sim = await startSimulator({ receipts: false });
    const client = await bound(sim);
    // sm_length says 200 octets, but only 2 follow: §5.2.21 violated, framing intact.
    const good = encodePdu(
      makePdu('submit_sm', { destinationAddr: '1', shortMessage: Buffer.from('ab') }, { sequenceNumber: 5 }),
    );
    const bad = Buffer.from(good);
    bad[bad.length - 3] = 200;
    const nack = await client.awaitResponse(5, 2_000, () => client.writeRaw(bad));
    expect(nack).toMatchObject({ command: 'generic_nack', commandStatus: CommandStatus.ESME_RINVMSGLEN });
    expect((await client.submit({ shortMessage: Buffer.from('ok') })).commandStatus).toBe(0);
    expect(sim.counters()).toMatchObject({ malformedPdus: 1, genericNacks: 1, submits: 1 });
  });

  it('closes a connection that sends an impossible command_length, and still serves the others', async () => {
    const sim = await startSimulator({ receipts: false });
    const other = await bound(sim);
    const broken = await bound(sim);
    const header = Buffer.alloc(HEADER_LENGTH);
    header.writeUInt32BE(4, 0); // shorter than the header itself
    header.writeUInt32BE(0x00000004, 4);
    broken.writeRaw(header);
    await broken.waitClosed();
    await vi.waitFor(() => expect(sim.counters()).toMatchObject({ malformedPdus: 1, activeSessions: 1 }));
    expect((await other.submit({ shortMessage: Buffer.from('fine') })).commandStatus).toBe(0);
    const fresh = await bound(sim);
    expect((await fresh.request('enquire_link', {})).command).toBe('enquire_link_resp');
  });

  it('survives random bytes on many connections', async () => {
    const sim = await startSimulator({ receipts: false });
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    };
    for (let i = 0; i < 20; i++) {
      const client = await connect(sim);
      const length = 16 + (random() % 48);
      const frame = Buffer.from(Array.from({ length }, random));
      frame.writeUInt32BE(length, 0);
      frame.writeUInt32BE([0x04, 0x09, 0x15, 0x103, 0x06, 0x80000005][i % 6] ?? 4, 4);
      client.writeRaw(frame);
    }
    await sleep(100);
    const client = await bound(sim);
    expect((await client.submit({ shortMessage: Buffer.from('alive') })).commandStatus).toBe(0);
  });
});

describe('stop()', () => {
  it('unbinds sessions, closes the listener, and is idempotent', async () => {
    const sim = await startSimulator();
    const client = await bound(sim);
    const port = sim.address?.port as number;
    await Promise.all([sim.stop(), sim.stop()]);
    await client.waitClosed();
    expect(client.received.some((p) => p.command === 'unbind')).toBe(true);
    expect(sim.address).toBeUndefined();
    await expect(TestEsme.connect(port)).rejects.toThrow();
  });

  it('start() is idempotent, and stop() during start() leaves nothing listening', async () => {
    const sim = new SmscSimulator({ port: 0 });
    const [a, b] = await Promise.all([sim.start(), sim.start()]);
    expect(a).toEqual(b);
    await sim.stop();
    const racing = new SmscSimulator({ port: 0 });
    const started = racing.start();
    await racing.stop();
    const { port } = await started;
    await expect(TestEsme.connect(port)).rejects.toThrow();
    await expect(racing.start()).resolves.toEqual({ host: '127.0.0.1', port });
    expect(racing.address).toBeUndefined();
  });

  it('closes within the unbind bound even when the ESME never answers unbind', async () => {
    const sim = await startSimulator({ unbindTimeoutMs: 100 });
    const client = await bound(sim, 'transceiver', {}, { autoRespond: false });
    const started = Date.now();
    await sim.stop();
    await client.waitClosed();
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('leaves no timer behind: pending receipts and slow responses are cleared (fake timers)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    try {
      const sim = await startSimulator({
        receiptDelayMs: 60_000,
        scenarios: [{ name: 'slowResponse', delayMs: 30_000 }],
      });
      const client = await bound(sim, 'transceiver');
      client.submit({ registeredDelivery: 1 }).catch(() => undefined);
      await vi.waitFor(() => expect(sim.submits).toHaveLength(1), { interval: 5 });
      // The receipt timer, the delayed response, and the test client's own response timeout.
      expect(vi.getTimerCount()).toBeGreaterThanOrEqual(2);
      await sim.stop();
      await client.close();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
