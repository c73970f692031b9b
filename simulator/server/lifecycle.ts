/**
 * A job's life: becoming eligible, starting on its placements, ending (via E
 * when a fault says so) into history, requeue after a node failure, and the
 * array parent's state that follows its subjobs.
 * @module
 */
import { dependOnEnd, dependOnStart } from "./depend.ts";
import type { SimJob } from "./job.ts";
import { type Alloc, ALLOC_STRIDE, type SimNode } from "./nodes.ts";
import { dequeue, enqueue } from "./scheduler.ts";
import { scheduleModelEnd } from "./model.ts";
import type { SimServer } from "./server.ts";

/** Q/10: in line for the scheduler (an array parent lines up its subjobs). */
export function becomeEligible(srv: SimServer, job: SimJob): void {
  srv.touch(job);
  const now = srv.nowSec();
  job.state = "Q";
  job.substate = 10;
  job.etime ??= now;
  job.mtime = now;
  srv.markDirty();
  if (job.subjobs) {
    for (const s of job.subjobs) {
      if (s.finished || s.state === "R" || s.state === "E" || s.holdTypes !== "n") continue;
      s.state = "Q";
      s.substate = 10;
      s.etime ??= now;
      if (s.shapeKey === undefined) enqueue(srv, s);
    }
    return;
  }
  if (job.shapeKey === undefined) enqueue(srv, job);
}

export function removeFromShape(srv: SimServer, job: SimJob): void {
  dequeue(srv, job);
}

export function startJob(srv: SimServer, job: SimJob, alloc: Alloc): void {
  srv.touch(job);
  const now = srv.nowSec();
  const q = srv.queues.get(job.queue)!;
  job.alloc = alloc;
  job.onNodes = true;
  for (let i = 0; i < alloc.length; i += ALLOC_STRIDE) (alloc[i] as SimNode).jobs.add(job.id);
  job.state = "R";
  job.substate = 42;
  job.stime = now;
  job.mtime = now;
  job.startedAtMs = srv.nowMs();
  job.runCount++;
  job.runGen++;
  job.ending = undefined;
  job.note = undefined;
  job.runAt = now;
  job.suffix = "";
  q.running++;
  const parent = job.parent;
  if (parent) {
    parent.runningSubjobs++;
    if (parent.state !== "B") {
      parent.state = "B";
      parent.substate = 70;
      parent.stime ??= now;
      parent.mtime = now;
      parent.comment = `Job Array Began at ${srv.ctime(now)}`;
    }
  }
  if (srv.mode === "execute" && srv.executor) {
    job.sessionId = srv.executor.start(job);
    const wall = job.resources.walltime;
    if (wall !== undefined) srv.schedule(srv.nowMs() + (wall + 1) * 1000, "walltime", job);
  } else {
    job.sessionId = srv.nextSessionId();
    scheduleModelEnd(srv, job, srv.nowMs());
  }
  dependOnStart(srv, job);
}

function releaseNodes(srv: SimServer, job: SimJob): void {
  const a = job.alloc;
  if (!job.onNodes || !a) return;
  job.onNodes = false;
  const excl = job.resources.place.sharing === "excl" || job.resources.place.sharing === "exclhost";
  srv.pool.release(a, job.resources.chunks, excl);
  for (let i = 0; i < a.length; i += ALLOC_STRIDE) (a[i] as SimNode).jobs.delete(job.id);
  const q = srv.queues.get(job.queue)!;
  q.running--;
  if (job.parent) job.parent.runningSubjobs--;
}

/** A running job's process is over: E (if a fault holds it there), then F. */
export function endRunningJob(srv: SimServer, job: SimJob, exitStatus: number): void {
  srv.touch(job);
  job.usedWalltime = Math.floor((srv.nowMs() - (job.startedAtMs ?? srv.nowMs())) / 1000);
  const linger = srv.linger.get(job.id) ?? srv.lingerAll;
  if (linger > 0) {
    srv.linger.delete(job.id);
    job.state = "E";
    job.substate = 51;
    job.exitStatus = exitStatus;
    job.mtime = srv.nowSec();
    srv.schedule(srv.nowMs() + linger, "linger", job, exitStatus);
    return;
  }
  finalizeJob(srv, job, exitStatus);
}

/**
 * Into history (F, or X for a subjob). `exitStatus` undefined means the job
 * never ran this time (deleted while queued): no Exit_status, as PBS.
 */
export function finalizeJob(
  srv: SimServer,
  job: SimJob,
  exitStatus: number | undefined,
  how?: "deleted" | "aborted",
): void {
  srv.touch(job);
  const now = srv.nowSec();
  const ran = job.onNodes;
  releaseNodes(srv, job);
  dequeue(srv, job);
  const deleted = how === "deleted" || job.ending === "deleted" || job.ending === "forced";
  if (job.subjobs) {
    finishParent(srv, job, deleted);
    return;
  }
  job.exitStatus = exitStatus;
  job.obittime = now;
  job.mtime = now;
  if (ran || exitStatus !== undefined) {
    if (job.ending === "walltime") job.appendComment(" and exceeded resource walltime");
    else if (deleted && job.note !== "Non-rerunable job deleted on requeue") {
      job.appendComment(` and terminated by ${job.deletedBy}`);
    } else if (!deleted) job.appendComment(exitStatus === 0 ? " and finished" : " and failed");
    job.substate = deleted ? 91 : exitStatus === 0 ? 92 : 93;
    if (!deleted) job.sessionId = undefined;
  } else {
    if (how === "deleted" && job.comment !== undefined) {
      job.appendComment(" and terminated");
    }
    // A job deleted for a dependency that can never be met: 92, as the real server records it.
    job.substate = how === "aborted" ? 92 : 91;
  }
  job.state = job.parent ? "X" : "F";
  const q = srv.queues.get(job.queue)!;
  if (!job.parent) {
    q.jobCount--;
    toHistory(srv, job);
  }
  dependOnEnd(srv, job);
  if (job.parent) maybeFinishParent(srv, job.parent);
  srv.markDirty();
}

function toHistory(srv: SimServer, job: SimJob): void {
  if (!srv.historyEnabled) srv.forget(job);
  else srv.addHistory(job);
}

function maybeFinishParent(srv: SimServer, parent: SimJob): void {
  if (parent.finished || !parent.subjobs!.every((s) => s.finished)) return;
  finishParent(srv, parent, false);
}

/** Array parent F: Exit_status 0 all ok, 1 some failed, 2 some deleted. */
function finishParent(srv: SimServer, parent: SimJob, deleted: boolean): void {
  const now = srv.nowSec();
  const subs = parent.subjobs!;
  const anyDeleted = deleted || subs.some((s) => s.substate === 91);
  const anyFailed = subs.some((s) => s.exitStatus !== undefined && s.exitStatus !== 0);
  parent.exitStatus = anyDeleted ? 2 : anyFailed ? 1 : 0;
  parent.state = "F";
  // Once the array has ended the real qstat -x -t shows its subjobs F, no longer X.
  for (const s of subs) if (s.state === "X") s.state = "F";
  parent.substate = anyDeleted ? 91 : anyFailed ? 93 : 92;
  parent.obittime = now;
  parent.mtime = now;
  srv.queues.get(parent.queue)!.jobCount--;
  toHistory(srv, parent);
  dependOnEnd(srv, parent);
  srv.markDirty();
}

/** Node failure with a rerunnable job: back to Q with its run_count kept. */
export function requeueJob(srv: SimServer, job: SimJob, comment: string): void {
  srv.touch(job);
  releaseNodes(srv, job);
  job.runGen++;
  job.alloc = undefined;
  job.stime = undefined;
  job.sessionId = undefined;
  job.comment = comment;
  if (job.runCount > 20) {
    job.holdTypes = "s";
    job.state = "H";
    job.substate = 20;
    job.comment = "job held, too many failed attempts to run";
    return;
  }
  becomeEligible(srv, job);
}
