/**
 * Model-based property test of arrays and dependencies (issue 13) on the
 * whole stack: the real store, service, PBS executor and poller over the
 * simulator in model mode, with its faults, agent restarts (the simulator
 * dying too, sometimes) and cancels of whole arrays and of single elements.
 * After every command and at the end:
 *
 * - every stored history is gap-free and monotone (checkHistories);
 * - an array has exactly the elements of its range, and its summary counts
 *   what its elements are (final only when every element is);
 * - an element's end agrees with the simulator's record of that subjob:
 *   COMPLETED needs Exit_status 0, FAILED its exit code (or, with no
 *   evidence, a record PBS had purged), CANCELED the user's cancel of it or
 *   of its array and PBS's deletion of it (or a subjob that never ran);
 * - a dependent job ran only after what it depends on had ended, as the
 *   condition asks (`ok`: Exit_status 0; `notok`: not 0); one the agent
 *   failed for its dependency never ran.
 * @module
 */
import { describe, it } from "node:test";
import fc from "fast-check";
import { SubmitFailedError } from "../../src/agent/errors.ts";
import { isFinal } from "../../src/core/job-state.ts";
import { exitStatusMeaning } from "../../src/executors/pbs/state.ts";
import type { SimJob } from "../../simulator/server/job.ts";
import { ARRAY_FATE_VAR, FATE_VAR, Stack } from "../helpers/stack.ts";
import {
  Advance,
  Cancel,
  ClearFaults,
  type Cmd,
  Inject,
  type Model,
  Restart,
  Submit,
} from "./commands.ts";
import { checkHistories } from "./invariants.ts";
import { checkProperty, quiesce, runs, timeoutFor } from "./run.ts";

interface ArrayModel extends Model {
  arrays?: Map<string, number[]>;
  deps?: Map<string, { job: string; when: "ok" | "notok" | "any" }>;
  /** Ids the user asked to cancel (jobs, arrays, elements). */
  canceled?: Set<string>;
}

const show = (v: unknown) => JSON.stringify(v);

/** The indices of `start-end[:step]` (no `%` part). */
function indices(range: string): number[] {
  const m = /^(\d+)-(\d+)(?::(\d+))?/.exec(range)!;
  const out: number[] = [];
  for (let i = Number(m[1]); i <= Number(m[2]); i += Number(m[3] ?? 1)) out.push(i);
  return out;
}

export class SubmitArray implements Cmd {
  constructor(readonly range: string, readonly seconds: number, readonly k: number) {}
  check = () => true;
  async run(m: ArrayModel, s: Stack) {
    const doc = {
      version: 1,
      executable: "/bin/true",
      name: "arr",
      array: this.range,
      attributes: { duration: 3600 },
      environment: { [ARRAY_FATE_VAR]: `${this.seconds}_${this.k}` },
    };
    let id: string;
    try {
      id = (await s.settle(s.agent.service.submit(doc))).job.id;
    } catch (err) {
      if (!(err instanceof SubmitFailedError)) throw err;
      id = err.jobId;
    }
    m.jobs.push(id);
    (m.arrays ??= new Map()).set(id, indices(this.range));
  }
  toString = () => `new SubmitArray(${show(this.range)}, ${this.seconds}, ${this.k})`;
}

export class SubmitAfter implements Cmd {
  constructor(
    readonly pick: number,
    readonly when: "ok" | "notok" | "any",
    readonly seconds: number,
    readonly exit: number,
  ) {}
  check = (m: Readonly<ArrayModel>) => m.jobs.length > 0;
  async run(m: ArrayModel, s: Stack) {
    const on = m.jobs[this.pick % m.jobs.length];
    const doc = {
      version: 1,
      executable: "/bin/true",
      name: "after",
      dependsOn: [{ job: on, when: this.when }],
      environment: { [FATE_VAR]: `r${this.seconds}x${this.exit}` },
    };
    let id: string;
    try {
      id = (await s.settle(s.agent.service.submit(doc))).job.id;
    } catch (err) {
      // A job that failed at submit has no scheduler id to depend on: refused, naming it.
      if (!(err instanceof SubmitFailedError)) {
        if (/dependsOn/.test(String(err))) return;
        throw err;
      }
      id = err.jobId;
    }
    m.jobs.push(id);
    (m.deps ??= new Map()).set(id, { job: on, when: this.when });
  }
  toString = () =>
    `new SubmitAfter(${this.pick}, ${show(this.when)}, ${this.seconds}, ${this.exit})`;
}

/** Cancels an element of an array (or the whole job when it is none). */
class CancelElement implements Cmd {
  constructor(readonly pick: number, readonly element: number) {}
  check = (m: Readonly<ArrayModel>) => (m.arrays?.size ?? 0) > 0;
  async run(m: ArrayModel, s: Stack) {
    const arrays = [...m.arrays!.entries()];
    const [id, idx] = arrays[this.pick % arrays.length];
    const target = `${id}[${idx[this.element % idx.length]}]`;
    (m.canceled ??= new Set()).add(target);
    await s.settle(s.agent.service.cancel(target)).catch(() => {});
  }
  toString = () => `new CancelElement(${this.pick}, ${this.element})`;
}

/** Cancel of any job (an array as a whole too), remembered for the checks. */
class CancelJob extends Cancel {
  override async run(m: ArrayModel, s: Stack) {
    (m.canceled ??= new Set()).add(m.jobs[this.pick % m.jobs.length]);
    await super.run(m, s);
  }
  override toString = () => `new CancelJob(${this.pick}, ${this.twice})`;
}

function simOf(s: Stack, nativeId: string | undefined): SimJob | undefined {
  return nativeId === undefined ? undefined : s.simJobs.get(nativeId);
}

/** What the model's arrays and dependencies must satisfy now (`end`: everything is final). */
function checkArraysAndDeps(s: Stack, m: ArrayModel, end: boolean): string[] {
  const out: string[] = [];
  const store = s.agent.store;
  const canceled = m.canceled ?? new Set<string>();
  for (const [id, idx] of m.arrays ?? []) {
    const rec = store.getJob(id)!;
    const els = store.arrayElements(id);
    if (rec.nativeId === undefined) {
      if (els.length) out.push(`array ${id} has no native id but ${els.length} elements`);
      continue;
    }
    const want = idx.map((i) => `${id}[${i}]`).sort();
    const have = els.map((e) => e.id).sort();
    if (show(want) !== show(have)) out.push(`array ${id}: elements ${have}, range says ${want}`);
    const summary = s.agent.service.arraySummary(id);
    const counts: Record<string, number> = {};
    for (const e of els) counts[e.state] = (counts[e.state] ?? 0) + 1;
    if (summary && show(sorted(summary.counts)) !== show(sorted(counts))) {
      out.push(`array ${id}: summary ${show(summary.counts)}, elements ${show(counts)}`);
    }
    if (summary && summary.final !== els.every((e) => isFinal(e.state))) {
      out.push(`array ${id}: summary final=${summary.final} with elements ${show(counts)}`);
    }
    const parent = simOf(s, rec.nativeId);
    const purged = s.purgedAt.has(rec.nativeId);
    for (const e of els) {
      if (end && !isFinal(e.state)) out.push(`element ${e.id} not final: ${e.state}`);
      if (!isFinal(e.state)) continue;
      const i = Number(/\[(\d+)\]$/.exec(e.id)![1]);
      const sub = parent?.subjobs?.find((j) => j.arrayIndex === i);
      const el = store.getJob(e.id)!;
      const where = `element ${e.id} (${e.state}, PBS ${sub?.id ?? "none"} ${sub?.state}, ` +
        `Exit_status ${sub?.exitStatus}${sub?.deletedBy ? ", deleted" : ""})`;
      if (!sub) {
        out.push(`${where}: no subjob in PBS`);
        continue;
      }
      if (e.state === "CANCELED") {
        if (!canceled.has(e.id) && !canceled.has(id)) out.push(`${where}: nobody canceled it`);
        if (sub.deletedBy === undefined && sub.runCount > 0 && sub.exitStatus !== undefined) {
          out.push(`${where}: CANCELED, but it ended on its own`);
        }
      } else if (e.state === "COMPLETED") {
        if (!sub.finished || sub.exitStatus !== 0) out.push(`${where}: COMPLETED without it`);
      } else if (e.state === "FAILED") {
        const gone = purged && store.transitions(e.id).at(-1)?.evidence === "no-evidence";
        const m2 = exitStatusMeaning(sub.exitStatus);
        const agrees = sub.finished && m2.state === "FAILED" && el.exitCode === m2.exitCode;
        if (!gone && !agrees) out.push(`${where}: FAILED ${el.exitCode} (${el.message})`);
      }
    }
  }
  for (const [id, dep] of m.deps ?? []) {
    const rec = store.getJob(id)!;
    const on = store.getJob(dep.job)!;
    const sim = simOf(s, rec.nativeId);
    const onSim = simOf(s, on.nativeId);
    if (end && !isFinal(rec.state)) out.push(`dependent ${id} not final: ${rec.state}`);
    if (sim && sim.runCount > 0) {
      const where = `dependent ${id} (${dep.when} on ${dep.job}) ran`;
      if (!onSim) {
        // Never sent (the agent failed it): the agent decided the dependency on its stored end.
        const st = on.state;
        const met = isFinal(st) &&
          (dep.when === "any" || (dep.when === "ok") === (st === "COMPLETED"));
        if (!met) out.push(`${where}, but ${dep.job} (no PBS job) is ${st}`);
      } else if (!onSim.finished) out.push(`${where} before ${onSim.id} ended`);
      else if (dep.when === "ok" && onSim.exitStatus !== 0) {
        out.push(`${where} after ${onSim.id} ended Exit_status ${onSim.exitStatus}`);
      } else if (dep.when === "notok" && onSim.exitStatus === 0 && !onSim.deletedBy) {
        out.push(`${where} after ${onSim.id} ended Exit_status 0`);
      }
    }
    const last = store.transitions(id).at(-1);
    if (rec.state === "FAILED" && last?.evidence === "dependency" && sim && sim.runCount > 0) {
      out.push(`dependent ${id} FAILED for its dependency, yet PBS ran it`);
    }
  }
  return out;
}

function sorted(o: Record<string, number>): Array<[string, number]> {
  return Object.entries(o).filter(([, n]) => n > 0).sort();
}

function check(s: Stack, m: ArrayModel, end: boolean): void {
  const out = [...s.violations, ...checkHistories(s), ...checkArraysAndDeps(s, m, end)];
  if (out.length) throw new Error(`invariant violated:\n- ${out.join("\n- ")}`);
}

const range = fc.tuple(
  fc.integer({ min: 0, max: 3 }),
  fc.integer({ min: 1, max: 8 }),
  fc.integer({
    min: 1,
    max: 2,
  }),
  fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
).map(([a, n, step, limit]) =>
  `${a}-${a + n}${step > 1 ? `:${step}` : ""}${limit ? `%${limit}` : ""}`
);

const faults = fc.oneof(
  fc.constant(new Inject({ kind: "connect", commands: ["qstat"], count: 2 })),
  fc.constant(new Inject({ kind: "hang", commands: ["qstat"], count: 1, ms: 60_000 })),
  fc.constant(new Inject({ kind: "connect", commands: ["qdel"], count: 1 })),
  fc.integer({ min: 0, max: 30 }).map((p) =>
    new Inject({ kind: "purge-history", atMs: 0 }, 0, p) as Cmd
  ),
);

const simple = fc.record({
  seconds: fc.integer({ min: 1, max: 60 }),
  exit: fc.constantFrom(0, 0, 2),
}).map(({ seconds, exit }) =>
  new Submit({
    version: 1,
    executable: "/bin/true",
    environment: { [FATE_VAR]: `r${seconds}x${exit}` },
  }) as Cmd
);

const commands: fc.Arbitrary<Iterable<Cmd>> = fc.commands<Model, Stack, false>([
  fc.tuple(range, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 4 })).map((
    [r, sec, k],
  ) => new SubmitArray(r, sec, k)),
  simple,
  fc.tuple(
    fc.nat(20),
    fc.constantFrom("ok", "notok", "any"),
    fc.integer({ min: 1, max: 30 }),
    fc.constantFrom(0, 1),
  ).map(([p, w, sec, x]) => new SubmitAfter(p, w as "ok" | "notok" | "any", sec, x)),
  fc.tuple(fc.nat(20), fc.nat(20)).map(([p, e]) => new CancelElement(p, e)),
  fc.tuple(fc.nat(20), fc.boolean()).map(([p, t]) => new CancelJob(p, t)),
  fc.integer({ min: 500, max: 90_000 }).map((ms) => new Advance(ms)),
  faults,
  fc.constant(new ClearFaults()),
  fc.tuple(fc.integer({ min: 0, max: 120_000 }), fc.boolean()).map(([ms, sim]) =>
    new Restart(ms, sim)
  ),
], { maxCommands: 25 });

export async function runArrays(cmds: Iterable<Cmd>): Promise<void> {
  const stack = new Stack({ nodes: 2, ncpus: 4, pollFloorMs: 1000, pollCeilingMs: 10_000 });
  try {
    await stack.start();
    const model: ArrayModel = { jobs: [] };
    const checked = [...cmds].map((c): Cmd => ({
      check: (m) => c.check(m),
      run: async (m, s) => {
        await c.run(m, s);
        check(s, m as ArrayModel, false);
      },
      toString: () => c.toString(),
    }));
    await fc.asyncModelRun(() => ({ model, real: stack }), checked);
    await quiesce(stack);
    check(stack, model, true);
  } finally {
    stack.dispose();
  }
}

describe("arrays and dependencies (model-based, simulator under faults)", () => {
  const n = runs(200);
  it(
    "elements agree with PBS's subjobs, summaries with elements, dependents with what they wait for",
    { timeout: timeoutFor(n, 1500) },
    async () => {
      await checkProperty(
        "arrays model",
        fc.asyncProperty(commands, (cmds) => runArrays(cmds)),
        n,
      );
    },
  );
});
