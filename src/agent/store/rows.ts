/**
 * Row mapping for the store: SQLite rows to records, cursors, and the
 * rendered history kept with each job.
 * @module
 */

import { transitionView } from "../view.ts";
import { jsonProblem } from "./damage.ts";
import type { IntentRecord, JobRecord, TransitionRecord } from "./types.ts";

export type Row = Record<string, any>;

export function encodeCursor(n: number): string {
  return `c${n.toString(36)}`;
}

/** Throws RangeError on a cursor this store did not hand out. */
export function decodeCursor(cursor: string): number {
  const n = /^c[0-9a-z]{1,12}$/.test(cursor) ? parseInt(cursor.slice(1), 36) : NaN;
  if (!Number.isSafeInteger(n)) throw new RangeError(`cursor "${cursor}" is not valid`);
  return n;
}

/**
 * The rendered history after `written`: appended to the stored text, or
 * rendered whole from the table when there is none (rows older than schema 3)
 * or it is damaged.
 */
export function appendHistory(
  stored: string | null,
  written: TransitionRecord[],
  all: () => TransitionRecord[],
): string {
  // A stored text damaged in place is rendered again from the table, the source of truth.
  if (stored === null || jsonProblem(stored, "array") !== undefined) {
    return JSON.stringify(all().map(transitionView));
  }
  const items = written.map((t) => JSON.stringify(transitionView(t))).join(",");
  return stored === "[]" ? `[${items}]` : `${stored.slice(0, -1)},${items}]`;
}

function opt<T>(v: T | null): T | undefined {
  return v === null ? undefined : v;
}

export function toJob(r: Row): JobRecord {
  return {
    id: r.id,
    executor: r.executor,
    nativeId: opt(r.native_id),
    specJson: r.spec,
    state: r.state,
    exitCode: opt(r.exit_code),
    message: opt(r.message),
    seq: r.seq,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    historyJson: opt(r.history ?? null),
    ...(r.held ? { held: true } : {}),
  };
}

export function toTransition(r: Row): TransitionRecord {
  return {
    eventId: r.event_id,
    jobId: r.job_id,
    seq: r.seq,
    state: r.state,
    time: r.time,
    schedulerTime: opt(r.scheduler_time ?? null),
    message: opt(r.message),
    exitCode: opt(r.exit_code),
    evidence: opt(r.evidence),
    ...metadataOf(r.metadata),
  };
}

/** A damaged metadata text is left out and said to be damaged, never thrown on. */
function metadataOf(text: unknown): Pick<TransitionRecord, "metadata" | "damaged"> {
  if (text === null) return {};
  const problem = jsonProblem(text, "object");
  return problem === undefined
    ? { metadata: JSON.parse(text as string) }
    : { damaged: `metadata: ${problem}` };
}

export function toIntent(r: Row): IntentRecord {
  return {
    jobId: r.job_id,
    stamp: r.stamp,
    createdAt: r.created_at,
    nativeId: opt(r.native_id),
    resolvedAt: opt(r.resolved_at),
    outcome: opt(r.outcome),
  };
}
