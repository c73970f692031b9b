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

export class NodePool {
  readonly nodes: SimNode[];
  readonly byName = new Map<string, SimNode>();
  #buckets: Set<SimNode>[] = [];
  /** Up nodes with nothing on them (whole-node requests look only here). */
  #idle = new Set<SimNode>();
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
    for (let i = 0; i <= this.#maxNcpus; i++) this.#buckets.push(new Set());
    for (const n of this.nodes) this.#addUp(n);
  }

  #addUp(n: SimNode): void {
    if (n.idle) this.#idle.add(n);
    this.totalNcpus += n.spec.ncpus;
    this.totalMem += n.spec.memBytes;
    this.totalGpus += n.spec.ngpus;
    this.#track(n, 1);
  }

  /** Adds (sign 1) or removes (sign -1) a node's free amounts from the index. */
  #track(n: SimNode, sign: 1 | -1): void {
    if (n.down) return;
    const free = n.exclusive ? 0 : n.freeNcpus;
    if (sign === 1) this.#buckets[free].add(n);
    else this.#buckets[free].delete(n);
    if (!n.exclusive) {
      this.freeNcpus += sign * n.freeNcpus;
      this.freeMem += sign * n.freeMem;
      this.freeGpus += sign * n.freeGpus;
    }
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
      for (const n of this.#buckets[k]) {
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
    if (n.usedSlots++ === 0) this.#idle.delete(n);
    return slot;
  }

  #give(a: Alloc, i: number, c: Chunk, excl: boolean): void {
    const n = a[i] as SimNode;
    this.#track(n, -1);
    n.freeNcpus += c.ncpus;
    n.freeMem += c.memBytes;
    n.freeGpus += c.ngpus;
    if (excl) n.exclusive = false;
    this.#track(n, 1);
    n.slots[a[i + 1] as number] = false;
    if (--n.usedSlots === 0 && !n.down) this.#idle.add(n);
  }

  /**
   * Places every chunk or none. Returns the placements, or why it cannot
   * (the first resource that is short across the cluster, else "nodes").
   */
  place(chunks: Chunk[], place: Place): Alloc | Shortfall {
    const excl = place.sharing === "excl" || place.sharing === "exclhost";
    if (excl && place.arrangement !== "pack") {
      let count = 0;
      for (const c of chunks) count += c.count;
      if (count > this.#idle.size) return NO_NODES;
    }
    const taken: Alloc = [];
    if (place.arrangement === "pack") {
      let ncpus = 0, mem = 0, gpus = 0;
      for (const c of chunks) {
        ncpus += c.count * c.ncpus;
        mem += c.count * c.memBytes;
        gpus += c.count * c.ngpus;
      }
      const host = chunks.find((c) => c.host)?.host;
      const n = host
        ? this.#hostFits(host, ncpus, mem, gpus, excl)
        : this.#find(ncpus, mem, gpus, excl);
      if (!n) return this.shortfall(chunks);
      let first = true;
      for (const c of chunks) {
        for (let i = 0; i < c.count; i++) {
          const slot = this.#take(n, c.ncpus, c.memBytes, c.ngpus, excl && first);
          first = false;
          taken.push(n, slot);
        }
      }
      return taken;
    }
    const distinct = place.arrangement === "scatter" || place.arrangement === "vscatter" || excl;
    if (distinct) {
      // Hosts are used once each, so pick them all before taking anything:
      // a request that does not fit allocates nothing.
      const mark = ++this.#mark;
      const picked: SimNode[] = [];
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
      let k = 0;
      for (const c of chunks) {
        for (let i = 0; i < c.count; i++) {
          const n = picked[k++];
          taken.push(n, this.#take(n, c.ncpus, c.memBytes, c.ngpus, excl));
        }
      }
      return taken;
    }
    for (const c of chunks) {
      for (let i = 0; i < c.count; i++) {
        const n = c.host
          ? this.#hostFits(c.host, c.ncpus, c.memBytes, c.ngpus, excl)
          : this.#find(c.ncpus, c.memBytes, c.ngpus, excl);
        if (!n) {
          this.release(taken, chunks, excl);
          return this.shortfall(chunks);
        }
        taken.push(n, this.#take(n, c.ncpus, c.memBytes, c.ngpus, excl));
      }
    }
    return taken;
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

  /** The cluster-wide shortfall a scheduler comment names. */
  shortfall(chunks: Chunk[]): Shortfall {
    let ncpus = 0, mem = 0, gpus = 0;
    for (const c of chunks) {
      ncpus += c.count * c.ncpus;
      mem += c.count * c.memBytes;
      gpus += c.count * c.ngpus;
    }
    if (ncpus > this.freeNcpus) {
      return {
        kind: "resource",
        resource: "ncpus",
        requested: ncpus,
        available: this.freeNcpus,
        total: this.totalNcpus,
      };
    }
    if (mem > this.freeMem) {
      return {
        kind: "resource",
        resource: "mem",
        requested: mem,
        available: this.freeMem,
        total: this.totalMem,
      };
    }
    if (gpus > this.freeGpus) {
      return {
        kind: "resource",
        resource: "ngpus",
        requested: gpus,
        available: this.freeGpus,
        total: this.totalGpus,
      };
    }
    return { kind: "nodes" };
  }

  /** Marks a node down; returns the ids of the jobs that were on it. */
  setDown(name: string, down: boolean): string[] {
    const n = this.byName.get(name);
    if (!n || n.down === down) return [];
    this.#largest = undefined;
    this.#upCount = undefined;
    if (down) {
      this.#track(n, -1);
      this.#idle.delete(n);
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
