// Source-network checks for binds (accounts[].smpp.allowedNetworks): CIDR blocks, IPv4 and IPv6, matched on
// the peer address as the socket reports it. An IPv4 peer on a dual-stack listener shows as ::ffff:a.b.c.d
// and still matches IPv4 blocks.
import { isIP } from 'node:net';

export interface Cidr {
  family: 4 | 6;
  network: bigint;
  prefix: number;
}

function parseIpv4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    n = (n << 8n) | BigInt(part);
  }
  return n;
}

function parseIpv6(input: string): bigint | undefined {
  const s = input.split('%')[0] ?? '';
  if (isIP(s) !== 6) return undefined;
  let head = s;
  let tailV4: bigint | undefined;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    tailV4 = parseIpv4(s.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const [left = '', right] = head.split('::');
  const leftGroups = left === '' ? [] : left.split(':');
  const rightGroups = right === undefined || right === '' ? [] : right.split(':');
  const missing = 8 - leftGroups.length - rightGroups.length;
  const groups =
    right === undefined ? leftGroups : [...leftGroups, ...Array<string>(missing).fill('0'), ...rightGroups];
  if (groups.length !== 8) return undefined;
  let n = 0n;
  for (const group of groups) n = (n << 16n) | BigInt(Number.parseInt(group, 16));
  if (tailV4 !== undefined) n = (n & ~0xffffffffn) | tailV4;
  return n;
}

/** Parse `address/prefix`; undefined when it is not a CIDR block. Host bits are cleared (10.1.2.3/8 = 10/8). */
export function parseCidr(s: string): Cidr | undefined {
  const slash = s.lastIndexOf('/');
  if (slash < 0 || !/^\d{1,3}$/.test(s.slice(slash + 1))) return undefined;
  const address = s.slice(0, slash);
  const prefix = Number(s.slice(slash + 1));
  const v4 = parseIpv4(address);
  if (v4 !== undefined)
    return prefix <= 32 ? { family: 4, network: v4 & mask(32, prefix), prefix } : undefined;
  const v6 = parseIpv6(address);
  if (v6 !== undefined)
    return prefix <= 128 ? { family: 6, network: v6 & mask(128, prefix), prefix } : undefined;
  return undefined;
}

function mask(bits: number, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return all ^ ((1n << BigInt(bits - prefix)) - 1n);
}

/** The address as (family, number), IPv4-mapped IPv6 (::ffff:0:0/96) folded to IPv4. */
function parseAddress(address: string): { family: 4 | 6; value: bigint } | undefined {
  const v4 = parseIpv4(address);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseIpv6(address);
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === 0xffffn) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

export function cidrContains(cidr: Cidr, address: string): boolean {
  const parsed = parseAddress(address);
  if (!parsed || parsed.family !== cidr.family) return false;
  return (parsed.value & mask(cidr.family === 4 ? 32 : 128, cidr.prefix)) === cidr.network;
}

/** Whether `address` is in any of `cidrs`; an address that cannot be read matches nothing. */
export function addressAllowed(cidrs: readonly Cidr[], address: string | undefined): boolean {
  if (address === undefined) return false;
  return cidrs.some((cidr) => cidrContains(cidr, address));
}
