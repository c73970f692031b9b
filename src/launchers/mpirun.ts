/**
 * `mpirun`: `mpirun -n <processCount>` around the executable. Available only
 * when an `mpirun` is on PATH.
 * @module
 */

import { redirections, withExecutableCheck, withToolCheck } from "./common.ts";
import { findOnPath } from "./find-on-path.ts";
import { shellWords } from "./shell.ts";
import type { Launcher } from "./types.ts";

export const mpirunLauncher: Launcher = {
  name: "mpirun",
  direct: false,
  unavailable: () => findOnPath("mpirun") ? undefined : "no mpirun on PATH",
  script(ctx) {
    const n = String(ctx.resources.processCount);
    const cmd = shellWords(["mpirun", "-n", n, ctx.executable, ...ctx.arguments]) +
      redirections(ctx);
    return withExecutableCheck(ctx, withToolCheck("mpirun", "mpirun", cmd));
  },
};
