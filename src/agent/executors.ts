/**
 * Which backend the agent runs: `pbs` (the real commands), `local` (child
 * processes), `sim` (the embedded PBS simulator, execute mode), `slurm`
 * (asked for by name only), any other registered executor by its name or
 * alias (one found by discovery, src/agent/discovery.ts), or `auto`:
 * PBS when `qstat --version` and `qsub --version` answer as PBS, otherwise
 * the simulator, announced loudly so nobody mistakes it for a cluster.
 * @module
 */

import { join } from "node:path";
import type { CommandRunner } from "../core/command-runner.ts";
import type { JobExecutor } from "../core/executor.ts";
import { ProcessRunner } from "../batch/process-runner.ts";
import { LocalJobExecutor } from "../executors/local.ts";
import { PbsExecutor } from "../executors/pbs.ts";
import { SlurmExecutor } from "../executors/slurm.ts";
import { givenPbsHistory, probePbsHistory } from "./pbs-history.ts";
import { createSimExecutor, type SimShape } from "./sim-executor.ts";
import { findExecutor } from "../core/registry.ts";
import { originOf } from "./discovery.ts";

export const EXECUTOR_CHOICES = ["auto", "pbs", "local", "sim", "slurm"] as const;
/** A built-in choice, or the name (or alias) of a registered executor. */
export type ExecutorChoice = string;

export interface ChosenExecutor {
  name: string;
  executor: JobExecutor;
  /** One or more lines for the start-up banner. */
  banner: string;
}

export interface ChooseOptions {
  /** The agent's work directory (scripts, exit-code files, simulator state). */
  workDir: string;
  /** How `auto` probes for PBS; default real processes. */
  probeRunner?: CommandRunner;
  /** What runs the PBS commands for executor `pbs` (tests: a simulator); default real processes. */
  pbsRunner?: CommandRunner;
  /** PBS's job history retention (ms, 0 = none) given by the admin: `qstat -Bf` is not asked. */
  pbsHistoryMs?: number;
  /** The embedded simulator's nodes (executor `sim`); default one node the size of this machine. */
  simShape?: SimShape;
}

/** A built-in choice or a registered executor's name; the registry's error (naming them all) if not. */
export function checkExecutorChoice(s: string): void {
  if ((EXECUTOR_CHOICES as readonly string[]).includes(s)) return;
  findExecutor(s);
}

/** The `pbs_version` PBS reports, or undefined when qstat/qsub are absent or not PBS. */
export async function detectPbs(runner: CommandRunner = new ProcessRunner()): Promise<
  string | undefined
> {
  let version: string | undefined;
  for (const cmd of ["qstat", "qsub"]) {
    const r = await runner.run([cmd, "--version"], { timeoutMs: 10_000 }).catch(() => undefined);
    const m = r && r.exitCode === 0 ? /pbs_version\s*=\s*(\S+)/.exec(r.stdout + r.stderr) : null;
    if (!m) return undefined;
    version = m[1];
  }
  return version;
}

export async function chooseExecutor(
  choice: ExecutorChoice,
  options: ChooseOptions,
): Promise<ChosenExecutor> {
  if (choice === "auto") {
    const version = await detectPbs(options.probeRunner);
    if (version) {
      const chosen = await chooseExecutor("pbs", options);
      return { ...chosen, banner: `PBS detected (pbs_version ${version}): ${chosen.banner}` };
    }
    const sim = await chooseExecutor("sim", options);
    return {
      ...sim,
      banner: "no PBS found on PATH (qstat/qsub --version did not answer as PBS).\n" + sim.banner,
    };
  }
  if (choice === "pbs") {
    const workDir = join(options.workDir, "pbs");
    const history = options.pbsHistoryMs !== undefined
      ? givenPbsHistory(options.pbsHistoryMs)
      : await probePbsHistory(options.pbsRunner ?? new ProcessRunner());
    return {
      name: "pbs",
      executor: new PbsExecutor({
        workDir,
        historyRetentionMs: history.retentionMs,
        ...(options.pbsRunner ? { runner: options.pbsRunner } : {}),
      }),
      banner: "executor pbs: jobs go to the real PBS server through qsub/qstat/qdel\n" +
        history.note,
    };
  }
  if (choice === "slurm") {
    return {
      name: "slurm",
      executor: new SlurmExecutor({ workDir: join(options.workDir, "slurm") }),
      banner: "executor slurm: jobs go to Slurm through sbatch/squeue/scancel",
    };
  }
  if (choice !== "local" && choice !== "sim") {
    const d = findExecutor(choice);
    return {
      name: d.name,
      executor: d.create({ workDir: join(options.workDir, d.name) }),
      banner: `executor ${d.name} ${d.version} from ${originOf(d)}` +
        (d.description ? `: ${d.description}` : ""),
    };
  }
  if (choice === "local") {
    return {
      name: "local",
      executor: new LocalJobExecutor(),
      banner: "executor local: jobs run as child processes of the agent on this machine",
    };
  }
  const sim = createSimExecutor(join(options.workDir, "sim"), { shape: options.simShape });
  const asked = options.simShape ?? {};
  const shape = asked.nodes || asked.ncpus
    ? ` (as asked: ${asked.nodes ?? 1} node(s), ${asked.ncpus ?? "this machine's"} ncpus each)`
    : "";
  return {
    name: "sim",
    executor: sim.executor,
    banner: "executor sim: THE EMBEDDED PBS SIMULATOR, NOT A CLUSTER. Jobs run for real on " +
      `this machine as a simulated PBS MoM would run them${shape} (simulator state: ${sim.stateDir})`,
  };
}
