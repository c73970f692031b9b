/**
 * The Slurm job script: directives, the file protocol, environment, staging,
 * pre/post-launch and the launch, rendered from templates/slurm.mustache.
 * @module
 */

import { join } from "node:path";
import { InvalidJobException } from "../../core/errors.ts";
import {
  DEFAULT_CLEANUP_FLAGS,
  environmentOf,
  type JobSpec,
  resourcesOf,
} from "../../core/job-spec.ts";
import {
  DEFAULT_STAGE_OUT_FLAGS,
  normalizeStageOutFlags,
  StageOutFlags,
} from "../../core/staging.ts";
import { COMPLETION_MARKER } from "../../batch/protocol.ts";
import { shellName, shellWord } from "../../batch/quote.ts";
import { renderTemplate } from "../../batch/render.ts";
import { getLauncher } from "../../launchers/index.ts";
import { mpirunLauncher } from "../../launchers/mpirun.ts";
import type { Launcher } from "../../launchers/types.ts";
import { buildDirectives, type Directive, directiveLines } from "./directives.ts";
import { srunLauncher } from "./srun.ts";

export interface ScriptOptions {
  workDir: string;
  stamp: string;
}

export interface RenderedScript {
  text: string;
  directives: Directive[];
  /** The file Slurm itself writes (its --output), removed with the job's files. */
  slurmFiles: string[];
}

/** Slurm's own output file for a submission (the batch script's stray output). */
export function slurmOutputPath(workDir: string, stamp: string): string {
  return join(workDir, `${stamp}.slurm.o`);
}

/** `file:///x` → `/x`; other URI schemes are refused (this executor only copies files). */
function localPath(p: string, field: string): string {
  if (p.startsWith("file://")) return decodeURIComponent(p.slice("file://".length));
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(p)) {
    throw new InvalidJobException(`${field}: only local paths and file:// URIs can be staged`, {
      field,
    });
  }
  return p;
}

// The job runs on a compute node: srun and mpirun must exist there, not
// necessarily on this login node, so neither is refused for being absent here.
function launcherFor(name: string | undefined): Launcher {
  const key = (name ?? "single").toLowerCase();
  if (key === "srun") return srunLauncher;
  if (key === "mpirun") return mpirunLauncher;
  return getLauncher(name);
}

export function renderSlurmScript(spec: JobSpec, opts: ScriptOptions): RenderedScript {
  const slurmOut = slurmOutputPath(opts.workDir, opts.stamp);
  const directives = buildDirectives(spec, { slurmOutputPath: slurmOut, stamp: opts.stamp });
  const resources = resourcesOf(spec).computed();
  const launch = launcherFor(spec.launcher).script({
    executable: spec.executable!,
    arguments: spec.arguments ?? [],
    resources,
    stdinPath: spec.stdinPath ?? "/dev/null",
    stdoutPath: spec.stdoutPath ?? "/dev/null",
    stderrPath: spec.stderrPath ?? "/dev/null",
  });
  const environment = Object.entries(environmentOf(spec)).map(([name, value]) => ({
    name: shellName(name, `environment.${name}`),
    value: shellWord(value),
  }));
  const stageIn = (spec.stageIn ?? []).map((s, i) => ({
    mode: s.mode ?? "COPY",
    source: shellWord(localPath(s.source, `stageIn[${i}].source`)),
    target: shellWord(localPath(s.target, `stageIn[${i}].target`)),
  }));
  const stageOut = (spec.stageOut ?? []).map((s, i) => {
    const flags = normalizeStageOutFlags(s.flags ?? DEFAULT_STAGE_OUT_FLAGS);
    return {
      mode: s.mode ?? "COPY",
      source: shellWord(localPath(s.source, `stageOut[${i}].source`)),
      target: shellWord(localPath(s.target, `stageOut[${i}].target`)),
      flags: String(flags & StageOutFlags.ALWAYS),
      ifPresent: flags & StageOutFlags.IF_PRESENT ? "if-present" : "always",
    };
  });
  const text = renderTemplate("slurm", {
    directives: directiveLines(directives),
    stamp: shellWord(opts.stamp),
    workDir: shellWord(opts.workDir),
    directory: shellWord(spec.directory ?? "."),
    clearEnvironment: spec.inheritEnvironment === false,
    environment,
    stageIn,
    stageOut,
    cleanup: (spec.cleanup ?? []).map((p) => shellWord(p)),
    cleanupFlags: String(
      normalizeStageOutFlags(spec.cleanupFlags ?? DEFAULT_CLEANUP_FLAGS) & StageOutFlags.ALWAYS,
    ),
    processCount: String(resources.processCount),
    processesPerNode: String(resources.processesPerNode),
    preLaunch: spec.preLaunch ? shellWord(spec.preLaunch) : undefined,
    postLaunch: spec.postLaunch ? shellWord(spec.postLaunch) : undefined,
    launch,
    marker: COMPLETION_MARKER,
  });
  return { text, directives, slurmFiles: [slurmOut] };
}
