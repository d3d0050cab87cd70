// The lint pipeline over parsed objects: locate the pod, run the core model, run the rules.
// Pure and synchronous: the CLI and the webhook both call lintObjects.
import { analyzePod, defaultedPodObject } from '../core/analyze-pod.js';
import { SpecError } from '../core/pod.js';
import { QuantityError } from '../core/quantity.js';
import { resolveFeatureGates } from '../core/versions.js';
import type { FeatureGates } from '../core/types.js';
import type { NodeFacts } from '../core/node.js';
import type { SourceObject, InputError } from '../input/types.js';
import { formatMessage } from '../../rules/define-rule.js';
import type { AnyRule } from '../../rules/index.js';
import { locatePod } from './extract-workloads.js';
import { pointerToField } from './pointer.js';
import { isSuppressed, suppressedRules } from './suppress.js';
import type { Finding, ObjectReport, Severity, SeverityOrOff, Workload } from './types.js';

export interface RuleSetting {
  severity: SeverityOrOff;
  options: unknown;
}

export interface LintOptions {
  /** A supported minor, e.g. "1.37" (see core/versions.ts). */
  kubernetesVersion: string;
  featureGates?: Partial<FeatureGates>;
  node: NodeFacts;
  rules: readonly AnyRule[];
  /** Per rule id; rules without a setting run at their default severity and options. */
  ruleSettings?: ReadonlyMap<string, RuleSetting>;
}

export interface LintResult {
  objects: ObjectReport[];
  errors: InputError[];
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/** A report may lower the configured severity (e.g. plain init containers), never raise it. */
function finalSeverity(configured: Severity, reported: Severity | undefined): Severity {
  if (reported === undefined) return configured;
  return SEVERITY_RANK[reported] < SEVERITY_RANK[configured] ? reported : configured;
}

function describe(object: Record<string, unknown>) {
  const meta = (typeof object.metadata === 'object' && object.metadata !== null ? object.metadata : {}) as Record<string, unknown>;
  const name = typeof meta.name === 'string' ? meta.name : typeof meta.generateName === 'string' ? `${meta.generateName}*` : '(unnamed)';
  return {
    apiVersion: typeof object.apiVersion === 'string' ? object.apiVersion : '',
    kind: typeof object.kind === 'string' ? object.kind : '',
    name,
    namespace: typeof meta.namespace === 'string' ? meta.namespace : null,
  };
}

export function lintObjects(objects: readonly SourceObject[], opts: LintOptions): LintResult {
  const gates = resolveFeatureGates(opts.kubernetesVersion, opts.featureGates ?? {});
  const enabled: Array<{ rule: AnyRule; severity: Severity; options: unknown }> = [];
  for (const rule of opts.rules) {
    const setting = opts.ruleSettings?.get(rule.meta.id);
    const severity = setting?.severity ?? rule.meta.severity;
    if (severity === 'off') continue;
    enabled.push({ rule, severity, options: setting?.options ?? rule.meta.defaultOptions });
  }
  const reports: ObjectReport[] = [];
  const errors: InputError[] = [];

  for (const source of objects) {
    const report: ObjectReport = { source, ...describe(source.object), findings: [] };
    reports.push(report);
    const located = locatePod(source.object);
    if (located === null) continue;

    let workload: Workload;
    try {
      const analysis = analyzePod(located.pod, {
        version: opts.kubernetesVersion,
        gates,
        memoryCapacity: opts.node.memoryCapacity,
      });
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
        continue;
      }
      throw err;
    }
    report.workload = workload;

    const suppressed = suppressedRules(source.object, located.pod.metadata);
    const context = { node: opts.node, kubernetesVersion: opts.kubernetesVersion };
    for (const { rule, severity, options } of enabled) {
      if (isSuppressed(suppressed, rule.meta.id)) continue;
      let found;
      try {
        found = rule.check(workload, { ...context, options });
      } catch (err) {
        errors.push({
          file: source.file,
          document: source.document,
          line: source.line,
          message: `${report.kind} ${report.name}: internal error in rule ${rule.meta.id}: ${(err as Error).message}`,
        });
        continue;
      }
      for (const r of found) {
        const template = (rule.meta.messages as Record<string, string>)[r.messageId];
        const finding: Finding = {
          rule: rule.meta.id,
          severity: finalSeverity(severity, r.severity),
          messageId: r.messageId,
          message: formatMessage(template ?? r.messageId, r.data),
          path: r.path,
          line: source.lineOf(r.path),
        };
        if (r.container !== undefined) finding.container = r.container;
        if (r.fix !== undefined && r.fix.length > 0) finding.fix = r.fix;
        report.findings.push(finding);
      }
    }
  }
  return { objects: reports, errors };
}
