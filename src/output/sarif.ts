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
//   reordered. Identical identities within a run get an occurrence suffix (":2", ":3").
//   We deliberately do NOT set `primaryLocationLineHash`: GitHub's upload action computes that
//   one from the source line itself and warns about every result whose value differs from its own.
import { createHash } from 'node:crypto';
import type { LintReport, SeverityOrOff } from '../engine/types.js';
import { bigintToJson, objectLabel } from './common.js';

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
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

interface SarifReportingDescriptor {
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

/** The report as SARIF 2.1.0 JSON text (2-space indentation, trailing newline). */
export function formatSarif(report: LintReport, rules: readonly SarifRule[], tool: SarifTool): string {
  const descriptors: SarifReportingDescriptor[] = [];
  const index = new Map<string, number>();
  const addRule = (r: SarifRule) => {
    if (index.has(r.id)) return;
    index.set(r.id, descriptors.length);
    descriptors.push(descriptor(r));
  };
  for (const r of rules) addRule(r);
  for (const o of report.objects) {
    for (const f of o.findings) {
      if (!index.has(f.rule)) addRule({ id: f.rule, description: f.rule, remediation: '', severity: f.severity });
    }
  }

  const results: unknown[] = [];
  /** Identical identities (rare) get an occurrence suffix so fingerprints stay unique. */
  const seen = new Map<string, number>();
  const uniqueFingerprint = (parts: Array<string | number | null>) => {
    const base = fingerprint(parts);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}:${n + 1}`;
  };

  for (const o of report.objects) {
    const label = objectLabel(o);
    for (const f of o.findings) {
      const logical =
        f.container !== undefined
          ? { name: f.container, fullyQualifiedName: `${label}, container ${f.container}`, kind: 'member' }
          : { name: o.name, fullyQualifiedName: label, kind: 'object' };
      results.push({
        ruleId: f.rule,
        ruleIndex: index.get(f.rule),
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

  const notifications = report.errors.map((e) => {
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
        results,
        properties: {
          kubernetesVersion: report.kubernetesVersion,
          nodeMemoryCapacity: bigintToJson(report.node.memoryCapacity),
          nodeSource: report.node.source,
        },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
