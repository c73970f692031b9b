/**
 * @module
 * The default `qstat` table (`display_statjob` without `-f`), normal and `-w`.
 */
import type { StatJob } from "./types.ts";

const HEADER = "Job id            Name             User              Time Use S Queue\n" +
  "----------------  ---------------- ----------------  -------- - -----\n";
// When max_job_sequence_id is above 9999999 (ALT_DISPLAY_INCR_WIDTH).
const HEADER_INCR = "Job id                 Name             User              Time Use S Queue\n" +
  "---------------------  ---------------- ----------------  -------- - -----\n";
const HEADER_WIDE =
  "Job id                         Name            User             Time Use S Queue\n" +
  "-----------------------------  --------------- ---------------  -------- - ---------------\n";

/** Table options: `-w`, and the wider id column used when max_job_sequence_id > 9999999. */
export interface TableOptions {
  wide?: boolean;
  incrWidth?: boolean;
}

/** The two header lines (each ending in a newline). */
export function formatTableHeader(opts: TableOptions = {}): string {
  return opts.wide ? HEADER_WIDE : opts.incrWidth ? HEADER_INCR : HEADER;
}

/** Keep `len - 1` characters and a `*` when longer than `len` (`trunc_value` style). */
function cut(s: string, len: number): string {
  return s.length > len ? s.slice(0, len - 1) + "*" : s;
}

const left = (s: string, w: number) => s.padEnd(w, " ");
const right = (s: string, w: number) => s.padStart(w, " ");

/** The id up to (not including) its second dot: `1234.srv.dom` shows as `1234.srv`. */
function shortId(id: string): string {
  const first = id.indexOf(".");
  if (first < 0) return id;
  const second = id.indexOf(".", first + 1);
  return second < 0 ? id : id.slice(0, second);
}

/** One row, newline included. Missing attributes print as glibc prints NULL: `(null)`. */
export function formatTableRow(job: StatJob, opts: TableOptions = {}): string {
  const wide = opts.wide ?? false;
  let name: string | undefined;
  let owner: string | undefined;
  let timeu: string | undefined;
  let state: string | undefined;
  let queue: string | undefined;
  for (const a of job.attrs) {
    if (a.name === "Job_Name") {
      const n = wide ? 15 : 16; // a name of exactly n characters is cut too
      name = a.value.length >= n ? a.value.slice(0, n - 1) + "*" : a.value;
    } else if (a.name === "Job_Owner") {
      owner = cut(a.value.split("@")[0], wide ? 15 : 16);
    } else if (a.name === "resources_used" && a.resource === "cput") {
      timeu = cut(a.value, 8);
    } else if (a.name === "job_state") {
      state = cut(a.value, 1);
    } else if (a.name === "queue") {
      queue = cut(a.value.split("@")[0], wide ? 15 : 16);
    }
  }
  const idWidth = wide ? 30 : opts.incrWidth ? 22 : 17;
  const id = cut(shortId(job.id), idWidth);
  const nul = "(null)";
  const cols = wide ? [30, 15, 15, 15] : [idWidth, 16, 16, 16];
  return `${left(id, cols[0])} ${left(name ?? nul, cols[1])} ${left(owner ?? nul, cols[2])}  ${
    right(timeu ?? "0", 8)
  } ${right(state ?? nul, 1)} ${left(queue ?? nul, cols[3])}\n`;
}
