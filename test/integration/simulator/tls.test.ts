// The simulator's TLS listener: a bind over TLS with a trusted self-signed CA, and a refused handshake when
// the client trusts another CA.
import { beforeAll, describe, expect, it } from 'vitest';
import { TestEsme } from '../../helpers/smpp-client.js';
import { bound, startSimulator } from './harness.js';
import { makeTestPki, type TestPki } from './tls-certs.js';

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});

describe('TLS listener', () => {
  it('binds and submits over TLS when the client trusts the CA', async () => {
    const sim = await startSimulator({ tls: { cert: pki.cert, key: pki.key }, receipts: false });
    const client = await bound(sim, 'transceiver', {}, { tls: { ca: pki.ca, servername: 'localhost' } });
    expect((await client.submit({ shortMessage: Buffer.from('secure') })).commandStatus).toBe(0);
    expect(sim.submits[0]?.shortMessage.toString()).toBe('secure');
  });

  it('fails the handshake when the certificate does not chain to the trusted CA', async () => {
    const sim = await startSimulator({ tls: { cert: pki.cert, key: pki.key } });
    const port = sim.address?.port as number;
    await expect(
      TestEsme.connect(port, { tls: { ca: pki.otherCa, servername: 'localhost' } }),
    ).rejects.toThrow(/self[- ]signed|unable to (verify|get)/i);
    expect(sim.counters().binds).toBe(0);
  });

  it('fails the handshake when the host name does not match', async () => {
    const sim = await startSimulator({ tls: { cert: pki.cert, key: pki.key } });
    const port = sim.address?.port as number;
    await expect(
      TestEsme.connect(port, { tls: { ca: pki.ca, servername: 'smsc.example.net' } }),
    ).rejects.toThrow(/altnames|does not match/i);
  });
});
