/**
 * The simulated server's settings and their defaults.
 * @module
 */
import type { Clock } from "../../src/core/clock.ts";
import type { NodeSpec } from "./nodes.ts";

export interface QueueConfig {
  name: string;
  enabled?: boolean;
  started?: boolean;
  priority?: number;
  /** Old-style limits checked at qsub (`Job violates queue and/or server resource limits`). */
  resourcesMax?: Record<string, string>;
  /** New-style limit on jobs in the queue (`Maximum number of jobs already in queue <q>`). */
  maxQueued?: number;
  /** Running-job limit; never rejects, only leaves jobs waiting. */
  maxRun?: number;
}

/** A model-mode job's fate: how long it runs and what it exits with. */
export interface Outcome {
  runtimeMs: number;
  exitStatus: number;
  /** resources_used values to report instead of the model's (e.g. `{ mem: "7436kb" }`). */
  resourcesUsed?: Record<string, string>;
}

/** What an outcome function may look at. */
export interface OutcomeQuery {
  id: string;
  name: string;
  arrayIndex?: number;
  script?: string;
  runCount: number;
}

export interface ServerConfig {
  /** PBS_SERVER; the suffix of every job id. Default "pbs-sim". */
  name?: string;
  /** Host name in Job_Owner, Output_Path and Submit_Host. Default: the server name. */
  host?: string;
  clock?: Clock;
  nodes?: NodeSpec[];
  queues?: QueueConfig[];
  defaultQueue?: string;
  mode?: "model" | "execute";
  historyEnabled?: boolean;
  /** job_history_duration in ms. Default two weeks. */
  historyRetentionMs?: number;
  pbsVersion?: string;
  /** `-F json` encoder: released v23 (default) or master's cJSON. */
  jsonEncoder?: "v23" | "cjson";
  /** Reproduce cJSON bug #2672 (multi-id -F json shows only the first id's jobs). */
  cjsonMultiIdBug?: boolean;
  /** Model mode: a job's fate; undefined falls back to setOutcome, then the seeded default. */
  outcome?: (q: OutcomeQuery) => Outcome | undefined;
  /** Model mode default runtime range [min, max] ms, drawn with the seed. */
  runtimeMs?: [number, number];
  /** Model mode default probability of a non-zero exit (exit 1). */
  failureRate?: number;
  seed?: number;
  /** ms between SIGTERM and SIGKILL on qdel / walltime. Default 10 s. */
  killDelayMs?: number;
  maxArraySize?: number;
  /** Latency between an event and the scheduling cycle it triggers (ms). Default 0. */
  schedulerDelayMs?: number;
  /** When MoM first reports a running job's usage (ms after start). Default 2000. */
  momReportMs?: number;
  /** MoM's usage poll interval afterwards (check_poll_time). Default 120000. */
  momPollMs?: number;
  /** session_id of the first job started (model mode). Default 20001. */
  firstSessionId?: number;
  /**
   * The login node's files as qsub sees them (absolute path → text); paths not
   * listed are read from the real file system.
   */
  files?: Record<string, string>;
  /** Execute mode: the job's working directory; default the submitter's HOME. */
  jobCwd?: string;
  /** Execute mode: where PBS_NODEFILE and TMPDIR live. Default os.tmpdir()/pbs-sim-<name>. */
  spoolDir?: string;
}

export const TWO_WEEKS_MS = 14 * 24 * 3600 * 1000;

export function defaultNodes(
  count = 1,
  ncpus = 8,
  memGb = 16,
  ngpus = 0,
  prefix = "node",
): NodeSpec[] {
  const width = String(count).length < 2 ? 2 : String(count).length;
  return Array.from({ length: count }, (_, i) => ({
    name: count === 1 && prefix === "" ? "node" : `${prefix}${String(i + 1).padStart(width, "0")}`,
    ncpus,
    memBytes: memGb * 1024 ** 3,
    ngpus,
  }));
}
