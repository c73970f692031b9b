/**
 * The executor kit: everything an executor author needs, in one module, and
 * nothing else. The built-in PBS and Slurm executors import their shared
 * machinery from here only, so an executor written outside the source tree
 * (docs/adding-an-executor.md, examples/executors/sge/) stands exactly where
 * they stand.
 *
 * An executor kept outside the binary does not import this file: the
 * compiled binary cannot resolve an outside file's imports against the
 * packages bundled inside it. Its descriptor module's default export is a
 * function that receives this module (`export default (kit) => descriptor`);
 * `import type` from here is fine (types are erased before it runs).
 *
 * The parts, in the order the tutorial meets them:
 * - the descriptor: {@link ExecutorDescriptor} (name, aliases, version, create);
 * - the job model: {@link JobSpec}, {@link Job}, {@link JobState}, {@link isFinal},
 *   the errors ({@link InvalidJobException} for a spec the scheduler cannot take,
 *   {@link SubmitException} for a submit command that failed, ...);
 * - the batch executor base {@link BatchExecutor} with its three activities
 *   (submit, cancel, status) plus attach and list, and the {@link BatchDialect}
 *   that says what the scheduler's words and files are;
 * - the {@link CommandRunner} every scheduler command goes through;
 * - the job script: {@link renderMustache} / {@link commonScriptView} (every
 *   user value already quoted: {@link shellWord}, {@link directiveValue});
 * - the exit-code protocol: {@link readOutcome}, {@link exitCodeFileUpdate},
 *   {@link COMPLETION_MARKER};
 * - the verdicts: {@link StatusUpdate}, {@link userCanceledUpdate}.
 * @module
 */

import Mustache from "mustache";

// --- the descriptor -------------------------------------------------------

/**
 * What tells the core about an executor: its registry name (case-insensitive),
 * other names for it, its version (`N[.N[.N]]`, for `--executor-version`
 * constraints) and how to make one. `create` receives the agent's config:
 * at least `workDir`, the folder for this executor's scripts and exit-code files.
 */
export type { ExecutorDescriptor } from "./core/registry.ts";
export { compareVersions, satisfies } from "./core/registry.ts";

// --- the job model --------------------------------------------------------

export type { Dependency, DependencyWhen, JobSpec } from "./core/job-spec.ts";
/** The job's name as schedulers get it; its resources with defaults; its environment. */
export { environmentOf, jobName, resourcesOf } from "./core/job-spec.ts";
export type { ArrayRange } from "./core/array.ts";
export {
  ARRAY_INDEX_VARIABLE,
  arrayIndices,
  formatArrayRange,
  INDEX_PLACEHOLDER,
  parseArrayRange,
} from "./core/array.ts";
export type { CustomAttributeValue, JobAttributes } from "./core/job-attributes.ts";
/** The walltime in seconds (attributes.duration, or the default 600 s). */
export { effectiveDuration } from "./core/job-attributes.ts";
export type { ComputedResources } from "./core/resources.ts";
/** Seconds as `HH:MM:SS` (hours past 24 kept), the form qsub and sbatch take. */
export { formatHms } from "./core/walltime.ts";
export { Job } from "./core/job.ts";
/** The eight PSI/J states; final ones are COMPLETED, FAILED, CANCELED. */
export { isFinal, JobState } from "./core/job-state.ts";
export type { Evidence, JobStatus } from "./core/job-status.ts";
export {
  CancelRefusedException,
  /** A spec this executor cannot take; `field` is the JSON path at fault. */
  InvalidJobException,
  InvalidStateException,
  PsijError,
  /** A submit command that failed; `transient` when retrying may succeed. */
  SubmitException,
} from "./core/errors.ts";
export { JobExecutor } from "./core/executor.ts";
export type { ExecutorHealth, NativeIdLookup } from "./core/executor.ts";
export type { Clock } from "./core/clock.ts";

// --- talking to the scheduler ---------------------------------------------

/** Every scheduler command goes through one: real processes, or a simulator in tests. */
export type { CommandOptions, CommandResult, CommandRunner } from "./core/command-runner.ts";
/** The CommandRunner that spawns real commands (the default). */
export { ProcessRunner } from "./batch/process-runner.ts";
/** A failed command in words: `<what> failed (exit N): <stderr>`; a submit that gave no id. */
export { commandFailed, firstLines, submitFailed } from "./batch/failures.ts";

// --- the batch executor ---------------------------------------------------

/**
 * The base of every CLI-driven batch executor. It owns submit (stamp,
 * script, submit command, QUEUED), cancel (one cancel command per job),
 * status (one batched status command per poll cycle for every tracked job,
 * then a targeted look-up and the exit-code file for a job that vanished),
 * and attach's check. A backend fills in the abstract members.
 */
export { BatchExecutor } from "./batch/executor.ts";
export type { BatchDialect, LookupResult } from "./batch/dialect.ts";
export type { BatchEntry } from "./batch/entries.ts";
export type { BatchExecutorConfig } from "./batch/config.ts";
export { DEFAULT_GRACE_MS, defaultWorkDir } from "./batch/config.ts";
export type { PollerStats, ProbeResult, StatusReport } from "./batch/poller.ts";
/** `<prefix>.<option>` custom attributes (`sge.l`), checked and read the same way everywhere. */
export { customOptions } from "./batch/custom-attributes.ts";
export type { CustomOption } from "./batch/custom-attributes.ts";
/** `dependsOn` as `afterok:1:2,afterany:3` (qsub -W depend=, sbatch --dependency=). */
export { dependencyValue } from "./batch/dependencies.ts";
/**
 * Hears `<native id>.ec` appear in the work directory (fs.watch), so a job's
 * end can be taken from its exit-code file at once; a shortcut the status poll
 * backs up where the directory cannot be watched.
 */
export { EndWatch } from "./batch/end-watch.ts";

// --- the job script -------------------------------------------------------

/** One shell word holding exactly the value; several; a directive line's value; a variable name. */
export { directiveValue, shellName, shellWord, shellWords } from "./batch/quote.ts";
/** The view every batch template shares (environment, staging, launch, protocol), all quoted. */
export { commonScriptView } from "./batch/script-view.ts";
export {
  checkOwnDirectives,
  lineError,
  type ScriptDirective,
  scriptDirectives,
  splitWords,
} from "./batch/user-script.ts";
export type { RenderedScript, ScriptOptions } from "./batch/script-view.ts";
/** A template shipped inside the binary (`pbs`, `slurm`). */
export { renderTemplate } from "./batch/render.ts";
/** The launchers by name (`single`, `multiple`, `mpirun`); the shapes a launcher takes. */
export { getLauncher } from "./launchers/index.ts";
export { mpirunLauncher } from "./launchers/mpirun.ts";
export { redirections, withExecutableCheck } from "./launchers/common.ts";
export { sourcePath } from "./launchers/shell.ts";
export type { LaunchContext, Launcher } from "./launchers/types.ts";

/**
 * Renders a mustache template's text with no HTML escaping: every value the
 * view holds must already be quoted for where it goes (commonScriptView's
 * are; quote your directives with {@link directiveValue}). Use triple braces
 * `{{{value}}}` in the template so nothing is altered.
 */
export function renderMustache(template: string, view: Record<string, unknown>): string {
  return Mustache.render(template, view, undefined, { escape: (s: string) => s });
}

// --- the exit-code protocol -----------------------------------------------

/**
 * The job script writes `<workDir>/<nativeId>.ec` (the exit code, atomically)
 * and `.out` ending with COMPLETION_MARKER; readOutcome reads them back.
 */
export {
  COMPLETION_MARKER,
  jobFiles,
  readOutcome,
  scriptPath,
  stampFor,
} from "./batch/protocol.ts";
export type { FileOutcome, JobFiles } from "./batch/protocol.ts";

// --- the verdicts ---------------------------------------------------------

/** One state change with its evidence; what every verdict below returns. */
export type { StatusUpdate } from "./batch/outcome.ts";
export {
  /** COMPLETED on exit code 0, else FAILED with the code and the script's output. */
  exitCodeFileUpdate,
  filesShowRun,
  joinMessage,
  scriptOutput,
  /** The user's cancel: CANCELED. */
  userCanceledUpdate,
} from "./batch/outcome.ts";

/** The kit as a value: what a descriptor module's default export receives. */
export type Kit = typeof import("./kit.ts");
/** The name of the user this process runs as (the uid's passwd entry when $USER is missing). */
export { currentUser } from "./executors/pbs/config.ts";
