// Redis for the gateway: the managed redis-server child (the embedded default), connections with one
// retry policy, and the start-up check that the server keeps messages safe.
export { ManagedRedis, freePort, processAlive, type ManagedRedisOptions } from './managed.js';
export {
  createRedis,
  connectRedis,
  checkRedisServer,
  redactUrl,
  redisRetryStrategy,
  type RedisServerReport,
} from './connect.js';
export { RedisSetupError, type RedisErrorCode } from './errors.js';
