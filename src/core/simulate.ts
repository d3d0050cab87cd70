// `oomguard simulate`: what happens on one node when its pods use the memory given. Pure,
// synchronous, no I/O, no clock. Four steps, each carrying the numbers behind it (docs/simulate.md):
//
// 1. fit (the scheduler's NodeResourcesFit, memory only): pods in input order, each admitted while
//    the sum of admitted requests stays <= allocatable; the others never run.
// 2. memcg OOM: a container whose usage exceeds its own memory limit is OOM-killed by its own
//    cgroup at the limit, whatever the node does; it counts at min(usage, limit) from then on.
// 3. eviction (pkg/kubelet/eviction): rankMemoryPressure = orderedBy(exceedMemoryRequests,
//    priority, memory) over the admitted pods; critical pods last (evictPod refuses them). Pressure
//    when memory.available = capacity - working set of root < evictionHard; one pod at a time in
//    rank order until memory.available >= evictionHard.
// 4. kernel OOM of the kubepods cgroup (memory.max = capacity - kubeReserved - systemReserved) when
//    the pods' usage exceeds it before eviction acts (the kubelet polls every 10 s): containers by
//    oom_badness (core/kernel-oom.ts), whole containers killed (memory.oom.group), until it fits.
import { OOM_SCORE_ADJ_MIN, oomKillOrder } from './kernel-oom.js';

export interface SimNode {
  name: string;
  /** Bytes (status.capacity.memory, MemTotal). */
  capacity: bigint;
  /** Bytes (status.allocatable.memory). */
  allocatable: bigint;
  /** memory.available hard eviction threshold, bytes. */
  evictionHard: bigint;
  /** Bytes (0 when unknown). */
  kubeReserved: bigint;
  /** Bytes (0 when unknown). */
  systemReserved: bigint;
  /** Default 4096. */
  pageSize?: bigint;
}

export interface SimContainer {
  name: string;
  /** From the core model (PodResult.containers[i].oomScoreAdj). */
  oomScoreAdj: number;
  memoryRequest: bigint | null;
  memoryLimit: bigint | null;
  /** Working set = RSS for this model, bytes. */
  usage: bigint;
}

export interface SimPod {
  namespace: string;
  name: string;
  /** spec.priority (0 when unset). */
  priority: number;
  /** Static/mirror pod or priority >= 2000000000: never evicted for memory pressure. */
  critical: boolean;
  qosClass: 'Guaranteed' | 'Burstable' | 'BestEffort';
  /** The pod's effective request as eviction counts it (PodResult.effectiveMemoryRequest). */
  memoryRequest: bigint;
  /** Only containers that run (regular + sidecars; not finished init containers). */
  containers: SimContainer[];
}

export const DEFAULT_PAGE_SIZE = 4096n;

/** One assumption of the model, stated in the result: `id` for machines, `text` for people. */
export interface Assumption {
  id: string;
  text: string;
}

export const ASSUMPTIONS: readonly Assumption[] = [
  {
    id: 'daemons-use-reservations',
    text: 'System and Kubernetes daemons use exactly their reservations: the root working set is systemReserved + kubeReserved + the pods\' usage.',
  },
  {
    id: 'usage-is-working-set-and-rss',
    text: "A container's usage is both its working set (what eviction measures) and its RSS (what the kernel scores), held by one process.",
  },
  {
    id: 'memcg-oom-at-limit',
    text: 'A container whose usage exceeds its memory limit is OOM-killed by its own cgroup at the limit, so it counts at its limit in eviction and in the node OOM.',
  },
  {
    id: 'scan-order-is-input-order',
    text: 'The kernel scans tasks in input order (pods, then their containers); the real order is a walk of the cgroup tree in creation order. It only matters for exact badness ties.',
  },
  {
    id: 'cgroup-v2-oom-group-no-swap',
    text: 'cgroup v2 with memory.oom.group=1 on container cgroups (Kubernetes >= 1.28, singleProcessOOMKill false): a kill frees the whole container. No swap.',
  },
  {
    id: 'kubepods-limit-enforced',
    text: 'The kubepods cgroup is limited to capacity - kubeReserved - systemReserved (--enforce-node-allocatable=pods, the default).',
  },
  {
    id: 'eviction-ties-input-order',
    text: "Pods the kubelet's ranking cannot tell apart keep their input order (the kubelet's sort.Sort is not stable: its order for such ties is unspecified).",
  },
  {
    id: 'no-overhead-no-pod-limit',
    text: 'Pod overhead, pause containers and pod-level memory limits are not modelled.',
  },
];

// ---- 1. fit ----

export interface FitDecision {
  namespace: string;
  name: string;
  request: bigint;
  /** Sum of the admitted requests with this pod added: <= allocatable when admitted; for a refused pod, the sum at which it would not fit. */
  requestsTotal: bigint;
}

export interface FitResult {
  allocatable: bigint;
  admitted: FitDecision[];
  refused: FitDecision[];
  /** Sum of the admitted pods' requests. */
  admittedRequests: bigint;
}

// ---- 2. memcg OOM ----

export interface MemcgOomKill {
  namespace: string;
  pod: string;
  container: string;
  /** The usage given. */
  usage: bigint;
  /** Its memory limit, where its own cgroup OOM-kills it. */
  limit: bigint;
}

// ---- 3. eviction ----

export interface EvictionCandidate {
  namespace: string;
  name: string;
  priority: number;
  /** The pod's effective memory request, bytes. */
  request: bigint;
  /** Working set: the sum of its containers' usage (each at most its limit), bytes. */
  usage: bigint;
  /** usage > request: ranked before every pod at or under its request. */
  exceedsRequest: boolean;
  /** usage - request (negative under the request): larger first among equals. */
  usageOverRequest: bigint;
  /** Never evicted for memory pressure; ranked last. */
  critical: boolean;
}

export interface EvictionStep {
  namespace: string;
  name: string;
  /** The pod's usage, freed by the eviction. */
  freed: bigint;
  /** The pods' usage once this pod is gone. */
  podUsageAfter: bigint;
  memoryAvailableAfter: bigint;
}

export interface EvictionResult {
  /** Every admitted pod, first to be evicted first; critical pods last. */
  ranking: EvictionCandidate[];
  /** Sum of the pods' usage. */
  podUsage: bigint;
  /** systemReserved + kubeReserved + podUsage (assumption daemons-use-reservations). */
  rootWorkingSet: bigint;
  /** capacity - rootWorkingSet (negative when the pods ask for more than the node has). */
  memoryAvailable: bigint;
  evictionHard: bigint;
  /** Pressure when the pods' usage exceeds this: capacity - systemReserved - kubeReserved - evictionHard. */
  pressureAbovePodUsage: bigint;
  /** memoryAvailable < evictionHard. */
  underPressure: boolean;
  /** The pods evicted, one at a time in rank order, until memory.available >= evictionHard (empty without pressure). */
  evictions: EvictionStep[];
  /** False when even evicting every non-critical pod leaves memory.available < evictionHard. */
  relieved: boolean;
}

// ---- 4. kernel OOM (kubepods memcg) ----

export interface OomVictim {
  namespace: string;
  /** The pod. */
  name: string;
  container: string;
  oomScoreAdj: number;
  /** Its usage (at most its limit), bytes. */
  rssBytes: bigint;
  /** rssBytes / pageSize, rounded down. */
  rssPages: bigint;
  /** rssPages + oomScoreAdj × (totalPages / 1000). */
  badness: bigint;
  /** Position in the kernel's scan (assumption scan-order-is-input-order); the later one wins a tie. */
  scanIndex: number;
}

export interface OomKillStep {
  victim: OomVictim;
  /** The pods' usage once this container is gone. */
  podUsageAfter: bigint;
}

export interface KernelOomResult {
  /** memory.max of the kubepods cgroup: capacity - kubeReserved - systemReserved. */
  kubepodsLimit: bigint;
  pageSize: bigint;
  /** totalpages of the memcg OOM: kubepodsLimit / pageSize (mem_cgroup_get_max, no swap). */
  totalPages: bigint;
  /** totalPages / 1000: the pages one point of oom_score_adj is worth. */
  pagesPerAdjPoint: bigint;
  podUsage: bigint;
  /** podUsage > kubepodsLimit: the kubepods cgroup OOMs. */
  triggered: boolean;
  /** Every container that can be killed, first victim first (whether or not the OOM happens). */
  ranking: OomVictim[];
  /** Containers with oom_score_adj -1000: never chosen. */
  unkillable: { namespace: string; name: string; container: string }[];
  /** The kills, in order, until the pods' usage fits in kubepodsLimit (empty when not triggered). */
  kills: OomKillStep[];
  /** False when killing every killable container still leaves the usage above the limit. */
  relieved: boolean;
}

export interface Simulation {
  node: Required<SimNode>;
  assumptions: readonly Assumption[];
  fit: FitResult;
  memcgOom: MemcgOomKill[];
  eviction: EvictionResult;
  kernelOom: KernelOomResult;
}

/** A container's usage once its own cgroup has acted: at most its limit (assumption memcg-oom-at-limit). */
export function effectiveUsage(c: SimContainer): bigint {
  return c.memoryLimit !== null && c.usage > c.memoryLimit ? c.memoryLimit : c.usage;
}

export function podUsage(pod: SimPod): bigint {
  return pod.containers.reduce((sum, c) => sum + effectiveUsage(c), 0n);
}

// ---- the kubelet's ranking (pkg/kubelet/eviction/helpers.go) ----

/** What rankMemoryPressure reads of a pod: its priority, its working set and its request. */
export interface RankedPod {
  priority: number;
  request: bigint;
  usage: bigint;
}

/** A cmpFunc: negative when p1 is evicted before p2. */
export type EvictionComparator = (p1: RankedPod, p2: RankedPod) => number;

/** cmpBool: true before false. */
function cmpBool(a: boolean, b: boolean): number {
  if (a === b) return 0;
  return b ? 1 : -1;
}

/**
 * The memory comparators of the kubelet, by their Go names. The "no stats found" branches do not
 * apply: every simulated pod has its usage.
 */
export const evictionComparators = {
  /** exceedMemoryRequests: pods whose usage exceeds their request first. */
  exceedMemoryRequests: (p1: RankedPod, p2: RankedPod) => cmpBool(p1.usage > p1.request, p2.usage > p2.request),
  /** priority: lower spec.priority first. */
  priority: (p1: RankedPod, p2: RankedPod) => (p1.priority === p2.priority ? 0 : p1.priority > p2.priority ? 1 : -1),
  /** memory: larger usage - request first (p2Memory.Cmp(p1Memory)). */
  memory: (p1: RankedPod, p2: RankedPod) => {
    const d1 = p1.usage - p1.request;
    const d2 = p2.usage - p2.request;
    return d2 === d1 ? 0 : d2 > d1 ? 1 : -1;
  },
} satisfies Record<string, EvictionComparator>;

export type EvictionComparatorName = keyof typeof evictionComparators;

/**
 * orderedBy(cmp...).Sort(pods): the first comparator that tells two pods apart decides. Returns a
 * sorted copy. Full ties keep their input order (Array.prototype.sort is stable); the kubelet's
 * multiSorter uses sort.Sort, which is not, so its order for full ties is unspecified.
 */
export function orderedBy<T extends RankedPod>(pods: readonly T[], ...comparators: readonly EvictionComparator[]): T[] {
  return [...pods].sort((a, b) => {
    for (const cmp of comparators) {
      const r = cmp(a, b);
      if (r !== 0) return r;
    }
    return 0;
  });
}

/** rankMemoryPressure: orderedBy(exceedMemoryRequests, priority, memory). */
export function rankMemoryPressure<T extends RankedPod>(pods: readonly T[]): T[] {
  const { exceedMemoryRequests, priority, memory } = evictionComparators;
  return orderedBy(pods, exceedMemoryRequests, priority, memory);
}

// ---- the simulation ----

function fitPods(node: SimNode, pods: readonly SimPod[]): { fit: FitResult; running: SimPod[] } {
  const admitted: FitDecision[] = [];
  const refused: FitDecision[] = [];
  const running: SimPod[] = [];
  let sum = 0n;
  for (const pod of pods) {
    const total = sum + pod.memoryRequest;
    const decision = { namespace: pod.namespace, name: pod.name, request: pod.memoryRequest, requestsTotal: total };
    if (total <= node.allocatable) {
      sum = total;
      admitted.push(decision);
      running.push(pod);
    } else {
      refused.push(decision);
    }
  }
  return { fit: { allocatable: node.allocatable, admitted, refused, admittedRequests: sum }, running };
}

function memcgOomKills(running: readonly SimPod[]): MemcgOomKill[] {
  const out: MemcgOomKill[] = [];
  for (const pod of running) {
    for (const c of pod.containers) {
      if (c.memoryLimit !== null && c.usage > c.memoryLimit) {
        out.push({ namespace: pod.namespace, pod: pod.name, container: c.name, usage: c.usage, limit: c.memoryLimit });
      }
    }
  }
  return out;
}

function evict(node: Required<SimNode>, running: readonly SimPod[]): EvictionResult {
  const candidates: EvictionCandidate[] = running.map((pod) => {
    const usage = podUsage(pod);
    return {
      namespace: pod.namespace,
      name: pod.name,
      priority: pod.priority,
      request: pod.memoryRequest,
      usage,
      exceedsRequest: usage > pod.memoryRequest,
      usageOverRequest: usage - pod.memoryRequest,
      critical: pod.critical,
    };
  });
  // The kubelet ranks critical pods like any other, but evictPod refuses them, so they come last.
  const ranking = [
    ...rankMemoryPressure(candidates.filter((c) => !c.critical)),
    ...rankMemoryPressure(candidates.filter((c) => c.critical)),
  ];
  const reserved = node.systemReserved + node.kubeReserved;
  const total = candidates.reduce((sum, c) => sum + c.usage, 0n);
  const available = (pods: bigint) => node.capacity - reserved - pods;
  const underPressure = available(total) < node.evictionHard;
  const evictions: EvictionStep[] = [];
  let remaining = total;
  if (underPressure) {
    for (const c of ranking) {
      if (available(remaining) >= node.evictionHard || c.critical) break;
      remaining -= c.usage;
      evictions.push({ namespace: c.namespace, name: c.name, freed: c.usage, podUsageAfter: remaining, memoryAvailableAfter: available(remaining) });
    }
  }
  return {
    ranking,
    podUsage: total,
    rootWorkingSet: reserved + total,
    memoryAvailable: available(total),
    evictionHard: node.evictionHard,
    pressureAbovePodUsage: node.capacity - reserved - node.evictionHard,
    underPressure,
    evictions,
    relieved: available(remaining) >= node.evictionHard,
  };
}

function kernelOom(node: Required<SimNode>, running: readonly SimPod[]): KernelOomResult {
  const kubepodsLimit = node.capacity - node.kubeReserved - node.systemReserved;
  const pageSize = node.pageSize;
  const totalPages = kubepodsLimit > 0n ? kubepodsLimit / pageSize : 0n;
  const tasks: { namespace: string; name: string; container: string; oomScoreAdj: number; rssBytes: bigint; rssPages: bigint }[] = [];
  const unkillable: KernelOomResult['unkillable'] = [];
  for (const pod of running) {
    for (const c of pod.containers) {
      const rssBytes = effectiveUsage(c);
      tasks.push({ namespace: pod.namespace, name: pod.name, container: c.name, oomScoreAdj: c.oomScoreAdj, rssBytes, rssPages: rssBytes / pageSize });
      if (c.oomScoreAdj === OOM_SCORE_ADJ_MIN) unkillable.push({ namespace: pod.namespace, name: pod.name, container: c.name });
    }
  }
  const ranking: OomVictim[] = oomKillOrder(tasks, totalPages).map((s) => ({ ...s.task, badness: s.badness, scanIndex: s.scanIndex }));
  const total = tasks.reduce((sum, t) => sum + t.rssBytes, 0n);
  const triggered = total > kubepodsLimit;
  const kills: OomKillStep[] = [];
  let remaining = total;
  if (triggered) {
    for (const victim of ranking) {
      if (remaining <= kubepodsLimit) break;
      remaining -= victim.rssBytes;
      kills.push({ victim, podUsageAfter: remaining });
    }
  }
  return {
    kubepodsLimit,
    pageSize,
    totalPages,
    pagesPerAdjPoint: totalPages / 1000n,
    podUsage: total,
    triggered,
    ranking,
    unkillable,
    kills,
    relieved: remaining <= kubepodsLimit,
  };
}

/** Simulates the pods on the node: fit, memcg OOM, eviction, kernel OOM (see the file comment). */
export function simulateNode(node: SimNode, pods: readonly SimPod[]): Simulation {
  const pageSize = node.pageSize ?? DEFAULT_PAGE_SIZE;
  if (pageSize <= 0n) throw new RangeError(`page size must be positive, got ${pageSize}`);
  const resolved: Required<SimNode> = { ...node, pageSize };
  const { fit, running } = fitPods(resolved, pods);
  return {
    node: resolved,
    assumptions: ASSUMPTIONS,
    fit,
    memcgOom: memcgOomKills(running),
    eviction: evict(resolved, running),
    kernelOom: kernelOom(resolved, running),
  };
}

// ---- JSON (schema version 1; fields may be added, never renamed) ----

/** A byte count or score as JSON: a number when exact, else its decimal string (as output/common.ts's bigintToJson). */
export type JsonInteger = number | string;

function int(v: bigint): JsonInteger {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
}

export interface SimulationUsageModel {
  model: 'request' | 'limit' | 'fraction' | 'file';
  [k: string]: unknown;
}

export interface SimulationJson {
  schemaVersion: 1;
  node: { name: string; capacity: JsonInteger; allocatable: JsonInteger; evictionHard: JsonInteger; kubeReserved: JsonInteger; systemReserved: JsonInteger; pageSize: JsonInteger };
  usage: SimulationUsageModel;
  assumptions: string[];
  refused: { namespace: string; name: string; request: JsonInteger; requestsTotal: JsonInteger }[];
  memcgOom: { namespace: string; pod: string; container: string; usage: JsonInteger; limit: JsonInteger }[];
  pressure: {
    podUsage: JsonInteger;
    memoryAvailable: JsonInteger;
    pressureAbovePodUsage: JsonInteger;
    underPressure: boolean;
    evicted: { namespace: string; name: string }[];
    relieved: boolean;
  };
  eviction: { namespace: string; name: string; priority: number; request: JsonInteger; usage: JsonInteger; exceedsRequest: boolean; critical: boolean }[];
  kernelOom: { kubepodsLimit: JsonInteger; totalPages: JsonInteger; podUsage: JsonInteger; triggered: boolean; kills: number; relieved: boolean };
  oomKill: { namespace: string; name: string; container: string; oomScoreAdj: number; rssBytes: JsonInteger; badness: JsonInteger }[];
}

/**
 * The JSON document of `oomguard simulate --format json`. `eviction` and `oomKill` are the full
 * rankings, first victim first; `pressure.evicted` and `kernelOom.kills` say how many are needed.
 */
export function simulationJson(sim: Simulation, usage: SimulationUsageModel): SimulationJson {
  const n = sim.node;
  return {
    schemaVersion: 1,
    node: { name: n.name, capacity: int(n.capacity), allocatable: int(n.allocatable), evictionHard: int(n.evictionHard), kubeReserved: int(n.kubeReserved), systemReserved: int(n.systemReserved), pageSize: int(n.pageSize) },
    usage,
    assumptions: sim.assumptions.map((a) => a.id),
    refused: sim.fit.refused.map((r) => ({ namespace: r.namespace, name: r.name, request: int(r.request), requestsTotal: int(r.requestsTotal) })),
    memcgOom: sim.memcgOom.map((m) => ({ namespace: m.namespace, pod: m.pod, container: m.container, usage: int(m.usage), limit: int(m.limit) })),
    pressure: {
      podUsage: int(sim.eviction.podUsage),
      memoryAvailable: int(sim.eviction.memoryAvailable),
      pressureAbovePodUsage: int(sim.eviction.pressureAbovePodUsage),
      underPressure: sim.eviction.underPressure,
      evicted: sim.eviction.evictions.map((e) => ({ namespace: e.namespace, name: e.name })),
      relieved: sim.eviction.relieved,
    },
    eviction: sim.eviction.ranking.map((e) => ({ namespace: e.namespace, name: e.name, priority: e.priority, request: int(e.request), usage: int(e.usage), exceedsRequest: e.exceedsRequest, critical: e.critical })),
    kernelOom: { kubepodsLimit: int(sim.kernelOom.kubepodsLimit), totalPages: int(sim.kernelOom.totalPages), podUsage: int(sim.kernelOom.podUsage), triggered: sim.kernelOom.triggered, kills: sim.kernelOom.kills.length, relieved: sim.kernelOom.relieved },
    oomKill: sim.kernelOom.ranking.map((v) => ({ namespace: v.namespace, name: v.name, container: v.container, oomScoreAdj: v.oomScoreAdj, rssBytes: int(v.rssBytes), badness: int(v.badness) })),
  };
}
