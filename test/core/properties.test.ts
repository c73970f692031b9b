/**
 * fast-check properties of the core model, each against an independent model
 * written here. PROPERTY_RUNS (npm run test:deep) sets the number of runs.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ALL_STATES,
  computeResources,
  InvalidJobException,
  Job,
  JobState,
  type JobStatus,
  reportCallbackError,
  ResourceSpecV1,
  setCallbackErrorReporter,
} from "../../src/core/index.ts";
import { PROPERTY_RUNS, TestExecutor } from "./helpers.ts";

const S = JobState;
const SUCCESS_PATH = ["NEW", "QUEUED", "STAGE_IN", "ACTIVE", "STAGE_OUT", "CLEANUP", "COMPLETED"];
const FINALS = new Set(["COMPLETED", "FAILED", "CANCELED"]);

/** The model: what an observer must see for a sequence of updates, built step by step. */
function modelHistory(updates: JobState[]): string[] {
  const seen: string[] = [];
  let at = 0; // index on SUCCESS_PATH
  let ended = false;
  for (const u of updates) {
    if (ended) continue;
    if (u === "FAILED" || u === "CANCELED") {
      seen.push(u);
      ended = true;
      continue;
    }
    const target = SUCCESS_PATH.indexOf(u);
    while (at < target) {
      at++;
      seen.push(SUCCESS_PATH[at]);
    }
    if (SUCCESS_PATH[at] === "COMPLETED") ended = true;
  }
  return seen;
}

/** Gap-free and monotone: each step is the next success state or a direct FAILED/CANCELED. */
function checkWellFormed(history: readonly string[]): void {
  let prev = "NEW";
  history.forEach((s, i) => {
    assert.ok(!FINALS.has(prev), `nothing may follow the final state ${prev} (at ${i})`);
    const next = SUCCESS_PATH[SUCCESS_PATH.indexOf(prev) + 1];
    assert.ok(s === next || s === "FAILED" || s === "CANCELED", `${prev} → ${s} is a gap`);
    prev = s;
  });
  assert.ok(history.filter((s) => FINALS.has(s)).length <= 1, "ends at most once");
}

const stateArb = fc.constantFrom(...ALL_STATES);

describe("properties", () => {
  let reported = 0;
  before(() => setCallbackErrorReporter(() => reported++));
  const original = reportCallbackError;
  after(() => setCallbackErrorReporter(original));

  it("(a) any sequence of status updates gives the model's gap-free, monotone history, once per observer", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stateArb, { maxLength: 25 }), async (updates) => {
        const ex = new TestExecutor();
        const job = new Job({ executable: "/bin/true" });
        await ex.attach(job, "n1"); // bound, still NEW, no callback
        const jobSeen: string[] = [];
        const exSeen: string[] = [];
        job.addStatusCallback((_j, s) => jobSeen.push(s.state));
        ex.addJobStatusCallback((_j, s) => exSeen.push(s.state));
        for (const u of updates) ex.push(job, u);
        const expected = modelHistory(updates);
        assert.deepEqual(jobSeen, expected);
        assert.deepEqual(exSeen, expected);
        assert.deepEqual(job.history.map((s) => s.state), expected);
        checkWellFormed(jobSeen);
        assert.equal(job.status.state, expected.at(-1) ?? S.NEW);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it("(a) updates made from inside callbacks still give one well-formed history, in order", async () => {
    const reentrant = fc.array(
      fc.record({ state: stateArb, from: fc.option(stateArb, { nil: undefined }) }),
      { maxLength: 20 },
    );
    await fc.assert(
      fc.asyncProperty(reentrant, async (plan) => {
        const ex = new TestExecutor();
        const job = new Job({ executable: "/bin/true" });
        await ex.attach(job, "n1");
        // updates with `from` fire inside the callback for that state; the rest directly
        const pending = plan.filter((p) => p.from !== undefined);
        const seen: JobStatus[] = [];
        const thrownBefore = reported;
        job.addStatusCallback((_j, s) => {
          seen.push(s);
          for (const p of pending.filter((p) => p.from === s.state)) {
            pending.splice(pending.indexOf(p), 1);
            ex.push(job, p.state);
          }
          if (seen.length % 3 === 0) throw new Error("callbacks may throw");
        });
        for (const p of plan.filter((p) => p.from === undefined)) ex.push(job, p.state);
        const states = seen.map((s) => s.state);
        checkWellFormed(states);
        assert.deepEqual(seen, [...job.history], "each transition observed once, in order");
        assert.equal(reported, thrownBefore + Math.floor(seen.length / 3));
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it("(b) ResourceSpecV1 inference agrees with a brute-force search of consistent n, p, q", () => {
    const count = fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined });
    fc.assert(
      fc.property(count, count, count, (n, p, q) => {
        // every (N, P, Q) with N × Q = P that agrees with what was given
        const candidates: number[][] = [];
        for (let N = 1; N <= 12; N++) {
          for (let Q = 1; Q <= 12; Q++) {
            const P = N * Q;
            if ((n ?? N) === N && (p ?? P) === P && (q ?? Q) === Q) candidates.push([N, P, Q]);
          }
        }
        const given = [n, p, q].filter((v) => v !== undefined).length;
        let result: number[] | InvalidJobException;
        try {
          const c = computeResources({ nodeCount: n, processCount: p, processesPerNode: q });
          result = [c.nodeCount, c.processCount, c.processesPerNode];
        } catch (err) {
          assert.ok(err instanceof InvalidJobException);
          result = err;
        }
        if (candidates.length === 0) {
          assert.ok(result instanceof InvalidJobException, `expected an error for ${[n, p, q]}`);
          assert.match(result.field ?? "", /^resources\.(processCount|processesPerNode)$/);
          return;
        }
        assert.ok(!(result instanceof InvalidJobException), `${[n, p, q]}: ${result}`);
        if (given >= 2) assert.deepEqual([candidates.length, result], [1, candidates[0]]);
        else {
          // underdetermined: the documented choice, which must be consistent
          const choice = given === 0
            ? [1, 1, 1]
            : n !== undefined
            ? [n, n, 1]
            : p !== undefined
            ? [1, p, p]
            : [1, q!, q!];
          assert.deepEqual(result, choice);
          assert.ok(candidates.some((c) => c.join() === choice.join()));
        }
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it("(b) computed values always equal a fresh computation after any sequence of edits", () => {
    const field = fc.constantFrom("nodeCount", "processCount", "processesPerNode");
    const edit = fc.tuple(field, fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }));
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 10 }), (edits) => {
        const r = new ResourceSpecV1();
        for (const [f, v] of edits) {
          r[f] = v;
          const fresh = (() => {
            try {
              return computeResources({ ...r.fields() });
            } catch {
              return "error";
            }
          })();
          if (fresh === "error") assert.throws(() => r.computedNodeCount, InvalidJobException);
          else {
            assert.deepEqual(
              [r.computedNodeCount, r.computedProcessCount, r.computedProcessesPerNode],
              [fresh.nodeCount, fresh.processCount, fresh.processesPerNode],
            );
          }
        }
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});
