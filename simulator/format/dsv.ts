/**
 * @module
 * `qstat -f -F dsv [-D delim]`: one line per job, `Job Id: <id>` then
 * `name[.resource]=value` fields, all joined by the delimiter (default `|`).
 */
import { orderAttrs } from "./attr-order.ts";
import { cstr, showNonprint } from "./c-text.ts";
import { displayValue } from "./display-values.ts";
import type { StatJob } from "./types.ts";

/**
 * `escape_delimiter(value, delim, '\\')`: a backslash not followed by `'`, `"`
 * or `,` is doubled, and every occurrence of the delimiter gets a backslash.
 */
export function escapeDelimiter(s: string, delim: string): string {
  if (s === "" || delim === "") return s;
  let out = "";
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    const next = s[i + 1];
    const escapedAlready = next === "'" || next === '"' || next === ",";
    if ((c === "\\" && !escapedAlready) || (delim.length === 1 && c === delim)) {
      out += "\\" + c;
      i++;
    } else if (s.startsWith(delim, i)) {
      out += "\\" + delim;
      i += delim.length;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** `qstat -f -F dsv` output for these jobs. */
export function formatDsv(jobs: StatJob[], opts: { delimiter?: string } = {}): string {
  const d = opts.delimiter ?? "|";
  return jobs.map((job) => {
    const fields = orderAttrs(job.attrs).map((a) => {
      const v = escapeDelimiter(cstr(displayValue(a)), d).replace(/\n/g, "\\n").replace(
        /\f/g,
        "\\f",
      );
      const name = a.resource === undefined ? a.name : `${a.name}.${a.resource}`;
      return `${name}=${showNonprint(v)}`;
    });
    return `Job Id: ${job.id}${d}${fields.join(d)}\n`;
  }).join("");
}
