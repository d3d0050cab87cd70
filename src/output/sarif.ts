// `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
//
// Decisions:
// - One run; tool.driver.rules lists every rule passed in (in the given order, which should be
//   the registry's sorted order), then any rule id found in a finding but not passed in (a
//   minimal descriptor), so every result's ruleIndex is valid.
// - Input errors (unreadable files, invalid YAML, invalid quantities) are not results: nothing
//   was checked there. They are invocations[0].toolExecutionNotifications (level error, with the
//   file and line when known; descriptor `input-error`, declared in tool.driver.notifications),
//   and invocations[0].executionSuccessful is false when there is any, true otherwise. GitHub
//   code scanning shows such notifications as tool errors of the analysis, not as alerts.
// - Locations: artifactLocation.uri is the file path as a relative URI reference (forward
//   slashes, each segment percent-encoded) with uriBaseId %SRCROOT%; absolute paths become
//   file:// URIs without uriBaseId. region.startLine is the finding's line (1 when unknown).
//   logicalLocations name the object (kind "object") or the container (kind "member").
// - partialFingerprints: key `oomguard/v1`, a SHA-256 over the rule id, the file, the object's
//   identity (API group, kind, namespace, name), the container and the messageId (and, for a
//   finding about no container, its JSON Pointer). No line number and no list index, so a finding
//   keeps its identity (and its alert on GitHub) when lines above it move or containers are
//   reordered. Identical identities within a run get an occurrence suffix (":2", ":3"); the file
//   is part of the identity, so this never looks beyond one file.
//   We deliberately do NOT set `primaryLocationLineHash`: GitHub's upload action computes that
//   one from the source line itself and warns about every result whose value differs from its own.
// - `oomguard lint` renders each file's results where it lints the file (resultRunBytes, in any
//   thread) and joins them into the log (assembleSarifBytes): the same bytes as formatSarif of the
//   whole report, without holding every object until the end. That needs the run's rules up front
//   (enabledSarifRules), which the lint's findings always come from.
import type { LintReport, ReportedObject, SeverityOrOff } from '../engine/types.js';
import type { InputError } from '../input/types.js';
import type { NodeFacts } from '../core/node.js';
import { bigintToJson, objectLabel } from './common.js';
import { itemRunBytes, jsonAtDepth, spliceItemRuns, spliceItems } from './json-splice.js';
import type { ArraySlot } from './json-splice.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const INPUT_ERROR_RULE_ID = 'input-error';
export const FINGERPRINT_KEY = 'oomguard/v1';

/** What formatSarif needs of a rule; RuleMeta (rules/define-rule.ts) satisfies it. */
export interface SarifRule {
  id: string;
  /** One line. */
  description: string;
  /** What to do about it. */
  remediation: string;
  /** Markdown explanation (RuleMeta.docs). */
  docs?: string;
  /** Defaults to https://github.com/oomguard/oomguard/blob/main/docs/rules/<id>.md. */
  helpUri?: string;
  /** The effective severity of the run (configured, else default). */
  severity: SeverityOrOff;
}

export interface SarifTool {
  name: string;
  version: string;
  informationUri?: string;
}

export const DEFAULT_INFORMATION_URI = 'https://github.com/oomguard/oomguard';

export function ruleHelpUri(id: string): string {
  return `https://github.com/oomguard/oomguard/blob/main/docs/rules/${encodeURIComponent(id)}.md`;
}

type Level = 'error' | 'warning' | 'note' | 'none';

function levelOf(severity: SeverityOrOff): Level {
  switch (severity) {
    case 'error':
      return 'error';
    case 'warning':
      return 'warning';
    case 'info':
      return 'note';
    default:
      return 'none';
  }
}

/** memory-request-missing → MemoryRequestMissing (SARIF's human-readable rule name). */
function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter((s) => s !== '')
    .map((s) => s[0].toUpperCase() + s.slice(1))
    .join('');
}

/**
 * A file path as a SARIF artifact location. Relative paths become relative URI references
 * (percent-encoded segments, forward slashes, leading "./" dropped) against %SRCROOT%; absolute
 * POSIX and Windows paths become file:// URIs.
 */
export function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
  let path = file.replace(/\\/g, '/');
  const encode = (p: string) => p.split('/').map(encodeURIComponent).join('/');
  if (/^[A-Za-z]:\//.test(path)) {
    return { uri: `file:///${path.slice(0, 2)}${encode(path.slice(2))}` };
  }
  if (path.startsWith('//')) {
    // UNC path: //server/share/...
    const rest = path.slice(2);
    const slash = rest.indexOf('/');
    const host = slash === -1 ? rest : rest.slice(0, slash);
    return { uri: `file://${encodeURIComponent(host)}${slash === -1 ? '/' : encode(rest.slice(slash))}` };
  }
  if (path.startsWith('/')) return { uri: `file://${encode(path)}` };
  while (path.startsWith('./')) path = path.slice(2);
  return { uri: encode(path), uriBaseId: '%SRCROOT%' };
}

/** The API group of an apiVersion: "apps/v1" → "apps", "v1" → "" (core); the version is not identity. */
function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

function fingerprint(parts: Array<string | number | null>): string {
  // node:crypto loaded on the first fingerprint, not with the module: lint-files.ts imports this
  // one for every lint, and an ES import of node:crypto costs start-up time in the others.
  const { createHash } = process.getBuiltinModule('node:crypto');
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export interface SarifReportingDescriptor {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri?: string;
  defaultConfiguration: { level: Level; enabled?: boolean };
  properties: { tags: string[] };
}

function descriptor(rule: SarifRule): SarifReportingDescriptor {
  const helpUri = rule.helpUri ?? ruleHelpUri(rule.id);
  const fullText = rule.remediation === '' ? rule.description : `${rule.description} ${rule.remediation}`;
  const markdownParts = [`**${rule.description}**`];
  if (rule.remediation !== '') markdownParts.push(`**Remediation:** ${rule.remediation}`);
  if (rule.docs !== undefined && rule.docs.trim() !== '') markdownParts.push(rule.docs.trim());
  markdownParts.push(`[Rule documentation](${helpUri})`);
  const d: SarifReportingDescriptor = {
    id: rule.id,
    name: pascalCase(rule.id),
    shortDescription: { text: rule.description },
    fullDescription: { text: fullText },
    help: { text: `${fullText}\nSee ${helpUri}`, markdown: markdownParts.join('\n\n') },
    helpUri,
    defaultConfiguration: { level: levelOf(rule.severity) },
    properties: { tags: ['kubernetes', 'reliability', 'oom'] },
  };
  if (rule.severity === 'off') d.defaultConfiguration.enabled = false;
  return d;
}

/** Descriptor of the input-error notification (tool.driver.notifications[0]). */
const INPUT_ERROR_DESCRIPTOR = {
  id: INPUT_ERROR_RULE_ID,
  name: 'InputError',
  shortDescription: { text: 'A file, document or value could not be read, so the objects in it were not checked.' },
  fullDescription: {
    text: 'A file, document or value could not be read, so the objects in it were not checked. Fix the YAML/JSON syntax or the invalid value named in the message.',
  },
  defaultConfiguration: { level: 'error' as Level },
};

/** What a run's rules are made from: a rule of the registry (rules/define-rule.ts RuleMeta) and its setting. */
export interface SarifRuleSource {
  meta: { id: string; description: string; remediation: string; docs?: string; severity: SeverityOrOff };
}

/**
 * The rules a run declares: those not turned off (configured severity, else the rule's own), in
 * the given order. `oomguard lint` and `oomguard audit` pass the registry; each file's results
 * (resultRunBytes) index into exactly this list.
 */
export function enabledSarifRules(rules: readonly SarifRuleSource[], ruleSettings: ReadonlyMap<string, { severity: SeverityOrOff }>): SarifRule[] {
  const out: SarifRule[] = [];
  for (const { meta } of rules) {
    const severity = ruleSettings.get(meta.id)?.severity ?? meta.severity;
    if (severity !== 'off') out.push({ id: meta.id, description: meta.description, remediation: meta.remediation, docs: meta.docs, severity });
  }
  return out;
}

/** Each rule id's index in tool.driver.rules. */
export type SarifRuleIndex = ReadonlyMap<string, number>;

/** The rules as tool.driver.rules declares them (a rule passed twice, once: the first) and each one's index. */
export function declareRules(rules: readonly SarifRule[]): { descriptors: SarifReportingDescriptor[]; index: Map<string, number> } {
  const descriptors: SarifReportingDescriptor[] = [];
  const index = new Map<string, number>();
  for (const r of rules) {
    if (index.has(r.id)) continue;
    index.set(r.id, descriptors.length);
    descriptors.push(descriptor(r));
  }
  return { descriptors, index };
}

/**
 * Fingerprints made unique by an occurrence suffix (":2", ":3") for identical identities. The
 * file is part of every identity, so fingerprints of different files never meet: one counter per
 * file gives what one counter per run gives, which lets each file's results be rendered alone.
 */
function fingerprints(): (parts: Array<string | number | null>) => string {
  const seen = new Map<string, number>();
  return (parts) => {
    const base = fingerprint(parts);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}:${n + 1}`;
  };
}

/** The results of some objects, in order. Throws when a finding's rule is not in `index` (formatSarif adds them first). */
function resultsOf(objects: readonly ReportedObject[], index: SarifRuleIndex, uniqueFingerprint: ReturnType<typeof fingerprints>): unknown[] {
  const results: unknown[] = [];
  for (const o of objects) {
    const label = objectLabel(o);
    for (const f of o.findings) {
      const ruleIndex = index.get(f.rule);
      if (ruleIndex === undefined) throw new Error(`SARIF: rule ${f.rule} of a finding is not among the run's rules`);
      const logical =
        f.container !== undefined
          ? { name: f.container, fullyQualifiedName: `${label}, container ${f.container}`, kind: 'member' }
          : { name: o.name, fullyQualifiedName: label, kind: 'object' };
      results.push({
        ruleId: f.rule,
        ruleIndex,
        level: levelOf(f.severity),
        message: { text: f.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation: artifactLocation(o.source.file),
              region: { startLine: Math.max(1, f.line) },
            },
            logicalLocations: [logical],
          },
        ],
        partialFingerprints: {
          [FINGERPRINT_KEY]: uniqueFingerprint([
            f.rule,
            o.source.file,
            apiGroup(o.apiVersion),
            o.kind,
            o.namespace,
            o.name,
            f.container ?? null,
            f.container === undefined ? f.path : null,
            f.messageId,
          ]),
        },
        properties: { jsonPointer: f.path, ...(f.container !== undefined ? { container: f.container } : {}) },
      });
    }
  }
  return results;
}

/** Where the log's results go: runs[0].results. */
const RESULTS: ArraySlot = { key: 'results', depth: 4 };

/** Each result's text at its place in the log. */
function resultTexts(results: readonly unknown[]): string[] {
  return results.map((r) => jsonAtDepth(r, RESULTS.depth));
}

/**
 * One file's results (its objects, in order) as they stand in the log's results array, as UTF-8
 * in a buffer of its own (itemRunBytes: a worker thread sends it). `index`: that of the run's
 * rules (declareRules), which every finding's rule must be among. Empty when the objects have no
 * findings.
 */
export function resultRunBytes(objects: readonly ReportedObject[], index: SarifRuleIndex): Uint8Array {
  return itemRunBytes(resultTexts(resultsOf(objects, index, fingerprints())), RESULTS);
}

/** The log besides its results: the rules, the input errors, the run's properties. */
export interface SarifFrame {
  kubernetesVersion: string;
  node: NodeFacts;
  errors: readonly InputError[];
  rules: readonly SarifRule[];
  tool: SarifTool;
}

/** The log with an empty results array. */
function sarifText(
  frame: Pick<SarifFrame, 'kubernetesVersion' | 'node' | 'errors'>,
  tool: SarifTool,
  descriptors: readonly SarifReportingDescriptor[],
): string {
  const notifications = frame.errors.map((e) => {
    const n: Record<string, unknown> = {
      level: 'error',
      message: { text: e.document === null ? e.message : `${e.message} (document ${e.document + 1})` },
      descriptor: { id: INPUT_ERROR_RULE_ID, index: 0 },
    };
    const physicalLocation: Record<string, unknown> = { artifactLocation: artifactLocation(e.file) };
    if (e.line !== null) physicalLocation.region = { startLine: Math.max(1, e.line) };
    n.locations = [{ physicalLocation }];
    return n;
  });

  const driver: Record<string, unknown> = {
    name: tool.name,
    version: tool.version,
    informationUri: tool.informationUri ?? DEFAULT_INFORMATION_URI,
    rules: descriptors,
    notifications: [INPUT_ERROR_DESCRIPTOR],
  };
  // SARIF's semanticVersion must be a Semantic Versioning 2.0.0 string; "dev" builds leave it out.
  if (/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.test(tool.version)) {
    driver.semanticVersion = tool.version;
  }

  const sarif = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver },
        invocations: [
          notifications.length === 0
            ? { executionSuccessful: true }
            : { executionSuccessful: false, toolExecutionNotifications: notifications },
        ],
        results: [],
        properties: {
          kubernetesVersion: frame.kubernetesVersion,
          nodeMemoryCapacity: bigintToJson(frame.node.memoryCapacity),
          nodeSource: frame.node.source,
        },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

/**
 * The log from its frame and each file's results (resultRunBytes), in order, as one buffer: the
 * same bytes as formatSarif of the whole report, whose every finding's rule is among `rules`.
 */
export function assembleSarifBytes(frame: SarifFrame, resultRuns: readonly Uint8Array[]): Buffer {
  return spliceItemRuns(sarifText(frame, frame.tool, declareRules(frame.rules).descriptors), RESULTS, resultRuns);
}

/** The report as SARIF 2.1.0 JSON text (2-space indentation, trailing newline). */
export function formatSarif(report: LintReport, rules: readonly SarifRule[], tool: SarifTool): string {
  // A rule found in a finding but not passed in gets a minimal descriptor, after those passed in.
  const all = [...rules];
  const ids = new Set(rules.map((r) => r.id));
  for (const o of report.objects) {
    for (const f of o.findings) {
      if (ids.has(f.rule)) continue;
      ids.add(f.rule);
      all.push({ id: f.rule, description: f.rule, remediation: '', severity: f.severity });
    }
  }
  const { descriptors, index } = declareRules(all);
  return spliceItems(sarifText(report, tool, descriptors), RESULTS, resultTexts(resultsOf(report.objects, index, fingerprints())));
}
