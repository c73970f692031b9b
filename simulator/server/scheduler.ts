/**
 * The scheduling cycle. Eligible jobs wait in per-shape FIFO lists (a shape is
 * a queue plus an identical resource request). Within a cycle a request that
 * did not fit will not fit later in the same cycle (capacity only shrinks), so
 * each shape's head is tried once after its last success: a cycle costs
 * O((starts + shapes) · log shapes), never O(queued jobs). Queues are walked by
 * priority, jobs by submission order, and a later small job passes a blocked big one.
 * @module
 */
import type { SimJob } from "./job.ts";
import { startJob } from "./lifecycle.ts";
import type { Chunk, JobResources, Place } from "./select.ts";
import type { SimServer } from "./server.ts";
import { formatSizeShort } from "./units.ts";

export interface Shape {
  key: string;
  chunks: Chunk[];
  place: Place;
  ncpus: number;
  memBytes: number;
  ngpus: number;
  /** Eligible jobs in rank order; entries before `head` are gone. */
  jobs: SimJob[];
  head: number;
  /**
   * The scheduler's last word on this shape when it could not start, kept as
   * numbers so a cycle allocates nothing; `reasonText` renders it.
   */
  why?: "resource" | "nodes" | "limit" | "maxrun";
  never: boolean;
  whyRes: "ncpus" | "mem" | "ngpus";
  whyR: number;
  whyA: number;
  whyT: number;
  /** Agenda keys (the shape is its own heap entry). */
  at: number;
  seq: number;
}

/** Shape keys by request and queue: built once, not a string per queued job. */
const shapeKeys = new WeakMap<JobResources, Map<string, string>>();

export function shapeKeyOf(job: SimJob): string {
  const r = job.resources;
  const key = (arr: string) => `${job.queue}|${r.list.get("select")}|${r.list.get("place")}${arr}`;
  if (job.parent?.arraySpec?.maxRun !== undefined) return key(`|a${job.parent.seq}`);
  let byQueue = shapeKeys.get(r);
  if (!byQueue) shapeKeys.set(r, byQueue = new Map());
  let k = byQueue.get(job.queue);
  if (k === undefined) byQueue.set(job.queue, k = key(""));
  return k;
}

export function newShape(job: SimJob, key: string): Shape {
  let ncpus = 0, memBytes = 0, ngpus = 0;
  for (const c of job.resources.chunks) {
    ncpus += c.count * c.ncpus;
    memBytes += c.count * c.memBytes;
    ngpus += c.count * c.ngpus;
  }
  return {
    key,
    chunks: job.resources.chunks,
    place: job.resources.place,
    ncpus,
    memBytes,
    ngpus,
    jobs: [],
    head: 0,
    never: false,
    whyRes: "ncpus",
    whyR: 0,
    whyA: 0,
    whyT: 0,
    at: 0,
    seq: 0,
  };
}

/** "Not Running: ..." / "Can Never Run: ..." for a shape's last verdict. */
export function reasonText(shape: Shape, queueName: string): string | undefined {
  if (shape.why === undefined) return undefined;
  if (shape.why === "limit") return `Not Running: Queue ${queueName} job limit has been reached.`;
  if (shape.why === "maxrun") return "Not Running: max_run_subjobs limit reached";
  const head = shape.never ? "Can Never Run" : "Not Running";
  if (shape.why === "nodes") {
    return `${head}: ${
      shape.never ? "Not enough total nodes available" : "Not enough free nodes available"
    }`;
  }
  const f = shape.whyRes === "mem" ? formatSizeShort : String;
  return `${head}: Insufficient amount of resource: ${shape.whyRes} (R: ${f(shape.whyR)} A: ${
    f(shape.whyA)
  } T: ${f(shape.whyT)})`;
}

function setShort(shape: Shape, res: Shape["whyRes"], r: number, a: number, t: number): true {
  shape.why = "resource";
  shape.whyRes = res;
  shape.whyR = r;
  shape.whyA = a;
  shape.whyT = t;
  return true;
}

/** Sets the verdict when the cluster cannot hold the request now; false if it might. */
function short(srv: SimServer, shape: Shape, totals: boolean): boolean {
  const p = srv.pool;
  if (shape.ncpus > (totals ? p.totalNcpus : p.freeNcpus)) {
    return setShort(shape, "ncpus", shape.ncpus, p.freeNcpus, p.totalNcpus);
  }
  if (shape.memBytes > (totals ? p.totalMem : p.freeMem)) {
    return setShort(shape, "mem", shape.memBytes, p.freeMem, p.totalMem);
  }
  if (shape.ngpus > (totals ? p.totalGpus : p.freeGpus)) {
    return setShort(shape, "ngpus", shape.ngpus, p.freeGpus, p.totalGpus);
  }
  return false;
}

/** "Can Never Run" when the request exceeds the whole (up) cluster or any single host. */
function neverFits(srv: SimServer, shape: Shape): boolean {
  const p = srv.pool;
  shape.never = true;
  if (short(srv, shape, true)) return true;
  const big = p.largest();
  let chunks = 0;
  let bad = shape.place.arrangement === "pack" &&
    (shape.ncpus > big.ncpus || shape.memBytes > big.memBytes || shape.ngpus > big.ngpus);
  for (const c of shape.chunks) {
    chunks += c.count;
    if (c.ncpus > big.ncpus || c.memBytes > big.memBytes || c.ngpus > big.ngpus) bad = true;
  }
  const distinct = (shape.place.arrangement !== "free" && shape.place.arrangement !== "pack") ||
    shape.place.sharing === "excl";
  if (distinct && chunks > p.upCount()) bad = true;
  if (bad) {
    shape.why = "nodes";
    return true;
  }
  shape.never = false;
  return false;
}

export function runCycle(srv: SimServer): void {
  const agenda = srv.agenda;
  for (const q of srv.queueOrder) {
    if (q.config.started === false) continue;
    let n = 0;
    for (const shape of q.shapes.values()) {
      if (shape.head < shape.jobs.length) {
        shape.at = shape.jobs[shape.head].rank;
        shape.seq = n++;
        agenda.push(shape);
      }
    }
    for (let shape = agenda.pop(); shape; shape = agenda.pop()) {
      const job = shape.jobs[shape.head];
      srv.decisions++;
      if (q.config.maxRun !== undefined && q.running >= q.config.maxRun) {
        shape.why = "limit";
        shape.never = false;
        for (let r = agenda.pop(); r; r = agenda.pop()) {
          r.why = "limit";
          r.never = false;
        }
        break;
      }
      const parent = job.parent;
      if (
        parent?.arraySpec?.maxRun !== undefined && parent.runningSubjobs >= parent.arraySpec.maxRun
      ) {
        shape.why = "maxrun";
        continue;
      }
      if (neverFits(srv, shape)) continue;
      if (short(srv, shape, false)) continue;
      const placed = srv.pool.place(shape.chunks, shape.place);
      if (!Array.isArray(placed)) {
        if (placed.kind === "nodes") shape.why = "nodes";
        else setShort(shape, placed.resource, placed.requested, placed.available, placed.total);
        continue;
      }
      shape.why = undefined;
      shape.head++;
      if (shape.head >= shape.jobs.length) q.emptied = true;
      job.shapeKey = undefined;
      startJob(srv, job, placed);
      compact(shape);
      if (shape.head < shape.jobs.length) {
        shape.at = shape.jobs[shape.head].rank;
        shape.seq = n++;
        agenda.push(shape);
      }
    }
    if (q.emptied) {
      q.emptied = false;
      for (const shape of q.shapes.values()) {
        if (shape.head >= shape.jobs.length) q.shapes.delete(shape.key);
      }
    }
  }
}

function compact(shape: Shape): void {
  if (shape.head > 1024 && shape.head * 2 > shape.jobs.length) {
    shape.jobs = shape.jobs.slice(shape.head);
    shape.head = 0;
  }
}

/** Puts an eligible job into its shape's list at its rank. */
export function enqueue(srv: SimServer, job: SimJob): void {
  const q = srv.queues.get(job.queue)!;
  const key = shapeKeyOf(job);
  let shape = q.shapes.get(key);
  if (!shape) q.shapes.set(key, shape = newShape(job, key));
  const list = shape.jobs;
  const rank = job.rank;
  if (list.length === shape.head || list[list.length - 1].rank < rank) list.push(job);
  else {
    let lo = shape.head, hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].rank < rank) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, job);
  }
  job.shapeKey = key;
}

/** Takes a job out of its shape's list (held, deleted). */
export function dequeue(srv: SimServer, job: SimJob): void {
  if (job.shapeKey === undefined) return;
  const shape = srv.queues.get(job.queue)?.shapes.get(job.shapeKey);
  job.shapeKey = undefined;
  if (!shape) return;
  const list = shape.jobs;
  let lo = shape.head, hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].rank < job.rank) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] === job) list.splice(lo, 1);
}

/** The comment a waiting job shows: its shape's last verdict. */
export function waitingComment(srv: SimServer, job: SimJob): string | undefined {
  if (job.state !== "Q" || job.shapeKey === undefined) return undefined;
  const shape = srv.queues.get(job.queue)?.shapes.get(job.shapeKey);
  return shape && reasonText(shape, job.queue);
}
