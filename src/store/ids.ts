// Message ids: a ULID (26 characters, Crockford base32, time-ordered, so ids sort by creation and never
// collide across instances) followed by one character naming the shard that holds the message.
import { randomFillSync } from 'node:crypto';
import { shardDigit } from './keys.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

// One call to the CSPRNG per 256 ids instead of one per id: a call costs about 3 µs whatever its size,
// which was 3 % of the daemon's CPU per message.
const POOL = Buffer.alloc(16 * 256);
let poolAt = POOL.length;

export function newMessageId(now: number = Date.now(), shard = 0): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  if (poolAt === POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  let tail = '';
  for (let i = 0; i < 16; i++) tail += ALPHABET[POOL[poolAt + i]! % 32]!;
  poolAt += 16;
  return time + tail + shardDigit(shard);
}

export function isMessageId(value: string): boolean {
  return /^[0-9A-HJKMNP-TV-Z]{27}$/.test(value);
}
