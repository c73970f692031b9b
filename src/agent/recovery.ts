/**
 * Restart recovery. Every job the store holds as not final is either
 * re-attached by its native id, or — when the agent stopped between recording
 * the submission intent and recording the scheduler's reply — reconciled:
 * an executor that can look a submission up by its stamp (the job id) says
 * whether the scheduler has it; found means attach, provably absent means
 * submit now. Without such a look-up the job is marked FAILED with
 * "submission state unknown" rather than risk running it twice.
 *
 * "Provably absent" needs time: a qsub started by the dead agent may still be
 * on its way to the server. An intent is therefore looked up only once it is
 * older than the settle time (the scheduler command timeout, 60 s by
 * default); younger ones wait for it, one after another, while the agent
 * already serves.
 * @module
 */

import type { JobRecord } from "./store/types.ts";
import type { JobService } from "./service.ts";
import { lookupOf, reconcileIntent, UNKNOWN_SUBMISSION } from "./reconcile.ts";

export type { StampLookup } from "./reconcile.ts";

export interface RecoveryReport {
  reattached: string[];
  reconciled: string[];
  resubmitted: string[];
  failed: Array<{ id: string; reason: string }>;
  /** Jobs of an executor this agent does not serve: left as they are for an agent that does. */
  untracked: string[];
}

export { UNKNOWN_SUBMISSION } from "./reconcile.ts";

export async function recoverJobs(service: JobService): Promise<RecoveryReport> {
  const store = service.store;
  const report: RecoveryReport = {
    reattached: [],
    reconciled: [],
    resubmitted: [],
    failed: [],
    untracked: [],
  };
  const intents = new Map(store.openIntents().map((i) => [i.jobId, i]));
  const fail = (id: string, reason: string) => {
    store.resolveIntent(id, service.clock.now(), "unknown");
    service.failJob(id, reason, "no-evidence");
    report.failed.push({ id, reason });
  };
  const pending: JobRecord[] = [];
  const one = async (rec: JobRecord): Promise<void> => {
    if (service.live.has(rec.id)) return;
    if (!service.executorNames().includes(rec.executor)) {
      // Not ours to judge: the job may well be alive at its scheduler. An agent
      // started with that executor will pick it up again.
      report.untracked.push(rec.id);
      return;
    }
    if (rec.nativeId) {
      await service.reattach(rec, true);
      const after = store.getJob(rec.id)!;
      if (after.state === "FAILED" && after.message?.startsWith("attach")) {
        report.failed.push({ id: rec.id, reason: after.message });
      } else report.reattached.push(rec.id);
      return;
    }
    if (store.getIntent(rec.id)?.outcome === "waiting") {
      // Never sent: the agent keeps it back (a hold or dependencies its executor cannot keep).
      service.resumeWaiting(rec);
      report.reattached.push(rec.id);
      return;
    }
    pending.push(rec);
  };
  const reconcile = async (rec: JobRecord): Promise<void> => {
    const intent = intents.get(rec.id);
    const lookup = lookupOf(service.executor(rec.executor));
    if (!intent || !lookup) {
      return fail(
        rec.id,
        `${UNKNOWN_SUBMISSION}: the agent stopped after deciding to submit and before ` +
          `recording the scheduler's reply, and the ${rec.executor} executor cannot look ` +
          `submissions up; look for a job stamped ${rec.id} before submitting again`,
      );
    }
    const outcome = await reconcileIntent(service, rec, lookup, intent.createdAt);
    if (outcome === "reconciled") report.reconciled.push(rec.id);
    else if (outcome === "resubmitted") report.resubmitted.push(rec.id);
    else if (outcome === "failed") {
      report.failed.push({ id: rec.id, reason: store.getJob(rec.id)?.message ?? "refused" });
    }
  };
  await Promise.all(store.nonFinalJobs().map(one));
  // All at once, oldest first: look-ups asked for together share one listing of the user's
  // jobs (the PBS executor's StampLookups), so a recovery costs one pass over the scheduler's
  // history, not one per open submission (~22 s each on a history of ~430 jobs, seen on real PBS).
  await Promise.all(pending.sort((a, b) => a.createdAt - b.createdAt).map(reconcile));
  return report;
}
