/**
 * The rows the job store hands out.
 * @module
 */

import type { JobState } from "../../core/job-state.ts";

export interface JobRecord {
  id: string;
  executor: string;
  nativeId?: string;
  /** The JobSpec in our JSON form, as stored (text, so reads need not re-serialise it). */
  specJson: string;
  state: JobState;
  exitCode?: number;
  message?: string;
  /** Number of transitions recorded. */
  seq: number;
  createdAt: number;
  updatedAt: number;
  /** A queued job that is held (by the user, or as its scheduler reports). */
  held?: boolean;
  /** The history as API JSON (an array), when read with the job (getJob). */
  historyJson?: string;
}

/** One transition; `eventId` orders all transitions of all jobs (the SSE event id). */
export interface TransitionRecord {
  eventId: number;
  jobId: string;
  seq: number;
  state: JobState;
  /** When the agent saw the transition: never before the evidence, nor the job's previous one. */
  time: number;
  /** The scheduler's own stamp for it (whole seconds), when it gave one. */
  schedulerTime?: number;
  message?: string;
  exitCode?: number;
  evidence?: string;
  metadata?: Record<string, unknown>;
  /** Set when the stored row is damaged: what is wrong (the damaged part is left out). */
  damaged?: string;
}

/** A submission intent: written before the scheduler is asked, closed after. */
export interface IntentRecord {
  jobId: string;
  stamp: string;
  createdAt: number;
  nativeId?: string;
  resolvedAt?: number;
  outcome?: string;
}

export interface NewJob {
  id: string;
  executor: string;
  specJson: string;
  createdAt: number;
  /** The stamp the executor puts on the submission so a lost reply can be found. */
  stamp: string;
  idempotencyKey?: string;
  requestHash?: string;
}

/** One element of a job array, recorded with the array's native id for it. */
export interface NewElement {
  id: string;
  executor: string;
  nativeId: string;
  specJson: string;
  createdAt: number;
}

export interface ListQuery {
  states?: JobState[];
  /** The job's name (its spec's, else its executable's base name), a GLOB pattern (`sim*`). */
  name?: string;
  executor?: string;
  /** Submitted at or after / before these times (ms since the epoch). */
  since?: number;
  until?: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
  limit?: number;
}

export interface ListPage {
  jobs: JobRecord[];
  /** Present when there may be more. */
  nextCursor?: string;
}
