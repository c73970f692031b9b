/**
 * @module
 * Turns one job's parsed attribute tree (from JSON or `-f` text) into a
 * PbsJobRecord. Values keep the text PBS printed, so typing never loses it.
 */
import type { PbsJobRecord } from "./types.ts";

/** A parsed value: a string, a bare JSON token (kept verbatim), or an object. */
export type Value =
  | { kind: "str"; v: string }
  | { kind: "bare"; raw: string }
  | { kind: "obj"; map: Map<string, Value> };

/** The text of a scalar; objects have none. */
export function asText(v: Value | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (v.kind === "str") return v.v;
  if (v.kind === "bare") return v.raw;
  return undefined;
}

/** A bare token as JSON would read it, or its raw text when it is not valid JSON. */
function bareValue(raw: string): unknown {
  const t = raw.trim();
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(t)) return Number(t);
  if (t === "true" || t === "false" || t === "null" || t.startsWith("[")) {
    try {
      return JSON.parse(t);
    } catch {
      return raw;
    }
  }
  return raw;
}

function plain(v: Value): unknown {
  if (v.kind === "str") return v.v;
  if (v.kind === "bare") return bareValue(v.raw);
  return Object.fromEntries([...v.map].map(([k, x]) => [k, plain(x)]));
}

function textMap(v: Value | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (v?.kind !== "obj") return out;
  for (const [k, x] of v.map) {
    const t = asText(x);
    out[k] = t ?? JSON.stringify(plain(x));
  }
  return out;
}

/** An integer as PBS prints one (`42`, `-29`, ` 271 `); anything else is undefined. */
export function asInt(v: Value | undefined): number | undefined {
  const t = asText(v)?.trim();
  return t !== undefined && /^[+-]?\d+$/.test(t) ? Number(t) : undefined;
}

/** The attributes a record holds in its own fields; every other one goes to `attrs`. */
export const RECORD_FIELDS: ReadonlySet<string> = new Set([
  "job_state",
  "substate",
  "Exit_status",
  "comment",
  "Job_Name",
  "Job_Owner",
  "queue",
  "ctime",
  "qtime",
  "stime",
  "mtime",
  "obittime",
  "Variable_List",
  "Resource_List",
]);

/** The record for one job's attributes. */
export function toRecord(id: string, attrs: Map<string, Value>): PbsJobRecord {
  const text = (k: string) => asText(attrs.get(k));
  const rec: PbsJobRecord = {
    id,
    times: {},
    variables: textMap(attrs.get("Variable_List")),
    resources: textMap(attrs.get("Resource_List")),
    attrs: {},
  };
  const set = <K extends keyof PbsJobRecord>(k: K, v: PbsJobRecord[K] | undefined) => {
    if (v !== undefined) rec[k] = v;
  };
  set("state", text("job_state")?.trim());
  set("substate", asInt(attrs.get("substate")));
  set("exitStatus", asInt(attrs.get("Exit_status")));
  set("comment", text("comment"));
  set("name", text("Job_Name"));
  set("owner", text("Job_Owner"));
  set("queue", text("queue"));
  for (const t of ["ctime", "qtime", "stime", "mtime", "obittime"] as const) {
    const v = text(t);
    if (v !== undefined) rec.times[t] = v;
  }
  for (const [k, v] of attrs) if (!RECORD_FIELDS.has(k)) rec.attrs[k] = plain(v);
  return rec;
}
