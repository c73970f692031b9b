/**
 * The optional state file: a JSON snapshot of the server's jobs so a restarted
 * CLI server remembers them. Running jobs cannot be re-attached (their MoM
 * went with the old process), so they come back requeued, as PBS requeues
 * rerunnable jobs whose node was lost; the others end with Exit_status -3.
 * Dependency holds are re-linked to the jobs they wait for.
 * @module
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import type { JobState, SimJob, SubmitRequest } from "./server/job.ts";
import { becomeEligible, finalizeJob } from "./server/lifecycle.ts";
import type { SimServer } from "./server/server.ts";
import { createJob } from "./server/submit.ts";
import { registerDepends } from "./server/depend.ts";

interface SavedJob {
  req: SubmitRequest;
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
  subjobs?: SavedJob[];
}

interface Snapshot {
  version: 1;
  server: string;
  lastSeq: number;
  jobs: SavedJob[];
}

function save(j: SimJob): SavedJob {
  return {
    req: j.req,
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
    subjobs: j.subjobs?.map(save),
  };
}

export function writeState(srv: SimServer, path: string): void {
  const snap: Snapshot = {
    version: 1,
    server: srv.name,
    lastSeq: srv.lastSeq,
    jobs: [...srv.order()].map(save),
  };
  writeFileSync(`${path}.tmp`, JSON.stringify(snap));
  renameSync(`${path}.tmp`, path);
}

function restoreInto(job: SimJob, s: SavedJob): void {
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
  });
  (job as { ctime: number }).ctime = s.ctime;
}

/** Loads a snapshot into an empty server; returns the number of jobs restored. */
export function readState(srv: SimServer, path: string): number {
  let snap: Snapshot;
  try {
    snap = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return 0;
  }
  if (snap.version !== 1 || snap.server !== srv.name) return 0;
  for (const s of snap.jobs) {
    srv.lastSeq = s.seq - 1;
    const job = createJob(srv, s.req);
    restoreInto(job, s);
    job.subjobs?.forEach((sub, i) => s.subjobs?.[i] && restoreInto(sub, s.subjobs[i]));
    srv.jobs.set(job.id, job);
    for (const sub of job.subjobs ?? []) srv.jobs.set(sub.id, sub);
    if (!job.finished) srv.queues.get(job.queue)!.jobCount++;
    for (const j of [job, ...(job.subjobs ?? [])]) revive(srv, j);
  }
  srv.lastSeq = snap.lastSeq;
  // Dependency links come back once every job is there to link to.
  for (const job of srv.jobs.values()) {
    if (job.req.depend !== undefined && job.state === "H" && job.holdTypes.includes("s")) {
      registerDepends(srv, job);
    }
  }
  srv.markDirty();
  srv.tick();
  return snap.jobs.length;
}

function revive(srv: SimServer, j: SimJob): void {
  if (j.state === "F") {
    srv.addHistory(j);
  } else if (j.state === "R" || j.state === "E") {
    if (j.req.rerunable === false) {
      j.comment = "Job lost when the simulator restarted";
      finalizeJob(srv, j, -3);
    } else {
      j.comment = "Job requeued: the simulator restarted";
      becomeEligible(srv, j);
    }
  } else if (j.state === "Q") becomeEligible(srv, j);
  else if (j.state === "W" && j.executionTime !== undefined) {
    srv.schedule(j.executionTime * 1000, "exectime", j);
  }
}
