/**
 * The cluster's nodes and chunk placement. Nodes sit in buckets keyed by free
 * ncpus, so finding a host for a chunk costs O(max ncpus) plus the hosts
 * skipped for memory or GPUs, not O(nodes): 10,000 nodes stay cheap.
 * @module
 */
import type { Chunk, Place } from "./select.ts";

export interface NodeSpec {
  name: string;
  ncpus: number;
  memBytes: number;
  ngpus: number;
}

export class SimNode {
  freeNcpus: number;
  freeMem: number;
  freeGpus: number;
  down = false;
  /** Held whole by an `excl` job. */
  exclusive = false;
  /** Job ids running here (for node death). */
  readonly jobs = new Set<string>();
  /** exec_host slot numbers in use (`node/3`). */
  readonly slots: boolean[] = [];
  usedSlots = 0;
  /** Placement attempt that picked this node (distinct-host requests). */
  mark = 0;
  /** Its free-ncpus bucket (-1: in none) and neighbours there (see NodePool). */
  bucket = -1;
  prev?: SimNode;
  next?: SimNode;
  /** Counted among the pool's idle nodes. */
  inIdle = false;
  constructor(readonly spec: NodeSpec, readonly index: number) {
    this.freeNcpus = spec.ncpus;
    this.freeMem = spec.memBytes;
    this.freeGpus = spec.ngpus;
  }
  get name(): string {
    return this.spec.name;
  }
  get idle(): boolean {
    return this.usedSlots === 0;
  }
}

/**
 * Where a job's chunks went, flat: [node, slot] per chunk in select order
 * (the amounts are the chunk's own). One array per job, not an object per
 * chunk, kept after the run for exec_host/exec_vnode: a million jobs stay small.
 */
export type Alloc = (SimNode | number)[];
export const ALLOC_STRIDE = 2;

export type Shortfall =
  | {
    kind: "resource";
    resource: "ncpus" | "mem" | "ngpus";
    requested: number;
    available: number;
    total: number;
  }
  | { kind: "nodes" };

const NO_NODES: Shortfall = { kind: "nodes" };

/**
 * Nodes with the same free ncpus, in the order they came (as a Set would
 * iterate them), linked through the nodes: a node moves between buckets on
 * every take and give, and a Set's delete and add would leave its table
 * behind as garbage, millions of times in a large run.
 */
interface Bucket {
  head?: SimNode;
  tail?: SimNode;
}

export class NodePool {
  readonly nodes: SimNode[];
  readonly byName = new Map<string, SimNode>();
  #buckets: Bucket[] = [];
  /** Up nodes with nothing on them (whole-node requests need that many). */
  #idleCount = 0;
  #mark = 0;
  #maxNcpus = 0;
  totalNcpus = 0;
  freeNcpus = 0;
  totalMem = 0;
  freeMem = 0;
  totalGpus = 0;
  freeGpus = 0;

  constructor(specs: NodeSpec[]) {
    this.nodes = specs.map((s, i) => new SimNode(s, i));
    for (const n of this.nodes) {
      this.#maxNcpus = Math.max(this.#maxNcpus, n.spec.ncpus);
      this.byName.set(n.name, n);
    }
    for (let i = 0; i <= this.#maxNcpus; i++) this.#buckets.push({});
    for (const n of this.nodes) this.#addUp(n);
  }

  #addUp(n: SimNode): void {
    if (n.idle) this.#setIdle(n, true);
    this.totalNcpus += n.spec.ncpus;
    this.totalMem += n.spec.memBytes;
    this.totalGpus += n.spec.ngpus;
    this.#track(n, 1);
  }

  /** Adds (sign 1) or removes (sign -1) a node's free amounts from the index. */
  #track(n: SimNode, sign: 1 | -1): void {
    if (n.down) return;
    const free = n.exclusive ? 0 : n.freeNcpus;
    if (sign === 1) this.#link(n, free);
    else this.#unlink(n);
    if (!n.exclusive) {
      this.freeNcpus += sign * n.freeNcpus;
      this.freeMem += sign * n.freeMem;
      this.freeGpus += sign * n.freeGpus;
    }
  }

  #link(n: SimNode, k: number): void {
    if (n.bucket !== -1) this.#unlink(n);
    const b = this.#buckets[k];
    n.bucket = k;
    n.prev = b.tail;
    n.next = undefined;
    if (b.tail) b.tail.next = n;
    else b.head = n;
    b.tail = n;
  }

  #unlink(n: SimNode): void {
    if (n.bucket === -1) return;
    const b = this.#buckets[n.bucket];
    if (n.prev) n.prev.next = n.next;
    else b.head = n.next;
    if (n.next) n.next.prev = n.prev;
    else b.tail = n.prev;
    n.bucket = -1;
    n.prev = n.next = undefined;
  }

  #setIdle(n: SimNode, idle: boolean): void {
    if (n.inIdle === idle) return;
    n.inIdle = idle;
    this.#idleCount += idle ? 1 : -1;
  }

  #largest?: { ncpus: number; memBytes: number; ngpus: number };

  #upCount?: number;

  /** The largest single host, for "Can Never Run" (cached until a node goes up or down). */
  largest(): { ncpus: number; memBytes: number; ngpus: number } {
    if (this.#largest) return this.#largest;
    let ncpus = 0, memBytes = 0, ngpus = 0;
    for (const n of this.nodes) {
      if (n.down) continue;
      ncpus = Math.max(ncpus, n.spec.ncpus);
      memBytes = Math.max(memBytes, n.spec.memBytes);
      ngpus = Math.max(ngpus, n.spec.ngpus);
    }
    return this.#largest = { ncpus, memBytes, ngpus };
  }

  upCount(): number {
    if (this.#upCount !== undefined) return this.#upCount;
    let c = 0;
    for (const n of this.nodes) if (!n.down) c++;
    return this.#upCount = c;
  }

  #find(
    ncpus: number,
    mem: number,
    gpus: number,
    wholeNode: boolean,
    avoid = -1,
  ): SimNode | undefined {
    for (let k = Math.max(ncpus, 0); k <= this.#maxNcpus; k++) {
      for (let n = this.#buckets[k].head; n; n = n.next) {
        if (n.freeMem < mem || n.freeGpus < gpus) continue;
        if (wholeNode && !n.idle) continue;
        if (n.mark === avoid) continue;
        return n;
      }
    }
    return undefined;
  }

  #take(n: SimNode, ncpus: number, mem: number, gpus: number, excl: boolean): number {
    this.#track(n, -1);
    n.freeNcpus -= ncpus;
    n.freeMem -= mem;
    n.freeGpus -= gpus;
    if (excl) n.exclusive = true;
    this.#track(n, 1);
    let slot = n.slots.indexOf(false);
    if (slot < 0) slot = n.slots.length;
    n.slots[slot] = true;
    if (n.usedSlots++ === 0) this.#setIdle(n, false);
    return slot;
  }

  #give(a: Alloc, i: number, c: Chunk, excl: boolean): void {
    this.#giveTo(a[i] as SimNode, a[i + 1] as number, c, excl);
  }

  #giveTo(n: SimNode, slot: number, c: Chunk, excl: boolean): void {
    this.#track(n, -1);
    n.freeNcpus += c.ncpus;
    n.freeMem += c.memBytes;
    n.freeGpus += c.ngpus;
    if (excl) n.exclusive = false;
    this.#track(n, 1);
    n.slots[slot] = false;
    if (--n.usedSlots === 0 && !n.down) this.#setIdle(n, true);
  }

  /** Scratch for a placement in progress (one at a time): a failed attempt allocates nothing. */
  #picked: SimNode[] = [];
  #slots: number[] = [];
  #short: Shortfall & { kind: "resource" } = {
    kind: "resource",
    resource: "ncpus",
    requested: 0,
    available: 0,
    total: 0,
  };

  /**
   * Places every chunk or none. Returns the placements, or why it cannot
   * (the first resource that is short across the cluster, else "nodes"; the
   * answer is good until the next call). Only a placement that succeeds
   * allocates: its array, sized once, is kept for the job's whole life
   * (garbage between a million of them would fragment the heap).
   */
  place(chunks: Chunk[], place: Place): Alloc | Shortfall {
    const excl = place.sharing === "excl" || place.sharing === "exclhost";
    let count = 0;
    for (const c of chunks) count += c.count;
    if (excl && place.arrangement !== "pack" && count > this.#idleCount) return NO_NODES;
    const picked = this.#picked, slots = this.#slots;
    picked.length = 0;
    slots.length = 0;
    if (place.arrangement === "pack") {
      let ncpus = 0, mem = 0, gpus = 0;
      let host: string | undefined;
      for (const c of chunks) {
        ncpus += c.count * c.ncpus;
        mem += c.count * c.memBytes;
        gpus += c.count * c.ngpus;
        host ??= c.host;
      }
      const n = host
        ? this.#hostFits(host, ncpus, mem, gpus, excl)
        : this.#find(ncpus, mem, gpus, excl);
      if (!n) return this.shortfall(chunks);
      let first = true;
      for (const c of chunks) {
        for (let i = 0; i < c.count; i++) {
          slots.push(this.#take(n, c.ncpus, c.memBytes, c.ngpus, excl && first));
          picked.push(n);
          first = false;
        }
      }
      return this.#taken();
    }
    const distinct = place.arrangement === "scatter" || place.arrangement === "vscatter" || excl;
    if (distinct) {
      // Hosts are used once each, so pick them all before taking anything.
      const mark = ++this.#mark;
      for (const c of chunks) {
        for (let i = 0; i < c.count; i++) {
          const n = c.host
            ? this.#hostFits(c.host, c.ncpus, c.memBytes, c.ngpus, excl, mark)
            : this.#find(c.ncpus, c.memBytes, c.ngpus, excl, mark);
          if (!n) return this.shortfall(chunks);
          n.mark = mark;
          picked.push(n);
        }
      }
      let p = 0;
      for (const c of chunks) {
        for (let i = 0; i < c.count; i++) {
          slots.push(this.#take(picked[p++], c.ncpus, c.memBytes, c.ngpus, excl));
        }
      }
      return this.#taken();
    }
    for (const c of chunks) {
      for (let i = 0; i < c.count; i++) {
        const n = c.host
          ? this.#hostFits(c.host, c.ncpus, c.memBytes, c.ngpus, excl)
          : this.#find(c.ncpus, c.memBytes, c.ngpus, excl);
        if (!n) {
          this.#rollBack(chunks, excl);
          return this.shortfall(chunks);
        }
        picked.push(n);
        slots.push(this.#take(n, c.ncpus, c.memBytes, c.ngpus, excl));
      }
    }
    return this.#taken();
  }

  /** The scratch placement as the job's own array. */
  #taken(): Alloc {
    const picked = this.#picked, slots = this.#slots;
    const a: Alloc = new Array(picked.length * ALLOC_STRIDE);
    for (let i = 0, k = 0; i < picked.length; i++) {
      a[k++] = picked[i];
      a[k++] = slots[i];
    }
    picked.length = 0;
    return a;
  }

  /** Gives back the chunks taken so far by a placement that cannot finish. */
  #rollBack(chunks: Chunk[], excl: boolean): void {
    const picked = this.#picked, slots = this.#slots;
    let i = 0;
    for (const c of chunks) {
      for (let r = 0; r < c.count && i < slots.length; r++, i++) {
        this.#giveTo(picked[i], slots[i], c, excl && picked[i].exclusive);
      }
    }
    picked.length = 0;
  }

  #hostFits(
    name: string,
    ncpus: number,
    mem: number,
    gpus: number,
    whole: boolean,
    avoid = -1,
  ) {
    const n = this.byName.get(name);
    if (!n || n.down || n.exclusive || n.mark === avoid) return undefined;
    if (n.freeNcpus < ncpus || n.freeMem < mem || n.freeGpus < gpus || (whole && !n.idle)) {
      return undefined;
    }
    return n;
  }

  /** Gives back what `a` holds (a prefix of the chunks when a placement is rolled back). */
  release(a: Alloc, chunks: Chunk[], excl: boolean): void {
    let i = 0;
    for (const c of chunks) {
      for (let r = 0; r < c.count && i < a.length; r++, i += ALLOC_STRIDE) {
        this.#give(a, i, c, excl && (a[i] as SimNode).exclusive);
      }
    }
  }

  /** The cluster-wide shortfall a scheduler comment names (one reused answer: read it at once). */
  shortfall(chunks: Chunk[]): Shortfall {
    let ncpus = 0, mem = 0, gpus = 0;
    for (const c of chunks) {
      ncpus += c.count * c.ncpus;
      mem += c.count * c.memBytes;
      gpus += c.count * c.ngpus;
    }
    const s = this.#short;
    if (ncpus > this.freeNcpus) {
      s.resource = "ncpus";
      s.requested = ncpus;
      s.available = this.freeNcpus;
      s.total = this.totalNcpus;
    } else if (mem > this.freeMem) {
      s.resource = "mem";
      s.requested = mem;
      s.available = this.freeMem;
      s.total = this.totalMem;
    } else if (gpus > this.freeGpus) {
      s.resource = "ngpus";
      s.requested = gpus;
      s.available = this.freeGpus;
      s.total = this.totalGpus;
    } else return NO_NODES;
    return s;
  }

  /** Marks a node down; returns the ids of the jobs that were on it. */
  setDown(name: string, down: boolean): string[] {
    const n = this.byName.get(name);
    if (!n || n.down === down) return [];
    this.#largest = undefined;
    this.#upCount = undefined;
    if (down) {
      this.#track(n, -1);
      this.#setIdle(n, false);
      this.totalNcpus -= n.spec.ncpus;
      this.totalMem -= n.spec.memBytes;
      this.totalGpus -= n.spec.ngpus;
      n.down = true;
      return [...n.jobs];
    }
    n.down = false;
    this.#addUp(n);
    return [];
  }
}
