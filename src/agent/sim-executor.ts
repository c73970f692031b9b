/**
 * The `sim` executor: the PBS executor talking, through the CommandRunner
 * seam, to an in-process PBS simulator. In execute mode (the default) job
 * scripts really run on this machine, as a local MoM would run them. The
 * simulator's jobs are saved in the state directory, so an agent restart
 * finds them again (jobs that were running when the agent died are handled
 * as PBS handles a MoM restart: rerun or failed).
 * @module
 */

import { mkdirSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { realClock } from "../core/clock.ts";
import type { JobExecutor } from "../core/executor.ts";
import { PbsExecutor } from "../executors/pbs.ts";
import { attachMom, type LocalMom } from "../../simulator/mom.ts";
import { createSimRunner } from "../../simulator/runner.ts";
import { defaultNodes } from "../../simulator/server/config.ts";
import { SimServer } from "../../simulator/server/server.ts";
import { readState, writeState } from "../../simulator/state.ts";

export interface SimExecutorOptions {
  mode?: "execute" | "model";
  /** Model mode: runtime range of a job, ms. */
  runtimeMs?: [number, number];
  /** Save the simulator's jobs across restarts. Default true. */
  persist?: boolean;
  /** The status poller's floor; default 250 ms (the PBS executor's own default is 1 s). */
  pollFloorMs?: number;
}

export interface SimExecutor {
  executor: JobExecutor;
  server: SimServer;
  stateDir: string;
}

const SAVE_DELAY_MS = 100;

export function createSimExecutor(stateDir: string, options: SimExecutorOptions = {}): SimExecutor {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const mode = options.mode ?? "execute";
  const server = new SimServer({
    name: "pbs-sim",
    clock: realClock,
    mode,
    // One node the size of this machine: what execute mode can really run.
    nodes: defaultNodes(
      1,
      Math.max(1, cpus().length),
      Math.max(1, Math.floor(totalmem() / 2 ** 30)),
      0,
      "",
    ),
    runtimeMs: options.runtimeMs,
    spoolDir: join(stateDir, "spool"),
  });
  let mom: LocalMom | undefined;
  if (mode === "execute") mom = attachMom(server);
  const statePath = join(stateDir, "server.json");
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (options.persist ?? true) {
    readState(server, statePath);
    server.onChange = () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        writeState(server, statePath);
      }, SAVE_DELAY_MS);
    };
  }
  server.start();
  const executor = new PbsExecutor({
    workDir: join(stateDir, "work"),
    runner: createSimRunner(server),
    pollFloorMs: options.pollFloorMs ?? 250,
    pollCeilingMs: 5_000,
    historyRetentionMs: server.historyEnabled ? server.historyRetentionMs : 0,
  });
  const close = executor.close.bind(executor);
  executor.close = async () => {
    await close();
    server.stop();
    if (timer) {
      clearTimeout(timer);
      writeState(server, statePath);
    }
    mom?.killAll();
  };
  return { executor, server, stateDir };
}
