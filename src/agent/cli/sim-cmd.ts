/**
 * `sim ...`: the PBS simulator's own command line (its server, and
 * qsub/qstat/qdel/qselect/qhold/qrls against it), handed over unparsed.
 * @module
 */

import { simMain } from "../../../simulator/cli.ts";
import type { Command } from "./command.ts";

export const simCommand: Command = {
  name: "sim",
  summary: "the PBS simulator: sim serve, sim qsub|qstat|qdel|qselect|qhold|qrls, sim stop",
  usage: "psij-agent sim <serve|stop|qsub|qstat|qdel|qselect|qhold|qrls> [args...]",
  options: {},
  run(ctx) {
    return simMain(ctx.positionals, { out: ctx.io.write, err: ctx.io.writeErr });
  },
};
