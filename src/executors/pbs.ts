/**
 * The PBS Pro / OpenPBS executor: qsub, one batched `qstat -f -F json -x`
 * per poll cycle, qdel, qselect; a job's final state only on evidence.
 * Registered as `pbs` with aliases `pbspro` and `openpbs`. The flow (submit,
 * cancel, attach, polling, entries) is src/batch/executor.ts; this is PBS's
 * dialect of it.
 * @module
 */

import {
  type BatchDialect,
  BatchExecutor,
  DEFAULT_GRACE_MS,
  EndWatch,
  filesShowRun,
  firstLines,
  InvalidJobException,
  type Job,
  type JobSpec,
  JobState,
  type LookupResult,
  type PollerStats,
  type ProbeResult,
  PsijError,
  readOutcome,
  type StatusReport,
  SubmitException,
  submitFailed,
} from "../kit.ts";
import { existsSync } from "node:fs";
import { registerExecutor } from "../core/registry.ts";
import {
  type CancelContext,
  carryCancel,
  deletedRecord,
  deleteNeverRunnable,
  qdel,
  qdelArray,
} from "./pbs/cancel.ts";
import { currentUser, type PbsExecutorConfig } from "./pbs/config.ts";
import type { Entry } from "./pbs/entries.ts";
import { refusalDetail, transientFailure } from "./pbs/failures.ts";
import {
  endedEarly,
  finalUpdate,
  liveUpdate,
  neverRunnable,
  scriptStoppedEarly,
} from "./pbs/outcome.ts";
import { isPbsJobId, parseQselect, parseQsubId } from "./pbs/parse/index.ts";
import type { PbsJobRecord } from "./pbs/parse/types.ts";
import { pbsStampFiles, type RenderedScript, renderPbsScript } from "./pbs/script.ts";
import { qsubEnvironment, removeScriptFile, writeScriptFile } from "./pbs/script-file.ts";
import { lookupStamps, STAMP_VARIABLE, StampLookups, unprovenAbsence } from "./pbs/stamp.ts";
import {
  type HistoryMode,
  interpretStatus,
  lookupJob,
  qstatJsonArgv,
  runStatus,
  statusOperands,
  subjobId,
} from "./pbs/status.ts";
import { isFinishedLetter } from "./pbs/state.ts";
import { StatusGate } from "./pbs/status-gate.ts";
import { endFromExitCodeFile, RECORD_WAIT_MS, recordFacts } from "./pbs/early-end.ts";

export type { PbsExecutorConfig } from "./pbs/config.ts";
export { findByStamp } from "./pbs/stamp.ts";

export const PBS_EXECUTOR_VERSION = "0.1.0";

function pbsDialect(config: PbsExecutorConfig): BatchDialect<PbsJobRecord> {
  return {
    backend: "pbs",
    label: "PBS",
    statusCommand: "qstat",
    goneSince: "qstat -x has called it unknown",
    goneBecause: "history purged or never kept",
    stampFiles: pbsStampFiles,
    finalUpdate,
    stateOf: (rec) => rec.state ?? "?",
    idOf: (rec) => rec.id,
    wrapRunner: (inner, clock) =>
      new StatusGate(inner, clock, Math.max(1, config.pollFloorMs ?? 1000)),
  };
}

export class PbsExecutor extends BatchExecutor<PbsJobRecord, Entry, PbsExecutorConfig> {
  readonly name = "pbs";
  readonly version = PBS_EXECUTOR_VERSION;
  readonly #graceMs: number;
  readonly #mode: HistoryMode = { history: true };
  readonly #cancels: CancelContext;
  #parseMs = 0;
  /** Hears `<id>.ec` appear: a job's end known at once (src/executors/pbs/early-end.ts). */
  readonly #ends = new EndWatch((id) => this.#endFromFile(id));

  constructor(config: PbsExecutorConfig = {}) {
    super(config, pbsDialect(config));
    this.#graceMs = config.graceMs ?? DEFAULT_GRACE_MS;
    this.#cancels = {
      run: (argv) => this.run(argv),
      apply: (entry, u) => this.applyToJobs(entry, u),
      track: (id) => this.poller.track(id),
    };
  }

  /** Poller figures, for benchmarks and the agent's /health. */
  override pollerStats(): PollerStats & { parseMs: number } {
    return { ...super.pollerStats(), parseMs: this.#parseMs };
  }

  override get runsArrays(): boolean {
    return true;
  }

  override elementNativeId(arrayNativeId: string, index: number): string {
    return subjobId(arrayNativeId, index);
  }

  protected override carryCancelRequest(entry: Entry): void {
    carryCancel(entry, undefined);
  }

  /**
   * One `qdel <array>[]` for the whole array. Its success proves nothing of
   * an element that had ended already, so each element's end is PBS's record
   * of it: a deletion (see deletedRecord) is the user's cancel.
   */
  override async cancelArray(arrayNativeId: string, elements: readonly Job[]): Promise<void> {
    const entries = elements.map((j) => this.entries.get(j.nativeId ?? "")).filter((e) => !!e);
    await qdelArray(this.#cancels, arrayNativeId, entries);
  }

  protected override statusOperand(id: string): string {
    return statusOperands([id]).ids[0];
  }

  override close(): Promise<void> {
    this.#ends.close();
    return super.close();
  }

  /**
   * Ends a followed job on its exit-code file, when that file alone decides
   * (endFromExitCodeFile). The job stays followed until PBS's record of its
   * end: what only the record has then goes to the final-facts listeners, and
   * the job's files (PBS's own -o/-e too, delivered as it ends) are tidied.
   * True when the job ended.
   */
  #endFromFile(id: string): boolean {
    const entry = this.entries.get(id);
    if (!entry || this.allFinal(entry)) return false;
    // While PBS does not answer, its word is awaited: an OpenPBS server that comes back
    // requeues and runs again the jobs it had running, one that had ended too (docs/pbs-real.md).
    if (this.poller.stats().consecutiveFailures > 0) return false;
    const u = endFromExitCodeFile(entry, readOutcome(this.workDir, id));
    if (!u) return false;
    this.applyToJobs(entry, u);
    entry.endedOnFileAt = this.clock.now();
    this.poller.track(id);
    return true;
  }

  /**
   * A job already final here (its exit-code file, the user's cancel): PBS's
   * record of its end tidies it up, and adds its facts to an end taken from
   * the file. One PBS has not ended long after is let go.
   */
  #afterFinal(id: string, entry: Entry, rec: PbsJobRecord): { changed: boolean; final: boolean } {
    const finished = isFinishedLetter(rec.state);
    if (finished && entry.endedOnFileAt !== undefined) {
      const facts = recordFacts(rec);
      for (const job of entry.jobs) this.reportFinalFacts(job, facts);
    }
    const stale = entry.endedOnFileAt !== undefined &&
      this.clock.now() - entry.endedOnFileAt > RECORD_WAIT_MS;
    if (finished || stale) this.entries.finish(id);
    return { changed: false, final: finished || stale };
  }

  /** Listens for exit-code files once the work directory exists (a job submitted or attached). */
  #watchEnds(): void {
    if (!this.#ends.watching && existsSync(this.workDir)) this.#ends.start(this.workDir);
  }

  override async submit(job: Job): Promise<void> {
    await super.submit(job);
    this.#watchEnds();
  }

  protected async queryStatus(ids: string[]): Promise<StatusReport<PbsJobRecord>> {
    this.#watchEnds(); // an attach made the first entry, or the directory came late
    // Array elements are asked for through their array with -t: one operand for all of them.
    const operands = statusOperands(ids);
    const r = await runStatus(
      this.runner,
      (h) => qstatJsonArgv(operands.ids, h, operands.subjobs),
      this.#mode,
      this.timeoutMs,
    );
    const t0 = performance.now();
    const report = interpretStatus(ids, r);
    this.#parseMs += performance.now() - t0;
    return report;
  }

  protected lookup(id: string): Promise<LookupResult<PbsJobRecord>> {
    return lookupJob(this.runner, id, this.timeoutMs, this.#mode);
  }

  protected renderScript(spec: JobSpec, stamp: string): RenderedScript {
    return renderPbsScript(spec, { workDir: this.workDir, stamp });
  }

  protected async submitScript(spec: JobSpec, stamp: string): Promise<string> {
    const script = this.renderScript(spec, stamp);
    const path = this.#writeScript(stamp, script.text);
    const env = qsubEnvironment();
    const r = await this.runner.run(["qsub", path], {
      cwd: this.submitCwd(spec),
      timeoutMs: this.timeoutMs,
      ...(env ? { env } : {}),
    });
    const id = r.exitCode === 0 ? parseQsubId(r.stdout) : undefined;
    if (id) return id;
    // A refused submit leaves nothing. After a failure that may have reached
    // PBS the file stays: it tells a later stamp look-up that finds nothing
    // that the job may have run (see unprovenAbsence).
    // qsub exiting 0 made a job even when it printed no id we can read.
    const transient = r.exitCode === 0 || transientFailure(r);
    if (!this.config.keepFiles && !transient) removeScriptFile(path);
    throw submitFailed("qsub", r, transient, refusalDetail(r.stderr, script.directives));
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

  override readonly schedulesDependencies = true;

  protected override holdArgv(id: string, release: boolean): string[] {
    return [release ? "qrls" : "qhold", id];
  }

  protected sendCancel(id: string, entry: Entry): Promise<void> {
    return qdel(this.#cancels, id, entry);
  }

  async list(): Promise<string[]> {
    const user = this.config.user ?? currentUser();
    const r = await this.run(["qselect", "-u", user]);
    if (r.exitCode !== 0 || r.timedOut) {
      throw new PsijError(
        `qselect -u ${user} failed (exit ${r.exitCode}): ${firstLines(r.stderr)}`,
      );
    }
    return parseQselect(r.stdout);
  }

  // The id goes on qstat's and qdel's command lines: `-x` or `workq` there
  // would be an option or a queue, not a job.
  protected checkNativeId(nativeId: string): void {
    if (isPbsJobId(nativeId)) return;
    throw new InvalidJobException(
      `nativeId: ${JSON.stringify(nativeId)} is not a PBS job id ` +
        `(<sequence>[.<server>], e.g. 1234.pbsserver or 1235[].pbsserver)`,
      { field: "nativeId" },
    );
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
    if (typeof nativeId === "string" && nativeId !== "") this.checkNativeId(nativeId);
    const found = await this.verifyAttach(job, nativeId);
    const rec = found.kind === "found" ? found.record : undefined;
    // A user types `1234`; PBS answers for `1234.server`, the id the job's script names its
    // exit-code file after and every later qstat prints: follow the job under that one.
    if (rec && rec.id !== nativeId) job.nativeId = nativeId = rec.id;
    const entry = this.entries.add(nativeId, job, rec?.variables[STAMP_VARIABLE]);
    if (options.cancelRequested) carryCancel(entry, rec);
    if (rec) {
      const { final } = this.applyObservation(nativeId, rec, true);
      if (!final) this.poller.track(nativeId);
      return;
    }
    this.settleUnknown(
      entry,
      job,
      options.cancelRequested ? this.canceledUnknown() : {
        state: JobState.FAILED,
        message:
          `PBS does not know job ${nativeId} (qstat -x: Unknown Job Id) and no exit-code file ` +
          `exists in ${this.workDir}`,
        evidence: "no-evidence",
      },
    );
  }

  /**
   * Native ids of this user's jobs (live or in history) whose script carries
   * `stamp`: how a submission whose qsub reply was lost is found again. An
   * empty answer means PBS provably has none, so anything short of that — a
   * failed status command, an id it printed no record for (cJSON bug #2672)
   * that its own look-up cannot settle — throws instead. Look-ups asked for
   * together share one listing of the user's jobs (StampLookups).
   */
  findByStamp(stamp: string): Promise<string[]> {
    return this.#stampLookups.find(stamp);
  }

  readonly #stampLookups = new StampLookups((stamps) =>
    lookupStamps(this.runner, stamps, {
      user: this.config.user ?? currentUser(),
      timeoutMs: this.timeoutMs,
      mode: this.#mode,
    })
  );

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
      this.config.historyRetentionMs ?? 14 * 24 * 3_600_000,
    );
  }

  protected applyObservation(
    id: string,
    rec: PbsJobRecord,
    attaching = false,
  ): { changed: boolean; final: boolean } {
    const entry = this.observe(id, rec);
    if (!entry) return { changed: false, final: true };
    if (rec.variables[STAMP_VARIABLE]) entry.stamp ??= rec.variables[STAMP_VARIABLE];
    const finished = isFinishedLetter(rec.state);
    // Final already (the user's cancel, its exit-code file): wait for PBS to end it.
    if (!attaching && this.allFinal(entry)) return this.#afterFinal(id, entry, rec);
    if (finished && entry.qdelInFlight) {
      // PBS's record of the end (Exit_status 271, an .ec of 143) may be our own
      // qdel's doing, seen before its reply: the reply decides who ended it.
      return { changed: false, final: false };
    }
    if (finished) {
      const files = readOutcome(this.workDir, id);
      // A job the user asked to cancel ended by that cancel, whatever Exit_status says,
      // unless its script recorded an end of its own. So: one that never started (no start
      // stamp, no file of its script's); one whose script started (its .out is there) and
      // left our TERM trap's 143 or no exit code; and an array element with no exit code
      // shown as X with the array's substate 70 (BEGUN): OpenPBS 23.06 shows subjobs
      // deleted with their array that way, with the array's stime and Exit_status 0,
      // while the array ends, whether they had started or not. A script that ran to its end first left
      // its own code, and that end stands (a cancel racing completion).
      const neverStarted = rec.times.stime === undefined && !filesShowRun(files);
      const noOwnEnd = files.exitCode === 143 ||
        (files.exitCode === undefined &&
          ((files.output !== undefined && !files.markerSeen) || arrayStillEnding(rec)));
      if (entry.cancelRequested && (deletedRecord(rec) || neverStarted || noOwnEnd)) {
        entry.userCanceled = true;
      }
      let u = finalUpdate(rec, files, entry.userCanceled)!;
      if (scriptStoppedEarly(rec, files, entry.userCanceled)) {
        const waited = this.clock.now() - (entry.stoppedEarlyAt ??= this.clock.now());
        if (waited < this.#graceMs) return { changed: false, final: false };
        u = endedEarly(rec, files, `${this.workDir}/${id}.ec`, waited);
      }
      const changed = this.applyToJobs(entry, u);
      this.entries.finish(id);
      return { changed, final: true };
    }
    if (neverRunnable(rec) && (this.config.neverRunnable ?? "fail") === "fail") {
      if (!entry.qdelInFlight) void deleteNeverRunnable(this.#cancels, id, entry, rec.comment!);
      return { changed: false, final: false };
    }
    // Running or exiting, and its script has left its exit code: where the watcher cannot
    // hear the file (another host's write on a shared filesystem), the poll finds it.
    if ((rec.state === "R" || rec.state === "E") && this.#endFromFile(id)) {
      return { changed: true, final: false };
    }
    const u = liveUpdate(rec);
    return { changed: u ? this.applyToJobs(entry, u) : false, final: false };
  }

  protected async probe(id: string): Promise<ProbeResult> {
    const entry = this.entries.get(id);
    if (!entry) return "final";
    if (this.allFinal(entry)) {
      this.entries.finish(id);
      return "final";
    }
    if (entry.qdelInFlight) return "alive"; // its reply comes first (see applyObservation)
    if (this.settleFromFile(entry, entry.lastSeen)) return "final";
    const found = await this.lookupAndApply(id);
    if (found !== "unknown") return found;
    return entry.cancelRequested ? this.endCanceledUnknown(entry) : "none";
  }

  protected override giveUpDetail(id: string): string {
    const out = readOutcome(this.workDir, id).output;
    return out === undefined
      ? ""
      : `; the script started but did not run to its end, script output: ${out || "(none)"}`;
  }
}

registerExecutor<PbsExecutorConfig>({
  name: "pbs",
  aliases: ["pbspro", "openpbs"],
  version: PBS_EXECUTOR_VERSION,
  description: "PBS Pro / OpenPBS through qsub, qstat, qdel and qselect",
  create: (config) => new PbsExecutor(config),
});

/** A subjob PBS shows with its array's substate (70, BEGUN): its own end is not recorded yet. */
function arrayStillEnding(rec: PbsJobRecord): boolean {
  return rec.state === "X" && rec.substate === 70;
}
