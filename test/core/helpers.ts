/**
 * Test support for the core model: a minimal in-memory executor (so the
 * JobExecutor contract and Job rules can be exercised without a backend) and
 * the fast-check run count.
 * @module
 */

import process from "node:process";
import {
  type ExecutorOptions,
  type Job,
  JobExecutor,
  JobState,
  type JobStatus,
} from "../../src/core/index.ts";

/** Runs per property: PROPERTY_RUNS when set (npm run test:deep), else 200. */
export const PROPERTY_RUNS = Number(process.env.PROPERTY_RUNS) || 200;

export class TestExecutor extends JobExecutor {
  readonly name = "test";
  readonly version = "1.0.0";
  #next = 0;
  readonly known: string[] = [];

  constructor(options: ExecutorOptions = {}) {
    super(options);
  }

  // async, as a real backend is: precondition errors become rejections
  override async submit(job: Job): Promise<void> {
    await Promise.resolve();
    this.prepareSubmit(job);
    job.nativeId = `t${++this.#next}`;
    this.known.push(job.nativeId);
    this.updateStatus(job, { state: JobState.QUEUED });
  }

  override async cancel(job: Job): Promise<void> {
    await Promise.resolve();
    if (this.checkCancel(job)) this.updateStatus(job, { state: JobState.CANCELED });
  }

  override list(): Promise<string[]> {
    return Promise.resolve([...this.known]);
  }

  override async attach(job: Job, nativeId: string): Promise<void> {
    await Promise.resolve();
    this.prepareAttach(job, nativeId);
  }

  /** A status update as a backend would make it. */
  push(job: Job, state: JobState, extra: Partial<JobStatus> & { ran?: boolean } = {}): JobStatus[] {
    return this.updateStatus(job, { ...extra, state });
  }
}

/** The states of a list of statuses. */
export const states = (list: readonly JobStatus[]): JobState[] => list.map((s) => s.state);
