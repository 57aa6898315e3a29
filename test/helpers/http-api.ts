// The HTTP API as the gateway builds it, for tests that only ask what it registers: never listening, never
// asked anything, so its store, queue and opt-out list are stand-ins nothing touches.
import pino from 'pino';
import { HttpApi, type HttpApiDeps } from '../../src/api/index.js';
import type { Config } from '../../src/config/index.js';
import { GatewayMetrics } from '../../src/metrics/index.js';

export function standInHttpApi(config: Config): HttpApi {
  const unused = {} as unknown;
  return new HttpApi({
    config,
    queue: unused as HttpApiDeps['queue'],
    store: unused as HttpApiDeps['store'],
    optOuts: unused as HttpApiDeps['optOuts'],
    metrics: new GatewayMetrics({ defaultMetrics: false }),
    logger: pino({ level: 'silent' }),
    selectOperator: () => undefined,
    readiness: () => ({ ready: true, checks: {} }),
  });
}
