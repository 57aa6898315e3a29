// The queues in front of the send windows: enqueue (route, encode, split, write through the store), the
// per-operator worker (consumer group → token bucket → bind manager → outcome → ack) and the scheduler.
export {
  MessageQueue,
  encodingOptionsFor,
  storedSegments,
  type EnqueueResult,
  type EnqueueOutcome,
  type OperatorSelector,
  type PolicyCheck,
  type PolicyVerdict,
} from './enqueue.js';
export { OperatorWorker, consumerName, type SubmitPort } from './worker.js';
export { Scheduler } from './scheduler.js';
export { planSubmits, sourceAddress, smppAbsoluteTime } from './submit-plan.js';
export { QueueError, type QueueErrorCode } from './errors.js';
