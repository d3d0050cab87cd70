// Where a running Pod differs from its owner's pod template in what decides its numbers: which
// containers it has, and their cpu and memory requests and limits (cpu counts: it decides whether
// a Pod is Guaranteed). Pure: two model results in, named differences out.
//
// The template is compared AFTER what the API server does to every Pod made from it, as the
// engine models it (core/analyze-pod.ts): defaulting (a limit without a request gets request =
// limit) and the LimitRanges of the namespace (core/limit-range.ts: LimitRanger fills missing
// requests and limits). So a value a LimitRange set is not a surprise: it is named and attributed
// to that LimitRange. Whatever else differs was changed at admission by something oomguard cannot
// see in any manifest — a mutating webhook (an injected istio-proxy), the Vertical Pod Autoscaler's
// admission controller — or later by an in-place resize; or a LimitRange changed after the Pod
// was created. The running Pod is taken as stored: it passed admission already, so no LimitRange
// is applied to it again.
//
// Pod-level resources are compared for memory only (what PodResult carries); containers are
// matched by name within their list (containers, init containers).
import { formatBytes, formatMillis } from '../core/quantity.js';
import type { ContainerResult, ContainerType, PodResult, QosClass } from '../core/types.js';

export type ResourceField = 'memoryRequest' | 'memoryLimit' | 'cpuRequest' | 'cpuLimit';

export const RESOURCE_FIELDS: readonly ResourceField[] = ['memoryRequest', 'memoryLimit', 'cpuRequest', 'cpuLimit'];

export interface Difference {
  /**
   * `container-added`: the Pod has a container the template lacks; `container-removed`: the
   * reverse; `value`: a request or limit of a container (or of the pod, container null).
   */
  change: 'container-added' | 'container-removed' | 'value';
  /** The container; null for a pod-level value. */
  container: string | null;
  containerType: ContainerType | null;
  /** For `value`: which request or limit. */
  field: ResourceField | null;
  /** For `value`: the Pod's value (bytes, or millicores for cpu), null when unset. */
  running: bigint | null;
  /** For `value`: the template's after defaulting and the LimitRanges, null when unset. */
  template: bigint | null;
  /**
   * Who made it: `limit-range` when a LimitRange of the namespace set the value the Pod has
   * (the template leaves it out); `admission` for anything else (a mutating webhook, VPA, an
   * in-place resize, a LimitRange changed since the Pod was created).
   */
  by: 'limit-range' | 'admission';
  /** The LimitRange ("namespace/name") behind the template's value, when one set it. */
  limitRange: string | null;
  /** One sentence naming the difference. */
  message: string;
}

/** The template's own numbers, on the node the Pod runs on. */
export interface TemplateNumbers {
  qosClass: QosClass;
  containers: Array<{ name: string; type: ContainerType; oomScoreAdj: number }>;
}

export interface TemplateDiff {
  differences: Difference[];
  /** Whether the QoS class or an oom_score_adj of the Pod differs from what the template gives. */
  numbersDiffer: boolean;
  template: TemplateNumbers;
}

const FIELD_WORDS: Record<ResourceField, string> = {
  memoryRequest: 'memory request',
  memoryLimit: 'memory limit',
  cpuRequest: 'cpu request',
  cpuLimit: 'cpu limit',
};

const ADMISSION = 'changed at admission (a mutating webhook, VPA, …) or resized in place';

/** A value as Kubernetes writes it: bytes for memory, millicores for cpu. */
export function formatValue(field: ResourceField, v: bigint | null): string {
  if (v === null) return 'none';
  return field.startsWith('cpu') ? formatMillis(v) : formatBytes(v);
}

/** Which LimitRange set a field of a template container (setByLimitRange), or null. */
function limitRangeOf(c: ContainerResult, field: ResourceField): string | null {
  if (c.setByLimitRange === null) return null;
  const which = field.endsWith('Request') ? c.setByLimitRange.requests : c.setByLimitRange.limits;
  return which[field.startsWith('cpu') ? 'cpu' : 'memory'] ?? null;
}

function keyOf(c: Pick<ContainerResult, 'type' | 'name'>): string {
  return `${c.type === 'container' ? 'containers' : 'initContainers'}/${c.name}`;
}

/** What a container has that the numbers depend on: "memory request 128Mi, limit 1Gi; cpu request 100m". */
export function resourcesText(c: Pick<ContainerResult, ResourceField>): string {
  const part = (what: string, req: ResourceField, lim: ResourceField) => {
    const r = c[req];
    const l = c[lim];
    if (r === null && l === null) return null;
    const bits: string[] = [];
    if (r !== null) bits.push(`request ${formatValue(req, r)}`);
    if (l !== null) bits.push(`limit ${formatValue(lim, l)}`);
    return `${what} ${bits.join(', ')}`;
  };
  const parts = [part('memory', 'memoryRequest', 'memoryLimit'), part('cpu', 'cpuRequest', 'cpuLimit')].filter((p): p is string => p !== null);
  return parts.length === 0 ? 'no requests or limits' : parts.join('; ');
}

function typeWord(type: ContainerType): string {
  return type === 'container' ? 'container' : type === 'sidecar' ? 'sidecar' : 'init container';
}

function valueDifference(
  container: string | null,
  containerType: ContainerType | null,
  field: ResourceField,
  running: bigint | null,
  template: bigint | null,
  limitRange: string | null,
): Difference | null {
  const of = container === null ? `pod-level ${FIELD_WORDS[field]}` : `${FIELD_WORDS[field]} of ${container}`;
  const base = { change: 'value' as const, container, containerType, field, running, template, limitRange };
  const r = formatValue(field, running);
  const t = formatValue(field, template);
  if (running === template) {
    if (limitRange === null || running === null) return null;
    return { ...base, by: 'limit-range', message: `${of}: ${r}, set by LimitRange ${limitRange} (the template has none)` };
  }
  if (limitRange !== null) {
    const why = running === null ? 'the LimitRange is newer than the Pod, or admission removed the value' : `${ADMISSION}, or the LimitRange changed after the Pod was created`;
    return { ...base, by: 'admission', message: `${of}: ${r} in the Pod, ${t} from LimitRange ${limitRange}: ${why}` };
  }
  if (template === null) return { ...base, by: 'admission', message: `${of}: ${r} in the Pod, none in the template: added at admission (a mutating webhook, VPA, …)` };
  if (running === null) return { ...base, by: 'admission', message: `${of}: none in the Pod, ${t} in the template: removed at admission (a mutating webhook, …)` };
  return { ...base, by: 'admission', message: `${of}: ${r} in the Pod, ${t} in the template: ${ADMISSION}` };
}

/**
 * The differences between a running Pod (as stored) and its template (after defaulting and the
 * namespace's LimitRanges), both modelled on the Pod's node.
 */
export function diffTemplate(running: PodResult, template: PodResult): TemplateDiff {
  const differences: Difference[] = [];
  const inTemplate = new Map(template.containers.map((c) => [keyOf(c), c]));
  const inPod = new Map(running.containers.map((c) => [keyOf(c), c]));
  let numbersDiffer = running.qosClass !== template.qosClass;

  for (const c of running.containers) {
    const t = inTemplate.get(keyOf(c));
    if (t === undefined) {
      numbersDiffer = true;
      differences.push({
        change: 'container-added',
        container: c.name,
        containerType: c.type,
        field: null,
        running: null,
        template: null,
        by: 'admission',
        limitRange: null,
        message: `${typeWord(c.type)} ${c.name} added at admission (a mutating webhook: the template has no such container): ${resourcesText(c)}`,
      });
      continue;
    }
    if (t.oomScoreAdj !== c.oomScoreAdj) numbersDiffer = true;
    for (const field of RESOURCE_FIELDS) {
      const d = valueDifference(c.name, c.type, field, c[field], t[field], limitRangeOf(t, field));
      if (d !== null) differences.push(d);
    }
  }
  for (const t of template.containers) {
    if (inPod.has(keyOf(t))) continue;
    numbersDiffer = true;
    differences.push({
      change: 'container-removed',
      container: t.name,
      containerType: t.type,
      field: null,
      running: null,
      template: null,
      by: 'admission',
      limitRange: null,
      message: `${typeWord(t.type)} ${t.name} of the template is not in the Pod: removed at admission (a mutating webhook, …)`,
    });
  }
  for (const [field, r, t] of [
    ['memoryRequest', running.podMemoryRequest, template.podMemoryRequest],
    ['memoryLimit', running.podMemoryLimit, template.podMemoryLimit],
  ] as const) {
    const d = valueDifference(null, null, field, r, t, null);
    if (d !== null) differences.push(d);
  }
  return {
    differences,
    numbersDiffer,
    template: { qosClass: template.qosClass, containers: template.containers.map((c) => ({ name: c.name, type: c.type, oomScoreAdj: c.oomScoreAdj })) },
  };
}
