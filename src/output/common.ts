// Helpers shared by the output adapters. Pure: no I/O, no process access.
import type { InputError } from '../input/types.js';
import type { LintReport, ReportedObject, Severity } from '../engine/types.js';

/** Counts behind every format's summary. */
export interface ReportCounts {
  /** Objects read (workloads and others). */
  objects: number;
  /** Objects that hold a pod and were analysed. */
  workloads: number;
  /** Findings at error severity (these alone decide exit code 1). Input errors are NOT counted here. */
  errors: number;
  /** Findings at warning severity. */
  warnings: number;
  /** Findings at info severity. */
  infos: number;
  /** Input errors (unreadable files, invalid YAML, invalid quantities: exit code 2). */
  inputErrors: number;
  /** Objects with at least one finding. */
  objectsWithFindings: number;
}

export function countReport(report: LintReport): ReportCounts {
  const counts: ReportCounts = {
    objects: report.objects.length,
    workloads: 0,
    errors: 0,
    warnings: 0,
    infos: 0,
    inputErrors: report.errors.length,
    objectsWithFindings: 0,
  };
  for (const o of report.objects) {
    if (o.workload !== undefined) counts.workloads++;
    if (o.findings.length > 0) counts.objectsWithFindings++;
    for (const f of o.findings) {
      if (f.severity === 'error') counts.errors++;
      else if (f.severity === 'warning') counts.warnings++;
      else counts.infos++;
    }
  }
  return counts;
}

/** `Deployment monitoring/prometheus`, or `ConfigMap settings` without a namespace. */
export function objectLabel(o: Pick<ReportedObject, 'kind' | 'namespace' | 'name'>): string {
  const kind = o.kind === '' ? '(no kind)' : o.kind;
  return o.namespace === null ? `${kind} ${o.name}` : `${kind} ${o.namespace}/${o.name}`;
}

/** "1 error", "2 errors". */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

/**
 * Files in report order: first appearance among the objects, then files that appear only in
 * input errors (in their order).
 */
export function filesInOrder(report: LintReport): string[] {
  const seen = new Set<string>();
  const files: string[] = [];
  const add = (f: string) => {
    if (!seen.has(f)) {
      seen.add(f);
      files.push(f);
    }
  };
  for (const o of report.objects) add(o.source.file);
  for (const e of report.errors) add(e.file);
  return files;
}

export interface FileGroup {
  file: string;
  objects: ReportedObject[];
  errors: InputError[];
}

export function groupByFile(report: LintReport): FileGroup[] {
  const groups = new Map<string, FileGroup>();
  for (const file of filesInOrder(report)) groups.set(file, { file, objects: [], errors: [] });
  for (const o of report.objects) groups.get(o.source.file)!.objects.push(o);
  for (const e of report.errors) groups.get(e.file)!.errors.push(e);
  return [...groups.values()];
}

/**
 * bigint → JSON number when exact, else a decimal string. Every integer up to
 * Number.MAX_SAFE_INTEGER (2^53 − 1, about 8 PiB as bytes: no real node or container) converts to a
 * Number without rounding; a larger value is written as a string so that no consumer ever reads a
 * rounded byte count.
 */
export function bigintToJson(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
}

export interface Palette {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  underline(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => (s === '' ? s : `\u001b[${open}m${s}\u001b[${close}m`);
const identity = (s: string) => s;

export function palette(color: boolean): Palette {
  if (!color) {
    return { red: identity, yellow: identity, green: identity, cyan: identity, dim: identity, bold: identity, underline: identity };
  }
  return {
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    green: wrap(32, 39),
    cyan: wrap(36, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
    underline: wrap(4, 24),
  };
}

export function colorSeverity(p: Palette, severity: Severity, text: string = severity): string {
  return severity === 'error' ? p.red(text) : severity === 'warning' ? p.yellow(text) : p.cyan(text);
}

/** Removes ANSI escapes (for measuring widths). */
export function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '');
}

/** Display width: code points, ANSI escapes excluded (no East Asian width tables; good enough for names). */
export function displayWidth(s: string): number {
  return [...stripAnsi(s)].length;
}

export function padEnd(s: string, width: number): string {
  const w = displayWidth(s);
  return w >= width ? s : s + ' '.repeat(width - w);
}

export function padStart(s: string, width: number): string {
  const w = displayWidth(s);
  return w >= width ? s : ' '.repeat(width - w) + s;
}

/**
 * Replaces control characters (other than tab) in text meant for one terminal line, so that a
 * message or a name taken from a manifest cannot move the cursor or inject escapes.
 */
export function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, (c) => (c === '\n' || c === '\r' ? ' ' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
