// Configuration: one YAML file → ${ENV} substitution → zod schema + cross-checks → a deeply frozen Config.
// Other modules import types and loaders from here, never from the files behind it.
export * from './schema.js';
export { ConfigError, formatIssue, formatPath } from './errors.js';
export type { ConfigErrorCode, ConfigIssue } from './errors.js';
export { substituteString } from './env.js';
export type { Env } from './env.js';
export {
  DEFAULT_CONFIG_FILE,
  buildConfig,
  deepFreeze,
  loadConfig,
  parseConfig,
  parseConfigObject,
} from './load.js';
export type { LoadOptions } from './load.js';
