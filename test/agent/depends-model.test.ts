/**
 * A fast-check model of dependencies (issue 13, items 2, 7): random chains
 * and fans of jobs on the PBS simulator, each with a random outcome and
 * random `when`s on earlier jobs, qstat failing at random (0, 20 or 50% of
 * the calls). Every job ends as the model says: it runs
 * iff each dependency ended as asked (ok: COMPLETED; notok: anything else;
 * any: any end), and one that never runs is FAILED with evidence
 * `dependency`, naming a dependency that was not met. The same on the
 * local executor, where the agent keeps jobs back itself.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JobService } from "../../src/agent/service.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import { VirtualClock } from "../../src/core/clock.ts";
import { isFinal, type JobState } from "../../src/core/job-state.ts";
import { PbsExecutor } from "../../src/executors/pbs.ts";
import { LocalJobExecutor } from "../../src/executors/local.ts";
import { Faults } from "../../simulator/faults.ts";
import { createSimRunner } from "../../simulator/runner.ts";
import { SimServer } from "../../simulator/server/server.ts";

type When = "ok" | "notok" | "any";
interface Plan {
  exit: 0 | 1;
  minutes: number;
  deps: Array<{ on: number; when: When }>;
}

const graphs: fc.Arbitrary<Plan[]> = fc.integer({ min: 2, max: 6 }).chain((n) =>
  fc.tuple(...Array.from({ length: n }, (_, i) =>
    fc.record({
      exit: fc.constantFrom(0 as const, 1 as const),
      minutes: fc.integer({ min: 1, max: 10 }),
      deps: i === 0 ? fc.constant<Plan["deps"]>([]) : fc.uniqueArray(
        fc.record({
          on: fc.integer({ min: 0, max: i - 1 }),
          when: fc.constantFrom<When>("ok", "notok", "any"),
        }),
        { maxLength: 2, selector: (d) => d.on },
      ),
    })))
);

const qstatFaults = fc.record({
  failing: fc.constantFrom(0, 0.2, 0.5),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
});

/** What each job ends as, by the model. */
function check(
  plan: Plan[],
  ids: string[],
  service: JobService,
): void {
  const want = expected(plan);
  ids.forEach((id, i) => {
    const rec = service.getRecord(id);
    const ran = service.history(id).some((t) => t.state === "ACTIVE");
    const what = `job ${i} (${JSON.stringify(plan[i])}): ${rec.state} ${rec.message}`;
    assert.equal(rec.state, want[i].state, what);
    assert.equal(ran, want[i].ran, what);
    if (!want[i].ran) {
      assert.equal(service.history(id).at(-1)!.evidence, "dependency", what);
      assert.match(rec.message!, /^dependency never met: job j\w+ ended /, what);
    }
  });
}

function expected(plan: Plan[]): Array<{ ran: boolean; state: JobState }> {
  const out: Array<{ ran: boolean; state: JobState }> = [];
  for (const p of plan) {
    const met = p.deps.every((d) => {
      const s = out[d.on].state;
      return d.when === "any" || (d.when === "ok" ? s === "COMPLETED" : s !== "COMPLETED");
    });
    out.push(
      met
        ? { ran: true, state: p.exit === 0 ? "COMPLETED" as JobState : "FAILED" as JobState }
        : { ran: false, state: "FAILED" as JobState },
    );
  }
  return out;
}

describe("dependencies against a model (PBS simulator)", () => {
  it(
    "every job of a random dependency graph ends as the model says, qstat failing at random",
    { timeout: 300_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(graphs, qstatFaults, async (plan, { failing, seed }) => {
          const dir = mkdtempSync(join(tmpdir(), "psij-deps-model-"));
          const clock = new VirtualClock();
          const server = new SimServer({ clock, mode: "model" });
          const service = new JobService({
            store: new JobStore(":memory:"),
            executors: {
              sim: new PbsExecutor({
                workDir: join(dir, "work"),
                // qstat (and qhold's kin) failing at random: it changes no job (truth rule 2).
                runner: createSimRunner(
                  server,
                  new Faults(
                    [{ kind: "connect", commands: ["qstat"], probability: failing }],
                    seed,
                  ),
                ),
                clock,
              }),
            },
            defaultExecutor: "sim",
            clock,
          });
          try {
            const ids: string[] = [];
            for (const p of plan) {
              const { job } = await service.submit({
                version: 1,
                executable: "/bin/true",
                attributes: { duration: 3600 },
                dependsOn: p.deps.map((d) => ({ job: ids[d.on], when: d.when })),
              });
              ids.push(job.id);
              server.setOutcome(job.nativeId!.split(".")[0], {
                runtimeMs: p.minutes * 60_000,
                exitStatus: p.exit,
              });
            }
            const allFinal = () => ids.every((id) => isFinal(service.getRecord(id).state));
            for (let i = 0; i < 200 && !allFinal(); i++) await clock.advance(60_000);
            check(plan, ids, service);
          } finally {
            await service.close();
            rmSync(dir, { recursive: true, force: true });
          }
        }),
        { numRuns: 25 },
      );
    },
  );

  it("the same on the local executor, where the agent keeps the jobs back", {
    timeout: 300_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(graphs, async (plan) => {
        const service = new JobService({
          store: new JobStore(":memory:"),
          executors: { local: new LocalJobExecutor() },
          defaultExecutor: "local",
        });
        try {
          const ids: string[] = [];
          for (const p of plan) {
            const { job } = await service.submit({
              version: 1,
              executable: "/bin/sh",
              arguments: ["-c", `exit ${p.exit}`],
              dependsOn: p.deps.map((d) => ({ job: ids[d.on], when: d.when })),
            });
            ids.push(job.id);
          }
          const deadline = Date.now() + 60_000;
          while (!ids.every((id) => isFinal(service.getRecord(id).state))) {
            assert.ok(Date.now() < deadline, "every job ends");
            await new Promise((r) => setTimeout(r, 20));
          }
          check(plan, ids, service);
        } finally {
          await service.close();
        }
      }),
      { numRuns: 10 },
    );
  });
});
