// oom_score_adj per container: GetContainerOOMScoreAdjust in pkg/kubelet/qos/policy.go, with
// the helpers of pkg/kubelet/qos/helpers.go and pkg/kubelet/types/pod_update.go.
import type { KubeletModel } from './versions.js';
import { aggregateContainerRequest, requestOf } from './aggregate.js';
import type { DefaultedContainer, DefaultedPod } from './defaults.js';
import type { ParsedPod } from './pod.js';
import type { QosClass } from './types.js';

export const BEST_EFFORT_OOM_SCORE_ADJ = 1000;
/** scheduling.SystemCriticalPriority. */
export const SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;
/** Priority admission resolves these class names (pkg/apis/scheduling/types.go). */
const SYSTEM_PRIORITY_CLASSES: Record<string, number> = {
  'system-cluster-critical': 2_000_000_000,
  'system-node-critical': 2_000_001_000,
};

/** spec.priority as priority admission will set it (from the class name when unset). */
export function resolvedPriority(pod: ParsedPod): number | null {
  if (pod.priority !== null) return pod.priority;
  if (pod.priorityClassName !== null && pod.priorityClassName in SYSTEM_PRIORITY_CLASSES) {
    return SYSTEM_PRIORITY_CLASSES[pod.priorityClassName];
  }
  return null;
}

/**
 * IsNodeCriticalPod (pkg/kubelet/types/pod_update.go, since 1.22, PR #99729): a critical pod
 * (static, mirror, or priority >= SystemCriticalPriority) whose priorityClassName is
 * system-node-critical. system-cluster-critical pods fall through to their QoS class.
 */
/** IsStaticPod (pkg/kubelet/types/pod_update.go): read from a file or URL by the kubelet, not the API. */
export function isStaticPod(pod: ParsedPod): boolean {
  const source = pod.annotations['kubernetes.io/config.source'];
  return source !== undefined && source !== 'api';
}

export function isNodeCriticalPod(pod: ParsedPod): boolean {
  const isStatic = isStaticPod(pod);
  const isMirror = pod.annotations['kubernetes.io/config.mirror'] !== undefined;
  const priority = resolvedPriority(pod);
  const isCritical = isStatic || isMirror || (priority !== null && priority >= SYSTEM_CRITICAL_PRIORITY);
  return isCritical && pod.priorityClassName === 'system-node-critical';
}

/** IsPodLevelRequestsSet: spec.resources.requests holds a supported resource (cpu, memory, hugepages-*). */
export function isPodLevelRequestsSet(pod: DefaultedPod): boolean {
  if (pod.podResources === null) return false;
  for (const name of pod.podResources.requests.keys()) {
    if (name === 'cpu' || name === 'memory' || name.startsWith('hugepages-')) return true;
  }
  return false;
}

/**
 * remainingPodMemReqPerContainer (pkg/kubelet/qos/helpers.go): the pod-level memory request
 * not claimed by containers, shared equally by every container and init container.
 */
export function remainingPodMemoryPerContainer(pod: DefaultedPod): bigint {
  const podRequest = pod.podResources?.requests.get('memory');
  if (podRequest === undefined || podRequest.isZero()) return 0n;
  const n = BigInt(pod.containers.length + pod.initContainers.length);
  if (n === 0n) return 0n;
  const remaining = podRequest.value() - aggregateContainerRequest(pod, 'memory').value();
  return remaining / n; // Go int64 division truncates toward zero, as BigInt does.
}

export interface OomContext {
  qosClass: QosClass;
  nodeCritical: boolean;
  model: KubeletModel;
  /** Node memory capacity in bytes (machineInfo.MemoryCapacity). */
  memoryCapacity: bigint;
}

function adjFor(request: bigint, capacity: bigint): bigint {
  return 1000n - (1000n * request) / capacity;
}

export function containerOomScoreAdj(pod: DefaultedPod, container: DefaultedContainer, ctx: OomContext): number {
  const guaranteed = BigInt(ctx.model.guaranteedOomScoreAdj);
  if (ctx.nodeCritical) return Number(guaranteed);
  if (ctx.qosClass === 'Guaranteed') return Number(guaranteed);
  if (ctx.qosClass === 'BestEffort') return BEST_EFFORT_OOM_SCORE_ADJ;

  const capacity = ctx.memoryCapacity;
  // Requests.Memory().Value(): rounded up to whole bytes, 0 when absent.
  const request = requestOf(container, 'memory').value();
  const podLevel = ctx.model.podLevelResources && isPodLevelRequestsSet(pod);
  const remaining = podLevel ? remainingPodMemoryPerContainer(pod) : 0n;
  let adj = adjFor(request + remaining, capacity);

  if (ctx.model.sidecarOomRule && container.sidecar && pod.containers.length > 0) {
    // minRegularContainerMemory: regular containers only; no request counts as 0.
    let minRequest = requestOf(pod.containers[0], 'memory').value();
    for (const c of pod.containers.slice(1)) {
      const v = requestOf(c, 'memory').value();
      if (v < minRequest) minRequest = v;
    }
    const minAdj = adjFor(minRequest + remaining, capacity);
    if (adj > minAdj) adj = minAdj;
  }

  // Burstable never reaches the guaranteed value, and 1000 is reserved for BestEffort.
  if (adj < 1000n + guaranteed) return Number(1000n + guaranteed);
  if (adj === BigInt(BEST_EFFORT_OOM_SCORE_ADJ)) return BEST_EFFORT_OOM_SCORE_ADJ - 1;
  return Number(adj);
}
