/**
 * qstat for jobs: the default table, `-f`, `-f -F json` (v23 or cJSON), the
 * alternate table, `-x`, `-t`, `-J`, `-u`, `-w`, and per-operand errors with
 * the last failure's exit code.
 * @module
 */
import {
  formatDsv,
  formatFull,
  formatJsonCjson,
  formatJsonV23,
  formatTableHeader,
  formatTableRow,
  type StatJob,
} from "../format/index.ts";
import { PBSE, pbsText } from "../server/errors.ts";
import type { SimJob } from "../server/job.ts";
import { statJob } from "../server/stat.ts";
import { qstatServer } from "./qstat-server.ts";
import { type CommandContext, Out, type Output, versionAnswer } from "./context.ts";
import { getopt } from "./getopt.ts";
import { altHeader, altRow } from "./qstat-alt.ts";

const USAGE = "usage: \n" +
  "qstat [-f] [-J] [-p] [-t] [-x] [-E] [-F format | -w] [-D delim] [ job_identifier... | destination... ]\n" +
  "qstat [-a|-i|-r|-H|-T] [-J] [-t] [-u user] [-n] [-s] [-G|-M] [-1] [-w]\n" +
  "\t[ job_identifier... | destination... ]\n" +
  "qstat -Q [-f] [-F format] [-D delim] [ destination... ]\n" +
  "qstat -q [-G|-M] [ destination... ]\n" +
  "qstat -B [-f] [-F format] [-D delim] [ server_name... ]\n" +
  "qstat --version\n";

interface Flags {
  f: boolean;
  x: boolean;
  t: boolean;
  J: boolean;
  w: boolean;
  H: boolean;
  alt: boolean;
  n: boolean;
  s: boolean;
  /** -1: the -n/-s extras on the job's own line. */
  one: boolean;
  user?: string;
  json: boolean;
}

export function qstat(ctx: CommandContext): Output {
  const version = versionAnswer(ctx);
  if (version) return version;
  const o = new Out();
  const srv = ctx.server;
  const args = ctx.argv.slice(1);
  const g = getopt("qstat", args, "ainpqrstwxu:fGHJMQEBW:T1F:D:");
  let errs = g.error ? `${g.error}\n` : "";
  const has = (c: string) => g.opts.some(([k]) => k === c);
  const val = (c: string) => g.opts.filter(([k]) => k === c).at(-1)?.[1];
  const F = val("F");
  const fl: Flags = {
    f: has("f"),
    x: has("x") || has("H"),
    t: has("t"),
    J: has("J"),
    w: has("w"),
    H: has("H"),
    alt: ["a", "u", "n", "s", "i", "r", "H"].some(has),
    n: has("n"),
    s: has("s"),
    one: has("1"),
    user: val("u"),
    json: F === "json",
  };
  if (F !== undefined && !fl.f) errs += "qstat: conflicting options.\n";
  // v23 checks -F only against -f, so -u/-a/-n/-s with -f -F json print the
  // alternate table and then a JSON header without Jobs (fixed later, #2676).
  else if (fl.json && fl.alt && srv.config.jsonEncoder === "cjson") {
    errs += "qstat: conflicting options.\n";
  } else if (F !== undefined && F !== "json" && F !== "dsv") errs += `qstat: invalid format ${F}\n`;
  const mixed = fl.json && fl.alt;
  if (fl.w && F !== undefined) errs += "qstat: option w cannot be used with -F\n";
  if (!errs && has("B") && !has("Q") && !has("q")) {
    return qstatServer(srv, { full: fl.f, format: F, operands: g.operands });
  }
  if (errs || has("Q") || has("B") || has("q")) {
    o.err(errs + (errs ? USAGE : "qstat: only job status is simulated\n"));
    o.code = errs ? 2 : 1;
    return o.result();
  }
  srv.tick();
  if (fl.x && !srv.historyEnabled) {
    const ids = g.operands.length ? g.operands : [""];
    for (const id of ids) {
      o.err(`qstat: ${pbsText(PBSE.JOBHISTNOTSET)} ${srv.normalizeId(id) ?? id}\n`);
    }
    o.code = 0;
    return o.result();
  }
  const jsonJobs: StatJob[] = [];
  let headerShown = false;
  const emit = (jobs: SimJob[], operandIndex: number) => {
    const stats = jobs.map((j) => statJob(srv, j));
    if (fl.json && !mixed) {
      if (srv.config.jsonEncoder === "cjson" && srv.config.cjsonMultiIdBug && operandIndex > 0) {
        return;
      }
      jsonJobs.push(...stats);
    } else if (fl.f && !mixed) {
      // -F dsv [-D delimiter]: one line per job.
      o.out(
        F === "dsv" ? formatDsv(stats, { delimiter: val("D") }) : formatFull(stats, { wide: fl.w }),
      );
    } else if (stats.length > 0) {
      // The header comes with the server's status, fetched for the first
      // operand only: when that one fails, later rows print without it.
      if (operandIndex === 0 && !headerShown) {
        o.out(fl.alt ? altHeader(srv.name) : formatTableHeader({ wide: fl.w }));
        headerShown = true;
      }
      for (const s of stats) {
        o.out(
          fl.alt
            ? altRow(s, { nodes: fl.n, comment: fl.s, oneLine: fl.one })
            : formatTableRow(s, { wide: fl.w }),
        );
      }
    }
  };
  const expand = (j: SimJob): SimJob[] => (fl.t && j.subjobs ? [j, ...j.subjobs] : [j]);
  const visible = (j: SimJob) =>
    (fl.x || !j.isHistory) && (!fl.H || j.isHistory) && (!fl.J || j.subjobs) &&
    (fl.user === undefined || fl.user.split(",").includes(j.req.user));
  if (g.operands.length === 0) {
    emit([...srv.order()].filter(visible).flatMap(expand), 0);
  } else {
    g.operands.forEach((operand, i) => {
      if (/^\d/.test(operand)) {
        const id = srv.normalizeId(operand);
        if (id === undefined) {
          o.fail(`qstat: illegally formed job identifier: ${operand}`, 1);
          return;
        }
        const job = srv.jobs.get(id);
        if (!job) return o.fail(`qstat: Unknown Job Id ${id}`, PBSE.UNKJOBID);
        const history = job.isHistory || (job.parent?.isHistory ?? false);
        if (history && !fl.x) {
          return o.fail(
            `qstat: ${id} Job has finished, use -x or -H to obtain historical job information`,
            PBSE.HISTJOBID,
          );
        }
        emit(
          expand(job).filter((j) =>
            fl.user === undefined || fl.user.split(",").includes(j.req.user)
          ),
          i,
        );
        return;
      }
      const qname = operand.split("@")[0];
      if (qname !== "" && !srv.queues.has(qname)) {
        return o.fail(`qstat: Unknown queue destination ${operand}`, PBSE.UNKQUE);
      }
      emit(
        [...srv.order()].filter((j) => (qname === "" || j.queue === qname) && visible(j)).flatMap(
          expand,
        ),
        i,
      );
    });
  }
  if (fl.json) {
    const h = {
      timestamp: srv.nowSec(),
      pbsVersion: srv.config.pbsVersion ?? "23.06.06",
      pbsServer: srv.name,
    };
    const text = srv.config.jsonEncoder === "cjson"
      ? formatJsonCjson(h, jsonJobs)
      : formatJsonV23(h, jsonJobs);
    o.stdout = mixed ? o.stdout + text : text + o.stdout;
  }
  return o.result();
}
