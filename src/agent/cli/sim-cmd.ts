/**
 * `sim ...`: the PBS simulator's own commands (qsub, qstat, ..., its server),
 * handed over unparsed.
 * @module
 */

import type { Command } from "./command.ts";

export const simCommand: Command = {
  name: "sim",
  summary: "the PBS simulator's commands and server (psij-agent sim --help)",
  usage: "psij-agent sim <qsub|qstat|qdel|qhold|qrls|qselect|server> [args...]",
  options: {},
  run(ctx) {
    ctx.io.err("psij-agent sim: the simulator's command line is not part of this build yet");
    return Promise.resolve(1);
  },
};
