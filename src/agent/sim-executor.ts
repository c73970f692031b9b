/**
 * The `sim` executor: the PBS executor talking, through the CommandRunner
 * seam, to an in-process PBS simulator. In execute mode (the default) job
 * scripts really run on this machine, as a local MoM would run them, in
 * processes of their own that outlive the agent. The simulator's state is
 * journalled in the state directory before any command that changed it
 * returns, so a restarted agent (after `stop` or kill -9) finds every job
 * again: running ones are re-adopted, or their recorded exit is read.
 * @module
 */

import { mkdirSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { realClock } from "../core/clock.ts";
import type { JobExecutor } from "../core/executor.ts";
import { PBS_EXECUTOR_VERSION, PbsExecutor } from "../executors/pbs.ts";
import { registerExecutor } from "../core/registry.ts";
import { durableRunner, persistServer, type SimJournal } from "../../simulator/journal.ts";
import { attachMom, type LocalMom } from "../../simulator/mom.ts";
import { createSimRunner } from "../../simulator/runner.ts";
import { defaultNodes } from "../../simulator/server/config.ts";
import { SimServer } from "../../simulator/server/server.ts";
import { processAlive, processStartTime } from "./process-alive.ts";

export interface SimExecutorOptions {
  mode?: "execute" | "model";
  /** Model mode: runtime range of a job, ms. */
  runtimeMs?: [number, number];
  /** Save the simulator's jobs across restarts. Default true. */
  persist?: boolean;
  /** The status poller's floor; default 250 ms (the PBS executor's own default is 1 s). */
  pollFloorMs?: number;
  /** The simulated nodes; default one node the size of this machine. */
  shape?: SimShape;
}

/** Nodes and ncpus per node of the embedded simulator (`PSIJ_SIM_NODES`, `PSIJ_SIM_NCPUS`). */
export interface SimShape {
  nodes?: number;
  ncpus?: number;
}

/**
 * The shape asked for in the environment, as `sim serve` reads it: a positive whole number each,
 * else an error naming the variable. Several nodes in execute mode all run on this machine (the
 * nodefile names each), so a multi-node test can run here; they do not add cores.
 */
export function simShapeFromEnv(env: Record<string, string | undefined>): SimShape {
  const shape: SimShape = {};
  for (const [name, key] of [["PSIJ_SIM_NODES", "nodes"], ["PSIJ_SIM_NCPUS", "ncpus"]] as const) {
    const text = env[name];
    if (text === undefined || text === "") continue;
    if (!/^[1-9]\d{0,5}$/.test(text)) {
      throw new Error(`${name} must be a whole number from 1 to 999999, got "${text}"`);
    }
    shape[key] = Number(text);
  }
  return shape;
}

export interface SimExecutor {
  executor: JobExecutor;
  server: SimServer;
  stateDir: string;
}

/** Alive, and the same process: a recycled pid has another start time. */
const probe = {
  alive: (pid: number, start: string | undefined) =>
    processAlive(pid) && (start === undefined || processStartTime(pid) === start),
  startTime: (pid: number) => processStartTime(pid),
};

export function createSimExecutor(stateDir: string, options: SimExecutorOptions = {}): SimExecutor {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const mode = options.mode ?? "execute";
  const server = new SimServer({
    name: "pbs-sim",
    clock: realClock,
    mode,
    // One node the size of this machine (what execute mode can really run), unless asked.
    nodes: defaultNodes(
      options.shape?.nodes ?? 1,
      options.shape?.ncpus ?? Math.max(1, cpus().length),
      Math.max(1, Math.floor(totalmem() / 2 ** 30)),
      0,
      "",
    ),
    runtimeMs: options.runtimeMs,
    spoolDir: join(stateDir, "spool"),
  });
  let mom: LocalMom | undefined;
  if (mode === "execute") mom = attachMom(server, { probe });
  let journal: SimJournal | undefined;
  let runner = createSimRunner(server);
  if (options.persist ?? true) {
    journal = persistServer(server, join(stateDir, "server.json"));
    runner = durableRunner(runner, journal);
    mom?.sweep();
  }
  server.start();
  const executor = new PbsExecutor({
    workDir: join(stateDir, "work"),
    runner,
    pollFloorMs: options.pollFloorMs ?? 250,
    pollCeilingMs: 5_000,
    historyRetentionMs: server.historyEnabled ? server.historyRetentionMs : 0,
  });
  const close = executor.close.bind(executor);
  executor.close = async () => {
    await close();
    server.stop();
    // Running jobs go on without the agent; only a simulator that keeps no state ends them.
    if (journal) {
      journal.tryFlush();
      journal.close();
      mom?.close();
    } else mom?.killAll();
  };
  return { executor, server, stateDir };
}

registerExecutor<{ workDir?: string }>({
  name: "sim",
  version: PBS_EXECUTOR_VERSION,
  description: "the PBS executor on the embedded PBS simulator (jobs run on this machine)",
  create: (config) =>
    createSimExecutor(config?.workDir ?? join(process.cwd(), ".psij-sim")).executor,
});
