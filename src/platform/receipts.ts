// Which state changes of a message a platform gets a receipt for, and what that receipt says. SMPP 3.4
// §5.2.17 registered_delivery, bits 1-0: 0 none; 1 on the final outcome, success or failure; 2 on failure
// only; 3 is reserved (read as 1: a platform that set it wants receipts). Bit 4 (intermediate notifications)
// is not offered: receipts go out for final states only.
import { platformStatOf, type PlatformMessageStatus } from '../smpp-server/index.js';
import type { MessageState } from '../store/index.js';

const ERROR_STAGES = new Set(['policy', 'submit', 'receipt']);

/**
 * The state an event of the account's stream reports, as the platform will be told it; undefined when the
 * event is not a final state (queued, sending, delivered waiting for its receipt, …).
 */
export function finalStatusOfEvent(fields: Record<string, string>): PlatformMessageStatus | undefined {
  const state = fields.state as MessageState | undefined;
  const at = Number(fields.at);
  const status: PlatformMessageStatus = { state: state ?? 'queued', ...(Number.isFinite(at) ? { at } : {}) };
  switch (state) {
    case 'confirmed':
    case 'cancelled':
      return status;
    case 'error':
      if (fields.errorStage && ERROR_STAGES.has(fields.errorStage)) {
        status.errorStage = fields.errorStage as NonNullable<PlatformMessageStatus['errorStage']>;
      }
      if (fields.errorCode) status.errorCode = fields.errorCode;
      return status;
    case 'delivered':
      // Final only when no receipt will come: none expected ("final"), or none came in time ("unconfirmed").
      if (fields.detail !== 'unconfirmed' && fields.detail !== 'final') return undefined;
      status.unconfirmed = true;
      return status;
    default:
      return undefined;
  }
}

/**
 * Whether `registeredDelivery` asks for a receipt of this final status. Success is DELIVRD; a failure is any
 * other final stat but UNKNOWN ("delivered, unconfirmed": neither, so only a platform asking for every final
 * outcome hears of it).
 */
export function receiptWanted(registeredDelivery: number, status: PlatformMessageStatus): boolean {
  const mode = registeredDelivery & 0x03;
  if (mode === 0) return false;
  const { stat, final } = platformStatOf(status);
  if (!final) return false;
  if (mode === 2) return stat !== 'DELIVRD' && stat !== 'UNKNOWN';
  return true;
}
