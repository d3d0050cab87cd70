// `--format json`: the machine-readable report, schema version 1 (DESIGN.md §5).
// Fields may be added in later releases, never renamed or removed; consumers must ignore
// fields they do not know.
//
// Shape (keys in this order):
//   schemaVersion      1
//   kubernetesVersion  "1.34"
//   node               { memoryCapacity, source, memoryAllocatable, nodeNames, capacityRange: {min, max},
//                        allocatableRange: {min, max} | null, reservations? }
//       reservations   { preset, kubeReserved, systemReserved, evictionHard, formula, source }
//                      (only with --node-preset: the provider's published formula)
//   objects[]          { file, document, line, itemPointer?, apiVersion, kind, namespace, name,
//                        node?, qosClass?, containers?, findings[] }
//       node           { name, basis, candidates, memoryCapacity, unknownNodeName?, noNodeMatches? }
//       containers[]   { name, type, memoryRequest, memoryLimit, oomScoreAdj, setByLimitRange? }
//       findings[]     { rule, severity, container?, path, line, message, messageId, fix? }
//   errors[]           { file, document, line, message }       (input errors)
//   summary            { objects, workloads, errors, warnings, infos, inputErrors }
//   audit              (`oomguard audit` only, src/audit/render.ts) { source, context, namespace, pods,
//                        audited, skipped: {Succeeded, Failed}, invalid, otherObjects, owners, entries }
//
// `oomguard audit` writes the same report: each object is the first Pod of an entry (an owner's
// Pods with one distinct result; src/audit/auditor.ts), with these fields after `findings`:
//   owner              { kind, namespace, name, basis, replicaSets[], replicas, entry, entries }
//                      (replicas: the owner's Pods in all its entries; entry: this one's 1-based
//                      position among its `entries`)
//   replicas           the Pods of this entry
//   nodes[]            { name, memoryCapacity, unknown?, pods[] }   (name null: not scheduled)
//   template           { source, numbersDiffer, qosClass, containers[{name, type, oomScoreAdj}],
//                        differences[{change, container, containerType, field, running, template,
//                        by, limitRange, message}] } | { notRead: reason } | null (a bare Pod)
//   qosClassCheck      { status, computed, agrees }   (status.qosClass against oomguard's own)
//
// Conventions:
// - Memory values are bytes after API-server defaulting, as JSON numbers; `null` when unset (or
//   zero). A value above Number.MAX_SAFE_INTEGER (2^53 - 1 bytes, 8 PiB: no real node or
//   container) is written as a decimal string instead, so that no value is ever rounded.
// - `itemPointer` (JSON Pointer of an item of a `kind: List` inside its document) is present only
//   when non-empty. `container` and `fix` on a finding are present only when set.
// - `namespace` is `null` when the object has none. `document` is 0-based; `line` is 1-based.
// - Objects that hold no pod have no `qosClass` and no `containers` keys.
// - `containers` follow the kubelet's order: init containers (and sidecars) first, then regular ones.
// - `node` (the node a workload's pod was judged on, core/placement.ts) is present only when Node
//   objects were given (--node, the config's node.file): `basis` is "nodeName" (spec.nodeName),
//   "selector" (the smallest of the `candidates` its nodeSelector and required node affinity
//   allow) or "all" (the smallest node); `unknownNodeName` when spec.nodeName names no given node,
//   `noNodeMatches` when its selectors match none. With one capacity (--node-memory, a preset, the
//   default) every pod is judged on the report's `node`.
// - `setByLimitRange` is present only on a container some of whose requests or limits a LimitRange
//   filled in: { requests: { <resource>: "namespace/name" }, limits: { ... } } (the values above
//   already include them).
// - summary.errors counts findings at error severity ONLY (the example in DESIGN.md §5 has one
//   error finding and one input error, and summary.errors 1). Input errors are counted in
//   summary.inputErrors. So: exit code 1 ⇔ summary.errors > 0; exit code 2 ⇔ summary.inputErrors > 0
//   (or bad usage).
import type { LintReport, ReportedObject, ReportedPlacement, Finding } from '../engine/types.js';
import type { InputError } from '../input/types.js';
import type { NodeFacts, NodeReservations } from '../core/node.js';
import { bigintToJson, countReport } from './common.js';
import { itemRunBytes, jsonAtDepth, spliceItemRuns, spliceItems } from './json-splice.js';
import type { ArraySlot } from './json-splice.js';
import type { ReportCounts } from './common.js';

export const JSON_SCHEMA_VERSION = 1;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const mem = (v: bigint | null): Json => (v === null ? null : bigintToJson(v));

function nodeJson(node: NodeFacts): Json {
  return {
    memoryCapacity: bigintToJson(node.memoryCapacity),
    source: node.source,
    memoryAllocatable: mem(node.memoryAllocatable),
    nodeNames: [...node.nodeNames],
    capacityRange: { min: bigintToJson(node.capacityRange.min), max: bigintToJson(node.capacityRange.max) },
    allocatableRange:
      node.allocatableRange === null
        ? null
        : { min: bigintToJson(node.allocatableRange.min), max: bigintToJson(node.allocatableRange.max) },
    ...(node.reservations === undefined ? {} : { reservations: reservationsJson(node.reservations) }),
  };
}

function reservationsJson(r: NodeReservations): Json {
  return {
    preset: r.preset,
    kubeReserved: bigintToJson(r.kubeReserved),
    systemReserved: bigintToJson(r.systemReserved),
    evictionHard: bigintToJson(r.evictionHard),
    formula: r.formula,
    source: r.source,
  };
}

function findingJson(f: Finding): Json {
  const out: { [k: string]: Json } = { rule: f.rule, severity: f.severity };
  if (f.container !== undefined) out.container = f.container;
  out.path = f.path;
  out.line = f.line;
  out.message = f.message;
  out.messageId = f.messageId;
  if (f.fix !== undefined && f.fix.length > 0) out.fix = f.fix as unknown as Json;
  return out;
}

function objectJson(o: ReportedObject): Json {
  const out: { [k: string]: Json } = {
    file: o.source.file,
    document: o.source.document,
    line: o.source.line,
  };
  if (o.source.itemPointer !== '') out.itemPointer = o.source.itemPointer;
  out.apiVersion = o.apiVersion;
  out.kind = o.kind;
  out.namespace = o.namespace;
  out.name = o.name;
  if (o.workload !== undefined) {
    const placement = o.workload.placement;
    if (placement.basis !== 'capacity') out.node = placementJson(placement);
    const a = o.workload.analysis;
    out.qosClass = a.qosClass;
    out.containers = a.containers.map((c) => {
      const container: { [k: string]: Json } = {
        name: c.name,
        type: c.type,
        memoryRequest: mem(c.memoryRequest),
        memoryLimit: mem(c.memoryLimit),
        oomScoreAdj: c.oomScoreAdj,
      };
      if (c.setByLimitRange !== null) container.setByLimitRange = { requests: c.setByLimitRange.requests, limits: c.setByLimitRange.limits };
      return container;
    });
  }
  out.findings = o.findings.map(findingJson);
  return out;
}

function placementJson(p: ReportedPlacement): Json {
  const out: { [k: string]: Json } = { name: p.node, basis: p.basis, candidates: p.candidates, memoryCapacity: bigintToJson(p.facts.memoryCapacity) };
  if (p.unknownNodeName !== null) out.unknownNodeName = p.unknownNodeName;
  if (p.noNodeMatches) out.noNodeMatches = true;
  return out;
}

function errorJson(e: InputError): Json {
  return { file: e.file, document: e.document, line: e.line, message: e.message };
}

/** The report as JSON text (2-space indentation, trailing newline). */
export function formatJson(report: LintReport): string {
  return assembleJson({
    kubernetesVersion: report.kubernetesVersion,
    node: report.node,
    objects: report.objects.map(objectJsonText),
    errors: report.errors,
    counts: countReport(report),
  });
}

/**
 * One object as it appears in the report's `objects` array: its JSON at that depth of
 * indentation, without the indentation of its first line or a separating comma. A lint of many
 * files renders each object as soon as it is linted (in worker threads: in parallel, and a string
 * is far cheaper to send back than the objects it is made from), then assembleJson joins them.
 */
export function objectJsonText(o: ReportedObject): string {
  return objectText(objectJson(o), o);
}

/**
 * objectJsonText with `extra` fields after `findings` (oomguard audit's: plain JSON values, no
 * bigint). A function of its own: objectJsonText is passed to Array.prototype.map.
 */
export function objectJsonTextWith(o: ReportedObject, extra: Readonly<Record<string, unknown>>): string {
  return objectText({ ...(objectJson(o) as { [k: string]: Json }), ...(extra as { [k: string]: Json }) }, o);
}

function objectText(json: Json, o: ReportedObject): string {
  // A replacer only matters for a bigint inside a rule's fix value (rules should not produce one),
  // and calling one for every value made rendering a third slower: use it only then.
  const replacer = o.findings.some((f) => f.fix !== undefined && containsBigint(f.fix)) ? bigintReplacer : undefined;
  return jsonAtDepth(json, OBJECTS.depth, replacer);
}

/** Where the report's objects go. */
const OBJECTS: ArraySlot = { key: 'objects', depth: 2 };

/** The parts of the report besides its objects. */
export interface JsonReportFrame {
  kubernetesVersion: string;
  node: NodeFacts;
  errors: readonly InputError[];
  counts: Pick<ReportCounts, 'objects' | 'workloads' | 'errors' | 'warnings' | 'infos' | 'inputErrors'>;
  /** Top-level fields after `summary` (oomguard audit's `audit`), plain JSON values. */
  extra?: Readonly<Record<string, unknown>>;
}

/** What assembleJson needs: the report with its objects already rendered by objectJsonText. */
export interface JsonReportParts extends JsonReportFrame {
  objects: readonly string[];
}

/** The JSON report from its parts: exactly what JSON.stringify of the whole report gives. */
export function assembleJson(parts: JsonReportParts): string {
  return spliceItems(reportText(parts), OBJECTS, parts.objects);
}

/**
 * assembleJson from runs of objects already rendered as UTF-8 (objectRunBytes), in order, as one
 * buffer: the same bytes as Buffer.from(assembleJson(...)). The lint of many files keeps each
 * file's objects this way: outside the JavaScript heap (the collector neither copies nor marks
 * them), and without joining thousands of strings into one only to encode it again for stdout.
 */
export function assembleJsonBytes(parts: JsonReportFrame & { objectRuns: readonly Uint8Array[] }): Buffer {
  return spliceItemRuns(reportText(parts), OBJECTS, parts.objectRuns);
}

/** Objects as they follow each other in the report's `objects` array, as UTF-8 in a buffer of their own (itemRunBytes). */
export function objectRunBytes(objects: readonly ReportedObject[]): Uint8Array {
  return itemRunBytes(objects.map(objectJsonText), OBJECTS);
}

/** The report with an empty `objects` array. */
function reportText(parts: JsonReportFrame): string {
  const c = parts.counts;
  const doc: Json = {
    schemaVersion: JSON_SCHEMA_VERSION,
    kubernetesVersion: parts.kubernetesVersion,
    node: nodeJson(parts.node),
    objects: [],
    errors: parts.errors.map(errorJson),
    summary: {
      objects: c.objects,
      workloads: c.workloads,
      errors: c.errors,
      warnings: c.warnings,
      infos: c.infos,
      inputErrors: c.inputErrors,
    },
    ...((parts.extra ?? {}) as { [k: string]: Json }),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? bigintToJson(value) : value;
}

function containsBigint(v: unknown): boolean {
  if (typeof v === 'bigint') return true;
  if (typeof v !== 'object' || v === null) return false;
  return Object.values(v).some(containsBigint);
}
