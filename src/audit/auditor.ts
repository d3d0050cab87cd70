// `oomguard audit`, the pure part: running Pods in, page by page; per owner, the distinct results
// out. Every Pod goes through the lint engine (prepareLinter(...).lint: the same defaulting, QoS,
// oom_score_adj and rules as `oomguard lint`) on its own node (core/placement.ts), and only what
// the report needs is kept: one entry per owner and distinct result, with its replica count and
// the nodes behind it, never the Pods themselves. So 10,000 Pods read in pages of 500 take the
// memory of a page plus the entries.
//
// Grouping. Pods of one owner (owner.ts) are one entry when their results are the same: QoS
// class, every container's requests, limits and oom_score_adj, the findings (rule, severity,
// container and message, which name the numbers), the differences from the template and the
// status.qosClass cross-check. Replicas whose results differ — on nodes of different sizes a
// Burstable container gets a different oom_score_adj, a Pod of an older ReplicaSet may lack a
// sidecar — split the owner into one entry per distinct result, each with its replica count and
// nodes. Splitting rather than one entry with a range keeps every entry's numbers exact and the
// JSON object of an entry the same as lint's (one QoS class, one oom_score_adj per container, one
// list of findings), so a consumer of lint's report reads audit's unchanged; the entries of an
// owner say which of how many they are. The node's capacity alone does not split: replicas on
// nodes of different sizes whose numbers agree (Guaranteed, BestEffort) stay one entry.
//
// Running Pods are judged as the API server stored them: they passed admission already, so the
// namespace's LimitRanges are not applied to them again (they would fill values a newer
// LimitRange sets, and refuse Pods that run). LimitRanges act on the templates they are compared
// with (template-diff.ts).
import { analyzePod } from '../core/analyze-pod.js';
import { applyDefaults } from '../core/defaults.js';
import { isMapping, parsePod, SpecError } from '../core/pod.js';
import { QuantityError } from '../core/quantity.js';
import { computePodQos } from '../core/qos.js';
import { kubeletModel } from '../core/versions.js';
import type { KubeletModel } from '../core/versions.js';
import type { PodLike, PodResult, QosClass } from '../core/types.js';
import type { NodePlacer, Placement } from '../core/placement.js';
import { NO_ADMISSION, reportedObject } from '../engine/lint.js';
import type { AdmissionContext, Linter } from '../engine/lint.js';
import type { Finding, ReportedObject } from '../engine/types.js';
import type { InputError, SourceObject } from '../input/types.js';
import { ownerLabel, ownerOf, podIdentity } from './owner.js';
import type { Owner, ReplicaSetIndex } from './owner.js';
import { diffTemplate } from './template-diff.js';
import type { TemplateDiff } from './template-diff.js';

/** What an entry says of its owner's template. */
export type TemplateView =
  /** Read (a ReplicaSet's) and compared: `source` names it, e.g. "ReplicaSet shop/api-7d9f8". */
  | { read: true; source: string; diff: TemplateDiff }
  /** Not read, and why. */
  | { read: false; reason: string };

/** The Pods of an entry on one node. */
export interface EntryNode {
  /** spec.nodeName; null for a Pod not scheduled yet. */
  name: string | null;
  /** The capacity the Pods were judged on. */
  memoryCapacity: bigint;
  /** spec.nodeName is not among the nodes given: the Pods were judged as unplaced. */
  unknown: boolean;
  /** The Pods' names, in the order read. */
  pods: string[];
}

export interface QosCheck {
  /** status.qosClass as the API server stored it; null when the Pod has none. */
  status: string | null;
  /** oomguard's own class from the spec (status ignored). */
  computed: QosClass;
  /** False only when the Pod has a status.qosClass and it is not the computed one. */
  agrees: boolean;
}

export interface AuditEntry {
  owner: Owner;
  /**
   * The first Pod of the entry (in the order read), reported as lint reports an object: its
   * QoS class, containers, findings and node are every Pod's of the entry (the node's capacity
   * may differ where the numbers do not depend on it; `nodes` has each).
   */
  object: ReportedObject;
  /** Pods in this entry. */
  replicas: number;
  /** 1-based position among the owner's entries, and their count; the owner's Pods in all of them. */
  index: number;
  of: number;
  ownerReplicas: number;
  nodes: EntryNode[];
  /** The ReplicaSets of the entry's Pods (a Deployment mid-rollout has two). */
  replicaSets: string[];
  /** null for a Pod that stands alone (no owner, no template). */
  template: TemplateView | null;
  qos: QosCheck;
}

export interface AuditCounts {
  /** Pods read (every phase). */
  pods: number;
  /** Pods judged: every Pod that is not Succeeded or Failed (Pending ones too: on their node, or unplaced). */
  audited: number;
  /** Pods skipped because they ended, by phase. */
  skipped: { Succeeded: number; Failed: number };
  /** Pods the model refused (an invalid quantity: one error line each). */
  invalid: number;
  /** Objects among the Pods read that are not Pods (a `kubectl get all`), ignored. */
  otherObjects: number;
  /** Pods outside the namespace asked for (-n with files), ignored. */
  otherNamespaces: number;
}

export interface AuditResult {
  /** By namespace, owner kind and name; an owner's entries in the order first met. */
  entries: AuditEntry[];
  owners: number;
  counts: AuditCounts;
  /** Invalid Pods (their quantities, as lint reports them) and rule crashes. */
  errors: InputError[];
}

export interface AuditOptions {
  /** The engine, prepared once (kubernetesVersion, gates, rules and their settings). */
  linter: Linter;
  /** Places each Pod on its node. */
  placer: NodePlacer;
  /** The LimitRanges of each namespace, for the templates; and the namespace of objects without one. */
  admission: AdmissionContext;
  /** The ReplicaSets read; null when none were (owners then come from pod-template-hash). */
  replicaSets: ReplicaSetIndex | null;
  /** Why a ReplicaSet's template is unknown when `replicaSets` is null, e.g. "no --replicasets given". */
  noReplicaSets: string;
  /** Only Pods of this namespace (-n with files); null or undefined: all. */
  namespace?: string | null;
}

interface Group {
  owner: Owner;
  replicas: number;
  entries: Map<string, MutableEntry>;
}

interface MutableEntry extends Omit<AuditEntry, 'nodes' | 'replicaSets' | 'index' | 'of' | 'ownerReplicas'> {
  nodes: Map<string, EntryNode>;
  replicaSets: Set<string>;
}

const ENDED = new Set(['Succeeded', 'Failed']);

/** A SourceObject whose lineOf costs nothing: the lines of findings are looked up only for an entry's first Pod. */
function cheapLines(s: SourceObject): SourceObject {
  return { file: s.file, document: s.document, itemPointer: s.itemPointer, line: s.line, object: s.object, lineOf: () => s.line };
}

export class Auditor {
  private readonly groups = new Map<string, Group>();
  private readonly errors: InputError[] = [];
  private readonly counts: AuditCounts = { pods: 0, audited: 0, skipped: { Succeeded: 0, Failed: 0 }, invalid: 0, otherObjects: 0, otherNamespaces: 0 };
  /** Template results by ReplicaSet and capacity (a template's oom_score_adj depends on the node). */
  private readonly templates = new Map<string, TemplateResult>();
  private readonly model: KubeletModel;

  constructor(private readonly opts: AuditOptions) {
    this.model = kubeletModel(opts.linter.kubernetesVersion, opts.linter.gates);
  }

  /** Judges one page of objects (Pods; others are counted and ignored) and folds them into the entries. */
  addPods(objects: readonly SourceObject[]): void {
    const batch: SourceObject[] = [];
    const originals: SourceObject[] = [];
    for (const s of objects) {
      const o = s.object;
      if (o.kind !== 'Pod' || (o.apiVersion !== 'v1' && o.apiVersion !== undefined)) {
        this.counts.otherObjects++;
        continue;
      }
      this.counts.pods++;
      if (this.opts.namespace !== undefined && this.opts.namespace !== null && podIdentity(o, this.opts.admission.defaultNamespace).namespace !== this.opts.namespace) {
        this.counts.otherNamespaces++;
        continue;
      }
      const phase = isMapping(o.status) ? o.status.phase : undefined;
      if (typeof phase === 'string' && ENDED.has(phase)) {
        this.counts.skipped[phase as 'Succeeded' | 'Failed']++;
        continue;
      }
      batch.push(cheapLines(s));
      originals.push(s);
    }
    if (batch.length === 0) return;
    this.counts.audited += batch.length;

    const result = this.opts.linter.lint(batch, this.opts.placer, NO_ADMISSION);
    for (const e of result.errors) this.errors.push(e);
    result.objects.forEach((report, i) => {
      const w = report.workload;
      if (w === undefined) {
        this.counts.invalid++;
        return;
      }
      const source = originals[i];
      this.fold(w.pod, w.analysis, w.placement, findingsKey(report.findings), () => {
        // The entry's first Pod: its findings get their real lines (the rest never need them).
        const reported = reportedObject(report);
        reported.findings = reported.findings.map((f) => ({ ...f, line: source.lineOf(f.path) }));
        return reported;
      });
    });
  }

  private fold(pod: PodLike, analysis: PodResult, placement: Placement, findings: string, represent: () => ReportedObject): void {
    const ns = this.opts.admission.defaultNamespace;
    const owner = ownerOf(pod, this.opts.replicaSets, ns);
    const ownerKey = `${owner.namespace}\u0000${owner.kind}\u0000${owner.name}`;
    const template = owner.basis === 'none' ? null : this.templateView(owner, analysis, placement);
    const qos = this.qosCheck(pod, analysis);

    let group = this.groups.get(ownerKey);
    if (group === undefined) {
      group = { owner, replicas: 0, entries: new Map() };
      this.groups.set(ownerKey, group);
    }
    group.replicas++;
    const key = resultKey(analysis, placement, template, qos, findings);
    let entry = group.entries.get(key);
    if (entry === undefined) {
      entry = { owner, object: represent(), replicas: 0, nodes: new Map(), replicaSets: new Set(), template, qos };
      group.entries.set(key, entry);
    }
    entry.replicas++;
    if (owner.replicaSet !== null) entry.replicaSets.add(owner.replicaSet);
    const nodeName = typeof pod.spec?.nodeName === 'string' && pod.spec.nodeName !== '' ? pod.spec.nodeName : null;
    const nodeKey = nodeName ?? '\u0000';
    let node = entry.nodes.get(nodeKey);
    if (node === undefined) {
      node = { name: nodeName, memoryCapacity: placement.facts.memoryCapacity, unknown: placement.unknownNodeName !== null, pods: [] };
      entry.nodes.set(nodeKey, node);
    }
    node.pods.push(podIdentity(pod).name);
  }

  private qosCheck(pod: PodLike, analysis: PodResult): QosCheck {
    const raw = isMapping(pod.status) ? pod.status.qosClass : undefined;
    const status = typeof raw === 'string' && raw !== '' ? raw : null;
    // From 1.29 the engine takes status.qosClass verbatim, as the kubelet does: compute the class
    // from the spec alone (the same defaulting and ComputePodQOS) to check it.
    const computed = analysis.qosSource === 'computed' ? analysis.qosClass : computePodQos(applyDefaults(parsePod({ metadata: pod.metadata, spec: pod.spec }), this.model), this.model);
    return { status, computed, agrees: status === null || status === computed };
  }

  private templateView(owner: Owner, running: PodResult, placement: Placement): TemplateView {
    if (owner.replicaSet === null) {
      return { read: false, reason: `${owner.kind} templates are not read (oomguard audit reads ReplicaSets only, as its RBAC allows)` };
    }
    const rsLabel = ownerLabel({ kind: 'ReplicaSet', namespace: owner.namespace, name: owner.replicaSet });
    if (this.opts.replicaSets === null) return { read: false, reason: `the template of ${rsLabel} was not read: ${this.opts.noReplicaSets}` };
    const rs = this.opts.replicaSets.get(owner.namespace, owner.replicaSet);
    if (rs === undefined) return { read: false, reason: `${rsLabel} is not among the ReplicaSets read` };
    if (rs.template === null) return { read: false, reason: `${rsLabel} has no pod template` };
    const capacity = placement.facts.memoryCapacity;
    const cacheKey = `${owner.namespace}/${owner.replicaSet}\u0000${capacity}`;
    let t = this.templates.get(cacheKey);
    if (t === undefined) {
      t = this.analyzeTemplate(rs.template, owner.namespace, capacity);
      if (this.templates.size >= 4096) this.templates.clear();
      this.templates.set(cacheKey, t);
    }
    if ('error' in t) return { read: false, reason: `the template of ${rsLabel} is invalid: ${t.error}` };
    return { read: true, source: rsLabel, diff: diffTemplate(running, t.result) };
  }

  /** The template as the Pods made from it are admitted: defaulted, with the namespace's LimitRanges. */
  private analyzeTemplate(template: Record<string, unknown>, namespace: string, memoryCapacity: bigint): TemplateResult {
    const meta = isMapping(template.metadata) ? template.metadata : {};
    const pod: PodLike = { metadata: { ...meta, namespace }, spec: (isMapping(template.spec) ? template.spec : {}) as PodLike['spec'] };
    try {
      const limitRanges = this.opts.admission.limitRanges.get(namespace) ?? [];
      const a = analyzePod(pod, { version: this.opts.linter.kubernetesVersion, gates: this.opts.linter.gates, memoryCapacity, limitRanges });
      return { result: a.result };
    } catch (err) {
      if (err instanceof SpecError || err instanceof QuantityError) return { error: `${err.path ? `spec.template${err.path.replaceAll('/', '.')}: ` : ''}${err.message}` };
      throw err;
    }
  }

  /** The entries, sorted by namespace, owner kind and owner name. */
  finish(): AuditResult {
    const groups = [...this.groups.values()].sort(
      (a, b) => cmp(a.owner.namespace, b.owner.namespace) || cmp(a.owner.kind, b.owner.kind) || cmp(a.owner.name, b.owner.name),
    );
    const entries: AuditEntry[] = [];
    for (const g of groups) {
      const list = [...g.entries.values()];
      list.forEach((e, i) => {
        entries.push({
          owner: e.owner,
          object: e.object,
          replicas: e.replicas,
          index: i + 1,
          of: list.length,
          ownerReplicas: g.replicas,
          nodes: [...e.nodes.values()],
          replicaSets: [...e.replicaSets].sort(),
          template: e.template,
          qos: e.qos,
        });
      });
    }
    return { entries, owners: groups.length, counts: this.counts, errors: this.errors };
  }
}

type TemplateResult = { result: PodResult } | { error: string };

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The findings as the report words them (their lines aside: those of the first Pod are reported). */
function findingsKey(findings: readonly Finding[]): string {
  let key = '';
  for (const f of findings) key += `\u0001${f.rule}:${f.severity}:${f.container ?? ''}:${f.path}:${f.message}`;
  return key;
}

const nul = (v: bigint | null) => (v === null ? '-' : String(v));

/** What decides whether two Pods of one owner are one entry (see the header). */
function resultKey(a: PodResult, p: Placement, template: TemplateView | null, qos: QosCheck, findings: string): string {
  let key = `${a.qosClass}|${a.nodeCritical}|${nul(a.podMemoryRequest)}|${nul(a.podMemoryLimit)}|${p.basis === 'capacity' ? '' : p.unknownNodeName === null ? 'k' : 'u'}`;
  for (const c of a.containers) {
    key += `|${c.type}:${c.name}:${nul(c.memoryRequest)}:${nul(c.memoryLimit)}:${nul(c.cpuRequest)}:${nul(c.cpuLimit)}:${c.oomScoreAdj}`;
  }
  key += `|${qos.status ?? ''}:${qos.computed}`;
  if (template !== null) {
    key += template.read ? `|T${template.diff.numbersDiffer}:${template.diff.differences.map((d) => d.message).join('\u0001')}` : `|N${template.reason}`;
  }
  return `${key}|${findings}`;
}
