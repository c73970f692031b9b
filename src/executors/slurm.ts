/**
 * The Slurm executor: sbatch, one batched `squeue -t all -j <ids>` per poll
 * cycle, scancel, `squeue --me`; a job's final state only on evidence (the
 * exit-code file, Slurm's final record, the user's cancel). Registered as
 * `slurm`. The flow (submit, cancel, attach, polling, entries) is
 * src/batch/executor.ts; this is Slurm's dialect of it.
 * @module
 */

import { writeFileSync } from "node:fs";
import {
  type BatchDialect,
  type BatchEntry,
  BatchExecutor,
  commandFailed,
  type CommandResult,
  firstLines,
  InvalidJobException,
  isFinal,
  type Job,
  type JobSpec,
  JobState,
  type LookupResult,
  type NativeIdLookup,
  type ProbeResult,
  PsijError,
  readOutcome,
  scriptPath,
  type StatusReport,
  type StatusUpdate,
  SubmitException,
  submitFailed,
} from "../kit.ts";
import { registerExecutor } from "../core/registry.ts";
import type { SlurmExecutorConfig } from "./slurm/config.ts";
import { STAMP_COMMENT_PREFIX } from "./slurm/directives.ts";
import { finalUpdate, liveUpdate } from "./slurm/outcome.ts";
import {
  interpretScancel,
  parseSbatchId,
  parseSqueue,
  type SlurmJobRow,
  squeueArgv,
  squeueMineArgv,
} from "./slurm/parse.ts";
import { interpretSacct, parseSacctUsage, sacctArgv, sacctUsageArgv } from "./slurm/sacct.ts";
import { type RenderedScript, renderSlurmScript, slurmOutputPath } from "./slurm/script.ts";
import { interpretStatus, isSlurmJobId, lookupJob } from "./slurm/status.ts";

export type { SlurmExecutorConfig } from "./slurm/config.ts";

export const SLURM_EXECUTOR_VERSION = "0.1.0";

function transientFailure(r: CommandResult): boolean {
  return !!r.timedOut ||
    /Unable to contact slurm controller|Socket timed out|Connection refused|try again|Resource temporarily unavailable|Zero Bytes were transmitted/i
      .test(r.stderr);
}

const SLURM_DIALECT: BatchDialect<SlurmJobRow> = {
  backend: "slurm",
  label: "Slurm",
  statusCommand: "squeue",
  goneSince: "squeue has not known it",
  goneBecause: "past MinJobAge or never submitted",
  stampFiles: (workDir, stamp) => [slurmOutputPath(workDir, stamp)],
  finalUpdate,
  stateOf: (row) => row.slurmState,
  idOf: (row) => row.nativeId,
};

type Entry = BatchEntry<SlurmJobRow>;

export class SlurmExecutor extends BatchExecutor<SlurmJobRow, Entry, SlurmExecutorConfig> {
  readonly name = "slurm";
  readonly version = SLURM_EXECUTOR_VERSION;
  /** Set once sacct says this cluster keeps no accounting. */
  #noAccounting = false;

  constructor(config: SlurmExecutorConfig = {}) {
    super(config, SLURM_DIALECT);
  }

  override get runsArrays(): boolean {
    return true;
  }

  override elementNativeId(arrayNativeId: string, index: number): string {
    return `${arrayNativeId}_${index}`;
  }

  /** An array's elements are asked for through the array (`-j 123 -r`): one operand for all. */
  protected override statusOperand(id: string): string {
    return id.replace(/_\d+$/, "");
  }

  /**
   * One `scancel <array>` for the whole array. As for one job, its success
   * proves nothing of an element that had ended: each element's record (and
   * files) decide, a cancel ending only those that did not run to their end.
   */
  override async cancelArray(arrayNativeId: string, elements: readonly Job[]): Promise<void> {
    const entries = elements.map((j) => this.entries.get(j.nativeId ?? "")).filter((e) => !!e);
    const r = await this.run(["scancel", arrayNativeId]);
    if (interpretScancel(r) === "error") {
      throw new PsijError(commandFailed(`scancel ${arrayNativeId}`, r));
    }
    for (const e of entries) {
      e.userCanceled = true;
      this.poller.track(e.id);
    }
  }

  protected async queryStatus(ids: string[]): Promise<StatusReport<SlurmJobRow>> {
    const operands = [...new Set(ids.map((id) => this.statusOperand(id)))];
    const report = interpretStatus(ids, await this.run(squeueArgv(operands)));
    await this.#addUsage([...report.seen.values()].filter((row) => row.final));
    return report;
  }

  /**
   * What the jobs that ended in this cycle used, from one sacct for all of
   * them. A failing sacct, or one that has no record yet, only leaves the
   * usage out: it never holds back an end.
   */
  async #addUsage(rows: SlurmJobRow[]): Promise<void> {
    if (this.#noAccounting || !rows.length) return;
    const r = await this.run(sacctUsageArgv(rows.map((row) => row.nativeId)));
    if (r.exitCode === 127 && !r.timedOut) this.#noAccounting = true;
    if (/accounting storage is disabled/i.test(`${r.stdout}\n${r.stderr}`)) {
      this.#noAccounting = true;
    }
    if (r.exitCode !== 0 || r.timedOut) return;
    const used = parseSacctUsage(r.stdout);
    for (const row of rows) {
      const u = used.get(row.nativeId);
      if (u) row.resourcesUsed = u;
    }
  }

  protected lookup(id: string): Promise<LookupResult<SlurmJobRow>> {
    return lookupJob(this.runner, id, this.timeoutMs);
  }

  protected renderScript(spec: JobSpec, stamp: string): RenderedScript {
    return renderSlurmScript(spec, { workDir: this.workDir, stamp });
  }

  protected async submitScript(spec: JobSpec, stamp: string): Promise<string> {
    const script = this.renderScript(spec, stamp);
    const path = scriptPath(this.workDir, stamp);
    writeFileSync(path, script.text, { mode: 0o700 });
    const r = await this.run(["sbatch", "--parsable", path], this.submitCwd(spec));
    const id = r.exitCode === 0 ? parseSbatchId(r.stdout) : undefined;
    if (id) return id;
    // A timed-out sbatch may still have queued the job: its script stays for reconciliation.
    if (!r.timedOut) this.entries.finishFiles(stamp);
    throw submitFailed("sbatch", r, transientFailure(r));
  }

  override readonly schedulesDependencies = true;

  protected override holdArgv(id: string, release: boolean): string[] {
    return ["scontrol", release ? "release" : "hold", id];
  }

  protected async sendCancel(id: string, entry: Entry): Promise<void> {
    const r = await this.run(["scancel", id]);
    const outcome = interpretScancel(r);
    if (outcome === "error") {
      entry.cancel = undefined; // a failed scancel may be retried
      throw new PsijError(commandFailed(`scancel ${id}`, r));
    }
    // scancel exits 0 for a job that already ended, so its success proves
    // nothing: Slurm's record says whether the job was cancelled or had
    // finished first. Ask now; a job that is still live ends CANCELED later.
    if (outcome === "ok") entry.userCanceled = true;
    await this.lookupAndApply(id);
    if (this.entries.get(id)) this.poller.track(id);
  }

  /** Native ids of this user's live jobs (pending, running, suspended, completing). */
  async list(): Promise<string[]> {
    const r = await this.#squeueMine(squeueMineArgv({ liveOnly: true }));
    return parseSqueue(r.stdout).map((row) => row.nativeId);
  }

  async #squeueMine(argv: string[]): Promise<CommandResult> {
    const r = await this.run(argv);
    if (r.exitCode !== 0 || r.timedOut) {
      throw new PsijError(`squeue --me failed (exit ${r.exitCode}): ${firstLines(r.stderr)}`);
    }
    return r;
  }

  protected checkNativeId(nativeId: string): void {
    if (isSlurmJobId(nativeId)) return;
    throw new InvalidJobException(`nativeId: "${nativeId}" is not a Slurm job id`, {
      field: "nativeId",
    });
  }

  /** squeue's look-up, then (squeue forgets a job after MinJobAge) Slurm's accounting record. */
  override async lookupNativeId(nativeId: string): Promise<NativeIdLookup> {
    const found = await super.lookupNativeId(nativeId);
    if (found.known) return found;
    const accounted = await this.#sacct(nativeId);
    if (accounted && "error" in accounted) {
      throw new PsijError(`cannot look up Slurm job ${nativeId}: ${accounted.error}`);
    }
    if (accounted) return { known: true };
    return this.#noAccounting ? found : { known: false, reason: `${found.reason}, nor in sacct` };
  }

  async attach(job: Job, nativeId: string): Promise<void> {
    if (typeof nativeId === "string" && nativeId !== "") this.checkNativeId(nativeId);
    const found = await this.verifyAttach(job, nativeId);
    // A job squeue has forgotten (past MinJobAge) may still have its accounting record.
    const accounted = found.kind === "unknown" ? await this.#sacct(nativeId) : undefined;
    if (accounted && "error" in accounted) {
      // As for a failing squeue: this proves nothing, the job stays NEW.
      job.executor = undefined;
      job.nativeId = undefined;
      throw new SubmitException(`cannot verify Slurm job ${nativeId}: ${accounted.error}`, {
        transient: true,
      });
    }
    const entry = this.entries.add(nativeId, job, undefined);
    // No callback may run before attach returns: the verdict is applied from
    // a fresh task, after the caller has resumed.
    setTimeout(() => this.#settleAttached(job, entry, found, accounted), 0);
  }

  #settleAttached(
    job: Job,
    entry: Entry,
    found: { kind: "found"; record: SlurmJobRow } | { kind: "unknown" },
    accounted: StatusUpdate | undefined,
  ): void {
    const nativeId = entry.id;
    if (this.entries.get(nativeId) !== entry) {
      if (!isFinal(job.status.state)) this.poller.track(nativeId);
      return;
    }
    if (found.kind === "found") {
      const { final } = this.applyObservation(nativeId, found.record, [job]);
      if (!final) this.poller.track(nativeId);
      return;
    }
    if (accounted) {
      this.applyToJobs(entry, { ...accounted, evidence: "history" }, [job]);
      if (this.allFinal(entry)) this.entries.finish(nativeId);
      return;
    }
    this.settleUnknown(entry, job, {
      state: JobState.FAILED,
      message: `Slurm does not know job ${nativeId} (squeue: Invalid job id) and no ` +
        `exit-code file exists in ${this.workDir}`,
      evidence: "no-evidence",
    });
  }

  /**
   * Native ids of this user's jobs Slurm still remembers whose comment carries
   * `stamp`: how a submission whose sbatch reply was lost is found again.
   */
  async findByStamp(stamp: string): Promise<string[]> {
    const r = await this.#squeueMine([
      "squeue",
      "--noheader",
      "-t",
      "all",
      "--me",
      "-O",
      "JobID:\x1f,Comment:",
    ]);
    const want = `${STAMP_COMMENT_PREFIX}${stamp}`;
    return r.stdout.split("\n").map((l) => l.split("\x1f")).filter((p) => p[1]?.trim() === want)
      .map((p) => p[0].trim());
  }

  protected applyObservation(
    id: string,
    row: SlurmJobRow,
    jobs?: readonly Job[],
  ): { changed: boolean; final: boolean } {
    const entry = this.observe(id, row);
    if (!entry) return { changed: false, final: true };
    if (row.final) {
      const u = finalUpdate(row, readOutcome(this.workDir, id), entry.userCanceled);
      const changed = this.applyToJobs(entry, u!, jobs);
      if (this.allFinal(entry)) this.entries.finish(id);
      return { changed, final: true };
    }
    const u = liveUpdate(row);
    return { changed: u ? this.applyToJobs(entry, u, jobs) : false, final: false };
  }

  protected async probe(id: string): Promise<ProbeResult> {
    const entry = this.entries.get(id);
    if (!entry) return "final";
    if (this.settleFromFile(entry, undefined)) return "final";
    const found = await this.lookupAndApply(id);
    if (found !== "unknown") return found;
    const accounted = await this.#sacct(id);
    if (accounted && "error" in accounted) return "error";
    if (accounted) {
      this.applyToJobs(entry, { ...accounted, evidence: "history" });
      this.entries.finish(id);
      return "final";
    }
    return entry.userCanceled ? this.endCanceledUnknown(entry) : "none";
  }

  /** The accounting record's final verdict, if accounting exists and has one. */
  async #sacct(id: string): Promise<StatusUpdate | undefined | { error: string }> {
    if (this.#noAccounting) return undefined;
    const r = await this.run(sacctArgv(id));
    if (r.exitCode === 127 && !r.timedOut) {
      this.#noAccounting = true; // no sacct at all
      return undefined;
    }
    const found = interpretSacct(id, r);
    if (found.kind === "disabled") this.#noAccounting = true;
    if (found.kind === "error") return { error: found.message };
    if (found.kind !== "found" || !found.row.final) return undefined;
    await this.#addUsage([found.row]);
    const entry = this.entries.get(id);
    return finalUpdate(found.row, readOutcome(this.workDir, id), entry?.userCanceled ?? false);
  }
}

registerExecutor<SlurmExecutorConfig>({
  name: "slurm",
  version: SLURM_EXECUTOR_VERSION,
  description: "Slurm through sbatch, squeue, scancel",
  create: (config) => new SlurmExecutor(config),
});
