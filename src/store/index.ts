// The storage layer: the only module that talks to Redis. Connections (and the managed redis-server), key
// names, the script registry and its Lua, the typed message record, the batched message store through
// which every state change goes, the shared stream consumer, and the stores of opt-outs, MO and webhooks.
export { ManagedRedis, freePort, processAlive, type ManagedRedisOptions } from './managed-redis.js';
export {
  createRedis,
  connectRedis,
  describeTarget,
  duplicateClient,
  redisTargetOf,
  type RedisWhereConfig,
  type RedisClient,
  type RedisTarget,
  checkRedisServer,
  redactUrl,
  redisRetryStrategy,
  type RedisServerReport,
} from './connect.js';
export { RedisSetupError, writeRefusalOf, type RedisErrorCode, type WriteRefusal } from './errors.js';
export {
  RedisKeys,
  LANES,
  CONSUMER_GROUP,
  MAX_SHARDS,
  shardOfId,
  clusterSlot,
  clusterShardTag,
  type Lane,
} from './keys.js';
export { ClusterRelay, type ClusterRelayOptions } from './cluster-relay.js';
export { newMessageId, isMessageId } from './ids.js';
export * from './message.js';
export {
  decodeRef,
  encodeRef,
  decodeRecord,
  toView,
  type MessageContext,
  type MessageMeta,
  type MessageRecord,
  type MessageRef,
} from './record.js';
export {
  MessageStore,
  toFigures,
  DEFAULT_EVENTS_MAXLEN,
  type AcceptedPart,
  type AcceptResult,
  type FinalChange,
  type FinalState,
  type FinalStateHook,
  type Figures,
  type HeldEntry,
  type MessageStoreOptions,
  type NewRecord,
  type ReceiptInput,
  type ReceiptResult,
  type SettleItem,
  type SettleResult,
  type TakeResult,
  type TakeStatus,
  type TransitionOptions,
  type WriteOutcome,
} from './message-store.js';
export { smscIdForms } from './smsc-id.js';
export { StreamConsumer, type StreamEntry } from './stream-consumer.js';
export { Batcher, type FlushFn } from './batcher.js';
export { RedisBucket, type BucketTake } from './token-bucket-store.js';
export { RedisBindLeases, type BindLeaseOptions } from './bind-leases.js';
export { OptOutStore } from './opt-out-store.js';
export { CreditStore } from './credit-store.js';
export { CampaignStore, type CampaignRecord, type CampaignState } from './campaign-store.js';
export { MoStore, type MoPartKey } from './mo-store.js';
export { WebhookStore } from './webhook-store.js';
export { RedisPlatformBinds, type PlatformBindsOptions } from './platform-binds.js';
export { RedisPartGatherer, type PlatformPartsOptions } from './platform-parts.js';
export {
  RedisPlatformOutbox,
  type NewOutboxItem,
  type OutboxAddResult,
  type OutboxDropReason,
  type OutboxEntry,
  type PlatformOutboxOptions,
} from './platform-outbox.js';
export { StorePlatformMessages, platformStatusOf } from './platform-messages.js';
export {
  IngressStore,
  INGRESS_GROUP,
  type IngressBacklog,
  type IngressDuplicate,
  type IngressRefusal,
} from './ingress-store.js';
export { GatewayStore } from './gateway-store.js';
export { RedisConnection, type RedisConnectionHooks } from './connection.js';
