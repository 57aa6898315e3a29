// The edges where traffic enters: the HTTP API (and, next, the Redis ingress stream and the SMPP
// server for platforms), all validating messages the same way before they reach the queue.
export { HttpApi, type HttpApiDeps, type Readiness } from './http-server.js';
export { ApiError } from './errors.js';
export { validateMessage, normaliseNumber, type MessageInput } from './message-input.js';
export { CreditAccounts, type BalanceView } from './credit.js';
