/**
 * Job array benchmark (`npm run bench:array`): one array of 10,000 elements
 * through the agent's JobService, the PBS executor and the in-process
 * simulator (model mode, virtual clock). Prints the submit time (one qsub
 * -J plus recording and following every element), the status commands per
 * poll cycle, the parse time per cycle, and how long after the last
 * element ended the array's own record was final. Figures only; nothing
 * here passes or fails on time.
 *
 * Usage: npx bun bench/array.ts [elements] [limit]
 */
import { JobService } from "../src/agent/service.ts";
import { JobStore } from "../src/agent/store/store.ts";
import { VirtualClock } from "../src/core/clock.ts";
import type { CommandOptions, CommandRunner } from "../src/core/command-runner.ts";
import { PbsExecutor } from "../src/executors/pbs.ts";
import { Faults } from "../simulator/faults.ts";
import { createSimRunner } from "../simulator/runner.ts";
import { defaultNodes } from "../simulator/server/config.ts";
import { SimServer } from "../simulator/server/server.ts";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const N = Number(process.argv[2] ?? 10_000);
const LIMIT = process.argv[3];

class Counting implements CommandRunner {
  readonly counts = new Map<string, number>();
  constructor(readonly inner: CommandRunner) {}
  run(argv: readonly string[], options?: CommandOptions) {
    this.counts.set(argv[0], (this.counts.get(argv[0]) ?? 0) + 1);
    return this.inner.run(argv, options);
  }
}

const dir = mkdtempSync(join(tmpdir(), "psij-bench-array-"));
try {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const server = new SimServer({
    clock,
    mode: "model",
    nodes: defaultNodes(Math.ceil(N / 32), 32, 64, 0, "node"), // a cpu per element
    maxArraySize: Math.max(N, 10_000),
    outcome: (q) =>
      q.arrayIndex === undefined ? undefined : {
        runtimeMs: 60_000 + (q.arrayIndex % 61) * 1000,
        exitStatus: q.arrayIndex % 97 === 0 ? 1 : 0,
      },
  });
  const runner = new Counting(createSimRunner(server, new Faults()));
  const executor = new PbsExecutor({
    workDir: join(dir, "work"),
    runner,
    clock,
    pollFloorMs: 5000,
    pollCeilingMs: 30_000,
  });
  const store = new JobStore(join(dir, "agent.db"));
  const service = new JobService({
    store,
    executors: { sim: executor },
    defaultExecutor: "sim",
    clock,
  });
  const range = `1-${N}${LIMIT ? `%${LIMIT}` : ""}`;

  const t0 = performance.now();
  const { job } = await service.submit({
    version: 1,
    executable: "/bin/true",
    name: "bench",
    attributes: { duration: 3600 },
    array: range,
  });
  const submitMs = performance.now() - t0;

  const w0 = performance.now();
  while (!["COMPLETED", "FAILED", "CANCELED"].includes(store.getJob(job.id)!.state)) {
    await clock.advance(5000);
  }
  const runWallMs = performance.now() - w0;
  const stats = executor.pollerStats();
  const arrayEnd = store.transitions(job.id).at(-1)!;
  // When PBS ended the last element (its history stamp), and when the agent recorded it.
  let lastEndAtPbs = 0, lastSeen = 0;
  for (const e of store.arrayElements(job.id)) {
    const t = store.transitions(e.id).at(-1)!;
    lastEndAtPbs = Math.max(lastEndAtPbs, t.schedulerTime ?? 0);
    lastSeen = Math.max(lastSeen, t.time);
  }
  const summary = service.arraySummary(job.id)!;
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  console.log(`job array of ${N} elements (${range}) on the in-process simulator, model mode`);
  console.log(`submit (one qsub -J, ${N} element records, each followed)  ${ms(submitMs)}`);
  console.log(`qsub commands                      ${runner.counts.get("qsub") ?? 0}`);
  console.log(`poll cycles                        ${stats.cycles}`);
  console.log(
    `status commands per cycle          ${
      (stats.commands / Math.max(1, stats.cycles)).toFixed(2)
    }` +
      ` (${stats.commands} qstat -t in all, ${stats.probes} single look-ups)`,
  );
  console.log(
    `parse time per cycle               ${ms(stats.parseMs / Math.max(1, stats.cycles))}`,
  );
  console.log(
    `array final after its last element   ${((arrayEnd.time - lastSeen) / 1000).toFixed(1)} s ` +
      `after the agent saw that element end (same poll cycle), ${
        ((arrayEnd.time - lastEndAtPbs) / 1000).toFixed(1)
      } s of virtual time after PBS ended it (the poll interval, ${5} s floor here)`,
  );
  console.log(`wall time, submit to final         ${(runWallMs / 1000).toFixed(1)} s`);
  console.log(
    `array: ${arrayEnd.state}, ${arrayEnd.message}; counts ${JSON.stringify(summary.counts)}`,
  );
  await service.close();
  store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
