/**
 * JobService: what the agent does, knowing nothing of HTTP. Submits (with
 * intents and idempotency keys), cancels, attaches, answers queries, publishes
 * every stored transition, and after a restart re-attaches every job that was
 * not final.
 * @module
 */

import { createHash } from "node:crypto";
import { type Clock, realClock } from "../core/clock.ts";
import {
  CancelRefusedException,
  InvalidJobException,
  InvalidStateException,
  SubmitException,
  UnknownExecutorException,
} from "../core/errors.ts";
import type { ExecutorHealth, JobExecutor } from "../core/executor.ts";
import type { Dependency, JobSpec } from "../core/job-spec.ts";
import { isFinal, JobState } from "../core/job-state.ts";
import type { JobStatus } from "../core/job-status.ts";
import { Job } from "../core/job.ts";
import { ConflictError, NotFoundError, SubmitFailedError } from "./errors.ts";
import { INDEX_PLACEHOLDER, splitElementId } from "../core/array.ts";
import { ArrayBook, type ArraySummary, elementRecords } from "./arrays.ts";
import { EventBus, type EventListener, subscribeFrom } from "./events.ts";
import { newJobId } from "./ids.ts";
import { ensureOutputDir, sweepKeptOutput, withKeptOutput } from "./job-output.ts";
import { atDocumentPath, parseSpecDocument, specFromJson, specToJson } from "./spec-input.ts";
import type { JobStore, StoreHealth } from "./store/store.ts";
import { StoreError } from "./store/errors.ts";
import { UnwrittenWrites } from "./unwritten.ts";
import type { JobRecord, ListPage, ListQuery, TransitionRecord } from "./store/types.ts";
import { jsonProblem } from "./store/damage.ts";
import { jobView } from "./view.ts";
import { originOf } from "./discovery.ts";
import { listExecutors } from "../core/registry.ts";
import { recoverJobs, type RecoveryReport } from "./recovery.ts";
import { dependencyVerdict, planDependencies } from "./dependencies.ts";
import { lookupOf, mayHaveActed, nextDelay, reconcileIntent, RETRY_FIRST_MS } from "./reconcile.ts";

export interface JobServiceOptions {
  store: JobStore;
  /** The executors this agent runs, by name; jobs name theirs. */
  executors: Record<string, JobExecutor>;
  defaultExecutor: string;
  clock?: Clock;
  /**
   * How long after a submission intent was recorded a scheduler look-up may
   * conclude that the submission never arrived (see recovery.ts). Default 60 s.
   */
  intentSettleMs?: number;
  /**
   * Where the agent keeps the stdout/stderr of a job whose spec names no file
   * (see job-output.ts); without it such output goes where the executor's
   * default sends it (/dev/null).
   */
  outputDir?: string;
  /** Where the service reports what the user should know (the store failing, recovering). */
  log?: (line: string) => void;
}

export interface SubmitOptions {
  idempotencyKey?: string;
  executor?: string;
}

export interface SubmitResult {
  job: JobRecord;
  /** False when an idempotency key returned an earlier submission. */
  created: boolean;
}

export class JobService {
  readonly store: JobStore;
  readonly events = new EventBus();
  readonly defaultExecutor: string;
  readonly clock: Clock;
  readonly intentSettleMs: number;
  readonly outputDir?: string;
  #recovering = false;
  /** Reconciliations and re-attaches still waiting for the scheduler to answer. */
  readonly #pending = new Set<Promise<unknown>>();
  /** Why the scheduler could not answer for a job still being reconciled, by job id. */
  readonly pendingErrors = new Map<string, string>();
  readonly #stop = new AbortController();
  readonly #executors: Record<string, JobExecutor>;
  /** Jobs not yet final, as the executors track them. */
  readonly live = new Map<string, Job>();
  readonly #unhook: Array<() => void> = [];
  /** `GET /jobs/{id}` bodies, dropped whenever the store changes the job. */
  readonly #views = new Map<string, string>();
  static readonly VIEW_CACHE_SIZE = 10_000;
  /** State changes the store could not take (a full disk), retried until written. */
  readonly #unwritten: UnwrittenWrites;
  readonly #log: (line: string) => void;
  /** Arrays not yet final, and their elements' states. */
  readonly #arrays: ArrayBook;
  /** Non-final jobs with dependencies (psij-agent ids), watched for their dependencies' ends. */
  readonly #deps = new Map<string, Dependency[]>();
  /** Ends seen before the end of a dependency (see #endsBeforeDependency). */
  readonly #endsAfter = new Map<string, { job: Job; status: JobStatus }>();

  constructor(options: JobServiceOptions) {
    this.store = options.store;
    this.#executors = options.executors;
    this.defaultExecutor = options.defaultExecutor;
    this.clock = options.clock ?? realClock;
    this.intentSettleMs = options.intentSettleMs ?? 60_000;
    this.outputDir = options.outputDir;
    if (this.outputDir) ensureOutputDir(this.outputDir);
    this.#log = options.log ?? (() => {});
    this.#unwritten = new UnwrittenWrites(this.#stop.signal, this.#log);
    if (!this.#executors[this.defaultExecutor]) {
      throw new UnknownExecutorException(
        `default executor "${this.defaultExecutor}" is not among this agent's executors`,
      );
    }
    this.store.onJobChange = (id) => this.#views.delete(id);
    this.#arrays = new ArrayBook(
      this.store,
      (id, status) => this.#writeStatus(id, status),
      () => this.clock.now(),
    );
    for (const ex of Object.values(this.#executors)) {
      this.#unhook.push(ex.addJobStatusCallback((job, status) => this.#record(job, status)));
      // What the scheduler's record adds after an end decided from the exit-code file.
      this.#unhook.push(ex.addFinalFactsListener((job, facts) => {
        this.#unwritten.write(job.id, () => this.store.amendFinal(job.id, facts));
      }));
      this.#unhook.push(ex.addJobNoteListener((job, status) => {
        if (status.message === undefined) return;
        try {
          this.#noteHeld(job.id, status);
          this.store.recordNote(job.id, status.state, status.message, status.time);
        } catch (err) {
          // A note is replaced by the next one; the store's health tells of the failure.
          if (!(err instanceof StoreError)) throw err;
        }
      }));
    }
  }

  /** True while restart recovery, or a reconciliation, still waits for the scheduler. */
  get recovering(): boolean {
    return this.#recovering || this.#pending.size > 0;
  }

  get closed(): boolean {
    return this.#stop.signal.aborted;
  }

  /** Sleeps on the service's clock; close() wakes it early. */
  pause(ms: number): Promise<void> {
    return this.clock.sleep(ms, this.#stop.signal);
  }

  noteLookupFailure(id: string, error: string | undefined): void {
    if (error === undefined) this.pendingErrors.delete(id);
    else this.pendingErrors.set(id, error);
  }

  /** Runs `work` in the background, counted in `recovering` until it ends. */
  #background(work: Promise<unknown>): void {
    const p = work.catch(() => {}).finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  /** Resolves once every background reconciliation has ended (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.#pending.size) await Promise.all([...this.#pending]);
  }

  executor(name: string): JobExecutor {
    const ex = this.#executors[name.toLowerCase()];
    if (!ex) {
      throw new UnknownExecutorException(
        `executor "${name}" is not served by this agent (it serves: ${
          Object.keys(this.#executors).join(", ")
        })`,
      );
    }
    return ex;
  }

  executorNames(): string[] {
    return Object.keys(this.#executors);
  }

  /** Stores a status reported by an executor and publishes what was written. */
  #record(job: Job, reported: JobStatus): void {
    if (this.#endsBeforeDependency(job, reported)) return;
    this.#writeStatus(job.id, this.#dependencyEnd(job.id, reported));
  }

  #writeStatus(id: string, status: JobStatus): void {
    this.#unwritten.write(id, () => {
      this.#noteHeld(id, status);
      const written = this.store.recordTransition(id, status);
      for (const t of written) this.events.publish(t);
      if (isFinal(status.state)) this.live.delete(id);
      if (written.length) {
        // An element's change moves its array's summary (and maybe its state).
        const arrayId = this.#arrays.elementChanged(id, written[written.length - 1].state);
        if (arrayId) this.#views.delete(arrayId);
      }
      if (isFinal(status.state)) {
        this.#deps.delete(id);
        if (written.length) this.#dependencyDecided(id);
      }
    });
  }

  #noteHeld(id: string, status: JobStatus): void {
    const held = status.metadata?.held;
    if (typeof held === "boolean") this.store.setHeld(id, held);
  }

  /**
   * A job with dependencies that ends without completing while one of them
   * can never be met ends FAILED saying so: PBS deletes such a job itself,
   * and the agent cancels it where the scheduler would keep it (Slurm) —
   * neither is the user's cancel.
   */
  #dependencyEnd(id: string, status: JobStatus): JobStatus {
    const deps = this.#deps.get(id);
    if (!deps || !isFinal(status.state) || status.state === JobState.COMPLETED) return status;
    if (this.store.cancelRequestedAt(id) !== undefined) return status;
    const v = dependencyVerdict(deps, this.store);
    if (typeof v !== "object") return status;
    return {
      state: JobState.FAILED,
      time: status.time,
      message: v.unmet,
      metadata: { ...status.metadata, evidence: "dependency", reported: status.message },
    };
  }

  /**
   * An end seen before the end of a dependency that caused it (PBS deletes
   * the dependent in the same moment; one qstat shows both) waits for that
   * dependency's end, so its message can say how the dependency ended.
   */
  #endsBeforeDependency(job: Job, status: JobStatus): boolean {
    const deps = this.#deps.get(job.id);
    if (!deps || !isFinal(status.state) || status.state === JobState.COMPLETED) return false;
    if (this.store.cancelRequestedAt(job.id) !== undefined) return false;
    if (dependencyVerdict(deps, this.store) !== "waiting") return false;
    this.#endsAfter.set(job.id, { job, status });
    return true;
  }

  /** A job became final: the jobs that depend on it may now start, or never. */
  #dependencyDecided(endedId: string): void {
    for (const [id, deps] of this.#deps) {
      if (!deps.some((d) => d.job === endedId)) continue;
      const v = dependencyVerdict(deps, this.store);
      if (v === "waiting") continue;
      const early = this.#endsAfter.get(id);
      if (early) {
        this.#endsAfter.delete(id);
        this.#record(early.job, early.status);
        continue;
      }
      const job = this.live.get(id);
      if (typeof v === "object") {
        if (job) void job.cancel().catch(() => {}); // the end it reports becomes FAILED (above)
        else {
          this.#deps.delete(id);
          this.failJob(id, v.unmet, "dependency");
        }
      } else if (!job) this.#startWaiting(id);
    }
  }

  /**
   * Sends a job the agent kept back (dependencies or a hold its executor
   * cannot keep), once nothing holds it; a no-op while something still does.
   */
  #startWaiting(id: string): void {
    const rec = this.store.getJob(id);
    if (!rec || isFinal(rec.state) || rec.nativeId || this.live.has(id)) return;
    if (rec.held || this.store.getIntent(id)?.outcome !== "waiting") return;
    let spec: JobSpec;
    try {
      spec = specFromJson(rec.specJson);
    } catch (err) {
      this.failJob(id, `not submitted: its stored spec is damaged (${errorText(err)})`);
      return;
    }
    if (spec.dependsOn && dependencyVerdict(spec.dependsOn, this.store) !== "met") return;
    this.#deps.delete(id);
    this.store.reopenIntent(id, this.clock.now());
    const executor = this.executor(rec.executor);
    this.#background(
      this.#send(id, { ...spec, dependsOn: undefined, hold: undefined }, executor).then((r) => {
        if (r === "lost") {
          return reconcileIntent(
            this,
            this.store.getJob(id)!,
            lookupOf(executor)!,
            this.clock.now(),
          );
        }
      }),
    );
  }

  /**
   * After a restart: a job the agent kept back waits again (or starts, or
   * fails, if its dependencies ended meanwhile).
   */
  resumeWaiting(rec: JobRecord): void {
    let spec: JobSpec = {};
    try {
      spec = specFromJson(rec.specJson);
    } catch {
      // #startWaiting reports the damage
    }
    const deps = spec.dependsOn ?? [];
    const v = dependencyVerdict(deps, this.store);
    if (typeof v === "object") return this.failJob(rec.id, v.unmet, "dependency");
    if (deps.length) this.#deps.set(rec.id, deps);
    this.#startWaiting(rec.id);
  }

  /** Whether the agent keeps this job back itself (it was never sent). */
  #waitingInAgent(rec: JobRecord): boolean {
    return !rec.nativeId && !this.live.has(rec.id) &&
      this.store.getIntent(rec.id)?.outcome === "waiting";
  }

  /**
   * Holds (or releases) a queued job: the scheduler's hold (qhold, scontrol
   * hold), or, for a job the agent keeps back, the agent's own. A job that
   * has started, or an executor that cannot hold a started job, is an
   * InvalidStateException.
   */
  async hold(ref: string, hold = true): Promise<JobRecord> {
    const rec = this.getRecord(ref);
    const id = rec.id;
    const verb = hold ? "held" : "released";
    if (isFinal(rec.state)) {
      throw new InvalidStateException(`job ${id} is ${rec.state}; it cannot be ${verb}`);
    }
    if (this.#waitingInAgent(rec)) {
      this.store.setHeld(id, hold);
      this.store.recordNote(
        id,
        rec.state,
        hold ? "held by the user (kept by the agent)" : "released by the user",
        this.clock.now(),
      );
      if (!hold) this.#startWaiting(id);
      return this.store.getJob(id)!;
    }
    const job = this.live.get(id);
    if (!job) {
      throw new InvalidStateException(
        `job ${id} is ${rec.state} but not tracked by this agent; it cannot be ${verb}`,
      );
    }
    const executor = this.executor(rec.executor);
    await (hold ? executor.hold(job) : executor.release(job));
    this.store.setHeld(id, hold);
    return this.store.getJob(id)!;
  }

  release(ref: string): Promise<JobRecord> {
    return this.hold(ref, false);
  }

  /** Records a transition the agent itself decides (a failed submit, an unknown intent). */
  failJob(
    id: string,
    message: string,
    evidence = "error",
    state: JobState = JobState.FAILED,
  ): void {
    const time = this.clock.now();
    this.#unwritten.write(id, () => {
      const written = this.store.recordTransition(id, {
        state,
        time,
        message,
        metadata: { evidence: evidence as any },
      });
      for (const t of written) this.events.publish(t);
      this.live.delete(id);
      this.#deps.delete(id);
      if (written.length) this.#dependencyDecided(id);
    });
  }

  /**
   * Validates `doc` (a JobSpec document), as the executor will see it too
   * (its script and directives rendered, nothing sent), records the job and
   * its intent, then hands it to the executor. A spec either refuses is an
   * InvalidJobException naming the JSON path, and nothing is recorded. With
   * an idempotency key, a repeat of the same request returns the first job;
   * the same key with another request is a ConflictError. A refused
   * submission leaves the job FAILED with the scheduler's words and rethrows.
   */
  async submit(doc: unknown, options: SubmitOptions = {}): Promise<SubmitResult> {
    const spec = parseSpecDocument(doc);
    const executorName = (options.executor ?? this.defaultExecutor).toLowerCase();
    const executor = this.executor(executorName);
    const specJson = specToJson(spec);
    const key = options.idempotencyKey;
    const requestHash = key === undefined
      ? undefined
      : createHash("sha256").update(`${executorName}\n${specJson}`).digest("base64url");
    if (key !== undefined) {
      const seen = this.store.findIdempotencyKey(key);
      if (seen) {
        if (seen.requestHash !== requestHash) {
          throw new ConflictError(
            `Idempotency-Key "${key}" was already used for a different request (job ${seen.jobId})`,
          );
        }
        return { job: this.store.getJob(seen.jobId)!, created: false };
      }
    }
    const deps = spec.dependsOn ?? [];
    const native = executor.schedulesDependencies;
    let plan;
    try {
      plan = planDependencies(deps, executorName, this.store, native);
    } catch (err) {
      throw atDocumentPath(err, doc);
    }
    // The executor sees its own scheduler's ids, and only dependencies still undecided.
    const forExecutor = this.#forExecutor(spec, executorName, executor);
    try {
      executor.validate(forExecutor);
    } catch (err) {
      throw atDocumentPath(err, doc);
    }
    const id = newJobId();
    // After the request hash: the kept files are named by the new id, not by the request.
    // An array's elements keep theirs under their own ids (`<id>[<index>].out`).
    const keptAs = spec.array === undefined ? id : `${id}[${INDEX_PLACEHOLDER}]`;
    const toStore = this.outputDir ? withKeptOutput(spec, this.outputDir, keptAs) : spec;
    const toRun = this.outputDir
      ? withKeptOutput(forExecutor, this.outputDir, keptAs)
      : forExecutor;
    this.store.createJob({
      id,
      executor: executorName,
      specJson: toStore === spec ? specJson : specToJson(toStore),
      createdAt: this.clock.now(),
      stamp: id,
      idempotencyKey: key,
      requestHash,
    });
    if (plan.unmet !== undefined) {
      this.store.resolveIntent(id, this.clock.now(), "refused");
      this.failJob(id, plan.unmet, "dependency");
      return { job: this.store.getJob(id)!, created: true };
    }
    if (plan.pending.length) this.#deps.set(id, deps);
    if (!native && (spec.hold || plan.pending.length)) {
      this.#keepBack(id, spec.hold === true, plan.pending.map((d) => d.job));
      return { job: this.store.getJob(id)!, created: true };
    }
    const sent = await this.#send(id, toRun, executor);
    // The scheduler took it held (qsub -h, sbatch --hold): shown at once, not at the next poll.
    if (sent === "sent" && spec.hold) this.store.setHeld(id, true);
    if (sent === "sent" && plan.pending.length) {
      // Until the scheduler has words of its own (PBS says nothing of a dependency hold).
      const words = waitingWords(plan.pending.map((d) => d.job));
      this.store.recordNote(id, JobState.QUEUED, words, this.clock.now());
    }
    if (sent === "lost") {
      // qsub may have made the job: find it by its stamp (see reconcile.ts).
      const rec = this.store.getJob(id)!;
      this.#background(reconcileIntent(this, rec, lookupOf(executor)!, this.clock.now()));
    }
    return { job: this.store.getJob(id)!, created: true };
  }

  /** Records a job the agent keeps back itself: QUEUED, held or waiting, not sent. */
  #keepBack(id: string, held: boolean, waitingFor: string[]): void {
    const time = this.clock.now();
    const why = [
      ...(held ? ["held by the user"] : []),
      ...(waitingFor.length ? [waitingWords(waitingFor)] : []),
    ].join("; ");
    this.store.recordWaiting(id, time);
    if (held) this.store.setHeld(id, true);
    this.#unwritten.write(id, () => {
      const written = this.store.recordTransition(id, {
        state: JobState.QUEUED,
        time,
        message: `${why} (kept by the agent)`,
        metadata: { evidence: "submit" },
      });
      for (const t of written) this.events.publish(t);
    });
  }

  /**
   * Hands a recorded job to its executor and records the native id (or the
   * refusal). A failure that leaves open whether the scheduler made the job
   * (a lost or timed-out reply) is "lost": the intent stays open for a look-up
   * by stamp, when the executor offers one.
   */
  async #send(id: string, spec: JobSpec, executor: JobExecutor): Promise<"sent" | "lost"> {
    const job = new Job(spec, { id });
    this.live.set(id, job);
    try {
      await executor.submit(job);
    } catch (err) {
      if (mayHaveActed(err) && lookupOf(executor)) {
        this.live.delete(id);
        this.noteLookupFailure(id, `submit reply lost: ${errorText(err)}`);
        return "lost";
      }
      this.store.resolveIntent(id, this.clock.now(), "refused");
      const message = `submit failed: ${errorText(err)}`;
      this.failJob(id, message);
      throw new SubmitFailedError(message, {
        jobId: id,
        transient: err instanceof SubmitException && err.transient,
        cause: err,
      });
    }
    const nativeId = job.nativeId;
    const time = this.clock.now();
    if (nativeId) this.#unwritten.write(id, () => this.store.recordNativeId(id, nativeId, time));
    if (spec.array !== undefined && nativeId) {
      this.live.delete(id); // the array's own state follows its elements
      this.#followArray(this.store.getJob(id)!, spec.array, executor);
    }
    return "sent";
  }

  /**
   * Records the elements of a submitted array (those not recorded yet: this
   * runs again after a restart) and follows each one that is not final.
   */
  #followArray(record: JobRecord, range: string, executor: JobExecutor): void {
    const arrayNative = record.nativeId!;
    this.store.createElements(
      elementRecords(
        record.id,
        range,
        record.executor,
        record.specJson,
        (i) => executor.elementNativeId(arrayNative, i),
        this.clock.now(),
      ),
    );
    this.#arrays.follow(record.id, range);
    for (const e of this.store.arrayElements(record.id)) {
      if (isFinal(e.state) || this.live.has(e.id)) continue;
      this.#adoptElement(this.store.getJob(e.id)!, executor);
    }
  }

  #adoptElement(record: JobRecord, executor: JobExecutor): void {
    let spec: JobSpec = {};
    try {
      spec = specFromJson(record.specJson);
    } catch {
      // Damaged in the store (GET reports it): following the element needs only its native id.
    }
    const job = new Job(spec, { id: record.id });
    this.live.set(record.id, job);
    const cancelRequested = this.store.cancelRequestedAt(record.id) !== undefined;
    executor.adoptElement(job, record.nativeId!, { cancelRequested });
  }

  /** The array's range, when the record is an array's own; undefined otherwise. */
  #rangeOf(record: JobRecord): string | undefined {
    // Elements carry their array's spec, range included: they are not arrays.
    if (!record.specJson.includes('"array"') || splitElementId(record.id)) return undefined;
    try {
      return specFromJson(record.specJson).array;
    } catch {
      return undefined;
    }
  }

  /** The summary of an array by its id; undefined for a job that is not an array. */
  arraySummary(id: string): ArraySummary | undefined {
    const r = this.store.getJob(id);
    const range = r && this.#rangeOf(r);
    return range === undefined ? undefined : this.#arrays.summary(id, range);
  }

  /** Resubmits a recorded job whose intent the scheduler provably never saw (reconciliation only). */
  resend(record: JobRecord): Promise<"sent" | "lost"> {
    let spec: JobSpec;
    try {
      spec = specFromJson(record.specJson);
    } catch (err) {
      const why = jsonProblem(record.specJson, "object") ?? errorText(err);
      const message =
        `not submitted again: its stored spec in ${this.store.path} is damaged (${why})`;
      this.failJob(record.id, message, "no-evidence");
      return Promise.reject(new Error(message));
    }
    const executor = this.executor(record.executor);
    let toSend: JobSpec;
    try {
      toSend = this.#forExecutor(spec, record.executor, executor);
    } catch (err) {
      // A dependency pruned, or still without its scheduler id: nothing safe to send.
      const message = `not submitted again: ${errorText(err)}`;
      this.failJob(record.id, message, "dependency");
      return Promise.reject(new Error(message));
    }
    if (spec.dependsOn?.length && executor.schedulesDependencies) {
      const v = dependencyVerdict(spec.dependsOn, this.store);
      if (typeof v === "object") {
        this.failJob(record.id, v.unmet, "dependency");
        return Promise.reject(new Error(v.unmet));
      }
      this.#deps.set(record.id, spec.dependsOn);
    }
    return this.#send(record.id, toSend, executor);
  }

  /**
   * The spec as the executor is to see it: dependencies still undecided by
   * their native ids where its scheduler keeps them, none (and no hold)
   * where the agent keeps the job back itself.
   */
  #forExecutor(spec: JobSpec, executorName: string, executor: JobExecutor): JobSpec {
    if (!executor.schedulesDependencies) return { ...spec, dependsOn: undefined, hold: undefined };
    if (!spec.dependsOn?.length) return spec;
    const plan = planDependencies(spec.dependsOn, executorName, this.store, true);
    return {
      ...spec,
      dependsOn: plan.pending.length
        ? plan.pending.map((d) => ({ job: d.nativeId!, when: d.when }))
        : undefined,
    };
  }

  /**
   * Starts tracking a job the scheduler already knows, by its native id. An
   * id the scheduler (with its history) does not know is a NotFoundError, a
   * malformed one an InvalidJobException at `$.nativeId`, and a look-up that
   * fails a PsijError: in each case nothing is recorded.
   */
  async attach(nativeId: string, executorName = this.defaultExecutor): Promise<SubmitResult> {
    const name = executorName.toLowerCase();
    const executor = this.executor(name); // fails early on an executor this agent does not serve
    const known = this.store.findByNativeId(name, nativeId);
    if (known) return { job: known, created: false };
    const found = await lookupNativeId(executor, nativeId);
    if (found.nativeId !== undefined && found.nativeId !== nativeId) {
      // `1234` given, `1234.server` tracked already
      const tracked = this.store.findByNativeId(name, found.nativeId);
      if (tracked) return { job: tracked, created: false };
    }
    const id = newJobId();
    const now = this.clock.now();
    this.store.createJob({
      id,
      executor: name,
      specJson: specToJson({}),
      createdAt: now,
      stamp: id,
    });
    this.store.recordNativeId(id, nativeId, now, "attached");
    // The scheduler knew the id a moment ago: if it cannot be asked now, that decides
    // nothing (truth rule 2), and the attach is tried again until it answers.
    await this.reattach(this.store.getJob(id)!, true);
    return { job: this.store.getJob(id)!, created: true };
  }

  /**
   * Binds a fresh Job to a stored native id; a failure leaves the job FAILED
   * saying why. With `retry`, a failure that only says the scheduler could not
   * answer (a failed status command) decides nothing: the attach is tried
   * again with backoff, in the background, until the scheduler answers.
   */
  async reattach(record: JobRecord, retry = false, delay = RETRY_FIRST_MS): Promise<void> {
    const range = this.#rangeOf(record);
    if (range !== undefined || splitElementId(record.id)) {
      // An array, or one of its elements: the array's submission proves every element's id.
      const executor = this.executor(record.executor);
      const arrayId = splitElementId(record.id)?.arrayId ?? record.id;
      const array = this.store.getJob(arrayId);
      const arrayRange = array && this.#rangeOf(array);
      if (array?.nativeId && arrayRange !== undefined) {
        this.#followArray(array, arrayRange, executor);
        return;
      }
    }
    let spec: JobSpec = {};
    try {
      spec = specFromJson(record.specJson);
    } catch {
      // Damaged in the store (GET reports it): following the job needs only its native id.
    }
    const job = new Job(spec, { id: record.id });
    this.live.set(record.id, job);
    // Set first: an end PBS gave the job while the agent was down (its dependency failed) is FAILED.
    if (spec.dependsOn?.length) this.#deps.set(record.id, spec.dependsOn);
    const cancelRequested = this.store.cancelRequestedAt(record.id) !== undefined;
    const executor = this.executor(record.executor);
    try {
      // An executor may take the user's stored cancel into account (PBS does); the
      // JobExecutor contract has two parameters, so the third is an optional extra.
      const attach = executor.attach as (
        this: JobExecutor,
        job: Job,
        nativeId: string,
        options?: { cancelRequested?: boolean },
      ) => Promise<void>;
      await attach.call(executor, job, record.nativeId!, { cancelRequested });
      this.noteLookupFailure(record.id, undefined);
      // The scheduler's full id for a short one the user gave (PBS: `1234` → `1234.server`).
      const full = job.nativeId;
      if (full && full !== record.nativeId) {
        const time = this.clock.now();
        this.#unwritten.write(
          record.id,
          () => this.store.recordNativeId(record.id, full, time, "attached"),
        );
      }
    } catch (err) {
      if (!retry || !(err instanceof SubmitException && err.transient) || this.closed) {
        this.failJob(record.id, `attach to ${record.nativeId} failed: ${errorText(err)}`);
        return;
      }
      this.live.delete(record.id);
      this.noteLookupFailure(record.id, `attach to ${record.nativeId}: ${errorText(err)}`);
      this.#background(
        this.pause(delay).then(() => {
          const now = this.store.getJob(record.id);
          if (this.closed || !now || isFinal(now.state) || this.live.has(now.id)) return;
          return this.reattach(now, true, nextDelay(delay));
        }),
      );
      return;
    }
    if (cancelRequested && !isFinal(job.status.state)) {
      // The cancel the user asked for may never have reached the scheduler: send it again.
      await job.cancel().catch(() => {});
    }
  }

  async cancel(ref: string): Promise<JobRecord> {
    const record = this.getRecord(ref);
    const id = record.id;
    if (isFinal(record.state)) return record;
    if (this.#rangeOf(record) !== undefined && record.nativeId) return this.#cancelArray(record);
    if (this.#waitingInAgent(record)) {
      // Never sent: the cancel is the whole of its end.
      this.store.recordCancelRequest(id, this.clock.now());
      this.#deps.delete(id);
      this.failJob(id, "canceled by the user before it was sent", "user-cancel", JobState.CANCELED);
      return this.store.getJob(id)!;
    }
    const job = this.live.get(id);
    if (!job) {
      throw new InvalidStateException(
        `job ${id} is ${record.state} but not tracked by this agent; it cannot be canceled`,
      );
    }
    // Stored first: an agent killed before qdel's reply must still know who ended the job.
    const first = this.store.recordCancelRequest(id, this.clock.now());
    try {
      await job.cancel();
    } catch (err) {
      // A refused cancel did nothing: a later end of the job is not the user's doing. An earlier
      // request that may have acted stays.
      if (first && err instanceof CancelRefusedException) this.store.withdrawCancelRequest(id);
      throw err;
    }
    return this.store.getJob(id)!;
  }

  /**
   * The user's cancel of a whole array: stored for each element not final
   * (an agent killed before the reply still knows who ended them), then one
   * cancel command for the array. Each element ends on the scheduler's record.
   */
  async #cancelArray(record: JobRecord): Promise<JobRecord> {
    const time = this.clock.now();
    const firsts: string[] = [];
    const jobs: Job[] = [];
    if (this.store.recordCancelRequest(record.id, time)) firsts.push(record.id);
    for (const e of this.store.arrayElements(record.id)) {
      if (isFinal(e.state)) continue;
      if (this.store.recordCancelRequest(e.id, time)) firsts.push(e.id);
      const job = this.live.get(e.id);
      if (job) jobs.push(job);
    }
    try {
      await this.executor(record.executor).cancelArray(record.nativeId!, jobs);
    } catch (err) {
      if (err instanceof CancelRefusedException) {
        for (const id of firsts) this.store.withdrawCancelRequest(id);
      }
      throw err;
    }
    return this.store.getJob(record.id)!;
  }

  /** A job by its id or, failing that, by its native id. */
  getRecord(ref: string): JobRecord {
    const r = this.store.findJob(ref);
    if (!r) throw new NotFoundError(`no job with id or native id "${ref}"`);
    return r;
  }

  history(id: string): TransitionRecord[] {
    return this.store.transitions(id);
  }

  /**
   * The job (by id, or by native id) as JSON text, or undefined: the hot path
   * of `GET /jobs/{id}`. Cached by job id only, which is what invalidation knows.
   */
  jobJson(ref: string): string | undefined {
    const cached = this.#views.get(ref);
    if (cached !== undefined) return cached;
    const r = this.store.findJob(ref);
    if (!r) return undefined;
    const id = r.id;
    const view = jobView(r, () => this.store.transitions(id));
    const damaged = view.damaged;
    let text = view.text;
    if (damaged.length) {
      this.#log(
        `job store ${this.store.path}: job ${id} is damaged: ` +
          damaged.map((d) => `${d.part}: ${d.problem}`).join("; "),
      );
    }
    const range = this.#rangeOf(r);
    if (range !== undefined) {
      text = `${text.slice(0, -1)},"array":${JSON.stringify(this.#arrays.summary(id, range))}}`;
    }
    if (id !== ref) return text;
    if (this.#views.size >= JobService.VIEW_CACHE_SIZE) {
      // Evict the oldest entry (Map keeps insertion order): cheap and bounded.
      this.#views.delete(this.#views.keys().next().value!);
    }
    this.#views.set(id, text);
    return text;
  }

  /** Forgets final jobs last changed more than `olderThanMs` ago; returns how many. */
  prune(olderThanMs: number): number {
    const n = this.store.prune(this.clock.now() - olderThanMs);
    if (n) this.#views.clear();
    if (n && this.outputDir) sweepKeptOutput(this.outputDir, (id) => !!this.store.getJob(id));
    return n;
  }

  list(query: ListQuery): ListPage {
    return this.store.listJobs(query);
  }

  /** Every event after `after`, stored then live; returns the unsubscribe function. */
  subscribe(
    after: number,
    listener: EventListener,
    onError?: (err: unknown) => void,
  ): () => void {
    return subscribeFrom(this.events, this.store, after, listener, undefined, onError);
  }

  health(): Record<string, ExecutorHealth> {
    const out: Record<string, ExecutorHealth> = {};
    for (const [name, ex] of Object.entries(this.#executors)) {
      try {
        out[name] = ex.health();
      } catch (err) {
        out[name] = { status: "degraded", lastError: errorText(err) };
      }
    }
    return out;
  }

  /** The store's health; degraded while a write fails or state changes wait to be written. */
  storeHealth(): StoreHealth & { unwrittenJobs: number } {
    const h = this.store.health();
    const unwrittenJobs = this.#unwritten.jobs;
    return { ...h, status: unwrittenJobs ? "degraded" : h.status, unwrittenJobs };
  }

  /**
   * The executors served: name, version, whether it is the default, and where it came from
   * ("built-in", or the module file discovery loaded it from; absent for an executor handed
   * in directly that no descriptor names, as in tests).
   */
  executorInfo(): Array<{ name: string; version: string; default: boolean; origin?: string }> {
    const descriptors = listExecutors();
    return Object.entries(this.#executors).map(([name, ex]) => {
      const key = name.toLowerCase();
      const d = descriptors.find((d) =>
        d.name.toLowerCase() === key || (d.aliases ?? []).some((a) => a.toLowerCase() === key)
      );
      return {
        name,
        version: ex.version,
        default: name === this.defaultExecutor,
        ...(d ? { origin: originOf(d) } : {}),
      };
    });
  }

  /** Re-attaches every non-final job and reconciles open intents (see recovery.ts). */
  async recover(): Promise<RecoveryReport> {
    this.#recovering = true;
    try {
      return await recoverJobs(this);
    } finally {
      this.#recovering = false;
    }
  }

  /** Stops the executors' background work; the store stays open for the caller to close. */
  async close(): Promise<void> {
    if (this.#unwritten.jobs && !this.#unwritten.flush()) {
      this.#log(
        `job store: stopping with state changes of ${this.#unwritten.jobs} jobs unwritten; ` +
          "their jobs are re-attached at the next start",
      );
    }
    this.#stop.abort();
    this.#unhook.splice(0).forEach((f) => f());
    await Promise.all(Object.values(this.#executors).map((ex) => ex.close()));
  }
}

/** The executor's look-up of an id a user asks to attach to; unknown is a NotFoundError. */
async function lookupNativeId(
  executor: JobExecutor,
  nativeId: string,
): Promise<{ nativeId?: string }> {
  let found;
  try {
    found = await executor.lookupNativeId(nativeId);
  } catch (err) {
    if (!(err instanceof InvalidJobException)) throw err;
    // The id came in the request body's nativeId.
    const why = err.message.replace(/^nativeId: /, "");
    throw new InvalidJobException(`$.nativeId: ${why}`, { field: "$.nativeId", cause: err });
  }
  if (!found.known) throw new NotFoundError(`${found.reason}; nothing was attached`);
  return found;
}

function waitingWords(ids: string[]): string {
  return `waiting for job${ids.length > 1 ? "s" : ""} ${ids.join(", ")}`;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
