// Injection through the HTTP API: POST /v1/messages/batch, a few requests in flight. Shared by
// e2e.bench.ts and scaling.bench.ts.
import { batchRequest, countBatch, messageJson, type Gateway } from './gateway.js';
import type { HttpConnection } from './http.js';

export interface Injection {
  t0: number;
  t1: number;
  accepted: number;
  refused: number;
  firstError?: string;
}

/** The daemon is shutting down though we did not stop it: say so plainly. */
export function outsideStop(gateway: Gateway): string {
  return `${gateway.proc.name} is shutting down (503 DRAINING) though the benchmark did not stop it: something else on this machine sent it SIGTERM or SIGINT${gateway.proc.running ? '' : ' (it has exited)'}`;
}

/** `total` messages in batches of `batch`, `concurrency` requests in flight; time from the first write. */
export async function injectBatches(
  gateway: Gateway,
  total: number,
  text: (i: number) => string,
  options: { batch: number; concurrency: number; offset?: number },
): Promise<Injection> {
  const offset = options.offset ?? 0;
  const batches = Math.ceil(total / options.batch);
  const build = (b: number): Buffer => {
    const messages: string[] = [];
    for (let i = b * options.batch; i < Math.min(total, (b + 1) * options.batch); i++)
      messages.push(messageJson(offset + i, text(offset + i)));
    return batchRequest(messages);
  };
  // Built beforehand when small enough, so that the client's JSON work stays out of the measured window.
  const prebuilt = total <= 100_000 ? Array.from({ length: batches }, (_, b) => build(b)) : undefined;
  const result: Injection = { t0: 0, t1: 0, accepted: 0, refused: 0 };
  let next = 0;
  const worker = async (connection: HttpConnection) => {
    try {
      for (let b = next++; b < batches; b = next++) {
        const size = Math.min(options.batch, total - b * options.batch);
        const response = await connection.request(prebuilt?.[b] ?? build(b));
        if (response.status !== 202) {
          result.refused += size;
          result.firstError ??= `HTTP ${response.status}: ${response.body.slice(0, 200)}`;
          if (response.body.includes('"DRAINING"')) throw new Error(outsideStop(gateway));
          continue;
        }
        const counted = countBatch(response.body);
        result.accepted += counted.accepted;
        result.refused += counted.refused;
        if (counted.firstError) result.firstError ??= counted.firstError;
      }
    } finally {
      connection.close();
    }
  };
  const connections = Array.from({ length: Math.min(options.concurrency, batches) }, () =>
    gateway.connection(),
  );
  result.t0 = Date.now();
  await Promise.all(connections.map(worker));
  result.t1 = Date.now();
  return result;
}
