/**
 * The PBS Pro / OpenPBS executor: qsub, one batched `qstat -f -F json -x`
 * per poll cycle, qdel, qselect; a job's final state only on evidence.
 * Registered as `pbs` with aliases `pbspro` and `openpbs`.
 * @module
 */

import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import type { CommandResult, CommandRunner } from "../core/command-runner.ts";
import { InvalidStateException, PsijError, SubmitException } from "../core/errors.ts";
import { type ExecutorHealth, JobExecutor } from "../core/executor.ts";
import { expandSpec } from "../core/expand.ts";
import { isFinal, JobState } from "../core/job-state.ts";
import type { Job } from "../core/job.ts";
import { registerExecutor } from "../core/registry.ts";
import { StatusPoller } from "../batch/poller.ts";
import { ProcessRunner } from "../batch/process-runner.ts";
import { readOutcome } from "../batch/protocol.ts";
import { currentUser, defaultWorkDir, type PbsExecutorConfig } from "./pbs/config.ts";
import { Entries, type Entry } from "./pbs/entries.ts";
import {
  endedEarly,
  finalUpdate,
  liveUpdate,
  neverRunnable,
  scriptStoppedEarly,
  type StatusUpdate,
} from "./pbs/outcome.ts";
import { parseQdelErrors, parseQselect, parseQsubId } from "./pbs/parse/index.ts";
import type { PbsJobRecord } from "./pbs/parse/types.ts";
import { renderPbsScript } from "./pbs/script.ts";
import { removeScriptFile, writeScriptFile } from "./pbs/script-file.ts";
import { firstLines, transientFailure } from "./pbs/failures.ts";
import { lookupStamp, STAMP_VARIABLE, stampFor, unprovenAbsence } from "./pbs/stamp.ts";
import {
  type HistoryMode,
  interpretStatus,
  lookupJob,
  qstatJsonArgv,
  runStatus,
} from "./pbs/status.ts";
import { isFinishedLetter } from "./pbs/state.ts";
import { StatusGate } from "./pbs/status-gate.ts";

export type { PbsExecutorConfig } from "./pbs/config.ts";
export { findByStamp } from "./pbs/stamp.ts";

export const PBS_EXECUTOR_VERSION = "0.1.0";

export class PbsExecutor extends JobExecutor {
  readonly name = "pbs";
  readonly version = PBS_EXECUTOR_VERSION;
  readonly workDir: string;
  readonly #config: PbsExecutorConfig;
  readonly #runner: CommandRunner;
  readonly #timeout: number;
  readonly #graceMs: number;
  readonly #entries: Entries;
  readonly #poller: StatusPoller<PbsJobRecord>;
  #workDirReady = false;
  #parseMs = 0;
  readonly #mode: HistoryMode = { history: true };

  constructor(config: PbsExecutorConfig = {}) {
    super({ clock: config.clock });
    this.#config = config;
    this.workDir = config.workDir ?? defaultWorkDir(config.home);
    this.#runner = new StatusGate(
      config.runner ?? new ProcessRunner(),
      this.clock,
      Math.max(1, config.pollFloorMs ?? 1000),
    );
    this.#timeout = config.commandTimeoutMs ?? 60_000;
    this.#graceMs = config.graceMs ?? 60_000;
    this.#entries = new Entries(this.workDir, config.keepFiles ?? false);
    this.#poller = new StatusPoller(this.clock, {
      query: async (ids) => {
        const r = await runStatus(
          this.#runner,
          (h) => qstatJsonArgv(ids, h),
          this.#mode,
          this.#timeout,
        );
        const t0 = performance.now();
        const report = interpretStatus(ids, r);
        this.#parseMs += performance.now() - t0;
        return report;
      },
      apply: (id, rec) => this.#applyRecord(id, rec),
      probe: (id) => this.#probe(id),
      giveUp: (id, since) => this.#giveUp(id, since),
    }, {
      floorMs: config.pollFloorMs,
      ceilingMs: config.pollCeilingMs,
      graceMs: config.graceMs,
      maxIdsPerCommand: config.maxIdsPerCommand,
    });
  }

  /** Poller figures, for benchmarks and the agent's /health. */
  pollerStats(): ReturnType<StatusPoller<PbsJobRecord>["stats"]> & { parseMs: number } {
    return { ...this.#poller.stats(), parseMs: this.#parseMs };
  }

  override health(): ExecutorHealth {
    const s = this.#poller.stats();
    return {
      status: s.degraded ? "degraded" : "ok",
      lastError: s.lastError,
      lastErrorAt: s.lastErrorAt,
      stats: {
        tracked: s.tracked,
        cycles: s.cycles,
        statusCommands: s.commands,
        failedStatusCommands: s.failedCommands,
        consecutiveFailures: s.consecutiveFailures,
        lookups: s.probes,
      },
    };
  }

  override close(): Promise<void> {
    this.#poller.close();
    return Promise.resolve();
  }

  #run(argv: string[]): Promise<CommandResult> {
    return this.#runner.run(argv, { timeoutMs: this.#timeout });
  }

  #ensureWorkDir(): void {
    if (this.#workDirReady) return;
    mkdirSync(this.workDir, { recursive: true, mode: 0o700 });
    this.#workDirReady = true;
  }

  async submit(job: Job): Promise<void> {
    this.prepareSubmit(job);
    try {
      const spec = expandSpec(
        job.spec!,
        this.#config.env ?? process.env,
        this.#config.home ?? homedir(),
      );
      this.#ensureWorkDir();
      const stamp = stampFor(job.id);
      const script = renderPbsScript(spec, { workDir: this.workDir, stamp });
      const path = this.#writeScript(stamp, script.text);
      const r = await this.#runner.run(["qsub", path], {
        cwd: this.workDir,
        timeoutMs: this.#timeout,
      });
      const id = r.exitCode === 0 ? parseQsubId(r.stdout) : undefined;
      if (!id) {
        // A refused submit leaves nothing. After a failure that may have reached
        // PBS the file stays: it tells a later stamp look-up that finds nothing
        // that the job may have run (see unprovenAbsence).
        const transient = transientFailure(r);
        if (!this.#config.keepFiles && !transient) removeScriptFile(path);
        throw new SubmitException(
          r.exitCode === 0
            ? `qsub printed no job id: ${firstLines(r.stdout) || "(nothing)"}`
            : `qsub failed (exit ${r.exitCode}${r.timedOut ? ", timed out" : ""}): ${
              firstLines(r.stderr) || "(no message)"
            }`,
          { transient, output: r },
        );
      }
      job.nativeId = id;
      this.#entries.add(id, job, stamp, script.pbsFiles);
      this.updateStatus(job, {
        state: JobState.QUEUED,
        metadata: { evidence: "submit", stamp },
      });
      this.#poller.track(id);
    } catch (err) {
      // A submission that did not happen leaves the job NEW and free to be submitted again.
      job.executor = undefined;
      job.nativeId = undefined;
      throw err;
    }
  }

  #writeScript(stamp: string, text: string): string {
    try {
      return writeScriptFile(this.workDir, stamp, text);
    } catch (err) {
      throw new SubmitException(
        `cannot write the job script to ${this.workDir}: ${(err as Error).message}`,
        { transient: false },
      );
    }
  }

  async cancel(job: Job): Promise<void> {
    if (!this.checkCancel(job)) return;
    const id = job.nativeId;
    if (!id) throw new InvalidStateException(`job ${job.id} has no native id yet`);
    const entry = this.#entries.get(id);
    if (!entry) return;
    entry.cancel ??= this.#qdel(id, entry);
    await entry.cancel;
  }

  async #qdel(id: string, entry: Entry): Promise<void> {
    entry.qdelInFlight = true;
    let r: CommandResult;
    try {
      r = await this.#run(["qdel", id]);
    } finally {
      entry.qdelInFlight = false;
    }
    const errs = parseQdelErrors(r.stderr, [id]);
    if (r.exitCode === 0 && !r.timedOut) {
      entry.userCanceled = true;
      this.#applyToJobs(entry, {
        state: JobState.CANCELED,
        message: "canceled by the user",
        evidence: "user-cancel",
      });
      this.#poller.track(id); // keep watching until PBS ends it, then tidy its files
      return;
    }
    if (errs.finished.length > 0 || r.exitCode === 35 || r.exitCode === 168) {
      // It finished (or is exiting) first: its own end is the truth — unless
      // that end is PBS's record of a deletion (an earlier qdel's); look soon.
      entry.cancelRequested = true;
      this.#poller.track(id);
      return;
    }
    if (errs.unknown.length > 0 || r.exitCode === 153) {
      entry.cancelRequested = true; // gone without a trace: the user's cancel is all we know
      this.#poller.track(id);
      return;
    }
    // A qdel that timed out or lost its reply may have acted: PBS's record of a
    // deletion then means the user's cancel (see #applyRecord).
    entry.cancelRequested = true;
    entry.cancel = undefined; // a failed qdel may be retried
    throw new PsijError(
      `qdel ${id} failed (exit ${r.exitCode}${r.timedOut ? ", timed out" : ""}): ${
        firstLines(r.stderr) || "(no message)"
      }`,
    );
  }

  async list(): Promise<string[]> {
    const user = this.#config.user ?? currentUser();
    const r = await this.#run(["qselect", "-u", user]);
    if (r.exitCode !== 0 || r.timedOut) {
      throw new PsijError(
        `qselect -u ${user} failed (exit ${r.exitCode}): ${firstLines(r.stderr)}`,
      );
    }
    return parseQselect(r.stdout);
  }

  /**
   * Binds `job` to a PBS job. `cancelRequested` says the user asked to cancel
   * it (an agent that sent qdel and died before its reply): PBS's record of a
   * deletion (Exit_status 271 or 265, or none), or PBS no longer knowing the
   * job, then ends it CANCELED; a job that ended on its own keeps its own end.
   */
  async attach(
    job: Job,
    nativeId: string,
    options: { cancelRequested?: boolean } = {},
  ): Promise<void> {
    this.prepareAttach(job, nativeId);
    const found = await lookupJob(this.#runner, nativeId, this.#timeout, this.#mode);
    if (found.kind === "error") {
      job.executor = undefined;
      job.nativeId = undefined;
      throw new SubmitException(`cannot verify PBS job ${nativeId}: ${found.error}`, {
        transient: true,
      });
    }
    const rec = found.kind === "found" ? found.record : undefined;
    const stamp = rec?.variables[STAMP_VARIABLE];
    const entry = this.#entries.add(nativeId, job, stamp, []);
    if (options.cancelRequested) {
      entry.cancelRequested = true;
      if (rec && isFinishedLetter(rec.state) && deletedRecord(rec)) entry.userCanceled = true;
    }
    if (rec) {
      const { final } = this.#applyRecord(nativeId, rec, true);
      if (!final) this.#poller.track(nativeId);
      return;
    }
    if (entry.jobs.length > 1) {
      this.#poller.track(nativeId); // others follow it already: one verdict for all
      return;
    }
    const files = readOutcome(this.workDir, nativeId);
    const update = finalUpdate(undefined, files, false) ?? (options.cancelRequested
      ? {
        state: JobState.CANCELED,
        message: "canceled by the user; PBS no longer knows the job",
        evidence: "user-cancel" as const,
      }
      : undefined) ??
      {
        state: JobState.FAILED,
        message:
          `PBS does not know job ${nativeId} (qstat -x: Unknown Job Id) and no exit-code file ` +
          `exists in ${this.workDir}`,
        evidence: "no-evidence" as const,
      };
    this.#applyToJobs(entry, update, [job]);
    this.#entries.finish(nativeId);
  }

  /**
   * Native ids of this user's jobs (live or in history) whose script carries
   * `stamp`: how a submission whose qsub reply was lost is found again. An
   * empty answer means PBS provably has none, so anything short of that — a
   * failed status command, an id it printed no record for (cJSON bug #2672)
   * that its own look-up cannot settle — throws instead.
   */
  findByStamp(stamp: string): Promise<string[]> {
    const user = this.#config.user ?? currentUser();
    return lookupStamp(this.#runner, stamp, { user, timeoutMs: this.#timeout, mode: this.#mode });
  }

  /**
   * Why an empty `findByStamp` answer for a submission sent at `submittedAt`
   * does not prove it never reached PBS (then it must not be sent again), or
   * undefined when it does.
   */
  unprovenAbsence(stamp: string, submittedAt: number): string | undefined {
    return unprovenAbsence(
      this.workDir,
      stamp,
      submittedAt,
      this.clock.now(),
      this.#config.historyRetentionMs ?? 14 * 24 * 3_600_000,
    );
  }

  #applyToJobs(entry: Entry, u: StatusUpdate, jobs: readonly Job[] = entry.jobs): boolean {
    let changed = false;
    for (const job of jobs) {
      const made = this.updateStatus(job, {
        state: u.state,
        exitCode: u.exitCode,
        message: u.message,
        time: u.time,
        metadata: { evidence: u.evidence, ...u.detail },
      });
      if (made.length) changed = true;
    }
    return changed;
  }

  #allFinal(entry: Entry): boolean {
    return entry.jobs.every((j) => isFinal(j.status.state));
  }

  #applyRecord(
    id: string,
    rec: PbsJobRecord,
    attaching = false,
  ): { changed: boolean; final: boolean } {
    const entry = this.#entries.get(id);
    if (!entry) return { changed: false, final: true };
    entry.lastRecord = rec;
    entry.lastSeenAt = this.clock.now();
    if (rec.variables[STAMP_VARIABLE]) entry.stamp ??= rec.variables[STAMP_VARIABLE];
    const finished = isFinishedLetter(rec.state);
    if (!attaching && this.#allFinal(entry)) {
      // Final already (the user's cancel): wait for PBS to end it, then tidy up.
      if (finished) this.#entries.finish(id);
      return { changed: false, final: finished };
    }
    if (finished && entry.qdelInFlight) {
      // PBS's record of the end (Exit_status 271, an .ec of 143) may be our own
      // qdel's doing, seen before its reply: the reply decides who ended it.
      return { changed: false, final: false };
    }
    if (finished) {
      if (entry.cancelRequested && deletedRecord(rec)) entry.userCanceled = true;
      const files = readOutcome(this.workDir, id);
      let u = finalUpdate(rec, files, entry.userCanceled)!;
      if (scriptStoppedEarly(rec, files, entry.userCanceled)) {
        const waited = this.clock.now() - (entry.stoppedEarlyAt ??= this.clock.now());
        if (waited < this.#graceMs) return { changed: false, final: false };
        u = endedEarly(rec, files, `${this.workDir}/${id}.ec`, waited);
      }
      const changed = this.#applyToJobs(entry, u);
      this.#entries.finish(id);
      return { changed, final: true };
    }
    if (neverRunnable(rec) && (this.#config.neverRunnable ?? "fail") === "fail") {
      if (!entry.qdelInFlight) void this.#deleteNeverRunnable(id, entry, rec.comment!);
      return { changed: false, final: false };
    }
    const u = liveUpdate(rec);
    return { changed: u ? this.#applyToJobs(entry, u) : false, final: false };
  }

  /**
   * Deletes a job PBS says can never run, and only once PBS confirms (or no
   * longer knows it) ends it FAILED: a job stored FAILED must not run later
   * because the qdel failed. A failed qdel is tried again on the next record.
   */
  async #deleteNeverRunnable(id: string, entry: Entry, comment: string): Promise<void> {
    entry.qdelInFlight = true;
    let r: CommandResult;
    try {
      r = await this.#run(["qdel", id]);
    } catch {
      return;
    } finally {
      entry.qdelInFlight = false;
    }
    const errs = parseQdelErrors(r.stderr, [id]);
    const deleted = r.exitCode === 0 && !r.timedOut;
    if (!deleted && errs.unknown.length === 0 && r.exitCode !== 153) return;
    this.#applyToJobs(entry, {
      state: JobState.FAILED,
      message: `PBS says the job can never run: ${comment}`,
      evidence: "scheduler",
    });
    this.#poller.track(id); // PBS's end of it tidies the files
  }

  async #probe(id: string): Promise<"final" | "alive" | "none" | "error"> {
    const entry = this.#entries.get(id);
    if (!entry) return "final";
    if (this.#allFinal(entry)) {
      this.#entries.finish(id);
      return "final";
    }
    if (entry.qdelInFlight) return "alive"; // its reply comes first (see #applyRecord)
    const files = readOutcome(this.workDir, id);
    if (files.exitCode !== undefined) {
      this.#applyToJobs(entry, finalUpdate(entry.lastRecord, files, entry.userCanceled)!);
      this.#entries.finish(id);
      return "final";
    }
    const found = await lookupJob(this.#runner, id, this.#timeout, this.#mode);
    if (found.kind === "found") {
      return this.#applyRecord(id, found.record).final ? "final" : "alive";
    }
    if (found.kind === "error") return "error";
    if (entry.cancelRequested) {
      this.#applyToJobs(entry, {
        state: JobState.CANCELED,
        message: "canceled by the user; PBS no longer knows the job",
        evidence: "user-cancel",
      });
      this.#entries.finish(id);
      return "final";
    }
    return "none";
  }

  #giveUp(id: string, since: number): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    const seconds = Math.round((this.clock.now() - since) / 1000);
    const last = entry.lastRecord
      ? `last seen by this agent in state ${entry.lastRecord.state ?? "?"} at ${
        new Date(entry.lastSeenAt!).toISOString()
      }`
      : "never seen in qstat by this agent";
    const out = readOutcome(this.workDir, id).output;
    const started = out === undefined
      ? ""
      : `; the script started but did not run to its end, script output: ${out || "(none)"}`;
    this.#applyToJobs(entry, {
      state: JobState.FAILED,
      message: `no evidence of how PBS job ${id} ended: qstat -x has called it unknown since ` +
        `${new Date(since).toISOString()} (${seconds} s; history purged or never kept), ` +
        `no exit-code file appeared at ${this.workDir}/${id}.ec, ${last}${started}`,
      evidence: "no-evidence",
    });
    this.#entries.finish(id);
  }
}

/** Whether a finished PBS record shows the job deleted (signal 15 or 9, or ended before it ran). */
function deletedRecord(rec: PbsJobRecord): boolean {
  return rec.exitStatus === undefined || rec.exitStatus === 271 || rec.exitStatus === 265;
}

registerExecutor<PbsExecutorConfig>({
  name: "pbs",
  aliases: ["pbspro", "openpbs"],
  version: PBS_EXECUTOR_VERSION,
  description: "PBS Pro / OpenPBS through qsub, qstat, qdel and qselect",
  create: (config) => new PbsExecutor(config),
});
