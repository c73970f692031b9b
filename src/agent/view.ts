/**
 * How a stored job looks to clients (HTTP and CLI): the record, its spec and
 * its full history, with times as ISO 8601 strings.
 * @module
 */

import { type Damage, jsonProblem } from "./store/damage.ts";
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
  /** Present only when the stored transition is damaged: what is wrong. */
  damaged?: string;
}

export interface JobSummary {
  id: string;
  executor: string;
  nativeId?: string;
  state: string;
  exitCode?: number;
  message?: string;
  /** Present (true) while a QUEUED job is held: PSI/J has no HELD state. */
  held?: true;
  createdAt: string;
  updatedAt: string;
}

export interface JobView extends JobSummary {
  /** Null only when the stored spec is damaged (then `damaged` says so). */
  spec: Record<string, unknown> | null;
  history: TransitionView[];
  /** Present only when the stored row is damaged: each part, and what is wrong with it. */
  damaged?: Damage[];
}

export function summaryOf(r: JobRecord): JobSummary {
  return {
    id: r.id,
    executor: r.executor,
    nativeId: r.nativeId,
    state: r.state,
    exitCode: r.exitCode,
    message: r.message,
    ...(r.held && (r.state === "QUEUED" || r.state === "NEW") ? { held: true as const } : {}),
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
    damaged: t.damaged,
  };
}

/**
 * The full job as JSON text. The spec and the rendered history are spliced in
 * as stored, not re-serialised; `history` is called only for a row without a
 * rendered history. Both are checked first: a part damaged in place is
 * reported under `damaged` (the history then rendered from the transitions
 * table, the spec served as null), never served as broken JSON.
 */
export function jobJson(r: JobRecord, history: () => TransitionRecord[]): string {
  return jobView(r, history).text;
}

export function jobView(
  r: JobRecord,
  history: () => TransitionRecord[],
): { text: string; damaged: Damage[] } {
  const head = JSON.stringify(summaryOf(r));
  const damaged: Damage[] = [];
  let rendered = r.historyJson;
  const historyProblem = rendered === undefined ? undefined : jsonProblem(rendered, "array");
  if (historyProblem !== undefined) {
    damaged.push({
      part: "history",
      problem: `the stored history is ${historyProblem}; shown as rebuilt from the transitions`,
    });
    rendered = undefined;
  }
  if (rendered === undefined) {
    const all = history();
    for (const t of all) {
      if (t.damaged) damaged.push({ part: `history[seq ${t.seq}]`, problem: t.damaged });
    }
    rendered = JSON.stringify(all.map(transitionView));
  }
  let spec = r.specJson;
  const specProblem = jsonProblem(spec, "object");
  if (specProblem !== undefined) {
    damaged.push({ part: "spec", problem: `the stored spec is ${specProblem}; shown as null` });
    spec = "null";
  }
  const tail = damaged.length ? `,"damaged":${JSON.stringify(damaged)}` : "";
  return { text: `${head.slice(0, -1)},"history":${rendered},"spec":${spec}${tail}}`, damaged };
}
