/**
 * @module
 * Rebuilds the engine's StatJob from a parsed PbsJobRecord, so a capture can
 * be parsed and formatted back. Times are kept as the ctime strings they are.
 */
import type { PbsJobRecord } from "../../src/executors/pbs/parse/index.ts";
import type { StatAttr, StatJob } from "../../simulator/format/index.ts";

const text = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

export function recordToStatJob(rec: PbsJobRecord): StatJob {
  const attrs: StatAttr[] = [];
  const add = (name: string, value: string | undefined) => {
    if (value !== undefined) attrs.push({ name, value });
  };
  add("Job_Name", rec.name);
  add("Job_Owner", rec.owner);
  add("job_state", rec.state);
  add("queue", rec.queue);
  add("substate", rec.substate?.toString());
  add("Exit_status", rec.exitStatus?.toString());
  add("comment", rec.comment);
  for (const [k, v] of Object.entries(rec.times)) add(k, v);
  for (const [resource, value] of Object.entries(rec.resources)) {
    attrs.push({ name: "Resource_List", resource, value });
  }
  if (Object.keys(rec.variables).length > 0 || "Variable_List" in rec.attrs) {
    add(
      "Variable_List",
      Object.entries(rec.variables).map(([k, v]) => `${k}=${v.replace(/,/g, "\\,")}`).join(","),
    );
  }
  for (const [name, v] of Object.entries(rec.attrs)) {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      for (const [resource, rv] of Object.entries(v)) {
        attrs.push({ name, resource, value: text(rv) });
      }
    } else {
      attrs.push({ name, value: text(v) });
    }
  }
  return { id: rec.id, attrs };
}

/** The `timestamp`, `pbs_version` and `pbs_server` of a JSON capture. */
export function jsonHeader(stdout: string) {
  return {
    timestamp: Number(/"timestamp":\s*(\d+)/.exec(stdout)?.[1]),
    pbsVersion: /"pbs_version":\s*"([^"]*)"/.exec(stdout)?.[1] ?? "",
    pbsServer: /"pbs_server":\s*"([^"]*)"/.exec(stdout)?.[1] ?? "",
  };
}
