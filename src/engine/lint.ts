// The lint pipeline over parsed objects: locate the pod, run the core model, run the rules.
// Pure and synchronous: the CLI and the webhook both call it. prepareLinter resolves everything
// that depends only on the settings (feature gates, the enabled rules with their severity and
// options, parsed message templates) once; lintObjects is prepareLinter(opts).lint(...).
import { analyzePod, defaultedPodObject } from '../core/analyze-pod.js';
import { SpecError } from '../core/pod.js';
import { QuantityError } from '../core/quantity.js';
import { resolveFeatureGates } from '../core/versions.js';
import type { FeatureGates, LimitRange } from '../core/types.js';
import type { NodeFacts } from '../core/node.js';
import { fixedPlacement, placerFor } from '../core/placement.js';
import type { NodePlacer, Placement } from '../core/placement.js';
import type { SourceObject, InputError } from '../input/types.js';
import { compileMessage, formatMessage, nodeWording } from '../../rules/define-rule.js';
import type { MessageFormatter, RuleContext } from '../../rules/define-rule.js';
import type { AnyRule } from '../../rules/index.js';
import { describeObject } from './describe.js';
import { locatePod } from './extract-workloads.js';
import type { PodLocation } from './extract-workloads.js';
import { pointerToField } from './pointer.js';
import { isSuppressed, suppressedRules } from './suppress.js';
import type { Finding, ObjectReport, ReportedPlacement, ReportedObject, Severity, SeverityOrOff, SourceRef, Workload } from './types.js';

export interface RuleSetting {
  severity: SeverityOrOff;
  options: unknown;
}

/** What a linter is prepared from: everything but the node. */
export interface LinterSettings {
  /** A supported minor, e.g. "1.37" (see core/versions.ts). */
  kubernetesVersion: string;
  featureGates?: Partial<FeatureGates>;
  rules: readonly AnyRule[];
  /** Per rule id; rules without a setting run at their default severity and options. */
  ruleSettings?: ReadonlyMap<string, RuleSetting>;
}

/**
 * The admission context of the objects linted: the LimitRanges of each namespace, and the
 * namespace of objects that name none.
 */
export interface AdmissionContext {
  /** Where an object without metadata.namespace lands: kubectl's namespace, "default" unless set. */
  defaultNamespace: string;
  /** LimitRanges by namespace, each list in the order the inputs gave them. */
  limitRanges: ReadonlyMap<string, readonly LimitRange[]>;
}

export const NO_ADMISSION: AdmissionContext = { defaultNamespace: 'default', limitRanges: new Map() };

export interface LintOptions extends LinterSettings {
  /** One capacity for every pod, or the nodes each pod is placed on (core/placement.ts). */
  node: NodeFacts | NodePlacer;
  admission?: AdmissionContext;
}

/** A rule that threw while checking an object: a bug in the rule, not a problem of the input. */
export interface RuleCrash {
  rule: string;
  /** What the rule threw. */
  error: unknown;
  /** Index in LintResult.objects of the object it was checking. */
  object: number;
  /** The line reporting it in LintResult.errors (the same object). */
  entry: InputError;
}

export interface LintResult {
  objects: ObjectReport[];
  /** Invalid input (quantities, shapes the API server rejects) and rule crashes, as report lines, in order. */
  errors: InputError[];
  /** The rule crashes among `errors`, as data: for callers that must tell them from invalid input. */
  ruleCrashes: RuleCrash[];
}

/** Lints one object whose pod is already located (the webhook locates it first). */
export interface LintOne {
  report: ObjectReport;
  errors: InputError[];
  ruleCrashes: RuleCrash[];
}

export interface Linter {
  readonly kubernetesVersion: string;
  readonly gates: FeatureGates;
  /**
   * Each pod is judged on the node it is placed on (core/placement.ts: nodeName, selectors, else
   * the smallest node); facts alone judge every pod on that one capacity.
   */
  lint(objects: readonly SourceObject[], nodes: NodeFacts | NodePlacer, admission?: AdmissionContext): LintResult;
  /**
   * One object, judged on `node` (facts, or the caller's own placement of its pod); `located` is
   * locatePod(source.object) when the caller already has it, and `limitRanges` those of the
   * object's namespace (the webhook knows it from the request).
   */
  lintOne(source: SourceObject, node: NodeFacts | Placement, located?: PodLocation | null, limitRanges?: readonly LimitRange[]): LintOne;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** A report may lower the configured severity (e.g. plain init containers), never raise it. */
function finalSeverity(configured: Severity, reported: Severity | undefined): Severity {
  if (reported === undefined) return configured;
  return SEVERITY_RANK[reported] < SEVERITY_RANK[configured] ? reported : configured;
}

/** The report for an object, before its findings. */
function reportFor(source: SourceObject): ObjectReport {
  return { source, ...describeObject(source.object), findings: [] };
}

interface EnabledRule {
  rule: AnyRule;
  id: string;
  severity: Severity;
  options: unknown;
  /** messageId -> its template, parsed once. */
  messages: Map<string, MessageFormatter>;
}

/** Resolves the settings once; throws VersionError for gates the version does not accept. */
export function prepareLinter(settings: LinterSettings): Linter {
  const kubernetesVersion = settings.kubernetesVersion;
  const gates = resolveFeatureGates(kubernetesVersion, settings.featureGates ?? {});
  const enabled: EnabledRule[] = [];
  for (const rule of settings.rules) {
    const setting = settings.ruleSettings?.get(rule.meta.id);
    const severity = setting?.severity ?? rule.meta.severity;
    if (severity === 'off') continue;
    const messages = new Map<string, MessageFormatter>();
    for (const [id, template] of Object.entries(rule.meta.messages as Record<string, string>)) messages.set(id, compileMessage(template));
    enabled.push({ rule, id: rule.meta.id, severity, options: setting?.options ?? rule.meta.defaultOptions, messages });
  }

  // Each rule's context for a node, built once per node (rules only read it): the webhook passes
  // the same NodeFacts object for every pod judged on the same node selection.
  const contextsByNode = new WeakMap<NodeFacts, RuleContext<unknown>[]>();
  function contextsFor(node: NodeFacts): RuleContext<unknown>[] {
    let contexts = contextsByNode.get(node);
    if (contexts === undefined) {
      const { nodeMemory, nodeFit } = nodeWording(node);
      contexts = enabled.map(({ options }) => ({ node, nodeMemory, nodeFit, kubernetesVersion, options }));
      contextsByNode.set(node, contexts);
    }
    return contexts;
  }

  function lintObject(
    source: SourceObject,
    index: number,
    placement: Placement,
    located: PodLocation | null,
    limitRanges: readonly LimitRange[],
    errors: InputError[],
    crashes: RuleCrash[],
  ): ObjectReport {
    const report = reportFor(source);
    if (located === null) return report;

    const node = placement.facts;
    let workload: Workload;
    try {
      const analysis = analyzePod(located.pod, { version: kubernetesVersion, gates, memoryCapacity: node.memoryCapacity, limitRanges });
      workload = {
        source,
        apiVersion: report.apiVersion,
        kind: report.kind,
        name: report.name,
        namespace: report.namespace,
        podPointer: located.podPointer,
        pod: located.pod,
        defaultedPod: defaultedPodObject(located.pod, analysis),
        analysis: analysis.result,
        placement,
      };
    } catch (err) {
      if (err instanceof QuantityError || err instanceof SpecError) {
        const pointer = located.podPointer + (err.path ?? '');
        errors.push({
          file: source.file,
          document: source.document,
          line: source.lineOf(pointer),
          message: `${report.kind} ${report.name}: ${pointerToField(source.itemPointer + pointer)}: ${err.message}`,
        });
        return report;
      }
      throw err;
    }
    report.workload = workload;

    const suppressed = suppressedRules(source.object, located.pod.metadata);
    const contexts = contextsFor(node);
    for (let i = 0; i < enabled.length; i++) {
      const { rule, id, severity, messages } = enabled[i];
      if (isSuppressed(suppressed, id)) continue;
      let found;
      try {
        found = rule.check(workload, contexts[i]);
      } catch (error) {
        const entry: InputError = {
          file: source.file,
          document: source.document,
          line: source.line,
          message: `${report.kind} ${report.name}: internal error in rule ${id}: ${(error as Error)?.message ?? String(error)}`,
        };
        errors.push(entry);
        crashes.push({ rule: id, error, object: index, entry });
        continue;
      }
      for (const r of found) {
        const format = messages.get(r.messageId);
        const finding: Finding = {
          rule: id,
          severity: finalSeverity(severity, r.severity),
          messageId: r.messageId,
          message: format !== undefined ? format(r.data) : formatMessage(r.messageId, r.data),
          path: r.path,
          line: source.lineOf(r.path),
        };
        if (r.container !== undefined) finding.container = r.container;
        if (r.fix !== undefined && r.fix.length > 0) finding.fix = r.fix;
        report.findings.push(finding);
      }
    }
    return report;
  }

  return {
    kubernetesVersion,
    gates,
    lint(objects, nodes, admission = NO_ADMISSION) {
      const placer = placerFor(nodes);
      const reports: ObjectReport[] = [];
      const errors: InputError[] = [];
      const ruleCrashes: RuleCrash[] = [];
      for (const source of objects) {
        const located = locatePod(source.object);
        const limitRanges = located === null || admission.limitRanges.size === 0 ? NONE : limitRangesOf(source.object, admission);
        // place(null), for an object without a pod (not judged), is the placer's shared all-nodes placement.
        reports.push(lintObject(source, reports.length, placer.place(located?.pod ?? null), located, limitRanges, errors, ruleCrashes));
      }
      return { objects: reports, errors, ruleCrashes };
    },
    lintOne(source, node, located, limitRanges = NONE) {
      const errors: InputError[] = [];
      const ruleCrashes: RuleCrash[] = [];
      const placement = 'facts' in node ? node : fixedPlacement(node);
      const report = lintObject(source, 0, placement, located === undefined ? locatePod(source.object) : located, limitRanges, errors, ruleCrashes);
      return { report, errors, ruleCrashes };
    },
  };
}

const NONE: readonly LimitRange[] = [];

/**
 * The LimitRanges that act on the Pods of an object: those of its namespace (a namespace-less
 * object lands in the default one). They act on the Pods a template produces, which are created
 * in the workload's namespace.
 */
export function limitRangesOf(object: Record<string, unknown>, admission: AdmissionContext): readonly LimitRange[] {
  const metadata = object.metadata as { namespace?: unknown } | null | undefined;
  const ns = typeof metadata?.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : admission.defaultNamespace;
  return admission.limitRanges.get(ns) ?? NONE;
}

/** What reports keep of a placement: not its facts object (cheap to keep and to send between threads). */
export function reportedPlacement(p: Placement): ReportedPlacement {
  return { basis: p.basis, node: p.node, candidates: p.candidates, unknownNodeName: p.unknownNodeName, noNodeMatches: p.noNodeMatches, facts: { memoryCapacity: p.facts.memoryCapacity } };
}

export function lintObjects(objects: readonly SourceObject[], opts: LintOptions): LintResult {
  return prepareLinter(opts).lint(objects, opts.node, opts.admission);
}

/**
 * What the reports need of an object report, without the parsed object and pods it holds: a lint
 * of many files keeps only this per object (memory), and worker threads send only this back
 * (structured clone). The output of every format is the same as for the full report.
 */
export function reportedObject(report: ObjectReport): ReportedObject {
  const s = report.source;
  const source: SourceRef = { file: s.file, document: s.document, itemPointer: s.itemPointer, line: s.line };
  const out: ReportedObject = {
    source,
    apiVersion: report.apiVersion,
    kind: report.kind,
    name: report.name,
    namespace: report.namespace,
    findings: report.findings,
  };
  const w = report.workload;
  if (w !== undefined) {
    out.workload = { source, apiVersion: w.apiVersion, kind: w.kind, name: w.name, namespace: w.namespace, analysis: w.analysis, placement: reportedPlacement(w.placement) };
  }
  return out;
}
