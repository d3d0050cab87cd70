// QoS class, as pkg/apis/core/v1/helper/qos/qos.go computes it (the kubelet's copy).
import type { Quantity } from './quantity.js';
import type { KubeletModel } from './versions.js';
import type { DefaultedPod } from './defaults.js';
import type { ResourceMap, Resources } from './pod.js';
import type { QosClass } from './types.js';

const QOS_RESOURCES = ['cpu', 'memory'] as const;

function isQosResource(name: string): boolean {
  return name === 'cpu' || name === 'memory';
}

/** Adds the positive cpu/memory quantities of `from` into `into`; returns the names found. */
function addPositive(into: Map<string, Quantity>, from: ResourceMap): Set<string> {
  const found = new Set<string>();
  for (const [name, q] of from) {
    if (!isQosResource(name) || q.sign() <= 0) continue;
    found.add(name);
    const prev = into.get(name);
    into.set(name, prev === undefined ? q : prev.add(q));
  }
  return found;
}

/**
 * ComputePodQOS before 1.37: sums positive cpu/memory requests and limits over containers and
 * init containers; Guaranteed when every container has cpu and memory limits and summed
 * requests equal summed limits. With pod-level resources in effect, only spec.resources counts.
 */
function classicQos(pod: DefaultedPod): QosClass {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let isGuaranteed = true;
  if (pod.podResources !== null) {
    addPositive(requests, pod.podResources.requests);
    if (pod.podResources.limits.size > 0) {
      const found = addPositive(limits, pod.podResources.limits);
      if (!(found.has('cpu') && found.has('memory'))) isGuaranteed = false;
    }
  } else {
    // Ephemeral containers never count: they cannot set resources.
    for (const c of [...pod.containers, ...pod.initContainers]) {
      addPositive(requests, c.resources.requests);
      const found = addPositive(limits, c.resources.limits);
      if (!(found.has('cpu') && found.has('memory'))) isGuaranteed = false;
    }
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (isGuaranteed) {
    for (const [name, req] of requests) {
      const lim = limits.get(name);
      if (lim === undefined || lim.cmp(req) !== 0) {
        isGuaranteed = false;
        break;
      }
    }
  }
  return isGuaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/** resourceQOS of the 1.37 rewrite (PR #134936): the class one stanza would give on its own. */
function stanzaQos(r: Resources): QosClass {
  if (r.requests.size === 0 && r.limits.size === 0) return 'BestEffort';
  let cls: QosClass | null = null;
  for (const name of QOS_RESOURCES) {
    const req = r.requests.get(name);
    const lim = r.limits.get(name);
    const reqZero = req === undefined || req.isZero();
    const limZero = lim === undefined || lim.isZero();
    const equal = reqZero && limZero ? true : req !== undefined && lim !== undefined && req.cmp(lim) === 0;
    if (!equal) return 'Burstable';
    const here: QosClass = reqZero && limZero ? 'BestEffort' : 'Guaranteed';
    if (cls === null) cls = here;
    else if (cls !== here) return 'Burstable';
  }
  return cls ?? 'BestEffort';
}

/** ComputePodQOS from 1.37: init containers then containers, each judged alone. */
function perContainerQos(pod: DefaultedPod): QosClass {
  if (pod.podResources !== null) return stanzaQos(pod.podResources);
  let podQos: QosClass | null = null;
  for (const c of [...pod.initContainers, ...pod.containers]) {
    const q = stanzaQos(c.resources);
    if (q === 'Burstable') return 'Burstable';
    if (podQos === null) podQos = q;
    else if (podQos !== q) return 'Burstable';
  }
  return podQos ?? 'BestEffort';
}

/** A resource name IsPodLevelResourcesSet (k8s.io/component-helpers/resource) counts: cpu, memory, hugepages-*. */
function isPodLevelResourceName(name: string): boolean {
  return name === 'cpu' || name === 'memory' || name.startsWith('hugepages-');
}

/**
 * Whether spec.resources decides the QoS class (ComputePodQOS's pod-level branch,
 * pkg/apis/core/helper/qos): the gate PodLevelResources keeps the stanza (the API server drops it
 * otherwise), and from 1.37, with PodLevelResourcesFixKubeletQOSClass, only a stanza that names
 * cpu, memory or hugepages-* counts. `names`: the resource names the stanza's requests and
 * limits hold, null when the pod has no spec.resources. When it decides, the containers' own
 * requests and limits do not count for the class.
 */
export function podLevelDecidesQos(names: Iterable<string> | null, model: KubeletModel): boolean {
  if (!model.podLevelResources || names === null) return false;
  if (!model.podLevelQosNeedsValues) return true;
  for (const name of names) if (isPodLevelResourceName(name)) return true;
  return false;
}

/** podLevelDecidesQos of a defaulted pod (its podResources: null when the stanza is absent or dropped). */
export function podLevelStanzaDecides(pod: DefaultedPod, model: KubeletModel): boolean {
  const r = pod.podResources;
  return r !== null && podLevelDecidesQos([...r.requests.keys(), ...r.limits.keys()], model);
}

/** The pod with the pod-level stanza that decides QoS for this version, or without one to use containers. */
function qosPodLevel(pod: DefaultedPod, model: KubeletModel): DefaultedPod {
  return pod.podResources === null || podLevelStanzaDecides(pod, model) ? pod : { ...pod, podResources: null };
}

export function computePodQos(pod: DefaultedPod, model: KubeletModel): QosClass {
  const effective = qosPodLevel(pod, model);
  return model.perContainerQosAlgorithm ? perContainerQos(effective) : classicQos(effective);
}

const QOS_CLASSES: readonly string[] = ['Guaranteed', 'Burstable', 'BestEffort'];

/**
 * GetPodQOS: from 1.29 a non-empty status.qosClass is returned verbatim (it is set on create
 * and immutable); before, the class was always computed from the spec.
 */
export function getPodQos(pod: DefaultedPod, model: KubeletModel): { qosClass: QosClass; source: 'status' | 'computed' } {
  const status = pod.source.statusQosClass;
  if (model.qosFromStatus && status !== null && QOS_CLASSES.includes(status)) {
    return { qosClass: status as QosClass, source: 'status' };
  }
  return { qosClass: computePodQos(pod, model), source: 'computed' };
}
