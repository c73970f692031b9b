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
import { HistoryQueue } from "./history.ts";
import { Alarm } from "./alarm.ts";
import type { SimJob, SubmitRequest } from "./job.ts";
import { becomeEligible, endRunningJob, finalizeJob } from "./lifecycle.ts";
import { scheduleModelEnd } from "./model.ts";
import { abortJob, deleteJob, holdJob, killNode, releaseJob } from "./requests.ts";
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
  /**
   * After a restart: takes over the job's process, still running or ended
   * meanwhile (its exit status then arrives as from a job it started).
   * False when the job left no trace of its process.
   */
  adopt?(job: SimJob): boolean;
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
  #alarm: Alarm;
  /** Called after each state change (tests). */
  onChange?: () => void;
  /**
   * Called at the end of each tick that changed something, before the
   * request or event that made the change returns (the journal writes it).
   */
  onSettled?: () => void;
  #unsettled = false;
  /**
   * Jobs changed since the journal last took them (top-level jobs: a subjob
   * counts for its array). Undefined, and not kept, without a journal.
   */
  touched?: Set<SimJob>;

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
    this.#alarm = new Alarm(this.clock, () => this.tick());
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
  /** Notes a change to a job's saved fields (see `touched`). */
  touch(job: SimJob): void {
    this.touched?.add(job.parent ?? job);
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
    this.#alarm.arm(this.events.peek()?.at);
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
    this.#alarm.arm(this.events.peek()?.at);
    if (this.#unsettled && this.onSettled) {
      this.onSettled(); // a throw leaves it unsettled: the next tick tries again
      this.#unsettled = false;
    }
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
    this.#unsettled = true;
    this.onChange?.();
  }

  #handle(ev: SimEvent): void {
    const job = ev.job;
    switch (ev.kind) {
      case "cycle":
        this.#cyclePending = false;
        runCycle(this);
        this.#unsettled = true;
        this.onChange?.();
        return;
      case "end":
        if (job.state === "R" && ev.gen === job.runGen) {
          endRunningJob(this, job, ev.exitStatus ?? 0);
        }
        break;
      case "walltime":
        if (job.state === "R" && ev.gen === job.runGen) {
          this.touch(job);
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
          this.touch(job);
          job.executionTime = undefined;
          becomeEligible(this, job);
        }
        break;
      case "linger":
        if (job.state === "E" && ev.gen === job.runGen) finalizeJob(this, job, ev.exitStatus);
        break;
      case "purge":
        this.history.purgeDue();
        break;
      case "depabort":
        if (!job.finished && job.dependFailed) this.abortJob(job);
        break;
    }
    this.#dirty = true;
  }

  get killDelayMs(): number {
    return this.config.killDelayMs ?? 10000;
  }

  readonly history = new HistoryQueue(this);

  addHistory(job: SimJob): void {
    this.history.add(job);
  }

  /** Drops a job (and its subjobs) from every table. */
  forget(job: SimJob): void {
    this.touch(job);
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
    } else this.placeNewJob(job);
    this.markDirty();
    this.tick();
    return job;
  }

  /** Puts a new or released job where it belongs: H, W, or in line. */
  placeNewJob(job: SimJob): void {
    this.touch(job);
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
    this.#request(() => deleteJob(this, id, user, opts));
  }

  /** Ends a job that can never run (dependency), with the reason as comment. */
  abortJob(job: SimJob): void {
    abortJob(this, job);
  }

  /** qhold: adds hold types; a running job keeps running. */
  hold(id: string, user: string, types = "u"): void {
    this.#request(() => holdJob(this, id, user, types));
  }

  /** qrls: drops hold types; with none left (and no pending dependency) the job queues. */
  release(id: string, user: string, types = "u"): void {
    this.#request(() => releaseJob(this, id, user, types));
  }

  /** Brings the server to the clock, acts, then schedules what changed. */
  #request(act: () => void): void {
    this.tick();
    act();
    this.markDirty();
    this.tick();
  }

  /** ctime() text for comments. */
  ctime(epochSeconds: number): string {
    return ctimeString(epochSeconds);
  }

  // ---- faults ------------------------------------------------------------

  /** A node dies: rerunnable jobs on it requeue, the others end. */
  killNode(name: string): void {
    this.#request(() => killNode(this, name));
  }

  reviveNode(name: string): void {
    this.#request(() => this.pool.setDown(name, false));
  }

  /** Drops finished jobs from history now (one id, or all). */
  purgeHistory(id?: string): void {
    this.tick();
    const victims = id
      ? [this.find(id)].filter((j) => j?.isHistory)
      : [...this.order()].filter((j) => j.isHistory);
    for (const j of victims) this.forget(j!);
    this.markDirty();
    this.tick();
  }

  /** The next time a job with this id ends, it lingers in E for `ms`. */
  lingerInE(id: string | undefined, ms: number): void {
    if (id === undefined) this.lingerAll = ms;
    else this.linger.set(this.normalizeId(id) ?? id, ms);
  }

  // ---- the clock loop ------------------------------------------------------

  /** Runs timed events as their time comes (execute mode, the CLI server). */
  start(): void {
    this.#alarm.start(this.events.peek()?.at);
  }

  stop(): void {
    this.#alarm.stop();
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

  /**
   * Execute mode: a job's process ended while no server watched it, and left
   * no exit status. It is not run again behind the user's back: it ends
   * with -4 (JOB_EXEC_INITABT, aborted on MoM initialization).
   */
  processLost(job: SimJob, gen: number): void {
    this.tick();
    if (job.state !== "R" || gen !== job.runGen) return;
    job.comment =
      "Job lost: its process ended while the simulator was down, leaving no exit status";
    endRunningJob(this, job, -4);
    this.markDirty();
    this.tick();
  }
}
