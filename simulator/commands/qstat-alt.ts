/**
 * qstat's alternate table (`-a`, `-u`, `-n`, `-s`; altdsp_statjob), non-wide.
 * @module
 */
import type { StatJob } from "../format/index.ts";

function trunc(v: string, len: number): string {
  return v.length > len ? v.slice(0, len - 1) + "*" : v;
}
const l = (v: string, n: number) => v.slice(0, n).padEnd(n);
const r = (v: string, n: number) => v.slice(0, n).padStart(n);

/** cnv_size with no -G/-M: the value's own unit, raised while over 9999. */
function cnvSize(value: string): string {
  const m = /^(\d+)([kmgt]?)(b|w)?/.exec(value);
  if (!m) return value;
  let n = Number(m[1]);
  const letters = " kmgtp?";
  let out = m[2] ? letters.indexOf(m[2]) : 0;
  while (n > 9999) {
    n = Math.floor((n + 1023) / 1024);
    out++;
  }
  return `${n}${letters[out]}${m[3] ?? "b"}`.replace(" ", "");
}

export function altHeader(server: string): string {
  return `\n${server}: \n${" ".repeat(60)}Req'd  Req'd   Elap\n` +
    "Job ID          Username Queue    Jobname    SessID NDS TSK Memory Time  S Time\n" +
    "--------------- -------- -------- ---------- ------ --- --- ------ ----- - -----\n";
}

export function altRow(
  job: StatJob,
  opts: { nodes?: boolean; comment?: boolean; oneLine?: boolean },
): string {
  const get = (name: string, res?: string) =>
    job.attrs.find((a) => a.name === name && a.resource === res)?.value;
  const blank = " -- ";
  const user = trunc((get("Job_Owner") ?? blank).split("@")[0], 8);
  const queue = trunc(get("queue") ?? blank, 8);
  const name = trunc(get("Job_Name") ?? blank, 10);
  const sess = trunc(get("session_id") ?? blank, 6);
  const nds = trunc(get("Resource_List", "nodect") ?? blank, 3);
  const ncpus = get("Resource_List", "ncpus");
  const tsk = trunc(ncpus && ncpus !== "0" ? ncpus : blank, 3);
  const mem = get("Resource_List", "mem");
  const cput = get("Resource_List", "cput");
  const rq = cput ?? get("Resource_List", "walltime") ?? blank;
  const el = (cput ? get("resources_used", "cput") : get("resources_used", "walltime")) ?? blank;
  const id = trunc(job.id, 15);
  let line =
    `${l(id, 15)} ${l(user, 8)} ${l(queue, 8)} ${l(name, 10)} ${r(sess, 6)} ${r(nds, 3)} ${
      r(tsk, 3)
    } ` +
    `${r(mem ? cnvSize(mem) : blank, 6)} ${r(rq, 5)} ${r(get("job_state") ?? blank, 1)} ${
      r(el, 5)
    }`;
  // As the real qstat prints them: each extra on a line of its own (3 spaces in, ' -- ' when
  // unset); with -1 the nodes follow on the job's line after a space, and so does the comment
  // (after 4 spaces) unless the nodes took that place.
  const hosts = get("exec_host") ?? blank;
  const raw = get("comment");
  const comment = raw === undefined ? blank : raw.length > 74 ? raw.slice(0, 71) + "..." : raw;
  if (opts.nodes) line += opts.oneLine ? ` ${hosts}` : `\n   ${hosts}`;
  if (opts.comment) line += opts.oneLine && !opts.nodes ? `    ${comment}` : `\n   ${comment}`;
  return line + "\n";
}
