/**
 * Job arrays on a real Slurm, through the agent's JobService: one sbatch
 * --array with the %limit, each element its own job (`<id>[<index>]`,
 * native id `<array>_<index>`) with its own end, PSIJ_ARRAY_INDEX, {index}
 * output paths, never more than the limit running, one squeue per cycle, and
 * cancels of one element and of the whole array. Skipped with the reason
 * when no Slurm answers, failing then under REQUIRE_SLURM=1.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JobService } from "../../src/agent/service.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import type { CommandOptions, CommandRunner } from "../../src/core/command-runner.ts";
import { ProcessRunner } from "../../src/batch/process-runner.ts";
import { SlurmExecutor } from "../../src/executors/slurm.ts";
import { needSlurm, slurmOptions } from "./support.ts";
import { arrayWithFailures } from "../helpers/array-scenarios.ts";

const isFinal = (s: string) => ["COMPLETED", "FAILED", "CANCELED"].includes(s);

class Counting implements CommandRunner {
  readonly calls: string[][] = [];
  readonly inner = new ProcessRunner();
  run(argv: readonly string[], options?: CommandOptions) {
    this.calls.push([...argv]);
    return this.inner.run(argv, options);
  }
}

async function until(done: () => boolean, ms = 180_000) {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
  assert.ok(done(), "the condition held before the deadline");
}

function setup() {
  // The work directory must be reachable from the node: on the one-host Slurm, /tmp is.
  const dir = mkdtempSync(join(tmpdir(), "psij-slurm-array-"));
  const runner = new Counting();
  const executor = new SlurmExecutor({
    workDir: join(dir, "work"),
    runner,
    pollFloorMs: 300,
    pollCeilingMs: 1000,
  });
  const store = new JobStore(":memory:");
  const service = new JobService({
    store,
    executors: { slurm: executor },
    defaultExecutor: "slurm",
  });
  return { dir, runner, executor, store, service };
}

describe("job arrays on a real Slurm", () => {
  it(
    "one sbatch --array with %3 where two fail: their own FAILED, the others COMPLETED, the summary right, never more than 3 running, one squeue per cycle",
    slurmOptions(400_000),
    async () => {
      needSlurm();
      const { dir, runner, executor, service } = setup();
      try {
        await arrayWithFailures(service, dir, 14, 3);
        assert.equal(runner.calls.filter((c) => c[0] === "sbatch").length, 1);
        const stats = executor.pollerStats();
        assert.equal(stats.commands, stats.cycles, "one squeue per cycle");
        const array = service.list({}).jobs[0];
        const element = service.store.getJob(`${array.id}[1]`)!;
        assert.equal(element.nativeId, `${array.nativeId}_1`);
      } finally {
        await service.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it(
    "cancels one element, then the whole array with one scancel",
    slurmOptions(300_000),
    async () => {
      needSlurm();
      const { dir, runner, store, service } = setup();
      try {
        const { job } = await service.submit({
          version: 1,
          executable: "/bin/sleep",
          arguments: ["120"],
          directory: dir,
          attributes: { duration: 300 },
          array: "1-4%1",
        });
        const el = (i: number) => store.getJob(`${job.id}[${i}]`)!;
        await until(() => el(1).state === "ACTIVE");
        await service.cancel(`${job.id}[4]`);
        await until(() => isFinal(el(4).state));
        assert.equal(el(4).state, "CANCELED");
        assert.ok(!isFinal(el(1).state));
        const before = runner.calls.filter((c) => c[0] === "scancel").length;
        await service.cancel(job.id);
        assert.equal(runner.calls.filter((c) => c[0] === "scancel").length, before + 1);
        await until(() => isFinal(store.getJob(job.id)!.state));
        for (let i = 1; i <= 4; i++) assert.equal(el(i).state, "CANCELED", `element ${i}`);
        assert.equal(store.getJob(job.id)!.state, "CANCELED");
      } finally {
        await service.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
