/**
 * ResourceSpecV1: nodes, processes, cores, GPUs, memory.
 *
 * The given values are kept as given; the computed ones are derived on every
 * read, so they follow later edits (psij-python's go stale).
 * @module
 */

import { InvalidJobException } from "./errors.ts";

export interface ResourceSpecFields {
  nodeCount?: number;
  processCount?: number;
  processesPerNode?: number;
  cpuCoresPerProcess?: number;
  gpuCoresPerProcess?: number;
  exclusiveNodeUse?: boolean;
  /** Bytes, for the whole job. */
  memory?: number;
}

export interface ComputedResources {
  nodeCount: number;
  processCount: number;
  processesPerNode: number;
  cpuCoresPerProcess: number;
  gpuCoresPerProcess: number;
  exclusiveNodeUse: boolean;
  memory?: number;
}

export class ResourceSpecV1 implements ResourceSpecFields {
  readonly version = 1;
  nodeCount?: number;
  processCount?: number;
  processesPerNode?: number;
  cpuCoresPerProcess?: number;
  gpuCoresPerProcess?: number;
  exclusiveNodeUse?: boolean;
  memory?: number;

  constructor(fields: ResourceSpecFields = {}) {
    Object.assign(this, stripUndefined(fields));
  }

  /** The given fields only (what a serializer writes). */
  fields(): ResourceSpecFields {
    const { nodeCount, processCount, processesPerNode, cpuCoresPerProcess } = this;
    const { gpuCoresPerProcess, exclusiveNodeUse, memory } = this;
    return stripUndefined({
      nodeCount,
      processCount,
      processesPerNode,
      cpuCoresPerProcess,
      gpuCoresPerProcess,
      exclusiveNodeUse,
      memory,
    });
  }

  /** Every value, inferred where not given. Throws InvalidJobException on inconsistency. */
  computed(path = "resources"): ComputedResources {
    return computeResources(this, path);
  }

  get computedNodeCount(): number {
    return this.computed().nodeCount;
  }
  get computedProcessCount(): number {
    return this.computed().processCount;
  }
  get computedProcessesPerNode(): number {
    return this.computed().processesPerNode;
  }
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function positiveInt(value: unknown, field: string, allowZero = false): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new InvalidJobException(
      `${field}: must be a ${allowZero ? "non-negative" : "positive"} integer, got ${
        JSON.stringify(value)
      }`,
      { field },
    );
  }
  return value;
}

export function computeResources(r: ResourceSpecFields, path = "resources"): ComputedResources {
  const nodes = positiveInt(r.nodeCount, `${path}.nodeCount`);
  const procs = positiveInt(r.processCount, `${path}.processCount`);
  const ppn = positiveInt(r.processesPerNode, `${path}.processesPerNode`);
  const cores = positiveInt(r.cpuCoresPerProcess, `${path}.cpuCoresPerProcess`) ?? 1;
  const gpus = positiveInt(r.gpuCoresPerProcess, `${path}.gpuCoresPerProcess`, true) ?? 0;
  if (r.exclusiveNodeUse !== undefined && typeof r.exclusiveNodeUse !== "boolean") {
    throw new InvalidJobException(`${path}.exclusiveNodeUse: must be true or false`, {
      field: `${path}.exclusiveNodeUse`,
    });
  }
  const memory = positiveInt(r.memory, `${path}.memory`);
  const base = {
    cpuCoresPerProcess: cores,
    gpuCoresPerProcess: gpus,
    exclusiveNodeUse: r.exclusiveNodeUse ?? false,
    memory,
  };

  const counts = inferCounts(nodes, procs, ppn, path);
  return { ...counts, ...base };
}

function inferCounts(
  nodes: number | undefined,
  procs: number | undefined,
  ppn: number | undefined,
  path: string,
): { nodeCount: number; processCount: number; processesPerNode: number } {
  const result = (n: number, p: number, q: number) => ({
    nodeCount: n,
    processCount: p,
    processesPerNode: q,
  });
  if (nodes === undefined && procs === undefined && ppn === undefined) return result(1, 1, 1);
  if (nodes !== undefined && procs !== undefined && ppn !== undefined) {
    if (nodes * ppn !== procs) {
      throw new InvalidJobException(
        `${path}.processCount: must equal nodeCount × processesPerNode (${nodes} × ${ppn} = ${
          nodes * ppn
        }), got ${procs}`,
        { field: `${path}.processCount` },
      );
    }
    return result(nodes, procs, ppn);
  }
  if (nodes !== undefined && procs !== undefined) {
    if (procs % nodes !== 0) {
      throw new InvalidJobException(
        `${path}.processCount: ${procs} is not divisible by nodeCount (${nodes})`,
        { field: `${path}.processCount` },
      );
    }
    return result(nodes, procs, procs / nodes);
  }
  if (nodes !== undefined && ppn !== undefined) return result(nodes, nodes * ppn, ppn);
  if (procs !== undefined && ppn !== undefined) {
    if (procs % ppn !== 0) {
      throw new InvalidJobException(
        `${path}.processesPerNode: processCount (${procs}) is not divisible by ${ppn}`,
        { field: `${path}.processesPerNode` },
      );
    }
    return result(procs / ppn, procs, ppn);
  }
  if (procs !== undefined) return result(1, procs, procs);
  if (nodes !== undefined) return result(nodes, nodes, 1);
  return result(1, ppn!, ppn!);
}
