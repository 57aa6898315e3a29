// Errors of the Redis layer, with stable codes the CLI and logs print as one clear line.

export type RedisErrorCode =
  'REDIS_SERVER_NOT_FOUND' | 'REDIS_SERVER_START_FAILED' | 'REDIS_UNREACHABLE' | 'REDIS_VERSION_TOO_OLD';

export class RedisSetupError extends Error {
  readonly code: RedisErrorCode;

  constructor(code: RedisErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RedisSetupError';
    this.code = code;
  }
}

/**
 * Why Redis, up and answering, refused a write: `OOM` (maxmemory reached under noeviction), `MISCONF` (a
 * background save failed and stop-writes-on-bgsave-error is on: a full or failing disk), `READONLY` (a
 * replica: a failover in progress), `NOREPLICAS` (min-replicas-to-write not met). Undefined for any other
 * error. Looks into a failed transaction's or pipeline's own errors too.
 */
export type WriteRefusal = 'OOM' | 'MISCONF' | 'READONLY' | 'NOREPLICAS';

export function writeRefusalOf(error: unknown): WriteRefusal | undefined {
  if (!(error instanceof Error)) return undefined;
  const match = /\b(OOM|MISCONF|READONLY|NOREPLICAS)\b/.exec(error.message);
  if (match) return match[1] as WriteRefusal;
  const previous = (error as { previousErrors?: unknown[] }).previousErrors;
  if (Array.isArray(previous)) {
    for (const inner of previous) {
      const found = inner === error ? undefined : writeRefusalOf(inner);
      if (found) return found;
    }
  }
  return undefined;
}
