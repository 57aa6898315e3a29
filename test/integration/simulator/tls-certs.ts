// A throw-away CA and a server certificate it signs (CN localhost, SAN localhost and 127.0.0.1), made
// with the openssl CLI in a temporary directory, for TLS tests against the simulator.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
  /** A second, unrelated CA: a client trusting only this one must refuse the server. */
  otherCa: Buffer;
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'smsc-sim-pki-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  try {
    for (const name of ['ca', 'other']) {
      ssl(
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        `/CN=Test ${name} CA`,
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.crt`,
      );
    }
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
    );
    execFileSync('sh', ['-c', 'printf "subjectAltName=DNS:localhost,IP:127.0.0.1\\n" > san.ext'], {
      cwd: dir,
    });
    ssl(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      'san.ext',
      '-out',
      'server.crt',
    );
    return {
      ca: readFileSync(join(dir, 'ca.crt')),
      cert: readFileSync(join(dir, 'server.crt')),
      key: readFileSync(join(dir, 'server.key')),
      otherCa: readFileSync(join(dir, 'other.crt')),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
