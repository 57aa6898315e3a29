// Redis-backed queues in front of the send windows: key names, Lua scripts, enqueue, the per-operator
// worker (consumer group → token bucket → bind manager → outcome → ack) and the scheduler.
export { RedisKeys, LANES, CONSUMER_GROUP, type Lane } from './keys.js';
export {
  MessageQueue,
  encodingOptionsFor,
  EVENTS_MAXLEN,
  type EnqueueResult,
  type OperatorSelector,
  type PolicyCheck,
  type PolicyVerdict,
} from './enqueue.js';
export { OperatorWorker, ensureConsumerGroups, consumerName, type SubmitPort } from './worker.js';
export { Scheduler } from './scheduler.js';
export { planSubmits, sourceAddress, smppAbsoluteTime } from './submit-plan.js';
export { newMessageId, isMessageId } from './ids.js';
export { QueueError, type QueueErrorCode } from './errors.js';
export * from './message.js';
export { RedisBindLeases, type BindLeaseOptions } from './bind-leases.js';
