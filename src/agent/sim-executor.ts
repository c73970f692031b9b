/**
 * The `sim` executor: the PBS executor talking, through the CommandRunner
 * seam, to an in-process PBS simulator in execute mode.
 * @module
 */

import type { JobExecutor } from "../core/executor.ts";
import { PbsExecutor } from "../executors/pbs.ts";
import { createSimRunner } from "../../simulator/runner.ts";
import { SimServer } from "../../simulator/server/server.ts";

export interface SimExecutor {
  executor: JobExecutor;
  server: SimServer;
  stateDir: string;
}

export function createSimExecutor(stateDir: string): SimExecutor {
  const server = new SimServer({ mode: "execute" });
  const executor = new PbsExecutor({
    workDir: `${stateDir}/work`,
    runner: createSimRunner(server),
    pollFloorMs: 200,
  });
  return { executor, server, stateDir };
}
