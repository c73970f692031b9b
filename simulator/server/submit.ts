/**
 * Turning a SubmitRequest into job records: validation against queues and
 * limits (the server's refusals and their codes), names, paths, arrays.
 * @module
 */
import { PBSE, PbsError } from "./errors.ts";
import { type ArraySpec, SimJob, type SubmitRequest } from "./job.ts";
import { buildResources, type JobResources } from "./select.ts";
import type { SimServer } from "./server.ts";
import { parseSize } from "./units.ts";
import { parseDuration } from "./units.ts";

/** `-J X-Y[:Z][%max]`; undefined when malformed. */
export function parseArraySpec(text: string): ArraySpec | undefined {
  const m = /^(\d+)-(\d+)(?::(\d+))?(?:%(\d+))?$/.exec(text);
  if (!m) return undefined;
  const start = Number(m[1]), end = Number(m[2]), step = m[3] ? Number(m[3]) : 1;
  const maxRun = m[4] ? Number(m[4]) : undefined;
  if (end <= start || step < 1 || maxRun === 0) return undefined;
  return { start, end, step, maxRun, text };
}

export function arrayIndices(a: ArraySpec): number[] {
  const out: number[] = [];
  for (let i = a.start; i <= a.end; i += a.step) out.push(i);
  return out;
}

/** Compares a job's request with a queue's resources_max (old-style limit). */
function exceedsMax(res: JobResources, max: Record<string, string>): boolean {
  for (const [name, limit] of Object.entries(max)) {
    const want = res.list.get(name);
    if (want === undefined) continue;
    if (name === "walltime" || name === "cput") {
      if (parseDuration(want)! > parseDuration(limit)!) return true;
    } else if (name === "mem" || name === "vmem") {
      if (parseSize(want)!.bytes > parseSize(limit)!.bytes) return true;
    } else if (Number(want) > Number(limit)) return true;
  }
  return false;
}

function defaultPath(
  srv: SimServer,
  workdir: string,
  name: string,
  letter: string,
  seq: number,
  array: boolean,
) {
  return `${srv.host}:${workdir}/${name}.${letter}${seq}${array ? ".^array_index^" : ""}`;
}

function resolvePath(srv: SimServer, given: string, workdir: string, fallback: string): string {
  let host = srv.host;
  let path = given;
  const m = /^([^:/]+):(.*)$/.exec(given);
  if (m) [host, path] = [m[1], m[2]];
  if (!path.startsWith("/")) path = `${workdir}/${path}`;
  if (path.endsWith("/")) path += fallback.slice(fallback.lastIndexOf("/") + 1);
  return `${host}:${path}`;
}

/**
 * Identical requests share one immutable JobResources (a million jobs of a
 * few shapes must not hold a million copies).
 */
const resourceCache = new WeakMap<SimServer, Map<string, JobResources>>();
function cachedResources(srv: SimServer, pairs: [string, string][]): JobResources {
  let cache = resourceCache.get(srv);
  if (!cache) resourceCache.set(srv, cache = new Map());
  const key = pairs.map(([k, v]) => `${k}=${v}`).join("\n");
  let res = cache.get(key);
  if (!res) {
    res = buildResources(new Map(pairs));
    if (cache.size > 10_000) cache.clear();
    cache.set(key, res);
  }
  return res;
}

const varCache = new WeakMap<SubmitRequest, Map<string, string>>();
function cachedVariableList(srv: SimServer, req: SubmitRequest, queue: string): string {
  let byQueue = varCache.get(req);
  if (!byQueue) varCache.set(req, byQueue = new Map());
  let text = byQueue.get(queue);
  if (text === undefined) {
    const vars: [string, string][] = [...(req.variables ?? []), ["PBS_O_QUEUE", queue], [
      "PBS_O_HOST",
      srv.host,
    ]];
    text = vars.map(([k, v]) => `${k}=${v.replace(/,/g, "\\,")}`).join(",");
    byQueue.set(queue, text);
  }
  return text;
}

/** Creates the job (and its subjobs) or throws the server's refusal. */
export function createJob(srv: SimServer, req: SubmitRequest): SimJob {
  const queueName = req.queue ?? srv.defaultQueue;
  if (!queueName) throw new PbsError(PBSE.QUENODFLT);
  const queue = srv.queues.get(queueName);
  if (!queue) throw new PbsError(PBSE.UNKQUE);
  if (queue.config.enabled === false) throw new PbsError(PBSE.QUNOENB);
  const resources = cachedResources(srv, req.resources ?? []);
  if (queue.config.resourcesMax && exceedsMax(resources, queue.config.resourcesMax)) {
    throw new PbsError(PBSE.EXCQRESC);
  }
  if (queue.config.maxQueued !== undefined && queue.jobCount >= queue.config.maxQueued) {
    throw new PbsError(15142, `Maximum number of jobs already in queue ${queueName}`);
  }
  let arraySpec: ArraySpec | undefined;
  if (req.array !== undefined) {
    arraySpec = parseArraySpec(req.array);
    if (!arraySpec) {
      throw new PbsError(
        PBSE.BADATVAL,
        "Illegal attribute or resource value array_indices_submitted",
      );
    }
    if (arrayIndices(arraySpec).length > srv.maxArraySize) throw new PbsError(PBSE.MAXARRAYSIZE);
  }
  const seq = srv.nextSeq();
  const id = arraySpec ? `${seq}[].${srv.name}` : `${seq}.${srv.name}`;
  const name = req.name ?? "STDIN";
  const workdir = req.workdir ?? req.home ?? "/";
  const outputPath = req.outputPath
    ? resolvePath(
      srv,
      req.outputPath,
      workdir,
      defaultPath(srv, workdir, name, "o", seq, !!arraySpec),
    )
    : undefined;
  const errorPath = req.errorPath
    ? resolvePath(
      srv,
      req.errorPath,
      workdir,
      defaultPath(srv, workdir, name, "e", seq, !!arraySpec),
    )
    : undefined;
  const variableList = cachedVariableList(srv, req, queueName);
  const now = srv.nowSec();
  const job = new SimJob(
    seq,
    id,
    req,
    resources,
    name,
    queueName,
    now,
    srv.host,
    outputPath,
    errorPath,
    variableList,
  );
  job.outcome = req.outcome;
  job.executionTime = req.executionTime;
  if (req.hold) job.holdTypes = "u";
  if (arraySpec) {
    job.arraySpec = arraySpec;
    job.subjobs = arrayIndices(arraySpec).map((i) => {
      const sid = `${seq}[${i}].${srv.name}`;
      const sub = new SimJob(
        seq,
        sid,
        req,
        resources,
        name,
        queueName,
        now,
        srv.host,
        outputPath,
        errorPath,
        variableList,
        job,
        i,
      );
      return sub;
    });
  }
  return job;
}
