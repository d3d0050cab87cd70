// API-server defaulting that changes QoS inputs. SetDefaults_Pod (pkg/apis/core/v1/defaults.go)
// runs when a Pod is created (from a controller's template too), never on templates themselves,
// so a linter reading a template must apply it to see the pod the kubelet will get.
import type { Quantity } from './quantity.js';
import { aggregateContainerRequest } from './aggregate.js';
import { isSupportedPodLevelResource } from './versions.js';
import type { KubeletModel } from './versions.js';
import type { ParsedContainer, ParsedPod, ResourceMap, Resources } from './pod.js';
import { applyLimitRangeDefaults } from './limit-range.js';
import type { LimitRange, LimitRangeConflict, SetByLimitRange } from './limit-range.js';

export interface DefaultedContainer extends ParsedContainer {
  /** After defaulting. */
  resources: Resources;
  /** Resource names whose request was copied from the limit. */
  defaultedRequests: Set<string>;
  /** Restartable init container, in a version that has sidecars. */
  sidecar: boolean;
  /** The requests and limits a LimitRange filled in; null when none did. */
  setByLimitRange: SetByLimitRange | null;
}

export interface DefaultedPod {
  source: ParsedPod;
  initContainers: DefaultedContainer[];
  containers: DefaultedContainer[];
  /** spec.resources after defaulting; null when absent or when the version/gates drop the field. */
  podResources: Resources | null;
  podDefaultedRequests: Set<string>;
  /** Values two LimitRanges default differently (the cluster may take either). */
  limitRangeConflicts: LimitRangeConflict[];
}

/**
 * SetDefaults_Pod: for every container and init container with limits, each limit whose
 * resource has no request gets request = limit. A request present with value 0 is kept.
 */
function defaultRequestsFromLimits(r: Resources): { resources: Resources; defaulted: Set<string> } {
  const defaulted = new Set<string>();
  if (r.limits.size === 0) return { resources: r, defaulted };
  let requests: ResourceMap = r.requests;
  for (const [name, limit] of r.limits) {
    if (!requests.has(name)) {
      if (requests === r.requests) requests = new Map(r.requests);
      requests.set(name, limit);
      defaulted.add(name);
    }
  }
  return { resources: { requests, limits: r.limits }, defaulted };
}

function defaultContainer(c: ParsedContainer, model: KubeletModel, skip: boolean): DefaultedContainer {
  const { resources, defaulted } = skip ? { resources: c.raw, defaulted: new Set<string>() } : defaultRequestsFromLimits(c.raw);
  // Fields listed rather than spread: this runs for every container of every admission review,
  // and an object spread is the costliest step of a review.
  return {
    name: c.name,
    list: c.list,
    index: c.index,
    restartPolicy: c.restartPolicy,
    raw: c.raw,
    resources,
    defaultedRequests: defaulted,
    // The API server keeps restartPolicy on init containers only where SidecarContainers is on
    // (dropDisabledFields in pkg/api/pod/util.go); elsewhere they are plain init containers.
    sidecar: c.list === 'initContainers' && model.sidecars && c.restartPolicy === 'Always',
    setByLimitRange: null,
  };
}

/** Sum of positive quantities of one resource over containers (exact). */
export function sumOf(containers: readonly DefaultedContainer[], name: string, which: 'requests' | 'limits'): Quantity | null {
  let total: Quantity | null = null;
  for (const c of containers) {
    const q = c.resources[which].get(name);
    if (!q) continue;
    total = total === null ? q : total.add(q);
  }
  return total;
}

/**
 * Pod-level defaulting (gate PodLevelResources), after container defaulting.
 *
 * 1.32–1.36, defaultPodRequests in pkg/apis/core/v1/defaults.go, only when pod-level limits are
 * set: a supported resource without a pod-level request gets the aggregated container requests
 * (AggregateContainerRequests, sidecar-aware) when any container requests it — hugepages
 * excepted from 1.33 (PR #130577) — and otherwise the pod-level limit.
 *
 * 1.37 with PodLevelResourcesFixDefaulting (PR #140514, PrepareForCreate in
 * pkg/registry/core/pod/strategy.go): the same request rule whenever any pod-level request or
 * limit is set; then a supported resource with a pod-level request and no pod-level limit gets
 * the aggregated container limits when every container and init container sets that limit.
 */
function defaultPodLevel(
  r: Resources,
  containers: DefaultedContainer[],
  initContainers: DefaultedContainer[],
  model: KubeletModel,
): { resources: Resources; defaulted: Set<string> } {
  const defaulted = new Set<string>();
  const triggered = model.podLevelDefaultingFix ? r.requests.size > 0 || r.limits.size > 0 : r.limits.size > 0;
  if (!triggered) return { resources: r, defaulted };
  const all = [...initContainers, ...containers];
  const pod = { containers, initContainers };

  const requests: ResourceMap = new Map(r.requests);
  const containerRequestNames = new Set(all.flatMap((c) => [...c.resources.requests.keys()]));
  for (const name of containerRequestNames) {
    if (requests.has(name) || !isSupportedPodLevelResource(name, model)) continue;
    if (model.podLevelHugepages && name.startsWith('hugepages-')) continue;
    requests.set(name, aggregateContainerRequest(pod, name));
    defaulted.add(name);
  }
  for (const [name, limit] of r.limits) {
    if (requests.has(name) || !isSupportedPodLevelResource(name, model)) continue;
    requests.set(name, limit);
    defaulted.add(name);
  }

  let limits: ResourceMap = r.limits;
  if (model.podLevelDefaultingFix && all.length > 0) {
    for (const name of requests.keys()) {
      if (limits.has(name) || !isSupportedPodLevelResource(name, model)) continue;
      if (!all.every((c) => c.resources.limits.has(name))) continue;
      if (limits === r.limits) limits = new Map(r.limits);
      const aggregated = aggregateContainerRequest(pod, name, 'limits');
      const request = requests.get(name)!;
      limits.set(name, request.cmp(aggregated) > 0 ? request : aggregated);
    }
  }
  return { resources: { requests, limits }, defaulted };
}

const withLimitRangeResources = (c: DefaultedContainer, resources: Resources, setBy: SetByLimitRange): DefaultedContainer => ({
  ...c,
  resources,
  setByLimitRange: setBy,
});

/**
 * The pod the kubelet gets: SetDefaults_Pod at decode (and, up to 1.36, pod-level defaulting),
 * then the LimitRanges of the pod's namespace (mutating admission), then, in 1.37, pod-level
 * defaulting in PrepareForCreate. `limitRanges` are those of the pod's namespace.
 */
export function applyDefaults(pod: ParsedPod, model: KubeletModel, skipDefaulting = false, limitRanges: readonly LimitRange[] = []): DefaultedPod {
  let initContainers = pod.initContainers.map((c) => defaultContainer(c, model, skipDefaulting));
  let containers = pod.containers.map((c) => defaultContainer(c, model, skipDefaulting));
  let podResources: Resources | null = null;
  let podDefaultedRequests = new Set<string>();
  let limitRangeConflicts: LimitRangeConflict[] = [];
  const podLevel = model.podLevelResources && pod.podResources !== null;
  if (podLevel && skipDefaulting) podResources = pod.podResources;
  const defaultPodLevelNow = () => {
    const d = defaultPodLevel(pod.podResources!, containers, initContainers, model);
    podResources = d.resources;
    podDefaultedRequests = d.defaulted;
  };
  if (podLevel && !skipDefaulting && !model.podLevelDefaultingFix) defaultPodLevelNow();
  if (limitRanges.length > 0 && !skipDefaulting) {
    const d = applyLimitRangeDefaults({ containers, initContainers }, limitRanges, withLimitRangeResources);
    containers = d.containers;
    initContainers = d.initContainers;
    limitRangeConflicts = d.conflicts;
  }
  if (podLevel && !skipDefaulting && model.podLevelDefaultingFix) defaultPodLevelNow();
  return { source: pod, initContainers, containers, podResources, podDefaultedRequests, limitRangeConflicts };
}
