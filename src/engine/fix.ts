// JSON Patch (RFC 6902) for fixes: the requests-equal-limits fix, shared by the mutating webhook
// and `oomguard fix`, and a small pure applier (add, replace, remove, test) used by tests and by
// the CLI to show the fixed object. Pure: no I/O, nothing mutated, no unbounded recursion.
import { Quantity, QuantityError } from '../core/quantity.js';
import { escapePointerToken } from '../core/pod.js';
import { pointerTokens } from './pointer.js';
import type { PatchOperation } from './types.js';
import { podLevelDecidesQos } from '../core/qos.js';
import type { KubeletModel } from '../core/versions.js';

export type { PatchOperation };

/** The resources whose request this fix raises to the limit (the two that decide QoS). */
export const FIXED_RESOURCES = ['cpu', 'memory'] as const;

type Json = Record<string, unknown>;

function isMapping(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseQuantity(v: unknown): Quantity | null {
  if (v === undefined || v === null) return null;
  try {
    return Quantity.parse(v);
  } catch (err) {
    if (err instanceof QuantityError) return null;
    throw err;
  }
}

/**
 * Operations raising one `resources` stanza's cpu/memory requests to its limits. With
 * `limitDefaultsRequest` (container stanzas), a request that is not written at all is left out:
 * the API server sets it to the limit when the pod is created (SetDefaults_Pod,
 * pkg/apis/core/v1/defaults.go), so writing it changes nothing and only makes a noisy diff.
 */
function resourcesPatch(resources: unknown, pointer: string, out: PatchOperation[], limitDefaultsRequest: boolean): void {
  if (!isMapping(resources) || !isMapping(resources.limits)) return;
  const limits = resources.limits;
  const requests = resources.requests;
  const missing: Json = {};
  const ops: PatchOperation[] = [];
  for (const name of FIXED_RESOURCES) {
    if (!Object.prototype.hasOwnProperty.call(limits, name)) continue;
    const limit = parseQuantity(limits[name]);
    // Invalid or zero limits are left alone: the API server rejects the first, and a zero limit
    // does not count for QoS.
    if (limit === null || limit.sign() <= 0) continue;
    const current = isMapping(requests) && Object.prototype.hasOwnProperty.call(requests, name) ? requests[name] : undefined;
    if (current === undefined && limitDefaultsRequest) continue;
    if (current === undefined || current === null) {
      missing[name] = limits[name];
      continue;
    }
    const request = parseQuantity(current);
    // An invalid request is the API server's to reject; a request above the limit is invalid too,
    // and lowering it is not this fix's business.
    if (request === null || request.cmp(limit) >= 0) continue;
    ops.push({ op: 'replace', path: `${pointer}/requests/${escapePointerToken(name)}`, value: limits[name] });
  }
  const missingNames = Object.keys(missing);
  if (missingNames.length > 0) {
    if (isMapping(requests)) {
      for (const name of missingNames) {
        out.push({ op: 'add', path: `${pointer}/requests/${escapePointerToken(name)}`, value: missing[name] });
      }
    } else {
      // No requests map (or `requests: null`): add one holding what is needed. `add` on an
      // existing member replaces it, which is what `null` needs.
      out.push({ op: 'add', path: `${pointer}/requests`, value: missing });
    }
  }
  out.push(...ops);
}

/** The stanzas whose requests and limits decide a pod's QoS class: spec.resources, or the containers'. */
export type DecidingStanzas = 'pod-level' | 'containers';

/**
 * Which stanzas decide the QoS class of the pod (template) at `podPointer`, for this version and
 * feature gates (core/qos.ts podLevelDecidesQos on the pod as written).
 */
export function decidingStanzas(object: unknown, podPointer: string, model: KubeletModel): DecidingStanzas {
  const pod = getAtPointer(object, podPointer);
  const resources = isMapping(pod) && isMapping(pod.spec) ? pod.spec.resources : undefined;
  if (!isMapping(resources)) return 'containers';
  const names = [resources.requests, resources.limits].flatMap((list) => (isMapping(list) ? Object.keys(list) : []));
  return podLevelDecidesQos(names, model) ? 'pod-level' : 'containers';
}

/**
 * JSON Patch raising cpu and memory requests to the limits in the stanzas that decide the QoS
 * class of the pod (template) at `podPointer` (an escaped JSON Pointer, "" for a Pod): every
 * container and init container, or the pod-level `spec.resources` alone. Only resources that have
 * a limit are touched; arrays are never replaced; an object that already complies gets `[]`.
 * Ephemeral containers never count for QoS and are left alone.
 *
 * Where spec.resources decides, container requests are left as they are: they do not count for
 * the class, and the API server requires their aggregate to stay within the pod-level requests
 * (validatePodResourceConsistency, pkg/apis/core/validation/validation.go), which raising each to
 * its limit would break whenever the container limits add up to more than the pod-level one.
 */
export function requestsEqualLimitsPatch(object: unknown, podPointer: string, deciding: DecidingStanzas): PatchOperation[] {
  const pod = getAtPointer(object, podPointer);
  if (!isMapping(pod) || !isMapping(pod.spec)) return [];
  const spec = pod.spec;
  const out: PatchOperation[] = [];
  if (deciding === 'pod-level') {
    // A missing pod-level request defaults to the aggregated container requests, not to the
    // pod-level limit (1.32+, pkg/apis/core/v1/defaults.go defaultPodRequests): it must be written.
    resourcesPatch(spec.resources, `${podPointer}/spec/resources`, out, false);
    return out;
  }
  for (const list of ['initContainers', 'containers'] as const) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    containers.forEach((c, i) => {
      if (!isMapping(c)) return;
      resourcesPatch(c.resources, `${podPointer}/spec/${list}/${i}/resources`, out, true);
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Applying a patch.

export class PatchError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(`patch operation ${index}: ${message}`);
    this.name = 'PatchError';
  }
}

function getAtPointer(root: unknown, pointer: string): unknown {
  let cur: unknown = root;
  for (const token of pointerTokens(pointer)) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
      cur = cur[Number(token)];
    } else if (isMapping(cur)) {
      cur = Object.prototype.hasOwnProperty.call(cur, token) ? cur[token] : undefined;
    } else {
      return undefined;
    }
  }
  return cur;
}

/** Structural equality of JSON values, iterative (no recursion on deep values). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const stack: Array<[unknown, unknown]> = [[a, b]];
  while (stack.length > 0) {
    const [x, y] = stack.pop()!;
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    if (Array.isArray(x)) {
      const ya = y as unknown[];
      if (x.length !== ya.length) return false;
      for (let i = 0; i < x.length; i++) stack.push([x[i], ya[i]]);
    } else {
      const xk = Object.keys(x);
      const yo = y as Json;
      if (xk.length !== Object.keys(yo).length) return false;
      for (const k of xk) {
        if (!Object.prototype.hasOwnProperty.call(yo, k)) return false;
        stack.push([(x as Json)[k], yo[k]]);
      }
    }
  }
  return true;
}

function arrayIndex(token: string, length: number, allowEnd: boolean, i: number): number {
  if (allowEnd && token === '-') return length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw new PatchError(`"${token}" is not an array index`, i);
  const n = Number(token);
  if (n > length || (!allowEnd && n === length)) throw new PatchError(`index ${n} is out of bounds`, i);
  return n;
}

/**
 * Applies add, replace, remove and test operations (RFC 6902) and returns the new document. The
 * input is never modified: containers along each operation's path are copied, everything else is
 * shared. Throws PatchError (a failed test, a missing path, a bad index); `move` and `copy` are not
 * supported.
 */
export function applyPatch<T>(doc: T, ops: readonly PatchOperation[]): T {
  let root: unknown = doc;
  // Containers copied during this call, safe to modify in place for later operations.
  const owned = new WeakSet<object>();
  const own = <C extends object>(c: C): C => {
    if (owned.has(c)) return c;
    const copy = (Array.isArray(c) ? [...c] : { ...c }) as C;
    owned.add(copy);
    return copy;
  };

  ops.forEach((op, i) => {
    if (typeof op.path !== 'string' || (op.path !== '' && !op.path.startsWith('/'))) {
      throw new PatchError(`invalid path ${JSON.stringify(op.path)}`, i);
    }
    if (op.op === 'test') {
      const found = getAtPointer(root, op.path);
      if (found === undefined || !jsonEqual(found, op.value)) throw new PatchError(`test failed at ${op.path}`, i);
      return;
    }
    if (op.op !== 'add' && op.op !== 'replace' && op.op !== 'remove') {
      throw new PatchError(`unsupported operation ${JSON.stringify((op as { op: unknown }).op)}`, i);
    }
    const tokens = pointerTokens(op.path);
    if (tokens.length === 0) {
      if (op.op === 'remove') throw new PatchError('cannot remove the whole document', i);
      root = op.value;
      return;
    }
    // Copy the path down to the parent of the target.
    if (typeof root !== 'object' || root === null) throw new PatchError(`path ${op.path} does not exist`, i);
    root = own(root as object);
    let parent = root as Json | unknown[];
    for (let t = 0; t < tokens.length - 1; t++) {
      const token = tokens[t];
      let child: unknown;
      if (Array.isArray(parent)) {
        const n = arrayIndex(token, parent.length, false, i);
        child = parent[n];
        if (typeof child !== 'object' || child === null) throw new PatchError(`path ${op.path} does not exist`, i);
        child = own(child as object);
        parent[n] = child;
      } else {
        if (!Object.prototype.hasOwnProperty.call(parent, token)) throw new PatchError(`path ${op.path} does not exist`, i);
        child = parent[token];
        if (typeof child !== 'object' || child === null) throw new PatchError(`path ${op.path} does not exist`, i);
        child = own(child as object);
        Object.defineProperty(parent, token, { value: child, writable: true, enumerable: true, configurable: true });
      }
      parent = child as Json | unknown[];
    }
    const last = tokens[tokens.length - 1];
    if (Array.isArray(parent)) {
      const n = arrayIndex(last, parent.length, op.op === 'add', i);
      if (op.op === 'add') parent.splice(n, 0, op.value);
      else if (op.op === 'replace') parent[n] = op.value;
      else parent.splice(n, 1);
    } else {
      const exists = Object.prototype.hasOwnProperty.call(parent, last);
      if (op.op !== 'add' && !exists) throw new PatchError(`path ${op.path} does not exist`, i);
      if (op.op === 'remove') delete parent[last];
      // defineProperty, not assignment: a "__proto__" key stays a plain member.
      else Object.defineProperty(parent, last, { value: op.value, writable: true, enumerable: true, configurable: true });
    }
  });
  return root as T;
}

// ---------------------------------------------------------------------------------------------
// Opting out, shared by the mutating webhook and `oomguard fix`.

/** The mutations `oomguard serve --mutate` and `oomguard fix --mutate` offer. */
export const MUTATIONS = ['requests-equal-limits'] as const;
export type Mutation = (typeof MUTATIONS)[number];

/** Objects (or their pod templates) with this annotation set to "false" are never patched. */
export const MUTATE_ANNOTATION = 'oomguard.io/mutate';

function annotation(meta: unknown, key: string): string | undefined {
  if (!isMapping(meta) || !isMapping(meta.annotations)) return undefined;
  const v = meta.annotations[key];
  return typeof v === 'string' ? v : undefined;
}

/** Whether the object or its pod (template) says `oomguard.io/mutate: "false"`. */
export function optedOutOfMutation(object: Record<string, unknown>, podMetadata: unknown): boolean {
  return [annotation(object.metadata, MUTATE_ANNOTATION), annotation(podMetadata, MUTATE_ANNOTATION)].some(
    (v) => v !== undefined && v.trim().toLowerCase() === 'false',
  );
}

/** Whether two JSON Pointers name the same node or one lies inside the other. */
export function pointersOverlap(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}
