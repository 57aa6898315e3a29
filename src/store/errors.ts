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
