// oomguard's own prediction for the pod behind a kill, from the same core that `lint` uses
// (src/core/analyze-pod.ts): the container's oom_score_adj on a node of a given capacity, and
// what it would have been after a change to the manifest. Also the inverse the kernel's number
// allows: which node capacities give a Burstable container of a known request that value. Pure.
import { analyzePod } from '../core/analyze-pod.js';
import { resolveFeatureGates } from '../core/versions.js';
import type { Container, PodLike } from '../core/types.js';
import type { ContainerResult, PodResult } from '../core/types.js';

export interface PredictOptions {
  kubernetesVersion: string;
  memoryCapacity: bigint;
}

/** The core's analysis of a pod, or the reason it could not be analysed (an invalid quantity, …). */
export function predictPod(pod: PodLike, opts: PredictOptions): { result: PodResult } | { error: string } {
  try {
    const gates = resolveFeatureGates(opts.kubernetesVersion);
    return { result: analyzePod(pod, { version: opts.kubernetesVersion, gates, memoryCapacity: opts.memoryCapacity }).result };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

export function containerResult(result: PodResult, name: string): ContainerResult | null {
  return result.containers.find((c) => c.name === name && c.type !== 'init') ?? result.containers.find((c) => c.name === name) ?? null;
}

/** A pod of one container with these resources (the shape `kubectl run --limits=…` creates). */
export function singleContainerPod(resources: { requests?: Record<string, string>; limits?: Record<string, string> }): PodLike {
  return { metadata: { name: 'whodunit' }, spec: { containers: [{ name: 'c', resources }] } };
}

/**
 * The same pod with one container's memory request (and, where `withLimit`, its limit) set to
 * `bytes`: the change whose effect on oom_score_adj is shown. Nothing else is touched.
 */
export function withMemory(pod: PodLike, containerName: string, bytes: bigint, withLimit: boolean): PodLike {
  const spec = { ...(pod.spec ?? {}) };
  // The status (and its qosClass, which the kubelet reads verbatim from 1.29) describes the pod
  // before the change: drop it so the class is computed for the changed pod.
  const edit = (list: Container[] | null | undefined) =>
    (list ?? []).map((c) => {
      if (c.name !== containerName) return c;
      const resources = { ...(c.resources ?? {}) };
      resources.requests = { ...(resources.requests ?? {}), memory: `${bytes}` };
      if (withLimit) resources.limits = { ...(resources.limits ?? {}), memory: `${bytes}` };
      return { ...c, resources };
    });
  spec.containers = edit(spec.containers);
  if (spec.initContainers) spec.initContainers = edit(spec.initContainers);
  return { metadata: pod.metadata, spec };
}

/**
 * Node capacities (bytes, inclusive bounds) for which a Burstable container requesting
 * `requestBytes` gets `adj`: 1000 − ⌊1000·request / capacity⌋ = adj (pkg/kubelet/qos/policy.go),
 * so ⌊1000·request / capacity⌋ = k = 1000 − adj and capacity ∈ (1000·request/(k+1), 1000·request/k].
 * Null when adj is not a Burstable value this inversion covers (999 and the floor of 3 are
 * clamps, and a zero request gives 999 on any node).
 */
export function capacityRangeFor(adj: number, requestBytes: bigint): { min: bigint; max: bigint } | null {
  if (adj < 4 || adj > 998 || requestBytes <= 0n) return null;
  const k = BigInt(1000 - adj);
  const num = 1000n * requestBytes;
  const min = num / (k + 1n) + 1n;
  const max = num / k;
  return min <= max ? { min, max } : null;
}
