// `--format json`: the machine-readable report, schema version 1 (DESIGN.md §5).
// Fields may be added in later releases, never renamed or removed; consumers must ignore
// fields they do not know.
//
// Shape (keys in this order):
//   schemaVersion      1
//   kubernetesVersion  "1.34"
//   node               { memoryCapacity, source, memoryAllocatable, nodeNames, capacityRange: {min, max},
//                        allocatableRange: {min, max} | null }
//   objects[]          { file, document, line, itemPointer?, apiVersion, kind, namespace, name,
//                        qosClass?, containers?, findings[] }
//       containers[]   { name, type, memoryRequest, memoryLimit, oomScoreAdj }
//       findings[]     { rule, severity, container?, path, line, message, messageId, fix? }
//   errors[]           { file, document, line, message }       (input errors)
//   summary            { objects, workloads, errors, warnings, infos, inputErrors }
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
// - summary.errors counts findings at error severity ONLY (the example in DESIGN.md §5 has one
//   error finding and one input error, and summary.errors 1). Input errors are counted in
//   summary.inputErrors. So: exit code 1 ⇔ summary.errors > 0; exit code 2 ⇔ summary.inputErrors > 0
//   (or bad usage).
import type { LintReport, ObjectReport, Finding } from '../engine/types.js';
import type { InputError } from '../input/types.js';
import type { NodeFacts } from '../core/node.js';
import { bigintToJson, countReport } from './common.js';

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

function objectJson(o: ObjectReport): Json {
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
    const a = o.workload.analysis;
    out.qosClass = a.qosClass;
    out.containers = a.containers.map((c) => ({
      name: c.name,
      type: c.type,
      memoryRequest: mem(c.memoryRequest),
      memoryLimit: mem(c.memoryLimit),
      oomScoreAdj: c.oomScoreAdj,
    }));
  }
  out.findings = o.findings.map(findingJson);
  return out;
}

function errorJson(e: InputError): Json {
  return { file: e.file, document: e.document, line: e.line, message: e.message };
}

/** The report as JSON text (2-space indentation, trailing newline). */
export function formatJson(report: LintReport): string {
  const c = countReport(report);
  const doc: Json = {
    schemaVersion: JSON_SCHEMA_VERSION,
    kubernetesVersion: report.kubernetesVersion,
    node: nodeJson(report.node),
    objects: report.objects.map(objectJson),
    errors: report.errors.map(errorJson),
    summary: {
      objects: c.objects,
      workloads: c.workloads,
      errors: c.errors,
      warnings: c.warnings,
      infos: c.infos,
      inputErrors: c.inputErrors,
    },
  };
  // The replacer only matters for a bigint inside a rule's fix value (rules should not produce one).
  return `${JSON.stringify(doc, (_key, value: unknown) => (typeof value === 'bigint' ? bigintToJson(value) : value), 2)}\n`;
}
