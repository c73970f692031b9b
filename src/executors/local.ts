/**
 * The local executor: jobs run as child processes of this process.
 * Registered as `local`. Behaviour, native ids and limits:
 * docs/local-executor.md.
 * @module
 */

import { homedir } from "node:os";
import { InvalidJobException } from "../core/errors.ts";
import { type ExecutorOptions, JobExecutor, type NativeIdLookup } from "../core/executor.ts";
import { expandSpec } from "../core/expand.ts";
import type { JobSpec } from "../core/job-spec.ts";
import { JobState } from "../core/job-state.ts";
import type { ComputedResources } from "../core/resources.ts";
import type { Job } from "../core/job.ts";
import { registerExecutor } from "../core/registry.ts";
import { splitElementId } from "../core/array.ts";
import { elementSpec, LocalArray } from "./local/array.ts";
import { localNodefile } from "./local/nodefiles.ts";
import { buildPlan, type LaunchPlan } from "./local/plan.ts";
import { findRun, issuerPid, newNativeId, registerRun } from "./local/process-table.ts";
import { LocalRun } from "./local/run.ts";
import { checkProcessGroupMethod, type ProcessGroupMethod } from "./local/spawn-group.ts";

export interface LocalExecutorOptions extends ExecutorOptions {
  /**
   * How each job gets a process group of its own (for cancel): `detached`
   * (the runtime's), `setsid` (util-linux), or `auto`: setsid under Deno when
   * installed, else detached (the faster each, see local/spawn-group.ts).
   */
  processGroup?: ProcessGroupMethod;
}

export class LocalJobExecutor extends JobExecutor {
  readonly name = "local";
  readonly version = "0.1.0";
  /** Runs this instance started or attached to, until they end (what list() reports). */
  #running = new Map<string, LocalRun>();
  #runOf = new WeakMap<Job, LocalRun>();
  /** Arrays this instance submitted, by their native id. */
  #arrays = new Map<string, LocalArray>();
  /** Elements waiting for a slot under their array's limit. */
  #waitingElement = new WeakMap<Job, { array: LocalArray; index: number }>();

  readonly #processGroup: ProcessGroupMethod;

  constructor(options: LocalExecutorOptions = {}) {
    super(options);
    this.#processGroup = options.processGroup ?? "auto";
    checkProcessGroupMethod(this.#processGroup);
  }

  /** A plain job is already spawned when this returns; refusals are rejections. */
  submit(job: Job): Promise<void> {
    return settle(() => this.#submit(job));
  }

  /** Expands the spec and builds its launch plan, as submit does; nothing is written or started. */
  override validate(spec: JobSpec): void {
    super.validate(spec);
    this.#plan(spec, () => "/dev/null");
  }

  #plan(spec: JobSpec, nodefile: (r: ComputedResources) => string): LaunchPlan {
    return buildPlan(expandSpec(spec, process.env, homedir()), {
      processEnv: process.env,
      cwd: process.cwd(),
      nodefile,
      processGroup: this.#processGroup,
    });
  }

  override get runsArrays(): boolean {
    return true;
  }

  override elementNativeId(arrayNativeId: string, index: number): string {
    return `${arrayNativeId}[${index}]`;
  }

  /**
   * Follows one element of an array this process submitted: QUEUED until a
   * slot under the array's limit is free, then a run of its own. An element
   * of an array this process does not have (its agent stopped) ends FAILED
   * saying so, as an unknown local job does.
   */
  override adoptElement(job: Job, nativeId: string, _options = {}): void {
    this.prepareAttach(job, nativeId);
    const parts = splitElementId(nativeId);
    const array = parts && this.#arrays.get(parts.arrayId);
    if (!parts || !array) {
      setTimeout(() =>
        this.updateStatus(job, {
          state: JobState.FAILED,
          message: unknownIdMessage(parts?.arrayId ?? nativeId) +
            "; the element's array ran in the process that submitted it",
          metadata: { nativeId, evidence: "no-evidence" },
        }), 0);
      return;
    }
    this.updateStatus(job, { state: JobState.QUEUED, metadata: { nativeId, evidence: "submit" } });
    this.#waitingElement.set(job, { array, index: parts.index });
    array.enqueue(parts.index, () => {
      this.#waitingElement.delete(job);
      let run: LocalRun;
      try {
        run = new LocalRun(
          nativeId,
          this.#plan(elementSpec(array.spec, parts.index), localNodefile),
          this.clock,
        );
      } catch (err) {
        array.ended();
        this.updateStatus(job, {
          state: JobState.FAILED,
          message: `element ${parts.index} could not start: ${(err as Error).message}`,
          metadata: { nativeId, evidence: "error" },
        });
        return;
      }
      registerRun(run);
      this.#track(job, run);
      const prev = run.onDone;
      run.onDone = () => {
        prev?.();
        array.ended();
      };
      run.subscribe((s) => this.updateStatus(job, s));
      run.start();
    });
  }

  #submit(job: Job): void {
    this.prepareSubmit(job);
    if (job.spec!.array !== undefined) {
      // The array's own id; its elements run as adoptElement follows them.
      const array = new LocalArray(newNativeId(), job.spec!);
      this.#arrays.set(array.nativeId, array);
      job.nativeId = array.nativeId;
      this.updateStatus(job, { state: JobState.QUEUED, metadata: { evidence: "submit" } });
      return;
    }
    let run: LocalRun;
    try {
      run = new LocalRun(newNativeId(), this.#plan(job.spec!, localNodefile), this.clock);
    } catch (err) {
      job.executor = undefined; // still NEW: the caller may fix the spec and submit again
      throw err;
    }
    job.nativeId = run.nativeId;
    registerRun(run);
    this.#track(job, run);
    run.subscribe((s) => this.updateStatus(job, s));
    run.start();
  }

  /**
   * Sends the job's process group SIGTERM (SIGKILL after a grace period);
   * the job ends CANCELED once its processes are gone. Resolves when the
   * signal has been sent. A second cancel, or a cancel of a final job, does nothing.
   */
  cancel(job: Job): Promise<void> {
    return settle(() => {
      if (!this.checkCancel(job)) return;
      const waiting = this.#waitingElement.get(job);
      if (waiting?.array.withdraw(waiting.index)) {
        // An element that never started: the cancel is its end.
        this.#waitingElement.delete(job);
        this.updateStatus(job, {
          state: JobState.CANCELED,
          message: "canceled by the user before it started",
          metadata: { evidence: "user-cancel" },
        });
        return;
      }
      this.#runOf.get(job)?.cancel();
    });
  }

  /** Native ids of the runs this instance started or attached to that have not ended. */
  list(): Promise<string[]> {
    return Promise.resolve([...this.#running.keys()]);
  }

  /**
   * Binds a NEW job to a run of this process (started by any LocalJobExecutor
   * here): it sees the run's history so far, then every later transition.
   * A native id this process does not know (another process's, or never
   * issued) ends the job FAILED with a message saying why. Status arrives
   * only after attach has returned.
   */
  attach(job: Job, nativeId: string): Promise<void> {
    return settle(() => this.#attach(job, nativeId));
  }

  /** Known when it is a run of this process (see attach). */
  override lookupNativeId(nativeId: string): Promise<NativeIdLookup> {
    return settle(() => {
      if (!nativeId || typeof nativeId !== "string") {
        throw new InvalidJobException("nativeId: attach needs a native id", { field: "nativeId" });
      }
      return findRun(nativeId)
        ? { known: true as const }
        : { known: false as const, reason: unknownIdMessage(nativeId) };
    });
  }

  #attach(job: Job, nativeId: string): void {
    this.prepareAttach(job, nativeId);
    const run = findRun(nativeId);
    if (run) this.#runOf.set(job, run);
    setTimeout(() => {
      if (!run) {
        this.updateStatus(job, {
          state: JobState.FAILED,
          message: unknownIdMessage(nativeId),
          metadata: { nativeId, evidence: "no-evidence" },
        });
        return;
      }
      for (const s of run.history) this.updateStatus(job, s);
      if (run.done) return;
      this.#track(job, run);
      run.subscribe((s) => this.updateStatus(job, s));
    }, 0);
  }

  #track(job: Job, run: LocalRun): void {
    this.#runOf.set(job, run);
    this.#running.set(run.nativeId, run);
    const prev = run.onDone;
    run.onDone = () => {
      prev?.();
      this.#running.delete(run.nativeId);
    };
  }
}

/** Runs `fn` now; its result or exception as a promise. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(err);
  }
}

function unknownIdMessage(nativeId: string): string {
  const pid = issuerPid(nativeId);
  if (pid !== undefined && pid !== process.pid) {
    return `native id ${nativeId} was issued by process ${pid}, not this one (${process.pid}): ` +
      `a local executor can follow only the child processes of its own process`;
  }
  return `native id ${nativeId} is not a local job of this process (pid ${process.pid})`;
}

registerExecutor({
  name: "local",
  version: "0.1.0",
  description: "jobs run as child processes of this process",
  create: (config?: LocalExecutorOptions) => new LocalJobExecutor(config),
});
