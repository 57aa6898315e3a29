// Bytes a platform should not send, and links that go quiet: generic_nack where the spec allows the session
// to go on (§3.3, §4.3), a close where framing is lost (§3.2), keepalive, and pre-split messages whose parts
// never all arrive.
import { describe, expect, it } from 'vitest';
import { encodeGsm7 } from '../../../src/codec/index.js';
import { CommandStatus, encodePdu, makePdu } from '../../../src/smpp/pdu/index.js';
import { TestEsme } from '../../helpers/smpp-client.js';
import { eventually, startServer } from './harness.js';

async function boundEsme(
  port: number,
  options: Parameters<typeof TestEsme.connect>[1] = {},
): Promise<TestEsme> {
  const esme = await TestEsme.connect(port, options);
  const resp = await esme.bind('transceiver', { systemId: 'acme', password: 'secret1' });
  if (resp.commandStatus !== 0) throw new Error(`bind refused ${resp.commandStatus}`);
  return esme;
}

function header(length: number, commandId: number, sequenceNumber: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(length, 0);
  b.writeUInt32BE(commandId, 4);
  b.writeUInt32BE(0, 8);
  b.writeUInt32BE(sequenceNumber, 12);
  return b;
}

describe('malformed input', () => {
  it('an unknown command_id gets generic_nack ESME_RINVCMDID, and the session goes on', async () => {
    const h = await startServer();
    const esme = await boundEsme(h.port);
    esme.writeRaw(header(16, 0x00000777, 901));
    const nack = await esme.awaitResponse(901);
    expect(nack).toMatchObject({ command: 'generic_nack', commandStatus: CommandStatus.ESME_RINVCMDID });
    expect(
      (await esme.submit({ sourceAddr: 'ACME', shortMessage: Buffer.from('still here') })).commandStatus,
    ).toBe(0);
    await esme.close();
  });

  it('a submit_sm whose sm_length overruns the PDU gets generic_nack ESME_RINVMSGLEN, and the session goes on', async () => {
    const h = await startServer();
    const esme = await boundEsme(h.port);
    const good = encodePdu(
      makePdu(
        'submit_sm',
        { sourceAddr: 'ACME', destinationAddr: '33612345678', shortMessage: Buffer.from('abc') },
        { sequenceNumber: 902 },
      ),
    );
    const smLengthAt = good.length - 4;
    good.writeUInt8(200, smLengthAt);
    esme.writeRaw(good);
    expect(await esme.awaitResponse(902)).toMatchObject({
      command: 'generic_nack',
      commandStatus: CommandStatus.ESME_RINVMSGLEN,
    });
    expect((await esme.submit({ sourceAddr: 'ACME', shortMessage: Buffer.from('next') })).commandStatus).toBe(
      0,
    );
    await esme.close();
  });

  it('a C-string without its NUL gets generic_nack ESME_RINVCMDLEN, and the session goes on', async () => {
    const h = await startServer();
    const esme = await boundEsme(h.port);
    const body = Buffer.from('ACME-no-terminator');
    esme.writeRaw(Buffer.concat([header(16 + body.length, 0x00000003, 903), body]));
    expect(await esme.awaitResponse(903)).toMatchObject({
      command: 'generic_nack',
      commandStatus: CommandStatus.ESME_RINVCMDLEN,
    });
    expect((await esme.request('enquire_link', {})).commandStatus).toBe(0);
    await esme.close();
  });

  it('garbage with an impossible command_length closes the connection (framing is lost)', async () => {
    const h = await startServer();
    const esme = await boundEsme(h.port);
    esme.writeRaw(Buffer.from('GET / HTTP/1.1\r\nHost: example\r\n\r\n'));
    await esme.waitClosed();
    await eventually(() => h.binds.count('acme') === 0, 2_000, 'bind released');
  });

  it('a refused part does not stop the next one', async () => {
    const h = await startServer();
    const esme = await boundEsme(h.port);
    const udh = (seq: number) => Buffer.from([0x05, 0x00, 0x03, 0x11, 0x02, seq]);
    // Octet 0x80 is not GSM-7: refused at once, before it is gathered.
    const bad = await esme.submit({
      sourceAddr: 'ACME',
      esmClass: 0x40,
      shortMessage: Buffer.concat([udh(1), Buffer.from([0x80])]),
    });
    expect(bad.commandStatus).toBe(0x104);
    const good = await esme.submit({
      sourceAddr: 'ACME',
      esmClass: 0x40,
      shortMessage: Buffer.concat([udh(1), Buffer.from(encodeGsm7('one '))]),
    });
    expect(good.commandStatus).toBe(0);
    await esme.close();
  });
});

describe('keepalive', () => {
  it('sends enquire_link to an idle platform and closes the session after the misses', async () => {
    const h = await startServer({
      smppServer: { enquireLinkSeconds: 1, enquireLinkMaxMisses: 2, responseTimeoutMs: 150 },
    });
    const esme = await boundEsme(h.port, { autoRespond: false });
    await esme.waitFor((p) => p.command === 'enquire_link', 3_000);
    await esme.waitClosed(3_000);
    expect(esme.received.filter((p) => p.command === 'enquire_link').length).toBe(2);
  });

  it('keeps a platform that answers', async () => {
    const h = await startServer({ smppServer: { enquireLinkSeconds: 1, responseTimeoutMs: 150 } });
    const esme = await boundEsme(h.port);
    await esme.waitFor((p) => p.command === 'enquire_link', 3_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(esme.isClosed).toBe(false);
    await esme.close();
  });
});

describe('pre-split messages that never complete', () => {
  it('after partTimeoutSeconds the message is abandoned with PARTS_MISSING (a REJECTD receipt follows), its parts forgotten', async () => {
    let now = Date.parse('2026-04-01T10:00:00Z');
    const h = await startServer({ smppServer: { partTimeoutSeconds: 60 }, server: { now: () => now } });
    const esme = await boundEsme(h.port);
    const part = await esme.submit({
      sourceAddr: 'ACME',
      esmClass: 0x40,
      registeredDelivery: 1,
      shortMessage: Buffer.concat([
        Buffer.from([0x05, 0x00, 0x03, 0x21, 0x03, 0x01]),
        Buffer.from(encodeGsm7('one ')),
      ]),
    });
    expect(part.commandStatus).toBe(0);
    const id = (part.body as { messageId: string }).messageId;
    expect(await h.server.sweep()).toBe(0);
    now += 61_000;
    expect(await h.server.sweep()).toBe(1);
    expect(h.store.abandoned).toEqual([
      {
        account: 'acme',
        id,
        message: {
          to: '+33600000000',
          from: 'ACME',
          registeredDelivery: 1,
          code: 'PARTS_MISSING',
          received: 1,
          total: 3,
        },
      },
    ]);
    expect(h.gatherer.size).toBe(0);
    expect(h.store.submitted).toHaveLength(0);
    await esme.close();
  });

  it('a message complete but refused by the ingress is kept for a retry of its last part', async () => {
    const h = await startServer();
    const esme = await boundEsme(h.port);
    const udh = (seq: number) => Buffer.from([0x05, 0x00, 0x03, 0x22, 0x02, seq]);
    let refuse = true;
    h.store.decide = () => (refuse ? { ok: false, code: 'RATE_LIMITED' } : undefined);
    const first = await esme.submit({
      sourceAddr: 'ACME',
      esmClass: 0x40,
      shortMessage: Buffer.concat([udh(1), Buffer.from(encodeGsm7('a'))]),
    });
    const last = () =>
      esme.submit({
        sourceAddr: 'ACME',
        esmClass: 0x40,
        shortMessage: Buffer.concat([udh(2), Buffer.from(encodeGsm7('b'))]),
      });
    expect((await last()).commandStatus).toBe(CommandStatus.ESME_RTHROTTLED);
    refuse = false;
    const retried = await last();
    expect(retried.commandStatus).toBe(0);
    expect((retried.body as { messageId: string }).messageId).toBe(
      (first.body as { messageId: string }).messageId,
    );
    expect(h.store.submitted.map((s) => s.message.text)).toEqual(['ab']);
    await esme.close();
  });
});
