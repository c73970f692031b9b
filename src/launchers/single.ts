/**
 * `single`: the executable runs once.
 * @module
 */

import { redirections, withExecutableCheck } from "./common.ts";
import { shellWords } from "./shell.ts";
import type { Launcher } from "./types.ts";

export const singleLauncher: Launcher = {
  name: "single",
  direct: true,
  unavailable: () => undefined,
  script(ctx) {
    const cmd = shellWords([ctx.executable, ...ctx.arguments]) + redirections(ctx);
    return withExecutableCheck(ctx, cmd);
  },
};
