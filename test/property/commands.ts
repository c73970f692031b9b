/**
 * The model commands a run is made of. Each prints as the line that builds it
 * again, so a shrunk counterexample can be pasted into a regression test.
 * @module
 */
import type fc from "fast-check";
import { ConflictError, SubmitFailedError } from "../../src/agent/errors.ts";
import { InvalidStateException, PsijError } from "../../src/core/errors.ts";
import type { Fault } from "../../simulator/faults.ts";
import type { Stack } from "../helpers/stack.ts";

/** What the test remembers: the ids of the jobs it asked the agent for. */
export interface Model {
  jobs: string[];
  /** Idempotency keys used: the request (as JSON) and the job it made. */
  keys?: Map<string, { doc: string; id: string }>;
}

export type Cmd = fc.AsyncCommand<Model, Stack>;

const show = (v: unknown) => JSON.stringify(v);

export class Submit implements Cmd {
  constructor(readonly doc: Record<string, unknown>) {}
  check = () => true;
  async run(m: Model, s: Stack) {
    let id: string;
    try {
      id = (await s.settle(s.agent.service.submit(this.doc))).job.id;
    } catch (err) {
      // A refused submission (a fault) is stored FAILED; anything else is a bug.
      if (!(err instanceof SubmitFailedError)) throw err;
      id = err.jobId;
    }
    if (m.jobs.includes(id) || !s.agent.store.getJob(id)) {
      throw new Error(`submit returned job ${id}, which is not a new stored job`);
    }
    m.jobs.push(id);
  }
  toString = () => `new Submit(${show(this.doc)})`;
}

/**
 * A submit with an Idempotency-Key from a small pool: the same key with the
 * same request returns the first job (across restarts too), never a second
 * one; the same key with another request is refused.
 */
export class SubmitKeyed implements Cmd {
  constructor(readonly doc: Record<string, unknown>, readonly key: string) {}
  check = () => true;
  async run(m: Model, s: Stack) {
    const keys = m.keys ??= new Map();
    const before = keys.get(this.key);
    const same = before?.doc === show(this.doc);
    let id: string;
    try {
      const r = await s.settle(s.agent.service.submit(this.doc, { idempotencyKey: this.key }));
      if (r.created === (before !== undefined)) {
        throw new Error(`key ${this.key}: created=${r.created} on use #${before ? 2 : 1}`);
      }
      id = r.job.id;
    } catch (err) {
      if (before && !same && err instanceof ConflictError) return;
      if (!(err instanceof SubmitFailedError) || before) throw err;
      id = err.jobId;
    }
    if (before) {
      if (!same) throw new Error(`key ${this.key} reused for another request was accepted`);
      if (id !== before.id) throw new Error(`key ${this.key} gave job ${id}, first ${before.id}`);
      return;
    }
    keys.set(this.key, { doc: show(this.doc), id });
    m.jobs.push(id);
  }
  toString = () => `new SubmitKeyed(${show(this.doc)}, ${show(this.key)})`;
}

/** Errors a cancel may end with: a job never submitted or already given up, a failed qdel. */
function expectedCancelError(err: unknown): boolean {
  return err instanceof InvalidStateException ||
    (err instanceof PsijError && /^qdel .* failed/.test(err.message));
}

export class Cancel implements Cmd {
  constructor(readonly pick: number, readonly twice: boolean) {}
  check = (m: Readonly<Model>) => m.jobs.length > 0;
  async run(m: Model, s: Stack) {
    const id = m.jobs[this.pick % m.jobs.length];
    const one = () =>
      s.settle(s.agent.service.cancel(id)).catch((err) => {
        if (!expectedCancelError(err)) throw err;
      });
    await Promise.all(this.twice ? [one(), one()] : [one()]);
  }
  toString = () => `new Cancel(${this.pick}, ${this.twice})`;
}

/**
 * The agent dies inside a cancel: qdel was sent (`after`: PBS deleted the
 * job; `before`: it never got there) and its reply never read. Then it comes
 * back after `downMs`.
 */
export class KillMidCancel implements Cmd {
  constructor(
    readonly pick: number,
    readonly when: "before" | "after",
    readonly downMs: number,
    readonly withSim = false,
  ) {}
  check = (m: Readonly<Model>) => m.jobs.length > 0;
  async run(m: Model, s: Stack) {
    const id = m.jobs[this.pick % m.jobs.length];
    const killed = new Promise<void>((resolve) => (s.agent.runner.onKill = resolve));
    s.agent.runner.killAt = { command: "qdel", when: this.when };
    const done = s.agent.service.cancel(id).then(() => true, () => true);
    // A job already final (or never submitted) sends no qdel: nothing to kill.
    const first = await s.settle(Promise.race([killed.then(() => false), done]), 60_000);
    s.agent.runner.killAt = undefined;
    if (first) return;
    await s.restart(this.downMs, this.withSim);
  }
  toString = () =>
    `new KillMidCancel(${this.pick}, ${show(this.when)}, ${this.downMs}${simArg(this.withSim)})`;
}

export class Advance implements Cmd {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_m: Model, s: Stack) {
    await s.advance(this.ms);
  }
  toString = () => `new Advance(${this.ms})`;
}

/** A fault; timed ones fire `inMs` from now, `pick` chooses a PBS job for per-job faults. */
export class Inject implements Cmd {
  constructor(readonly fault: Fault, readonly inMs = 0, readonly pick?: number) {}
  check = () => true;
  run(_m: Model, s: Stack) {
    const f = { ...this.fault };
    if ("atMs" in f) {
      f.atMs = s.clock.now() + this.inMs;
      if (this.pick !== undefined && (f.kind === "purge-history" || f.kind === "linger-e")) {
        const ids = [...s.simJobs.keys()];
        if (ids.length) f.id = ids[this.pick % ids.length];
      }
    }
    s.faults.inject(f);
    return Promise.resolve();
  }
  toString = () => `new Inject(${show(this.fault)}, ${this.inMs}, ${this.pick})`;
}

export class ClearFaults implements Cmd {
  check = () => true;
  run(_m: Model, s: Stack) {
    clearAllFaults(s);
    return Promise.resolve();
  }
  toString = () => `new ClearFaults()`;
}

export function clearAllFaults(s: Stack): void {
  s.faults.clear();
  for (const n of s.server.pool.nodes ?? []) s.server.reviveNode(n.name);
}

/** The agent is killed (with `withSim`, the simulator too, as with the embedded one). */
export class Restart implements Cmd {
  constructor(readonly downMs: number, readonly withSim = false) {}
  check = () => true;
  async run(_m: Model, s: Stack) {
    await s.restart(this.downMs, this.withSim);
  }
  toString = () => `new Restart(${this.downMs}${simArg(this.withSim)})`;
}

const simArg = (withSim: boolean) => (withSim ? ", true" : "");

/**
 * The agent dies inside a submit: the intent is stored, qsub was sent, and
 * the reply never read (`after`: PBS made the job; `before`: it never got
 * there). Then it comes back after `downMs`.
 */
export class KillMidSubmit implements Cmd {
  constructor(
    readonly doc: Record<string, unknown>,
    readonly when: "before" | "after",
    readonly downMs: number,
    readonly withSim = false,
  ) {}
  check = () => true;
  async run(m: Model, s: Stack) {
    const known = new Set(m.jobs);
    const killed = new Promise<void>((resolve) => (s.agent.runner.onKill = resolve));
    s.agent.runner.killAt = { command: "qsub", when: this.when };
    void s.agent.service.submit(this.doc).catch(() => {});
    await s.settle(killed, 60_000);
    const fresh = s.agent.store.listJobs({ limit: 1000 }).jobs.filter((j) => !known.has(j.id));
    m.jobs.push(...fresh.map((j) => j.id));
    await s.restart(this.downMs, this.withSim);
  }
  toString = () =>
    `new KillMidSubmit(${show(this.doc)}, ${show(this.when)}, ${this.downMs}${
      simArg(this.withSim)
    })`;
}
