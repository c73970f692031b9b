/**
 * `-W depend=`: a job waits in H/22 (Hold_Types s) until the jobs it depends
 * on satisfy it; when they end so that it never can, it is deleted with PBS's
 * message. Dependents are kept on the parent, so ends cost O(dependents).
 * @module
 */
import { PBSE, PbsError } from "./errors.ts";
import type { DependType, SimJob } from "./job.ts";
import { becomeEligible } from "./lifecycle.ts";
import type { SimServer } from "./server.ts";

const TYPES = new Set(["after", "afterok", "afternotok", "afterany"]);
const IGNORED = new Set(["before", "beforeok", "beforenotok", "beforeany", "on", "runone"]);

/** true satisfied, false never, undefined not yet. */
function verdict(type: DependType, parent: SimJob): boolean | undefined {
  if (type === "after") {
    return parent.runCount > 0 || parent.state === "R" ? true : parent.finished ? false : undefined;
  }
  if (!parent.finished) return undefined;
  const status = parent.exitStatus;
  if (type === "afterany") return true;
  if (type === "afterok") return status === 0;
  return status !== 0;
}

/** Parses and registers a new job's dependencies (throws before any change on bad syntax). */
export function registerDepends(srv: SimServer, job: SimJob): void {
  const text = job.req.depend;
  if (text === undefined) return;
  const shown: string[] = [];
  const parsed: { type: DependType; ids: string[] }[] = [];
  for (const clause of text.split(",")) {
    const [type, ...ids] = clause.split(":");
    if (IGNORED.has(type)) continue;
    if (!TYPES.has(type) || ids.length === 0) {
      throw new PbsError(PBSE.BADATVAL, "Illegal attribute or resource value depend");
    }
    const full = ids.map((i) => srv.normalizeId(i.split("@")[0]));
    if (full.some((f) => f === undefined)) {
      throw new PbsError(PBSE.BADATVAL, "Illegal attribute or resource value depend");
    }
    parsed.push({ type: type as DependType, ids: full as string[] });
    shown.push(`${type}:${(full as string[]).map((f) => `${f}@${srv.name}`).join(":")}`);
  }
  srv.touch(job);
  job.dependText = shown.join(",");
  job.depends = [];
  for (const { type, ids } of parsed) {
    const pending: string[] = [];
    for (const id of ids) {
      const parent = srv.jobs.get(id);
      if (!parent) {
        fail(srv, job);
        continue;
      }
      const v = verdict(type, parent);
      if (v === false) fail(srv, job);
      else if (v === undefined) {
        pending.push(id);
        (parent.dependents ??= []).push(job.id);
      }
    }
    job.depends.push({ type, pending });
  }
  if (!job.dependFailed && job.depends.some((d) => d.pending.length > 0)) {
    job.holdTypes = job.holdTypes === "n"
      ? "s"
      : job.holdTypes.includes("s")
      ? job.holdTypes
      : `${job.holdTypes}s`;
  }
}

/** The server aborts the job on its next pass, as post_doq does. */
function fail(srv: SimServer, job: SimJob): void {
  if (job.dependFailed) return;
  srv.touch(job);
  job.dependFailed = true;
  srv.schedule(srv.nowMs(), "depabort", job);
}

function settle(srv: SimServer, parent: SimJob): void {
  for (const childId of parent.dependents ?? []) {
    const child = srv.jobs.get(childId);
    if (!child || child.finished || child.dependFailed) continue;
    srv.touch(child);
    for (const d of child.depends) {
      if (!d.pending.includes(parent.id)) continue;
      const v = verdict(d.type, parent);
      if (v === undefined) continue;
      d.pending = d.pending.filter((p) => p !== parent.id);
      if (v === false) {
        child.dependFailed = true;
        srv.abortJob(child);
        break;
      }
    }
    if (
      !child.finished && child.depends.every((d) => d.pending.length === 0) &&
      child.holdTypes.includes("s")
    ) {
      child.holdTypes = child.holdTypes.replace("s", "") || "n";
      if (child.holdTypes === "n" && child.state === "H") {
        child.comment = undefined;
        becomeEligible(srv, child);
      }
    }
  }
}

export function dependOnStart(srv: SimServer, job: SimJob): void {
  if (job.dependents) settle(srv, job);
}

export function dependOnEnd(srv: SimServer, job: SimJob): void {
  if (job.dependents) settle(srv, job);
}
