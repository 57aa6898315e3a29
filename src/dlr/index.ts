// Receipts: parsing deliver_sm receipts (TLVs first, then the text), their correlation with the parts
// they report on (through the store, in batches, holding early ones), and the state notifier that sends
// every state change to its owner's webhook.
export {
  parseReceipt,
  isDeliveryReceipt,
  normaliseStat,
  FINAL_RECEIPT_STATS,
  INTERIM_RECEIPT_STATS,
  type ParsedReceipt,
  type ReceiptStat,
} from './receipt.js';
export {
  ReceiptCorrelator,
  type ReceiptOutcome,
  type ReceiptCorrelatorOptions,
} from './receipt-correlator.js';
export { StateNotifier, NOTIFIER_GROUP, type StateEvent } from './state-notifier.js';
