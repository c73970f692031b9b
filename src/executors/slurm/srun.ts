/**
 * `srun`: Slurm's own launcher, one task per process of the allocation.
 * Inside a batch job srun needs no resource options to fill the allocation;
 * the counts are given anyway so the step matches the spec exactly.
 * Not checked against this host's PATH: it runs on the job's node.
 * @module
 */

import { type Launcher, redirections, shellWords, withExecutableCheck } from "../../kit.ts";

export const srunLauncher: Launcher = {
  name: "srun",
  direct: false,
  unavailable: () => undefined,
  script(ctx) {
    const r = ctx.resources;
    const argv = [
      "srun",
      `--ntasks=${r.processCount}`,
      `--nodes=${r.nodeCount}`,
      `--ntasks-per-node=${r.processesPerNode}`,
      `--cpus-per-task=${r.cpuCoresPerProcess}`,
      ...(r.gpuCoresPerProcess > 0 ? [`--gpus-per-task=${r.gpuCoresPerProcess}`] : []),
      "--",
      ctx.executable,
      ...ctx.arguments,
    ];
    return withExecutableCheck(ctx, shellWords(argv) + redirections(ctx));
  },
};
