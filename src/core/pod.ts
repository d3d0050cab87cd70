// Reads the parts of a pod spec that QoS and oom_score_adj depend on, parsing every quantity
// exactly once. Shape errors and invalid quantities carry the JSON Pointer (relative to the pod)
// of the offending field, so adapters can name the file, document and line.
import { Quantity, QuantityError } from './quantity.js';
import type { PodLike } from './types.js';

export class SpecError extends Error {
  constructor(message: string, readonly path: string) {
    super(message);
    this.name = 'SpecError';
  }
}

export type ResourceMap = Map<string, Quantity>;

export interface Resources {
  requests: ResourceMap;
  limits: ResourceMap;
}

export interface ParsedContainer {
  name: string;
  list: 'containers' | 'initContainers';
  index: number;
  /** The container's restartPolicy as written (only "Always" is valid, for init containers). */
  restartPolicy: string | null;
  /** As written. */
  raw: Resources;
}

export interface ParsedPod {
  initContainers: ParsedContainer[];
  containers: ParsedContainer[];
  /** spec.resources as written; null when absent. */
  podResources: Resources | null;
  priority: number | null;
  priorityClassName: string | null;
  /** The string-valued annotations among MODEL_ANNOTATIONS. */
  annotations: Record<string, string>;
  statusQosClass: string | null;
}

/** RFC 6901 token escaping. */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

const ZERO = Quantity.parse('0');

/** The annotations IsNodeCriticalPod reads (static and mirror pods: pkg/kubelet/types/pod_update.go). */
export const MODEL_ANNOTATIONS = ['kubernetes.io/config.source', 'kubernetes.io/config.mirror'] as const;

export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseResourceList(raw: unknown, path: string): ResourceMap {
  const out: ResourceMap = new Map();
  if (raw === undefined || raw === null) return out;
  if (!isMapping(raw)) throw new SpecError('must be a mapping of resource names to quantities', path);
  for (const key of Object.keys(raw)) {
    const value = raw[key];
    // A JSON null decodes to a zero Quantity (Quantity.UnmarshalJSON), and the key still exists.
    let q: Quantity;
    try {
      q = value === null ? ZERO : Quantity.parse(value);
    } catch (err) {
      // The pointer is built only for the error: this runs for every quantity of every review.
      if (err instanceof QuantityError) throw new QuantityError(err.message, fieldPointer(path, key));
      throw err;
    }
    // ValidateNonnegativeQuantity (pkg/apis/core/validation/validation.go): the API server rejects it.
    if (q.sign() < 0) throw new SpecError(`${q.original} must be greater than or equal to 0`, fieldPointer(path, key));
    out.set(key, q);
  }
  return out;
}

function fieldPointer(path: string, key: string): string {
  return `${path}/${escapePointerToken(key)}`;
}

function parseResources(raw: unknown, path: string): Resources {
  if (raw === undefined || raw === null) return { requests: new Map(), limits: new Map() };
  if (!isMapping(raw)) throw new SpecError('must be a mapping', path);
  const requests = parseResourceList(raw.requests, `${path}/requests`);
  const limits = parseResourceList(raw.limits, `${path}/limits`);
  return { requests, limits };
}

function parseContainers(raw: unknown, list: ParsedContainer['list'], specPath: string): ParsedContainer[] {
  const path = `${specPath}/${list}`;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new SpecError('must be a list of containers', path);
  return raw.map((c, index) => {
    const at = `${path}/${index}`;
    if (!isMapping(c)) throw new SpecError('must be a container (a mapping)', at);
    const name = typeof c.name === 'string' ? c.name : `${list}[${index}]`;
    return {
      name,
      list,
      index,
      restartPolicy: typeof c.restartPolicy === 'string' ? c.restartPolicy : null,
      raw: parseResources(c.resources, `${at}/resources`),
    };
  });
}

/**
 * Parses a Pod or pod template. Pointers in errors are relative to the pod object
 * (e.g. "/spec/containers/0/resources/limits/memory").
 */
export function parsePod(pod: PodLike): ParsedPod {
  if (!isMapping(pod)) throw new SpecError('pod must be a mapping', '');
  const spec = pod.spec;
  if (spec === undefined || spec === null) throw new SpecError('is missing: the pod (template) has no spec', '/spec');
  if (!isMapping(spec)) throw new SpecError('must be a mapping', '/spec');
  const metadata = isMapping(pod.metadata) ? pod.metadata : {};
  const annotations: Record<string, string> = {};
  if (isMapping(metadata.annotations)) {
    // Only the ones the model reads: a pod may carry thousands (1 MiB objects reach the webhook).
    for (const k of MODEL_ANNOTATIONS) {
      const v = Object.hasOwn(metadata.annotations, k) ? metadata.annotations[k] : undefined;
      if (typeof v === 'string') annotations[k] = v;
    }
  }
  const status = isMapping(pod.status) ? pod.status : null;
  return {
    initContainers: parseContainers(spec.initContainers, 'initContainers', '/spec'),
    containers: parseContainers(spec.containers, 'containers', '/spec'),
    podResources: spec.resources === undefined || spec.resources === null ? null : parseResources(spec.resources, '/spec/resources'),
    priority: typeof spec.priority === 'number' ? spec.priority : null,
    priorityClassName: typeof spec.priorityClassName === 'string' ? spec.priorityClassName : null,
    annotations,
    statusQosClass: status && typeof status.qosClass === 'string' && status.qosClass !== '' ? status.qosClass : null,
  };
}

/**
 * ValidateResourceRequirements (pkg/apis/core/validation/validation.go): the API server rejects
 * a request above its limit ("must be less than or equal to memory limit"), for containers and
 * for pod-level resources. Kept apart from parsing so Kubernetes' own unit-test tables, which
 * skip validation, still run through the model.
 */
export function validateRequestsWithinLimits(pod: ParsedPod): void {
  const check = (r: Resources, path: string) => {
    for (const [name, request] of r.requests) {
      const limit = r.limits.get(name);
      if (limit !== undefined && request.cmp(limit) > 0) {
        const at = `${path}/requests/${escapePointerToken(name)}`;
        throw new SpecError(`${request.original} must be less than or equal to the ${name} limit of ${limit.original}`, at);
      }
    }
  };
  for (const c of [...pod.initContainers, ...pod.containers]) check(c.raw, `/spec/${c.list}/${c.index}/resources`);
  if (pod.podResources !== null) check(pod.podResources, '/spec/resources');
}

export { QuantityError };
