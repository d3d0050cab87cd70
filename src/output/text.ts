// `--format text` (the default): a human report in the manner of ESLint's "stylish" formatter.
//
//   k8s/prometheus.yaml
//     Deployment monitoring/prometheus (line 1)  Burstable
//       20:  error    <message>  memory-request-missing
//
//   bad.yaml
//     Input errors
//        7:  error    bad indentation of a mapping entry (document 3)  input-error
//
//   ✖ 1 error, 0 warnings in 1 workload / 2 objects
//   ✖ 1 input error in 1 file
//   Modelled Kubernetes 1.34 on a node with 8Gi memory (--node-memory).
//
// Only objects with findings and files with input errors are listed. Findings are sorted by line
// within an object (stable). Columns are aligned per file. Documents are numbered from 1 here
// (as lines are); the JSON report's `document` is 0-based. The footer always gives the counts
// (even for an empty report: "no problems") and ends with the Kubernetes version and node memory
// the numbers were computed for. ANSI colour only with `color: true`; text taken from manifests
// is reduced to one line without control characters, so it cannot move the cursor.
import type { LintReport, ReportedObject, Severity } from '../engine/types.js';
import type { InputError } from '../input/types.js';
import {
  colorSeverity,
  countReport,
  groupByFile,
  objectLabel,
  oneLine,
  padEnd,
  padStart,
  palette,
  plural,
  type Palette,
} from './common.js';
import { nodeFooter } from './footer.js';

export interface TextOptions {
  /** ANSI colors (the CLI decides from the TTY, NO_COLOR and --color). */
  color: boolean;
}

interface Row {
  line: string;
  severity: Severity;
  message: string;
  tag: string;
}

const SEVERITY_WIDTH = 'warning'.length;

function findingRows(o: ReportedObject): Row[] {
  return o.findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => a.f.line - b.f.line || a.i - b.i)
    .map(({ f }) => ({ line: String(f.line), severity: f.severity, message: oneLine(f.message), tag: f.rule }));
}

function errorRows(errors: InputError[]): Row[] {
  return errors.map((e) => ({
    line: e.line === null ? '-' : String(e.line),
    severity: 'error' as const,
    message: e.document === null ? oneLine(e.message) : `${oneLine(e.message)} (document ${e.document + 1})`,
    tag: 'input-error',
  }));
}

function renderRows(rows: Row[], widths: { line: number; message: number }, p: Palette): string[] {
  return rows.map((r) => {
    const line = p.dim(`${padStart(r.line, widths.line)}:`);
    const severity = colorSeverity(p, r.severity, padEnd(r.severity, SEVERITY_WIDTH));
    return `    ${line}  ${severity}  ${padEnd(r.message, widths.message)}  ${p.dim(r.tag)}`.trimEnd();
  });
}

function summaryLines(report: LintReport, p: Palette): string[] {
  const c = countReport(report);
  const lines: string[] = [];
  const counts = [plural(c.errors, 'error'), plural(c.warnings, 'warning')];
  if (c.infos > 0) counts.push(plural(c.infos, 'info'));
  const scope = `in ${plural(c.workloads, 'workload')} / ${plural(c.objects, 'object')}`;
  if (c.errors + c.warnings > 0) {
    const text = `✖ ${counts.join(', ')} ${scope}`;
    lines.push(p.bold(c.errors > 0 ? p.red(text) : p.yellow(text)));
  } else if (c.inputErrors === 0) {
    const what = c.infos > 0 ? `no errors or warnings (${plural(c.infos, 'info')})` : 'no problems';
    lines.push(`${p.green('✔')} ${what}: ${counts.join(', ')} ${scope}`);
  } else {
    // Not a success: some input could not be checked.
    const what = c.infos > 0 ? `no errors or warnings (${plural(c.infos, 'info')})` : 'no problems';
    lines.push(`${what} in what could be read: ${counts.join(', ')} ${scope}`);
  }
  if (c.inputErrors > 0) {
    const files = new Set(report.errors.map((e) => e.file)).size;
    lines.push(p.bold(p.red(`✖ ${plural(c.inputErrors, 'input error')} in ${plural(files, 'file')}`)));
  }
  return lines;
}

/** The human report; ends with a newline. */
export function formatText(report: LintReport, opts: TextOptions): string {
  const p = palette(opts.color);
  const out: string[] = [];

  for (const group of groupByFile(report)) {
    const objects = group.objects.filter((o) => o.findings.length > 0);
    if (objects.length === 0 && group.errors.length === 0) continue;

    const perObject = objects.map((o) => ({ o, rows: findingRows(o) }));
    const inputRows = errorRows(group.errors);
    const all = [...perObject.flatMap((x) => x.rows), ...inputRows];
    const widths = {
      line: Math.max(...all.map((r) => r.line.length)),
      message: Math.max(...all.map((r) => [...r.message].length)),
    };

    out.push(p.underline(oneLine(group.file)));
    for (const { o, rows } of perObject) {
      const qos = o.workload !== undefined ? `  ${o.workload.analysis.qosClass}` : '';
      out.push(`  ${p.bold(oneLine(objectLabel(o)))} ${p.dim(`(line ${o.source.line})`)}${qos}`);
      out.push(...renderRows(rows, widths, p));
    }
    if (inputRows.length > 0) {
      out.push(`  ${p.bold('Input errors')}`);
      out.push(...renderRows(inputRows, widths, p));
    }
    out.push('');
  }

  out.push(...summaryLines(report, p));
  out.push(p.dim(nodeFooter(report.node, report.kubernetesVersion)));
  return `${out.join('\n')}\n`;
}
