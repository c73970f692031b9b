/**
 * Reconciling a submission whose outcome the agent does not know: the agent
 * died between recording the intent and recording qsub's reply, or qsub's
 * reply was lost or timed out (PBS may have made the job all the same). The
 * job is looked up by its stamp once the settle time has passed: found means
 * attach, provably absent means submit (again). A look-up that cannot tell (a
 * status command failed) decides nothing: it is retried with backoff until
 * the scheduler answers, so nothing is submitted twice and nothing is lost.
 * @module
 */

import type { JobExecutor } from "../core/executor.ts";
import { SubmitException } from "../core/errors.ts";
import type { JobRecord } from "./store/types.ts";
import { errorText, type JobService } from "./service.ts";

/** What an executor offers for reconciling intents. */
export interface StampLookup {
  /**
   * The native id(s) of the submission carrying `stamp`; none (null or empty)
   * when the scheduler provably has none. Throws when it cannot tell.
   */
  findByStamp(stamp: string): Promise<string | string[] | null>;
  /**
   * Why an empty answer for a submission first sent at `submittedAt` does not
   * prove it never reached the scheduler (it may have run and been purged);
   * undefined when it does. Without this method an empty answer is proof.
   */
  unprovenAbsence?(stamp: string, submittedAt: number): string | undefined;
}

export const UNKNOWN_SUBMISSION = "submission state unknown";

export function lookupOf(ex: JobExecutor): StampLookup | undefined {
  const candidate = ex as unknown as Partial<StampLookup>;
  return typeof candidate.findByStamp === "function" ? (candidate as StampLookup) : undefined;
}

/** Backoff between failed look-ups or attaches: 5 s doubling to 5 min. */
export const RETRY_FIRST_MS = 5_000;
export const RETRY_MAX_MS = 300_000;

export function nextDelay(ms: number): number {
  return Math.min(ms * 2, RETRY_MAX_MS);
}

/** Whether a submit failure leaves open that the scheduler made the job. */
export function mayHaveActed(err: unknown): boolean {
  return err instanceof SubmitException && err.transient;
}

export type Reconciled = "reconciled" | "resubmitted" | "failed" | "stopped";

/**
 * Settles the open intent of `rec`: waits until `settleFrom + settle time`,
 * asks the scheduler by stamp (retrying while it cannot tell), then attaches
 * or submits. A submit whose reply is lost again starts over.
 */
export async function reconcileIntent(
  service: JobService,
  rec: JobRecord,
  lookup: StampLookup,
  settleFrom: number,
): Promise<Reconciled> {
  const clock = service.clock;
  let from = settleFrom;
  for (;;) {
    const settleAt = from + service.intentSettleMs;
    if (clock.now() < settleAt) await service.pause(settleAt - clock.now());
    if (service.closed) return "stopped";
    const intent = service.store.getIntent(rec.id);
    if (intent?.resolvedAt !== undefined) return "reconciled";
    let delay = RETRY_FIRST_MS;
    let found: string | undefined;
    for (;;) {
      try {
        const r = await lookup.findByStamp(intent?.stamp ?? rec.id);
        found = Array.isArray(r) ? r[0] : r ?? undefined;
        break;
      } catch (err) {
        service.noteLookupFailure(rec.id, errorText(err));
        await service.pause(delay);
        delay = nextDelay(delay);
        if (service.closed) return "stopped";
      }
    }
    service.noteLookupFailure(rec.id, undefined);
    if (found) {
      service.store.recordNativeId(rec.id, found, clock.now(), "reconciled");
      await service.reattach(service.store.getJob(rec.id)!, true);
      return "reconciled";
    }
    const stamp = intent?.stamp ?? rec.id;
    const doubt = lookup.unprovenAbsence?.(stamp, intent?.createdAt ?? rec.createdAt);
    if (doubt !== undefined) {
      service.store.resolveIntent(rec.id, clock.now(), "unknown");
      service.failJob(
        rec.id,
        `${UNKNOWN_SUBMISSION}: PBS has no job stamped ${stamp}, but ${doubt}; ` +
          `not submitted again, so that it never runs twice`,
        "no-evidence",
      );
      return "failed";
    }
    from = clock.now();
    try {
      if ((await service.resend(rec)) === "sent") return "resubmitted";
    } catch {
      return "failed"; // refused: the job is FAILED with the scheduler's words
    }
    // The reply was lost again: the scheduler may have it now; look again.
  }
}
