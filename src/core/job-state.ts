/**
 * JobState and the transition rules: monotone, gap-free, final is final.
 * @module
 */

export const JobState = {
  NEW: "NEW",
  QUEUED: "QUEUED",
  STAGE_IN: "STAGE_IN",
  ACTIVE: "ACTIVE",
  STAGE_OUT: "STAGE_OUT",
  CLEANUP: "CLEANUP",
  COMPLETED: "COMPLETED",
  FAILED: "FAILED",
  CANCELED: "CANCELED",
} as const;
export type JobState = (typeof JobState)[keyof typeof JobState];

export const ALL_STATES: readonly JobState[] = Object.values(JobState);
export const FINAL_STATES: readonly JobState[] = [
  JobState.COMPLETED,
  JobState.FAILED,
  JobState.CANCELED,
];

/** The successful path; FAILED and CANCELED may follow any non-final state. */
const PATH: readonly JobState[] = [
  JobState.NEW,
  JobState.QUEUED,
  JobState.STAGE_IN,
  JobState.ACTIVE,
  JobState.STAGE_OUT,
  JobState.CLEANUP,
  JobState.COMPLETED,
];

const ORDER: Record<JobState, number> = {
  NEW: 0,
  QUEUED: 1,
  STAGE_IN: 2,
  ACTIVE: 3,
  STAGE_OUT: 4,
  CLEANUP: 5,
  COMPLETED: 6,
  FAILED: 6,
  CANCELED: 6,
};

export function isJobState(value: unknown): value is JobState {
  return typeof value === "string" && Object.hasOwn(ORDER, value);
}

export function isFinal(state: JobState): boolean {
  return ORDER[state] === 6;
}

/** Position in the lifecycle; the three final states share the last one. */
export function stateOrder(state: JobState): number {
  return ORDER[state];
}

/** True when `b` comes strictly after `a` (final states are mutually unordered). */
export function isLater(a: JobState, b: JobState): boolean {
  return ORDER[b] > ORDER[a];
}

/**
 * The states an observer must see, in order, to move from `from` to `to`:
 * skipped predecessors on the successful path are synthesised. FAILED and
 * CANCELED are entered directly, unless `ran` says there is evidence the job
 * ran (an exit status, a start stamp): then the path goes through ACTIVE
 * first, as a COMPLETED one does, so a job that ran always shows ACTIVE and
 * one that never ran (deleted while queued) never does. Empty when the update
 * must be ignored (an equal or earlier state, or anything after a final state).
 */
export function transitionPath(from: JobState, to: JobState, ran = false): JobState[] {
  if (isFinal(from) || !isLater(from, to)) return [];
  if (to === JobState.FAILED || to === JobState.CANCELED) {
    if (!ran || ORDER[from] >= ORDER.ACTIVE) return [to];
    return [...PATH.slice(ORDER[from] + 1, ORDER.ACTIVE + 1), to];
  }
  return PATH.slice(ORDER[from] + 1, ORDER[to] + 1);
}
