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
 * replica: a failover in progress), `NOREPLICAS` (min-replicas-to-write not met), `NOTREPLICATED`
 * (`redis.waitReplicas` not met in time: ReplicationError). Undefined for any other
 * error. Looks into a failed transaction's or pipeline's own errors too.
 */
export type WriteRefusal = 'OOM' | 'MISCONF' | 'READONLY' | 'NOREPLICAS' | 'NOTREPLICATED';

/**
 * `redis.waitReplicas` was not met: the messages are written on the primary (and will be sent), but fewer
 * replicas than asked have them, so a failover now could lose them. The sender is told to retry; a retry
 * with the same clientRef is answered with the first message's id, so it is not sent twice.
 */
export class ReplicationError extends Error {
  readonly code = 'NOTREPLICATED';

  constructor(
    readonly wanted: number,
    readonly got: number,
    timeoutMs: number,
  ) {
    super(`NOTREPLICATED ${got} of ${wanted} replicas acknowledged the write within ${timeoutMs} ms`);
    this.name = 'ReplicationError';
  }
}

export function writeRefusalOf(error: unknown): WriteRefusal | undefined {
  if (!(error instanceof Error)) return undefined;
  const match = /\b(OOM|MISCONF|READONLY|NOREPLICAS|NOTREPLICATED)\b/.exec(error.message);
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
