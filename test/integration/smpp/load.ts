// A stand-in for the Redis queue in integration tests: keeps `concurrency` submits going through a
// BindManager and puts every segment that did not get a final answer back at the head of the line, as the
// real queue does (timeout, disconnected, retry and throttle are requeued; reject is final).
import type { BindManager } from '../../../src/smpp/bind-manager.js';
import type { SegmentSubmit, SubmitOutcome } from '../../../src/smpp/types.js';
import { testSegment } from '../../helpers/fake-smsc.js';

export interface LoadReport {
  /** Results by outcome, over every attempt. */
  outcomes: Record<SubmitOutcome, number>;
  attempts: number;
  elapsedMs: number;
  /** Indices answered ok. */
  accepted: number;
}

export async function runLoad(
  manager: BindManager,
  count: number,
  options: { concurrency?: number; deadlineMs?: number; segment?: (i: number) => SegmentSubmit } = {},
): Promise<LoadReport> {
  const concurrency = options.concurrency ?? 64;
  const deadline = Date.now() + (options.deadlineMs ?? 20_000);
  const segment = options.segment ?? ((i: number) => testSegment(`msg-${i}`));
  const outcomes: Record<SubmitOutcome, number> = {
    ok: 0,
    retry: 0,
    throttle: 0,
    reject: 0,
    timeout: 0,
    disconnected: 0,
  };
  const requeued: number[] = [];
  let next = 0;
  let accepted = 0;
  let attempts = 0;
  const started = Date.now();
  let failure: Error | undefined;

  const worker = async (): Promise<void> => {
    while (accepted < count && !failure) {
      if (Date.now() > deadline)
        failure = new Error(`load: deadline passed with ${accepted}/${count} accepted`);
      if (failure) break;
      const index = requeued.shift() ?? (next < count ? next++ : undefined);
      if (index === undefined) {
        // Everything is in flight with other workers; one may come back.
        await new Promise((resolve) => setTimeout(resolve, 2));
        continue;
      }
      attempts += 1;
      const result = await manager.submit(segment(index));
      outcomes[result.outcome] += 1;
      if (result.outcome === 'ok') accepted += 1;
      else if (result.outcome === 'reject')
        failure = new Error(`load: message ${index} rejected (${result.statusName})`);
      else requeued.unshift(index);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  if (failure) throw failure;
  return { outcomes, attempts, elapsedMs: Date.now() - started, accepted };
}
