/**
 * Staging for the local executor: copy, link or move files and directories
 * into the job directory before the launch and out of it afterwards, and
 * the cleanup that follows.
 * @module
 */

import { cp, lstat, mkdir, rename, rm, symlink } from "node:fs/promises";
import { dirname } from "node:path";
import { DEFAULT_STAGE_OUT_FLAGS, stageOutApplies, StageOutFlags } from "../../core/staging.ts";
import type { StagingMode } from "../../core/staging.ts";
import { cleanupRefusal } from "./paths.ts";

/** One resolved transfer: absolute paths, the field it came from. */
export interface Transfer {
  field: string;
  source: string;
  target: string;
  mode: StagingMode;
  /** Stage-out only. */
  flags?: number;
}

export type Outcome = "success" | "error" | "cancel";

/** A staging step that failed, with a message naming the entry. */
export class StagingError extends Error {}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

async function transfer(t: Transfer): Promise<void> {
  const where = `${t.field} (${t.mode} ${t.source} -> ${t.target})`;
  const info = await lstat(t.source).catch(() => undefined);
  if (!info) throw new StagingError(`${where}: the source does not exist`);
  try {
    await mkdir(dirname(t.target), { recursive: true });
    if (t.mode === "LINK") {
      const old = await lstat(t.target).catch(() => undefined);
      if (old?.isDirectory()) throw new Error("the target is an existing directory");
      if (old) await rm(t.target, { force: true });
      await symlink(t.source, t.target);
    } else if (t.mode === "MOVE") {
      try {
        await rename(t.source, t.target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EXDEV") throw err;
        await cp(t.source, t.target, { recursive: true, force: true, verbatimSymlinks: true });
        await rm(t.source, { recursive: true, force: true });
      }
    } else {
      await cp(t.source, t.target, { recursive: true, force: true });
    }
  } catch (err) {
    if (err instanceof StagingError) throw err;
    throw new StagingError(`${where}: ${(err as Error).message}`);
  }
}

/** Runs every stage-in in order; the first failure throws StagingError. */
export async function stageIn(transfers: readonly Transfer[]): Promise<void> {
  for (const t of transfers) await transfer(t);
}

/**
 * Runs the stage-outs whose flags match the outcome. A missing source is
 * skipped when the entry has IF_PRESENT, an error otherwise. Returns the
 * failures (every entry is attempted).
 */
export async function stageOut(
  transfers: readonly Transfer[],
  outcome: Outcome,
): Promise<string[]> {
  const errors: string[] = [];
  for (const t of transfers) {
    const flags = t.flags ?? DEFAULT_STAGE_OUT_FLAGS;
    if (!stageOutApplies(flags, outcome)) continue;
    if ((flags & StageOutFlags.IF_PRESENT) && !(await exists(t.source))) continue;
    try {
      await transfer(t);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  return errors;
}

/**
 * Removes the cleanup paths (already checked to lie inside the job
 * directory) when the flags match the outcome. A path that escapes through
 * a symlink is refused and reported, never followed.
 */
export async function cleanup(
  paths: readonly { field: string; path: string }[],
  jobDir: string,
  flags: number,
  outcome: Outcome,
): Promise<string[]> {
  if (!stageOutApplies(flags, outcome)) return [];
  const notes: string[] = [];
  for (const { field, path } of paths) {
    const refusal = await cleanupRefusal(path, jobDir);
    if (refusal) {
      notes.push(`${field}: cleanup refused: ${refusal}`);
      continue;
    }
    try {
      await rm(path, { recursive: true, force: true });
    } catch (err) {
      notes.push(`${field}: cleanup failed: ${(err as Error).message}`);
    }
  }
  return notes;
}
