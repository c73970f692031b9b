/**
 * What configures every batch executor, and the defaults they share. A
 * backend's own config extends `BatchExecutorConfig` with its own options.
 * @module
 */

import { homedir } from "node:os";
import { join } from "node:path";
import type { Clock } from "../core/clock.ts";
import type { CommandRunner } from "../core/command-runner.ts";
import type { PollerOptions } from "./poller.ts";

export interface BatchExecutorConfig {
  /**
   * Where scripts, `.ec` and `.out` files live. Default
   * `~/.psij-agent/work/<backend>` (`pbs`, `slurm`); created if missing.
   */
  workDir?: string;
  /** Keep each job's files after its final state. Default false. */
  keepFiles?: boolean;
  /** Poll floor / ceiling (ms). Defaults 1000 / 30000. */
  pollFloorMs?: number;
  pollCeilingMs?: number;
  /**
   * How long a job missing from the status command (qstat, squeue) is looked
   * for before it ends FAILED (ms). Default 60000.
   */
  graceMs?: number;
  /** Most ids per status command. Default 1000. */
  maxIdsPerCommand?: number;
  /**
   * Timeout per scheduler command (ms). Default 60000 (Slurm's squeue retries
   * for ~20 s while slurmctld is down).
   */
  commandTimeoutMs?: number;
  /** How commands run. Default: real processes (ProcessRunner). */
  runner?: CommandRunner;
  clock?: Clock;
  /** For `${VAR}` expansion and `~/`: defaults are this process's environment and home. */
  env?: Record<string, string | undefined>;
  home?: string;
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;
export const DEFAULT_GRACE_MS = 60_000;

/** `~/.psij-agent/work/<backend>`. */
export function defaultWorkDir(backend: string, home = homedir()): string {
  return join(home, ".psij-agent", "work", backend);
}

/** The poller's options as the config gives them (the poller fills in its own defaults). */
export function pollerOptions(config: BatchExecutorConfig): PollerOptions {
  return {
    floorMs: config.pollFloorMs,
    ceilingMs: config.pollCeilingMs,
    graceMs: config.graceMs,
    maxIdsPerCommand: config.maxIdsPerCommand,
  };
}
