/**
 * The JobExecutor contract, and the bookkeeping every executor shares:
 * submit/cancel preconditions, executor-level callbacks, health.
 * @module
 */

import { invokeCallback, type JobStatusCallback } from "./callbacks.ts";
import { type Clock, realClock } from "./clock.ts";
import { InvalidJobException, InvalidStateException } from "./errors.ts";
import { type JobSpec, validateJobSpec } from "./job-spec.ts";
import { isFinal, JobState } from "./job-state.ts";
import type { JobStatus } from "./job-status.ts";
import type { Job } from "./job.ts";

/** How a backend is doing, as callers (the agent's /health) see it. */
export interface ExecutorHealth {
  status: "ok" | "degraded";
  /** The last scheduler error, while degraded (and kept for reference after). */
  lastError?: string;
  lastErrorAt?: number;
  /** Backend-specific counters (status commands issued, failures, ...). */
  stats?: Record<string, number>;
}

/** What an executor finds behind a native id a user asks to attach to. */
export type NativeIdLookup =
  | {
    known: true;
    /** The scheduler's full id, when it differs from the one given (PBS: `1234` → `1234.server`). */
    nativeId?: string;
  }
  | { known: false; /** What was asked, and that nothing was found. */ reason: string };

export interface ExecutorOptions {
  clock?: Clock;
}

export abstract class JobExecutor {
  /** Registry name, e.g. `pbs`. */
  abstract readonly name: string;
  abstract readonly version: string;
  readonly clock: Clock;
  #callbacks: JobStatusCallback[] = [];
  #noteListeners: Array<(job: Job, status: JobStatus) => void> = [];
  #notes = new WeakMap<Job, { state: JobState; message: string; held?: boolean }>();
  #factsListeners: Array<(job: Job, facts: Record<string, unknown>) => void> = [];

  constructor(options: ExecutorOptions = {}) {
    this.clock = options.clock ?? realClock;
  }

  /** Submits a NEW job; it is QUEUED (or further) when this resolves. */
  abstract submit(job: Job): Promise<void>;
  /** Cancels a submitted job. Idempotent; a job already final is left as it is. */
  abstract cancel(job: Job): Promise<void>;
  /** Native ids the backend knows for this user. */
  abstract list(): Promise<string[]>;
  /** Binds a NEW job to an existing native id and tracks it. */
  abstract attach(job: Job, nativeId: string): Promise<void>;

  /**
   * Checks `spec` as submit would, without submitting: no command runs, no
   * file is written, nothing is tracked. Throws the InvalidJobException that
   * submit would throw, naming the field (`attributes.account`). A caller
   * that records jobs (the agent) asks first, so a spec the executor would
   * refuse is never recorded. Executors add what only they check (a batch
   * executor renders its script and directives).
   */
  validate(spec: JobSpec): void {
    validateJobSpec(spec);
    this.#checkKeptBack(spec);
    if (spec.array !== undefined && !this.runsArrays) {
      throw new InvalidJobException(
        `array: the ${this.name} executor does not run job arrays (psij-agent's extension)`,
        { field: "array" },
      );
    }
    if (spec.batchScript !== undefined && !this.runsBatchScripts) {
      throw new InvalidJobException(
        `batchScript: the ${this.name} executor has no scheduler to read a batch script's ` +
          "directives; submit it to a PBS or Slurm executor (or sim)",
        { field: "batchScript" },
      );
    }
  }

  /**
   * Whether this executor runs a spec's `batchScript` (the user's own script,
   * its directives honoured). Those that do not refuse such a spec.
   */
  get runsBatchScripts(): boolean {
    return false;
  }

  /**
   * Whether this executor runs a spec's `array` (one submission, one job per
   * index; see core/array.ts). Those that do not refuse such a spec.
   */
  get runsArrays(): boolean {
    return false;
  }

  /** The native id of an array's element (PBS `12[].srv`, 7 → `12[7].srv`). */
  elementNativeId(arrayNativeId: string, _index: number): string {
    throw new InvalidStateException(
      `the ${this.name} executor runs no job arrays (array ${arrayNativeId})`,
    );
  }

  /**
   * Follows one element of an array this executor submitted, by its native
   * id, with no look-up (the array's submission proves it); `cancelRequested`
   * carries a cancel the user asked for.
   */
  adoptElement(job: Job, nativeId: string, _options: { cancelRequested?: boolean } = {}): void {
    throw new InvalidStateException(
      `the ${this.name} executor runs no job arrays (element ${job.id}, ${nativeId})`,
    );
  }

  /**
   * Cancels the elements of an array, with one command where the scheduler
   * has one; each element then ends on what the scheduler records (one that
   * ended on its own keeps its end). The default cancels them one by one.
   */
  async cancelArray(_arrayNativeId: string, elements: readonly Job[]): Promise<void> {
    await Promise.all(elements.map((j) => j.cancel()));
  }

  /**
   * Whether attach would find anything behind `nativeId`: the scheduler
   * (with its history) knows the id, or the job left evidence of its end.
   * Asks at most one look-up and changes nothing, so a caller can refuse an
   * id nobody knows (a typo) before it records anything. A malformed id is
   * an InvalidJobException (field `nativeId`); a look-up that fails proves
   * nothing either way and throws a PsijError saying why. This default, for
   * executors that cannot tell, says known and leaves the verdict to attach.
   */
  lookupNativeId(_nativeId: string): Promise<NativeIdLookup> {
    return Promise.resolve({ known: true });
  }

  health(): ExecutorHealth {
    return { status: "ok" };
  }

  /**
   * Whether this executor's scheduler honours `spec.dependsOn` (native ids)
   * and `spec.hold`, and `hold`/`release` work. Where it does not, the agent
   * keeps such a job itself until it may start (docs/agent.md).
   */
  readonly schedulesDependencies: boolean = false;

  /** Holds a queued job (PBS qhold, Slurm scontrol hold); a job already running is an error. */
  hold(job: Job): Promise<void> {
    return Promise.reject(
      new InvalidStateException(`the ${this.name} executor cannot hold job ${job.id}`),
    );
  }

  /** Releases a held job. */
  release(job: Job): Promise<void> {
    return Promise.reject(
      new InvalidStateException(`the ${this.name} executor cannot release job ${job.id}`),
    );
  }

  /** Stops background work (pollers, child processes are left to finish). */
  async close(): Promise<void> {}

  /** Executor-level callback, called for every transition of every job of this executor. */
  setJobStatusCallback(cb: JobStatusCallback): void {
    this.#callbacks = [cb];
  }

  addJobStatusCallback(cb: JobStatusCallback): () => void {
    this.#callbacks.push(cb);
    return () => {
      this.#callbacks = this.#callbacks.filter((c) => c !== cb);
    };
  }

  /**
   * Hears of a new message for a job's current state (no transition): how a
   * queued job's scheduler comment reaches a store or a user. Returns the remover.
   */
  addJobNoteListener(listener: (job: Job, status: JobStatus) => void): () => void {
    this.#noteListeners.push(listener);
    return () => {
      this.#noteListeners = this.#noteListeners.filter((l) => l !== listener);
    };
  }

  /**
   * Hears of facts a scheduler reported about a job after its end was decided
   * (its accounting record: resources used, its own exit status), to be kept
   * beside the final state: a job's end can be known from its exit-code file
   * before the scheduler has written its record. Returns the remover.
   */
  addFinalFactsListener(listener: (job: Job, facts: Record<string, unknown>) => void): () => void {
    this.#factsListeners.push(listener);
    return () => {
      this.#factsListeners = this.#factsListeners.filter((l) => l !== listener);
    };
  }

  /** Tells the final-facts listeners about a final job (see addFinalFactsListener). */
  protected reportFinalFacts(job: Job, facts: Record<string, unknown>): void {
    if (!isFinal(job.status.state)) return;
    for (const l of [...this.#factsListeners]) {
      try {
        l(job, facts);
      } catch {
        // a listener's failure harms no job, as with status callbacks
      }
    }
  }

  /** Called by Job for each transition, after the job's own callbacks. */
  _notifyExecutorCallbacks(job: Job, status: JobStatus): void {
    for (const cb of [...this.#callbacks]) invokeCallback(cb, job, status);
  }

  /** Checks the submit preconditions and binds the job to this executor. */
  protected prepareSubmit(job: Job): void {
    if (!job.spec) throw new InvalidJobException("the job has no spec", { field: "spec" });
    if (job.executor || job.status.state !== JobState.NEW) {
      throw new InvalidStateException(
        `job ${job.id} was already submitted (state ${job.status.state})`,
      );
    }
    validateJobSpec(job.spec);
    this.#checkKeptBack(job.spec);
    job.executor = this;
  }

  /** A scheduler without dependencies or holds would start the job at once: refused, by field. */
  #checkKeptBack(spec: JobSpec): void {
    if (this.schedulesDependencies) return;
    const field = spec.dependsOn?.length ? "dependsOn" : spec.hold ? "hold" : undefined;
    if (!field) return;
    throw new InvalidJobException(
      `${field}: the ${this.name} executor cannot keep a job back (it would start at once); ` +
        "submit it through the agent, which keeps it until it may start",
      { field },
    );
  }

  protected prepareAttach(job: Job, nativeId: string): void {
    if (job.executor || job.status.state !== JobState.NEW) {
      throw new InvalidStateException(
        `only a NEW job can be attached; job ${job.id} is ${job.status.state}`,
      );
    }
    if (!nativeId || typeof nativeId !== "string") {
      throw new InvalidJobException("attach needs a native id", { field: "nativeId" });
    }
    job.executor = this;
    job.nativeId = nativeId;
  }

  /** Checks the cancel preconditions; false when there is nothing left to do. */
  protected checkCancel(job: Job): boolean {
    if (job.executor !== this) {
      throw new InvalidStateException(`job ${job.id} was never submitted to this executor`);
    }
    return !isFinal(job.status.state);
  }

  /**
   * Applies a status update to a job (rules in Job._applyStatus). `time` is
   * when this executor saw it, on its own clock (default now); a scheduler's
   * stamp goes in `schedulerTime`, never in `time`. `ran`: the update carries
   * evidence that the job ran, so a FAILED or CANCELED job passes ACTIVE.
   */
  protected updateStatus(
    job: Job,
    status: Omit<JobStatus, "time"> & { time?: number; ran?: boolean },
  ): JobStatus[] {
    const { ran, ...rest } = status;
    const made = job._applyStatus({ ...rest, time: rest.time ?? this.clock.now() }, ran);
    if (made.length === 0) {
      this.#noteIfNew(job, status.state, status.message, status.metadata?.held as boolean);
    }
    return made;
  }

  /**
   * PSI/J ignores an update to the state a job is already in; its message may
   * still be news (a queued PBS job's "Not Running: ..." comment). The job's
   * status and history stay as they are; note listeners hear each new one.
   */
  #noteIfNew(job: Job, state: JobState, message: string | undefined, held?: boolean): void {
    const cur = job.status;
    if (state !== cur.state || isFinal(state)) return;
    const last = this.#notes.get(job);
    const lastMessage = last?.state === state ? last.message : cur.message;
    const lastHeld = last?.held ?? (cur.metadata?.held as boolean | undefined) ?? false;
    // A hold or release is news even when the scheduler's comment stays the same.
    const heldNews = held !== undefined && held !== lastHeld;
    if ((message === undefined || message === lastMessage) && !heldNews) return;
    const text = message ?? (held ? "held" : "released");
    this.#notes.set(job, { state, message: text, held: held ?? lastHeld });
    const note: JobStatus = {
      ...cur,
      message: text,
      time: this.clock.now(),
      ...(held !== undefined ? { metadata: { ...cur.metadata, held } } : {}),
    };
    for (const l of [...this.#noteListeners]) {
      try {
        l(job, note);
      } catch {
        // a listener's failure harms no job, as with status callbacks
      }
    }
  }
}
