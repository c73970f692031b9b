/**
 * @module
 * `qstat -f -F json` from either encoder (released pbs_json.c or cJSON),
 * valid or not. See docs/pbs-formats.md for the repairs.
 */
import { readJsonLines } from "./json-lines.ts";
import { normalizeNewlines } from "./text.ts";
import { toRecord, type Value } from "./record.ts";
import type { ParseResult, PbsJobRecord } from "./types.ts";

function fromJson(v: unknown): Value {
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    return { kind: "obj", map: new Map(Object.entries(v).map(([k, x]) => [k, fromJson(x)])) };
  }
  if (typeof v === "string") return { kind: "str", v };
  return { kind: "bare", raw: JSON.stringify(v) };
}

/** A compact (one-line) document, which the line reader cannot see into. */
function compactJobs(stdout: string): Map<string, Value> | undefined {
  try {
    const doc = fromJson(JSON.parse(stdout));
    const jobs = doc.kind === "obj" ? doc.map.get("Jobs") : undefined;
    return jobs?.kind === "obj" ? jobs.map : undefined;
  } catch {
    return undefined;
  }
}

/** Jobs by id from `qstat -f -F json` stdout. Never throws. */
export function parseQstatJson(stdout: string): ParseResult {
  const jobs = new Map<string, PbsJobRecord>();
  const problems: string[] = [];
  try {
    stdout = normalizeNewlines(stdout);
    const tree = readJsonLines(stdout);
    const jobsValue = tree.root.get("Jobs");
    let jobMap = jobsValue?.kind === "obj" ? jobsValue.map : undefined;
    let closed = tree.closedJobs;
    let lineProblems = tree.problems;
    if (jobMap === undefined || jobMap.size === 0) {
      // One line, or indented other than by 4 spaces or tabs: valid JSON all the same.
      const compact = compactJobs(stdout);
      if (compact) {
        jobMap = compact;
        closed = new Set(compact.keys());
        lineProblems = [];
      }
    }
    problems.push(...lineProblems);
    for (const [id, v] of jobMap ?? []) {
      if (v.kind !== "obj") {
        problems.push(`job ${id}: not an object`);
      } else if (!closed.has(id)) {
        problems.push(`job ${id}: output ends inside its block (truncated); record dropped`);
      } else {
        jobs.set(id, toRecord(id, v.map));
      }
    }
    if (jobMap === undefined && !tree.root.has("pbs_version") && stdout.trim() !== "") {
      problems.push("no qstat JSON document found");
    }
  } catch (e) {
    problems.push(`unexpected parser failure: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { jobs, problems };
}
