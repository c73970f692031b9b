/**
 * The PBS job script: directives, the file protocol, environment, staging,
 * pre/post-launch and the launch, rendered from templates/pbs.mustache.
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
import type { Launcher } from "../../launchers/types.ts";
import { buildDirectives, type Directive, directiveLines } from "./directives.ts";

export interface ScriptOptions {
  workDir: string;
  stamp: string;
}

export interface RenderedScript {
  text: string;
  directives: Directive[];
  /** Files PBS itself writes (its -o/-e), removed with the job's files. */
  pbsFiles: string[];
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

// The job runs on a compute node: mpirun must exist there, not necessarily on
// this login node, so a launcher is not refused for being unavailable here.
function launcherFor(name: string | undefined): Launcher {
  return getLauncher(name, { checkAvailable: false });
}

export function renderPbsScript(spec: JobSpec, opts: ScriptOptions): RenderedScript {
  const pbsOut = join(opts.workDir, `${opts.stamp}.pbs.o`);
  const pbsErr = join(opts.workDir, `${opts.stamp}.pbs.e`);
  const directives = buildDirectives(spec, {
    pbsOutputPath: pbsOut,
    pbsErrorPath: pbsErr,
    stamp: opts.stamp,
  });
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
  const text = renderTemplate("pbs", {
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
    preLaunch: spec.preLaunch ? shellWord(spec.preLaunch) : undefined,
    postLaunch: spec.postLaunch ? shellWord(spec.postLaunch) : undefined,
    launch,
    marker: COMPLETION_MARKER,
  });
  return { text, directives, pbsFiles: [pbsOut, pbsErr] };
}
