/**
 * Execute mode: runs each job's script under bash as a local PBS MoM would
 * (pbs-cli.md §1): the MoM environment, PBS_NODEFILE with one line per MPI
 * rank, TMPDIR, the job in its own session and process group started in
 * $HOME, stdout and stderr spooled and delivered to Output_Path/Error_Path
 * when the job ends — unless Keep_Files says otherwise: `o`/`e` keep that
 * stream in $HOME as `<name>.o<seq>` (never delivered); with `d` as well they
 * go straight to their final path.
 *
 * A job does not depend on the server's process: a small bash wrapper runs
XX (`<id>.ES`), and the MoM records
 * the wrapper's pid and start time (`<id>.JB`). A restarted server re-adopts
 * the job (`adopt`): it watches the process until it ends, or reads the
 * status it left. The spool holds a job's files only while it runs (0600).
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  appendFileSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { constants, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { SimJob } from "./server/job.ts";
import type { Executor, SimServer } from "./server/server.ts";

/** What a restarted server needs to take a running job over (`<id>.JB`). */
interface RunRecord {
  /** The wrapper's pid: its session and process group too. */
  pid: number;
  /** Its start time (/proc), so a recycled pid is not taken for it. */
  start?: string;
  runCount: number;
  out: string;
  err: string;
  /** Streams written in place (kept or direct) that must not be copied at the end. */
  inPlace: ("o" | "e")[];
}

interface Running extends RunRecord {
  child?: ChildProcess;
  /** An adopted job's liveness check. */
  watch?: ReturnType<typeof setInterval>;
  gen: number;
}

/** Tells whether a process (not a recycled pid) is alive; the agent's /proc reader. */
export interface ProcessProbe {
  alive(pid: number, start: string | undefined): boolean;
  startTime(pid: number): string | undefined;
}

export interface MomOptions {
  /** Without one, a restarted server cannot tell a job still running: it adopts ended jobs only. */
  probe?: ProcessProbe;
  /** How often an adopted job's process is looked at, ms (default 500). */
  watchMs?: number;
}

/**
 * Runs the job (`$3...`) under a bash of its own and writes its exit status to
 * `$1`, whatever becomes of the server. The trap (a handler, not an ignore:
 * the job gets default signals) keeps the wrapper alive through the SIGTERM
 * of a qdel, which the job gets too; only a SIGKILL leaves no status, and
 * the server knows it sent one. The wrapper's own stderr goes to `$2`: bash
 * writes there only to report a job killed by a signal ("Terminated"), which
 * tells a killed job (Exit_status 256+n) from one that exited 128+n itself.
 */
const WRAPPER = 'es=$1; wr=$2; shift 2; trap : TERM INT HUP; exec 3>&2 2>"$wr"; "$@" 2>&3 3>&-; ' +
  's=$?; printf "%s\\n" "$s" >"$es"; exit "$s"';

/** Where each stream is written while the job runs, from Keep_Files (qsub -k). */
function streamPlace(keep: string, stream: "o" | "e"): "spool" | "keep" | "direct" {
  // d only changes the streams named by o/e: they go direct instead of to $HOME.
  if (!keep.includes(stream)) return "spool";
  return keep.includes("d") ? "direct" : "keep";
}

function localPath(hostPath: string, job: SimJob): string {
  const p = hostPath.replace(/^[^:/]*:/, "");
  return job.arrayIndex === undefined ? p : p.replace("^array_index^", String(job.arrayIndex));
}

/** Variable_List back into pairs (commas inside values were escaped as `\,`). */
function splitVars(list: string): [string, string][] {
  const out: [string, string][] = [];
  for (const item of list.split(/(?<!\\),/)) {
    const eq = item.indexOf("=");
    if (eq > 0) out.push([item.slice(0, eq), item.slice(eq + 1).replace(/\\,/g, ",")]);
  }
  return out;
}

export class LocalMom implements Executor {
  readonly spool: string;
  #running = new Map<string, Running>();
  #closed = false;

  constructor(readonly server: SimServer, readonly options: MomOptions = {}) {
    this.spool = server.config.spoolDir ?? join(tmpdir(), `pbs-sim-${server.name}-${process.pid}`);
    mkdirSync(join(this.spool, "aux"), { recursive: true, mode: 0o700 });
  }

  #file(id: string, ext: "SC" | "JB" | "ES" | "WR" | "OU" | "ER"): string {
    return join(this.spool, `${id}.${ext}`);
  }

  start(job: SimJob): number {
    const id = job.id;
    const req = job.req;
    const nodefile = join(this.spool, "aux", id);
    const hosts = (job.ranChunks ?? []).map((c) => c.node);
    const perChunk = job.resources.chunks.flatMap((c) => {
      const mpi = c.mpiprocs || (c.res.some(([k]) => k === "mpiprocs") ? 0 : 1);
      return Array<number>(c.count).fill(mpi);
    });
    const ranks = hosts.flatMap((h, i) => Array<string>(perChunk[i] ?? 1).fill(h));
    writeFileSync(nodefile, ranks.map((h) => `${h}\n`).join(""), { mode: 0o600 });
    const tmp = join(this.spool, "tmp", `pbs.${id}`);
    mkdirSync(tmp, { recursive: true, mode: 0o700 });
    const first = job.resources.chunks[0];
    const ncpus = String(first ? first.ompthreads || first.ncpus : 1);
    const home = req.home ?? process.env.HOME ?? "/";
    const env: Record<string, string> = Object.fromEntries(splitVars(job.variableList));
    Object.assign(env, {
      HOME: home,
      LOGNAME: req.user,
      USER: req.user,
      SHELL: req.shell ?? "/bin/bash",
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      PBS_JOBNAME: job.name,
      PBS_JOBID: id,
      PBS_QUEUE: job.queue,
      PBS_JOBCOOKIE: Math.floor(this.server.random() * 2 ** 48).toString(16).toUpperCase(),
      PBS_NODENUM: "0",
      PBS_TASKNUM: "1",
      PBS_MOMPORT: "15003",
      PBS_NODEFILE: nodefile,
      NCPUS: ncpus,
      OMP_NUM_THREADS: ncpus,
      TMPDIR: tmp,
      PBS_JOBDIR: home,
      PBS_ENVIRONMENT: "PBS_BATCH",
      ENVIRONMENT: "BATCH",
    });
    if (req.account) env.PBS_ACCOUNT = req.account;
    if (job.parent) {
      env.PBS_ARRAY_INDEX = String(job.arrayIndex);
      env.PBS_ARRAY_ID = job.parent.id;
    }
    const join_ = req.joinPath ?? "n";
    const keep = req.keepFiles ?? "n";
    const inPlace = new Set<"o" | "e">();
    const place = (s: "o" | "e", spooled: string): string => {
      const where = streamPlace(keep, s);
      if (where === "spool") return spooled;
      const arr = job.arrayIndex === undefined ? "" : `.${job.arrayIndex}`;
      const path = where === "keep"
        ? join(home, `${job.name}.${s}${job.seq}${arr}`)
        : localPath(s === "o" ? job.outputPath : job.errorPath, job);
      try {
        mkdirSync(dirname(path), { recursive: true });
        appendFileSync(path, "");
      } catch {
        // Unwritable in place: spool it and let delivery fail the PBS way.
        return spooled;
      }
      inPlace.add(s);
      return path;
    };
    const out = place("o", this.#file(id, "OU"));
    const err = join_ === "oe" ? out : place("e", this.#file(id, "ER"));
    // Spooled streams are the job's own: 0600 (a kept or direct file is created as the job would).
    const outFd = openSync(join_ === "eo" ? err : out, "a", 0o600);
    const errFd = join_ === "oe" ? outFd : openSync(err, "a", 0o600);
    let argv: string[];
    if (req.executable !== undefined) argv = [req.executable, ...(req.argumentList ?? [])];
    else {
      const script = this.#file(id, "SC");
      writeFileSync(script, req.script ?? "", { mode: 0o600 });
      argv = [req.shell ?? "/bin/bash", script];
    }
    const status = this.#file(id, "ES");
    const report = this.#file(id, "WR");
    rmSync(status, { force: true });
    const cwd = this.server.config.jobCwd ?? (existsSync(home) ? home : this.spool);
    const child = spawn("/bin/bash", ["-c", WRAPPER, "pbs_mom_job", status, report, ...argv], {
      cwd,
      env,
      detached: true,
      stdio: ["ignore", outFd, errFd],
    });
    closeSync(outFd);
    if (errFd !== outFd) closeSync(errFd);
    // The job must not keep the server's process alive, nor die with it.
    child.unref();
    const pid = child.pid ?? 0;
    const run: Running = {
      child,
      pid,
      start: pid ? this.options.probe?.startTime(pid) : undefined,
      runCount: job.runCount,
      out,
      err,
      inPlace: [...inPlace],
      gen: job.runGen,
    };
    if (pid) {
      const { child: _c, watch: _w, gen: _g, ...record } = run;
      writeFileSync(this.#file(id, "JB"), JSON.stringify(record), { mode: 0o600 });
    }
    this.#running.set(id, run);
    child.on("exit", (code, signal) => {
      this.#ended(job, run, signal ? 256 + (constants.signals[signal] ?? 0) : code ?? 0);
    });
    child.on("error", () => this.#ended(job, run, -1));
    return pid;
  }

  /**
   * The job's process is over: the wrapper's status file is its word (128+n
   * there is 256+n, as PBS counts, when bash reported the job killed by
   * signal n); without one, `fallback` (how the wrapper died).
   */
  #ended(job: SimJob, run: Running, fallback: number | undefined): void {
    // After close the next server takes the end up from the spool.
    if (this.#closed || this.#running.get(job.id) !== run) return;
    this.#running.delete(job.id);
    if (run.watch) clearInterval(run.watch);
    let status = readStatus(this.#file(job.id, "ES"));
    if (status !== undefined && status > 128 && status < 192 && killed(this.#file(job.id, "WR"))) {
      status += 128;
    }
    status ??= fallback ?? (job.ending !== undefined ? 265 : undefined);
    // Output is delivered before the end is recorded: a crash in between delivers it again.
    this.#deliver(job, run);
    if (status === undefined) {
      this.server.processLost(job, run.gen);
    } else this.server.processExited(job, run.gen, status);
    this.#cleanUp(job.id);
  }

  /** The job's files in the spool, once its end is recorded (undelivered output stays). */
  #cleanUp(id: string): void {
    for (const ext of ["SC", "JB", "ES", "WR"] as const) {
      rmSync(this.#file(id, ext), { force: true });
    }
    rmSync(join(this.spool, "aux", id), { force: true });
    rmSync(join(this.spool, "tmp", `pbs.${id}`), { recursive: true, force: true });
  }

  adopt(job: SimJob): boolean {
    let rec: RunRecord;
    try {
      rec = JSON.parse(readFileSync(this.#file(job.id, "JB"), "utf8"));
    } catch {
      return false;
    }
    if (rec.runCount !== job.runCount) return false;
    const run: Running = { ...rec, gen: job.runGen };
    this.#running.set(job.id, run);
    const probe = this.options.probe;
    const alive = () => probe?.alive(rec.pid, rec.start) ?? false;
    // The end is taken up once the restore is over, as if the process had just exited.
    if (!alive()) {
      setTimeout(() => this.#ended(job, run, undefined), 0);
      return true;
    }
    run.watch = setInterval(() => {
      if (!alive()) this.#ended(job, run, undefined);
    }, this.options.watchMs ?? 500);
    (run.watch as { unref?: () => void }).unref?.();
    return true;
  }

  /** Removes spool files of jobs that are no longer running (scripts of old jobs among them). */
  sweep(): void {
    let names: string[];
    try {
      names = readdirSync(this.spool);
    } catch {
      return;
    }
    for (const name of names) {
      const m = /^(.+)\.(SC|JB|ES|WR)$/.exec(name);
      if (m && !this.#running.has(m[1])) this.#cleanUp(m[1]);
    }
    for (const name of readdirSync(join(this.spool, "aux"))) {
      if (!this.#running.has(name)) rmSync(join(this.spool, "aux", name), { force: true });
    }
    const tmp = join(this.spool, "tmp");
    for (const name of existsSync(tmp) ? readdirSync(tmp) : []) {
      if (!this.#running.has(name.replace(/^pbs\./, ""))) {
        rmSync(join(tmp, name), { recursive: true, force: true });
      }
    }
  }

  /** Stops watching jobs; the jobs themselves go on. */
  close(): void {
    this.#closed = true;
    for (const r of this.#running.values()) if (r.watch) clearInterval(r.watch);
  }

  #deliver(job: SimJob, run: Running): void {
    const j = job.req.joinPath ?? "n";
    const copy = (from: string, to: string) => {
      try {
        mkdirSync(dirname(to), { recursive: true });
        copyFileSync(from, to);
      } catch {
        // PBS would mail the user about an undeliverable file; the spool copy stays.
        return;
      }
      rmSync(from, { force: true });
    };
    const copyOf = (from: string, to: string) => existsSync(from) && copy(from, to);
    if (j !== "eo" && !run.inPlace.includes("o")) copyOf(run.out, localPath(job.outputPath, job));
    if (j !== "oe" && !run.inPlace.includes("e")) copyOf(run.err, localPath(job.errorPath, job));
  }

  signal(job: SimJob, signal: "SIGTERM" | "SIGKILL"): void {
    const run = this.#running.get(job.id);
    if (!run?.pid) return;
    try {
      process.kill(-run.pid, signal);
    } catch {
      // already gone
    }
  }

  noteStderr(job: SimJob, line: string): void {
    const run = this.#running.get(job.id);
    if (!run) return;
    appendFileSync((job.req.joinPath ?? "n") === "oe" ? run.out : run.err, `${line}\n`);
  }

  /** Kills every job's process group (a server shutting down that keeps no state). */
  killAll(): void {
    this.close();
    for (const r of this.#running.values()) {
      if (r.pid) {
        try {
          process.kill(-r.pid, "SIGKILL");
        } catch {
          // gone
        }
      }
    }
  }
}

/** Puts a server in execute mode with a local MoM. */
export function attachMom(server: SimServer, options: MomOptions = {}): LocalMom {
  const mom = new LocalMom(server, options);
  server.executor = mom;
  return mom;
}

function readStatus(path: string): number | undefined {
  try {
    const text = readFileSync(path, "utf8").trim();
    return /^-?\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the wrapper's bash reported the job killed by a signal. */
function killed(report: string): boolean {
  try {
    return readFileSync(report, "utf8").trim() !== "";
  } catch {
    return false;
  }
}
