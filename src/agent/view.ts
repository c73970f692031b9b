/**
 * How a stored job looks to clients (HTTP and CLI): the record, its spec and
 * its full history, with times as ISO 8601 strings.
 * @module
 */

import type { JobRecord, TransitionRecord } from "./store/types.ts";

export interface TransitionView {
  seq: number;
  eventId: number;
  state: string;
  time: string;
  /** The scheduler's own stamp (ISO 8601, whole seconds), when it gave one. */
  schedulerTime?: string;
  message?: string;
  exitCode?: number;
  evidence?: string;
  metadata?: Record<string, unknown>;
}

export interface JobSummary {
  id: string;
  executor: string;
  nativeId?: string;
  state: string;
  exitCode?: number;
  message?: string;
  createdAt: string;
  updatedAt: string;
}

export interface JobView extends JobSummary {
  spec: Record<string, unknown>;
  history: TransitionView[];
}

export function summaryOf(r: JobRecord): JobSummary {
  return {
    id: r.id,
    executor: r.executor,
    nativeId: r.nativeId,
    state: r.state,
    exitCode: r.exitCode,
    message: r.message,
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

export function transitionView(t: TransitionRecord): TransitionView {
  return {
    seq: t.seq,
    eventId: t.eventId,
    state: t.state,
    time: new Date(t.time).toISOString(),
    schedulerTime: t.schedulerTime === undefined
      ? undefined
      : new Date(t.schedulerTime).toISOString(),
    message: t.message,
    exitCode: t.exitCode,
    evidence: t.evidence,
    metadata: t.metadata,
  };
}

/**
 * The full job as JSON text. The spec and the rendered history are spliced in
 * as stored, so a read never parses and re-serialises them; `history` is
 * called only for a row without a rendered history.
 */
export function jobJson(r: JobRecord, history: () => TransitionRecord[]): string {
  const head = JSON.stringify(summaryOf(r));
  const rendered = r.historyJson ?? JSON.stringify(history().map(transitionView));
  return `${head.slice(0, -1)},"history":${rendered},"spec":${r.specJson}}`;
}
