/**
 * A Grid Engine executor, written only against the executor kit and loaded by
 * discovery (docs/adding-an-executor.md walks through it): qsub -terse,
 * one `qstat -xml -u <user>` per poll cycle, the end from the exit-code file
 * and `qacct -j`, `Eqw` surfaced with its reason, qdel, attach and list.
 *
 * Install: copy this folder to `<agent home>/executors/sge/`, or put the
 * folder above it on PSIJ_AGENT_EXECUTOR_PATH; then `psij-agent serve
 * --executor sge`. The default export receives the kit: nothing here imports
 * the project at run time (`import type` is erased before it runs).
 * @module
 */

import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type {
  BatchDialect,
  BatchEntry,
  BatchExecutorConfig,
  CommandResult,
  ExecutorDescriptor,
  FileOutcome,
  Job,
  JobSpec,
  Kit,
  LookupResult,
  ProbeResult,
  RenderedScript,
  StatusReport,
  StatusUpdate,
} from "../../../src/kit.ts";
import {
  interpretQdel,
  parseErrorReason,
  parseQacct,
  parseQstatXml,
  type SgeFinishedJob,
  type SgeObservation,
} from "./sge-parse.ts";
import { DEFAULT_PE, renderSgeScript, sgeOutputPath } from "./sge-script.ts";

export const SGE_EXECUTOR_VERSION = "0.1.0";

export interface SgeExecutorConfig extends BatchExecutorConfig {
  /** Where `-pe <name> N` sends a job of N processes. Default `smp`. */
  parallelEnvironment?: string;
  /**
   * The folder holding qsub, qstat, qacct and qdel. Default `$SGE_ROOT/bin/<arch>`
   * when SGE_ROOT is set (so PBS's commands of the same names may stay first
   * on PATH, as on a host with both), else whatever PATH finds.
   */
  binDir?: string;
}

/** `$SGE_ROOT/bin/<arch>` (arch from `$SGE_ROOT/util/arch`'s usual names), if it holds qsub. */
export function defaultBinDir(
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  const root = env.SGE_ROOT;
  if (!root) return undefined;
  const arch = process.arch === "arm64"
    ? "lx-arm64"
    : process.arch === "x64"
    ? "lx-amd64"
    : `lx-${process.arch}`;
  const dir = join(root, "bin", arch);
  return existsSync(join(dir, "qsub")) ? dir : undefined;
}

type Entry = BatchEntry<SgeObservation>;

export default function sge(kit: Kit): ExecutorDescriptor<SgeExecutorConfig> {
  const { JobState } = kit;

  /** The verdict on a job Grid Engine no longer lists. */
  function finalUpdate(
    o: SgeObservation | undefined,
    files: FileOutcome,
    userCanceled: boolean,
  ): StatusUpdate | undefined {
    const acct = o?.kind === "done" ? o : undefined;
    const detail = acct ? { failed: acct.failedText, exitStatus: acct.exitStatus } : {};
    if (userCanceled) return kit.userCanceledUpdate(files, undefined, detail, acct !== undefined);
    const why = acct && acct.failed !== 0 ? `qacct: failed ${acct.failedText}` : undefined;
    const byFile = kit.exitCodeFileUpdate(files, undefined, detail, why);
    if (byFile || !acct) return byFile;
    return accountingUpdate(acct, files, detail);
  }

  /** No exit-code file: the job was killed (qdel by someone else, h_rt) or never started. */
  function accountingUpdate(
    acct: SgeFinishedJob,
    files: FileOutcome,
    detail: Record<string, unknown>,
  ): StatusUpdate {
    if (acct.failed === 0 && acct.exitStatus === 0) {
      return { state: JobState.COMPLETED, exitCode: 0, ran: true, evidence: "history", detail };
    }
    const what = acct.failed === 37
      ? "walltime exceeded: Grid Engine killed the job at its h_rt limit"
      : acct.failed !== 0
      ? `Grid Engine: failed ${acct.failedText}`
      : undefined;
    return {
      state: JobState.FAILED,
      exitCode: acct.exitStatus,
      message: kit.joinMessage([what, `exit status ${acct.exitStatus}`, kit.scriptOutput(files)]),
      ran: acct.failed === 0 || acct.failed >= 100 || acct.failed === 37,
      evidence: "history",
      detail,
    };
  }

  const dialect: BatchDialect<SgeObservation> = {
    backend: "sge",
    label: "Grid Engine",
    statusCommand: "qstat",
    goneSince: "neither qstat nor qacct has known it",
    goneBecause: "accounting not written, or never submitted",
    stampFiles: (workDir, stamp) => [sgeOutputPath(workDir, stamp)],
    finalUpdate,
    stateOf: (o) => (o.kind === "live" ? o.state : "finished"),
    idOf: (o) => o.id,
  };

  class SgeExecutor extends kit.BatchExecutor<SgeObservation, Entry, SgeExecutorConfig> {
    readonly name = "sge";
    readonly version = SGE_EXECUTOR_VERSION;
    readonly #user = kit.currentUser();
    /** Why each `E` job is held, asked once per job. */
    readonly #reasons = new Map<string, string>();
    readonly #bin = this.config.binDir ?? defaultBinDir(this.config.env ?? process.env);

    /** A Grid Engine command by its full path when the folder is known. */
    #sge(argv: string[], cwd?: string): Promise<CommandResult> {
      const [cmd, ...rest] = argv;
      return this.run([this.#bin ? join(this.#bin, cmd) : cmd, ...rest], cwd);
    }

    constructor(config: SgeExecutorConfig = {}) {
      super(config, dialect);
    }

    // --- submit ---------------------------------------------------------

    protected renderScript(spec: JobSpec, stamp: string): RenderedScript<string> {
      return renderSgeScript(kit, spec, {
        workDir: this.workDir,
        stamp,
        parallelEnvironment: this.config.parallelEnvironment ?? DEFAULT_PE,
      });
    }

    protected async submitScript(spec: JobSpec, stamp: string): Promise<string> {
      const script = this.renderScript(spec, stamp);
      const path = kit.scriptPath(this.workDir, stamp);
      writeFileSync(path, script.text, { mode: 0o700 });
      const r = await this.#sge(["qsub", "-terse", path], this.workDir);
      const id = r.exitCode === 0 ? /^\s*(\d+)\s*$/.exec(r.stdout)?.[1] : undefined;
      if (id) return id;
      // A timed-out qsub may still have queued the job: its script stays.
      if (!r.timedOut) this.entries.finishFiles(stamp);
      const transient = !!r.timedOut || /unable to contact qmaster|commlib error/i.test(r.stderr);
      throw kit.submitFailed("qsub", r, transient);
    }

    // --- cancel ---------------------------------------------------------

    protected async sendCancel(id: string, entry: Entry): Promise<void> {
      const r = await this.#sge(["qdel", id]);
      const outcome = interpretQdel(r);
      if (outcome === "error") {
        entry.cancel = undefined; // a failed qdel may be retried
        throw new kit.PsijError(kit.commandFailed(`qdel ${id}`, r));
      }
      // "does not exist": the job ended first, and its own evidence decides.
      if (outcome === "ok") entry.userCanceled = true;
      if (this.entries.get(id)) this.poller.track(id);
    }

    // --- status ---------------------------------------------------------

    async #qstat(): Promise<CommandResult> {
      return await this.#sge(["qstat", "-xml", "-u", this.#user]);
    }

    protected async queryStatus(ids: string[]): Promise<StatusReport<SgeObservation>> {
      const r = await this.#qstat();
      if (r.exitCode !== 0 || r.timedOut) {
        return { seen: new Map(), missing: [], error: kit.commandFailed("qstat -xml", r) };
      }
      const live = new Map(parseQstatXml(r.stdout).map((j) => [j.id, j]));
      const seen = new Map<string, SgeObservation>();
      const missing: string[] = [];
      for (const id of ids) {
        const job = live.get(id);
        if (!job) {
          missing.push(id);
          continue;
        }
        if (job.state.includes("E")) job.reason = await this.#errorReason(id);
        seen.set(id, job);
      }
      return { seen, missing };
    }

    async #errorReason(id: string): Promise<string> {
      let reason = this.#reasons.get(id);
      if (reason === undefined) {
        const r = await this.#sge(["qstat", "-j", id]);
        reason = parseErrorReason(r.stdout) ?? "qstat -j gives no reason";
        this.#reasons.set(id, reason);
      }
      return reason;
    }

    protected applyObservation(
      id: string,
      o: SgeObservation,
      jobs?: readonly Job[],
    ): { changed: boolean; final: boolean } {
      const entry = this.observe(id, o);
      if (!entry) return { changed: false, final: true };
      if (o.kind === "done") {
        const u = finalUpdate(o, kit.readOutcome(this.workDir, id), entry.userCanceled)!;
        const changed = this.applyToJobs(entry, u, jobs);
        if (this.allFinal(entry)) this.entries.finish(id);
        return { changed, final: true };
      }
      // Eqw is not an end (`qmod -cj` may release the job), and a state never goes
      // back: the reason is told in the state the job is in (QUEUED, or ACTIVE
      // when it had started).
      if (o.state.includes("E")) {
        const now = entry.jobs.some((j) => j.status.state === JobState.ACTIVE)
          ? JobState.ACTIVE
          : JobState.QUEUED;
        const message = `Grid Engine holds job ${id} in error state (${o.state}): ${o.reason}`;
        return {
          changed: this.applyToJobs(entry, { state: now, message, evidence: "scheduler" }, jobs),
          final: false,
        };
      }
      // `t` is the job on its way to the host, not running yet.
      const running = /[rsST]/.test(o.state.replace(/^d/, ""));
      const u: StatusUpdate = {
        state: running ? JobState.ACTIVE : JobState.QUEUED,
        evidence: "scheduler",
      };
      return { changed: this.applyToJobs(entry, u, jobs), final: false };
    }

    /** qstat for a live job, then qacct for one that ended. */
    protected async lookup(id: string): Promise<LookupResult<SgeObservation>> {
      const r = await this.#qstat();
      if (r.exitCode !== 0 || r.timedOut) {
        return { kind: "error", error: kit.commandFailed("qstat -xml", r) };
      }
      const job = parseQstatXml(r.stdout).find((j) => j.id === id);
      if (job) {
        if (job.state.includes("E")) job.reason = await this.#errorReason(id);
        return { kind: "found", record: job };
      }
      const acct = parseQacct(id, await this.#sge(["qacct", "-j", id]));
      return acct.kind === "found" ? { kind: "found", record: acct.job } : acct;
    }

    protected async probe(id: string): Promise<ProbeResult> {
      const entry = this.entries.get(id);
      if (!entry) return "final";
      if (this.settleFromFile(entry, undefined)) return "final";
      const found = await this.lookupAndApply(id);
      if (found !== "unknown") return found;
      // A qdel'd pending job never gets an accounting record.
      return entry.userCanceled ? this.endCanceledUnknown(entry) : "none";
    }

    protected checkNativeId(nativeId: string): void {
      if (/^\d{1,12}$/.test(nativeId)) return;
      throw new kit.InvalidJobException(`nativeId: "${nativeId}" is not a Grid Engine job id`, {
        field: "nativeId",
      });
    }

    // --- attach and list --------------------------------------------------

    async attach(job: Job, nativeId: string): Promise<void> {
      if (typeof nativeId === "string" && nativeId !== "") this.checkNativeId(nativeId);
      const found = await this.verifyAttach(job, nativeId);
      const entry = this.entries.add(nativeId, job, undefined);
      // No callback may run before attach returns.
      setTimeout(() => {
        if (this.entries.get(nativeId) !== entry) {
          if (!kit.isFinal(job.status.state)) this.poller.track(nativeId);
          return;
        }
        if (found.kind === "found") {
          if (!this.applyObservation(nativeId, found.record, [job]).final) {
            this.poller.track(nativeId);
          }
          return;
        }
        this.settleUnknown(entry, job, {
          state: JobState.FAILED,
          message: `Grid Engine does not know job ${nativeId} (neither qstat nor qacct) and ` +
            `no exit-code file exists in ${this.workDir}`,
          evidence: "no-evidence",
        });
      }, 0);
    }

    /** Native ids of this user's jobs Grid Engine lists (pending, running, held, in error). */
    async list(): Promise<string[]> {
      const r = await this.#qstat();
      if (r.exitCode !== 0 || r.timedOut) {
        throw new kit.PsijError(kit.commandFailed("qstat -xml", r));
      }
      return parseQstatXml(r.stdout).map((j) => j.id);
    }
  }

  return {
    name: "sge",
    aliases: ["gridengine"],
    version: SGE_EXECUTOR_VERSION,
    description: "Grid Engine through qsub, qstat -xml, qacct, qdel (examples/executors/sge)",
    create: (config) => new SgeExecutor(config),
  };
}
