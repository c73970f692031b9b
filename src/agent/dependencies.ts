/**
 * `dependsOn` as the agent sees it: psij-agent ids of jobs it already holds
 * (so a cycle cannot be named), checked at submit, and each dependency's
 * verdict from the store: met, never to be met, or not yet known.
 * @module
 */

import { InvalidJobException } from "../core/errors.ts";
import type { Dependency, DependencyWhen } from "../core/job-spec.ts";
import { isFinal, JobState } from "../core/job-state.ts";
import { ConflictError } from "./errors.ts";
import type { JobStore } from "./store/store.ts";
import type { JobRecord } from "./store/types.ts";

const WORDS: Record<DependencyWhen, string> = {
  ok: "completed",
  notok: "failed",
  any: "ended",
};

/** True when met, false when it never can be, undefined while the job is not final. */
export function dependencyMet(
  when: DependencyWhen | undefined,
  rec: JobRecord,
): boolean | undefined {
  if (!isFinal(rec.state)) return undefined;
  const w = when ?? "ok";
  if (w === "any") return true;
  return w === "ok" ? rec.state === JobState.COMPLETED : rec.state !== JobState.COMPLETED;
}

/** The FAILED message of a job whose dependency ended so that it can never start. */
export function unmetMessage(d: Dependency, rec: JobRecord): string {
  const how = rec.exitCode !== undefined ? ` with exit code ${rec.exitCode}` : "";
  const why = rec.message ? `: ${rec.message}` : "";
  const w = d.when ?? "ok";
  return `dependency never met: job ${d.job} ended ${rec.state}${how}, and this job was to ` +
    `start only after it ${WORDS[w]} (when ${w})${why}`;
}

export interface DependencyPlan {
  /** Why the job can never start (a dependency already ended the wrong way). */
  unmet?: string;
  /** Dependencies not yet decided, with the native ids the scheduler knows them by. */
  pending: Array<Dependency & { nativeId?: string }>;
}

/**
 * Checks each dependency names a job of this agent on the same executor
 * (an InvalidJobException naming `dependsOn[i].job` otherwise), and says
 * where the job stands. `needNativeIds`: a pending dependency must already
 * have its scheduler id (a ConflictError while its submission is unresolved).
 */
export function planDependencies(
  deps: readonly Dependency[],
  executor: string,
  store: JobStore,
  needNativeIds: boolean,
): DependencyPlan {
  const plan: DependencyPlan = { pending: [] };
  deps.forEach((d, i) => {
    const field = `dependsOn[${i}].job`;
    const rec = store.getJob(d.job);
    if (!rec) {
      throw new InvalidJobException(
        `${field}: no job with id "${d.job}" in this agent (dependencies name psij-agent ids)`,
        { field },
      );
    }
    if (rec.executor !== executor) {
      throw new InvalidJobException(
        `${field}: job ${d.job} runs on the ${rec.executor} executor, not ${executor}; ` +
          "a job can depend only on jobs of its own executor",
        { field },
      );
    }
    const met = dependencyMet(d.when, rec);
    if (met === false) plan.unmet ??= unmetMessage(d, rec);
    if (met !== undefined) return;
    if (needNativeIds && !rec.nativeId) {
      throw new ConflictError(
        `${field}: job ${d.job} has no scheduler id yet (its submission is still being ` +
          "reconciled); try again once it has one",
      );
    }
    plan.pending.push({ ...d, nativeId: rec.nativeId });
  });
  return plan;
}

/** Where a job's dependencies stand now: the unmet message, "met", or "waiting". */
export function dependencyVerdict(
  deps: readonly Dependency[],
  store: JobStore,
): { unmet: string } | "met" | "waiting" {
  let waiting = false;
  for (const d of deps) {
    const rec = store.getJob(d.job);
    if (!rec) continue; // pruned: it had ended long ago, so it decided nothing at the time
    const met = dependencyMet(d.when, rec);
    if (met === false) return { unmet: unmetMessage(d, rec) };
    if (met === undefined) waiting = true;
  }
  return waiting ? "waiting" : "met";
}
