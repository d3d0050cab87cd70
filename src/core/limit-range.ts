// LimitRange admission: what the LimitRanger plugin (plugin/pkg/admission/limitranger/admission.go)
// does to a Pod at creation, as data in and data out. LimitRanges come in parsed; the model fills
// missing container requests and limits from them (mutating phase) and lists the bounds the Pod
// breaks (validating phase, 403 Forbidden), for every supported minor.
import { Quantity } from './quantity.js';
import { SpecError, escapePointerToken, isMapping, parseResourceList } from './pod.js';
import type { ResourceMap, Resources } from './pod.js';
import { aggregateContainerRequest } from './aggregate.js';
import type { AggregatedContainer } from './aggregate.js';
import { isSupportedPodLevelResource } from './versions.js';
import type { KubeletModel } from './versions.js';
import type { LimitRange, LimitRangeConflict, LimitRangeItem, PodRefusal, RefusedConstraint } from './types.js';

export type { LimitRange, LimitRangeConflict, LimitRangeItem, PodRefusal, RefusedConstraint };

type Which = 'requests' | 'limits';

/** A container as the LimitRanger sees it: after decode-time defaulting. */
export interface LimitRangedContainer extends AggregatedContainer {
  name: string;
  list: 'containers' | 'initContainers';
  index: number;
  /** The requests and limits a LimitRange filled in; null when none did. */
  setByLimitRange: SetByLimitRange | null;
}

const ONE = Quantity.parse('1');

/** IsOverCommitAllowed (pkg/apis/core/helper): native resources other than hugepages. */
function isOvercommitAllowed(name: string): boolean {
  const native = !name.includes('/') || name.startsWith('kubernetes.io/');
  return native && !name.startsWith('hugepages-');
}

/**
 * Reads a LimitRange object as the API server stores it: SetDefaults_LimitRangeItem
 * (pkg/apis/core/v1/defaults.go) completes each Container item, then ValidateLimitRange
 * (pkg/apis/core/validation/validation.go) refuses what the API server would not store.
 * Throws SpecError with a JSON Pointer relative to the object.
 */
export function parseLimitRange(object: Record<string, unknown>, fallbackNamespace: string): LimitRange {
  const metadata = isMapping(object.metadata) ? object.metadata : {};
  const name = typeof metadata.name === 'string' && metadata.name !== '' ? metadata.name : null;
  if (name === null) throw new SpecError('is missing: a LimitRange needs a name', '/metadata/name');
  const namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : fallbackNamespace;
  const spec = object.spec;
  if (spec !== undefined && spec !== null && !isMapping(spec)) throw new SpecError('must be a mapping', '/spec');
  const rawLimits = isMapping(spec) ? spec.limits : undefined;
  if (rawLimits !== undefined && rawLimits !== null && !Array.isArray(rawLimits)) throw new SpecError('must be a list', '/spec/limits');
  const items: LimitRangeItem[] = [];
  const seenTypes = new Set<string>();
  (Array.isArray(rawLimits) ? rawLimits : []).forEach((raw, i) => {
    const pointer = `/spec/limits/${i}`;
    if (!isMapping(raw)) throw new SpecError('must be a mapping', pointer);
    const type = raw.type;
    if (typeof type !== 'string' || type === '') throw new SpecError('is missing: each limit needs a type (Container, Pod or PersistentVolumeClaim)', `${pointer}/type`);
    if (seenTypes.has(type)) throw new SpecError(`Duplicate value: "${type}" (one item per type)`, `${pointer}/type`);
    seenTypes.add(type);
    const item: LimitRangeItem = {
      type,
      pointer,
      max: parseResourceList(raw.max, `${pointer}/max`),
      min: parseResourceList(raw.min, `${pointer}/min`),
      default: parseResourceList(raw.default, `${pointer}/default`),
      defaultRequest: parseResourceList(raw.defaultRequest, `${pointer}/defaultRequest`),
      maxLimitRequestRatio: parseResourceList(raw.maxLimitRequestRatio, `${pointer}/maxLimitRequestRatio`),
    };
    if (type === 'Pod') {
      if (item.default.size > 0) throw new SpecError("Forbidden: may not be specified when `type` is 'Pod'", `${pointer}/default`);
      if (item.defaultRequest.size > 0) throw new SpecError("Forbidden: may not be specified when `type` is 'Pod'", `${pointer}/defaultRequest`);
    }
    if (type === 'Container') completeContainerItem(item);
    validateItem(item);
    items.push(item);
  });
  return { namespace, name, id: `${namespace}/${name}`, items };
}

/** SetDefaults_LimitRangeItem: max -> default, default -> defaultRequest, min -> defaultRequest. */
function completeContainerItem(item: LimitRangeItem): void {
  for (const [k, v] of item.max) if (!item.default.has(k)) item.default.set(k, v);
  for (const [k, v] of item.default) if (!item.defaultRequest.has(k)) item.defaultRequest.set(k, v);
  for (const [k, v] of item.min) if (!item.defaultRequest.has(k)) item.defaultRequest.set(k, v);
}

/** The per-resource checks of ValidateLimitRange. */
function validateItem(item: LimitRangeItem): void {
  const keys = new Set([...item.max.keys(), ...item.min.keys(), ...item.default.keys(), ...item.defaultRequest.keys(), ...item.maxLimitRequestRatio.keys()]);
  const at = (field: string, k: string) => `${item.pointer}/${field}/${escapePointerToken(k)}`;
  for (const k of keys) {
    const min = item.min.get(k);
    const max = item.max.get(k);
    const def = item.default.get(k);
    const defReq = item.defaultRequest.get(k);
    const ratio = item.maxLimitRequestRatio.get(k);
    if (min && max && min.cmp(max) > 0) throw new SpecError(`min value ${min} is greater than max value ${max}`, at('min', k));
    if (defReq && min && min.cmp(defReq) > 0) throw new SpecError(`min value ${min} is greater than default request value ${defReq}`, at('defaultRequest', k));
    if (defReq && max && defReq.cmp(max) > 0) throw new SpecError(`default request value ${defReq} is greater than max value ${max}`, at('defaultRequest', k));
    if (defReq && def && defReq.cmp(def) > 0) throw new SpecError(`default request value ${defReq} is greater than default limit value ${def}`, at('defaultRequest', k));
    if (def && min && min.cmp(def) > 0) throw new SpecError(`min value ${min} is greater than default value ${def}`, at('default', k));
    if (def && max && def.cmp(max) > 0) throw new SpecError(`default value ${def} is greater than max value ${max}`, at('default', k));
    if (ratio && ratio.cmp(ONE) < 0) throw new SpecError(`ratio ${ratio} is less than 1`, at('maxLimitRequestRatio', k));
    if (!isOvercommitAllowed(k) && def && defReq && def.cmp(defReq) !== 0) {
      throw new SpecError(`default value ${def} must equal to defaultRequest value ${defReq} in ${k}`, at('default', k));
    }
  }
}

/** What applying LimitRanges to a pod's containers gives. */
export interface LimitRangeDefaulting<C extends LimitRangedContainer> {
  containers: C[];
  initContainers: C[];
  /** Values two LimitRanges default differently, in the order they were met. */
  conflicts: LimitRangeConflict[];
}

/** Which LimitRange (by id) set each request and limit of a container. */
export interface SetByLimitRange {
  requests: Map<string, string>;
  limits: Map<string, string>;
}

/**
 * The mutating half of LimitRanger (mergePodResourceRequirements): each LimitRange's Container item
 * fills each request and limit key a container and init container lacks ("missing" means absent: an
 * explicit 0 stays). With several LimitRanges each fills what is still missing, in an order the
 * cluster does not define; oomguard takes input order and reports the values that disagree.
 * `withResources` builds the changed container.
 */
export function applyLimitRangeDefaults<C extends LimitRangedContainer>(
  pod: { containers: readonly C[]; initContainers: readonly C[] },
  limitRanges: readonly LimitRange[],
  withResources: (c: C, resources: Resources, setBy: SetByLimitRange) => C,
): LimitRangeDefaulting<C> {
  const conflicts: LimitRangeConflict[] = [];
  const defaults = limitRanges.flatMap((lr) => {
    const item = lr.items.find((i) => i.type === 'Container');
    return item && (item.default.size > 0 || item.defaultRequest.size > 0) ? [{ id: lr.id, limits: item.default, requests: item.defaultRequest }] : [];
  });
  const apply = (c: C): C => {
    if (defaults.length === 0) return c;
    let requests: ResourceMap | null = null;
    let limits: ResourceMap | null = null;
    const setBy: SetByLimitRange = { requests: new Map(), limits: new Map() };
    for (const d of defaults) {
      for (const which of ['limits', 'requests'] as const) {
        for (const [name, value] of d[which]) {
          const own = c.resources[which].get(name);
          if (own !== undefined) continue;
          const firstBy = setBy[which].get(name);
          if (firstBy !== undefined) {
            const used = (which === 'requests' ? requests : limits)!.get(name)!;
            if (used.cmp(value) !== 0) {
              conflicts.push({
                container: c.name,
                specPointer: `/${c.list}/${c.index}`,
                which,
                resource: name,
                used: { limitRange: firstBy, value: used.toString() },
                ignored: { limitRange: d.id, value: value.toString() },
              });
            }
            continue;
          }
          if (which === 'requests') (requests ??= new Map(c.resources.requests)).set(name, value);
          else (limits ??= new Map(c.resources.limits)).set(name, value);
          setBy[which].set(name, d.id);
        }
      }
    }
    if (requests === null && limits === null) return c;
    return withResources(c, { requests: requests ?? c.resources.requests, limits: limits ?? c.resources.limits }, setBy);
  };
  // Admission order: containers, then init containers (mergePodResourceRequirements).
  const containers = pod.containers.map(apply);
  const initContainers = pod.initContainers.map(apply);
  return { containers, initContainers, conflicts };
}

/** LimitRanges by namespace, each namespace's in the order given (the order they are applied in). */
export function limitRangesByNamespace(limitRanges: Iterable<LimitRange>): Map<string, LimitRange[]> {
  const out = new Map<string, LimitRange[]>();
  for (const lr of limitRanges) {
    const list = out.get(lr.namespace);
    if (list === undefined) out.set(lr.namespace, [lr]);
    else list.push(lr);
  }
  return out;
}

const MAX_MILLI_VALUE = ((1n << 63n) - 1n) / 1000n;

/**
 * requestLimitEnforcedValues: compared as Value() (rounded up to whole units), or as MilliValue()
 * when all three fit. PR #141348 (1.38) compares exactly; every supported minor rounds.
 */
function enforcedValues(req: Quantity | undefined, lim: Quantity | undefined, enforced: Quantity): [bigint, bigint, bigint] {
  const zero = 0n;
  let r = req?.value() ?? zero;
  let l = lim?.value() ?? zero;
  let e = enforced.value();
  if (r <= MAX_MILLI_VALUE && l <= MAX_MILLI_VALUE && e <= MAX_MILLI_VALUE) {
    r = req?.milliValue() ?? zero;
    l = lim?.milliValue() ?? zero;
    e = enforced.milliValue();
  }
  return [r, l, e];
}

type Violation = { constraint: Exclude<RefusedConstraint, 'requestWithinLimit'>; message: string };

/** minConstraint, maxConstraint and limitRequestRatioConstraint of admission.go, with their messages. */
function constraintViolations(item: LimitRangeItem, scope: 'Container' | 'Pod', r: Resources): Array<Violation & { resource: string }> {
  const out: Array<Violation & { resource: string }> = [];
  for (const [name, enforced] of item.min) {
    const req = r.requests.get(name);
    const lim = r.limits.get(name);
    const [rv, lv, ev] = enforcedValues(req, lim, enforced);
    let message: string | null = null;
    if (req === undefined) message = `minimum ${name} usage per ${scope} is ${enforced}.  No request is specified`;
    else if (rv < ev) message = `minimum ${name} usage per ${scope} is ${enforced}, but request is ${req}`;
    else if (lim !== undefined && lv < ev) message = `minimum ${name} usage per ${scope} is ${enforced}, but limit is ${lim}`;
    if (message !== null) out.push({ constraint: 'min', resource: name, message });
  }
  for (const [name, enforced] of item.max) {
    const req = r.requests.get(name);
    const lim = r.limits.get(name);
    const [rv, lv, ev] = enforcedValues(req, lim, enforced);
    let message: string | null = null;
    if (lim === undefined) message = `maximum ${name} usage per ${scope} is ${enforced}.  No limit is specified`;
    else if (lv > ev) message = `maximum ${name} usage per ${scope} is ${enforced}, but limit is ${lim}`;
    else if (req !== undefined && rv > ev) message = `maximum ${name} usage per ${scope} is ${enforced}, but request is ${req}`;
    if (message !== null) out.push({ constraint: 'max', resource: name, message });
  }
  for (const [name, enforced] of item.maxLimitRequestRatio) {
    const req = r.requests.get(name);
    const lim = r.limits.get(name);
    const [rv, lv] = enforcedValues(req, lim, enforced);
    let message: string | null = null;
    if (req === undefined || rv === 0n) {
      message = `${name} max limit to request ratio per ${scope} is ${enforced}, but no request is specified or request is 0`;
    } else if (lim === undefined || lv === 0n) {
      message = `${name} max limit to request ratio per ${scope} is ${enforced}, but no limit is specified or limit is 0`;
    } else {
      // float64 arithmetic, as admission.go does it.
      const displayed = Number(lv) / Number(rv);
      let observed = displayed;
      let maximum = Number(enforced.value());
      if (enforced.value() <= MAX_MILLI_VALUE) {
        observed = observed * 1000;
        maximum = Number(enforced.milliValue());
      }
      if (observed > maximum) message = `${name} max limit to request ratio per ${scope} is ${enforced}, but provided ratio is ${displayed.toFixed(6)}`;
    }
    if (message !== null) out.push({ constraint: 'maxLimitRequestRatio', resource: name, message });
  }
  return out;
}

/** The pod's containers after defaulting, and its pod-level stanza (null when absent or dropped). */
export interface LimitRangedPod {
  containers: readonly LimitRangedContainer[];
  initContainers: readonly LimitRangedContainer[];
  podResources: Resources | null;
}

/**
 * `sum` of admission.go before 1.28: a resource is totalled over the regular containers only when
 * every one of them sets it (cpu in milli-units, the rest in whole units, rounded up).
 */
function legacySum(containers: readonly LimitRangedContainer[], which: Which): ResourceMap {
  const out: ResourceMap = new Map();
  const names = new Set(containers.flatMap((c) => [...c.resources[which].keys()]));
  for (const name of names) {
    let total = 0n;
    let everyone = true;
    for (const c of containers) {
      const q = c.resources[which].get(name);
      if (q === undefined) {
        everyone = false;
        break;
      }
      total += name === 'cpu' ? q.milliValue() : q.value();
    }
    if (everyone) out.set(name, name === 'cpu' ? Quantity.fromNanos(total * 1_000_000n, 'DecimalSI') : Quantity.fromNanos(total * 1_000_000_000n, 'DecimalSI'));
  }
  return out;
}

/**
 * podRequests / podLimits of admission.go, what Pod-type items are checked against.
 * 1.25–1.27: legacySum, then an init container's own value replaces the total when larger.
 * 1.28+ (PR #116429): resourcehelper.PodRequests / PodLimits — the KEP-753 sidecar-aware aggregate
 * of every resource any container sets; with PodLevelResources (1.32+) the pod-level cpu, memory
 * (and hugepages, 1.33+) values replace it. Overhead is left out: RuntimeClass admission sets it.
 */
export function podTotals(pod: LimitRangedPod, which: Which, model: KubeletModel): ResourceMap {
  if (model.minor < 28) {
    const out = legacySum(pod.containers, which);
    for (const c of pod.initContainers) {
      for (const [name, q] of c.resources[which]) {
        const current = out.get(name);
        if (current === undefined || q.cmp(current) > 0) out.set(name, q);
      }
    }
    return out;
  }
  const out: ResourceMap = new Map();
  const names = new Set([...pod.containers, ...pod.initContainers].flatMap((c) => [...c.resources[which].keys()]));
  for (const name of names) out.set(name, aggregateContainerRequest(pod, name, which));
  const podLevel = pod.podResources?.[which];
  if (model.podLevelResources && podLevel !== undefined && podLevel.size > 0) {
    for (const [name, q] of podLevel) {
      if (isSupportedPodLevelResource(name, model)) out.set(name, q);
    }
  }
  return out;
}

/**
 * The validating half of LimitRanger (PodValidateLimitFunc): every LimitRange's Container item
 * against each container and init container, its Pod item against the pod's totals. Also the
 * API server's request <= limit check (422) where a LimitRange default broke it, which comes first.
 */
export function podRefusals(pod: LimitRangedPod, limitRanges: readonly LimitRange[], model: KubeletModel): PodRefusal[] {
  const refusals: PodRefusal[] = [];
  const all = [...pod.containers, ...pod.initContainers];
  // ValidateResourceRequirements (pkg/apis/core/validation/validation.go) runs in the registry
  // strategy, after mutating admission: a default limit below the container's own request fails it.
  for (const c of all) {
    const by = c.setByLimitRange;
    if (by === null) continue;
    for (const [name, request] of c.resources.requests) {
      const limit = c.resources.limits.get(name);
      if (limit === undefined || request.cmp(limit) <= 0) continue;
      const limitBy = by.limits.get(name);
      const culprit = limitBy ?? by.requests.get(name);
      if (culprit === undefined) continue;
      refusals.push({
        limitRange: culprit,
        status: 422,
        scope: 'Container',
        constraint: 'requestWithinLimit',
        resource: name,
        container: { name: c.name, specPointer: `/${c.list}/${c.index}` },
        message: `spec.${c.list}[${c.index}].resources.requests: Invalid value: "${request}": must be less than or equal to ${name} limit of ${limit}`,
        invalid: { defaulted: limitBy !== undefined ? 'limit' : 'request', request: request.toString(), limit: limit.toString() },
      });
    }
  }
  let totals: { requests: Resources['requests']; limits: Resources['limits'] } | null = null;
  for (const lr of limitRanges) {
    for (const item of lr.items) {
      if (item.type === 'Container') {
        for (const c of all) {
          for (const v of constraintViolations(item, 'Container', c.resources)) {
            refusals.push({ limitRange: lr.id, status: 403, scope: 'Container', constraint: v.constraint, resource: v.resource, container: { name: c.name, specPointer: `/${c.list}/${c.index}` }, message: v.message });
          }
        }
      } else if (item.type === 'Pod') {
        totals ??= { requests: podTotals(pod, 'requests', model), limits: podTotals(pod, 'limits', model) };
        for (const v of constraintViolations(item, 'Pod', totals)) {
          refusals.push({ limitRange: lr.id, status: 403, scope: 'Pod', constraint: v.constraint, resource: v.resource, container: null, message: v.message });
        }
      }
    }
  }
  return refusals;
}
