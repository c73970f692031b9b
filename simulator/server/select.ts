/**
 * `-l` resources as the server turns them into a job's Resource_List:
 * `select`/`place` parsing, defaults, and per-job totals (set_select_and_place,
 * set_chunk_sum in svr_jobfunc.c).
 * @module
 */
import { PBSE, PBSE_MORE, PbsError } from "./errors.ts";
import { formatDuration, formatSize, parseDuration, parseSize } from "./units.ts";

/** Resources a chunk may ask for. */
const CHUNK_RESOURCES = new Set([
  "ncpus",
  "mem",
  "vmem",
  "ngpus",
  "mpiprocs",
  "ompthreads",
  "host",
  "vnode",
  "arch",
  "aoe",
  "naccelerators",
  "accelerator",
  "accelerator_model",
]);
/** Resources valid job-wide (`-l name=value`) but not inside a chunk. */
const JOB_ONLY_RESOURCES = new Set([
  "select",
  "place",
  "walltime",
  "cput",
  "pcput",
  "pmem",
  "pvmem",
  "file",
  "nice",
  "software",
  "nodes",
  "soft_walltime",
  "min_walltime",
  "max_walltime",
  "preempt_targets",
  "site",
  "start_time",
  "nodect",
]);
const SIZE_RESOURCES = new Set(["mem", "vmem", "pmem", "pvmem", "file"]);
const TIME_RESOURCES = new Set([
  "walltime",
  "cput",
  "pcput",
  "soft_walltime",
  "min_walltime",
  "max_walltime",
]);
const INT_RESOURCES = new Set([
  "ncpus",
  "ngpus",
  "mpiprocs",
  "ompthreads",
  "nice",
  "naccelerators",
]);

export function isKnownResource(name: string): boolean {
  return CHUNK_RESOURCES.has(name) || JOB_ONLY_RESOURCES.has(name);
}

/** Client-side (ECL) value check; false means "Illegal attribute or resource value". */
export function isValidResourceValue(name: string, value: string): boolean {
  if (TIME_RESOURCES.has(name)) return parseDuration(value) !== undefined;
  if (SIZE_RESOURCES.has(name)) return parseSize(value) !== undefined;
  if (INT_RESOURCES.has(name)) return /^\d+$/.test(value.trim());
  return true;
}

export interface Chunk {
  count: number;
  ncpus: number;
  memBytes: number;
  ngpus: number;
  mpiprocs: number;
  ompthreads: number;
  host?: string;
  /** Every resource exactly as written, in the order written. */
  res: [string, string][];
}

export type Arrangement = "free" | "pack" | "scatter" | "vscatter";
export interface Place {
  arrangement: Arrangement;
  sharing: "shared" | "excl" | "exclhost" | undefined;
}

export interface JobResources {
  chunks: Chunk[];
  place: Place;
  /** Seconds, when a walltime was asked for. */
  walltime?: number;
  /** Resource_List entries (name → displayed value), unsorted. */
  list: Map<string, string>;
}

function parseChunk(text: string): Chunk {
  const parts = text.split(":");
  let count = 1;
  let i = 0;
  if (/^\d+$/.test(parts[0])) {
    count = Number(parts[0]);
    i = 1;
  }
  const chunk: Chunk = {
    count,
    ncpus: 1,
    memBytes: 0,
    ngpus: 0,
    mpiprocs: 0,
    ompthreads: 0,
    res: [],
  };
  if (count < 1) {
    throw new PbsError(PBSE.BADATVAL, "Illegal attribute or resource value Resource_List.select");
  }
  const seen = new Set<string>();
  for (; i < parts.length; i++) {
    const m = /^([A-Za-z_][\w-]*)=(.+)$/.exec(parts[i]);
    if (!m) {
      throw new PbsError(PBSE.BADATVAL, "Illegal attribute or resource value Resource_List.select");
    }
    const [, name, value] = m;
    if (JOB_ONLY_RESOURCES.has(name)) {
      throw new PbsError(
        PBSE_MORE.INVALSELECTRESC,
        `Resource invalid in "select" specification: ${name}`,
      );
    }
    if (!CHUNK_RESOURCES.has(name)) throw new PbsError(PBSE.UNKRESC, `Unknown resource: ${name}`);
    if (seen.has(name)) throw new PbsError(15116, `Duplicate entry in resource request: ${name}`);
    if (!isValidResourceValue(name, value)) {
      throw new PbsError(PBSE.BADATVAL, `Illegal attribute or resource value: ${name}`);
    }
    seen.add(name);
    chunk.res.push([name, value]);
    if (name === "ncpus") chunk.ncpus = Number(value);
    else if (name === "mem") chunk.memBytes = parseSize(value)!.bytes;
    else if (name === "ngpus") chunk.ngpus = Number(value);
    else if (name === "mpiprocs") chunk.mpiprocs = Number(value);
    else if (name === "ompthreads") chunk.ompthreads = Number(value);
    else if (name === "host" || name === "vnode") chunk.host = value;
  }
  return chunk;
}

export function parseSelect(spec: string): Chunk[] {
  if (spec.trim() === "") {
    throw new PbsError(PBSE.BADATVAL, "Illegal attribute or resource value Resource_List.select");
  }
  return spec.split("+").map(parseChunk);
}

export function parsePlace(spec: string): Place {
  let arrangement: Arrangement = "free";
  let sharing: Place["sharing"];
  for (const word of spec.split(":")) {
    if (word === "free" || word === "pack" || word === "scatter" || word === "vscatter") {
      arrangement = word;
    } else if (word === "excl" || word === "shared" || word === "exclhost") sharing = word;
    else if (/^group=/.test(word)) continue;
    else {throw new PbsError(
        PBSE.BADATVAL,
        "Illegal attribute or resource value Resource_List.place",
      );}
  }
  return { arrangement, sharing };
}

/**
 * Builds a job's Resource_List from merged `-l` pairs (last writer already won).
 * Throws PbsError with the server's code and text on anything it would refuse.
 */
export function buildResources(requested: Map<string, string>): JobResources {
  for (const [name, value] of requested) {
    if (!isKnownResource(name)) {
      throw new PbsError(PBSE.UNKRESC, `Unknown resource Resource_List.${name}`);
    }
    if (!isValidResourceValue(name, value)) {
      throw new PbsError(
        PBSE.BADATVAL,
        `Illegal attribute or resource value Resource_List.${name}`,
      );
    }
  }
  const list = new Map<string, string>();
  const select = requested.get("select");
  const placeText = requested.get("place");
  let chunks: Chunk[];
  let place: Place;
  if (select !== undefined) {
    for (const name of ["ncpus", "mem", "ngpus", "mpiprocs", "vmem"]) {
      if (requested.has(name)) {
        throw new PbsError(
          PBSE_MORE.INVALJOBRESC,
          `"-lresource=" cannot be used with "select" or "place", resource is: ${name}`,
        );
      }
    }
    chunks = parseSelect(select);
    place = placeText ? parsePlace(placeText) : { arrangement: "free", sharing: undefined };
    list.set("select", select);
    list.set("place", placeText ?? "free");
  } else {
    if (placeText !== undefined) {
      throw new PbsError(PBSE_MORE.PLACENOSELECT, `Cannot have "place" without "select"`);
    }
    const parts = [`ncpus=${requested.get("ncpus") ?? "1"}`];
    for (const name of ["mem", "ngpus"]) {
      const v = requested.get(name);
      if (v !== undefined) parts.push(`${name}=${v}`);
    }
    const spec = `1:${parts.join(":")}`;
    chunks = parseSelect(spec);
    place = { arrangement: "pack", sharing: undefined };
    list.set("select", spec);
    list.set("place", "pack");
  }
  sumChunks(chunks, list);
  let walltime: number | undefined;
  for (const [name, value] of requested) {
    if (name === "select" || name === "place" || list.has(name)) continue;
    if (TIME_RESOURCES.has(name)) {
      const secs = parseDuration(value)!;
      if (name === "walltime") walltime = secs;
      list.set(name, formatDuration(secs));
    } else list.set(name, value);
  }
  return { chunks, place, walltime, list };
}

/** ncpus, mem, ngpus, mpiprocs, vmem summed over chunks; nodect = chunk count. */
function sumChunks(chunks: Chunk[], list: Map<string, string>): void {
  let ncpus = 0, nodect = 0;
  const sums = new Map<string, { total: number; unit: string }>();
  for (const c of chunks) {
    ncpus += c.count * c.ncpus;
    nodect += c.count;
    for (const [name, value] of c.res) {
      if (name === "ncpus") continue;
      if (SIZE_RESOURCES.has(name)) {
        const s = parseSize(value)!;
        const prev = sums.get(name);
        sums.set(name, {
          total: (prev?.total ?? 0) + c.count * s.bytes,
          unit: prev?.unit ?? s.unit,
        });
      } else if (INT_RESOURCES.has(name) && name !== "ompthreads") {
        const prev = sums.get(name);
        sums.set(name, { total: (prev?.total ?? 0) + c.count * Number(value), unit: "" });
      }
    }
  }
  list.set("ncpus", String(ncpus));
  list.set("nodect", String(nodect));
  for (const [name, { total, unit }] of sums) {
    list.set(name, SIZE_RESOURCES.has(name) ? formatSize(total, unit) : String(total));
  }
}
