// Message ids: a ULID (26 characters, Crockford base32, time-ordered, so ids sort by creation and never
// collide across instances) followed by one character naming the shard that holds the message.
import { randomBytes } from 'node:crypto';
import { shardDigit } from './keys.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newMessageId(now: number = Date.now(), shard = 0): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const random = randomBytes(16);
  let tail = '';
  for (let i = 0; i < 16; i++) tail += ALPHABET[random[i]! % 32]!;
  return time + tail + shardDigit(shard);
}

export function isMessageId(value: string): boolean {
  return /^[0-9A-HJKMNP-TV-Z]{27}$/.test(value);
}
