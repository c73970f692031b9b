/**
 * Execute mode: runs each job's script under bash as a local PBS MoM would
 * (pbs-cli.md §1): the MoM environment, PBS_NODEFILE with one line per MPI
 * rank, TMPDIR, the job in its own process group started in $HOME, stdout and
 * stderr spooled and delivered to Output_Path/Error_Path when the job ends —
 * unless Keep_Files says otherwise: `o`/`e` keep that stream in $HOME as
 * `<name>.o<seq>` (never delivered); with `d` as well they go straight to their final path.
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
  rmSync,
  writeFileSync,
} from "node:fs";
import { constants, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { SimJob } from "./server/job.ts";
import type { Executor, SimServer } from "./server/server.ts";

interface Running {
  child: ChildProcess;
  out: string;
  err: string;
  gen: number;
  /** Streams written in place (kept or direct) that must not be copied at the end. */
  inPlace: Set<"o" | "e">;
}

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

  constructor(readonly server: SimServer) {
    this.spool = server.config.spoolDir ?? join(tmpdir(), `pbs-sim-${server.name}-${process.pid}`);
    mkdirSync(join(this.spool, "aux"), { recursive: true });
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
    writeFileSync(nodefile, ranks.map((h) => `${h}\n`).join(""));
    const tmp = join(this.spool, "tmp", `pbs.${id}`);
    mkdirSync(tmp, { recursive: true });
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
    const out = place("o", join(this.spool, `${id}.OU`));
    const err = join_ === "oe" ? out : place("e", join(this.spool, `${id}.ER`));
    const outFd = openSync(join_ === "eo" ? err : out, "a");
    const errFd = join_ === "oe" ? outFd : openSync(err, "a");
    let argv: string[];
    if (req.executable !== undefined) argv = [req.executable, ...(req.argumentList ?? [])];
    else {
      const script = join(this.spool, `${id}.SC`);
      writeFileSync(script, req.script ?? "", { mode: 0o700 });
      argv = [req.shell ?? "/bin/bash", script];
    }
    const cwd = this.server.config.jobCwd ?? (existsSync(home) ? home : this.spool);
    const child = spawn(argv[0], argv.slice(1), {
      cwd,
      env,
      detached: true,
      stdio: ["ignore", outFd, errFd],
    });
    closeSync(outFd);
    if (errFd !== outFd) closeSync(errFd);
    const gen = job.runGen;
    const run: Running = { child, out, err, gen, inPlace };
    this.#running.set(id, run);
    let done = false;
    const finish = (status: number) => {
      if (done) return;
      done = true;
      this.#running.delete(id);
      this.#deliver(job, run);
      rmSync(nodefile, { force: true });
      rmSync(tmp, { recursive: true, force: true });
      this.server.processExited(job, gen, status);
    };
    child.on("exit", (code, signal) => {
      finish(signal ? 256 + (constants.signals[signal] ?? 0) : code ?? 0);
    });
    child.on("error", () => finish(-1));
    return child.pid ?? 0;
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
    if (j !== "eo" && !run.inPlace.has("o")) copy(run.out, localPath(job.outputPath, job));
    if (j !== "oe" && !run.inPlace.has("e")) copy(run.err, localPath(job.errorPath, job));
  }

  signal(job: SimJob, signal: "SIGTERM" | "SIGKILL"): void {
    const run = this.#running.get(job.id);
    if (!run?.child.pid) return;
    try {
      process.kill(-run.child.pid, signal);
    } catch {
      // already gone
    }
  }

  noteStderr(job: SimJob, line: string): void {
    const run = this.#running.get(job.id);
    if (!run) return;
    appendFileSync((job.req.joinPath ?? "n") === "oe" ? run.out : run.err, `${line}\n`);
  }

  /** Kills every job's process group (server shutdown). */
  killAll(): void {
    for (const r of this.#running.values()) {
      if (r.child.pid) {
        try {
          process.kill(-r.child.pid, "SIGKILL");
        } catch {
          // gone
        }
      }
    }
  }
}

/** Puts a server in execute mode with a local MoM. */
export function attachMom(server: SimServer): LocalMom {
  const mom = new LocalMom(server);
  server.executor = mom;
  return mom;
}
