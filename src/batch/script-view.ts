/**
 * The part of a batch job script's template view that every scheduler
 * shares: environment, staging, cleanup, pre/post-launch, the launch and the
 * file protocol. Each backend adds its directives and its own fields.
 * @module
 */

import { InvalidJobException } from "../core/errors.ts";
import {
  DEFAULT_CLEANUP_FLAGS,
  environmentOf,
  type JobSpec,
  resourcesOf,
} from "../core/job-spec.ts";
import type { ComputedResources } from "../core/resources.ts";
import { DEFAULT_STAGE_OUT_FLAGS, normalizeStageOutFlags, StageOutFlags } from "../core/staging.ts";
import type { Launcher } from "../launchers/types.ts";
import { sourcePath } from "../launchers/shell.ts";
import { ARRAY_INDEX_VARIABLE, INDEX_PLACEHOLDER } from "../core/array.ts";
import { COMPLETION_MARKER } from "./protocol.ts";
import { shellName, shellWord } from "./quote.ts";
import { userScriptView } from "./user-script.ts";

/** `file:///x` → `/x`; other URI schemes are refused (batch executors only copy files). */
function localPath(p: string, field: string): string {
  if (p.startsWith("file://")) {
    let path: string;
    try {
      path = decodeURIComponent(p.slice("file://".length));
    } catch {
      throw new InvalidJobException(`${field}: ${JSON.stringify(p)} is not a valid file:// URI`, {
        field,
      });
    }
    if (path.includes("\0")) {
      throw new InvalidJobException(`${field}: the path must not contain a NUL character`, {
        field,
      });
    }
    return path;
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(p)) {
    throw new InvalidJobException(`${field}: only local paths and file:// URIs can be staged`, {
      field,
    });
  }
  return p;
}

/**
 * An exported name that cannot overwrite the script's own variables: those
 * start with `_psij_` (`_psij_dir` guards cleanup, `_psij_base` names the
 * exit-code file), and a job setting one would change what the script does
 * with its files, not just the job's environment.
 */
function scriptSafeName(name: string, field: string): string {
  if (name.startsWith("_psij_")) {
    throw new InvalidJobException(
      `${field}: names starting with _psij_ are reserved for the job script's own variables`,
      { field },
    );
  }
  return shellName(name, field);
}

/** Where a script's files go, and the stamp that names them. */
export interface ScriptOptions {
  workDir: string;
  stamp: string;
  /** The scheduler's variable holding an array element's index (`PBS_ARRAY_INDEX`). */
  arrayIndexVariable?: string;
}

// `{index}` in an output path stands for the element's index. The launcher
// quotes the path as one word (single quotes: the placeholder is never
// outside them, a `'` in the path being `'\''`); the sentinel it carries
// through is then swapped for the variable, closing and reopening the quotes.
const INDEX_SENTINEL = "\u0001psij-index\u0001";

function withIndex(launch: string): string {
  const at = `'"$\{${ARRAY_INDEX_VARIABLE}}"'`;
  const out = launch.replaceAll(`'${INDEX_SENTINEL}'`, `"$\{${ARRAY_INDEX_VARIABLE}}"`)
    .replaceAll(INDEX_SENTINEL, at);
  return out;
}

/** A rendered script and the directives in it; a backend adds the files its scheduler writes. */
export interface RenderedScript<D> {
  text: string;
  directives: D[];
}

/** Every value is quoted as a shell word here; templates insert them verbatim. */
export function commonScriptView(
  spec: JobSpec,
  opts: ScriptOptions,
  launcher: Launcher,
): { resources: ComputedResources; view: Record<string, unknown> } {
  const resources = resourcesOf(spec).computed();
  const array = spec.array !== undefined;
  if (array && !opts.arrayIndexVariable) {
    throw new InvalidJobException("array: this executor's scripts cannot run job arrays", {
      field: "array",
    });
  }
  const indexed = (p: string) => array ? p.replaceAll(INDEX_PLACEHOLDER, INDEX_SENTINEL) : p;
  const userScript = userScriptView(
    {
      ...spec,
      stdoutPath: spec.stdoutPath === undefined ? undefined : indexed(spec.stdoutPath),
      stderrPath: spec.stderrPath === undefined ? undefined : indexed(spec.stderrPath),
    },
    opts.stamp,
  );
  if (userScript && spec.launcher !== undefined) {
    throw new InvalidJobException(
      "launcher: a batchScript starts its own processes (mpirun, srun); it runs once, as qsub " +
        "and sbatch run it",
      { field: "launcher" },
    );
  }
  if (userScript) userScript.launch = withIndex(userScript.launch as string);
  const launch = userScript ? "" : withIndex(
    launcher.script({
      executable: spec.executable!,
      arguments: spec.arguments ?? [],
      resources,
      stdinPath: spec.stdinPath ?? "/dev/null",
      stdoutPath: indexed(spec.stdoutPath ?? "/dev/null"),
      stderrPath: indexed(spec.stderrPath ?? "/dev/null"),
    }),
  );
  const environment = Object.entries(environmentOf(spec)).map(([name, value]) => ({
    name: scriptSafeName(name, `environment.${name}`),
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
  const view = {
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
    preLaunch: spec.preLaunch ? shellWord(sourcePath(spec.preLaunch)) : undefined,
    postLaunch: spec.postLaunch ? shellWord(sourcePath(spec.postLaunch)) : undefined,
    launch,
    userScript,
    marker: COMPLETION_MARKER,
    arrayIndex: array ? opts.arrayIndexVariable : undefined,
  };
  return { resources, view };
}
