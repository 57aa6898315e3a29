// API keys as the configuration gives them: in clear, or as `sha256:<64 hex>` so that a config file (or a
// leak of one) does not hand out working keys. A presented key is hashed and compared digest to digest in
// constant time; a clear configured key is hashed once at start, so both forms compare the same way.
import { createHash, timingSafeEqual } from 'node:crypto';

export const API_KEY_HASH_PREFIX = 'sha256:';
/** The one accepted hashed form; anything else starting with `sha256:` is a configuration error. */
export const API_KEY_HASH = /^sha256:[0-9a-fA-F]{64}$/;

/** A configured `sha256:<hex>` entry: it authenticates a key, but is no key anyone can send. */
export function isHashedApiKey(entry: string): boolean {
  return API_KEY_HASH.test(entry);
}

/** `sha256:<hex>` of a clear key: what `smpp-gateway config hash-key KEY` prints. */
export function hashApiKey(key: string): string {
  return API_KEY_HASH_PREFIX + createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * The SHA-256 digest a configured entry stands for: the hash itself for `sha256:<hex>`, the hash of the
 * entry otherwise. Two entries with equal digests accept the same presented key.
 */
export function configuredKeyDigest(entry: string): Buffer {
  if (API_KEY_HASH.test(entry)) return Buffer.from(entry.slice(API_KEY_HASH_PREFIX.length), 'hex');
  return createHash('sha256').update(entry, 'utf8').digest();
}

/** Configured keys and whom each one authenticates (an account, or the admin). */
export class KeyRing<T> {
  private readonly entries: Array<{ digest: Buffer; owner: T }> = [];

  constructor(keys: Iterable<readonly [key: string, owner: T]>) {
    for (const [key, owner] of keys) this.entries.push({ digest: configuredKeyDigest(key), owner });
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * The owner of the presented key, or undefined. Every entry is compared, matched or not, so the time taken
   * says nothing about which entry (or how much of one) the key came close to.
   */
  match(presented: string): T | undefined {
    const digest = createHash('sha256').update(presented, 'utf8').digest();
    let found: T | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(digest, entry.digest) && found === undefined) found = entry.owner;
    }
    return found;
  }
}
