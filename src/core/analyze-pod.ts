// The one decision path: a Pod or pod template in, QoS class and per-container oom_score_adj out.
// Pure and synchronous; the CLI and the webhook both call it.
import { parsePod, validateRequestsWithinLimits } from './pod.js';
import type { ParsedPod } from './pod.js';
import { applyDefaults } from './defaults.js';
import type { DefaultedContainer, DefaultedPod } from './defaults.js';
import { getPodQos, podLevelStanzaDecides } from './qos.js';
import { aggregateContainerRequest } from './aggregate.js';
import { containerOomScoreAdj, isNodeCriticalPod, isPodLevelRequestsSet, isStaticPod } from './oom-score.js';
import { kubeletModel } from './versions.js';
import type { KubeletModel } from './versions.js';
import type { ContainerResult, ModelOptions, PodLike, PodResult } from './types.js';
import type { Quantity } from './quantity.js';
import { podRefusals } from './limit-range.js';

export interface PodAnalysis {
  result: PodResult;
  parsed: ParsedPod;
  defaulted: DefaultedPod;
  model: KubeletModel;
}

function positive(q: Quantity | undefined): bigint | null {
  return q !== undefined && q.sign() > 0 ? q.value() : null;
}
function positiveMilli(q: Quantity | undefined): bigint | null {
  return q !== undefined && q.sign() > 0 ? q.milliValue() : null;
}

function containerResult(c: DefaultedContainer, oomScoreAdj: number): ContainerResult {
  return {
    name: c.name,
    type: c.list === 'containers' ? 'container' : c.sidecar ? 'sidecar' : 'init',
    index: c.index,
    specPointer: `/${c.list}/${c.index}`,
    memoryRequest: positive(c.resources.requests.get('memory')),
    memoryLimit: positive(c.resources.limits.get('memory')),
    cpuRequest: positiveMilli(c.resources.requests.get('cpu')),
    cpuLimit: positiveMilli(c.resources.limits.get('cpu')),
    memoryRequestDefaulted: c.defaultedRequests.has('memory'),
    setByLimitRange:
      c.setByLimitRange === null
        ? null
        : { requests: Object.fromEntries(c.setByLimitRange.requests), limits: Object.fromEntries(c.setByLimitRange.limits) },
    oomScoreAdj,
  };
}

/** Throws SpecError or QuantityError (with a JSON Pointer relative to the pod) on invalid input. */
export function analyzePod(pod: PodLike, opts: ModelOptions): PodAnalysis {
  if (opts.memoryCapacity <= 0n) throw new RangeError('memoryCapacity must be positive');
  const model = kubeletModel(opts.version, opts.gates);
  const parsed = parsePod(pod);
  if (opts.skipValidation !== true) validateRequestsWithinLimits(parsed);
  // Static pods run from the node's files: only their mirror pods pass admission.
  const limitRanges = opts.limitRanges !== undefined && opts.limitRanges.length > 0 && !isStaticPod(parsed) ? opts.limitRanges : [];
  const defaulted = applyDefaults(parsed, model, opts.skipDefaulting === true, limitRanges);
  const refusals = limitRanges.length === 0 ? [] : podRefusals(defaulted, limitRanges, model);
  const { qosClass, source } = getPodQos(defaulted, model);
  const nodeCritical = isNodeCriticalPod(parsed);
  const ctx = { qosClass, nodeCritical, model, memoryCapacity: opts.memoryCapacity };
  const containers = [...defaulted.initContainers, ...defaulted.containers].map((c) =>
    containerResult(c, containerOomScoreAdj(defaulted, c, ctx)),
  );
  const podLevelRequests = model.podLevelResources && isPodLevelRequestsSet(defaulted);
  const podMemoryRequest = positive(defaulted.podResources?.requests.get('memory'));
  const effectiveMemoryRequest =
    podLevelRequests && podMemoryRequest !== null ? podMemoryRequest : aggregateContainerRequest(defaulted, 'memory').value();
  return {
    parsed,
    defaulted,
    model,
    result: {
      qosClass,
      qosSource: source,
      nodeCritical,
      podLevelResources: defaulted.podResources !== null,
      qosFromPodLevel: podLevelStanzaDecides(defaulted, model),
      podMemoryRequest,
      podMemoryLimit: positive(defaulted.podResources?.limits.get('memory')),
      containers,
      effectiveMemoryRequest,
      guaranteedOomScoreAdj: model.guaranteedOomScoreAdj,
      limitRanges: { conflicts: defaulted.limitRangeConflicts, refusals },
    },
  };
}

/**
 * The pod as the API server stores it after defaulting and LimitRange admission: the written
 * object with each defaulted request added (the limit's text copied) and each value a LimitRange
 * filled in (canonical), everything else shared, not copied.
 */
export function defaultedPodObject(pod: PodLike, analysis: PodAnalysis): PodLike {
  const d = analysis.defaulted;
  const changed = (cs: DefaultedContainer[]) => cs.some((c) => c.defaultedRequests.size > 0 || c.setByLimitRange !== null);
  const rawPodResources = (pod.spec as Record<string, unknown> | null | undefined)?.resources as Record<string, unknown> | null | undefined;
  const rawPodLimits = (rawPodResources?.limits as Record<string, unknown> | null | undefined) ?? {};
  const podLimitsAdded = d.podResources === null ? [] : [...d.podResources.limits].filter(([name]) => !(name in rawPodLimits));
  if (!changed(d.containers) && !changed(d.initContainers) && d.podDefaultedRequests.size === 0 && podLimitsAdded.length === 0) return pod;
  const spec = { ...(pod.spec ?? {}) } as Record<string, unknown>;
  const withRequests = (raw: Record<string, unknown>, added: Set<string>, limits: Record<string, unknown>) => {
    const resources = { ...raw };
    const requests = { ...((raw.requests as Record<string, unknown> | null | undefined) ?? {}) };
    for (const name of added) requests[name] = limits[name];
    resources.requests = requests;
    return resources;
  };
  const rewrite = (list: 'containers' | 'initContainers', cs: DefaultedContainer[]) => {
    const original = spec[list];
    if (!Array.isArray(original) || !changed(cs)) return;
    spec[list] = original.map((raw, i) => {
      const c = cs[i];
      if (!c || (c.defaultedRequests.size === 0 && c.setByLimitRange === null)) return raw;
      const r = ((raw as Record<string, unknown>).resources as Record<string, unknown> | null | undefined) ?? {};
      const resources = c.defaultedRequests.size === 0 ? { ...r } : withRequests(r, c.defaultedRequests, r.limits as Record<string, unknown>);
      if (c.setByLimitRange !== null) {
        // LimitRanger's DeepCopy of the default, as the API server then stores it (canonical).
        for (const which of ['requests', 'limits'] as const) {
          if (c.setByLimitRange[which].size === 0) continue;
          const values = { ...((resources[which] as Record<string, unknown> | null | undefined) ?? {}) };
          for (const name of c.setByLimitRange[which].keys()) values[name] = c.resources[which].get(name)!.toString();
          resources[which] = values;
        }
      }
      return { ...(raw as Record<string, unknown>), resources };
    });
  };
  rewrite('containers', d.containers);
  rewrite('initContainers', d.initContainers);
  if (d.podResources !== null && (d.podDefaultedRequests.size > 0 || podLimitsAdded.length > 0)) {
    // A defaulted pod-level value is not always the pod-level limit: a request defaults to the
    // containers' aggregate when they request it, and (1.37) a missing limit to their aggregated
    // limits. Written as the API server would store them: the defaulted quantities, canonical.
    const canonical = (entries: Iterable<[string, { toString(): string }]>) => Object.fromEntries([...entries].map(([name, q]) => [name, q.toString()]));
    const resources = withRequests(rawPodResources ?? {}, d.podDefaultedRequests, canonical(d.podResources.requests));
    if (podLimitsAdded.length > 0) resources.limits = { ...rawPodLimits, ...canonical(podLimitsAdded) };
    spec.resources = resources;
  }
  return { ...pod, spec: spec as PodLike['spec'] };
}
