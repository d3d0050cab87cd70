// From linted workloads to the simulation of their nodes (core/simulate.ts) and to the picture
// of a node (output/node-picture.ts). One replica of every workload's pod goes to the node the
// placement rule chose (core/placement.ts: nodeName, else the smallest node its selectors allow,
// else the smallest); each node is simulated on its own, under one stated usage model. The
// numbers (requests, limits, QoS, oom_score_adj) are the engine's: no second model. Pure.
import { simulateNode } from '../core/simulate.js';
import type { SimContainer, SimNode, SimPod, Simulation } from '../core/simulate.js';
import type { NodeFacts } from '../core/node.js';
import type { NodePlacer } from '../core/placement.js';
import { formatBytes } from '../core/quantity.js';
import type { ContainerResult, PodLike } from '../core/types.js';
import type { NodePicture, PicturePod } from '../output/node-picture.js';
import type { ReportedWorkload, Workload } from './types.js';

/** The kubelet's default hard eviction threshold: memory.available<100Mi (pkg/kubelet/apis/config/v1beta1/defaults_linux.go). */
export const DEFAULT_EVICTION_HARD = 100n * 1024n * 1024n;

/** How much memory each running container is taken to use (its working set). */
export type UsageModel =
  | { kind: 'request' | 'limit'; defaultUsage: bigint }
  /** FRACTION of the limit, else of the request; `text` as written, e.g. "0.8". */
  | { kind: 'fraction'; text: string; numerator: bigint; denominator: bigint; defaultUsage: bigint }
  /** "NAMESPACE/POD/CONTAINER" -> bytes; containers not listed follow `otherwise`. */
  | { kind: 'file'; file: string; usage: ReadonlyMap<string, bigint>; otherwise: Exclude<UsageModel, { kind: 'file' }> };

/** A decimal fraction as written ("0.8", "1.25"): exact numerator and denominator; null when not one. */
export function parseFraction(text: string): { numerator: bigint; denominator: bigint } | null {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (m === null) return null;
  const decimals = m[2] ?? '';
  const numerator = BigInt(m[1] + decimals);
  if (numerator === 0n) return null;
  return { numerator, denominator: 10n ** BigInt(decimals.length) };
}

/** "NAMESPACE/POD/CONTAINER": how a usage file names a container. */
export function usageKey(namespace: string, pod: string, container: string): string {
  return `${namespace}/${pod}/${container}`;
}

/** A container's usage under the model, and what it was taken from. */
export function containerUsage(c: Pick<ContainerResult, 'memoryRequest' | 'memoryLimit'>, model: UsageModel, key: string): { bytes: bigint; from: 'file' | 'limit' | 'request' | 'default' } {
  if (model.kind === 'file') {
    const given = model.usage.get(key);
    return given !== undefined ? { bytes: given, from: 'file' } : containerUsage(c, model.otherwise, key);
  }
  const order = model.kind === 'request' ? (['request', 'limit'] as const) : (['limit', 'request'] as const);
  for (const from of order) {
    const base = from === 'request' ? c.memoryRequest : c.memoryLimit;
    if (base === null) continue;
    return { bytes: model.kind === 'fraction' ? (base * model.numerator) / model.denominator : base, from };
  }
  return { bytes: model.defaultUsage, from: 'default' };
}

/** The model as the JSON report states it. */
export function usageModelJson(model: UsageModel): { model: 'request' | 'limit' | 'fraction' | 'file'; [k: string]: unknown } {
  const defaults = (m: Exclude<UsageModel, { kind: 'file' }>) => ({
    model: m.kind,
    ...(m.kind === 'fraction' ? { fraction: m.text } : {}),
    defaultUsage: jsonInteger(m.defaultUsage),
  });
  if (model.kind === 'file') return { model: 'file', file: model.file, containers: model.usage.size, otherwise: defaults(model.otherwise) };
  return defaults(model);
}

function jsonInteger(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

/** The model in words, for text reports. */
export function usageModelText(model: UsageModel): string {
  if (model.kind === 'file') return `from ${model.file} (${model.usage.size} containers); others ${usageModelText(model.otherwise)}`;
  const fallback = `containers with neither request nor limit use ${formatBytes(model.defaultUsage)}`;
  switch (model.kind) {
    case 'request':
      return `each container at its memory request (else its limit; ${fallback})`;
    case 'limit':
      return `each container at its memory limit (else its request; ${fallback})`;
    default:
      return `each container at ${model.text} × its memory limit (else × its request; ${fallback})`;
  }
}

/** Well-known PriorityClasses (pkg/apis/scheduling/types.go): a template names them, the Pod gets the value. */
const SYSTEM_PRIORITY: Readonly<Record<string, number>> = {
  'system-node-critical': 2000001000,
  'system-cluster-critical': 2000000000,
};

/** kubelettypes.IsCriticalPodBasedOnPriority: priority >= SystemCriticalPriority (2000000000). */
const SYSTEM_CRITICAL_PRIORITY = 2000000000;

/** spec.priority, else the value of a system PriorityClass, else 0 (other classes are cluster objects oomguard does not see). */
export function podPriority(pod: PodLike): number {
  const spec = pod.spec;
  if (typeof spec?.priority === 'number' && Number.isInteger(spec.priority)) return spec.priority;
  const cls = typeof spec?.priorityClassName === 'string' ? spec.priorityClassName : '';
  return SYSTEM_PRIORITY[cls] ?? 0;
}

/** Whether a container runs alongside the others (init containers have finished). */
function runs(c: ContainerResult): boolean {
  return c.type !== 'init';
}

/** One replica of the workload's pod as the simulation sees it. */
export function simPodOf(w: Workload, namespace: string, model: UsageModel): SimPod {
  const a = w.analysis;
  const priority = podPriority(w.defaultedPod);
  const containers: SimContainer[] = a.containers.filter(runs).map((c) => ({
    name: c.name,
    oomScoreAdj: c.oomScoreAdj,
    memoryRequest: c.memoryRequest,
    memoryLimit: c.memoryLimit,
    usage: containerUsage(c, model, usageKey(namespace, w.name, c.name)).bytes,
  }));
  return {
    namespace,
    name: w.name,
    priority,
    // Static and mirror pods, and system-critical priorities: evictPod refuses them.
    critical: a.nodeCritical || priority >= SYSTEM_CRITICAL_PRIORITY,
    qosClass: a.qosClass,
    memoryRequest: a.effectiveMemoryRequest,
    containers,
  };
}

/** Where a node's reservation numbers come from, for reports. */
export interface SimulatedNodeSource {
  /** One line: the preset formula, the Node object's allocatable, or the flag. */
  text: string;
  /** Assumptions made about this node's numbers (empty for a preset). */
  assumptions: string[];
}

/**
 * The node as the simulation needs it, from the facts of one node. A preset knows its
 * reservations. A Node object knows capacity and allocatable: what lies between is taken as
 * kube-reserved (the split with system-reserved does not change the result) beside the default
 * 100Mi eviction threshold. A bare capacity has no reservations: allocatable = capacity − 100Mi.
 */
export function simNodeOf(facts: NodeFacts, name: string): { node: SimNode; source: SimulatedNodeSource } {
  const capacity = facts.memoryCapacity;
  const r = facts.reservations;
  if (r !== undefined) {
    return {
      node: { name, capacity, allocatable: facts.memoryAllocatable ?? capacity - r.kubeReserved - r.systemReserved - r.evictionHard, evictionHard: r.evictionHard, kubeReserved: r.kubeReserved, systemReserved: r.systemReserved },
      source: { text: `--node-preset ${r.preset}: ${r.formula} (${r.source})`, assumptions: [] },
    };
  }
  const evictionHard = DEFAULT_EVICTION_HARD;
  if (facts.memoryAllocatable !== null) {
    const reserved = capacity - facts.memoryAllocatable - evictionHard;
    const kubeReserved = reserved > 0n ? reserved : 0n;
    return {
      node: { name, capacity, allocatable: facts.memoryAllocatable, evictionHard, kubeReserved, systemReserved: 0n },
      source: {
        text: `Node ${name}: capacity and allocatable from its status`,
        assumptions: [
          `the hard eviction threshold is the kubelet default memory.available<100Mi, and capacity − allocatable − 100Mi (${formatBytes(kubeReserved)}) is reserved for the kubelet and the system (counted as kube-reserved)`,
        ],
      },
    };
  }
  const allocatable = capacity > evictionHard ? capacity - evictionHard : 0n;
  return {
    node: { name, capacity, allocatable, evictionHard, kubeReserved: 0n, systemReserved: 0n },
    source: {
      text: facts.source === 'default' ? `default capacity ${formatBytes(capacity)} (pass --node-memory, --node or --node-preset)` : `capacity ${formatBytes(capacity)} (${facts.source === 'flag' ? '--node-memory' : 'node.memory in the config'})`,
      assumptions: ['no kube-reserved or system-reserved memory, and the kubelet default eviction threshold memory.available<100Mi: allocatable = capacity − 100Mi (pass --node or --node-preset for real reservations)'],
    },
  };
}

/** A workload on its node: what the simulation and the picture need of it. */
export interface PlacedWorkload {
  workload: Workload;
  /** metadata.namespace, else the default namespace. */
  namespace: string;
}

/** One node's simulation, with the workloads placed on it in input order. */
export interface NodeSimulation {
  name: string;
  facts: NodeFacts;
  source: SimulatedNodeSource;
  workloads: PlacedWorkload[];
  pods: SimPod[];
  simulation: Simulation;
}

/** A name for a node that has none (a capacity, a preset, the default). */
export function nodeDisplayName(facts: NodeFacts): string {
  if (facts.reservations !== undefined) return facts.reservations.preset;
  if (facts.nodeNames.length === 1) return facts.nodeNames[0];
  return `${formatBytes(facts.memoryCapacity)} node`;
}

/**
 * Workloads grouped by the node the placement rule chose for them (with a capacity alone, all on
 * one node), nodes in the order first used, each with the facts of that one node (a pod judged on
 * the smallest of several candidates goes to that smallest node). Simulate and explain's pictures
 * both draw per node from this.
 */
export function groupByNode<T extends { workload: Pick<ReportedWorkload, 'placement'> }>(items: readonly T[], placer: NodePlacer): Array<{ name: string; facts: NodeFacts; items: T[] }> {
  const byNode = new Map<string, { name: string; facts: NodeFacts; items: T[] }>();
  for (const item of items) {
    const node = item.workload.placement.node;
    const name = node ?? nodeDisplayName(placer.all);
    let entry = byNode.get(name);
    if (entry === undefined) {
      // The placement's facts cover all its candidates; the node's own are those of a pod bound to it.
      entry = { name, facts: node === null ? placer.all : placer.place({ spec: { nodeName: node } }).facts, items: [] };
      byNode.set(name, entry);
    }
    entry.items.push(item);
  }
  return [...byNode.values()];
}

/** Simulates every node that received a workload (groupByNode), each on its own. */
export function simulateWorkloads(workloads: readonly PlacedWorkload[], placer: NodePlacer, model: UsageModel): NodeSimulation[] {
  return groupByNode(workloads, placer).map(({ name, facts, items }) => {
    const { node, source } = simNodeOf(facts, name);
    const pods = items.map((pw) => simPodOf(pw.workload, pw.namespace, model));
    return { name, facts, source, workloads: items, pods, simulation: simulateNode(node, pods) };
  });
}

/** The pod-level limit as a whole: the pod-level limit, else the sum of the running containers' limits when every one has one. */
function podLimit(w: ReportedWorkload): bigint | null {
  const a = w.analysis;
  if (a.podMemoryLimit !== null) return a.podMemoryLimit;
  let sum = 0n;
  for (const c of a.containers.filter(runs)) {
    if (c.memoryLimit === null) return null;
    sum += c.memoryLimit;
  }
  return a.containers.some(runs) ? sum : null;
}

/** What the picture shows of a simulation, indexed once: by "namespace/pod" and "namespace/pod/container". */
interface SimulationRanks {
  evictionRank: Map<string, number>;
  refused: Set<string>;
  killRank: Map<string, number>;
  memcgOom: Set<string>;
}

/** Each key's first 1-based rank (two workloads of one name in a namespace: the first). */
function firstRanks(keys: readonly string[]): Map<string, number> {
  const ranks = new Map<string, number>();
  keys.forEach((key, i) => {
    if (!ranks.has(key)) ranks.set(key, i + 1);
  });
  return ranks;
}

function ranksOf(sim: NodeSimulation): SimulationRanks {
  const s = sim.simulation;
  return {
    evictionRank: firstRanks(s.eviction.ranking.map((e) => `${e.namespace}/${e.name}`)),
    refused: new Set(s.fit.refused.map((r) => `${r.namespace}/${r.name}`)),
    killRank: new Map(s.kernelOom.ranking.map((v, i) => [usageKey(v.namespace, v.name, v.container), i + 1])),
    memcgOom: new Set(s.memcgOom.map((m) => usageKey(m.namespace, m.pod, m.container))),
  };
}

/** A workload as a row of the picture, with the simulation's ranks and its pod's usage when given. */
function picturePod(pw: { workload: ReportedWorkload; namespace: string }, ranks: SimulationRanks | null, pod: SimPod | null): PicturePod {
  const w = pw.workload;
  const a = w.analysis;
  const podKey = `${pw.namespace}/${w.name}`;
  const usage = new Map((pod?.containers ?? []).map((c) => [c.name, c.usage]));
  const evictionRank = ranks?.evictionRank.get(podKey);
  return {
    namespace: w.namespace,
    name: w.name,
    kind: w.kind,
    qosClass: a.qosClass,
    memoryRequest: a.effectiveMemoryRequest > 0n ? a.effectiveMemoryRequest : null,
    memoryLimit: podLimit(w),
    ...(evictionRank !== undefined ? { evictionRank } : {}),
    ...(ranks !== null ? { placed: !ranks.refused.has(podKey) } : {}),
    containers: a.containers.map((c) => {
      const key = usageKey(pw.namespace, w.name, c.name);
      const killRank = ranks?.killRank.get(key);
      return {
        name: c.name,
        type: c.type,
        memoryRequest: c.memoryRequest,
        memoryLimit: c.memoryLimit,
        oomScoreAdj: c.oomScoreAdj,
        ...(usage.has(c.name) && runs(c) ? { usage: usage.get(c.name)! } : {}),
        ...(killRank !== undefined ? { oomKillRank: killRank } : {}),
        ...(ranks?.memcgOom.has(key) ? { memcgOom: true } : {}),
      };
    }),
  };
}

/** The picture of one simulated node: pods in eviction order (first evicted first), refused pods last. */
export function simulationPicture(sim: NodeSimulation, title: string, notes: string[]): NodePicture {
  const n = sim.simulation.node;
  const ranks = ranksOf(sim);
  // sim.pods[i] is sim.workloads[i]'s pod.
  const pods = sim.workloads.map((pw, i) => picturePod(pw, ranks, sim.pods[i]));
  const order = (p: PicturePod) => (p.placed === false ? Number.MAX_SAFE_INTEGER : (p.evictionRank ?? Number.MAX_SAFE_INTEGER - 1));
  pods.sort((a, b) => order(a) - order(b));
  return {
    title,
    node: { name: sim.name, capacity: n.capacity, systemReserved: n.systemReserved, kubeReserved: n.kubeReserved, evictionHard: n.evictionHard, allocatable: n.allocatable, source: sim.source.text },
    pods,
    notes,
  };
}

/** The picture of a node for explain: its workloads' requests, limits and oom_score_adj, no simulation. */
export function explainPicture(facts: NodeFacts, name: string, workloads: ReadonlyArray<{ workload: ReportedWorkload; namespace: string }>, title: string): NodePicture {
  const r = facts.reservations;
  const known = simNodeOf(facts, name);
  return {
    title,
    node: {
      name,
      capacity: facts.memoryCapacity,
      systemReserved: r?.systemReserved ?? null,
      kubeReserved: r?.kubeReserved ?? null,
      evictionHard: r?.evictionHard ?? null,
      allocatable: facts.memoryAllocatable,
      source: known.source.text,
    },
    pods: workloads.map((pw) => picturePod(pw, null, null)),
  };
}
