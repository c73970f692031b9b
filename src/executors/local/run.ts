/**
 * One local run: the child process of a job, from stage-in to its final
 * state. It knows nothing of Job objects; it emits statuses to listeners
 * (the submitting job, and any job attached to it later).
 * @module
 */

import type { ChildProcess, StdioOptions } from "node:child_process";
import { closeSync, existsSync, openSync } from "node:fs";
import type { Clock } from "../../core/clock.ts";
import { JobState } from "../../core/job-state.ts";
import type { Evidence, JobStatus } from "../../core/job-status.ts";
import { findOnPath } from "../../launchers/find-on-path.ts";
import type { LaunchPlan } from "./plan.ts";
import { signalName, signalNumber } from "./signals.ts";
import { spawnInOwnGroup } from "./spawn-group.ts";
import { cleanup, type Outcome, stageIn, stageOut } from "./staging.ts";

export type RunListener = (status: JobStatus) => void;
type Phase = "queued" | "staging" | "spawning" | "active" | "finishing" | "done";

/** A cancelled process that ignores SIGTERM this long gets SIGKILL. */
const KILL_GRACE_MS = 3_000;
/** After the wrapper exits, how long to wait for the rest of its output. */
const OUTPUT_GRACE_MS = 200;
/** Tail of the wrapper's own output kept for a failure message. */
const OUTPUT_CAP = 16 * 1024;

let bashPath: string | undefined;

export class LocalRun {
  readonly history: JobStatus[] = [];
  pid?: number;
  /** Called once, after the final status was emitted. */
  onDone?: () => void;
  #listeners = new Set<RunListener>();
  #phase: Phase = "queued";
  #canceled = false;
  #child?: ChildProcess;
  #killTimer?: ReturnType<typeof setTimeout>;
  #output = "";
  // Dropped once the run ends: a finished run stays in the process table
  // (for late attaches) and must not keep its environment copy alive.
  #plan: LaunchPlan | undefined;

  constructor(
    readonly nativeId: string,
    plan: LaunchPlan,
    readonly clock: Clock,
  ) {
    this.#plan = plan;
  }

  get plan(): LaunchPlan {
    if (!this.#plan) throw new Error(`run ${this.nativeId} has ended`);
    return this.#plan;
  }

  get done(): boolean {
    return this.#phase === "done";
  }

  subscribe(listener: RunListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Emits QUEUED and starts the run (the plain job is spawned before this returns). */
  start(): void {
    this.#emit(JobState.QUEUED, { evidence: "submit" });
    if (this.plan.stageIn.length === 0) {
      this.#emit(JobState.STAGE_IN);
      if (this.#canceled) return this.#finishSync("cancel");
      this.#spawn();
    } else {
      void this.#stageInThenSpawn();
    }
  }

  /**
   * Asks the run to stop. False when there is nothing to cancel (already
   * cancelled, or the process has already ended).
   */
  cancel(): boolean {
    if (this.#canceled || this.#phase === "finishing" || this.#phase === "done") return false;
    this.#canceled = true;
    // While spawning too: should no `spawn` event come before `exit`, the
    // process must not be left running (the spawn handler signals again).
    if (this.#phase === "active" || this.#phase === "spawning") this.#kill();
    return true;
  }

  #emit(state: JobState, extra: Partial<JobStatus> & { evidence?: Evidence } = {}): void {
    const { evidence = "process", ...rest } = extra;
    const metadata: NonNullable<JobStatus["metadata"]> = { nativeId: this.nativeId, evidence };
    if (this.pid !== undefined) metadata.pid = this.pid;
    const status: JobStatus = { state, time: this.clock.now(), ...rest, metadata };
    this.history.push(status);
    for (const l of [...this.#listeners]) l(status);
  }

  async #stageInThenSpawn(): Promise<void> {
    this.#phase = "staging";
    this.#emit(JobState.STAGE_IN);
    try {
      await stageIn(this.plan.stageIn);
    } catch (err) {
      if (this.#canceled) return this.#finish("cancel");
      return this.#finish("error", { message: (err as Error).message });
    }
    if (this.#canceled) return this.#finish("cancel");
    this.#spawn();
  }

  #spawn(): void {
    this.#phase = "spawning";
    const p = this.plan;
    const fds: number[] = [];
    let child: ChildProcess;
    try {
      let stdio: StdioOptions;
      if (p.direct) {
        const open = (path: string, flags: "r" | "w", field: string): number | "ignore" => {
          if (path === "/dev/null") return "ignore";
          try {
            const fd = openSync(path, flags);
            fds.push(fd);
            return fd;
          } catch (err) {
            throw new Error(`${field}: cannot open ${path}: ${(err as Error).message}`);
          }
        };
        const stdout = open(p.stdoutPath, "w", "stdoutPath");
        stdio = [
          open(p.stdinPath, "r", "stdinPath"),
          stdout,
          // one open file for both, so the streams interleave instead of overwriting
          p.stderrPath === p.stdoutPath ? stdout : open(p.stderrPath, "w", "stderrPath"),
        ];
      } else {
        stdio = ["ignore", "pipe", "pipe"];
      }
      // Its own process group, so a cancel reaches every process of the job.
      const options = { cwd: p.jobDir, env: p.env, stdio };
      child = p.direct
        ? spawnInOwnGroup(p.executable, p.arguments, options, p.processGroup)
        : spawnInOwnGroup(
          bashPath ??= findOnPath("bash") ?? "/bin/bash",
          [
            "-c",
            p.script!,
            "psij-job",
          ],
          options,
          p.processGroup,
        );
    } catch (err) {
      return this.#spawnFailed(err as NodeJS.ErrnoException);
    } finally {
      for (const fd of fds) closeSync(fd);
    }
    this.#child = child;
    this.pid = child.pid;
    child.once("spawn", () => {
      if (this.#phase !== "spawning") return;
      this.#phase = "active";
      if (this.#canceled) this.#kill();
      else this.#emit(JobState.ACTIVE);
    });
    child.once("error", (err) => this.#spawnFailed(err as NodeJS.ErrnoException));
    if (!p.direct) {
      const keep = (chunk: Buffer) => {
        this.#output = (this.#output + chunk.toString()).slice(-OUTPUT_CAP);
      };
      child.stdout!.on("data", keep);
      child.stderr!.on("data", keep);
    }
    child.once("exit", (code, signal) => void this.#exited(code, signal));
  }

  #spawnFailed(err: NodeJS.ErrnoException): void {
    if (this.#phase === "finishing" || this.#phase === "done") return;
    const exe = this.plan.direct ? this.plan.executable : "bash";
    let message: string, exitCode: number | undefined;
    if (!existsSync(this.plan.jobDir)) {
      message = `directory: ${this.plan.jobDir} does not exist`;
    } else if (err.code === "ENOENT") {
      exitCode = 127;
      message = `cannot run executable ${exe}: not found`;
    } else if (err.code === "EACCES") {
      exitCode = 126;
      message = `cannot run executable ${exe}: permission denied`;
    } else {
      message = err.message;
    }
    this.#finishSync(this.#canceled ? "cancel" : "error", { message, exitCode });
  }

  async #exited(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.#phase === "finishing" || this.#phase === "done") return;
    if (this.#phase === "spawning" && !this.#canceled) this.#emit(JobState.ACTIVE);
    clearTimeout(this.#killTimer);
    const exitCode = code ?? 128 + (signalNumber(signal ?? "") ?? 0);
    const outcome: Outcome = this.#canceled ? "cancel" : exitCode === 0 ? "success" : "error";
    let message: string | undefined;
    if (signal) message = `killed by signal ${signal}`;
    else if (exitCode !== 0) message = `exited with code ${exitCode}`;
    if (!this.plan.direct) {
      this.#phase = "finishing";
      await this.#outputDrained();
      if (outcome === "error") message = this.#shellMessage(exitCode);
    }
    const quick = this.plan.stageOut.length === 0 && this.plan.cleanup.length === 0;
    if (quick) this.#finishSync(outcome, { exitCode, message });
    else await this.#finish(outcome, { exitCode, message });
  }

  #outputDrained(): Promise<void> {
    const child = this.#child!;
    const streams = [child.stdout!, child.stderr!].filter((s) => !s.readableEnded);
    if (streams.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      let left = streams.length;
      const timer = setTimeout(resolve, OUTPUT_GRACE_MS);
      for (const s of streams) {
        s.once("end", () => {
          if (--left === 0) {
            clearTimeout(timer);
            resolve();
          }
        });
      }
    });
  }

  #shellMessage(exitCode: number): string {
    const said = this.#output.trim();
    const sig = exitCode > 128 ? signalName(exitCode - 128) : undefined;
    const code = sig
      ? `exit code ${exitCode} (128 + ${exitCode - 128}: ended by ${sig}, or exited with that code)`
      : `exit code ${exitCode}`;
    return said ? `${code}: ${said}` : code;
  }

  #kill(): void {
    if (this.pid === undefined) return; // not started yet: the spawn handler kills
    clearTimeout(this.#killTimer);
    this.#signal("SIGTERM");
    this.#killTimer = setTimeout(() => this.#signal("SIGKILL"), KILL_GRACE_MS);
    (this.#killTimer as { unref?: () => void }).unref?.();
  }

  #signal(sig: NodeJS.Signals): void {
    if (this.pid === undefined) return;
    try {
      process.kill(-this.pid, sig);
    } catch {
      try {
        process.kill(this.pid, sig);
      } catch {
        // already gone
      }
    }
  }

  /** The final transitions when there is nothing to stage out or clean up. */
  #finishSync(outcome: Outcome, end: { exitCode?: number; message?: string } = {}): void {
    this.#phase = "finishing";
    const final = finalState(outcome);
    if (outcome === "success") {
      this.#emit(JobState.STAGE_OUT);
      this.#emit(JobState.CLEANUP);
    }
    this.#end(final, end, outcome);
  }

  /**
   * Stage-out and cleanup, then the final state. Only a success shows
   * STAGE_OUT and CLEANUP; a failed or cancelled job runs its ON_ERROR /
   * ON_CANCEL steps and then goes straight to FAILED / CANCELED.
   */
  async #finish(
    outcome: Outcome,
    end: { exitCode?: number; message?: string } = {},
  ): Promise<void> {
    this.#phase = "finishing";
    const p = this.plan;
    if (outcome === "success") this.#emit(JobState.STAGE_OUT);
    const errors = await stageOut(p.stageOut, outcome);
    if (outcome === "success") this.#emit(JobState.CLEANUP);
    const notes = await cleanup(p.cleanup, p.jobDir, p.cleanupFlags, outcome);
    let final = finalState(outcome);
    const parts = end.message ? [end.message] : [];
    if (errors.length && outcome === "success") {
      final = JobState.FAILED;
      parts.push(`stage-out failed: ${errors.join("; ")}`);
    } else if (errors.length) parts.push(`stage-out also failed: ${errors.join("; ")}`);
    parts.push(...notes);
    this.#end(final, { ...end, message: parts.join("; ") || undefined }, outcome);
  }

  #end(state: JobState, end: { exitCode?: number; message?: string }, outcome: Outcome): void {
    const extra: Partial<JobStatus> & { evidence?: Evidence } = {
      evidence: outcome === "cancel" ? "user-cancel" : "process",
    };
    if (end.exitCode !== undefined) extra.exitCode = end.exitCode;
    if (end.message !== undefined) extra.message = end.message;
    this.#phase = "done";
    this.#emit(state, extra);
    this.#listeners.clear();
    this.#child = undefined;
    this.#plan = undefined;
    this.#output = "";
    this.onDone?.();
  }
}

function finalState(outcome: Outcome): JobState {
  return outcome === "success"
    ? JobState.COMPLETED
    : outcome === "cancel"
    ? JobState.CANCELED
    : JobState.FAILED;
}
