/**
 * The skeleton every CLI-driven batch executor shares: the work directory,
 * one poller wired to the backend's hooks, the book of entries, submit
 * (stamp, script, submit command, QUEUED), cancel (one cancel command per
 * job, awaited by every caller), attach's check that the scheduler knows the
 * id, and the verdicts that need no scheduler dialect: the exit-code file,
 * the user's cancel of a job the scheduler forgot, and giving up. A backend
 * supplies its commands, parsing, state mapping and directives through the
 * abstract members.
 * @module
 */

import { existsSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute } from "node:path";
import type { CommandResult, CommandRunner } from "../core/command-runner.ts";
import { InvalidStateException, PsijError, SubmitException } from "../core/errors.ts";
import { type ExecutorHealth, JobExecutor, type NativeIdLookup } from "../core/executor.ts";
import { expandSpec } from "../core/expand.ts";
import type { JobSpec } from "../core/job-spec.ts";
import { isFinal, JobState } from "../core/job-state.ts";
import type { Job } from "../core/job.ts";
import {
  type BatchExecutorConfig,
  DEFAULT_COMMAND_TIMEOUT_MS,
  defaultWorkDir,
  pollerOptions,
} from "./config.ts";
import type { BatchDialect, LookupResult } from "./dialect.ts";
import { BatchEntries, type BatchEntry } from "./entries.ts";
import { commandFailed } from "./failures.ts";
import { filesShowRun, type StatusUpdate } from "./outcome.ts";
import { type PollerStats, type ProbeResult, StatusPoller, type StatusReport } from "./poller.ts";
import { ProcessRunner } from "./process-runner.ts";
import { readOutcome, stampFor } from "./protocol.ts";
import type { RenderedScript } from "./script-view.ts";

export type { BatchDialect, LookupResult } from "./dialect.ts";

export abstract class BatchExecutor<
  O,
  E extends BatchEntry<O>,
  C extends BatchExecutorConfig = BatchExecutorConfig,
> extends JobExecutor {
  readonly workDir: string;
  protected readonly config: C;
  protected readonly runner: CommandRunner;
  protected readonly timeoutMs: number;
  protected readonly entries: BatchEntries<E>;
  protected readonly poller: StatusPoller<O>;
  protected readonly dialect: BatchDialect<O>;
  #workDirReady = false;

  constructor(config: C, dialect: BatchDialect<O>) {
    super({ clock: config.clock });
    this.config = config;
    this.dialect = dialect;
    this.workDir = config.workDir ?? defaultWorkDir(dialect.backend, config.home);
    const runner = config.runner ?? new ProcessRunner();
    this.runner = dialect.wrapRunner ? dialect.wrapRunner(runner, this.clock) : runner;
    this.timeoutMs = config.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.entries = new BatchEntries(
      this.workDir,
      config.keepFiles ?? false,
      (stamp) => dialect.stampFiles(this.workDir, stamp),
    );
    this.poller = new StatusPoller(this.clock, {
      query: (ids) => this.queryStatus(ids),
      operand: (id) => this.statusOperand(id),
      apply: (id, o) => this.applyObservation(id, o),
      probe: (id) => this.probe(id),
      giveUp: (id, since) => this.giveUp(id, since),
    }, pollerOptions(config));
  }

  /** One status command for these ids. Must not throw (failures go in `error`). */
  protected abstract queryStatus(ids: string[]): Promise<StatusReport<O>>;
  /** What an id puts on the status command line (see PollerHooks.operand); default the id. */
  protected statusOperand(id: string): string {
    return id;
  }
  /** Applies an observation to the entry's jobs: whether a state changed, whether it is final. */
  protected abstract applyObservation(id: string, o: O): { changed: boolean; final: boolean };
  /** Looks for evidence about a vanished id (see the poller's `probe`). */
  protected abstract probe(id: string): Promise<ProbeResult>;
  /** The targeted look-up of one id. */
  protected abstract lookup(id: string): Promise<LookupResult<O>>;
  /**
   * Throws an InvalidJobException (field `nativeId`) for an id this
   * scheduler never prints: it would go on a command line as an option.
   */
  protected abstract checkNativeId(nativeId: string): void;
  /** The job script for an expanded spec; an InvalidJobException names a field it cannot hold. */
  /** Batch executors run a user's own script (`batchScript`), its directives honoured. */
  override get runsBatchScripts(): boolean {
    return true;
  }

  /**
   * Where qsub/sbatch run for a spec: a user's own script is submitted from
   * the job's directory, as its author would have (PBS_O_WORKDIR, relative
   * -o/--output and sbatch's default working directory are that directory);
   * everything else from the work directory.
   */
  protected submitCwd(spec: JobSpec): string {
    const dir = spec.directory;
    if (spec.batchScript === undefined || !dir || !isAbsolute(dir)) return this.workDir;
    return existsSync(dir) ? dir : this.workDir;
  }

  protected abstract renderScript(spec: JobSpec, stamp: string): RenderedScript<unknown>;
  /** Renders and writes the script, then submits it: the native id, or a SubmitException. */
  protected abstract submitScript(spec: JobSpec, stamp: string): Promise<string>;
  /** Sends the cancel command for a live entry and records what it proves. */
  protected abstract sendCancel(id: string, entry: E): Promise<void>;

  /** Poller figures, for benchmarks and the agent's /health. */
  pollerStats(): PollerStats {
    return this.poller.stats();
  }

  override health(): ExecutorHealth {
    const s = this.poller.stats();
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
        pollIntervalMs: s.intervalMs,
        ...(s.lastCommandAt === undefined ? {} : {
          lastStatusCommandAt: s.lastCommandAt,
          lastStatusCommandMs: Math.round(s.lastCommandMs! * 10) / 10,
        }),
      },
    };
  }

  override close(): Promise<void> {
    this.poller.close();
    return Promise.resolve();
  }

  protected run(argv: string[], cwd?: string): Promise<CommandResult> {
    const timeoutMs = this.timeoutMs;
    return this.runner.run(argv, cwd === undefined ? { timeoutMs } : { cwd, timeoutMs });
  }

  /** The spec as its script sees it: `${VAR}` and `~/` expanded (see core/expand.ts). */
  #expand(spec: JobSpec): JobSpec {
    return expandSpec(spec, this.config.env ?? process.env, this.config.home ?? homedir());
  }

  /** Expands the spec and renders its script and directives, as submit does; nothing is written. */
  override validate(spec: JobSpec): void {
    super.validate(spec);
    // The stamp only names files in the script: a stand-in gives the same verdict.
    this.renderScript(this.#expand(spec), stampFor("validate"));
  }

  async submit(job: Job): Promise<void> {
    this.prepareSubmit(job);
    try {
      const spec = this.#expand(job.spec!);
      this.#ensureWorkDir();
      const stamp = stampFor(job.id);
      const id = await this.submitScript(spec, stamp);
      job.nativeId = id;
      if (spec.array !== undefined) {
        // The array's own id: its elements are followed one by one (adoptElement).
        this.updateStatus(job, { state: JobState.QUEUED, metadata: { evidence: "submit", stamp } });
        return;
      }
      this.entries.add(id, job, stamp);
      this.updateStatus(job, { state: JobState.QUEUED, metadata: { evidence: "submit", stamp } });
      this.poller.track(id);
    } catch (err) {
      // A submission that did not happen leaves the job NEW and free to be submitted again.
      job.executor = undefined;
      job.nativeId = undefined;
      throw err;
    }
  }

  /**
   * Follows one element of an array this executor submitted: bound to its
   * native id with no look-up (the array's submission proves it), polled
   * with the others. `cancelRequested` carries a cancel the user asked for.
   */
  override adoptElement(
    job: Job,
    nativeId: string,
    options: { cancelRequested?: boolean } = {},
  ): void {
    this.prepareAttach(job, nativeId);
    const entry = this.entries.add(nativeId, job, undefined);
    entry.sharedStamp = true;
    if (options.cancelRequested) this.carryCancelRequest(entry);
    if (job.status.state === JobState.NEW) {
      this.updateStatus(job, { state: JobState.QUEUED, metadata: { evidence: "submit" } });
    }
    this.poller.track(nativeId);
  }

  /** A re-followed job whose cancel the user asked for; the backend says what that proves. */
  protected carryCancelRequest(_entry: E): void {}

  #ensureWorkDir(): void {
    if (this.#workDirReady) return;
    mkdirSync(this.workDir, { recursive: true, mode: 0o700 });
    this.#workDirReady = true;
  }

  async cancel(job: Job): Promise<void> {
    if (!this.checkCancel(job)) return;
    const id = job.nativeId;
    if (!id) throw new InvalidStateException(`job ${job.id} has no native id yet`);
    const entry = this.entries.get(id);
    if (!entry) return;
    entry.cancel ??= this.sendCancel(id, entry);
    await entry.cancel;
  }

  /** The command that holds (`release` false) or releases a job; undefined when there is none. */
  protected holdArgv(_id: string, _release: boolean): string[] | undefined {
    return undefined;
  }

  override hold(job: Job): Promise<void> {
    return this.#hold(job, true);
  }

  override release(job: Job): Promise<void> {
    return this.#hold(job, false);
  }

  async #hold(job: Job, hold: boolean): Promise<void> {
    const id = job.nativeId;
    const argv = id === undefined ? undefined : this.holdArgv(id, !hold);
    if (!argv) return hold ? super.hold(job) : super.release(job);
    if (job.executor !== this || job.status.state !== JobState.QUEUED) {
      throw new InvalidStateException(
        `job ${job.id} is ${job.status.state}: only a QUEUED job can be ${
          hold ? "held" : "released"
        }`,
      );
    }
    const r = await this.run(argv);
    if (r.exitCode !== 0 || r.timedOut) throw new PsijError(commandFailed(argv.join(" "), r));
    this.updateStatus(job, {
      state: JobState.QUEUED,
      message: hold ? "held by the user" : "released by the user",
      metadata: { evidence: "scheduler", held: hold },
    });
    this.poller.track(id!);
  }

  /** The scheduler's look-up, or the job's exit-code file, knows the id (see JobExecutor). */
  override async lookupNativeId(nativeId: string): Promise<NativeIdLookup> {
    this.checkNativeId(nativeId);
    const d = this.dialect;
    const found = await this.lookup(nativeId);
    if (found.kind === "error") {
      throw new PsijError(`cannot look up ${d.label} job ${nativeId}: ${found.error}`);
    }
    if (found.kind === "found") {
      const id = d.idOf(found.record);
      return id === nativeId ? { known: true } : { known: true, nativeId: id };
    }
    if (readOutcome(this.workDir, nativeId).exitCode !== undefined) return { known: true };
    return {
      known: false,
      reason: `${d.label} does not know job ${nativeId} (${d.statusCommand}: unknown job id) ` +
        `and no exit-code file for it exists in ${this.workDir}`,
    };
  }

  /**
   * Binds `job` to `nativeId` and looks the id up; a look-up that fails
   * unbinds the job (it stays NEW) and throws a transient SubmitException.
   */
  protected async verifyAttach(
    job: Job,
    nativeId: string,
  ): Promise<Exclude<LookupResult<O>, { kind: "error" }>> {
    this.prepareAttach(job, nativeId);
    const found = await this.lookup(nativeId);
    if (found.kind !== "error") return found;
    job.executor = undefined;
    job.nativeId = undefined;
    throw new SubmitException(
      `cannot verify ${this.dialect.label} job ${nativeId}: ${found.error}`,
      { transient: true },
    );
  }

  /**
   * An attached job the scheduler does not know: its exit-code file decides,
   * else `fallback`. When other jobs follow the id already, the poller's one
   * verdict serves them all.
   */
  protected settleUnknown(entry: E, job: Job, fallback: StatusUpdate): void {
    if (entry.jobs.length > 1) {
      this.poller.track(entry.id);
      return;
    }
    const update =
      this.dialect.finalUpdate(undefined, readOutcome(this.workDir, entry.id), false) ??
        fallback;
    this.applyToJobs(entry, update, [job]);
    this.entries.finish(entry.id);
  }

  protected applyToJobs(entry: E, u: StatusUpdate, jobs: readonly Job[] = entry.jobs): boolean {
    let changed = false;
    // A final verdict that says nothing of a run (a qdel's reply, a scheduler
    // that forgot the job) still has the job's own files as evidence.
    const ran = u.ran ?? (isFinal(u.state) && filesShowRun(readOutcome(this.workDir, entry.id)));
    for (const job of jobs) {
      // The transition's time is now, when this executor saw the evidence; the
      // scheduler's whole-second stamp is kept beside it.
      const made = this.updateStatus(job, {
        state: u.state,
        exitCode: u.exitCode,
        message: u.message,
        ...(u.schedulerTime !== undefined ? { schedulerTime: u.schedulerTime } : {}),
        ran,
        metadata: { evidence: u.evidence, ...u.detail },
      });
      if (made.length) changed = true;
    }
    return changed;
  }

  protected allFinal(entry: E): boolean {
    return entry.jobs.every((j) => isFinal(j.status.state));
  }

  /** Records an observation on its entry; undefined when the id is no longer followed. */
  protected observe(id: string, o: O): E | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    entry.lastSeen = o;
    entry.lastSeenAt = this.clock.now();
    return entry;
  }

  /** Ends a vanished job on its exit-code file, if there is one. */
  protected settleFromFile(entry: E, o: O | undefined): boolean {
    const files = readOutcome(this.workDir, entry.id);
    if (files.exitCode === undefined) return false;
    this.applyToJobs(entry, this.dialect.finalUpdate(o, files, entry.userCanceled)!);
    this.entries.finish(entry.id);
    return true;
  }

  /** Looks one id up and applies what is found; "unknown" when the scheduler does not know it. */
  protected async lookupAndApply(id: string): Promise<ProbeResult | "unknown"> {
    const found = await this.lookup(id);
    if (found.kind === "found") {
      return this.applyObservation(id, found.record).final ? "final" : "alive";
    }
    return found.kind === "error" ? "error" : "unknown";
  }

  /** The user's cancel of a job the scheduler no longer knows: the cancel is the end. */
  protected canceledUnknown(): StatusUpdate {
    return {
      state: JobState.CANCELED,
      message: `canceled by the user; ${this.dialect.label} no longer knows the job`,
      evidence: "user-cancel",
    };
  }

  protected endCanceledUnknown(entry: E): "final" {
    this.applyToJobs(entry, this.canceledUnknown());
    this.entries.finish(entry.id);
    return "final";
  }

  /** What the job's files add to a give-up message (default nothing). */
  protected giveUpDetail(_id: string): string {
    return "";
  }

  /** No evidence after the grace period: FAILED, saying what was looked at. */
  protected giveUp(id: string, since: number): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    const d = this.dialect;
    const seconds = Math.round((this.clock.now() - since) / 1000);
    const last = entry.lastSeen !== undefined
      ? `last seen by this agent in state ${d.stateOf(entry.lastSeen)} at ${
        new Date(entry.lastSeenAt!).toISOString()
      }`
      : `never seen in ${d.statusCommand} by this agent`;
    this.applyToJobs(entry, {
      state: JobState.FAILED,
      message: `no evidence of how ${d.label} job ${id} ended: ${d.goneSince} since ` +
        `${new Date(since).toISOString()} (${seconds} s; ${d.goneBecause}), ` +
        `no exit-code file appeared at ${this.workDir}/${id}.ec, ${last}${this.giveUpDetail(id)}`,
      evidence: "no-evidence",
    });
    this.entries.finish(id);
  }
}
