/**
 * The scheduling cycle. Eligible jobs wait in per-shape FIFO lists (a shape is
 * a queue plus an identical resource request). Within a cycle a request that
 * did not fit will not fit later in the same cycle (capacity only shrinks), so
 * each shape's head is tried once after its last success: a cycle costs
 * O((starts + shapes) · log shapes), never O(queued jobs). Queues are walked by
 * priority, jobs by submission order, and a later small job passes a blocked big one.
 * @module
 */
import { EventHeap } from "./heap.ts";
import type { SimJob } from "./job.ts";
import { startJob } from "./lifecycle.ts";
import type { Shortfall } from "./nodes.ts";
import type { Chunk, Place } from "./select.ts";
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
  /** The scheduler's last word on this shape ("Not Running: ..."), if it failed. */
  reason?: string;
}

export function shapeKeyOf(job: SimJob): string {
  const r = job.resources;
  const arr = job.parent?.arraySpec?.maxRun !== undefined ? `|a${job.parent.seq}` : "";
  return `${job.queue}|${r.list.get("select")}|${r.list.get("place")}${arr}`;
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
  };
}

function describe(s: Shortfall): string {
  if (s.kind === "nodes") return "Not enough free nodes available";
  const f = s.resource === "mem" ? formatSizeShort : String;
  return `Insufficient amount of resource: ${s.resource} (R: ${f(s.requested)} A: ${
    f(s.available)
  } T: ${f(s.total)})`;
}

/** "Can Never Run" when the request exceeds the whole (up) cluster or any single host. */
function neverReason(srv: SimServer, shape: Shape): string | undefined {
  const p = srv.pool;
  const total = (res: "ncpus" | "mem" | "ngpus", want: number, avail: number, tot: number) =>
    want > tot
      ? describe({ kind: "resource", resource: res, requested: want, available: avail, total: tot })
      : undefined;
  const whole = total("ncpus", shape.ncpus, p.freeNcpus, p.totalNcpus) ??
    total("mem", shape.memBytes, p.freeMem, p.totalMem) ??
    total("ngpus", shape.ngpus, p.freeGpus, p.totalGpus);
  if (whole) return whole;
  const big = p.largest();
  if (shape.place.arrangement === "pack") {
    if (shape.ncpus > big.ncpus || shape.memBytes > big.memBytes || shape.ngpus > big.ngpus) {
      return "Not enough total nodes available";
    }
  }
  for (const c of shape.chunks) {
    if (c.ncpus > big.ncpus || c.memBytes > big.memBytes || c.ngpus > big.ngpus) {
      return "Not enough total nodes available";
    }
  }
  const distinct = shape.place.arrangement !== "free" && shape.place.arrangement !== "pack" ||
    shape.place.sharing === "excl";
  if (distinct && shape.chunks.reduce((a, c) => a + c.count, 0) > p.upCount()) {
    return "Not enough total nodes available";
  }
  return undefined;
}

interface Pending {
  at: number;
  seq: number;
  shape: Shape;
}

export function runCycle(srv: SimServer): void {
  const queues = [...srv.queues.values()].sort((a, b) =>
    (b.config.priority ?? 0) - (a.config.priority ?? 0)
  );
  for (const q of queues) {
    if (q.config.started === false) continue;
    const agenda = new EventHeap<Pending>();
    let n = 0;
    for (const shape of q.shapes.values()) {
      if (shape.head < shape.jobs.length) {
        agenda.push({ at: shape.jobs[shape.head].rank, seq: n++, shape });
      }
    }
    for (let p = agenda.pop(); p; p = agenda.pop()) {
      const shape = p.shape;
      const job = shape.jobs[shape.head];
      srv.decisions++;
      if (q.config.maxRun !== undefined && q.running >= q.config.maxRun) {
        const why = `Not Running: Queue ${q.config.name} job limit has been reached.`;
        shape.reason = why;
        for (let r = agenda.pop(); r; r = agenda.pop()) r.shape.reason = why;
        break;
      }
      const parent = job.parent;
      if (
        parent?.arraySpec?.maxRun !== undefined && parent.runningSubjobs >= parent.arraySpec.maxRun
      ) {
        shape.reason = "Not Running: max_run_subjobs limit reached";
        continue;
      }
      const never = neverReason(srv, shape);
      if (never) {
        shape.reason = `Can Never Run: ${never}`;
        continue;
      }
      if (
        shape.ncpus > srv.pool.freeNcpus || shape.memBytes > srv.pool.freeMem ||
        shape.ngpus > srv.pool.freeGpus
      ) {
        shape.reason = `Not Running: ${describe(srv.pool.shortfall(shape.chunks))}`;
        continue;
      }
      const placed = srv.pool.place(shape.chunks, shape.place);
      if (!Array.isArray(placed)) {
        shape.reason = `Not Running: ${describe(placed)}`;
        continue;
      }
      shape.reason = undefined;
      shape.head++;
      job.shapeKey = undefined;
      startJob(srv, job, placed);
      compact(shape);
      if (shape.head < shape.jobs.length) {
        agenda.push({ at: shape.jobs[shape.head].rank, seq: n++, shape });
      }
    }
    for (const [key, shape] of q.shapes) if (shape.head >= shape.jobs.length) q.shapes.delete(key);
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
  return srv.queues.get(job.queue)?.shapes.get(job.shapeKey)?.reason;
}
