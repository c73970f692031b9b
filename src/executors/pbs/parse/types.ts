/**
 * @module
 * What the PBS backend reads out of qstat: one record per job id.
 */

/** One job as `qstat -f` (text or JSON) showed it. */
export interface PbsJobRecord {
  /** The full id, as the key in `Jobs` or on the `Job Id:` line. */
  id: string;
  /** `job_state` letter. */
  state?: string;
  substate?: number;
  /** `Exit_status`. */
  exitStatus?: number;
  comment?: string;
  /** `Job_Name`, always as a string (a bare number 123 becomes "123"). */
  name?: string;
  owner?: string;
  queue?: string;
  /** Raw `ctime()` strings; see parseCtime. */
  times: { ctime?: string; qtime?: string; stime?: string; mtime?: string; obittime?: string };
  /** `Variable_List` as NAME -> value. */
  variables: Record<string, string>;
  /** `Resource_List` as resource -> value. */
  resources: Record<string, string>;
  /** Every other attribute, as printed (JSON types where the JSON was valid). */
  attrs: Record<string, unknown>;
}

/** Parsed jobs by id plus what could not be read (never thrown). */
export interface ParseResult {
  jobs: Map<string, PbsJobRecord>;
  problems: string[];
}
