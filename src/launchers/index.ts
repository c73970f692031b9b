/**
 * The launchers by name, shared by every executor (local, PBS, Slurm).
 * @module
 */

import { InvalidJobException } from "../core/errors.ts";
import { mpirunLauncher } from "./mpirun.ts";
import { multipleLauncher } from "./multiple.ts";
import { singleLauncher } from "./single.ts";
import type { Launcher } from "./types.ts";

export type { LaunchContext, Launcher } from "./types.ts";
export { shellQuote, shellWords } from "./shell.ts";
export { findOnPath } from "./find-on-path.ts";
export { nodefileText } from "./nodefile.ts";

const launchers = new Map<string, Launcher>(
  [singleLauncher, multipleLauncher, mpirunLauncher].map((l) => [l.name, l]),
);

export function launcherNames(): string[] {
  return [...launchers.keys()];
}

/**
 * The launcher of that name (case-insensitive; default `single`). Throws
 * InvalidJobException naming `launcher` when it is unknown or, unless
 * `checkAvailable` is false, cannot run on this machine. A batch executor
 * passes false: its job runs elsewhere (mpirun may exist only on compute nodes).
 */
export function getLauncher(
  name: string | undefined,
  options: { checkAvailable?: boolean } = {},
): Launcher {
  const key = (name ?? "single").toLowerCase();
  const launcher = launchers.get(key);
  if (!launcher) {
    throw new InvalidJobException(
      `launcher: unknown launcher "${name}"; known launchers: ${launcherNames().join(", ")}`,
      { field: "launcher" },
    );
  }
  const why = options.checkAvailable === false ? undefined : launcher.unavailable();
  if (why) {
    throw new InvalidJobException(`launcher: "${launcher.name}" cannot run here: ${why}`, {
      field: "launcher",
    });
  }
  return launcher;
}
