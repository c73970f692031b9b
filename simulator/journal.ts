/**
 * The server's durable state: a snapshot (`<path>`) and an append-only
 * journal (`<path>.journal`). Every change is written to the journal before
 * the command or event that made it returns (the server calls `flush` at the
 * end of each tick), and fsync'd before a command's reply goes out
 * (`durableRunner`; one fsync serves every command waiting), so a job qsub
 * acknowledged, a qdel, a start or an end survives a kill -9 of the process
 * at any instant, and a crash of the machine once acknowledged; a job id is
 * never handed out twice. One journal line holds the jobs that changed
 * since the line before (the whole job when new, its fields after that);
 * when the journal outgrows the snapshot it is folded into a new one.
 *
 * Crash safety of the fold: the snapshot carries a generation, the journal
 * starts with the generation it extends. The new snapshot is renamed into
 * place first, then a fresh journal; a journal of an older generation is
 * already in the snapshot and is ignored.
 * @module
 */
import {
  closeSync,
  fsync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from "node:fs";
import { dirname } from "node:path";
import type { CommandRunner } from "../src/core/command-runner.ts";
import type { SimServer } from "./server/server.ts";
import type { SimJob } from "./server/job.ts";
import {
  type JobFields,
  jobFields,
  restoreJobs,
  type SavedJob,
  savedJob,
  unchanged,
} from "./state.ts";

interface Snapshot {
  version: 1 | 2;
  server: string;
  gen?: number;
  lastSeq: number;
  jobs: SavedJob[];
}

/** One journal line: the id counter, changed jobs (whole when new), forgotten jobs. */
interface Entry {
  seq: number;
  jobs?: (SavedJob | JobFields)[];
  gone?: number[];
}

export interface JournalOptions {
  /** fsync each write (default true; tests that only kill processes may skip it). */
  fsync?: boolean;
  /** Fold the journal into a new snapshot past this many bytes (default: the snapshot's size, at least 1 MiB). */
  compactBytes?: number;
  /**
   * Tests: compare every live job at each flush, and throw on a change the
   * server did not `touch` (a write site that forgot to say so).
   */
  verify?: boolean;
}

export class SimJournal {
  readonly journalPath: string;
  #fd?: number;
  #gen = 0;
  #bytes = 0;
  #limit = 1 << 20;
  /** Every job the journal holds (top-level), by sequence number. */
  #known = new Map<number, SimJob>();
  /** With `verify`: what was written of each live job, to catch a change nobody touched. */
  #fields?: Map<number, JobFields>;
  #lastSeq = 0;
  #closed = false;
  #fsync: boolean;

  constructor(
    readonly server: SimServer,
    readonly path: string,
    readonly options: JournalOptions = {},
  ) {
    this.journalPath = `${path}.journal`;
    this.#fsync = options.fsync ?? true;
  }

  /**
   * Reads the snapshot and the journal into the (empty) server, then folds
   * them into a fresh snapshot. Returns the number of jobs restored.
   */
  load(): number {
    const jobs = new Map<number, SavedJob>();
    let lastSeq = 0;
    let gen = 0;
    const snap = readJson<Snapshot>(this.path);
    if (snap && (snap.version === 1 || snap.version === 2) && snap.server === this.server.name) {
      for (const j of snap.jobs) jobs.set(j.seq, j);
      lastSeq = snap.lastSeq;
      gen = snap.gen ?? 0;
    }
    const lines = readLines(this.journalPath);
    const head = parse<{ gen: number }>(lines[0]);
    if (head?.gen === gen) {
      for (const line of lines.slice(1)) {
        // A torn last line (the machine went down mid-write) was never acknowledged.
        const e = parse<Entry>(line);
        if (!e) break;
        lastSeq = e.seq;
        for (const seq of e.gone ?? []) jobs.delete(seq);
        for (const j of e.jobs ?? []) {
          const had = jobs.get(j.seq);
          if ("req" in j) jobs.set(j.seq, j);
          else if (had) jobs.set(j.seq, { ...had, ...j });
        }
      }
    }
    this.#gen = gen;
    const count = restoreJobs(
      this.server,
      [...jobs.values()].sort((a, b) => a.seq - b.seq),
      lastSeq,
    );
    this.compact();
    return count;
  }

  /**
   * Appends what changed since the last flush; throws (and keeps it pending)
   * when it cannot. Only the jobs the server touched and new ones are looked
   * at: a flush per command stays cheap however many jobs there are.
   */
  flush(): void {
    if (this.#closed) return;
    const srv = this.server;
    const touched = srv.touched ?? new Set<SimJob>();
    const fresh = this.#newJobs();
    for (const j of fresh) touched.add(j);
    if (this.#fields) this.#verify(touched);
    const changed: (SavedJob | JobFields)[] = [];
    const gone: number[] = [];
    for (const j of touched) {
      const known = this.#known.get(j.seq) === j;
      if (srv.jobs.get(j.id) !== j) {
        if (known) gone.push(j.seq);
      } else changed.push(known ? jobFields(j) : savedJob(j));
    }
    if (!changed.length && !gone.length && srv.lastSeq === this.#lastSeq) return;
    const e: Entry = { seq: srv.lastSeq };
    if (changed.length) e.jobs = changed;
    if (gone.length) e.gone = gone;
    this.#append(`${JSON.stringify(e)}\n`);
    for (const j of touched) {
      if (srv.jobs.get(j.id) === j) this.#know(j);
      else if (this.#known.get(j.seq) === j) {
        this.#known.delete(j.seq);
        this.#fields?.delete(j.seq);
      }
    }
    touched.clear();
    this.#lastSeq = srv.lastSeq;
    if (this.#bytes > this.#limit) this.compact();
  }

  #know(j: SimJob): void {
    this.#known.set(j.seq, j);
    if (!this.#fields) return;
    if (j.finished) this.#fields.delete(j.seq);
    else this.#fields.set(j.seq, jobFields(j));
  }

  #verify(touched: Set<SimJob>): void {
    for (const [seq, f] of this.#fields!) {
      const j = this.#known.get(seq)!;
      if (!touched.has(j) && this.server.jobs.get(j.id) === j && !unchanged(j, f)) {
        throw new Error(`journal: ${j.id} changed untouched: ${JSON.stringify(jobFields(j))}`);
      }
    }
  }

  /** Jobs created since the last flush (ids follow the sequence number). */
  #newJobs(): SimJob[] {
    const srv = this.server;
    const out: SimJob[] = [];
    if (srv.lastSeq === this.#lastSeq) return out;
    if (srv.lastSeq > this.#lastSeq && srv.lastSeq - this.#lastSeq <= 100_000) {
      for (let seq = this.#lastSeq + 1; seq <= srv.lastSeq; seq++) {
        const j = srv.jobs.get(`${seq}.${srv.name}`) ?? srv.jobs.get(`${seq}[].${srv.name}`);
        if (j && this.#known.get(seq) !== j) out.push(j);
      }
      return out;
    }
    // The sequence wrapped (or leapt): look at every job.
    for (const j of srv.order()) if (this.#known.get(j.seq) !== j) out.push(j);
    return out;
  }

  /** Writes the whole state as the next generation's snapshot and starts an empty journal. */
  compact(): void {
    if (this.#closed) return;
    const srv = this.server;
    const gen = this.#gen + 1;
    const jobs: SimJob[] = [...srv.order()];
    const snap: Snapshot = {
      version: 2,
      server: srv.name,
      gen,
      lastSeq: srv.lastSeq,
      jobs: jobs.map(savedJob),
    };
    const text = JSON.stringify(snap);
    writeDurably(this.path, text, this.#fsync);
    // The snapshot, fsync'd, holds all the old journal did: nothing is left to sync.
    this.#unsynced = false;
    this.#retire();
    writeDurably(this.journalPath, `${JSON.stringify({ gen })}\n`, this.#fsync);
    this.#gen = gen;
    this.#lastSeq = srv.lastSeq;
    this.#known.clear();
    if (this.options.verify) this.#fields = new Map();
    for (const j of jobs) this.#know(j);
    srv.touched = new Set();
    this.#fd = openSync(this.journalPath, "a", 0o600);
    this.#bytes = statSync(this.journalPath).size;
    this.#limit = this.options.compactBytes ?? Math.max(1 << 20, text.length);
  }

  #append(text: string): void {
    this.#fd ??= openSync(this.journalPath, "a", 0o600);
    const buf = Buffer.from(text);
    try {
      for (let off = 0; off < buf.length;) off += writeSync(this.#fd, buf, off);
    } catch (err) {
      // A torn line would hide every later one from the replay: cut it off.
      try {
        ftruncateSync(this.#fd, this.#bytes);
      } catch {
        // the next load stops at the torn line; nothing after it was acknowledged
      }
      throw err;
    }
    this.#bytes += buf.length;
    // Written, the change survives the process; fsync'd (soon, with others), the machine too.
    if (this.#fsync) {
      this.#unsynced = true;
      this.synced().catch((err) => (this.error = err as Error));
    }
  }

  #unsynced = false;
  #inflight?: Promise<void>;
  #next?: Promise<void>;

  /**
   * Resolves once everything written so far is fsync'd: the commands that
   * changed something wait for it before they answer. One fsync at a time,
   * covering every write made before it started (a group commit), so a
   * burst of commands costs a few fsyncs, not one each, and never blocks
   * the process.
   */
  synced(): Promise<void> {
    if (this.#unsynced) {
      this.#next ??= (this.#inflight ?? Promise.resolve()).catch(() => {}).then(() => {
        this.#next = undefined;
        return this.#syncNow();
      });
      return this.#next;
    }
    return this.#inflight ?? Promise.resolve();
  }

  #syncNow(): Promise<void> {
    const fd = this.#fd;
    if (!this.#unsynced || fd === undefined) return Promise.resolve();
    this.#unsynced = false;
    const p = new Promise<void>((resolve, reject) => {
      fsync(fd, (err) => {
        if (this.#inflight === p) this.#inflight = undefined;
        if (err) reject(err);
        else resolve();
      });
    });
    this.#inflight = p;
    return p;
  }

  /** Closes the journal's file, once an fsync in flight on it is done. */
  #retire(): void {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd === undefined) return;
    if (this.#inflight) this.#inflight.finally(() => closeSync(fd)).catch(() => {});
    else closeSync(fd);
  }

  /** The last flush's failure, until a flush succeeds. */
  error?: Error;

  /** Flushes; on failure keeps the error (and the changes, pending). True when all is written. */
  tryFlush(): boolean {
    try {
      this.flush();
      this.error = undefined;
      return true;
    } catch (err) {
      this.error = err as Error;
      return false;
    }
  }

  /** Writes nothing more (a server that is going away, or a dead one in a test). */
  close(): void {
    this.#closed = true;
    this.server.touched = undefined;
    this.#retire();
  }
}

/** Replaces `path` with `text` so that a crash leaves the old or the new file, whole. */
function writeDurably(path: string, text: string, sync: boolean): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w", 0o600);
  try {
    const buf = Buffer.from(text);
    for (let off = 0; off < buf.length;) off += writeSync(fd, buf, off);
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  if (sync) syncDir(dirname(path));
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every system lets a directory be opened for fsync; the rename is still atomic.
  }
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

function readLines(path: string): string[] {
  try {
    return readFileSync(path, "utf8").split("\n").filter((l) => l !== "");
  } catch {
    return [];
  }
}

function parse<T>(line: string | undefined): T | undefined {
  if (line === undefined) return undefined;
  try {
    return JSON.parse(line) as T;
  } catch {
    return undefined;
  }
}

/**
 * Makes `server` durable in `path`: loads what is there, then writes every
 * change as it settles. A failed write (a full disk) is kept pending and
 * tried again; meanwhile `durableRunner` turns each command into an error.
 */
export function persistServer(
  server: SimServer,
  path: string,
  options: JournalOptions = {},
): SimJournal {
  const journal = new SimJournal(server, path, options);
  journal.load();
  server.onSettled = () => journal.tryFlush();
  return journal;
}

/** A runner whose commands fail, rather than answer, while the state cannot be written. */
export function durableRunner<R extends CommandRunner>(runner: R, journal: SimJournal): R {
  const run: CommandRunner["run"] = async (argv, options) => {
    const r = await runner.run(argv, options);
    let failed: Error | undefined;
    try {
      await journal.synced();
    } catch (err) {
      failed = err as Error;
    }
    if (!failed && (journal.error === undefined || journal.tryFlush())) return r;
    return {
      exitCode: 1,
      stdout: "",
      stderr: `pbs-sim: cannot save the server's state: ${(failed ?? journal.error)!.message}\n`,
    };
  };
  return { ...runner, run };
}
