/**
 * A fast path for `qstat -f -F json`: when the document is valid JSON (the
 * usual case), the runtime's JSON.parse reads it and the records are built
 * from that; only a document the encoder broke (invalid escapes, bare `.5`,
 * an unescaped leading quote, ...) goes to the repairing parser in parse/,
 * which is thorough but about a hundred times slower.
 * @module
 */

import { parseQstatJson } from "./parse/index.ts";
import { RECORD_FIELDS } from "./parse/record.ts";
import type { ParseResult, PbsJobRecord } from "./parse/types.ts";

/** The text of a scalar as PBS printed it; objects have none. */
function text(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (v === null || typeof v !== "object") return v === undefined ? undefined : JSON.stringify(v);
  return undefined;
}

function int(v: unknown): number | undefined {
  const t = text(v)?.trim();
  return t !== undefined && /^[+-]?\d+$/.test(t) ? Number(t) : undefined;
}

function textMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v === null || typeof v !== "object" || Array.isArray(v)) return out;
  for (const k in v as Record<string, unknown>) {
    const x = (v as Record<string, unknown>)[k];
    out[k] = text(x) ?? JSON.stringify(x);
  }
  return out;
}

/**
 * One job straight from JSON.parse output, with the same meaning as the
 * repairing parser's records (tested to agree), without its value tree.
 */
function record(id: string, a: Record<string, unknown>): PbsJobRecord {
  const rec: PbsJobRecord = {
    id,
    times: {},
    variables: textMap(a.Variable_List),
    resources: textMap(a.Resource_List),
    attrs: {},
  };
  const state = text(a.job_state)?.trim();
  if (state !== undefined) rec.state = state;
  const substate = int(a.substate);
  if (substate !== undefined) rec.substate = substate;
  const exit = int(a.Exit_status);
  if (exit !== undefined) rec.exitStatus = exit;
  const comment = text(a.comment);
  if (comment !== undefined) rec.comment = comment;
  const name = text(a.Job_Name);
  if (name !== undefined) rec.name = name;
  const owner = text(a.Job_Owner);
  if (owner !== undefined) rec.owner = owner;
  const queue = text(a.queue);
  if (queue !== undefined) rec.queue = queue;
  for (const t of ["ctime", "qtime", "stime", "mtime", "obittime"] as const) {
    const v = text(a[t]);
    if (v !== undefined) rec.times[t] = v;
  }
  for (const k in a) if (!RECORD_FIELDS.has(k)) rec.attrs[k] = a[k];
  return rec;
}

function addJobs(all: unknown, jobs: Map<string, PbsJobRecord>, problems: string[]): void {
  for (const id in all as Record<string, unknown>) {
    const v = (all as Record<string, unknown>)[id];
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
      problems.push(`job ${id}: not an object`);
    } else jobs.set(id, record(id, v as Record<string, unknown>));
  }
}

const JOB_START = /^ {8}"[^"]*":\{$/;
const JOB_END = /^ {8}\},?$/;

/**
 * An invalid v23 document, one job block at a time: the blocks JSON.parse
 * accepts take the fast path, only the broken ones the repairing parser.
 * Undefined when the layout is not the v23 one.
 */
function perJob(stdout: string): ParseResult | undefined {
  const lines = stdout.split("\n");
  const first = lines.indexOf('    "Jobs":{');
  if (first < 0) return undefined;
  const jobs = new Map<string, PbsJobRecord>();
  const problems: string[] = [];
  for (let i = first + 1; i < lines.length; i++) {
    if (!JOB_START.test(lines[i])) continue;
    let j = i + 1;
    while (j < lines.length && !JOB_END.test(lines[j])) j++;
    if (j >= lines.length) return undefined; // truncated: let the thorough parser judge
    const block = [...lines.slice(i, j), "        }"].join("\n");
    try {
      addJobs(JSON.parse(`{${block}}`), jobs, problems);
    } catch {
      const slow = parseQstatJson(`{\n    "Jobs":{\n${block}\n    }\n}\n`);
      for (const [id, rec] of slow.jobs) jobs.set(id, rec);
      problems.push(...slow.problems);
    }
    i = j;
  }
  return { jobs, problems };
}

/** Jobs by id from `qstat -f -F json` stdout. Never throws. */
export function parseStatusJson(stdout: string): ParseResult {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    try {
      return perJob(stdout) ?? parseQstatJson(stdout);
    } catch {
      return parseQstatJson(stdout);
    }
  }
  const jobs = new Map<string, PbsJobRecord>();
  const problems: string[] = [];
  const all = (doc as { Jobs?: unknown } | null)?.Jobs;
  if (all === undefined) {
    if (typeof doc !== "object" || doc === null || !("pbs_version" in doc)) {
      problems.push("no qstat JSON document found");
    }
    return { jobs, problems };
  }
  if (typeof all !== "object" || all === null) return parseQstatJson(stdout);
  addJobs(all, jobs, problems);
  return { jobs, problems };
}
