/**
 * Slurm executor configuration and its defaults.
 * @module
 */

import { homedir } from "node:os";
import { join } from "node:path";
import type { Clock } from "../../core/clock.ts";
import type { CommandRunner } from "../../core/command-runner.ts";

export interface SlurmExecutorConfig {
  /** Where scripts, `.ec` and `.out` files live. Default `~/.psij-agent/work/slurm`; created if missing. */
  workDir?: string;
  /** Keep each job's files after its final state. Default false. */
  keepFiles?: boolean;
  /** Poll floor / ceiling (ms). Defaults 1000 / 30000. */
  pollFloorMs?: number;
  pollCeilingMs?: number;
  /** How long a job missing from squeue is looked for before it ends FAILED (ms). Default 60000. */
  graceMs?: number;
  /** Most ids per status command. Default 1000. */
  maxIdsPerCommand?: number;
  /** Timeout per Slurm command (ms). Default 60000 (squeue retries ~20 s when slurmctld is down). */
  commandTimeoutMs?: number;
  /** How commands run. Default: real processes (ProcessRunner). */
  runner?: CommandRunner;
  clock?: Clock;
  /** For `${VAR}` expansion and `~/`: defaults are this process's environment and home. */
  env?: Record<string, string | undefined>;
  home?: string;
}

export function defaultWorkDir(home = homedir()): string {
  return join(home, ".psij-agent", "work", "slurm");
}
