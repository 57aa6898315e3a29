// Receipts and MO back to the platform as deliver_sm: what was produced while it was unbound goes out in
// order when it binds; an error deliver_sm_resp is retried with back-off, then dropped and counted.
import { describe, expect, it } from 'vitest';
import smpp from 'smpp';
import { eventually, startServer } from './harness.js';

const E = smpp.errors;

describe('receipts and MO', () => {
  it('receipts produced while the platform was unbound reach it, in order, when it binds again', async () => {
    const h = await startServer();
    const sender = await h.bound('transmitter');
    const ids: string[] = [];
    for (const text of ['first message', 'second message', 'third message']) {
      const resp = await sender.submit({ source_addr: 'ACME', registered_delivery: 1, short_message: text });
      ids.push(String(resp.message_id));
    }
    await sender.unbind();
    h.store.setStatus(ids[0]!, { state: 'confirmed', at: Date.parse('2026-03-09T08:09:00Z') });
    h.store.setStatus(ids[1]!, {
      state: 'error',
      errorStage: 'receipt',
      errorCode: 'UNDELIV',
      networkError: '1',
    });
    h.store.setStatus(ids[2]!, { state: 'error', errorStage: 'policy', errorCode: 'OPTED_OUT' });
    for (const id of ids) h.store.produceReceipt(id);
    await new Promise((r) => setTimeout(r, 100));
    expect(h.store.pendingItems).toBe(3);

    const receiver = await h.bound('receiver');
    h.server.wake('acme');
    const delivered = await receiver.waitDelivered(3);
    expect(delivered.map((p) => p.receipted_message_id)).toEqual(ids);
    expect(delivered.map((p) => p.message_state)).toEqual([2, 5, 8]);
    expect(delivered.every((p) => p.esm_class === 0x04)).toBe(true);
    const first = delivered[0]!;
    expect(first.source_addr).toBe('33612345678');
    expect(first.destination_addr).toBe('ACME');
    const text = (first.short_message as { message: string }).message;
    expect(text).toMatch(
      new RegExp(
        `^id:${ids[0]} sub:001 dlvrd:001 submit date:\\d{10} done date:2603090809 stat:DELIVRD err:000 text:first message$`,
      ),
    );
    expect((delivered[1]!.short_message as { message: string }).message).toContain('stat:UNDELIV err:001');
    expect((delivered[2]!.short_message as { message: string }).message).toContain('stat:REJECTD');
    await eventually(() => h.store.doneItems.length === 3, 2_000, 'items done');
    expect(h.store.pendingItems).toBe(0);
  });

  it('an MO for the account goes out as a deliver_sm with its text (UCS-2 when it must)', async () => {
    const h = await startServer();
    const client = await h.bound('transceiver');
    h.store.produce('acme', { kind: 'mo', from: '+33612345678', to: '36180', text: 'STOP' });
    h.store.produce('acme', { kind: 'mo', from: '+33612345678', to: '36180', text: 'Спасибо 😀' });
    h.server.wake('acme');
    const [stop, thanks] = await client.waitDelivered(2);
    expect(stop).toMatchObject({
      source_addr: '33612345678',
      destination_addr: '36180',
      esm_class: 0,
      data_coding: 0,
    });
    expect((stop!.short_message as { message: string }).message).toBe('STOP');
    expect(thanks!.data_coding).toBe(8);
    expect((thanks!.short_message as { message: string }).message).toBe('Спасибо 😀');
  });

  it('items of another account never reach this platform', async () => {
    const h = await startServer();
    const client = await h.bound('transceiver');
    h.store.produce('globex', { kind: 'mo', from: '+33612345678', to: '36180', text: 'not yours' });
    h.store.produce('acme', { kind: 'mo', from: '+33612345678', to: '36180', text: 'yours' });
    h.server.wake('acme');
    await client.waitDelivered(1);
    await new Promise((r) => setTimeout(r, 150));
    expect(client.delivered.map((p) => (p.short_message as { message: string }).message)).toEqual(['yours']);
  });

  it('is read at the poll interval without a wake()', async () => {
    const h = await startServer();
    const client = await h.bound('receiver');
    h.store.produce('acme', { kind: 'mo', from: '+33612345678', to: '36180', text: 'polled' });
    await client.waitDelivered(1, 2_000);
  });

  it('retries a deliver_sm answered with an error, with a doubling back-off, then drops it and counts it', async () => {
    const h = await startServer({
      smppServer: { outbox: { maxAttempts: 3, retryInitialMs: 20, retryMaxMs: 1000, pollIntervalMs: 20 } },
    });
    const client = await h.bound('receiver');
    client.deliverStatus = E.ESME_RX_T_APPN;
    const itemId = h.store.produce('acme', { kind: 'mo', from: '+33612345678', to: '36180', text: 'again' });
    h.server.wake('acme');
    await eventually(() => h.dropped.length === 1, 3_000, 'drop');
    expect(client.delivered).toHaveLength(3);
    expect(h.store.retries.map((r) => r.delayMs)).toEqual([20, 40]);
    expect(h.store.droppedItems).toEqual([{ itemId, reason: 'attempts exhausted: ESME_RX_T_APPN' }]);
    expect(h.dropped[0]).toMatchObject({ account: 'acme', reason: 'attempts exhausted: ESME_RX_T_APPN' });
  });

  it('a receipt answered with an error once is delivered on its retry', async () => {
    const h = await startServer();
    const client = await h.bound('receiver');
    let n = 0;
    client.deliverStatus = () => (n++ === 0 ? E.ESME_RX_T_APPN : 0);
    h.store.produce('acme', { kind: 'mo', from: '+33612345678', to: '36180', text: 'hello' });
    h.server.wake('acme');
    await eventually(() => h.store.doneItems.length === 1, 3_000, 'done');
    expect(client.delivered).toHaveLength(2);
    expect(h.dropped).toHaveLength(0);
  });

  it('a transmitter bind receives nothing', async () => {
    const h = await startServer();
    const client = await h.bound('transmitter');
    h.store.produce('acme', { kind: 'mo', from: '+33612345678', to: '36180', text: 'wait for a receiver' });
    h.server.wake('acme');
    await new Promise((r) => setTimeout(r, 150));
    expect(client.delivered).toHaveLength(0);
    expect(h.store.pendingItems).toBe(1);
  });
});
