// The SMPP server's PlatformMessages on the message store: query_sm and cancel_sm on the gateway's ids, with
// the meaning of GET and DELETE /v1/messages/{id} (another account's id is unknown; only a message not yet
// submitted can be cancelled, and the cancel goes through MessageStore like every state change).
import type { CancelOutcome, PlatformMessages, PlatformMessageStatus } from '../smpp-server/ports.js';
import { isMessageId } from './ids.js';
import type { MessageStore } from './message-store.js';
import type { MessageRecord } from './record.js';

/** A message record as the SMPP server states it (query_sm_resp, receipts). */
export function platformStatusOf(record: MessageRecord): PlatformMessageStatus {
  const status: PlatformMessageStatus = { state: record.state };
  if (record.state === 'delivered' && (record.detail === 'unconfirmed' || record.detail === 'final')) {
    status.unconfirmed = true;
  }
  if (record.error) {
    status.errorStage = record.error.stage;
    status.errorCode = record.error.code;
  }
  // The operator's err: of the part that failed, else of the first part that has one.
  const failed = record.parts.find((p) => p.stat !== undefined && p.stat !== 'DELIVRD' && p.err);
  const networkError = (failed ?? record.parts.find((p) => p.err))?.err;
  if (networkError !== undefined) status.networkError = networkError;
  const last = record.history[record.history.length - 1];
  if (last) status.at = last.at;
  return status;
}

export class StorePlatformMessages implements PlatformMessages {
  constructor(private readonly messages: MessageStore) {}

  private async recordOf(account: string, id: string): Promise<MessageRecord | undefined> {
    if (!isMessageId(id)) return undefined;
    const record = await this.messages.record(id);
    return record && record.context.account === account ? record : undefined;
  }

  async lookup(account: string, id: string): Promise<PlatformMessageStatus | undefined> {
    const record = await this.recordOf(account, id);
    return record ? platformStatusOf(record) : undefined;
  }

  async cancel(account: string, id: string): Promise<CancelOutcome> {
    const record = await this.recordOf(account, id);
    if (!record) return { ok: false, code: 'NOT_FOUND' };
    const { changed, previous } = await this.messages.transition(id, 'cancelled');
    // Cancelling a cancelled message again is not an error (DELETE /v1/messages/{id} answers the same).
    if (changed || previous === 'cancelled') return { ok: true };
    return { ok: false, code: previous === '' ? 'NOT_FOUND' : 'NOT_CANCELLABLE' };
  }
}
