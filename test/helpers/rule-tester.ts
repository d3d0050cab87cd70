// An ESLint-style RuleTester for oomguard rules (after eslint/lib/rule-tester/rule-tester.js):
//
//   ruleTester.run(t, rule, { valid: [...], invalid: [{ manifest, errors: [{ messageId, container, path }] }] })
//
// Every case goes through the real pipeline: the YAML text is parsed by src/input/parse.ts
// (`parseText`, with positions), then `lintObjects` (src/engine/lint.ts) analyses each workload
// (with the LimitRange documents of the manifest acting on the workloads of their namespace, as in
// `oomguard lint`),
// and runs only the rule under test, at its default severity (`error` for rules that are off by
// default). What the tester checks, as ESLint's does:
//
// - the options (defaultOptions merged with the case's) validate against `meta.options` (ajv, strict);
// - every messageId, reported or expected, exists in `meta.messages`; no `{{placeholder}}` is left
//   unrendered in a message;
// - a valid case reports nothing; an invalid case reports exactly its `errors`, in order;
// - duplicate cases (same input) and duplicate names are rejected; both tables must be non-empty,
//   and the invalid cases together must cover every messageId of the rule;
// - the manifest parses without errors, the pipeline reports no input or internal errors, and at
//   least one object holds a pod (so a valid case cannot pass just because nothing was analysed);
// - the rule does not mutate its input and gives the same findings when run twice;
// - fixes: a rule with `fixable: false` returns none; a fixable rule's fixes must be asserted with
//   `output` (the object after applying every fix's JSON Patch, in order, with src/engine/fix.ts as
//   the CLI does) or `fix` (the operations),
//   and re-linting the fixed object must offer no further fix (fixes are idempotent).
//
// The checks themselves live in the pure `evaluateRuleTests`, so test/rules/meta.test.ts can show
// that each one fails when it should.
import type { Test } from 'tap';
import { Ajv } from 'ajv';
import { parseText } from '../../src/input/parse.js';
import { lintObjects } from '../../src/engine/lint.js';
import { applyPatch, jsonEqual } from '../../src/engine/fix.js';
import type { LintResult, RuleSetting } from '../../src/engine/lint.js';
import type { Finding, PatchOperation, Severity } from '../../src/engine/types.js';
import { nodeFactsFromCapacity } from '../../src/core/node.js';
import type { NodeFacts } from '../../src/core/node.js';
import { placerFor } from '../../src/core/placement.js';
import type { NodeChoice } from '../../src/core/placement.js';
import { Quantity } from '../../src/core/quantity.js';
import type { FeatureGates } from '../../src/core/types.js';
import { limitRangesByNamespace, parseLimitRange } from '../../src/core/limit-range.js';
import { parseKubernetesVersion } from '../../src/core/versions.js';
import { formatMessage } from '../../rules/define-rule.js';
import type { Rule } from '../../rules/define-rule.js';
import type { SourceObject } from '../../src/input/types.js';

export const DEFAULT_NODE_MEMORY = '16Gi';
export const DEFAULT_KUBERNETES_VERSION = '1.37';

export interface ValidCase<Options = Record<string, unknown>> {
  /** Shown in the TAP output; defaults to "<Kind>/<name>" of the first object and the case index. */
  name?: string;
  /** YAML text (one or more documents; JSON is YAML too), or one object. */
  manifest: string | Record<string, unknown>;
  /** Merged over the rule's defaultOptions (shallowly, as the config loader does). */
  options?: Partial<Options>;
  /** Node memory capacity (`--node-memory`); default 16Gi. Exclusive with `node`. */
  nodeMemory?: string;
  /** Full node facts, e.g. with allocatable memory, or Node objects each pod is placed on (`--node`). */
  node?: NodeChoice;
  /** Default 1.37. */
  kubernetesVersion?: string;
  featureGates?: Partial<FeatureGates>;
  /** Configured severity; default: the rule's default severity (`error` when that is `off`). */
  severity?: Severity;
  /** Exact number of objects that hold a pod; default: at least one. */
  workloads?: number;
}

export interface ExpectedError<MessageId extends string = string> {
  messageId: MessageId;
  container?: string;
  /** JSON Pointer into the original object. */
  path?: string;
  /** 1-based line in the manifest text. */
  line?: number;
  severity?: Severity;
  /** The rendered message, exactly or by pattern. */
  message?: string | RegExp;
  /** The message must equal the template of `messageId` rendered with this data. */
  data?: Record<string, string | number>;
  /** "<Kind>/<name>" of the object the finding belongs to (for multi-document manifests). */
  object?: string;
}

export interface InvalidCase<Options = Record<string, unknown>, MessageId extends string = string> extends ValidCase<Options> {
  errors: ExpectedError<MessageId>[];
  /**
   * The object after applying every reported fix, in order (an array of objects when the manifest
   * holds several); `null` asserts that no fix is offered.
   */
  output?: unknown;
  /** Every reported JSON Patch operation, in report order. */
  fix?: PatchOperation[];
}

export interface RuleTests<Options = Record<string, unknown>, MessageId extends string = string> {
  valid: ValidCase<Options>[];
  invalid: InvalidCase<Options, MessageId>[];
}

export interface Problem {
  message: string;
  found?: unknown;
  wanted?: unknown;
}

export interface CaseOutcome {
  kind: 'valid' | 'invalid';
  name: string;
  problems: Problem[];
  findings: Finding[];
}

export interface Evaluation {
  /** Problems with the rule or the table as a whole. */
  setup: Problem[];
  cases: CaseOutcome[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyRule = Rule<any, string>;

const PLACEHOLDER = /\{\{\s*\w+\s*\}\}/;
const TEST_FILE = 'rule-tester.yaml';

/** Strips the common indentation and the blank first/last lines of a template literal. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '');
  const lines = raw.replace(/^[ \t]*\n/, '').replace(/\n[ \t]*$/, '').split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length === 0 ? 0 : Math.min(...indents);
  return `${lines.map((l) => l.slice(cut)).join('\n')}\n`;
}

/** 1-based line of the only line of `text` that contains (or matches) `needle`; throws unless exactly one does. */
export function lineOf(text: string, needle: string | RegExp): number {
  const lines = text.split('\n');
  const hit = (l: string) => (typeof needle === 'string' ? l.includes(needle) : needle.test(l));
  const hits = lines.flatMap((l, i) => (hit(l) ? [i + 1] : []));
  if (hits.length !== 1) throw new Error(`lineOf: "${needle}" occurs on ${hits.length} lines, expected exactly one`);
  return hits[0];
}

/** `text` with the one occurrence of `search` replaced; throws unless it occurs exactly once. */
export function edit(text: string, search: string, replacement: string): string {
  const first = text.indexOf(search);
  if (first === -1 || text.indexOf(search, first + 1) !== -1) {
    throw new Error(`edit: ${JSON.stringify(search)} must occur exactly once`);
  }
  return text.slice(0, first) + replacement + text.slice(first + search.length);
}

/** Bytes of a quantity, e.g. bytes('8Gi') === 8589934592n. */
export function bytes(quantity: string): bigint {
  return Quantity.parse(quantity).value();
}

/** JSON with bigints as strings and object keys sorted: the identity of a case's input. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'bigint') return `${v}n`;
    if (v instanceof RegExp) return v.toString();
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
    }
    return v;
  });
}

function manifestText(manifest: string | Record<string, unknown>): string {
  return typeof manifest === 'string' ? manifest : `${JSON.stringify(manifest, null, 2)}\n`;
}

export interface LintCaseInput {
  manifest: string | Record<string, unknown>;
  options?: unknown;
  nodeMemory?: string;
  node?: NodeChoice;
  kubernetesVersion?: string;
  featureGates?: Partial<FeatureGates>;
  severity?: Severity;
}

export interface LintCaseResult {
  parsed: { objects: SourceObject[]; errors: Array<{ message: string; line: number | null }> };
  result: LintResult;
  node: NodeFacts;
}

export function nodeFor(c: Pick<LintCaseInput, 'node' | 'nodeMemory'>): NodeFacts {
  if (c.node !== undefined) return placerFor(c.node).all;
  return nodeFactsFromCapacity(bytes(c.nodeMemory ?? DEFAULT_NODE_MEMORY), 'flag');
}

/**
 * Parses a manifest and lints it with the given rules (none: only the analysis), exactly as
 * the CLI does. Also the way to assert QoS classes and oom_score_adj next to a rule's findings.
 */
export function lintManifest(rules: readonly AnyRule[], c: LintCaseInput): LintCaseResult {
  const parsed = parseText(manifestText(c.manifest), TEST_FILE);
  const node = nodeFor(c);
  const placer = c.node !== undefined ? placerFor(c.node) : node;
  const ruleSettings = new Map<string, RuleSetting>();
  for (const rule of rules) {
    const configured = rule.meta.severity === 'off' ? 'error' : rule.meta.severity;
    ruleSettings.set(rule.meta.id, {
      severity: c.severity ?? configured,
      options: { ...(rule.meta.defaultOptions as object), ...((c.options as object | undefined) ?? {}) },
    });
  }
  // LimitRange documents in the manifest act on its workloads, as they do in `oomguard lint`.
  const limitRanges = limitRangesByNamespace(parsed.objects.filter((o) => o.object.kind === 'LimitRange').map((o) => parseLimitRange(o.object, 'default')));
  const result = lintObjects(parsed.objects, {
    kubernetesVersion: c.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION,
    ...(c.featureGates !== undefined ? { featureGates: c.featureGates } : {}),
    node: placer,
    rules,
    ruleSettings,
    admission: { defaultNamespace: 'default', limitRanges },
  });
  return { parsed, result, node };
}

/** The analysed containers of the only workload in a manifest: name -> oom_score_adj. */
export function oomScores(c: LintCaseInput): Record<string, number> {
  const { parsed, result } = lintManifest([], c);
  const problems = [...parsed.errors, ...result.errors].map((e) => e.message);
  if (problems.length > 0) throw new Error(`manifest has errors: ${problems.join('; ')}`);
  const workloads = result.objects.filter((o) => o.workload !== undefined);
  if (workloads.length !== 1) throw new Error(`expected one workload, found ${workloads.length}`);
  return Object.fromEntries(workloads[0].workload!.analysis.containers.map((x) => [x.name, x.oomScoreAdj]));
}

// ---------------------------------------------------------------------------------------------

function objectLabel(o: { kind: string; name: string }): string {
  return `${o.kind}/${o.name}`;
}

function describeFinding(f: Finding & { object?: string }) {
  const out: Record<string, unknown> = { messageId: f.messageId };
  if (f.object !== undefined) out.object = f.object;
  if (f.container !== undefined) out.container = f.container;
  out.path = f.path;
  out.line = f.line;
  out.severity = f.severity;
  out.message = f.message;
  if (f.fix !== undefined) out.fix = f.fix;
  return out;
}

function defaultName(kind: 'valid' | 'invalid', index: number, manifest: string | Record<string, unknown>): string {
  const text = manifestText(manifest);
  const kindMatch = /^kind:\s*(\S+)/m.exec(text) ?? /"kind":\s*"([^"]+)"/.exec(text);
  const nameMatch = /^\s{2}name:\s*(\S+)/m.exec(text) ?? /"name":\s*"([^"]+)"/.exec(text);
  return `${kind}[${index}] ${kindMatch?.[1] ?? '?'}/${nameMatch?.[1] ?? '?'}`;
}

interface Prepared {
  kind: 'valid' | 'invalid';
  index: number;
  name: string;
  c: ValidCase & Partial<InvalidCase>;
}

function evaluateCase(rule: AnyRule, p: Prepared, validateOptions: ((o: unknown) => string | null) | null): CaseOutcome {
  const problems: Problem[] = [];
  const { c, kind } = p;
  const outcome: CaseOutcome = { kind, name: p.name, problems, findings: [] };
  const messages = rule.meta.messages as Record<string, string>;

  // The shape of the case itself.
  if (kind === 'valid' && 'errors' in c) problems.push({ message: 'a valid case must not have `errors`' });
  if (kind === 'valid' && ('output' in c || 'fix' in c)) problems.push({ message: 'a valid case must not have `output` or `fix`' });
  if (kind === 'invalid' && (!Array.isArray(c.errors) || c.errors.length === 0)) {
    problems.push({ message: 'an invalid case must list at least one error' });
  }
  if (c.node !== undefined && c.nodeMemory !== undefined) problems.push({ message: 'give `node` or `nodeMemory`, not both' });
  if (c.kubernetesVersion !== undefined) {
    try {
      if (parseKubernetesVersion(c.kubernetesVersion) !== c.kubernetesVersion) throw new Error(`write it as a minor, e.g. ${DEFAULT_KUBERNETES_VERSION}`);
    } catch (err) {
      problems.push({ message: `kubernetesVersion "${c.kubernetesVersion}": ${(err as Error).message}` });
    }
  }
  for (const e of c.errors ?? []) {
    if (!Object.prototype.hasOwnProperty.call(messages, e.messageId)) {
      problems.push({ message: `expected messageId "${e.messageId}" does not exist in meta.messages`, wanted: Object.keys(messages) });
    }
  }
  if (!rule.meta.fixable && (c.fix !== undefined || (c.output !== undefined && c.output !== null))) {
    problems.push({ message: 'the rule is not fixable (meta.fixable: false): remove `output` / `fix`' });
  }

  const options = { ...(rule.meta.defaultOptions as object), ...((c.options as object | undefined) ?? {}) };
  if (validateOptions !== null) {
    const err = validateOptions(options);
    if (err !== null) problems.push({ message: `options do not match the rule's schema: ${err}`, found: options });
  }
  if (problems.length > 0) return outcome;

  const text = manifestText(c.manifest);
  let run: LintCaseResult;
  let snapshot: string;
  try {
    const parsed = parseText(text, TEST_FILE);
    snapshot = stableJson(parsed.objects.map((o) => o.object));
    run = lintManifest([rule], c);
  } catch (err) {
    problems.push({ message: `the pipeline threw: ${(err as Error).stack ?? String(err)}` });
    return outcome;
  }
  const { parsed, result } = run;
  for (const e of parsed.errors) problems.push({ message: `manifest does not parse: line ${e.line ?? '?'}: ${e.message}` });
  for (const e of result.errors) problems.push({ message: `lint error: line ${e.line ?? '?'}: ${e.message}` });
  if (parsed.errors.length > 0) return outcome;

  const workloads = result.objects.filter((o) => o.workload !== undefined).length;
  if (c.workloads !== undefined ? workloads !== c.workloads : workloads === 0) {
    problems.push({
      message: `the manifest must hold ${c.workloads ?? 'at least one'} object(s) with a pod, found ${workloads}`,
      found: result.objects.map(objectLabel),
    });
  }

  const findings: Array<Finding & { object: string }> = [];
  const objectIndexOf: number[] = [];
  result.objects.forEach((o, i) => {
    for (const f of o.findings) {
      findings.push({ ...f, object: objectLabel(o) });
      objectIndexOf.push(i);
    }
  });
  outcome.findings = result.objects.flatMap((o) => o.findings);

  // Purity: no mutation of the input, same answer twice.
  if (stableJson(parsed.objects.map((o) => o.object)) !== snapshot) {
    problems.push({ message: 'the rule (or the pipeline) mutated the parsed input object' });
  }
  const again = lintManifest([rule], c);
  const againFindings = again.result.objects.flatMap((o) => o.findings);
  if (stableJson(againFindings) !== stableJson(outcome.findings)) {
    problems.push({ message: 'the rule is not deterministic: a second run gave different findings', found: againFindings, wanted: outcome.findings });
  }

  for (const f of findings) {
    if (f.rule !== rule.meta.id) problems.push({ message: `finding of another rule: ${f.rule}` });
    if (!Object.prototype.hasOwnProperty.call(messages, f.messageId)) {
      problems.push({ message: `reported messageId "${f.messageId}" does not exist in meta.messages`, found: f.messageId, wanted: Object.keys(messages) });
    }
    if (PLACEHOLDER.test(f.message)) {
      problems.push({ message: `unrendered placeholder in message: ${f.message}`, found: f.message });
    }
    if (f.path !== '' && !f.path.startsWith('/')) problems.push({ message: `path is not a JSON Pointer: "${f.path}"` });
    if (!rule.meta.fixable && f.fix !== undefined) {
      problems.push({ message: 'the rule is not fixable (meta.fixable: false) but returned a fix', found: f.fix });
    }
  }

  if (kind === 'valid') {
    if (findings.length > 0) {
      problems.push({ message: `should report nothing, reported ${findings.length}`, found: findings.map(describeFinding), wanted: [] });
    }
    return outcome;
  }

  const expected = c.errors ?? [];
  if (findings.length !== expected.length) {
    problems.push({
      message: `should report ${expected.length} error(s), reported ${findings.length}`,
      found: findings.map(describeFinding),
      wanted: expected,
    });
    return outcome;
  }
  expected.forEach((e, i) => {
    const f = findings[i];
    const at = `error ${i + 1} (${f.messageId}${f.container !== undefined ? `, container ${f.container}` : ''})`;
    const diff = (what: string, found: unknown, wanted: unknown) => problems.push({ message: `${at}: ${what} differs`, found, wanted });
    if (f.messageId !== e.messageId) diff('messageId', f.messageId, e.messageId);
    if (e.container !== undefined && f.container !== e.container) diff('container', f.container, e.container);
    if (e.path !== undefined && f.path !== e.path) diff('path', f.path, e.path);
    if (e.line !== undefined && f.line !== e.line) diff('line', f.line, e.line);
    if (e.severity !== undefined && f.severity !== e.severity) diff('severity', f.severity, e.severity);
    if (e.object !== undefined && f.object !== e.object) diff('object', f.object, e.object);
    if (typeof e.message === 'string' && f.message !== e.message) diff('message', f.message, e.message);
    if (e.message instanceof RegExp && !e.message.test(f.message)) diff('message', f.message, e.message);
    if (e.data !== undefined) {
      const template = messages[e.messageId];
      const wanted = template === undefined ? undefined : formatMessage(template, e.data);
      if (wanted !== undefined && PLACEHOLDER.test(wanted)) {
        problems.push({ message: `${at}: \`data\` leaves a placeholder of "${e.messageId}" unrendered`, found: wanted });
      } else if (f.message !== wanted) diff('message (from data)', f.message, wanted);
    }
  });

  // Fixes.
  const ops = findings.flatMap((f) => f.fix ?? []);
  if (rule.meta.fixable) {
    if (ops.length > 0 && c.output === undefined && c.fix === undefined) {
      problems.push({ message: 'the rule fixed the manifest: assert the result with `output` (or `fix`)', found: ops });
    }
    if (c.output === null && ops.length > 0) problems.push({ message: 'expected no fix (`output: null`)', found: ops });
    if (c.fix !== undefined && stableJson(ops) !== stableJson(c.fix)) {
      problems.push({ message: 'fix operations differ', found: ops, wanted: c.fix });
    }
    if (c.output !== undefined && c.output !== null) {
      let fixed: unknown[];
      try {
        fixed = parsed.objects.map((o, i) =>
          applyPatch(o.object, findings.filter((_f, j) => objectIndexOf[j] === i).flatMap((f) => f.fix ?? [])),
        );
      } catch (err) {
        problems.push({ message: `the fix does not apply: ${(err as Error).message}`, found: ops });
        return outcome;
      }
      const actual = fixed.length === 1 ? fixed[0] : fixed;
      if (!jsonEqual(actual, c.output)) problems.push({ message: 'output differs', found: actual, wanted: c.output });
      const rerun = lintManifest([rule], {
        ...c,
        manifest: fixed.map((o) => `---\n${JSON.stringify(o, null, 2)}`).join('\n'),
      });
      const left = rerun.result.objects.flatMap((o) => o.findings).flatMap((f) => f.fix ?? []);
      if (left.length > 0) problems.push({ message: 'the fix is not idempotent: the fixed object is offered another fix', found: left });
    }
  }
  return outcome;
}

/** Runs every check and returns the problems found, without reporting them. */
export function evaluateRuleTests<Options, MessageId extends string>(
  rule: Rule<Options, MessageId>,
  tests: RuleTests<Options, MessageId>,
): Evaluation {
  const anyRule = rule as unknown as AnyRule;
  const setup: Problem[] = [];
  let validateOptions: ((o: unknown) => string | null) | null = null;
  try {
    const ajv = new Ajv({ strict: true, allErrors: true });
    const validate = ajv.compile(rule.meta.options);
    validateOptions = (o) => (validate(o) ? null : ajv.errorsText(validate.errors));
  } catch (err) {
    setup.push({ message: `meta.options does not compile: ${(err as Error).message}` });
  }
  if (!Array.isArray(tests.valid) || tests.valid.length === 0) setup.push({ message: 'no valid cases' });
  if (!Array.isArray(tests.invalid) || tests.invalid.length === 0) setup.push({ message: 'no invalid cases' });

  const prepared: Prepared[] = [
    ...(tests.valid ?? []).map((c, index) => ({ kind: 'valid' as const, index, c: c as Prepared['c'] })),
    ...(tests.invalid ?? []).map((c, index) => ({ kind: 'invalid' as const, index, c: c as Prepared['c'] })),
  ].map((p) => ({ ...p, name: p.c.name ?? defaultName(p.kind, p.index, p.c.manifest) }));

  const seenInputs = new Map<string, string>();
  const seenNames = new Set<string>();
  const cases: CaseOutcome[] = [];
  for (const p of prepared) {
    const { c } = p;
    const key = stableJson({
      manifest: manifestText(c.manifest),
      options: c.options ?? {},
      node: c.node ?? null,
      nodeMemory: c.nodeMemory ?? DEFAULT_NODE_MEMORY,
      kubernetesVersion: c.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION,
      featureGates: c.featureGates ?? {},
      severity: c.severity ?? null,
    });
    const duplicate: Problem[] = [];
    const first = seenInputs.get(key);
    if (first !== undefined) duplicate.push({ message: `duplicate case: same input as "${first}"` });
    else seenInputs.set(key, p.name);
    if (seenNames.has(p.name)) duplicate.push({ message: `duplicate case name "${p.name}"` });
    seenNames.add(p.name);
    const outcome = evaluateCase(anyRule, p, validateOptions);
    outcome.problems.unshift(...duplicate);
    cases.push(outcome);
  }

  const covered = new Set((tests.invalid ?? []).flatMap((c) => (c.errors ?? []).map((e) => e.messageId as string)));
  const uncovered = Object.keys(rule.meta.messages).filter((id) => !covered.has(id));
  if (uncovered.length > 0) setup.push({ message: `no invalid case expects messageId(s): ${uncovered.join(', ')}` });
  return { setup, cases };
}

function report(t: Test, problems: Problem[], okMessage: string): void {
  if (problems.length === 0) {
    t.pass(okMessage);
    return;
  }
  for (const p of problems) {
    const extra: Record<string, unknown> = {};
    if (p.found !== undefined) extra.found = p.found;
    if (p.wanted !== undefined) extra.wanted = p.wanted;
    t.fail(p.message, extra);
  }
}

export const ruleTester = {
  /** One subtest per case, under "valid" and "invalid". */
  run<Options, MessageId extends string>(t: Test, rule: Rule<Options, MessageId>, tests: RuleTests<Options, MessageId>): void {
    const { setup, cases } = evaluateRuleTests(rule, tests);
    t.test(`${rule.meta.id}: table`, async (t) => report(t, setup, 'rule metadata and table are complete'));
    for (const kind of ['valid', 'invalid'] as const) {
      t.test(kind, async (t) => {
        for (const outcome of cases.filter((o) => o.kind === kind)) {
          t.test(outcome.name, async (t) =>
            report(t, outcome.problems, kind === 'valid' ? 'reports nothing' : `reports exactly ${outcome.findings.length} error(s)`),
          );
        }
      });
    }
  },
};
