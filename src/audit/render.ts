// The audit's reports, pure: an AuditResult in, text out.
//
// - `json`: lint's report (output/json.ts, schema version 1): each object is the first Pod of an
//   entry, as lint reports a Pod, with the audit's fields after `findings` (owner, replicas,
//   nodes, template, qosClassCheck) and a top-level `audit` summary. Documented in output/json.ts.
// - `sarif`, `junit`, `github`: lint's formatters, each entry presented as its owner (kind,
//   namespace, name: "Deployment shop/api"), not as its first Pod, whose generated name changes with
//   every rollout and would give every finding a new identity (SARIF fingerprints, JUnit history);
//   each message ends with the entry's replica count. Template differences and the QoS check are
//   not findings of a rule: they are in text, table and json.
// - `text` (default): the entries with something to say (findings, template differences, a QoS
//   class the API server stored differently, Pods on nodes not among those read), the containers
//   killed first across the cluster, counts and the modelled node.
// - `table`: explain's table for every entry, with a TEMPLATE column (the oom_score_adj the owner's
//   template gives on the same node) when a template was read, and the same notes.
import { formatBytes } from '../core/quantity.js';
import type { NodeFacts } from '../core/node.js';
import type { LintReport, ReportedObject } from '../engine/types.js';
import type { InputError } from '../input/types.js';
import { bigintToJson, colorSeverity, countReport, oneLine, padEnd, padStart, palette, plural } from '../output/common.js';
import type { Palette } from '../output/common.js';
import { explainNote } from '../output/explain.js';
import { nodeFooter } from '../output/footer.js';
import { assembleJson, objectJsonTextWith } from '../output/json.js';
import type { AuditEntry, AuditResult } from './auditor.js';
import { ownerLabel } from './owner.js';

/** Where the Pods came from, for the report's `audit` summary and its heading. */
export interface AuditSource {
  kind: 'cluster' | 'files';
  /** The kubeconfig context read (cluster only). */
  context: string | null;
  /** The namespace audited; null: all namespaces. */
  namespace: string | null;
}

export interface AuditReportParts {
  result: AuditResult;
  kubernetesVersion: string;
  /** The nodes over all (placer.all): the report's `node`. */
  node: NodeFacts;
  source: AuditSource;
  /** Errors found reading the inputs (before the Pods were judged): first in the report. */
  inputErrors: readonly InputError[];
}

/** Every error of the report: reading first, then the Pods the model refused. */
export function reportErrors(parts: AuditReportParts): InputError[] {
  return [...parts.inputErrors, ...parts.result.errors];
}

// ---------------------------------------------------------------------------------------------
// JSON

function entryJson(e: AuditEntry): Record<string, unknown> {
  const t = e.template;
  return {
    owner: {
      kind: e.owner.kind,
      namespace: e.owner.namespace,
      name: e.owner.name,
      basis: e.owner.basis,
      replicaSets: e.replicaSets,
      replicas: e.ownerReplicas,
      entry: e.index,
      entries: e.of,
    },
    replicas: e.replicas,
    nodes: e.nodes.map((n) => ({ name: n.name, memoryCapacity: bigintToJson(n.memoryCapacity), ...(n.unknown ? { unknown: true } : {}), pods: n.pods })),
    template:
      t === null
        ? null
        : !t.read
          ? { notRead: t.reason }
          : {
              source: t.source,
              numbersDiffer: t.diff.numbersDiffer,
              qosClass: t.diff.template.qosClass,
              containers: t.diff.template.containers,
              differences: t.diff.differences.map((d) => ({
                change: d.change,
                container: d.container,
                containerType: d.containerType,
                field: d.field,
                running: d.running === null ? null : bigintToJson(d.running),
                template: d.template === null ? null : bigintToJson(d.template),
                by: d.by,
                limitRange: d.limitRange,
                message: d.message,
              })),
            },
    qosClassCheck: { status: e.qos.status, computed: e.qos.computed, agrees: e.qos.agrees },
  };
}

export function formatAuditJson(parts: AuditReportParts): string {
  const { result } = parts;
  const objects = result.entries.map((e) => e.object);
  const errors = reportErrors(parts);
  const counts = countReport({ kubernetesVersion: parts.kubernetesVersion, node: parts.node, objects, errors });
  const c = result.counts;
  return assembleJson({
    kubernetesVersion: parts.kubernetesVersion,
    node: parts.node,
    objects: result.entries.map((e) => objectJsonTextWith(e.object, entryJson(e))),
    errors,
    counts,
    extra: {
      audit: {
        source: parts.source.kind,
        context: parts.source.context,
        namespace: parts.source.namespace,
        pods: c.pods,
        audited: c.audited,
        skipped: c.skipped,
        invalid: c.invalid,
        otherObjects: c.otherObjects,
        otherNamespaces: c.otherNamespaces,
        owners: result.owners,
        entries: result.entries.length,
      },
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Lint's formatters (sarif, junit, github)

const API_VERSIONS: Record<string, string> = {
  Deployment: 'apps/v1',
  ReplicaSet: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  Job: 'batch/v1',
  Pod: 'v1',
  ReplicationController: 'v1',
};

function replicasText(e: AuditEntry): string {
  return `${plural(e.replicas, 'pod')}${e.of > 1 ? `, result ${e.index} of ${e.of} of its ${plural(e.ownerReplicas, 'pod')}` : ''}`;
}

/** The entries as a lint report whose objects are their owners (see the header). */
export function ownerReport(parts: AuditReportParts): LintReport {
  const objects: ReportedObject[] = parts.result.entries.map((e) => {
    const o = e.object;
    const ns = e.owner.namespace === '' ? null : e.owner.namespace;
    const suffix = ` (${ownerLabel(e.owner)}: ${replicasText(e)})`;
    const identity = { apiVersion: API_VERSIONS[e.owner.kind] ?? '', kind: e.owner.kind, namespace: ns, name: e.owner.name };
    return {
      ...o,
      ...identity,
      findings: o.findings.map((f) => ({ ...f, message: `${f.message}${suffix}` })),
      ...(o.workload === undefined ? {} : { workload: { ...o.workload, ...identity } }),
    };
  });
  return { kubernetesVersion: parts.kubernetesVersion, node: parts.node, objects, errors: reportErrors(parts) };
}

// ---------------------------------------------------------------------------------------------
// Text and table

export interface AuditTextOptions {
  color: boolean;
}

/** How many nodes a heading names before "and N more". */
const NODES_SHOWN = 4;

function nodesText(e: AuditEntry): string {
  const nodes = [...e.nodes].sort((a, b) => b.pods.length - a.pods.length);
  const shown = nodes.slice(0, NODES_SHOWN).map((n) => {
    const name = n.name === null ? `no node yet (judged on ${formatBytes(n.memoryCapacity)})` : `${oneLine(n.name)}${n.unknown ? ` (not among the nodes read: judged on ${formatBytes(n.memoryCapacity)})` : ` (${formatBytes(n.memoryCapacity)})`}`;
    return nodes.length === 1 && e.replicas === 1 ? name : `${name} ×${n.pods.length}`;
  });
  const more = nodes.length > NODES_SHOWN ? `, and ${plural(nodes.length - NODES_SHOWN, 'more node')}` : '';
  return `${shown.join(', ')}${more}`;
}

function entryHeading(e: AuditEntry): string {
  const which = e.of > 1 ? `${e.replicas} of ${plural(e.ownerReplicas, 'pod')} (result ${e.index} of ${e.of})` : plural(e.replicas, 'pod');
  const via = e.replicaSets.length === 0 || e.owner.kind === 'ReplicaSet' ? '' : `, ReplicaSet ${e.replicaSets.map(oneLine).join(', ')}`;
  return `${oneLine(ownerLabel(e.owner))}: ${which}${via}`;
}

/** The lines an entry has to say beyond its numbers: template differences, the QoS check. */
function noteLines(e: AuditEntry): string[] {
  const lines: string[] = [];
  const t = e.template;
  if (t !== null && t.read && t.diff.differences.length > 0) {
    const numbers = t.diff.template.containers.map((c) => `${oneLine(c.name)} ${c.oomScoreAdj}`).join(', ');
    const what = t.diff.numbersDiffer ? `the template alone gives ${t.diff.template.qosClass}${numbers === '' ? '' : `: ${numbers}`}` : 'the numbers are the same';
    lines.push(`Differs from its template (${oneLine(t.source)}; ${what}):`);
    for (const d of t.diff.differences) lines.push(`  ${d.by === 'limit-range' ? 'LimitRange' : 'admission'}: ${oneLine(d.message)}`);
  }
  if (!e.qos.agrees) {
    lines.push(
      `status.qosClass is ${oneLine(e.qos.status ?? '')}, but oomguard computes ${e.qos.computed} from the spec: the numbers follow the stored class, ` +
        `as the kubelet does; check --kubernetes-version and --feature-gates against the cluster`,
    );
  }
  return lines;
}

function scoresText(o: ReportedObject): string {
  const a = o.workload?.analysis;
  if (a === undefined || a.containers.length === 0) return 'no containers';
  return a.containers.map((c) => `${oneLine(c.name)} ${c.oomScoreAdj}`).join(', ');
}

function worthListing(e: AuditEntry): boolean {
  return e.object.findings.length > 0 || noteLines(e).length > 0 || e.nodes.some((n) => n.unknown);
}

interface KilledFirst {
  owner: string;
  qosClass: string;
  score: number;
  /** The containers with that score. */
  who: string;
  pods: number;
}

/**
 * The owners whose highest oom_score_adj is highest: what the kernel kills first. Entries of one
 * owner with the same score and containers are one row (their Pods added up).
 */
function killedFirst(entries: readonly AuditEntry[], limit: number): KilledFirst[] {
  const rows = new Map<string, KilledFirst>();
  for (const e of entries) {
    const a = e.object.workload?.analysis;
    if (a === undefined || a.containers.length === 0) continue;
    const score = Math.max(...a.containers.map((c) => c.oomScoreAdj));
    const who = a.containers.filter((c) => c.oomScoreAdj === score).map((c) => oneLine(c.name)).join(', ');
    const owner = oneLine(ownerLabel(e.owner));
    const key = `${owner}\u0000${score}\u0000${a.qosClass}\u0000${who}`;
    const row = rows.get(key);
    if (row === undefined) rows.set(key, { owner, qosClass: a.qosClass, score, who, pods: e.replicas });
    else row.pods += e.replicas;
  }
  return [...rows.values()].sort((a, b) => b.score - a.score || b.pods - a.pods).slice(0, limit);
}

function skippedLine(parts: AuditReportParts): string | null {
  const c = parts.result.counts;
  const bits: string[] = [];
  const ended = c.skipped.Succeeded + c.skipped.Failed;
  if (ended > 0) bits.push(`${plural(ended, 'pod')} that ended (${c.skipped.Succeeded} Succeeded, ${c.skipped.Failed} Failed)`);
  if (c.otherNamespaces > 0) bits.push(`${plural(c.otherNamespaces, 'pod')} of other namespaces`);
  if (c.otherObjects > 0) bits.push(`${plural(c.otherObjects, 'object')} that ${c.otherObjects === 1 ? 'is' : 'are'} not Pods`);
  return bits.length === 0 ? null : `Skipped ${bits.join(', ')}.`;
}

function summaryLines(parts: AuditReportParts, p: Palette): string[] {
  const { result } = parts;
  const objects = result.entries.map((e) => e.object);
  const errors = reportErrors(parts);
  const c = countReport({ kubernetesVersion: parts.kubernetesVersion, node: parts.node, objects, errors });
  const scope = `in ${plural(result.entries.length, 'entry', 'entries')} (${plural(result.counts.audited - result.counts.invalid, 'pod')} of ${plural(result.owners, 'owner')})`;
  const counts = [plural(c.errors, 'error'), plural(c.warnings, 'warning')];
  if (c.infos > 0) counts.push(plural(c.infos, 'info'));
  const lines: string[] = [];
  if (c.errors + c.warnings > 0) {
    const text = `✖ ${counts.join(', ')} ${scope}`;
    lines.push(p.bold(c.errors > 0 ? p.red(text) : p.yellow(text)));
  } else if (errors.length === 0) {
    lines.push(`${p.green('✔')} no problems: ${counts.join(', ')} ${scope}`);
  } else {
    lines.push(`no problems in what could be read: ${counts.join(', ')} ${scope}`);
  }
  const differing = result.entries.filter((e) => e.template !== null && e.template.read && e.template.diff.numbersDiffer);
  if (differing.length > 0) {
    const pods = differing.reduce((n, e) => n + e.replicas, 0);
    lines.push(`${plural(pods, 'pod')} in ${plural(differing.length, 'entry', 'entries')} run numbers their template does not give: no manifest shows them.`);
  }
  const mismatched = result.entries.filter((e) => !e.qos.agrees).reduce((n, e) => n + e.replicas, 0);
  if (mismatched > 0) lines.push(`${plural(mismatched, 'pod')}: status.qosClass differs from oomguard's computation.`);
  if (errors.length > 0) lines.push(p.bold(p.red(`✖ ${plural(errors.length, 'input error')}`)));
  const skipped = skippedLine(parts);
  if (skipped !== null) lines.push(skipped);
  return lines;
}

function errorLines(errors: readonly InputError[], p: Palette): string[] {
  if (errors.length === 0) return [];
  const out = [p.bold(p.red(`Input errors (${errors.length})`))];
  for (const e of errors) {
    const where = `${oneLine(e.file)}${e.line !== null ? `:${e.line}` : ''}${e.document !== null && e.document > 0 ? ` (document ${e.document + 1})` : ''}`;
    out.push(`  ${where}: ${oneLine(e.message)}`);
  }
  out.push('');
  return out;
}

/** Where the first Pod's findings are: "pod api-7d9f8-x2x, pods.json" or just the pod from the cluster. */
function firstPod(o: ReportedObject): string {
  const file = o.source.file.startsWith('<cluster') ? '' : `, ${oneLine(o.source.file)}`;
  return `first pod ${oneLine(o.name)}${file}`;
}

export function formatAuditText(parts: AuditReportParts, opts: AuditTextOptions): string {
  const p = palette(opts.color);
  const out: string[] = [];
  const listed = parts.result.entries.filter(worthListing);
  for (const e of listed) {
    const o = e.object;
    const qos = o.workload === undefined ? '' : `  ${o.workload.analysis.qosClass}`;
    out.push(`${p.bold(entryHeading(e))}${qos}`);
    out.push(`  oom_score_adj: ${scoresText(o)}; on ${nodesText(e)}`);
    for (const line of noteLines(e)) out.push(`  ${line}`);
    if (o.findings.length > 0) {
      const fromFile = !o.source.file.startsWith('<cluster');
      const rows = [...o.findings].sort((a, b) => a.line - b.line);
      const lineWidth = Math.max(...rows.map((f) => String(f.line).length));
      for (const f of rows) {
        const line = fromFile ? `${p.dim(`${padStart(String(f.line), lineWidth)}:`)}  ` : '';
        out.push(`    ${line}${colorSeverity(p, f.severity, padEnd(f.severity, 7))}  ${oneLine(f.message)}  ${p.dim(f.rule)}`);
      }
      out.push(`    ${p.dim(`(${firstPod(o)})`)}`);
    }
    out.push('');
  }

  const first = killedFirst(parts.result.entries, 10);
  if (first.length > 0) {
    out.push(p.bold('Killed first when a node runs out of memory (highest oom_score_adj):'));
    const width = Math.max(...first.map((r) => String(r.score).length));
    for (const r of first) out.push(`  ${padStart(String(r.score), width)}  ${padEnd(r.qosClass, 10)}  ${r.owner} (${plural(r.pods, 'pod')}): ${r.who}`);
    out.push('');
  }
  out.push(...errorLines(reportErrors(parts), p));
  out.push(...summaryLines(parts, p));
  out.push(p.dim(nodeFooter(parts.node, parts.kubernetesVersion)));
  return `${out.join('\n')}\n`;
}

const bytesCell = (v: bigint | null) => (v === null ? '-' : formatBytes(v));

const HEADERS = ['CONTAINER', 'TYPE', 'MEMORY REQUEST', 'MEMORY LIMIT', 'QOS', 'OOM_SCORE_ADJ', 'TEMPLATE'] as const;
const RIGHT = new Set([5, 6]);

/** `--format table`: explain's table for every entry, with the template's numbers beside the Pod's. */
export function formatAuditTable(parts: AuditReportParts, opts: AuditTextOptions): string {
  const p = palette(opts.color);
  const out: string[] = [];
  const entries = parts.result.entries;
  const withTemplate = entries.some((e) => e.template !== null && e.template.read);
  const columns = withTemplate ? HEADERS.length : HEADERS.length - 1;
  type Block = { heading: string; rows: string[][]; notes: string[] };
  const blocks: Block[] = entries.map((e) => {
    const w = e.object.workload;
    if (w === undefined) return { heading: entryHeading(e), rows: [], notes: [] };
    const a = w.analysis;
    const t = e.template !== null && e.template.read ? e.template.diff.template : null;
    const templateOf = (name: string, type: string) => {
      if (t === null) return '-';
      const c = t.containers.find((x) => x.name === name && (x.type === 'container') === (type === 'container'));
      return c === undefined ? 'added' : String(c.oomScoreAdj);
    };
    const rows =
      a.containers.length === 0
        ? [['-', '-', '-', '-', a.qosClass, '-', '-']]
        : a.containers.map((c) => [oneLine(c.name), c.type, bytesCell(c.memoryRequest), bytesCell(c.memoryLimit), a.qosClass, String(c.oomScoreAdj), templateOf(c.name, c.type)]);
    const notes = [`Runs on ${nodesText(e)}.`, oneLine(explainNote(w)), ...noteLines(e)];
    if (e.template !== null && !e.template.read) notes.push(`Template not compared: ${oneLine(e.template.reason)}.`);
    for (const f of e.object.findings) notes.push(`${f.severity} ${f.rule}: ${oneLine(f.message)}`);
    return { heading: entryHeading(e), rows: rows.map((r) => r.slice(0, columns)), notes };
  });
  const headers = HEADERS.slice(0, columns);
  const widths = headers.map((h, i) => Math.max(h.length, ...blocks.flatMap((b) => b.rows.map((r) => [...r[i]].length))));
  const render = (cells: readonly string[]) =>
    `  ${cells.map((cell, i) => (RIGHT.has(i) ? padStart(cell, widths[i]) : i === cells.length - 1 ? cell : padEnd(cell, widths[i]))).join('  ')}`.trimEnd();
  if (blocks.length === 0) out.push('No running pods.');
  blocks.forEach((b, i) => {
    if (i > 0) out.push('');
    out.push(p.bold(b.heading));
    if (b.rows.length > 0) {
      out.push(p.dim(render(headers)));
      out.push(...b.rows.map(render));
    }
    for (const n of b.notes) out.push(p.dim(`  ${n}`));
  });
  out.push('');
  out.push(...errorLines(reportErrors(parts), p));
  const skipped = skippedLine(parts);
  if (skipped !== null) out.push(skipped);
  out.push(p.dim(nodeFooter(parts.node, parts.kubernetesVersion)));
  return `${out.join('\n')}\n`;
}
