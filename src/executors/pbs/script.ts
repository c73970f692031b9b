/**
 * The PBS job script: directives, the file protocol, environment, staging,
 * pre/post-launch and the launch, rendered from templates/pbs.mustache.
 * @module
 */

import { join } from "node:path";
import {
  commonScriptView,
  getLauncher,
  type JobSpec,
  type Launcher,
  type RenderedScript as BatchScript,
  renderTemplate,
  type ScriptOptions,
} from "../../kit.ts";
import { buildDirectives, type Directive, directiveLines } from "./directives.ts";
import { userScriptDirectives } from "./user-directives.ts";

export interface RenderedScript extends BatchScript<Directive> {
  /** Files PBS itself writes (its -o/-e), removed with the job's files. */
  pbsFiles: string[];
}

// The job runs on a compute node: mpirun must exist there, not necessarily on
// this login node, so a launcher is not refused for being unavailable here.
function launcherFor(name: string | undefined): Launcher {
  return getLauncher(name, { checkAvailable: false });
}

/** PBS's own -o and -e files for a submission (the batch script's stray output). */
export function pbsStampFiles(workDir: string, stamp: string): [string, string] {
  return [join(workDir, `${stamp}.pbs.o`), join(workDir, `${stamp}.pbs.e`)];
}

export function renderPbsScript(spec: JobSpec, opts: ScriptOptions): RenderedScript {
  const [pbsOut, pbsErr] = pbsStampFiles(opts.workDir, opts.stamp);
  const build = spec.batchScript === undefined ? buildDirectives : userScriptDirectives;
  const directives = build(spec, {
    pbsOutputPath: pbsOut,
    pbsErrorPath: pbsErr,
    stamp: opts.stamp,
  });
  const { view } = commonScriptView(
    spec,
    { ...opts, arrayIndexVariable: "PBS_ARRAY_INDEX" },
    launcherFor(spec.launcher),
  );
  const text = renderTemplate("pbs", {
    ...view,
    directives: directiveLines(directives),
  });
  return { text, directives, pbsFiles: [pbsOut, pbsErr] };
}
