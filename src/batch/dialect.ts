/**
 * What a batch backend tells the shared executor (src/batch/executor.ts)
 * about its scheduler without running anything: the words its messages use,
 * the files the scheduler writes, and how its observations read.
 * @module
 */

import type { Clock } from "../core/clock.ts";
import type { CommandRunner } from "../core/command-runner.ts";
import type { StatusUpdate } from "./outcome.ts";
import type { FileOutcome } from "./protocol.ts";

/** A targeted look-up of one id. */
export type LookupResult<O> =
  | { kind: "found"; record: O }
  | { kind: "unknown" }
  | { kind: "error"; error: string };

/** One scheduler's dialect; `O` is its per-job status observation (a qstat record, a squeue row). */
export interface BatchDialect<O> {
  /** The work directory's default leaf, `~/.psij-agent/work/<backend>`. */
  backend: string;
  /** The scheduler's name in messages: `PBS`, `Slurm`. */
  label: string;
  /** The status command's name in messages: `qstat`, `squeue`. */
  statusCommand: string;
  /** Since when a vanished job was missed, in words ("qstat -x has called it unknown"). */
  goneSince: string;
  /** Why the scheduler may have forgotten a job, in words. */
  goneBecause: string;
  /** The scheduler's own files for a submission (its stdout, stderr), named by the stamp. */
  stampFiles(workDir: string, stamp: string): string[];
  /** A finished job's verdict from the scheduler's record, the job's files, or both. */
  finalUpdate(
    o: O | undefined,
    files: FileOutcome,
    userCanceled: boolean,
  ): StatusUpdate | undefined;
  /** The scheduler's state in an observation, for messages. */
  stateOf(o: O): string;
  /** The job's full id in an observation. */
  idOf(o: O): string;
  /** Wraps the configured runner (PBS paces its status commands). */
  wrapRunner?(inner: CommandRunner, clock: Clock): CommandRunner;
}
