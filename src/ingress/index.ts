// The Redis ingress of aggregators: each account's ingress stream read, checked like HTTP, queued, and every
// entry's outcome on the account's events (docs/redis-ingress.md). Its Redis side is src/store/ingress-store.ts.
export {
  RedisIngress,
  entryToInput,
  DERIVED_CLIENT_REF_PREFIX,
  type RedisIngressDeps,
  type RedisIngressOptions,
} from './redis-ingress.js';
