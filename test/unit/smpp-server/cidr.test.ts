// allowedNetworks matching: IPv4, IPv6, IPv4-mapped peers, host bits, malformed blocks.
import { describe, expect, it } from 'vitest';
import { isCidr } from '../../../src/config/schema.js';
import { addressAllowed, cidrContains, parseCidr, type Cidr } from '../../../src/smpp-server/index.js';

const cidr = (s: string): Cidr => {
  const c = parseCidr(s);
  if (!c) throw new Error(`not a CIDR: ${s}`);
  return c;
};

describe('cidrContains', () => {
  it.each([
    ['127.0.0.0/8', '127.0.0.1', true],
    ['127.0.0.0/8', '128.0.0.1', false],
    ['192.0.2.0/24', '192.0.2.255', true],
    ['192.0.2.0/24', '192.0.3.0', false],
    ['192.0.2.7/32', '192.0.2.7', true],
    ['192.0.2.7/32', '192.0.2.8', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['10.1.2.3/8', '10.200.0.1', true],
    ['127.0.0.0/8', '::ffff:127.0.0.1', true],
    ['127.0.0.0/8', '::1', false],
    ['::1/128', '::1', true],
    ['::1/128', '::2', false],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['2001:db8:0:0:0:0:0:0/64', '2001:db8::abcd', true],
    ['fe80::/10', 'fe80::1%eth0', true],
    ['::/0', '2001:db8::1', true],
    ['::/0', '127.0.0.1', false],
    ['::ffff:0:0/96', '::ffff:10.0.0.1', false],
  ])('%s contains %s: %s', (block, address, expected) => {
    expect(cidrContains(cidr(block), address)).toBe(expected);
  });
});

describe('parseCidr and the schema check agree on what a block is', () => {
  it.each([
    '10.0.0.0/33',
    '10.0.0/8',
    '10.0.0.256/8',
    '::1/129',
    'localhost/8',
    '10.0.0.0',
    '10.0.0.0/x',
    '',
  ])('%s is not a block', (s) => {
    expect(parseCidr(s)).toBeUndefined();
    expect(isCidr(s)).toBe(false);
  });

  it.each(['10.0.0.0/8', '0.0.0.0/0', '::/0', '2001:db8::/32', '::ffff:127.0.0.1/128'])(
    '%s is a block',
    (s) => {
      expect(parseCidr(s)).toBeDefined();
      expect(isCidr(s)).toBe(true);
    },
  );
});

describe('addressAllowed', () => {
  it('any block will do; an unknown peer address matches none', () => {
    const blocks = [cidr('192.0.2.0/24'), cidr('2001:db8::/32')];
    expect(addressAllowed(blocks, '2001:db8::5')).toBe(true);
    expect(addressAllowed(blocks, '192.0.2.5')).toBe(true);
    expect(addressAllowed(blocks, '198.51.100.1')).toBe(false);
    expect(addressAllowed(blocks, undefined)).toBe(false);
    expect(addressAllowed(blocks, 'not-an-address')).toBe(false);
  });
});
