/**
 * A job as it is saved (simulator/journal.ts writes these), and bringing saved
 * jobs back into a fresh server. A job that was running when the server went
 * away keeps running: in model mode its end is scheduled again from its start;
 * in execute mode the MoM re-adopts its process, or reads the exit status the
 * job's wrapper left. A job whose process left no trace (the machine rebooted)
 * ends with Exit_status -4 (JOB_EXEC_INITABT, "aborted on MoM initialization"):
 * it is never silently run a second time. Dependency holds are re-linked to
 * the jobs they wait for.
 * @module
 */
import type { JobState, SimJob, SubmitRequest } from "./server/job.ts";
import { becomeEligible, finalizeJob } from "./server/lifecycle.ts";
import { ALLOC_STRIDE, type SimNode } from "./server/nodes.ts";
import { scheduleModelEnd } from "./server/model.ts";
import type { SimServer } from "./server/server.ts";
import { createJob } from "./server/submit.ts";
import { registerDepends } from "./server/depend.ts";

/** What changes in a job after it is created (everything but its request). */
export interface JobFields {
  seq: number;
  state: JobState;
  substate: number;
  ctime: number;
  mtime: number;
  etime?: number;
  stime?: number;
  obittime?: number;
  holdTypes: string;
  dependText?: string;
  note?: string;
  runAt?: number;
  suffix: string;
  runCount: number;
  exitStatus?: number;
  usedWalltime: number;
  executionTime?: number;
  sessionId?: number;
  startedAtMs?: number;
  ending?: "deleted" | "walltime" | "forced";
  deletedBy?: string;
  subjobs?: JobFields[];
}

export interface SavedJob extends JobFields {
  req: SubmitRequest;
}

export function jobFields(j: SimJob): JobFields {
  return {
    seq: j.seq,
    state: j.state,
    substate: j.substate,
    ctime: j.ctime,
    mtime: j.mtime,
    etime: j.etime,
    stime: j.stime,
    obittime: j.obittime,
    holdTypes: j.holdTypes,
    dependText: j.dependText,
    note: j.note,
    runAt: j.runAt,
    suffix: j.suffix,
    runCount: j.runCount,
    exitStatus: j.exitStatus,
    usedWalltime: j.usedWalltime,
    executionTime: j.executionTime,
    sessionId: j.sessionId,
    startedAtMs: j.startedAtMs,
    ending: j.ending,
    deletedBy: j.deletedBy,
    subjobs: j.subjobs?.map(jobFields),
  };
}

/** The fields a job changes after it is created (all but `seq`, `ctime` and `subjobs`). */
const CHANGING = [
  "state",
  "substate",
  "mtime",
  "etime",
  "stime",
  "obittime",
  "holdTypes",
  "dependText",
  "note",
  "runAt",
  "suffix",
  "runCount",
  "exitStatus",
  "usedWalltime",
  "executionTime",
  "sessionId",
  "startedAtMs",
  "ending",
  "deletedBy",
] as const;

/** Whether `j` still has the fields `f` was taken from (cheaper than taking them again). */
export function unchanged(j: SimJob, f: JobFields): boolean {
  for (const k of CHANGING) if (j[k] !== f[k]) return false;
  const subs = j.subjobs;
  if (!subs) return true;
  for (let i = 0; i < subs.length; i++) if (!unchanged(subs[i], f.subjobs![i])) return false;
  return true;
}

export function savedJob(j: SimJob): SavedJob {
  return { req: j.req, ...jobFields(j) };
}

function restoreInto(job: SimJob, s: JobFields): void {
  Object.assign(job, {
    state: s.state,
    substate: s.substate,
    mtime: s.mtime,
    etime: s.etime,
    stime: s.stime,
    obittime: s.obittime,
    holdTypes: s.holdTypes,
    dependText: s.dependText,
    note: s.note,
    runAt: s.runAt,
    suffix: s.suffix,
    runCount: s.runCount,
    exitStatus: s.exitStatus,
    usedWalltime: s.usedWalltime,
    executionTime: s.executionTime,
    sessionId: s.sessionId,
    startedAtMs: s.startedAtMs,
    ending: s.ending,
    deletedBy: s.deletedBy,
  });
  (job as { ctime: number }).ctime = s.ctime;
}

/** Loads saved jobs into an empty server; the next id is `lastSeq + 1`. */
export function restoreJobs(srv: SimServer, saved: Iterable<SavedJob>, lastSeq: number): number {
  let count = 0;
  const running: SimJob[] = [];
  for (const s of saved) {
    count++;
    srv.lastSeq = s.seq - 1;
    const job = createJob(srv, s.req);
    restoreInto(job, s);
    job.subjobs?.forEach((sub, i) => s.subjobs?.[i] && restoreInto(sub, s.subjobs[i]));
    srv.jobs.set(job.id, job);
    for (const sub of job.subjobs ?? []) srv.jobs.set(sub.id, sub);
    if (!job.finished) srv.queues.get(job.queue)!.jobCount++;
    for (const j of [job, ...(job.subjobs ?? [])]) {
      if (j.state === "R" || j.state === "E") running.push(j);
      else revive(srv, j);
    }
  }
  srv.lastSeq = lastSeq;
  // Running jobs take their nodes back before the scheduler hands them out.
  for (const j of running) resume(srv, j);
  // Dependency links come back once every job is there to link to.
  for (const job of srv.jobs.values()) {
    if (job.req.depend !== undefined && job.state === "H" && job.holdTypes.includes("s")) {
      registerDepends(srv, job);
    }
  }
  srv.markDirty();
  srv.tick();
  return count;
}

function revive(srv: SimServer, j: SimJob): void {
  if (j.state === "F") srv.addHistory(j);
  else if (j.state === "Q") becomeEligible(srv, j);
  else if (j.state === "W" && j.executionTime !== undefined) {
    srv.schedule(j.executionTime * 1000, "exectime", j);
  }
}

/** A job that was running (or exiting) when the server went away. */
function resume(srv: SimServer, j: SimJob): void {
  if (j.state === "E") {
    finalizeJob(srv, j, j.exitStatus);
    return;
  }
  if (!retakeNodes(srv, j)) {
    lost(srv, j, "Job lost: its nodes are gone since the simulator restarted");
    return;
  }
  const startedAt = j.startedAtMs ?? (j.stime ?? srv.nowSec()) * 1000;
  j.startedAtMs = startedAt;
  j.runGen++;
  if (srv.mode === "execute") {
    if (!srv.executor?.adopt?.(j)) {
      lost(srv, j, "Job lost: the simulator restarted and found no trace of its process");
      return;
    }
    const wall = j.resources.walltime;
    if (wall !== undefined && j.ending === undefined) {
      srv.schedule(startedAt + (wall + 1) * 1000, "walltime", j);
    }
    // A qdel whose SIGKILL was still to come: it comes now.
    if (j.ending === "deleted" || j.ending === "walltime") {
      srv.schedule(srv.nowMs() + srv.killDelayMs, "sigkill", j);
    }
  } else if (j.ending !== undefined) {
    finalizeJob(srv, j, j.ending === "walltime" ? -29 : j.ending === "forced" ? 265 : 271);
  } else scheduleModelEnd(srv, j, startedAt);
}

function lost(srv: SimServer, j: SimJob, why: string): void {
  j.comment = why;
  finalizeJob(srv, j, -4);
}

/** Places a running job on nodes again (bookkeeping of startJob, without starting anything). */
function retakeNodes(srv: SimServer, j: SimJob): boolean {
  const placed = srv.pool.place(j.resources.chunks, j.resources.place);
  if (!Array.isArray(placed)) return false;
  j.alloc = placed;
  j.onNodes = true;
  for (let i = 0; i < placed.length; i += ALLOC_STRIDE) (placed[i] as SimNode).jobs.add(j.id);
  srv.queues.get(j.queue)!.running++;
  if (j.parent) j.parent.runningSubjobs++;
  return true;
}
