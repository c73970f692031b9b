/**
 * The Slurm job script: directives, the file protocol, environment, staging,
 * pre/post-launch and the launch, rendered from templates/slurm.mustache.
 * @module
 */

import { join } from "node:path";
import {
  commonScriptView,
  getLauncher,
  type JobSpec,
  type Launcher,
  mpirunLauncher,
  type RenderedScript as BatchScript,
  renderTemplate,
  type ScriptOptions,
} from "../../kit.ts";
import { buildDirectives, type Directive, directiveLines } from "./directives.ts";
import { srunLauncher } from "./srun.ts";
import { userScriptHeader } from "./user-directives.ts";

export interface RenderedScript extends BatchScript<Directive> {
  /** The file Slurm itself writes (its --output), removed with the job's files. */
  slurmFiles: string[];
}

/** Slurm's own output file for a submission (the batch script's stray output). */
export function slurmOutputPath(workDir: string, stamp: string): string {
  return join(workDir, `${stamp}.slurm.o`);
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
  const dopts = { slurmOutputPath: slurmOut, stamp: opts.stamp };
  const user = spec.batchScript === undefined ? undefined : userScriptHeader(spec, dopts);
  const directives = user ? user.directives : buildDirectives(spec, dopts);
  const { resources, view } = commonScriptView(
    spec,
    { ...opts, arrayIndexVariable: "SLURM_ARRAY_TASK_ID" },
    launcherFor(spec.launcher),
  );
  const text = renderTemplate("slurm", {
    ...view,
    // A script's own --chdir is where it runs; otherwise the job's directory, as for every job.
    ...(user?.chdir ? { directory: "." } : {}),
    directives: [...directiveLines(directives), ...(user?.lines ?? [])],
    processesPerNode: String(resources.processesPerNode),
  });
  return { text, directives, slurmFiles: [slurmOut] };
}
