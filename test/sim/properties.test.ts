/** fast-check properties of the model: capacity, FIFO, finality, exit status, array consistency. */
import assert from "node:assert/strict";
import fc from "fast-check";
import { describe, it } from "node:test";
import type { SimJob } from "../../simulator/server/job.ts";
import { makeSim, T0 } from "./helpers.ts";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 40);
const NODES = [1, 2, 3].map((i) => ({
  name: `n${i}`,
  ncpus: 4,
  memBytes: 8 * 1024 ** 3,
  ngpus: 0,
}));
const SHAPES = [
  "1:ncpus=1",
  "1:ncpus=2",
  "1:ncpus=4",
  "2:ncpus=2",
  "1:ncpus=3:mem=4gb",
  "3:ncpus=1",
];

const jobArb = fc.record({
  shape: fc.integer({ min: 0, max: SHAPES.length - 1 }),
  place: fc.constantFrom("free", "pack", "scatter"),
  runtime: fc.integer({ min: 1, max: 600 }),
  exit: fc.constantFrom(0, 0, 0, 1, 2),
  walltime: fc.option(fc.integer({ min: 1, max: 600 }), { nil: undefined }),
  gap: fc.integer({ min: 0, max: 120 }),
});

interface Step {
  shape: number;
  place: string;
  runtime: number;
  exit: number;
  walltime: number | undefined;
  gap: number;
}

function checkCapacity(sim: ReturnType<typeof makeSim>) {
  for (const n of sim.server.pool.nodes) {
    let cpus = 0, mem = 0;
    for (const id of n.jobs) {
      for (const p of sim.server.jobs.get(id)!.ranChunks!) {
        if (p.node === n.name) {
          cpus += p.ncpus;
          mem += p.memBytes;
        }
      }
    }
    assert.ok(cpus <= n.spec.ncpus && mem <= n.spec.memBytes, `node ${n.name} over capacity`);
    assert.equal(n.freeNcpus, n.spec.ncpus - cpus);
  }
}

async function play(steps: Step[], retentionMs = 3_600_000) {
  const sim = makeSim({ nodes: NODES, historyRetentionMs: retentionMs });
  const seen = new Map<string, string[]>();
  const watch = () => {
    for (const j of sim.server.jobs.values()) {
      const h = seen.get(j.id) ?? [];
      if (h.at(-1) !== j.state) h.push(j.state);
      seen.set(j.id, h);
    }
  };
  const expected = new Map<string, number>();
  for (const s of steps) {
    const argv = ["qsub", "-l", `select=${SHAPES[s.shape]}`, "-l", `place=${s.place}`];
    if (s.walltime !== undefined) argv.push("-l", `walltime=${s.walltime}`);
    const id = sim.run([...argv, "exit0.sh"]).stdout.trim();
    sim.server.setOutcome(id, { runtimeMs: s.runtime * 1000, exitStatus: s.exit });
    expected.set(id, s.walltime !== undefined && s.runtime > s.walltime ? -29 : s.exit);
    watch();
    checkCapacity(sim);
    await sim.at(sim.server.nowSec() + s.gap);
    watch();
    checkCapacity(sim);
  }
  return { sim, seen, expected };
}

describe("properties", () => {
  it("node capacity is never exceeded", { timeout: 60000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(jobArb, { maxLength: 25 }), async (steps) => {
        await play(steps);
      }),
      { numRuns: RUNS },
    );
  });

  it("jobs of one shape start in submission order", { timeout: 60000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(jobArb, { maxLength: 25 }), async (steps) => {
        const { sim } = await play(steps);
        await sim.at(sim.server.nowSec() + 100_000);
        const byShape = new Map<string, SimJob[]>();
        for (const j of sim.server.order()) {
          const k = `${j.resources.list.get("select")}|${j.resources.list.get("place")}`;
          byShape.set(k, [...(byShape.get(k) ?? []), j]);
        }
        for (const jobs of byShape.values()) {
          for (let i = 1; i < jobs.length; i++) {
            if (jobs[i].stime === undefined) continue;
            assert.ok(
              jobs[i - 1].stime !== undefined && jobs[i - 1].stime! <= jobs[i].stime!,
              "FIFO within a shape",
            );
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("every job reaches F exactly once and qstat -x shows the Exit_status it produced", {
    timeout: 60000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(jobArb, { minLength: 1, maxLength: 20 }), async (steps) => {
        const { sim, seen, expected } = await play(steps, 10 * 86_400_000);
        await sim.at(sim.server.nowSec() + 100_000);
        for (const [id, exit] of expected) {
          const states = [...(seen.get(id) ?? [])];
          const now = sim.server.jobs.get(id)!.state;
          if (states.at(-1) !== now) states.push(now);
          assert.equal(states.filter((s) => s === "F").length, 1, `${id} went ${states.join(">")}`);
          assert.equal(states.at(-1), "F");
          const f = sim.run(["qstat", "-x", "-f", "-w", id]).stdout;
          assert.match(f, new RegExp(`\\n    Exit_status = ${exit}\\n`));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("history is purged only after the retention", { timeout: 60000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(jobArb, { minLength: 1, maxLength: 15 }), async (steps) => {
        const retention = 1_800_000;
        const { sim, expected } = await play(steps, retention);
        for (let k = 0; k < 10; k++) {
          await sim.at(sim.server.nowSec() + 900);
          for (const id of expected.keys()) {
            const j = sim.server.jobs.get(id);
            if (j) continue;
            // Gone: it must have finished at least `retention` ago.
            assert.ok(sim.server.nowMs() >= T0 * 1000 + retention);
          }
        }
      }),
      { numRuns: Math.max(10, RUNS / 4) },
    );
  });

  it("an array parent's state agrees with its subjobs", { timeout: 60000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 12 }),
        fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
        fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 12, maxLength: 12 }),
        async (n, max, runtimes) => {
          const sim = makeSim({ nodes: NODES });
          sim.run(["qsub", "-J", `1-${n}${max ? `%${max}` : ""}`, "exit0.sh"]);
          const p = sim.server.find("1[]")!;
          p.subjobs!.forEach((s, i) =>
            sim.server.setOutcome(s.id, { runtimeMs: runtimes[i] * 1000, exitStatus: 0 })
          );
          for (let t = 0; t < 40; t++) {
            const subs = p.subjobs!;
            const running = subs.filter((s) => s.state === "R").length;
            if (max) assert.ok(running <= max, "%max respected");
            const done = subs.every((s) => s.state === "X" || s.state === "F");
            const begun = subs.some((s) => s.runCount > 0);
            assert.equal(p.state, done ? "F" : begun ? "B" : "Q");
            await sim.at(sim.server.nowSec() + 60);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
