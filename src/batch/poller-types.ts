/**
 * The poller's contract with a backend (src/batch/poller.ts): what a status
 * command reports, the hooks a backend supplies, the options and the figures.
 * @module
 */

/** What one status command said about the ids it was asked about. */
export interface StatusReport<O> {
  /** Ids the output described. */
  seen: Map<string, O>;
  /** Ids the scheduler does not know, or that the output silently left out. */
  missing: string[];
  /** Set when the command failed: `seen` is still used, `missing` is not. */
  error?: string;
}

/** The outcome of looking for a vanished job's evidence. */
export type ProbeResult =
  /** Evidence found and applied; the job is final. */
  | "final"
  /** The job is there after all (e.g. a targeted look-up found it live). */
  | "alive"
  /** Nothing found yet. */
  | "none"
  /** The look-up itself failed: says nothing about the job. */
  | "error";

export interface PollerHooks<O> {
  /** Runs one status command for these ids. Must not throw (failures go in `error`). */
  query(ids: string[]): Promise<StatusReport<O>>;
  /**
   * What an id puts on the status command line, when several ids share one
   * (PBS asks for an array's subjobs through the array with `-t`); default the id.
   */
  operand?(id: string): string;
  /**
   * Applies an observation to the job. Returns whether its state changed and
   * whether it is now final (and so no longer tracked).
   */
  apply(id: string, observation: O): { changed: boolean; final: boolean };
  /** Looks for evidence about a vanished id (targeted look-up, exit-code file). */
  probe(id: string, attempt: number): Promise<ProbeResult>;
  /** No evidence after the grace period: the backend ends the job, saying what was seen. */
  giveUp(id: string, missingSinceMs: number): void;
}

export interface PollerOptions {
  /** Never two cycles closer than this (ms). Default 1000. */
  floorMs?: number;
  /** Never a cycle further apart than this while jobs are tracked (ms). Default 30000. */
  ceilingMs?: number;
  /** Growth of the interval per quiet cycle. Default 2. */
  backoff?: number;
  /** How long a vanished id is looked for before giving up (ms). Default 60000. */
  graceMs?: number;
  /** Most ids per command. Default 1000. */
  maxIdsPerCommand?: number;
  /** Most characters of ids per command (argv limit). Default 100000. */
  maxIdChars?: number;
}

export interface PollerStats {
  cycles: number;
  commands: number;
  failedCommands: number;
  consecutiveFailures: number;
  probes: number;
  tracked: number;
  degraded: boolean;
  lastError?: string;
  lastErrorAt?: number;
  /** The current interval between cycles (ms). */
  intervalMs: number;
  /** Wall time spent applying observations (ms), for benchmarks. */
  applyMs: number;
  /** When the last status command was sent (clock ms), and how long its answer took (wall ms). */
  lastCommandAt?: number;
  lastCommandMs?: number;
}
