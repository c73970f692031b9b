/**
 * The simulated PBS server: its jobs, nodes, queues and agenda. Everything is
 * driven by the Clock: each request first brings the server up to `clock.now()`
 * (`tick`), processing timed events in order and running a scheduling cycle
 * after each instant that changed something. Nothing here reads the wall clock.
 * @module
 */
import { type Clock, realClock } from "../../src/core/clock.ts";
import {
  defaultNodes,
  type Outcome,
  type QueueConfig,
  type ServerConfig,
  TWO_WEEKS_MS,
} from "./config.ts";
import { registerDepends } from "./depend.ts";
import { PBSE, PbsError } from "./errors.ts";
import { EventHeap, type TimedEvent } from "./heap.ts";
import type { SimJob, SubmitRequest } from "./job.ts";
import {
  becomeEligible,
  endRunningJob,
  finalizeJob,
  removeFromShape,
  requeueJob,
} from "./lifecycle.ts";
import { NodePool } from "./nodes.ts";
import { seededRandom } from "./rng.ts";
import { runCycle, type Shape } from "./scheduler.ts";
import { createJob } from "./submit.ts";
import { ctimeString } from "../format/index.ts";

export type EventKind =
  | "end"
  | "walltime"
  | "cycle"
  | "exectime"
  | "purge"
  | "linger"
  | "depabort"
  | "sigkill";
export interface SimEvent extends TimedEvent {
  kind: EventKind;
  job: SimJob;
  gen: number;
  exitStatus?: number;
}

export interface QueueState {
  config: QueueConfig;
  shapes: Map<string, Shape>;
  /** A shape ran out of jobs this cycle (drop empty shapes). */
  emptied: boolean;
  /** Jobs in the queue that are not history (limits). */
  jobCount: number;
  running: number;
}

/** The execute-mode hook: something that runs a job's script like a MoM. */
export interface Executor {
  start(job: SimJob): number;
  signal(job: SimJob, signal: "SIGTERM" | "SIGKILL"): void;
  /** Appends a line to the job's stderr (walltime kill message). */
  noteStderr(job: SimJob, line: string): void;
}

export class SimServer {
  readonly name: string;
  readonly host: string;
  readonly clock: Clock;
  readonly config: ServerConfig;
  readonly pool: NodePool;
  readonly queues = new Map<string, QueueState>();
  readonly defaultQueue: string | undefined;
  readonly maxArraySize: number;
  /** Every job the server knows: live and history, parents and subjobs. */
  readonly jobs = new Map<string, SimJob>();
  /** Jobs that are not subjobs, in submission order (qstat with no operands). */
  *order(): Generator<SimJob> {
    for (const j of this.jobs.values()) if (!j.parent) yield j;
  }
  readonly events = new EventHeap<SimEvent>();
  /** Queues by priority (the scheduler walks them in this order). */
  readonly queueOrder: QueueState[];
  /** The scheduler's reusable agenda of shapes. */
  readonly agenda = new EventHeap<Shape>();
  readonly random: () => number;
  executor?: Executor;
  historyEnabled: boolean;
  historyRetentionMs: number;
  decisions = 0;
  #seq = 0;
  #evSeq = 0;
  #simNow: number;
  #dirty = false;
  #ticking = false;
  #sessionId: number;
  /** Jobs that will linger in E for the given ms when they next end. */
  readonly linger = new Map<string, number>();
  lingerAll = 0;
  #timer?: ReturnType<typeof setTimeout>;
  #armedAt?: number;
  #armGen = 0;
  #running = false;
  /** Called after each state change (tests, the CLI server's persistence). */
  onChange?: () => void;

  constructor(config: ServerConfig = {}) {
    this.config = config;
    this.name = config.name ?? "pbs-sim";
    this.host = config.host ?? this.name;
    this.clock = config.clock ?? realClock;
    this.#simNow = this.clock.now();
    this.pool = new NodePool(config.nodes ?? defaultNodes(1, 8, 16, 0, ""));
    for (const q of config.queues ?? [{ name: "workq" }]) {
      this.queues.set(q.name, {
        config: { ...q },
        shapes: new Map(),
        emptied: false,
        jobCount: 0,
        running: 0,
      });
    }
    this.queueOrder = [...this.queues.values()].sort((a, b) =>
      (b.config.priority ?? 0) - (a.config.priority ?? 0)
    );
    this.defaultQueue = config.defaultQueue ?? (this.queues.has("workq") ? "workq" : undefined);
    this.maxArraySize = config.maxArraySize ?? 10000;
    this.historyEnabled = config.historyEnabled ?? true;
    this.historyRetentionMs = config.historyRetentionMs ?? TWO_WEEKS_MS;
    this.random = seededRandom(config.seed ?? 1);
    this.#sessionId = (config.firstSessionId ?? 20001) - 1;
  }

  get mode(): "model" | "execute" {
    return this.config.mode ?? "model";
  }
  nowMs(): number {
    return this.#simNow;
  }
  nowSec(): number {
    return Math.floor(this.#simNow / 1000);
  }
  nextSeq(): number {
    this.#seq = this.#seq >= 9999999 ? 1 : this.#seq + 1;
    return this.#seq;
  }
  get lastSeq(): number {
    return this.#seq;
  }
  set lastSeq(v: number) {
    this.#seq = v;
  }
  nextSessionId(): number {
    return ++this.#sessionId;
  }
  markDirty(): void {
    this.#dirty = true;
  }

  /** Handled events, reused (a million job ends need not leave a million objects behind). */
  #spare: SimEvent[] = [];

  schedule(at: number, kind: EventKind, job: SimJob, exitStatus?: number): void {
    const ev = this.#spare.pop() ?? ({} as SimEvent);
    ev.at = at;
    ev.seq = this.#evSeq++;
    ev.kind = kind;
    ev.job = job;
    ev.gen = job.runGen;
    ev.exitStatus = exitStatus;
    this.events.push(ev);
    this.#arm();
  }

  /** Brings the server up to the clock: due events in order, cycles after each instant. */
  tick(): void {
    if (this.#ticking) return;
    this.#ticking = true;
    try {
      const target = Math.max(this.#simNow, this.#until ?? this.clock.now());
      for (;;) {
        const ev = this.events.peek();
        if (!ev || ev.at > target) break;
        this.events.pop();
        this.#simNow = Math.max(this.#simNow, ev.at);
        this.#handle(ev);
        if (this.#spare.length < 4096) {
          ev.job = undefined!;
          this.#spare.push(ev);
        }
        const next = this.events.peek();
        if (this.#dirty && (!next || next.at > this.#simNow)) this.#cycle();
      }
      this.#simNow = target;
      if (this.#dirty) this.#cycle();
    } finally {
      this.#ticking = false;
    }
    this.#arm();
  }

  /** Runs events up to `ms` regardless of the clock (benchmarks drive time directly). */
  runUntil(ms: number): void {
    this.#until = ms;
    try {
      this.tick();
    } finally {
      this.#until = undefined;
    }
  }
  #until?: number;

  nextEventTime(): number | undefined {
    return this.events.peek()?.at;
  }

  #cyclePending = false;

  #cycle(): void {
    this.#dirty = false;
    const delay = this.config.schedulerDelayMs ?? 0;
    if (delay > 0) {
      if (!this.#cyclePending) {
        this.#cyclePending = true;
        this.events.push({
          at: this.#simNow + delay,
          seq: this.#evSeq++,
          kind: "cycle",
          job: undefined!,
          gen: 0,
        });
      }
    } else runCycle(this);
    this.onChange?.();
  }

  #handle(ev: SimEvent): void {
    const job = ev.job;
    switch (ev.kind) {
      case "cycle":
        this.#cyclePending = false;
        runCycle(this);
        this.onChange?.();
        return;
      case "end":
        if (job.state === "R" && ev.gen === job.runGen) {
          endRunningJob(this, job, ev.exitStatus ?? 0);
        }
        break;
      case "walltime":
        if (job.state === "R" && ev.gen === job.runGen) {
          job.ending = "walltime";
          if (this.executor && this.mode === "execute") {
            const limit = job.resources.walltime ?? 0;
            const used = Math.floor((this.#simNow - (job.startedAtMs ?? 0)) / 1000);
            this.executor.noteStderr(
              job,
              `=>> PBS: job killed: walltime ${used} exceeded limit ${limit}`,
            );
            this.executor.signal(job, "SIGTERM");
            this.schedule(this.#simNow + this.killDelayMs, "sigkill", job);
          } else endRunningJob(this, job, -29);
        }
        break;
      case "sigkill":
        if (job.state === "R" && ev.gen === job.runGen) this.executor?.signal(job, "SIGKILL");
        break;
      case "exectime":
        if (job.state === "W") {
          job.executionTime = undefined;
          becomeEligible(this, job);
        }
        break;
      case "linger":
        if (job.state === "E" && ev.gen === job.runGen) finalizeJob(this, job, ev.exitStatus);
        break;
      case "purge":
        this.#purgeDue();
        break;
      case "depabort":
        if (!job.finished && job.dependFailed) this.abortJob(job, job.comment ?? "");
        break;
    }
    this.#dirty = true;
  }

  get killDelayMs(): number {
    return this.config.killDelayMs ?? 10000;
  }

  /**
   * Finished jobs in the order they finished: with one retention for all,
   * that is purge order, so one timed event (for the oldest) serves them all.
   */
  #history: SimJob[] = [];
  #historyHead = 0;
  #purgeArmed = false;

  addHistory(job: SimJob): void {
    this.#history.push(job);
    if (!this.#purgeArmed) this.#armPurge();
  }

  #purgeAt(job: SimJob): number {
    return ((job.historyTs ?? 0) + 1) * 1000 + this.historyRetentionMs;
  }

  #armPurge(): void {
    const next = this.#history[this.#historyHead];
    this.#purgeArmed = next !== undefined;
    if (next) this.schedule(Math.max(this.#purgeAt(next), this.#simNow), "purge", next);
  }

  #purgeDue(): void {
    const h = this.#history;
    while (this.#historyHead < h.length && this.#purgeAt(h[this.#historyHead]) <= this.#simNow) {
      const job = h[this.#historyHead++];
      if (this.jobs.get(job.id) === job && job.isHistory) this.forget(job);
    }
    if (this.#historyHead > 4096 && this.#historyHead * 2 > h.length) {
      this.#history = h.slice(this.#historyHead);
      this.#historyHead = 0;
    }
    this.#armPurge();
  }

  /** Drops a job (and its subjobs) from every table. */
  forget(job: SimJob): void {
    this.jobs.delete(job.id);
    for (const s of job.subjobs ?? []) this.jobs.delete(s.id);
  }

  // ---- requests -------------------------------------------------------

  /** Queues a job; returns it, or throws the server's PbsError. */
  submit(req: SubmitRequest): SimJob {
    this.tick();
    const job = createJob(this, req);
    registerDepends(this, job);
    this.jobs.set(job.id, job);
    for (const s of job.subjobs ?? []) this.jobs.set(s.id, s);
    this.queues.get(job.queue)!.jobCount++;
    if (job.dependFailed) {
      job.state = "H";
      job.substate = 22;
    } else this.#placeNewJob(job);
    this.markDirty();
    this.tick();
    return job;
  }

  #placeNewJob(job: SimJob): void {
    if (job.holdTypes !== "n") {
      job.state = "H";
      job.substate = job.holdTypes === "s" ? 22 : 20;
    } else if (job.executionTime !== undefined && job.executionTime * 1000 > this.#simNow) {
      job.state = "W";
      job.substate = 30;
      this.schedule(job.executionTime * 1000, "exectime", job);
    } else becomeEligible(this, job);
  }

  /** Expands `123` to `123.<server>`; undefined when the text is not a job id. */
  normalizeId(text: string): string | undefined {
    const m = /^(\d+)(\[\d*\])?(?:\.(.+))?$/.exec(text);
    if (!m) return undefined;
    const suffix = m[3] ?? this.name;
    const server = suffix.split(".")[0];
    return `${m[1]}${m[2] ?? ""}.${server === this.name.split(".")[0] ? this.name : suffix}`;
  }

  find(id: string): SimJob | undefined {
    const full = this.normalizeId(id);
    return full === undefined ? undefined : this.jobs.get(full);
  }

  /** Model mode: fixes a job's fate; a running job's end is rescheduled. */
  setOutcome(id: string, outcome: Outcome): void {
    this.tick();
    const job = this.find(id);
    if (!job) throw new PbsError(PBSE.UNKJOBID);
    job.outcome = outcome;
    if (job.state === "R" && this.mode === "model" && job.startedAtMs !== undefined) {
      job.runGen++;
      const startedAt = job.startedAtMs;
      scheduleModelEnd(this, job, startedAt);
    }
    this.tick();
  }

  /** qdel: ends or removes the job; throws PbsError like the server would. */
  deleteJob(id: string, user: string, opts: { force?: boolean; purge?: boolean } = {}): void {
    this.tick();
    const job = this.find(id);
    if (!job) throw new PbsError(PBSE.UNKJOBID);
    if (job.isHistory || (job.state === "X" && job.parent)) {
      if (opts.purge) {
        if (job.parent) throw new PbsError(PBSE.NOHISTARRAYSUBJOB);
        this.forget(job);
        return;
      }
      throw new PbsError(PBSE.HISTJOBID);
    }
    checkOwner(job, user);
    if (job.state === "E" && !opts.force) throw new PbsError(PBSE.BADSTATE);
    this.#delete(job, user, !!opts.force);
    if (opts.purge && job.isHistory) this.forget(job);
    this.markDirty();
    this.tick();
  }

  #delete(job: SimJob, user: string, force: boolean): void {
    if (job.subjobs) {
      for (const s of job.subjobs) if (!s.finished) this.#delete(s, user, force);
      if (!job.finished) finalizeJob(this, job, undefined, "deleted");
      return;
    }
    job.deletedBy = `${user}@${this.host}`;
    if (job.state === "R" || job.state === "E") {
      job.ending = force ? "forced" : "deleted";
      if (this.mode === "execute" && this.executor && job.state === "R") {
        this.executor.signal(job, force ? "SIGKILL" : "SIGTERM");
        if (!force) this.schedule(this.#simNow + this.killDelayMs, "sigkill", job);
        return;
      }
      if (job.state === "E") finalizeJob(this, job, job.exitStatus, "deleted");
      else endRunningJob(this, job, force ? 265 : 271);
      return;
    }
    removeFromShape(this, job);
    finalizeJob(this, job, undefined, "deleted");
  }

  /** Ends a job that can never run (dependency), with the reason as comment. */
  abortJob(job: SimJob, reason: string): void {
    removeFromShape(this, job);
    job.comment = reason;
    finalizeJob(this, job, undefined, "aborted");
  }

  /** qhold: adds hold types; a running job keeps running. */
  hold(id: string, user: string, types = "u"): void {
    this.tick();
    const job = this.#liveJob(id, user);
    if (job.state === "E") throw new PbsError(PBSE.BADSTATE);
    const targets = job.subjobs
      ? [job, ...job.subjobs.filter((s) => !s.finished && s.state !== "R")]
      : [job];
    for (const j of targets) {
      j.holdTypes = mergeHolds(j.holdTypes, types);
      if (j.state === "R" || j.state === "B") continue;
      removeFromShape(this, j);
      j.state = "H";
      j.substate = 20;
      j.comment = `Job held by ${user} on ${this.ctime(this.nowSec())}`;
      j.mtime = this.nowSec();
    }
    this.markDirty();
    this.tick();
  }

  /** qrls: drops hold types; with none left (and no pending dependency) the job queues. */
  release(id: string, user: string, types = "u"): void {
    this.tick();
    const job = this.#liveJob(id, user);
    const targets = job.subjobs ? [job, ...job.subjobs.filter((s) => s.state === "H")] : [job];
    for (const j of targets) {
      let holds = j.holdTypes === "n" ? "" : j.holdTypes;
      for (const t of types) {
        if (t !== "s" || j.depends.every((d) => d.pending.length === 0)) {
          holds = holds.replace(t, "");
        }
      }
      j.holdTypes = holds || "n";
      if (j.state !== "H") continue;
      j.mtime = this.nowSec();
      if (j.holdTypes === "n") {
        j.comment = undefined;
        if (j.parent && j.parent.state === "H") continue;
        this.#placeNewJob(j);
      } else j.substate = j.holdTypes === "s" ? 22 : 20;
    }
    this.markDirty();
    this.tick();
  }

  #liveJob(id: string, user: string): SimJob {
    const job = this.find(id);
    if (!job) throw new PbsError(PBSE.UNKJOBID);
    if (job.finished) throw new PbsError(PBSE.HISTJOBID);
    checkOwner(job, user);
    return job;
  }

  /** ctime() text for comments. */
  ctime(epochSeconds: number): string {
    return ctimeString(epochSeconds);
  }

  // ---- faults ------------------------------------------------------------

  /** A node dies: rerunnable jobs on it requeue, the others end. */
  killNode(name: string): void {
    this.tick();
    for (const id of this.pool.setDown(name, true)) {
      const job = this.jobs.get(id);
      if (!job || job.state !== "R") continue;
      if (this.mode === "execute") this.executor?.signal(job, "SIGKILL");
      if (job.req.rerunable !== false) {
        requeueJob(this, job, `Job requeued, execution node ${name} down`);
      } else {
        job.ending = "forced";
        job.comment = "Non-rerunable job deleted on requeue";
        endRunningJob(this, job, -20);
      }
    }
    this.markDirty();
    this.tick();
  }

  reviveNode(name: string): void {
    this.tick();
    this.pool.setDown(name, false);
    this.markDirty();
    this.tick();
  }

  /** Drops finished jobs from history now (one id, or all). */
  purgeHistory(id?: string): void {
    this.tick();
    const victims = id
      ? [this.find(id)].filter((j) => j?.isHistory)
      : [...this.order()].filter((j) => j.isHistory);
    for (const j of victims) this.forget(j!);
  }

  /** The next time a job with this id ends, it lingers in E for `ms`. */
  lingerInE(id: string | undefined, ms: number): void {
    if (id === undefined) this.lingerAll = ms;
    else this.linger.set(this.normalizeId(id) ?? id, ms);
  }

  // ---- the clock loop ------------------------------------------------------

  /** Runs timed events as their time comes (execute mode, the CLI server). */
  start(): void {
    this.#running = true;
    this.#arm();
  }

  stop(): void {
    this.#running = false;
    this.#armGen++;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = undefined;
  }

  #arm(): void {
    if (!this.#running) return;
    const next = this.events.peek()?.at;
    if (next === undefined || (this.#armedAt !== undefined && this.#armedAt <= next)) return;
    this.#armedAt = next;
    const gen = ++this.#armGen;
    const fire = () => {
      if (gen !== this.#armGen) return;
      this.#armedAt = undefined;
      this.#timer = undefined;
      this.tick();
      this.#arm();
    };
    const delay = Math.max(0, next - this.clock.now());
    if (this.clock === realClock) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = setTimeout(fire, Math.min(delay, 2 ** 31 - 1));
    } else void this.clock.sleep(delay).then(fire);
  }

  /** Execute mode: a job's process ended with this Exit_status. */
  processExited(job: SimJob, gen: number, exitStatus: number): void {
    this.tick();
    if (job.state !== "R" || gen !== job.runGen) return;
    let status = exitStatus;
    if (job.ending === "walltime") status = -29;
    endRunningJob(this, job, status);
    this.markDirty();
    this.tick();
  }
}

/** Only the owner (or root, the simulator's only manager) may act on a job. */
function checkOwner(job: SimJob, user: string): void {
  if (user !== job.req.user && user !== "root") throw new PbsError(PBSE.PERM);
}

function mergeHolds(current: string, add: string): string {
  const set = new Set((current === "n" ? "" : current) + add);
  return ["u", "o", "s", "p"].filter((c) => set.has(c)).join("") || "n";
}

/** Model mode: when and how the current run of `job` ends. */
export function scheduleModelEnd(srv: SimServer, job: SimJob, startedAt: number): void {
  let runtimeMs: number, exitStatus: number;
  const given = job.outcome ?? (srv.config.outcome && srv.config.outcome({
    id: job.id,
    name: job.name,
    arrayIndex: job.arrayIndex,
    script: job.req.script,
    runCount: job.runCount,
  }));
  if (given) ({ runtimeMs, exitStatus } = given);
  else {
    // The seeded default: no object per job (a million of them add up).
    const [min, max] = srv.config.runtimeMs ?? DEFAULT_RUNTIME;
    runtimeMs = Math.round(min + (max - min) * srv.random());
    exitStatus = srv.random() < (srv.config.failureRate ?? 0) ? 1 : 0;
  }
  const wall = job.resources.walltime;
  if (wall !== undefined && runtimeMs > wall * 1000) {
    srv.schedule(startedAt + (wall + 1) * 1000, "walltime", job);
  } else srv.schedule(startedAt + runtimeMs, "end", job, exitStatus);
}

const DEFAULT_RUNTIME: [number, number] = [60_000, 600_000];
