/**
 * A job as the server reports it to qstat: StatJob attributes named as
 * `qstat -f` shows them (the formatters put them in PBS's order).
 * @module
 */
import { ctimeString, type StatAttr, type StatJob } from "../format/index.ts";
import type { SimJob } from "./job.ts";
import { waitingComment } from "./scheduler.ts";
import type { SimServer } from "./server.ts";
import { formatDuration } from "./units.ts";

function arrayStateCount(job: SimJob): string {
  let q = 0, r = 0, e = 0, x = 0;
  for (const s of job.subjobs!) {
    if (s.state === "R") r++;
    else if (s.state === "E") e++;
    else if (s.finished) x++;
    else q++;
  }
  return `Queued:${q} Running:${r} Exiting:${e} Expired:${x} `;
}

function remaining(job: SimJob): string {
  const idx = job.subjobs!.filter((s) => !s.finished && s.state !== "R" && s.state !== "E").map((
    s,
  ) => s.arrayIndex!);
  if (idx.length === 0) return "-";
  const out: string[] = [];
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (
      j + 1 < idx.length && idx[j + 1] - idx[j] === idx[1 + i] - idx[i] && idx[j + 1] - idx[j] > 0
    ) j++;
    if (j === i) out.push(String(idx[i]));
    else {
      const step = idx[i + 1] - idx[i];
      out.push(`${idx[i]}-${idx[j]}${step > 1 ? `:${step}` : ""}`);
    }
    i = j + 1;
  }
  return out.join(",");
}

export function statJob(srv: SimServer, job: SimJob): StatJob {
  const a: StatAttr[] = [];
  const add = (name: string, value: string | number | undefined, resource?: string) => {
    if (value !== undefined) {
      a.push(
        resource === undefined
          ? { name, value: String(value) }
          : { name, resource, value: String(value) },
      );
    }
  };
  const req = job.req;
  const ct = (s: number | undefined) => (s === undefined ? undefined : ctimeString(s));
  const ran = job.alloc !== undefined;
  add("Job_Name", job.name);
  add("Job_Owner", `${req.user}@${srv.host}`);
  // MoM reports usage first momReportMs after the start, then every momPollMs;
  // until then a running job shows no resources_used and its start mtime.
  let mtime = job.mtime;
  let reported = ran && !job.subjobs;
  let used = job.usedWalltime;
  if (reported && (job.state === "R" || (job.state === "E" && job.onNodes))) {
    const start = job.startedAtMs ?? srv.nowMs();
    const first = start + (srv.config.momReportMs ?? 2000);
    const poll = srv.config.momPollMs ?? 120_000;
    if (srv.nowMs() < first) reported = false;
    else {
      const last = first + Math.floor((srv.nowMs() - first) / poll) * poll;
      used = Math.floor((last - first) / 1000);
      mtime = Math.max(mtime, Math.floor(last / 1000));
    }
  }
  if (reported) {
    const ncpus = job.resources.list.get("ncpus") ?? "1";
    add("resources_used", 0, "cpupercent");
    add("resources_used", "00:00:00", "cput");
    add("resources_used", "0kb", "mem");
    add("resources_used", ncpus, "ncpus");
    add("resources_used", "0kb", "vmem");
    add("resources_used", formatDuration(used), "walltime");
    for (const [k, v] of Object.entries(job.outcome?.resourcesUsed ?? {})) {
      const i = a.findIndex((x) => x.name === "resources_used" && x.resource === k);
      if (i >= 0) a[i] = { name: "resources_used", resource: k, value: v };
      else a.push({ name: "resources_used", resource: k, value: v });
    }
  }
  add("job_state", job.state);
  add("queue", job.queue);
  add("server", srv.name);
  add("Account_Name", req.account);
  add("Checkpoint", req.checkpoint ?? "u");
  add("ctime", ct(job.ctime));
  add("depend", job.dependText);
  add("Error_Path", job.errorPath);
  add("exec_host", job.execHost);
  add("exec_vnode", job.execVnode);
  add("Execution_Time", ct(job.executionTime ?? req.executionTime));
  add("Hold_Types", job.holdTypes);
  add("Join_Path", req.joinPath ?? "n");
  add("Keep_Files", req.keepFiles ?? "n");
  add("Mail_Points", req.mailPoints ?? "a");
  add("Mail_Users", req.mailUsers);
  add("mtime", ct(mtime));
  add("Output_Path", job.outputPath);
  add("Priority", req.priority ?? 0);
  add("qtime", ct(job.qtime));
  add("Rerunable", req.rerunable === false ? "False" : "True");
  for (const [k, v] of job.resources.list) add("Resource_List", v, k);
  add("stime", ct(job.stime));
  add("obittime", ct(job.obittime));
  add("session_id", job.sessionId);
  add("Shell_Path_List", req.shell);
  add("sandbox", req.sandbox);
  if (ran) add("jobdir", req.home);
  add("substate", job.substate);
  add("Variable_List", job.variableList);
  add("comment", waitingComment(srv, job) ?? job.comment);
  add("etime", ct(job.etime));
  if (job.runCount > 0 || ran) add("run_count", job.runCount);
  if (job.isHistory && ran) add("Stageout_status", 1);
  add("Exit_status", job.exitStatus);
  add("Submit_arguments", req.submitArguments);
  if (req.executable !== undefined) {
    add("executable", req.executable);
    if (req.argumentList?.length) {
      add(
        "argument_list",
        req.argumentList.map((x) => `<jsdl-hpcpa:Argument>${x}</jsdl-hpcpa:Argument>`).join(""),
      );
    }
  }
  if (job.subjobs) {
    add("array", "True");
    add("array_state_count", arrayStateCount(job));
    add("array_indices_submitted", job.arraySpec!.text.replace(/%\d+$/, ""));
    add("array_indices_remaining", remaining(job));
    if (job.arraySpec!.maxRun !== undefined) add("max_run_subjobs", job.arraySpec!.maxRun);
  }
  if (job.parent) {
    add("array_id", job.parent.id);
    add("array_index", job.arrayIndex);
  }
  if (job.state === "F" || job.state === "X") add("history_timestamp", job.historyTs);
  add("project", req.project ?? "_pbs_project_default");
  for (const [k, v] of req.extraAttributes ?? []) add(k, v);
  add("Submit_Host", srv.host);
  return { id: job.id, attrs: a };
}
