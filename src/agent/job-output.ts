/**
 * Output the agent keeps: a job whose spec names no stdout or stderr file
 * gets one in the agent's home (`<home>/output/<id>.out`, `.err`), for every
 * executor, so nothing a job prints is lost unless its spec says /dev/null
 * (as qsub always keeps `<name>.o<seq>`). `psij-agent logs` and `wait` show
 * them; `prune` removes them with their job.
 * @module
 */

import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { JobSpec } from "../core/job-spec.ts";

export function keptOutputPaths(dir: string, id: string): { stdout: string; stderr: string } {
  return { stdout: join(dir, `${id}.out`), stderr: join(dir, `${id}.err`) };
}

/** The spec with the kept files filled in where it names none (the given spec is unchanged). */
export function withKeptOutput(spec: JobSpec, dir: string, id: string): JobSpec {
  if (spec.stdoutPath !== undefined && spec.stderrPath !== undefined) return spec;
  // A user's own script writes where its directives say (-o, --output), or
  // where qsub and sbatch would by default: its author chose, not the agent.
  if (spec.batchScript !== undefined) return spec;
  const kept = keptOutputPaths(dir, id);
  return {
    ...spec,
    stdoutPath: spec.stdoutPath ?? kept.stdout,
    stderrPath: spec.stderrPath ?? kept.stderr,
  };
}

/** The directory, private to the user (the home is too; jobs write here as the user). */
export function ensureOutputDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

const KEPT = /^(.+)\.(out|err)$/;

/** Removes the kept files of jobs the store no longer has; returns how many went. */
export function sweepKeptOutput(dir: string, known: (id: string) => boolean): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0; // no directory: nothing kept yet
  }
  let removed = 0;
  for (const name of names) {
    const m = KEPT.exec(name);
    if (!m || known(m[1])) continue;
    rmSync(join(dir, name), { force: true });
    removed++;
  }
  return removed;
}
