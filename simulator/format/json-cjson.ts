/**
 * @module
 * `qstat -f -F json` of OpenPBS master after 2023-12 (cJSON, `pbs_cjson.c`):
 * every value goes through `cJSON_ParseWithOpts`, except Job_Name, project and
 * Account_Name, which are always strings (#2704/#2705). Output is valid JSON.
 */
import { orderAttrs } from "./attr-order.ts";
import { cstr } from "./c-text.ts";
import { cjsonParse, cjsonPrint, type CValue } from "./cjson-value.ts";
import { displayValue } from "./display-values.ts";
import type { QstatHeader, StatJob } from "./types.ts";
import { splitVarListFixed } from "./var-list.ts";

const ALWAYS_STRING = new Set(["Job_Name", "project", "Account_Name"]);

/** `pbs_json_insert_parsed`: the parsed value, or the text as a string. */
function parsed(value: string): CValue {
  return cjsonParse(value) ?? { t: "str", v: value };
}

function jobObject(job: StatJob): CValue {
  const entries: [string, CValue][] = [];
  let resc: { name: string; entries: [string, CValue][] } | null = null;
  for (const a of orderAttrs(job.attrs)) {
    const value = cstr(displayValue(a));
    // Variable_List does not end a pending resource object in qstat; other attributes do.
    if (a.resource === undefined && a.name !== "Variable_List") resc = null;
    if (a.name === "Variable_List" && a.resource === undefined) {
      const vars: [string, CValue][] = [];
      // A pair without `=` makes real qstat fail with "json error"; we drop the pair.
      for (const [k, v] of splitVarListFixed(value)) if (v !== null) vars.push([k, parsed(v)]);
      entries.push([a.name, { t: "obj", entries: vars }]);
    } else if (a.resource !== undefined) {
      if (resc === null || resc.name !== a.name) {
        // A new object even if the name was seen before (duplicate keys, like cJSON).
        resc = { name: a.name, entries: [] };
        entries.push([a.name, { t: "obj", entries: resc.entries }]);
      }
      resc.entries.push([a.resource, parsed(value)]);
    } else if (ALWAYS_STRING.has(a.name)) {
      entries.push([a.name, { t: "str", v: value }]);
    } else {
      entries.push([a.name, parsed(value)]);
    }
  }
  return { t: "obj", entries };
}

/** `qstat -f -F json` of the cJSON builds (always ends with a newline). */
export function formatJsonCjson(h: QstatHeader, jobs: StatJob[]): string {
  const root: [string, CValue][] = [
    ["timestamp", { t: "num", v: h.timestamp }],
    ["pbs_version", { t: "str", v: cstr(h.pbsVersion) }],
    ["pbs_server", { t: "str", v: cstr(h.pbsServer) }],
  ];
  if (jobs.length > 0) {
    root.push(["Jobs", { t: "obj", entries: jobs.map((j) => [j.id, jobObject(j)]) }]);
  }
  return cjsonPrint({ t: "obj", entries: root }, 0) + "\n";
}
