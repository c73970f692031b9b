/**
 * Where a command would be found on PATH (the launchers that wrap a system
 * tool such as mpirun are available only when it is there).
 * @module
 */

import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

export function findOnPath(command: string, path = process.env.PATH ?? ""): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}
