// Authentication helpers shared by the HTTP API, the SMPP server and the configuration: API keys in clear
// or hashed, compared in constant time, and the per-address limit on failed authentications. Imports
// nothing of the gateway's, so every layer may use it.
export {
  API_KEY_HASH,
  API_KEY_HASH_PREFIX,
  KeyRing,
  configuredKeyDigest,
  hashApiKey,
  isHashedApiKey,
} from './api-keys.js';
export { AuthFailureLimiter, type AuthFailureLimits } from './auth-failures.js';
