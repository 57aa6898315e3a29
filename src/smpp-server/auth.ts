// Who may bind (SMPP 3.4 §4.1): accounts[].smpp looked up by system_id, the password compared in constant
// time, the peer's address checked against the account's allowed networks. maxBinds is the BindRegistry's
// (it spans instances); this file only says whether these credentials from this address are acceptable.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AccountConfig } from '../config/index.js';
import { CommandStatus } from '../smpp/pdu/index.js';
import { addressAllowed, parseCidr, type Cidr } from './cidr.js';

export type AuthOutcome =
  | { ok: true; account: AccountConfig }
  | { ok: false; status: number; reason: 'unknown_system_id' | 'wrong_password' | 'network_not_allowed' };

interface Entry {
  account: AccountConfig;
  digest: Buffer;
  networks: Cidr[] | undefined;
}

/** Digests are of equal length whatever the passwords are, so timingSafeEqual can compare them. */
function digest(password: string): Buffer {
  return createHash('sha256').update(password, 'latin1').digest();
}

export class AccountDirectory {
  private readonly bySystemId = new Map<string, Entry>();

  constructor(accounts: readonly AccountConfig[]) {
    for (const account of accounts) {
      const smpp = account.smpp;
      if (!smpp) continue;
      // The schema validated every block; a block that still does not parse would allow nobody, not everybody.
      const networks = smpp.allowedNetworks
        ?.map((s) => parseCidr(s))
        .filter((c): c is Cidr => c !== undefined);
      this.bySystemId.set(smpp.systemId, { account, digest: digest(smpp.password), networks });
    }
  }

  /** A configured system_id: only those are fit for a log line (an unknown one may be a mistyped password). */
  has(systemId: string): boolean {
    return this.bySystemId.has(systemId);
  }

  /** §4.1.2 bind_resp statuses: ESME_RINVSYSID, ESME_RINVPASWD, ESME_RBINDFAIL (network). */
  authenticate(systemId: string, password: string, peerAddress: string | undefined): AuthOutcome {
    const entry = this.bySystemId.get(systemId);
    if (!entry) return { ok: false, status: CommandStatus.ESME_RINVSYSID, reason: 'unknown_system_id' };
    if (!timingSafeEqual(digest(password), entry.digest)) {
      return { ok: false, status: CommandStatus.ESME_RINVPASWD, reason: 'wrong_password' };
    }
    if (entry.networks && !addressAllowed(entry.networks, peerAddress)) {
      return { ok: false, status: CommandStatus.ESME_RBINDFAIL, reason: 'network_not_allowed' };
    }
    return { ok: true, account: entry.account };
  }
}
