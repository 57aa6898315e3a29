// Inbound (MO) messages (issue 7): decoding, order-independent reassembly in Redis with a timeout, keyword
// routing (stop, start, help, custom) with a default route, the auto-responder, and forwarding to the account.
export { MoReceiver, type MoReceiverDeps, type MoHandleResult } from './mo-receiver.js';
export { MoHandler, type MoOutcome, type MoWebhookPayload, type ReplyKind } from './mo-handler.js';
export { decodeInbound, type InboundPart, type ConcatRef } from './inbound-part.js';
export { MoReassembly, assembleText, type AssembledMo, type StoreOutcome } from './reassembly.js';
export {
  KeywordRouter,
  keywordRule,
  normaliseKeywordText,
  type KeywordRule,
  type MoRoute,
  type RouteDecision,
} from './keyword-router.js';
export { AutoResponder } from './auto-responder.js';
export { isPhoneOriginator, originatorE164 } from './originator.js';
export { MoError, type MoErrorCode } from './errors.js';
