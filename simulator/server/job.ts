/**
 * One job as the server keeps it. Times are epoch seconds, as PBS stores them.
 * @module
 */
import type { Outcome } from "./config.ts";
import { type Alloc, ALLOC_STRIDE, type SimNode } from "./nodes.ts";
import type { JobResources } from "./select.ts";
import { runAtString } from "./timefmt.ts";

export type JobState = "Q" | "H" | "W" | "R" | "E" | "B" | "X" | "F";

export type DependType = "after" | "afterok" | "afternotok" | "afterany";
export interface Dependency {
  type: DependType;
  /** Full ids of the jobs depended on that have not yet satisfied this. */
  pending: string[];
}

/** What a front end (or a test) asks the server to create. */
export interface SubmitRequest {
  /** Login name of the submitter. */
  user: string;
  name?: string;
  queue?: string;
  /** Merged `-l` pairs, in the order given. */
  resources?: [string, string][];
  hold?: boolean;
  /** Epoch seconds for `-a`. */
  executionTime?: number;
  /** Raw `-W depend=` value. */
  depend?: string;
  /** `-J` value. */
  array?: string;
  rerunable?: boolean;
  priority?: number;
  outputPath?: string;
  errorPath?: string;
  joinPath?: string;
  keepFiles?: string;
  mailPoints?: string;
  mailUsers?: string;
  checkpoint?: string;
  project?: string;
  account?: string;
  shell?: string;
  sandbox?: string;
  /** PBS_O_* and -v/-V variables, in order (the server appends PBS_O_QUEUE, PBS_O_HOST). */
  variables?: [string, string][];
  /** Submit_arguments as qsub decoded them. */
  submitArguments?: string;
  /** PBS_O_WORKDIR; default the submitter's home. */
  workdir?: string;
  /** The submitter's HOME (jobdir, execute-mode cwd). */
  home?: string;
  script?: string;
  executable?: string;
  argumentList?: string[];
  /** Other `-W attr=value` pairs, shown as given. */
  extraAttributes?: [string, string][];
  /** Model mode: this job's fate (a test's way to say how it ends). */
  outcome?: Outcome;
}

export interface ArraySpec {
  start: number;
  end: number;
  step: number;
  maxRun?: number;
  text: string;
}

export interface RanChunk {
  node: string;
  slot: number;
  ncpus: number;
  memBytes: number;
  ngpus: number;
}

interface JobExtra {
  depends: Dependency[];
  dependText?: string;
  dependents?: string[];
  dependFailed: boolean;
  ending?: "deleted" | "walltime" | "forced";
  deletedBy?: string;
  outcome?: Outcome;
  executionTime?: number;
  subjobs?: SimJob[];
  arraySpec?: ArraySpec;
  runningSubjobs: number;
  holdTypes?: string;
  note?: string;
  outputGiven?: string;
  errorGiven?: string;
  parent?: SimJob;
  arrayIndex?: number;
}

const NO_DEPENDS: Dependency[] = Object.freeze([]) as unknown as Dependency[];

/**
 * What a job was submitted with and never changes. Jobs of one request in one
 * queue share one (a million jobs of a few shapes hold a few of these, not
 * six fields each).
 */
interface Submitted {
  readonly req: SubmitRequest;
  readonly resources: JobResources;
  readonly name: string;
  readonly queue: string;
  readonly host: string;
  readonly variableList: string;
}

const submittedCache = new WeakMap<SubmitRequest, Submitted[]>();
function submitted(
  req: SubmitRequest,
  resources: JobResources,
  name: string,
  queue: string,
  host: string,
  variableList: string,
): Submitted {
  let list = submittedCache.get(req);
  if (!list) submittedCache.set(req, list = []);
  for (const s of list) {
    if (
      s.resources === resources && s.name === name && s.queue === queue && s.host === host &&
      s.variableList === variableList
    ) return s;
  }
  const s = { req, resources, name, queue, host, variableList };
  if (list.length < 16) list.push(s);
  return s;
}

/**
 * One job. Fields every job uses in every state are its own; what a few jobs
 * have (holds, notes, given paths, array membership, dependencies) lives in
 * an extra object made on first write, and what it was submitted with is
 * shared: a million finished jobs must fit the benchmark's memory.
 */
export class SimJob {
  state: JobState = "Q";
  substate = 10;
  etime?: number;
  stime?: number;
  obittime?: number;
  /** Where the job runs (or last ran): kept after the end for exec_host/exec_vnode. */
  alloc?: Alloc;
  /** True while the placements hold node resources. */
  onNodes = false;
  /**
   * The comment is kept in parts so a million history jobs do not each hold
   * a string: "Job run at <runAt> on <exec_vnode><suffix>", unless `note` is set.
   */
  runAt?: number;
  suffix = "";
  runCount = 0;
  exitStatus?: number;
  sessionId?: number;
  /** Seconds of walltime used when the job ended. */
  usedWalltime = 0;
  /** Bumped on every start/stop so stale timed events are ignored. */
  runGen = 0;
  /** Model mode: when the current run's end was decided, ms. */
  startedAtMs?: number;
  /** Set while the job is in a scheduling shape's queue. */
  shapeKey?: string;
  mtime: number;
  readonly #s: Submitted;

  constructor(
    readonly seq: number,
    readonly id: string,
    req: SubmitRequest,
    resources: JobResources,
    name: string,
    queue: string,
    public ctime: number,
    host: string,
    outputGiven: string | undefined,
    errorGiven: string | undefined,
    variableList: string,
    parent?: SimJob,
    arrayIndex?: number,
  ) {
    this.mtime = ctime;
    this.#s = submitted(req, resources, name, queue, host, variableList);
    if (outputGiven !== undefined) this.#extra.outputGiven = outputGiven;
    if (errorGiven !== undefined) this.#extra.errorGiven = errorGiven;
    if (parent) {
      this.#extra.parent = parent;
      this.#extra.arrayIndex = arrayIndex;
    }
  }
  get req(): SubmitRequest {
    return this.#s.req;
  }
  get resources(): JobResources {
    return this.#s.resources;
  }
  get name(): string {
    return this.#s.name;
  }
  get queue(): string {
    return this.#s.queue;
  }
  get host(): string {
    return this.#s.host;
  }
  get variableList(): string {
    return this.#s.variableList;
  }
  get outputGiven(): string | undefined {
    return this.#x?.outputGiven;
  }
  get errorGiven(): string | undefined {
    return this.#x?.errorGiven;
  }
  /** The array job a subjob belongs to. */
  get parent(): SimJob | undefined {
    return this.#x?.parent;
  }
  get arrayIndex(): number | undefined {
    return this.#x?.arrayIndex;
  }
  /** Hold types ("n": none; "u", "o", "s" and their combinations). */
  get holdTypes(): string {
    return this.#x?.holdTypes ?? "n";
  }
  set holdTypes(v: string) {
    if (v !== "n" || this.#x) this.#extra.holdTypes = v;
  }
  /** A comment set in full (replacing "Job run at ..."). */
  get note(): string | undefined {
    return this.#x?.note;
  }
  set note(v: string | undefined) {
    if (v !== undefined || this.#x) this.#extra.note = v;
  }
  /** Queued time: the server's only queue is where jobs are created, so ctime. */
  get qtime(): number {
    return this.ctime;
  }
  /** history_timestamp: when the job went into history, its obit time. */
  get historyTs(): number | undefined {
    return this.finished ? this.obittime : undefined;
  }
  /** Rarely used fields live here, made on first write (a million plain jobs stay small). */
  #x?: JobExtra;
  get #extra(): JobExtra {
    return this.#x ??= { depends: NO_DEPENDS, dependFailed: false, runningSubjobs: 0 };
  }
  /** Dependencies (shared empty list until the job has some). */
  get depends(): Dependency[] {
    return this.#x?.depends ?? NO_DEPENDS;
  }
  set depends(v: Dependency[]) {
    this.#extra.depends = v;
  }
  get dependText(): string | undefined {
    return this.#x?.dependText;
  }
  set dependText(v: string | undefined) {
    this.#extra.dependText = v;
  }
  /** Jobs that depend on this one. */
  get dependents(): string[] | undefined {
    return this.#x?.dependents;
  }
  set dependents(v: string[] | undefined) {
    this.#extra.dependents = v;
  }
  get dependFailed(): boolean {
    return this.#x?.dependFailed ?? false;
  }
  set dependFailed(v: boolean) {
    this.#extra.dependFailed = v;
  }
  /** Why a running job is being ended: set by qdel / walltime / node death. */
  get ending(): JobExtra["ending"] {
    return this.#x?.ending;
  }
  set ending(v: JobExtra["ending"]) {
    if (v !== undefined || this.#x) this.#extra.ending = v;
  }
  get deletedBy(): string | undefined {
    return this.#x?.deletedBy;
  }
  set deletedBy(v: string | undefined) {
    this.#extra.deletedBy = v;
  }
  get outcome(): Outcome | undefined {
    return this.#x?.outcome;
  }
  set outcome(v: Outcome | undefined) {
    if (v !== undefined || this.#x) this.#extra.outcome = v;
  }
  get executionTime(): number | undefined {
    return this.#x?.executionTime;
  }
  set executionTime(v: number | undefined) {
    if (v !== undefined || this.#x) this.#extra.executionTime = v;
  }
  /** Array parent: subjobs by index order. */
  get subjobs(): SimJob[] | undefined {
    return this.#x?.subjobs;
  }
  set subjobs(v: SimJob[] | undefined) {
    this.#extra.subjobs = v;
  }
  get arraySpec(): ArraySpec | undefined {
    return this.#x?.arraySpec;
  }
  set arraySpec(v: ArraySpec | undefined) {
    this.#extra.arraySpec = v;
  }
  /** Subjobs currently running (array parent only). */
  get runningSubjobs(): number {
    return this.#x?.runningSubjobs ?? 0;
  }
  set runningSubjobs(v: number) {
    this.#extra.runningSubjobs = v;
  }

  get comment(): string | undefined {
    if (this.note !== undefined) return this.note;
    if (this.runAt === undefined) return undefined;
    return `Job run at ${runAtString(this.runAt)} on ${this.execVnode}${this.suffix}`;
  }
  set comment(text: string | undefined) {
    this.note = text;
    this.runAt = undefined;
    this.suffix = "";
  }
  /** Appends " and finished" and the like to whatever the comment is. */
  appendComment(tail: string): void {
    if (this.note === undefined && this.runAt !== undefined) this.suffix += tail;
    else this.note = `${this.note ?? ""}${tail}`;
  }

  /** Where the job runs or ran, chunk by chunk. */
  get ranChunks(): RanChunk[] | undefined {
    const a = this.alloc;
    if (!a) return undefined;
    const out: RanChunk[] = [];
    let i = 0;
    for (const c of this.resources.chunks) {
      for (let r = 0; r < c.count && i < a.length; r++, i += ALLOC_STRIDE) {
        out.push({
          node: (a[i] as SimNode).name,
          slot: a[i + 1] as number,
          ncpus: c.ncpus,
          memBytes: c.memBytes,
          ngpus: c.ngpus,
        });
      }
    }
    return out;
  }
  get execHost(): string | undefined {
    return this.ranChunks?.map((x) => `${x.node}/${x.slot}${x.ncpus > 1 ? `*${x.ncpus}` : ""}`)
      .join("+");
  }
  get execVnode(): string | undefined {
    return this.ranChunks?.map((x) => {
      const parts = [`${x.node}:ncpus=${x.ncpus}`];
      if (x.memBytes) parts.push(`mem=${Math.ceil(x.memBytes / 1024)}kb`);
      if (x.ngpus) parts.push(`ngpus=${x.ngpus}`);
      return `(${parts.join(":")})`;
    }).join("+");
  }

  get outputPath(): string {
    return this.outputGiven ?? this.#defaultPath("o");
  }
  get errorPath(): string {
    return this.errorGiven ?? this.#defaultPath("e");
  }
  #defaultPath(letter: string): string {
    const dir = this.req.workdir ?? this.req.home ?? "/";
    const arr = this.arraySpec || this.parent ? ".^array_index^" : "";
    return `${this.host}:${dir}/${this.name}.${letter}${this.seq}${arr}`;
  }

  /** Scheduling order: queue_rank, then array index. */
  get rank(): number {
    return this.seq * 1e6 + (this.arrayIndex ?? 0);
  }
  get isHistory(): boolean {
    return this.state === "F" || (this.state === "X" && this.parent?.state === "F");
  }
  get finished(): boolean {
    return this.state === "F" || this.state === "X";
  }
}
