/**
 * A fast path for `qstat -f -F json`: when the document is valid JSON (the
 * usual case), the runtime's JSON.parse reads it and the records are built
 * from that; only a document the encoder broke (invalid escapes, bare `.5`,
 * an unescaped leading quote, ...) goes to the repairing parser in parse/,
 * which is thorough but about a hundred times slower.
 * @module
 */

import { parseQstatJson } from "./parse/index.ts";
import { toRecord, type Value } from "./parse/record.ts";
import type { ParseResult, PbsJobRecord } from "./parse/types.ts";

function toValue(v: unknown): Value {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const map = new Map<string, Value>();
    for (const k in v as Record<string, unknown>) {
      map.set(k, toValue((v as Record<string, unknown>)[k]));
    }
    return { kind: "obj", map };
  }
  if (typeof v === "string") return { kind: "str", v };
  return { kind: "bare", raw: JSON.stringify(v) };
}

function addJobs(all: unknown, jobs: Map<string, PbsJobRecord>, problems: string[]): void {
  for (const id in all as Record<string, unknown>) {
    const v = toValue((all as Record<string, unknown>)[id]);
    if (v.kind !== "obj") problems.push(`job ${id}: not an object`);
    else jobs.set(id, toRecord(id, v.map));
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
