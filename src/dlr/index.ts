// Every message's fate: the message store (record, history, parts), receipt parsing, SMSC id
// normalisation and the correlation of receipts with the parts they report on.
export {
  MessageStore,
  toView,
  toFigures,
  type Figures,
  type PartRef,
  type TransitionOptions,
} from './message-store.js';
export { smscIdForms } from './message-id.js';
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
