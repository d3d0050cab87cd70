// admission.k8s.io/v1 AdmissionReview: parsing and checking the envelope, the response builders
// (allow, deny, warn, patch), failure-policy emulation, and the judgement of one request through
// the one engine (a linter prepared once per server), with UPDATE judged against oldObject. No
// fastify, no I/O: the routes call these, and tests can too.
import { prepareLinter } from '../engine/lint.js';
import type { Linter, RuleCrash, RuleSetting } from '../engine/lint.js';
import { locatePod } from '../engine/extract-workloads.js';
import type { PodLocation } from '../engine/extract-workloads.js';
import { decidingStanzas, jsonEqual, optedOutOfMutation, requestsEqualLimitsPatch, MUTATIONS, MUTATE_ANNOTATION } from '../engine/fix.js';
import type { Mutation } from '../engine/fix.js';
import { IGNORE_ANNOTATION } from '../engine/suppress.js';
import type { Finding, ObjectReport, PatchOperation, Severity } from '../engine/types.js';
import type { InputError, SourceObject } from '../input/types.js';
import type { NodeFacts } from '../core/node.js';
import type { Placement } from '../core/placement.js';
import { formatBytes } from '../core/quantity.js';
import type { FeatureGates, LimitRange, PodLike } from '../core/types.js';
import { kubeletModel } from '../core/versions.js';
import type { KubeletModel } from '../core/versions.js';
import type { AnyRule } from '../../rules/index.js';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
export const MODES = ['enforce', 'warn', 'audit'] as const;
export type Mode = (typeof MODES)[number];
export const FAILURE_POLICIES = ['Ignore', 'Fail'] as const;
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];
// The mutations and the opt-out annotation are shared with `oomguard fix` (src/engine/fix.ts).
export { MUTATIONS, MUTATE_ANNOTATION };
export type { Mutation };

/** kubectl prints each warning on one line; the API server truncates past 256 runes under pressure. */
export const MAX_WARNING_LENGTH = 120;
export const MAX_WARNINGS = 5;
/** Status messages are shown whole by kubectl; keep a denial readable. */
export const MAX_STATUS_MESSAGE = 2000;

// ---------------------------------------------------------------------------------------------
// The envelope.

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface AdmissionRequest {
  uid: string;
  kind?: GroupVersionKind;
  resource?: { group: string; version: string; resource: string };
  subResource?: string;
  operation?: string;
  namespace?: string;
  name?: string;
  object?: unknown;
  oldObject?: unknown;
  dryRun?: boolean;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; message: string; reason?: string };
  warnings?: string[];
  patchType?: 'JSONPatch';
  patch?: string;
  auditAnnotations?: Record<string, string>;
}

export interface AdmissionReviewResponse {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

/** A body that is not an AdmissionReview v1 with a request uid: answered with HTTP 400. */
export class ReviewError extends Error {
  readonly statusCode = 400;
  constructor(message: string) {
    super(message);
    this.name = 'ReviewError';
  }
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Checks the envelope and returns its request. Throws ReviewError. */
export function parseReview(body: unknown): AdmissionRequest {
  if (!isMapping(body)) throw new ReviewError('body must be an AdmissionReview object');
  if (body.kind !== 'AdmissionReview') throw new ReviewError(`kind must be AdmissionReview (got ${JSON.stringify(str(body.kind) ?? null)})`);
  if (body.apiVersion !== ADMISSION_API_VERSION) {
    throw new ReviewError(`apiVersion must be ${ADMISSION_API_VERSION} (got ${JSON.stringify(str(body.apiVersion) ?? null)}): register the webhook with admissionReviewVersions: ["v1"]`);
  }
  const r = body.request;
  if (!isMapping(r)) throw new ReviewError('request is missing');
  if (typeof r.uid !== 'string' || r.uid === '') throw new ReviewError('request.uid is missing');
  if (r.uid.length > 256) throw new ReviewError('request.uid is too long');
  const out: AdmissionRequest = { uid: r.uid, object: r.object, oldObject: r.oldObject };
  if (isMapping(r.kind)) out.kind = { group: str(r.kind.group) ?? '', version: str(r.kind.version) ?? '', kind: str(r.kind.kind) ?? '' };
  if (isMapping(r.resource)) {
    out.resource = { group: str(r.resource.group) ?? '', version: str(r.resource.version) ?? '', resource: str(r.resource.resource) ?? '' };
  }
  out.subResource = str(r.subResource);
  out.operation = str(r.operation);
  out.namespace = str(r.namespace);
  out.name = str(r.name);
  out.dryRun = r.dryRun === true;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Builders.

export function reviewOf(response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response };
}

export function allow(uid: string, warnings: string[] = []): AdmissionResponse {
  const r: AdmissionResponse = { uid, allowed: true };
  if (warnings.length > 0) r.warnings = warnings;
  return r;
}

export function deny(uid: string, code: number, message: string, warnings: string[] = []): AdmissionResponse {
  const reason = code === 403 ? 'Forbidden' : code === 422 ? 'Invalid' : code >= 500 ? 'InternalError' : 'BadRequest';
  const r: AdmissionResponse = { uid, allowed: false, status: { code, message: truncate(message, MAX_STATUS_MESSAGE), reason } };
  if (warnings.length > 0) r.warnings = warnings;
  return r;
}

export function patched(uid: string, ops: readonly PatchOperation[], warnings: string[] = []): AdmissionResponse {
  const r = allow(uid, warnings);
  if (ops.length > 0) {
    r.patchType = 'JSONPatch';
    r.patch = Buffer.from(JSON.stringify(ops)).toString('base64');
  }
  return r;
}

/**
 * What the API server would do with the configured failurePolicy if this webhook failed: Ignore
 * admits (we say so in a warning), Fail denies with code 500.
 */
export function cannotDecide(uid: string, policy: FailurePolicy, reason: string): AdmissionResponse {
  if (policy === 'Fail') return deny(uid, 500, `oomguard could not check this object: ${reason} (failurePolicy Fail)`);
  return allow(uid, [shortWarning(`oomguard could not check this object, allowed by failurePolicy Ignore: ${reason}`)]);
}

function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

// Line breaks of any kind, tabs, or two ASCII spaces: what breaks or pads a kubectl line. (Testing
// for \s\s costs twice as much; doubled non-ASCII spaces are left as written.)
const LOOSE_SPACE = /[\t\n\v\f\r\u0085\u2028\u2029]|  /;
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * One line kubectl shows whole: the finding up to its first " — " (the statement with its numbers;
 * the consequence that follows is in `oomguard lint`), then cut at a word boundary if still long.
 */
export function shortWarning(text: string, max = MAX_WARNING_LENGTH): string {
  let t = LOOSE_SPACE.test(text) ? text.replace(/\s+/g, ' ') : text;
  t = t.trim();
  // UTF-16 length bounds the number of characters: short cases never split into code points.
  if (t.length <= max) return t;
  const dash = t.indexOf(' — ');
  if (dash > 0) t = t.slice(0, dash);
  if (t.length <= max) return t;
  // Cut by code points, not UTF-16 units; without surrogates they are the same, and slicing is cheap.
  const chars = SURROGATE.test(t) ? Array.from(t) : null;
  if (chars !== null && chars.length <= max) return t;
  const cut = chars !== null ? chars.slice(0, max - 1).join('') : t.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}

/** At most MAX_WARNINGS lines; the last says how many more there are. */
export function capWarnings(lines: string[], max = MAX_WARNINGS): string[] {
  // A review has a handful of lines: comparing them is cheaper than hashing them into a Set.
  let unique: string[];
  if (lines.length > 16) unique = [...new Set(lines)];
  else {
    unique = [];
    for (const line of lines) if (!unique.includes(line)) unique.push(line);
  }
  if (unique.length <= max) return unique;
  const rest = unique.length - (max - 1);
  return [...unique.slice(0, max - 1), `… and ${rest} more oomguard findings (run oomguard lint for all)`];
}

// ---------------------------------------------------------------------------------------------
// Judgement.

export interface JudgeSettings {
  mode: Mode;
  failurePolicy: FailurePolicy;
  kubernetesVersion: string;
  featureGates: Partial<FeatureGates>;
  rules: readonly AnyRule[];
  ruleSettings?: ReadonlyMap<string, RuleSetting>;
}

/** JudgeSettings with their linter prepared (gates resolved, rules configured): built once per server. */
export interface Judge extends JudgeSettings {
  readonly linter: Linter;
  /** The kubelet and API-server model of the version and gates (which stanzas the mutation raises). */
  readonly model: KubeletModel;
}

/** Throws VersionError for feature gates the version does not accept. */
export function prepareJudge(settings: JudgeSettings): Judge {
  const linter = prepareLinter(settings);
  return { ...settings, linter, model: kubeletModel(linter.kubernetesVersion, linter.gates) };
}

/** What the validating endpoint decided, for the response, the log line and the metrics. */
export type Decision = 'allow' | 'deny' | 'warn' | 'audit' | 'skip' | 'fail-open' | 'fail-closed' | 'invalid';

export interface Outcome {
  response: AdmissionResponse;
  decision: Decision;
  /** Findings that counted (after the UPDATE diff). */
  findings: Finding[];
  /** Why the object was not judged (skip), or why it could not be (fail-*). */
  reason?: string;
  kind?: string;
  objectName?: string;
  node?: NodeFacts;
  /** The LimitRanges of the object's namespace it was judged with. */
  limitRanges?: readonly LimitRange[];
}

/** Chooses node facts for a pod (template): the node it is bound or selected to, else the worst case. */
/** Where a pod is judged: its placement (core/placement.ts), or one capacity for every pod. */
export type NodeChooser = (pod: PodLike | null) => Placement | NodeFacts;

/** The LimitRanges of a namespace, in the order they are applied. */
export type LimitRangeChooser = (namespace: string) => readonly LimitRange[];

const NO_LIMIT_RANGES: LimitRangeChooser = () => [];

const firstLine = () => 1;

/** An object from a review as the engine takes it: no file, so every line is 1. */
export function sourceOf(object: Record<string, unknown>, file = '<admission>'): SourceObject {
  return { file, document: 0, itemPointer: '', line: 1, object, lineOf: firstLine };
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

function subjectOf(f: Finding): string {
  return `${f.rule}\u0000${f.container ?? f.path}`;
}

function adjOf(report: ObjectReport, container: string | undefined): number | null {
  if (container === undefined || report.workload === undefined) return null;
  const c = report.workload.analysis.containers.find((x) => x.name === container);
  return c === undefined ? null : c.oomScoreAdj;
}

/**
 * UPDATE: the findings of the new object that are new or worse than in the old one. A finding is
 * pre-existing when the old object has one from the same rule about the same container (or path),
 * at the same or a higher severity, and either the same message or the same messageId with the
 * container's oom_score_adj not raised. So scaling or relabelling an existing workload never
 * trips the webhook, while lowering a request (a higher score) or a new container does.
 */
export function newOrWorse(current: ObjectReport, old: ObjectReport | null): Finding[] {
  if (old === null) return current.findings;
  const before = new Map<string, Finding[]>();
  for (const f of old.findings) {
    const k = subjectOf(f);
    const list = before.get(k);
    if (list) list.push(f);
    else before.set(k, [f]);
  }
  return current.findings.filter((f) => {
    const candidates = before.get(subjectOf(f)) ?? [];
    return !candidates.some((o) => {
      if (RANK[o.severity] < RANK[f.severity]) return false;
      if (o.message === f.message) return true;
      if (o.messageId !== f.messageId) return false;
      const now = adjOf(current, f.container);
      const then = adjOf(old, o.container);
      return now !== null && then !== null && now <= then;
    });
  });
}

interface Judged {
  report: ObjectReport;
  /** Invalid input the API server would reject (quantities, shapes), with the field named. */
  invalid: InputError[];
  /** Rules that threw. */
  crashed: RuleCrash[];
}

/** Runs the one engine on one object, keeping rule exceptions apart from invalid input. */
function lintOne(
  object: Record<string, unknown>,
  located: PodLocation | null,
  node: Placement | NodeFacts,
  limitRanges: readonly LimitRange[],
  linter: Linter,
  file: string,
): Judged {
  const r = linter.lintOne(sourceOf(object, file), node, located, limitRanges);
  const crashed = r.ruleCrashes;
  const invalid = crashed.length === 0 ? r.errors : r.errors.filter((e) => !crashed.some((c) => c.entry === e));
  return { report: r.report, invalid, crashed };
}

/**
 * The namespace whose LimitRanges act on the object's Pods: the request's (the API server sets it
 * for every namespaced object), else the object's own, else "default" as for kubectl.
 */
export function namespaceOf(object: Record<string, unknown>, req: AdmissionRequest): string {
  if (req.namespace) return req.namespace;
  const meta = isMapping(object.metadata) ? object.metadata : null;
  return (meta !== null && str(meta.namespace)) || 'default';
}

function objectName(object: Record<string, unknown>, req: AdmissionRequest): string {
  const meta = isMapping(object.metadata) ? object.metadata : {};
  const ns = str(meta.namespace) ?? req.namespace;
  const name = str(meta.name) ?? req.name ?? (str(meta.generateName) !== undefined ? `${str(meta.generateName)}*` : '(unnamed)');
  return ns ? `${ns}/${name}` : name;
}

export function describeNode(node: NodeFacts): string {
  const cap = formatBytes(node.memoryCapacity);
  // Facts from Node objects (the cluster, --node FILE, the config's node.file) name their nodes.
  if (node.nodeNames.length > 0) {
    const from = node.source === 'cluster' ? '' : node.source === 'config' ? ' from the config' : ' from --node';
    if (node.nodeNames.length === 1) return `node ${node.nodeNames[0]}, ${cap}${from}`;
    const { min, max } = node.capacityRange;
    return min === max ? `${node.nodeNames.length} nodes of ${cap}${from}` : `smallest of ${node.nodeNames.length} nodes, ${formatBytes(min)}–${formatBytes(max)}${from}`;
  }
  return `${cap} node, ${node.source === 'default' ? 'default: cluster nodes unknown' : node.source}`;
}

/** Requests that are not judged: nothing to look at, or nothing the webhook should hold up. */
export function skipReason(req: AdmissionRequest): string | null {
  if (req.operation === 'DELETE' || req.operation === 'CONNECT') return `${req.operation} is not judged`;
  if (req.subResource) return `subresource ${req.subResource} is not judged`;
  if (!isMapping(req.object)) return 'no object';
  return null;
}

/**
 * The validating webhook's answer for one request. Never throws: failures follow the failure policy.
 * `limitRangesOf` gives the LimitRanges of the request's namespace, applied to every kind: the
 * LimitRanger acts on the Pods a workload's template produces, and on a Pod CREATE has already
 * filled the Pod before webhooks see it (applying them again fills nothing: they only fill what is
 * missing). UPDATE judges oldObject with the same LimitRanges, so the diff compares like with like.
 */
export function judgeValidate(req: AdmissionRequest, chooseNode: NodeChooser, s: Judge, limitRangesOf: LimitRangeChooser = NO_LIMIT_RANGES): Outcome {
  const skip = skipReason(req);
  if (skip !== null) return { response: allow(req.uid), decision: 'skip', findings: [], reason: skip };
  const object = req.object as Record<string, unknown>;
  const kind = str(object.kind) ?? req.kind?.kind ?? '';
  const name = objectName(object, req);
  let node: NodeFacts | undefined;
  let limitRanges: readonly LimitRange[] | undefined;
  const outcome = (response: AdmissionResponse, decision: Decision, findings: Finding[], reason?: string): Outcome =>
    outcomeOf(response, decision, findings, reason, kind, name, node, limitRanges);
  const failed = (reason: string) => outcome(cannotDecide(req.uid, s.failurePolicy, reason), s.failurePolicy === 'Fail' ? 'fail-closed' : 'fail-open', [], reason);
  try {
    const located = locatePod(object);
    if (located === null) return outcome(allow(req.uid), 'skip', [], 'holds no pod');
    let before: PodLocation | null | undefined;
    // UPDATE that leaves the pod (template) and the ignore annotation as they were (a scale, a
    // label, a status-like change): every finding would be pre-existing, so nothing counts.
    if (req.operation === 'UPDATE' && isMapping(req.oldObject) && req.oldObject.kind === object.kind) {
      before = locatePod(req.oldObject);
      if (
        before !== null &&
        before.podPointer === located.podPointer &&
        annotationOf(req.oldObject.metadata, IGNORE_ANNOTATION) === annotationOf(object.metadata, IGNORE_ANNOTATION) &&
        samePod(before.pod, located.pod)
      ) {
        return outcome(allow(req.uid), 'allow', [], 'pod template unchanged');
      }
    }
    const placement = chooseNode(located.pod);
    node = 'facts' in placement ? placement.facts : placement;
    limitRanges = limitRangesOf(namespaceOf(object, req));
    const now = lintOne(object, located, placement, limitRanges, s.linter, '<object>');
    if (now.crashed.length > 0) {
      const c = now.crashed[0];
      return failed(`internal error in rule ${c.rule}: ${(c.error as Error)?.message ?? String(c.error)}`);
    }
    let old: Judged | null = null;
    if (req.operation === 'UPDATE' && isMapping(req.oldObject)) {
      // An old object the engine cannot judge: judge the new one on its own.
      try {
        old = lintOne(req.oldObject, before === undefined ? locatePod(req.oldObject) : before, placement, limitRanges, s.linter, '<oldObject>');
        if (old.crashed.length > 0) old = null;
      } catch {
        old = null;
      }
    }
    let invalid = now.invalid;
    if (invalid.length > 0 && old !== null && old.invalid.length > 0) {
      const oldInvalid = new Set(old.invalid.map((e) => e.message));
      invalid = invalid.filter((e) => !oldInvalid.has(e.message));
    }
    const counted = newOrWorse(now.report, old?.report.workload !== undefined ? old.report : null);
    const findings: Finding[] = [];
    const errors: Finding[] = [];
    const warningsOnly: Finding[] = [];
    for (const f of counted) {
      if (f.severity === 'info') continue;
      findings.push(f);
      (f.severity === 'error' ? errors : warningsOnly).push(f);
    }

    if (invalid.length > 0) {
      // Invalid quantities or shapes: the API server rejects such a Pod (and the pods a template
      // would create). The webhook cannot compute a score, so it says which field is wrong.
      const lines = invalid.map((e) => e.message);
      const msg = `${kind} ${name} is invalid: ${lines.join('; ')}`;
      if (s.mode === 'enforce') return outcome(deny(req.uid, 422, msg), 'invalid', findings, lines[0]);
      if (s.mode === 'warn') return outcome(allow(req.uid, capWarnings(lines.map((l) => shortWarning(l)))), 'invalid', findings, lines[0]);
      return outcome(allow(req.uid), 'invalid', findings, lines[0]);
    }

    if (s.mode === 'audit') {
      const r = allow(req.uid);
      if (findings.length > 0) r.auditAnnotations = { findings: findings.map((f) => `${f.rule}:${f.severity}`).join(',') };
      return outcome(r, findings.length > 0 ? 'audit' : 'allow', findings);
    }
    if (errors.length > 0 && s.mode === 'enforce') {
      const msg = `${kind} ${name} denied by oomguard (${describeNode(node)}${describeLimitRanges(limitRanges)}): ${errors.map((f) => `${f.message} [${f.rule}]`).join('; ')}`;
      return outcome(deny(req.uid, 403, msg, capWarnings(asWarnings(warningsOnly))), 'deny', findings);
    }
    const shown = s.mode === 'warn' ? [...errors, ...warningsOnly] : warningsOnly;
    return outcome(allow(req.uid, capWarnings(asWarnings(shown))), shown.length > 0 ? 'warn' : 'allow', findings);
  } catch (err) {
    // A bug (or a stack overflow on an absurd object) anywhere in the engine: answer as the
    // failure policy would, never with a 500 the API server has to interpret.
    node = undefined;
    limitRanges = undefined;
    return failed(`internal error: ${(err as Error)?.message ?? String(err)}`);
  }
}

/** One shape for every outcome (plain literals; this runs on every review). */
function outcomeOf(
  response: AdmissionResponse,
  decision: Decision,
  findings: Finding[],
  reason: string | undefined,
  kind: string,
  objectName: string,
  node: NodeFacts | undefined,
  limitRanges: readonly LimitRange[] | undefined,
): Outcome {
  return { response, decision, findings, reason, kind, objectName, node, limitRanges };
}

/** ", with LimitRange team/mem" (the denial names what filled in the values it judged), or "". */
function describeLimitRanges(limitRanges: readonly LimitRange[] | undefined): string {
  if (limitRanges === undefined || limitRanges.length === 0) return '';
  return `, with LimitRange${limitRanges.length > 1 ? 's' : ''} ${limitRanges.map((lr) => lr.id).join(', ')}`;
}

function asWarnings(findings: Finding[]): string[] {
  return findings.map((f) => shortWarning(f.message));
}

/**
 * jsonEqual for the UPDATE fast path (a third of a busy cluster's reviews): recursive, with no
 * allocation per value; past a modest depth it hands over to the iterative jsonEqual, which
 * cannot overflow the stack on absurd nesting.
 */
function samePod(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (depth > 32) return jsonEqual(a, b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!samePod(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let keys = 0;
  for (const k in x) {
    if (!Object.prototype.hasOwnProperty.call(x, k)) continue;
    if (!Object.prototype.hasOwnProperty.call(y, k) || !samePod(x[k], y[k], depth + 1)) return false;
    keys++;
  }
  for (const k in y) if (Object.prototype.hasOwnProperty.call(y, k)) keys--;
  return keys === 0;
}

function annotationOf(meta: unknown, key: string): string | undefined {
  if (!isMapping(meta) || !isMapping(meta.annotations)) return undefined;
  return str(meta.annotations[key]);
}

export interface MutateOutcome {
  response: AdmissionResponse;
  decision: 'patch' | 'allow' | 'skip' | 'fail-open';
  operations: number;
  reason?: string;
  kind?: string;
  objectName?: string;
}

/**
 * The mutating webhook's answer: the requests-equal-limits patch for the object's pod (template),
 * or no patch. Mutation always fails open (admission webhook good practice): an error means no
 * patch and a warning, and the validating webhook still judges the result.
 */
export function judgeMutate(req: AdmissionRequest, mutation: Mutation | null, model: KubeletModel): MutateOutcome {
  const skip = skipReason(req) ?? (mutation === null ? 'mutation disabled' : null);
  if (skip !== null) return { response: allow(req.uid), decision: 'skip', operations: 0, reason: skip };
  const object = req.object as Record<string, unknown>;
  const kind = str(object.kind) ?? req.kind?.kind ?? '';
  const name = objectName(object, req);
  const outcome = (response: AdmissionResponse, decision: MutateOutcome['decision'], operations: number, reason?: string): MutateOutcome => ({
    response,
    decision,
    operations,
    reason,
    kind,
    objectName: name,
  });
  try {
    const located = locatePod(object);
    if (located === null) return outcome(allow(req.uid), 'skip', 0, 'holds no pod');
    // A Pod's container resources cannot change on UPDATE (in-place resize is a subresource).
    if (kind === 'Pod' && req.operation === 'UPDATE') return outcome(allow(req.uid), 'skip', 0, 'pod resources are immutable');
    if (optedOutOfMutation(object, located.pod.metadata)) {
      return outcome(allow(req.uid), 'skip', 0, `${MUTATE_ANNOTATION}: "false"`);
    }
    const ops = requestsEqualLimitsPatch(object, located.podPointer, decidingStanzas(object, located.podPointer, model));
    return outcome(patched(req.uid, ops), ops.length > 0 ? 'patch' : 'allow', ops.length);
  } catch (err) {
    const reason = `internal error: ${(err as Error)?.message ?? String(err)}`;
    return outcome(allow(req.uid, [shortWarning(`oomguard could not compute its patch (${reason}); object left unchanged`)]), 'fail-open', 0, reason);
  }
}

// ---------------------------------------------------------------------------------------------
// ?timeout= (the API server appends the webhook's timeoutSeconds as a Go duration, e.g. "10s").

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a Go duration ("10s", "1m30s", "500ms", "2.5s"); null when it is not one. */
export function parseGoDuration(text: string): number | null {
  // What the API server sends on every request ("10s"): no general parse.
  const simple = /^(\d+)(ms|s)$/.exec(text);
  if (simple !== null) return Number(simple[1]) * (simple[2] === 's' ? 1000 : 1);
  if (!/^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/.test(text)) return null;
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * UNIT_MS[m[2]];
  return total;
}

/** The API server's default and maximum webhook timeouts. */
export const DEFAULT_TIMEOUT_MS = 10_000;
export const MAX_TIMEOUT_MS = 30_000;

// The API server sends the same ?timeout= on every request of a webhook: the last one parsed is
// kept (a pure function of the text), so the common case is one string comparison.
let lastTimeout: string | null = null;
let lastBudget = DEFAULT_TIMEOUT_MS;

/** The budget of a request in ms from its ?timeout=, defaulting to the API server's 10 s. */
export function budgetFrom(timeout: unknown): number {
  if (typeof timeout !== 'string') return DEFAULT_TIMEOUT_MS;
  if (timeout === lastTimeout) return lastBudget;
  const t = parseGoDuration(timeout);
  const budget = t === null || t <= 0 ? DEFAULT_TIMEOUT_MS : Math.min(t, MAX_TIMEOUT_MS);
  lastTimeout = timeout;
  lastBudget = budget;
  return budget;
}
