// Errors of the queue layer. `retryable` tells ingresses to answer 429/503 (try later) rather than 4xx.

export type QueueErrorCode =
  'NO_ROUTE' | 'QUEUE_FULL' | 'REDIS_UNAVAILABLE' | 'NOT_FOUND' | 'NOT_CANCELLABLE' | 'INSUFFICIENT_CREDIT';

export class QueueError extends Error {
  readonly code: QueueErrorCode;
  readonly retryable: boolean;

  constructor(code: QueueErrorCode, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'QueueError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}
