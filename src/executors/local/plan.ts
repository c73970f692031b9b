/**
 * The launch plan: everything a local run needs, computed and checked at
 * submit from the (expanded) JobSpec, so bad input fails there.
 * @module
 */

import { resolve } from "node:path";
import { environmentOf, type JobSpec, resourcesOf } from "../../core/job-spec.ts";
import type { ComputedResources } from "../../core/resources.ts";
import { DEFAULT_CLEANUP_FLAGS } from "../../core/job-spec.ts";
import { getLauncher } from "../../launchers/index.ts";
import type { LaunchContext } from "../../launchers/types.ts";
import { shellQuote, sourcePath } from "../../launchers/shell.ts";
import { checkCleanupPath, stagingPath } from "./paths.ts";
import type { ProcessGroupMethod } from "./spawn-group.ts";
import type { Transfer } from "./staging.ts";

export interface LaunchPlan {
  /** Spawn the executable itself, no shell in between (the fast path). */
  direct: boolean;
  executable: string;
  arguments: string[];
  /** The job directory (absolute): cwd, base of relative paths, cleanup's fence. */
  jobDir: string;
  env: Record<string, string>;
  stdinPath: string;
  stdoutPath: string;
  stderrPath: string;
  resources: ComputedResources;
  /** For the shell path: the wrapper script run with `bash -c`. */
  script?: string;
  stageIn: Transfer[];
  stageOut: Transfer[];
  cleanup: { field: string; path: string }[];
  cleanupFlags: number;
  /** How the job gets its own process group. */
  processGroup: ProcessGroupMethod;
}

export interface PlanContext {
  /** The submitting process's environment (inherited unless the spec says not). */
  processEnv: Record<string, string | undefined>;
  cwd: string;
  /** Path of a nodefile with one line per process. */
  nodefile(resources: ComputedResources): string;
  processGroup?: ProcessGroupMethod;
}

const DEV_NULL = "/dev/null";

export function buildPlan(spec: JobSpec, ctx: PlanContext): LaunchPlan {
  const jobDir = resolve(ctx.cwd, spec.directory ?? ".");
  const launcher = getLauncher(spec.launcher);
  const resources = resourcesOf(spec).computed();
  const at = (p: string | undefined) => (p === undefined ? DEV_NULL : resolve(jobDir, p));

  const env: Record<string, string> = {};
  if (spec.inheritEnvironment !== false) {
    for (const [k, v] of Object.entries(ctx.processEnv)) if (v !== undefined) env[k] = v;
  }
  env.PSIJ_NODEFILE = ctx.nodefile(resources);
  Object.assign(env, environmentOf(spec));

  const plan: LaunchPlan = {
    direct: false,
    executable: spec.executable!,
    arguments: spec.arguments ?? [],
    jobDir,
    env,
    stdinPath: at(spec.stdinPath),
    stdoutPath: at(spec.stdoutPath),
    stderrPath: at(spec.stderrPath),
    resources,
    stageIn: (spec.stageIn ?? []).map((s, i) => ({
      field: `stageIn[${i}]`,
      source: stagingPath(s.source, jobDir, `stageIn[${i}].source`),
      target: stagingPath(s.target, jobDir, `stageIn[${i}].target`),
      mode: s.mode ?? "COPY",
    })),
    stageOut: (spec.stageOut ?? []).map((s, i) => ({
      field: `stageOut[${i}]`,
      source: stagingPath(s.source, jobDir, `stageOut[${i}].source`),
      target: stagingPath(s.target, jobDir, `stageOut[${i}].target`),
      mode: s.mode ?? "COPY",
      flags: s.flags,
    })),
    cleanup: (spec.cleanup ?? []).map((p, i) => ({
      field: `cleanup[${i}]`,
      path: checkCleanupPath(p, jobDir, `cleanup[${i}]`),
    })),
    cleanupFlags: spec.cleanupFlags ?? DEFAULT_CLEANUP_FLAGS,
    processGroup: ctx.processGroup ?? "auto",
  };
  // The fast path: nothing but one process to run. Staging runs in this
  // process either way, so it does not need the shell.
  plan.direct = launcher.direct && !spec.preLaunch && !spec.postLaunch;
  if (!plan.direct) plan.script = wrapperScript(spec, plan, launcher.script.bind(launcher));
  return plan;
}

/**
 * The job shell: preLaunch sourced, the launcher's text, postLaunch sourced,
 * the launch's exit status kept. Its own output (not the job's) is captured
 * by the executor and becomes the message of a failure.
 */
function wrapperScript(
  spec: JobSpec,
  plan: LaunchPlan,
  launch: (ctx: LaunchContext) => string,
): string {
  const lines: string[] = [];
  if (spec.preLaunch) {
    const pre = shellQuote(sourcePath(spec.preLaunch)), name = shellQuote(spec.preLaunch);
    lines.push(
      `. ${pre} || { _psij_rc=$?; printf 'psij: preLaunch %s failed with exit code %s\\n' ${name} "$_psij_rc" >&2; exit "$_psij_rc"; }`,
    );
  }
  lines.push(
    launch({
      executable: plan.executable,
      arguments: plan.arguments,
      resources: plan.resources,
      stdinPath: plan.stdinPath,
      stdoutPath: plan.stdoutPath,
      stderrPath: plan.stderrPath,
    }),
    `_psij_ec=$?`,
  );
  if (spec.postLaunch) {
    const post = shellQuote(sourcePath(spec.postLaunch)), name = shellQuote(spec.postLaunch);
    lines.push(
      `. ${post} || { _psij_rc=$?; printf 'psij: postLaunch %s failed with exit code %s\\n' ${name} "$_psij_rc" >&2; [ "$_psij_ec" -eq 0 ] && _psij_ec=$_psij_rc; }`,
    );
  }
  lines.push(`exit "$_psij_ec"`);
  return lines.join("\n");
}
