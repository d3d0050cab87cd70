// Helpers shared by the rules (like ESLint's lib/rules/utils): pointers, raw-object access and
// the wording of numbers. Never rule-specific logic. Not a rule: rules/index.ts does not list it.
import { Quantity, formatBytes } from '../src/core/quantity.js';
import type { Container, ContainerResult, ContainerType } from '../src/core/types.js';
import type { Workload } from '../src/engine/types.js';

export function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 6901 token escaping: "~" -> "~0", "/" -> "~1". */
export function escapeToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** JSON Pointer of the pod spec inside the original object. */
export function podSpecPointer(w: Workload): string {
  return `${w.podPointer}/spec`;
}

/** JSON Pointer of a container inside the original object, e.g. "/spec/template/spec/containers/1". */
export function containerPointer(w: Workload, c: Pick<ContainerResult, 'specPointer'>): string {
  return `${w.podPointer}/spec${c.specPointer}`;
}

/** The container as written (no defaulting), or undefined when the spec is malformed. */
export function rawContainer(w: Workload, c: Pick<ContainerResult, 'specPointer'>): Container | undefined {
  // specPointer is "/containers/1" or "/initContainers/0" (ContainerResult).
  const p = c.specPointer;
  const slash = p.indexOf('/', 1);
  const list = p.slice(1, slash);
  const index = p.slice(slash + 1);
  const spec = w.pod.spec as Record<string, unknown> | null | undefined;
  if (!isMapping(spec)) return undefined;
  const containers = spec[list];
  if (!Array.isArray(containers)) return undefined;
  const raw: unknown = containers[Number(index)];
  return isMapping(raw) ? (raw as Container) : undefined;
}

/** "container", "sidecar" or "init container": how messages name a container of that type. */
export function containerNoun(type: ContainerType): string {
  return type === 'init' ? 'init container' : type;
}

/** `container "prometheus"`, `init container "migrate"`. */
export function containerLabel(c: Pick<ContainerResult, 'type' | 'name'>): string {
  return `${containerNoun(c.type)} "${c.name}"`;
}

/**
 * The indefinite article as the amount is spoken: "an 8Gi", "an 11Gi", "an 18Gi", "a 16Gi",
 * "a 1T" ("eight", "eleven", "eighteen" start with a vowel sound; so do 11 and 18 thousand).
 */
export function withArticle(amount: string): string {
  const digits = /^\d+/.exec(amount)?.[0] ?? '';
  const vowel = digits.startsWith('8') || (/^1[18]/.test(digits) && digits.length % 3 === 2);
  return `${vowel ? 'an' : 'a'} ${amount}`;
}

/** Parses a raw quantity value as written; null when absent, null-valued or unparseable. */
export function parseQuantity(raw: unknown): Quantity | null {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'string' && typeof raw !== 'number') return null;
  try {
    return Quantity.parse(raw);
  } catch {
    return null;
  }
}

/** A resource list (requests or limits) as written, or null. */
export function rawResourceList(holder: unknown, which: 'requests' | 'limits'): Record<string, unknown> | null {
  if (!isMapping(holder)) return null;
  const resources = holder.resources;
  if (!isMapping(resources)) return null;
  const list = resources[which];
  return isMapping(list) ? list : null;
}

/**
 * Exact comparison of `a / b` with a decimal number, in integers: returns a/b > x.
 * `x` is read from its shortest decimal text (what the user wrote), so 1.1 means 11/10.
 */
export function ratioExceeds(a: bigint, b: bigint, x: number): boolean {
  const { num, den } = decimalToFraction(x);
  // a/b > num/den  <=>  a*den > num*b   (b, den > 0)
  return a * den > num * b;
}

/** The shortest decimal text of a finite non-negative number as an exact fraction. */
export function decimalToFraction(x: number): { num: bigint; den: bigint } {
  if (!Number.isFinite(x) || x < 0) throw new RangeError(`expected a finite non-negative number, got ${x}`);
  const m = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(x));
  if (!m) throw new RangeError(`cannot read ${x} as a decimal`);
  const digits = m[1] + (m[2] ?? '');
  const exp = (m[3] === undefined ? 0 : Number(m[3])) - (m[2]?.length ?? 0);
  const num = BigInt(digits);
  return exp >= 0 ? { num: num * 10n ** BigInt(exp), den: 1n } : { num, den: 10n ** BigInt(-exp) };
}

/** a / b with two decimals, rounded up, trailing zeros dropped: 7.75, 2.01, 3. */
export function formatRatio(a: bigint, b: bigint): string {
  const hundredths = (a * 100n + b - 1n) / b;
  const whole = hundredths / 100n;
  const frac = hundredths % 100n;
  if (frac === 0n) return whole.toString();
  return `${whole}.${frac.toString().padStart(2, '0').replace(/0$/, '')}`;
}

/**
 * The pod's memory limit as the kubelet sizes the pod cgroup (ResourceConfigForPod): the
 * pod-level limit when in effect, else — only if every container has a memory limit — the
 * larger of the sum over regular containers and sidecars and each plain init container's limit
 * plus the sidecars started before it. null when the pod cgroup has no memory limit.
 */
export function podMemoryLimit(w: Workload): bigint | null {
  const a = w.analysis;
  if (a.podLevelResources && a.podMemoryLimit !== null) return a.podMemoryLimit;
  if (a.containers.length === 0 || a.containers.some((c) => c.memoryLimit === null)) return null;
  let total = 0n;
  let sidecars = 0n;
  let initMax = 0n;
  for (const c of a.containers) {
    const limit = c.memoryLimit as bigint;
    if (c.type === 'container') total += limit;
    else if (c.type === 'sidecar') {
      total += limit;
      sidecars += limit;
      if (sidecars > initMax) initMax = sidecars;
    } else if (limit + sidecars > initMax) initMax = limit + sidecars;
  }
  return total > initMax ? total : initMax;
}

export { formatBytes };
