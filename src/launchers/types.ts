/**
 * The launcher contract: how one job's executable becomes processes, as bash
 * text a job shell runs (the local executor's wrapper, a PBS or Slurm script).
 * @module
 */

import type { ComputedResources } from "../core/resources.ts";

export interface LaunchContext {
  executable: string;
  arguments: readonly string[];
  /** Computed resources (see ResourceSpecV1.computed()). */
  resources: ComputedResources;
  /** Redirections for the launched processes; absent: inherit the shell's. */
  stdinPath?: string;
  stdoutPath?: string;
  stderrPath?: string;
  /**
   * The nodefile as a bash word, already quoted or a variable reference
   * (`shellQuote(path)`, `"$PBS_NODEFILE"`); exported as PSIJ_NODEFILE.
   */
  nodefile?: string;
}

export interface Launcher {
  readonly name: string;
  /**
   * True when a launch is exactly one process running the executable, so an
   * executor may spawn it directly without a shell (the local fast path).
   */
  readonly direct: boolean;
  /** Why this launcher cannot run on this machine, or undefined when it can. */
  unavailable(): string | undefined;
  /**
   * Bash text that runs the launch. Its exit status (`$?` right after it) is
   * the launch's: the executable's, 127 when it cannot be found, or the first
   * non-zero status among several processes.
   */
  script(ctx: LaunchContext): string;
}
