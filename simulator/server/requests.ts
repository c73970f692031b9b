/**
 * What a user or a fault asks of jobs: qdel, qhold, qrls (with the owner
 * check), dependency aborts, node death. The server wraps each in a tick.
 * @module
 */
import { PBSE, PbsError } from "./errors.ts";
import type { SimJob } from "./job.ts";
import { endRunningJob, finalizeJob, removeFromShape, requeueJob } from "./lifecycle.ts";
import { waitingComment } from "./scheduler.ts";
import type { SimServer } from "./server.ts";

/** qdel: ends or removes the job; throws PbsError like the server would. */
export function deleteJob(
  srv: SimServer,
  id: string,
  user: string,
  opts: { force?: boolean; purge?: boolean },
): void {
  const job = srv.find(id);
  if (!job) throw new PbsError(PBSE.UNKJOBID);
  if (job.isHistory || (job.state === "X" && job.parent)) {
    if (opts.purge) {
      if (job.parent) throw new PbsError(PBSE.NOHISTARRAYSUBJOB);
      srv.forget(job);
      return;
    }
    throw new PbsError(PBSE.HISTJOBID);
  }
  checkOwner(job, user);
  if (job.state === "E" && !opts.force) throw new PbsError(PBSE.BADSTATE);
  deleteOne(srv, job, user, !!opts.force);
  if (opts.purge && job.isHistory) srv.forget(job);
}

function deleteOne(srv: SimServer, job: SimJob, user: string, force: boolean): void {
  srv.touch(job);
  if (job.subjobs) {
    for (const s of job.subjobs) if (!s.finished) deleteOne(srv, s, user, force);
    if (!job.finished) finalizeJob(srv, job, undefined, "deleted");
    return;
  }
  job.deletedBy = `${user}@${srv.host}`;
  if (job.state === "R" || job.state === "E") {
    job.ending = force ? "forced" : "deleted";
    if (srv.mode === "execute" && srv.executor && job.state === "R") {
      srv.executor.signal(job, force ? "SIGKILL" : "SIGTERM");
      if (!force) srv.schedule(srv.nowMs() + srv.killDelayMs, "sigkill", job);
      return;
    }
    if (job.state === "E") finalizeJob(srv, job, job.exitStatus, "deleted");
    else endRunningJob(srv, job, force ? 265 : 271);
    return;
  }
  // The scheduler's last word becomes the job's own comment, then " and terminated".
  const waiting = waitingComment(srv, job);
  if (waiting !== undefined) job.comment = waiting;
  removeFromShape(srv, job);
  finalizeJob(srv, job, undefined, "deleted");
}

/**
 * Ends a job whose dependency can never be met. As the real server does, it
 * leaves F/92 without Exit_status or comment: "Job deleted as result of
 * dependency on job <id>" goes to the server log only (seen on OpenPBS
 * 23.06.06 by test/pbs-real/differential).
 */
export function abortJob(srv: SimServer, job: SimJob): void {
  srv.touch(job);
  removeFromShape(srv, job);
  finalizeJob(srv, job, undefined, "aborted");
}

/** qhold: adds hold types; a running job keeps running. */
export function holdJob(srv: SimServer, id: string, user: string, types: string): void {
  const job = liveJob(srv, id, user);
  if (job.state === "E") throw new PbsError(PBSE.BADSTATE);
  const targets = job.subjobs
    ? [job, ...job.subjobs.filter((s) => !s.finished && s.state !== "R")]
    : [job];
  for (const j of targets) {
    srv.touch(j);
    j.holdTypes = mergeHolds(j.holdTypes, types);
    if (j.state === "R" || j.state === "B") continue;
    removeFromShape(srv, j);
    j.state = "H";
    j.substate = 20;
    j.comment = `Job held by ${user} on ${srv.ctime(srv.nowSec())}`;
    j.mtime = srv.nowSec();
  }
}

/** qrls: drops hold types; with none left (and no pending dependency) the job queues. */
export function releaseJob(srv: SimServer, id: string, _user: string, types: string): void {
  const job = liveJob(srv, id, _user);
  const targets = job.subjobs ? [job, ...job.subjobs.filter((s) => s.state === "H")] : [job];
  for (const j of targets) {
    srv.touch(j);
    let holds = j.holdTypes === "n" ? "" : j.holdTypes;
    for (const t of types) {
      if (t !== "s" || j.depends.every((d) => d.pending.length === 0)) {
        holds = holds.replace(t, "");
      }
    }
    j.holdTypes = holds || "n";
    if (j.state !== "H") continue;
    j.mtime = srv.nowSec();
    if (j.holdTypes === "n") {
      j.comment = undefined;
      if (j.parent && j.parent.state === "H") continue;
      srv.placeNewJob(j);
    } else j.substate = j.holdTypes === "s" ? 22 : 20;
  }
}

function liveJob(srv: SimServer, id: string, user: string): SimJob {
  const job = srv.find(id);
  if (!job) throw new PbsError(PBSE.UNKJOBID);
  if (job.finished) throw new PbsError(PBSE.HISTJOBID);
  checkOwner(job, user);
  return job;
}

/** A node dies: rerunnable jobs on it requeue, the others end. */
export function killNode(srv: SimServer, name: string): void {
  for (const id of srv.pool.setDown(name, true)) {
    const job = srv.jobs.get(id);
    if (!job || job.state !== "R") continue;
    srv.touch(job);
    if (srv.mode === "execute") srv.executor?.signal(job, "SIGKILL");
    if (job.req.rerunable !== false) {
      requeueJob(srv, job, `Job requeued, execution node ${name} down`);
    } else {
      job.ending = "forced";
      job.comment = "Non-rerunable job deleted on requeue";
      endRunningJob(srv, job, -20);
    }
  }
}

/** Only the owner (or root, the simulator's only manager) may act on a job. */
function checkOwner(job: SimJob, user: string): void {
  if (user !== job.req.user && user !== "root") throw new PbsError(PBSE.PERM);
}

function mergeHolds(current: string, add: string): string {
  const set = new Set((current === "n" ? "" : current) + add);
  return ["u", "o", "s", "p"].filter((c) => set.has(c)).join("") || "n";
}
