/**
 * Slurm job states → PSI/J states. Slurm's own names (as `squeue -O State`
 * prints them) and its compact codes (`%t`) both map, so a fixture or a site
 * wrapper using either is understood.
 *
 * Slurm states that can go back (REQUEUED, SUSPENDED, SPECIAL_EXIT, ...) map
 * to the PSI/J state they mean *now*; the job's transition rules ignore a step
 * backwards, so a requeued ACTIVE job stays ACTIVE with the reason as message.
 * @module
 */

import { JobState } from "../../kit.ts";

export interface SlurmStateInfo {
  /** The PSI/J state this Slurm state means. */
  state: JobState;
  /** Final in Slurm: the job will not run again under this id. */
  final: boolean;
  /** Why the job ended, for failure states that carry no reason of their own. */
  why?: string;
}

const Q = JobState.QUEUED, A = JobState.ACTIVE;
const nonFinal = (state: JobState, why?: string): SlurmStateInfo => ({ state, final: false, why });
const ended = (state: JobState, why?: string): SlurmStateInfo => ({ state, final: true, why });

/** Long name → meaning. */
export const SLURM_STATES: Readonly<Record<string, SlurmStateInfo>> = {
  PENDING: nonFinal(Q),
  CONFIGURING: nonFinal(Q, "nodes are being configured (booting) for the job"),
  REQUEUED: nonFinal(Q, "the job was requeued"),
  REQUEUE_FED: nonFinal(Q, "the job was requeued by its federation"),
  REQUEUE_HOLD: nonFinal(Q, "the job was requeued and held"),
  RESV_DEL_HOLD: nonFinal(Q, "the job is held because its reservation was deleted"),
  // Held by a user or an epilog until someone releases it: it may run again.
  SPECIAL_EXIT: nonFinal(Q, "the job is held in SPECIAL_EXIT state (release it with scontrol)"),
  RUNNING: nonFinal(A),
  COMPLETING: nonFinal(A),
  SUSPENDED: nonFinal(A, "the job is suspended"),
  STOPPED: nonFinal(A, "the job is stopped (SIGSTOP)"),
  SIGNALING: nonFinal(A),
  STAGE_OUT: nonFinal(A, "Slurm is staging the job's burst buffer out"),
  RESIZING: nonFinal(A, "the job is being resized"),
  // COMPLETED only says the batch script exited 0; our script exits with the
  // job's own code, and the exit-code file decides COMPLETED vs FAILED.
  COMPLETED: ended(JobState.COMPLETED),
  CANCELLED: ended(JobState.CANCELED, "the job was cancelled"),
  FAILED: ended(JobState.FAILED, "the job failed"),
  TIMEOUT: ended(JobState.FAILED, "walltime exceeded: Slurm ended the job at its time limit"),
  NODE_FAIL: ended(JobState.FAILED, "a node allocated to the job failed"),
  PREEMPTED: ended(JobState.FAILED, "the job was preempted"),
  OUT_OF_MEMORY: ended(JobState.FAILED, "the job ran out of memory"),
  BOOT_FAIL: ended(JobState.FAILED, "a node of the job failed to boot"),
  DEADLINE: ended(JobState.FAILED, "the job could not finish before its deadline"),
  REVOKED: ended(JobState.FAILED, "the job was revoked (its federation ran it on another cluster)"),
};

/** Compact code (`squeue %t`) → long name. */
export const SLURM_STATE_CODES: Readonly<Record<string, string>> = {
  PD: "PENDING",
  CF: "CONFIGURING",
  RQ: "REQUEUED",
  RF: "REQUEUE_FED",
  RH: "REQUEUE_HOLD",
  RD: "RESV_DEL_HOLD",
  SE: "SPECIAL_EXIT",
  R: "RUNNING",
  CG: "COMPLETING",
  S: "SUSPENDED",
  ST: "STOPPED",
  SI: "SIGNALING",
  SO: "STAGE_OUT",
  RS: "RESIZING",
  CD: "COMPLETED",
  CA: "CANCELLED",
  F: "FAILED",
  TO: "TIMEOUT",
  NF: "NODE_FAIL",
  PR: "PREEMPTED",
  OOM: "OUT_OF_MEMORY",
  BF: "BOOT_FAIL",
  DL: "DEADLINE",
  RV: "REVOKED",
};

/**
 * The long state name in a Slurm state text: `CANCELLED by 0` → CANCELLED,
 * `COMPLETING+` or `RUNNING+CONFIGURING`-style flags dropped, codes expanded.
 * Undefined when the text names no state.
 */
export function slurmStateName(text: string): string | undefined {
  const word = /^[A-Za-z_]+/.exec(text.trim())?.[0]?.toUpperCase();
  if (!word) return undefined;
  return SLURM_STATE_CODES[word] ?? word;
}

/** The meaning of a state text, or undefined for a state this table does not know. */
export function mapSlurmState(text: string): SlurmStateInfo | undefined {
  const name = slurmStateName(text);
  return name === undefined ? undefined : SLURM_STATES[name];
}
