/**
 * The Slurm executor: sbatch, one batched `squeue -t all -j <ids>` per poll
 * cycle, scancel, `squeue --me`; a job's final state only on evidence (the
 * exit-code file, Slurm's final record, the user's cancel). Registered as
 * `slurm`.
 * @module
 */

import { mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import type { CommandResult, CommandRunner } from "../core/command-runner.ts";
import {
  InvalidJobException,
  InvalidStateException,
  PsijError,
  SubmitException,
} from "../core/errors.ts";
import { type ExecutorHealth, JobExecutor } from "../core/executor.ts";
import { expandSpec } from "../core/expand.ts";
import { isFinal, JobState } from "../core/job-state.ts";
import type { Job } from "../core/job.ts";
import { registerExecutor } from "../core/registry.ts";
import { type PollerStats, StatusPoller } from "../batch/poller.ts";
import { ProcessRunner } from "../batch/process-runner.ts";
import { readOutcome, scriptPath } from "../batch/protocol.ts";
import { defaultWorkDir, type SlurmExecutorConfig } from "./slurm/config.ts";
import { STAMP_COMMENT_PREFIX } from "./slurm/directives.ts";
import { Entries, type Entry } from "./slurm/entries.ts";
import { finalUpdate, liveUpdate, type StatusUpdate } from "./slurm/outcome.ts";
import {
  interpretScancel,
  parseSbatchId,
  parseSqueue,
  type SlurmJobRow,
  squeueArgv,
  squeueMineArgv,
} from "./slurm/parse.ts";
import { interpretSacct, sacctArgv } from "./slurm/sacct.ts";
import { renderSlurmScript } from "./slurm/script.ts";
import { interpretStatus, isSlurmJobId, lookupJob } from "./slurm/status.ts";

export type { SlurmExecutorConfig } from "./slurm/config.ts";

export const SLURM_EXECUTOR_VERSION = "0.1.0";

function transientFailure(r: CommandResult): boolean {
  return !!r.timedOut ||
    /Unable to contact slurm controller|Socket timed out|Connection refused|try again|Resource temporarily unavailable|Zero Bytes were transmitted/i
      .test(r.stderr);
}

function firstLines(s: string, n = 5): string {
  return s.trim().split("\n").slice(0, n).join(" / ");
}

/** A stamp safe in a file name, a shell word and a Slurm comment. */
function stampFor(jobId: string): string {
  return /^[A-Za-z0-9_-]{1,100}$/.test(jobId) ? jobId : crypto.randomUUID();
}

export class SlurmExecutor extends JobExecutor {
  readonly name = "slurm";
  readonly version = SLURM_EXECUTOR_VERSION;
  readonly workDir: string;
  readonly #config: SlurmExecutorConfig;
  readonly #runner: CommandRunner;
  readonly #timeout: number;
  readonly #entries: Entries;
  readonly #poller: StatusPoller<SlurmJobRow>;
  #workDirReady = false;
  /** Set once sacct says this cluster keeps no accounting. */
  #noAccounting = false;

  constructor(config: SlurmExecutorConfig = {}) {
    super({ clock: config.clock });
    this.#config = config;
    this.workDir = config.workDir ?? defaultWorkDir(config.home);
    this.#runner = config.runner ?? new ProcessRunner();
    this.#timeout = config.commandTimeoutMs ?? 60_000;
    this.#entries = new Entries(this.workDir, config.keepFiles ?? false);
    this.#poller = new StatusPoller(this.clock, {
      query: async (ids) => interpretStatus(ids, await this.#run(squeueArgv(ids))),
      apply: (id, row) => this.#applyRow(id, row),
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
  pollerStats(): PollerStats {
    return this.#poller.stats();
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

  #run(argv: string[], cwd?: string): Promise<CommandResult> {
    return this.#runner.run(argv, { timeoutMs: this.#timeout, cwd });
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
      const script = renderSlurmScript(spec, { workDir: this.workDir, stamp });
      const path = scriptPath(this.workDir, stamp);
      writeFileSync(path, script.text, { mode: 0o700 });
      const r = await this.#run(["sbatch", "--parsable", path], this.workDir);
      const id = r.exitCode === 0 ? parseSbatchId(r.stdout) : undefined;
      if (!id) {
        // A timed-out sbatch may still have queued the job: its script stays for reconciliation.
        if (!r.timedOut) this.#entries.finishFiles(stamp);
        throw new SubmitException(
          r.exitCode === 0
            ? `sbatch printed no job id: ${firstLines(r.stdout) || "(nothing)"}`
            : `sbatch failed (exit ${r.exitCode}${r.timedOut ? ", timed out" : ""}): ${
              firstLines(r.stderr) || "(no message)"
            }`,
          { transient: transientFailure(r), output: r },
        );
      }
      job.nativeId = id;
      this.#entries.add(id, job, stamp);
      this.updateStatus(job, { state: JobState.QUEUED, metadata: { evidence: "submit", stamp } });
      this.#poller.track(id);
    } catch (err) {
      // A submission that did not happen leaves the job NEW and free to be submitted again.
      job.executor = undefined;
      job.nativeId = undefined;
      throw err;
    }
  }

  async cancel(job: Job): Promise<void> {
    if (!this.checkCancel(job)) return;
    const id = job.nativeId;
    if (!id) throw new InvalidStateException(`job ${job.id} has no native id yet`);
    const entry = this.#entries.get(id);
    if (!entry) return;
    entry.cancel ??= this.#scancel(id, entry);
    await entry.cancel;
  }

  async #scancel(id: string, entry: Entry): Promise<void> {
    const r = await this.#run(["scancel", id]);
    const outcome = interpretScancel(r);
    if (outcome === "error") {
      entry.cancel = undefined; // a failed scancel may be retried
      throw new PsijError(
        `scancel ${id} failed (exit ${r.exitCode}${r.timedOut ? ", timed out" : ""}): ${
          firstLines(r.stderr) || "(no message)"
        }`,
      );
    }
    // scancel exits 0 for a job that already ended, so its success proves
    // nothing: Slurm's record says whether the job was cancelled or had
    // finished first. Ask now; a job that is still live ends CANCELED later.
    if (outcome === "ok") entry.userCanceled = true;
    const found = await lookupJob(this.#runner, id, this.#timeout);
    if (found.kind === "found") this.#applyRow(id, found.row);
    if (this.#entries.get(id)) this.#poller.track(id);
  }

  /** Native ids of this user's live jobs (pending, running, suspended, completing). */
  async list(): Promise<string[]> {
    const r = await this.#run(squeueMineArgv({ liveOnly: true }));
    if (r.exitCode !== 0 || r.timedOut) {
      throw new PsijError(`squeue --me failed (exit ${r.exitCode}): ${firstLines(r.stderr)}`);
    }
    return parseSqueue(r.stdout).map((row) => row.nativeId);
  }

  async attach(job: Job, nativeId: string): Promise<void> {
    if (typeof nativeId === "string" && nativeId !== "" && !isSlurmJobId(nativeId)) {
      throw new InvalidJobException(`nativeId: "${nativeId}" is not a Slurm job id`, {
        field: "nativeId",
      });
    }
    this.prepareAttach(job, nativeId);
    const found = await lookupJob(this.#runner, nativeId, this.#timeout);
    if (found.kind === "error") {
      job.executor = undefined;
      job.nativeId = undefined;
      throw new SubmitException(`cannot verify Slurm job ${nativeId}: ${found.error}`, {
        transient: true,
      });
    }
    const entry = this.#entries.add(nativeId, job, undefined);
    // No callback may run before attach returns: the verdict is applied from
    // a fresh task, after the caller has resumed.
    setTimeout(() => this.#settleAttached(nativeId, job, entry, found), 0);
  }

  #settleAttached(
    nativeId: string,
    job: Job,
    entry: Entry,
    found: { kind: "found"; row: SlurmJobRow } | { kind: "unknown" },
  ): void {
    if (this.#entries.get(nativeId) !== entry) {
      if (!isFinal(job.status.state)) this.#poller.track(nativeId);
      return;
    }
    if (found.kind === "found") {
      const { final } = this.#applyRow(nativeId, found.row, [job]);
      if (!final) this.#poller.track(nativeId);
      return;
    }
    if (entry.jobs.length > 1) {
      this.#poller.track(nativeId); // others follow it already: one verdict for all
      return;
    }
    const update = finalUpdate(undefined, readOutcome(this.workDir, nativeId), false) ?? {
      state: JobState.FAILED,
      message: `Slurm does not know job ${nativeId} (squeue: Invalid job id) and no ` +
        `exit-code file exists in ${this.workDir}`,
      evidence: "no-evidence" as const,
    };
    this.#applyToJobs(entry, update, [job]);
    this.#entries.finish(nativeId);
  }

  /**
   * Native ids of this user's jobs Slurm still remembers whose comment carries
   * `stamp`: how a submission whose sbatch reply was lost is found again.
   */
  async findByStamp(stamp: string): Promise<string[]> {
    const r = await this.#run([
      "squeue",
      "--noheader",
      "-t",
      "all",
      "--me",
      "-O",
      "JobID:\x1f,Comment:",
    ]);
    if (r.exitCode !== 0 || r.timedOut) {
      throw new PsijError(`squeue --me failed (exit ${r.exitCode}): ${firstLines(r.stderr)}`);
    }
    const want = `${STAMP_COMMENT_PREFIX}${stamp}`;
    return r.stdout.split("\n").map((l) => l.split("\x1f")).filter((p) => p[1]?.trim() === want)
      .map((p) => p[0].trim());
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

  #applyRow(
    id: string,
    row: SlurmJobRow,
    jobs?: readonly Job[],
  ): { changed: boolean; final: boolean } {
    const entry = this.#entries.get(id);
    if (!entry) return { changed: false, final: true };
    entry.lastRow = row;
    entry.lastSeenAt = this.clock.now();
    if (row.final) {
      const u = finalUpdate(row, readOutcome(this.workDir, id), entry.userCanceled);
      const changed = this.#applyToJobs(entry, u!, jobs);
      if (entry.jobs.every((j) => isFinal(j.status.state))) this.#entries.finish(id);
      return { changed, final: true };
    }
    const u = liveUpdate(row);
    return { changed: u ? this.#applyToJobs(entry, u, jobs) : false, final: false };
  }

  async #probe(id: string): Promise<"final" | "alive" | "none" | "error"> {
    const entry = this.#entries.get(id);
    if (!entry) return "final";
    const files = readOutcome(this.workDir, id);
    if (files.exitCode !== undefined) {
      this.#applyToJobs(entry, finalUpdate(undefined, files, entry.userCanceled)!);
      this.#entries.finish(id);
      return "final";
    }
    const found = await lookupJob(this.#runner, id, this.#timeout);
    if (found.kind === "found") return this.#applyRow(id, found.row).final ? "final" : "alive";
    if (found.kind === "error") return "error";
    const accounted = await this.#sacct(id);
    if (accounted === "error") return "error";
    if (accounted) {
      this.#applyToJobs(entry, { ...accounted, evidence: "history" });
      this.#entries.finish(id);
      return "final";
    }
    if (entry.userCanceled) {
      this.#applyToJobs(entry, {
        state: JobState.CANCELED,
        message: "canceled by the user; Slurm no longer knows the job",
        evidence: "user-cancel",
      });
      this.#entries.finish(id);
      return "final";
    }
    return "none";
  }

  /** The accounting record's final verdict, if accounting exists and has one. */
  async #sacct(id: string): Promise<StatusUpdate | undefined | "error"> {
    if (this.#noAccounting) return undefined;
    const r = await this.#run(sacctArgv(id));
    if (r.exitCode === 127 && !r.timedOut) {
      this.#noAccounting = true; // no sacct at all
      return undefined;
    }
    const found = interpretSacct(id, r);
    if (found.kind === "disabled") this.#noAccounting = true;
    if (found.kind === "error") return "error";
    if (found.kind !== "found" || !found.row.final) return undefined;
    const entry = this.#entries.get(id);
    return finalUpdate(found.row, readOutcome(this.workDir, id), entry?.userCanceled ?? false);
  }

  #giveUp(id: string, since: number): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    const seconds = Math.round((this.clock.now() - since) / 1000);
    const last = entry.lastRow
      ? `last seen by this agent in state ${entry.lastRow.slurmState} at ${
        new Date(entry.lastSeenAt!).toISOString()
      }`
      : "never seen in squeue by this agent";
    this.#applyToJobs(entry, {
      state: JobState.FAILED,
      message: `no evidence of how Slurm job ${id} ended: squeue has not known it since ` +
        `${new Date(since).toISOString()} (${seconds} s; past MinJobAge or never submitted), ` +
        `no exit-code file appeared at ${this.workDir}/${id}.ec, ${last}`,
      evidence: "no-evidence",
    });
    this.#entries.finish(id);
  }
}

registerExecutor<SlurmExecutorConfig>({
  name: "slurm",
  version: SLURM_EXECUTOR_VERSION,
  description: "Slurm through sbatch, squeue, scancel",
  create: (config) => new SlurmExecutor(config),
});
