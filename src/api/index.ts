// The HTTP API, and the validation every ingress shares (the Redis ingress in src/ingress and the SMPP
// server for platforms use it), so every ingress refuses the same mistakes with the same codes.
export { HttpApi, type HttpApiDeps, type Readiness } from './http-server.js';
export { ApiError } from './errors.js';
export { validateMessage, normaliseNumber, type MessageInput } from './message-input.js';
export { CreditAccounts, type BalanceView } from './credit.js';
