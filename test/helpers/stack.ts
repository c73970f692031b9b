/**
 * The whole agent stack on one virtual clock, for model-based tests: a real
 * JobStore (a file in a temp dir, so a restart really reopens it), the real
 * JobService, PbsExecutor and poller, and the simulator in model mode behind
 * its in-process runner with fault injection. Nothing is mocked; the only
 * additions are observers: a command log around the runner, the callbacks
 * and the event stream as a client sees them, and a record of every job the
 * simulator ever held (so its own record survives a history purge).
 *
 * An agent "incarnation" can be killed at any instant: its runner stops
 * answering (a dead process reads no more replies and sends no more
 * commands), its poller stops, its store is closed; the next incarnation
 * opens the same file and runs recovery. The simulator keeps its state in a
 * journal, as the agent's embedded one does, and can be killed with the
 * agent: a new server then loads what the old one had written, and must
 * know every job the old one knew, none of them twice.
 * @module
 */
import { mkdtempSync, rmSync } from "node:fs";
import { setImmediate } from "node:timers";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JobService } from "../../src/agent/service.ts";
import { JobStore } from "../../src/agent/store/store.ts";
import type { TransitionRecord } from "../../src/agent/store/types.ts";
import { flushMicrotasks, VirtualClock } from "../../src/core/clock.ts";
import type {
  CommandOptions,
  CommandResult,
  CommandRunner,
} from "../../src/core/command-runner.ts";
import { isJobState, type JobState, stateOrder } from "../../src/core/job-state.ts";
import { PbsExecutor } from "../../src/executors/pbs.ts";
import { userOf } from "../../simulator/commands/context.ts";
import { Faults } from "../../simulator/faults.ts";
import { persistServer, type SimJournal } from "../../simulator/journal.ts";
import { createSimRunner, type SimRunner } from "../../simulator/runner.ts";
import type { OutcomeQuery, ServerConfig } from "../../simulator/server/config.ts";
import type { SimJob } from "../../simulator/server/job.ts";
import { SimServer } from "../../simulator/server/server.ts";

/** The environment variable a spec carries to tell the model its fate: `r<seconds>x<exit>`. */
export const FATE_VAR = "PT_FATE_Q7";
const FATE_RE = new RegExp(`${FATE_VAR}=['"]?r(\\d+)x(\\d+)`);
const STAMP_RE = /^export PSIJ_AGENT_STAMP=(\S+)$/m;

/** The stamp (the agent's job id) a simulated job's script carries. */
export function stampOf(job: SimJob): string | undefined {
  return STAMP_RE.exec(job.req.script ?? "")?.[1];
}

export interface StackOptions {
  pollFloorMs?: number;
  pollCeilingMs?: number;
  graceMs?: number;
  commandTimeoutMs?: number;
  historyRetentionMs?: number;
  nodes?: number;
  ncpus?: number;
  /** Simulator: reproduce cJSON bug #2672 (once the encoder is switched to cJSON). */
  cjsonMultiIdBug?: boolean;
  /** Simulator: latency from an event to its scheduling cycle. */
  schedulerDelayMs?: number;
}

export interface CommandLog {
  incarnation: number;
  argv: string[];
  startMs: number;
  endMs?: number;
  result?: CommandResult;
  /** Started while the agent was restarting or reconciling (not the poller's). */
  duringRestart: boolean;
  /** Order of the start and the end among all command starts and ends. */
  startSeq: number;
  endSeq?: number;
  /** The simulator printed this reply with cJSON bug #2672 in effect. */
  cjsonBug?: boolean;
}

export interface CallbackSeen {
  incarnation: number;
  jobId: string;
  state: JobState;
}

const NEVER = new Promise<never>(() => {});

/** The runner one incarnation talks through: logs, and goes silent once killed. */
class IncarnationRunner implements CommandRunner {
  dead = false;
  /**
   * Arms a kill at the next run of `command`: `before` it reaches PBS, or
   * `after` PBS acted on it; either way its reply is never read.
   */
  killAt?: { command: string; when: "before" | "after" };
  onKill?: () => void;
  constructor(readonly stack: Stack, readonly n: number) {}

  async run(argv: readonly string[], options?: CommandOptions): Promise<CommandResult> {
    if (this.dead) return NEVER;
    const stack = this.stack;
    if (this.killAt && argv[0] === this.killAt.command) {
      const when = this.killAt.when;
      this.killAt = undefined;
      if (when === "after") await stack.sim.run(argv, options);
      stack.noteSimJobs();
      this.onKill?.();
      return NEVER;
    }
    const log: CommandLog = {
      incarnation: this.n,
      argv: [...argv],
      startMs: stack.clock.now(),
      duringRestart: stack.restarting || stack.reconciling,
      startSeq: stack.seq++,
    };
    stack.log.push(log);
    stack.onCommandStart(log);
    const r = stack.deliver
      ? await stack.deliver(stack.sim.run(argv, options), argv.join(" "))
      : await stack.sim.run(argv, options);
    if (this.dead) return NEVER;
    log.endMs = stack.clock.now();
    log.endSeq = stack.seq++;
    const c = stack.server.config;
    log.cjsonBug = !!c.cjsonMultiIdBug && c.jsonEncoder === "cjson";
    log.result = r;
    stack.noteSimJobs();
    stack.onCommandEnd(log);
    return r;
  }
}

export interface Incarnation {
  n: number;
  store: JobStore;
  executor: PbsExecutor;
  service: JobService;
  runner: IncarnationRunner;
  /** Store event id when this incarnation opened the store. */
  startEventId: number;
  /** Job states in the store when this incarnation opened it. */
  startStates: Map<string, JobState>;
  unsubscribe: () => void;
}

export class Stack {
  readonly clock = new VirtualClock();
  /** The simulator; a new one after `killSim`. */
  server: SimServer;
  readonly faults: Faults;
  sim: SimRunner;
  journal: SimJournal;
  readonly serverConfig: ServerConfig;
  readonly simStatePath: string;
  readonly dir: string;
  readonly storePath: string;
  readonly options: Required<StackOptions>;
  /** Every command any incarnation ran, in order. */
  readonly log: CommandLog[] = [];
  /** Every job the simulator ever held, by id (kept after purges). */
  readonly simJobs = new Map<string, SimJob>();
  /** When a job first appeared in the simulator, virtual ms. */
  readonly seenAt = new Map<string, number>();
  /** When the simulator forgot a job (history purged), virtual ms. */
  readonly purgedAt = new Map<string, number>();
  /** Every event the client's stream delivered, across restarts. */
  readonly events: TransitionRecord[] = [];
  /** Every executor-level callback, across incarnations. */
  readonly callbacks: CallbackSeen[] = [];
  /** Problems seen the moment they happened (checked by the invariants). */
  readonly violations: string[] = [];
  /**
   * The agent is reconciling an intent in the background (a lost qsub reply):
   * its look-ups are not the poller's.
   */
  get reconciling(): boolean {
    const a = this.agent as Incarnation | undefined;
    return !!a && !!(a.service as { recovering?: boolean }).recovering;
  }
  /** Hooks the invariants install to watch commands as they run. */
  commandStartHooks: Array<(log: CommandLog) => void> = [];
  commandEndHooks: Array<(log: CommandLog) => void> = [];
  /**
   * When set, every reply passes through it (the command has already acted):
   * a property test's fc.scheduler decides the order replies arrive in.
   */
  deliver?: <T>(reply: Promise<T>, label: string) => Promise<T>;
  agent!: Incarnation;
  restarting = false;
  seq = 0;
  #incarnations = 0;
  #callbackCursor = 0;

  constructor(options: StackOptions = {}) {
    this.options = {
      pollFloorMs: 1000,
      pollCeilingMs: 30_000,
      graceMs: 30_000,
      commandTimeoutMs: 20_000,
      historyRetentionMs: 600_000,
      nodes: 2,
      ncpus: 4,
      cjsonMultiIdBug: false,
      schedulerDelayMs: 0,
      ...options,
    };
    const o = this.options;
    this.serverConfig = {
      clock: this.clock,
      mode: "model",
      historyRetentionMs: o.historyRetentionMs,
      nodes: Array.from({ length: o.nodes }, (_, i) => ({
        name: `n${i + 1}`,
        ncpus: o.ncpus,
        memBytes: 2 ** 34,
        ngpus: 0,
      })),
      outcome: fateOf,
      cjsonMultiIdBug: o.cjsonMultiIdBug,
      schedulerDelayMs: o.schedulerDelayMs,
    };
    this.faults = new Faults([], 11);
    this.dir = mkdtempSync(join(tmpdir(), "psij-prop-"));
    this.storePath = join(this.dir, "agent.db");
    this.simStatePath = join(this.dir, "sim.json");
    [this.server, this.journal, this.sim] = this.#openSim();
  }

  /**
   * A simulator on the state file (a kill only needs the writes, not their
   * fsync), checking that every change it makes is one the journal hears of.
   */
  #openSim(): [SimServer, SimJournal, SimRunner] {
    const server = new SimServer(this.serverConfig);
    const journal = persistServer(server, this.simStatePath, {
      fsync: false,
      verify: true,
    });
    server.onChange = () => {
      if (server === this.server) this.noteSimJobs();
    };
    return [server, journal, createSimRunner(server, this.faults)];
  }

  /**
   * The simulator dies where it stands (with the agent: the embedded one is
   * in its process) and a new one loads what it had written. Every job the
   * old one knew must be there (unless its history was due to go), none
   * with another job's id, and none that had ended alive again.
   */
  killSim(): void {
    const old = this.server;
    this.journal.close();
    old.stop();
    [this.server, this.journal, this.sim] = this.#openSim();
    const now = this.clock.now();
    for (const [id, was] of old.jobs) {
      const is = this.server.jobs.get(id);
      if (!is) {
        const due = was.isHistory &&
          ((was.historyTs ?? 0) + 1) * 1000 + old.historyRetentionMs <= now;
        if (!due) this.violations.push(`the restarted simulator lost job ${id} (${was.state})`);
        continue;
      }
      if (stampOf(is) !== stampOf(was) || is.seq !== was.seq) {
        this.violations.push(`the restarted simulator gave ${id} to another job`);
      }
      if (was.finished && (!is.finished || is.exitStatus !== was.exitStatus)) {
        this.violations.push(
          `the restarted simulator has ${id} ${is.state} (Exit_status ${is.exitStatus}), ` +
            `it had ended ${was.state} (Exit_status ${was.exitStatus})`,
        );
      }
    }
    this.noteSimJobs();
  }

  onCommandStart(log: CommandLog): void {
    for (const h of this.commandStartHooks) h(log);
  }
  onCommandEnd(log: CommandLog): void {
    for (const h of this.commandEndHooks) h(log);
  }

  noteSimJobs(): void {
    for (const [id, j] of this.server.jobs) {
      const seen = this.simJobs.get(id);
      if (seen === j) continue;
      if (seen === undefined) this.seenAt.set(id, this.clock.now());
      else if (stampOf(seen) !== stampOf(j)) {
        this.violations.push(`PBS id ${id} was given to a second job`);
      }
      // The same job, as a restarted simulator holds it.
      this.simJobs.set(id, j);
    }
    if (this.simJobs.size === this.server.jobs.size + this.purgedAt.size) return;
    for (const id of this.simJobs.keys()) {
      if (!this.server.jobs.has(id) && !this.purgedAt.has(id)) {
        this.purgedAt.set(id, this.clock.now());
      }
    }
  }

  /** Opens the store and starts a fresh agent; runs recovery. */
  async start(): Promise<void> {
    const n = ++this.#incarnations;
    const store = new JobStore(this.storePath);
    const runner = new IncarnationRunner(this, n);
    const executor = new PbsExecutor({
      runner,
      clock: this.clock,
      workDir: join(this.dir, "work"),
      pollFloorMs: this.options.pollFloorMs,
      pollCeilingMs: this.options.pollCeilingMs,
      graceMs: this.options.graceMs,
      commandTimeoutMs: this.options.commandTimeoutMs,
      historyRetentionMs: this.options.historyRetentionMs,
      user: userOf(process.env as Record<string, string>),
      env: {},
      home: this.dir,
    });
    const service = new JobService({
      store,
      executors: { pbs: executor },
      defaultExecutor: "pbs",
      clock: this.clock,
    });
    // Registered after the service's own callback, so the store has written by now.
    executor.addJobStatusCallback((job, status) => {
      if (runner.dead) return;
      this.callbacks.push({ incarnation: n, jobId: job.id, state: status.state });
      this.#checkCallback(store, job.id, status.state);
    });
    const startEventId = store.lastEventId();
    this.#callbackCursor = startEventId;
    const startStates = new Map<string, JobState>();
    for (const t of store.eventsAfter(0, 1e9)) startStates.set(t.jobId, t.state);
    const after = this.events.length ? this.events[this.events.length - 1].eventId : 0;
    const unsubscribe = service.subscribe(after, (e) => {
      if (!runner.dead) this.events.push(e);
    });
    this.agent = { n, store, executor, service, runner, startEventId, startStates, unsubscribe };
    this.restarting = true;
    try {
      await this.settle(service.recover());
    } finally {
      this.restarting = false;
    }
  }

  /**
   * The store must have written exactly this transition just now (or nothing,
   * when it was already ahead of a re-attached job); writes the agent makes
   * without a Job (a refused submit, a failed attach) are the only others.
   */
  readonly #withDeps = new Map<string, boolean>();
  #hasDeps(store: JobStore, id: string): boolean {
    let v = this.#withDeps.get(id);
    if (v !== undefined) return v;
    const rec = store.getJob(id);
    if (!rec) return false;
    v = /"dependsOn"/.test(rec.specJson);
    this.#withDeps.set(id, v);
    return v;
  }

  #checkCallback(store: JobStore, jobId: string, state: JobState): void {
    const fresh = store.eventsAfter(this.#callbackCursor, 1e9);
    if (fresh.length) this.#callbackCursor = fresh[fresh.length - 1].eventId;
    // An array's own transitions follow its elements' (the service derives them): no callback.
    // A job with dependencies may have its end held back until its dependency's end is written,
    // and rewritten as FAILED for a dependency that can never be met: its transitions are not
    // paired with callbacks (the histories and the dependency checks cover it).
    const own = fresh.filter((t) =>
      !isAgentOwnWrite(t) && !jobId.startsWith(`${t.jobId}[`) && !this.#hasDeps(store, t.jobId)
    );
    if (this.#hasDeps(store, jobId)) return;
    const head = `callback ${jobId} ${state}`;
    if (own.length > 1) {
      this.violations.push(`${head}: the store wrote ${own.length} transitions for one callback`);
    } else if (own.length === 1) {
      if (own[0].jobId !== jobId || own[0].state !== state) {
        this.violations.push(
          `${head}: the store wrote ${own[0].jobId} ${own[0].state} instead (out of order)`,
        );
      }
    } else {
      const cur = store.getJob(jobId)?.state;
      if (cur === undefined || order(cur) < order(state)) {
        this.violations.push(`${head}: not stored (store has ${cur})`);
      }
    }
  }

  /** Kills the agent where it stands: no more replies, no more commands, nothing more written. */
  kill(): void {
    const a = this.agent;
    a.runner.dead = true;
    a.unsubscribe();
    void a.service.close();
    a.store.close();
  }

  /** Kills the agent (and with `withSim` the simulator too), waits `downMs`, starts a new one. */
  async restart(downMs = 0, withSim = false): Promise<void> {
    this.kill();
    if (withSim) this.killSim();
    if (downMs > 0) await this.advance(downMs);
    await this.start();
  }

  /**
   * Awaits `p` while letting time pass: a command that hangs on the virtual
   * clock (a fault) would otherwise never return. Steps of one second.
   */
  async settle<T>(p: Promise<T>, limitMs = 3_600_000): Promise<T> {
    let done = false;
    let value: T | undefined;
    let error: unknown;
    let failed = false;
    p.then((v) => {
      done = true;
      value = v;
    }, (e) => {
      done = true;
      failed = true;
      error = e;
    });
    await flushMicrotasks();
    const end = this.clock.now() + limitMs;
    while (!done && this.clock.now() < end) {
      await this.advance(1000);
    }
    if (!done) throw new Error(`still pending after ${limitMs} ms of virtual time`);
    if (failed) throw error;
    return value as T;
  }

  /**
   * Moves the clock by `ms`, stopping at every sleeper's wake time and letting
   * everything that wake set off run to its next wait before time moves on.
   * (VirtualClock.advance flushes a bounded number of microtask rounds per
   * wake; a poll cycle of many commands can outlast them and see the clock
   * jump mid-cycle, a schedule no real clock produces.)
   */
  async advance(ms: number): Promise<void> {
    const target = this.clock.now() + ms;
    for (;;) {
      const next = this.clock.nextWake();
      if (next === undefined || next > target) break;
      await this.clock.advanceTo(next);
      await drain();
    }
    await this.clock.advanceTo(target);
    await drain();
  }

  dispose(): void {
    try {
      this.kill();
    } catch {
      // already closed
    }
    this.journal.close();
    this.server.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Lets every queued microtask (and what it queues) run: one macrotask turn. */
function drain(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The model's fate of a job, from the marker its spec's environment carries. */
function fateOf(q: OutcomeQuery) {
  if (q.arrayIndex !== undefined) {
    const a = ARRAY_FATE_RE.exec(q.script ?? "");
    if (a) return arrayFate(q.arrayIndex, Number(a[1]), Number(a[2]));
  }
  const m = FATE_RE.exec(q.script ?? "");
  return m ? { runtimeMs: Number(m[1]) * 1000, exitStatus: Number(m[2]) } : undefined;
}

/**
 * An array element's fate from `PT_AFATE_Q7=<seconds>_<k>`: element i runs
 * seconds + (i % 5) * 3 s, and exits 3 when k > 0 and i % k is 0, else 0.
 */
export const ARRAY_FATE_VAR = "PT_AFATE_Q7";
const ARRAY_FATE_RE = new RegExp(`${ARRAY_FATE_VAR}=['"]?(\\d+)_(\\d+)`);
export function arrayFate(index: number, seconds: number, k: number) {
  return {
    runtimeMs: (seconds + (index % 5) * 3) * 1000,
    exitStatus: k > 0 && index % k === 0 ? 3 : 0,
  };
}

/** A state's place in PSI/J's order (core's), or -1 for a name that is no state. */
export function order(s: string): number {
  return isJobState(s) ? stateOrder(s) : -1;
}

/** Transitions the service writes itself, with no Job to call back (JobService.failJob). */
export function isAgentOwnWrite(t: TransitionRecord): boolean {
  return t.state === "FAILED" &&
    (t.evidence === "error" || t.evidence === "no-evidence") &&
    /^(submit failed|attach to |submission state unknown|executor ")/.test(t.message ?? "");
}
