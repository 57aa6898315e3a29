// TLS listeners: beside the plain one (tls.listen), or instead of it (no tls.listen).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../simulator/tls-certs.js';
import { startServer } from './harness.js';

let pki: TestPki;
let dir: string;
let files: { cert: string; key: string };

beforeAll(() => {
  pki = makeTestPki();
  dir = mkdtempSync(join(tmpdir(), 'smpp-server-tls-'));
  files = { cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
  writeFileSync(files.cert, pki.cert);
  writeFileSync(files.key, pki.key);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TLS', () => {
  it('binds and submits over the TLS listener beside the plain one', async () => {
    const h = await startServer({ smppServer: { tls: { listen: '127.0.0.1:0', ...files } } });
    expect(h.tlsPort).toBeDefined();
    expect(h.tlsPort).not.toBe(h.port);
    const client = await h.connect({ tls: { ca: pki.ca } });
    expect((await client.bind('transceiver', 'acme', 'secret1')).command_status).toBe(0);
    expect((await client.submit({ source_addr: 'ACME', short_message: 'secure' })).command_status).toBe(0);
    expect(h.store.submitted[0]?.message.text).toBe('secure');
    const plain = await h.connect();
    expect((await plain.bind('transceiver', 'acme', 'secret1')).command_status).toBe(0);
  });

  it('without tls.listen, smppServer.listen itself serves TLS', async () => {
    const h = await startServer({ smppServer: { tls: files } });
    expect(h.server.addresses.plain).toBeUndefined();
    const client = await h.connect({ tls: { ca: pki.ca } });
    expect((await client.bind('transmitter', 'acme', 'secret1')).command_status).toBe(0);
    // A plain-TCP bind there is not an SMPP session: the handshake fails and the connection goes.
    const socket = net.connect(h.port, '127.0.0.1');
    await new Promise<void>((resolve) => {
      socket.on('error', () => undefined);
      socket.once('close', () => resolve());
      socket.write(Buffer.alloc(64, 1));
    });
    expect(h.binds.count('acme')).toBe(1);
  });

  it('refuses to start with an unreadable certificate (SMPP_SERVER_TLS_FILES)', async () => {
    await expect(
      startServer({ smppServer: { tls: { cert: join(dir, 'missing.crt'), key: files.key } } }),
    ).rejects.toMatchObject({
      code: 'SMPP_SERVER_TLS_FILES',
    });
  });
});
