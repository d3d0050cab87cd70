// Node memory facts. The kubelet divides by the node's memory *capacity* (cAdvisor MemTotal,
// node.status.capacity.memory; pkg/kubelet/kuberuntime/kuberuntime_container_linux.go passes
// machineInfo.MemoryCapacity), not by allocatable. Allocatable only matters for fit.
import { Quantity, QuantityError } from './quantity.js';

/** Where the node facts came from: a flag, a Node manifest, the config file, the default, the cluster or a provider preset. */
export type NodeSource = 'flag' | 'node-file' | 'config' | 'default' | 'cluster' | 'preset';

/**
 * What the node holds back from pods, when known (a provider preset, core/node-presets.ts):
 * allocatable = capacity − kubeReserved − systemReserved − evictionHard (semantics.md §4.2).
 */
export interface NodeReservations {
  kubeReserved: bigint;
  systemReserved: bigint;
  /** The hard eviction threshold, memory.available. */
  evictionHard: bigint;
  /** How they were computed, with this node's numbers, and where the formula is published. */
  formula: string;
  source: string;
  /** The preset as written, e.g. "gke:16Gi". */
  preset: string;
}

export interface NodeFacts {
  /** Capacity used for oom_score_adj: the smallest across the nodes considered (worst case). */
  memoryCapacity: bigint;
  /** Smallest allocatable memory, when known. */
  memoryAllocatable: bigint | null;
  source: NodeSource;
  /** Names of the nodes considered (empty for a flag or the default). */
  nodeNames: string[];
  /** Range across several nodes; equal bounds for one. */
  capacityRange: { min: bigint; max: bigint };
  allocatableRange: { min: bigint; max: bigint } | null;
  /** Known reservations (a preset); absent otherwise. */
  reservations?: NodeReservations;
}

/** 16Gi: a common worker size (4 vCPU / 16 GiB). Stated in every report when used. */
export const DEFAULT_NODE_MEMORY = '16Gi';

export function nodeFactsFromCapacity(capacity: bigint, source: NodeSource, allocatable: bigint | null = null): NodeFacts {
  return {
    memoryCapacity: capacity,
    memoryAllocatable: allocatable,
    source,
    nodeNames: [],
    capacityRange: { min: capacity, max: capacity },
    allocatableRange: allocatable === null ? null : { min: allocatable, max: allocatable },
  };
}

export function defaultNodeFacts(): NodeFacts {
  return nodeFactsFromCapacity(Quantity.parse(DEFAULT_NODE_MEMORY).value(), 'default');
}

export class NodeError extends Error {
  constructor(message: string, readonly path: string) {
    super(message);
    this.name = 'NodeError';
  }
}

function memoryOf(list: unknown, path: string): bigint | null {
  if (list === undefined || list === null) return null;
  if (typeof list !== 'object' || Array.isArray(list)) throw new NodeError(`${path} must be a mapping`, path);
  const raw = (list as Record<string, unknown>).memory;
  if (raw === undefined || raw === null) return null;
  try {
    return Quantity.parse(raw as string | number, `${path}/memory`).value();
  } catch (err) {
    if (err instanceof QuantityError) throw new NodeError(err.message, `${path}/memory`);
    throw err;
  }
}

/**
 * Node facts from Node objects (a Node, or the items of a NodeList): capacity and allocatable
 * per node, judged on the worst case (smallest capacity, smallest allocatable).
 */
export function nodeFactsFromNodes(nodes: Array<{ object: unknown; pointer: string }>, source: NodeSource): NodeFacts {
  if (nodes.length === 0) throw new NodeError('no Node objects found', '');
  const names: string[] = [];
  const capacities: bigint[] = [];
  const allocatables: bigint[] = [];
  for (const { object, pointer } of nodes) {
    const node = object as { metadata?: { name?: string }; status?: { capacity?: unknown; allocatable?: unknown } };
    const name = node?.metadata?.name ?? '(unnamed)';
    const capacity = memoryOf(node?.status?.capacity, `${pointer}/status/capacity`);
    if (capacity === null) throw new NodeError(`node ${name} has no status.capacity.memory`, `${pointer}/status/capacity/memory`);
    if (capacity <= 0n) throw new NodeError(`node ${name} has a non-positive memory capacity`, `${pointer}/status/capacity/memory`);
    const allocatable = memoryOf(node?.status?.allocatable, `${pointer}/status/allocatable`);
    names.push(name);
    capacities.push(capacity);
    if (allocatable !== null) allocatables.push(allocatable);
  }
  const min = (xs: bigint[]) => xs.reduce((a, b) => (b < a ? b : a));
  const max = (xs: bigint[]) => xs.reduce((a, b) => (b > a ? b : a));
  const allocatableKnown = allocatables.length === capacities.length;
  return {
    memoryCapacity: min(capacities),
    memoryAllocatable: allocatableKnown ? min(allocatables) : null,
    source,
    nodeNames: names,
    capacityRange: { min: min(capacities), max: max(capacities) },
    allocatableRange: allocatableKnown ? { min: min(allocatables), max: max(allocatables) } : null,
  };
}

/** Memory a pod may use on the node: allocatable when known, otherwise capacity. */
export function nodeFitLimit(node: NodeFacts): { bytes: bigint; what: 'allocatable' | 'capacity' } {
  return node.memoryAllocatable !== null
    ? { bytes: node.memoryAllocatable, what: 'allocatable' }
    : { bytes: node.memoryCapacity, what: 'capacity' };
}
