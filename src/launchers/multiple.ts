/**
 * `multiple`: processCount copies of the executable on this host, started
 * together, each told its index.
 *
 * Each copy sees PSIJ_PROCESS_INDEX (0-based, like an MPI rank) and
 * PSIJ_PROCESS_COUNT; for scripts written for psij-python it also sees
 * `_PSI_J_PROCESS_INDEX_` (1-based, as psij-python's multiple launcher sets it)
 * and `_PSI_J_PROCESS_COUNT`. Every copy reads the whole stdin file; all copies
 * share one stdout and one stderr, opened (and truncated) once.
 * @module
 */

import { redirections, withExecutableCheck } from "./common.ts";
import { shellWords } from "./shell.ts";
import type { Launcher } from "./types.ts";

export const multipleLauncher: Launcher = {
  name: "multiple",
  direct: false,
  unavailable: () => undefined,
  script(ctx) {
    const n = ctx.resources.processCount;
    const cmd = shellWords([ctx.executable, ...ctx.arguments]) + redirections(ctx, true, false);
    const body = [
      `_psij_pids=()`,
      `_psij_ec=0`,
      `{`,
      `  export PSIJ_PROCESS_COUNT=${n} _PSI_J_PROCESS_COUNT=${n}`,
      `  for ((_psij_i = 0; _psij_i < ${n}; _psij_i++)); do`,
      `    PSIJ_PROCESS_INDEX=$_psij_i _PSI_J_PROCESS_INDEX_=$((_psij_i + 1)) ${cmd} &`,
      `    _psij_pids+=($!)`,
      `  done`,
      `  for _psij_p in "\${_psij_pids[@]}"; do`,
      `    wait "$_psij_p" || { _psij_rc=$?; [ "$_psij_ec" -eq 0 ] && _psij_ec=$_psij_rc; }`,
      `  done`,
      `}${redirections(ctx, false, true)}`,
      `(exit "$_psij_ec")`,
    ].join("\n");
    return withExecutableCheck(ctx, body);
  },
};
