/**
 * Path rules of the local executor: staging locations (paths or file://
 * URIs) and the confinement of cleanup to the job directory.
 * @module
 */

import { realpath } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { InvalidJobException } from "../../core/errors.ts";

/** An absolute path for a staging source or target; relative ones are taken from `base`. */
export function stagingPath(location: string, base: string, field: string): string {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(location)?.[1];
  if (scheme === undefined) return resolve(base, location);
  if (scheme.toLowerCase() !== "file") {
    throw new InvalidJobException(
      `${field}: the local executor stages only file paths and file:// URIs, not ${scheme}://`,
      { field },
    );
  }
  try {
    return fileURLToPath(location);
  } catch (err) {
    throw new InvalidJobException(`${field}: ${(err as Error).message}`, { field });
  }
}

/** True when `p` lies strictly inside `dir` (both absolute, normalised). */
export function isInside(dir: string, p: string): boolean {
  const rel = relative(dir, p);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

/** The lexical check, at submit: a cleanup path must name something inside the job directory. */
export function checkCleanupPath(p: string, jobDir: string, field: string): string {
  const abs = resolve(jobDir, p);
  if (!isInside(jobDir, abs)) {
    throw new InvalidJobException(
      `${field}: "${p}" resolves to ${abs}, which is not inside the job directory ${jobDir}`,
      { field },
    );
  }
  return abs;
}

/**
 * The check at cleanup time, with symlinks resolved: the parent of `abs`
 * must really be inside the job directory. Returns the reason to refuse, or
 * undefined when removal is safe (`rm` removes a symlink itself, never its target).
 */
export async function cleanupRefusal(abs: string, jobDir: string): Promise<string | undefined> {
  let realDir: string, realParent: string;
  try {
    realDir = await realpath(jobDir);
    realParent = await realpath(dirname(abs));
  } catch {
    return undefined; // nothing there to remove
  }
  const real = resolve(realParent, relative(dirname(abs), abs));
  if (!isInside(realDir, real)) {
    return `${abs} resolves (through a symlink) to ${real}, outside the job directory ${realDir}`;
  }
  return undefined;
}
