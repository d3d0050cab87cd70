// `--format junit`: JUnit XML for CI test reports (Jenkins junit step, GitLab artifacts:reports:junit,
// Azure Pipelines, CircleCI).
//
// - <testsuites> holds one <testsuite> per file (files in report order) that has a workload or an
//   input error; files holding only objects without a pod (ConfigMaps, Services) have nothing to
//   test and get no suite. One <testcase> per workload: classname = the file, name =
//   `Kind namespace/name` (` (line N)` is appended when two workloads of one file would otherwise
//   share a name, so that CI history keeps them apart). An object without a pod appears only if
//   it somehow carries findings.
// - Error findings make the test case fail: one <failure> per test case (the first error in its
//   `message`, every error in its body), type = the rule id (or "error" for several rules).
// - Warnings and infos are written to the test case's <system-out>, not as failures. Why: they do
//   not fail `oomguard lint` (exit code 0), and Jenkins marks a build UNSTABLE and GitLab shows a
//   merge request's test report as failed for any <failure>; the CI report must not disagree with
//   the exit code. Both show a test case's system-out in its details, so warnings stay visible.
// - Input errors are extra test cases named "input error (document N, line L)" with an <error>
//   element (JUnit's "could not run" as opposed to "ran and failed"); documents count from 1.
// - Counts: tests = test cases, failures = test cases with a <failure>, errors = input errors.
// - No timestamps or durations: the same input gives the same bytes.
// - Text is escaped for XML 1.0; characters XML 1.0 cannot carry (most C0 controls, lone
//   surrogates, U+FFFE/U+FFFF) are written as the visible text \uXXXX.
import type { Finding, LintReport, ReportedObject } from '../engine/types.js';
import type { InputError } from '../input/types.js';
import { groupByFile, objectLabel } from './common.js';

const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function replaceInvalid(s: string): string {
  return s.replace(INVALID_XML, (c) => `\\u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
}

/** Escapes character data (element content). */
export function xmlText(s: string): string {
  return replaceInvalid(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r/g, '&#13;');
}

/** Escapes an attribute value (double-quoted); keeps tabs and line breaks through attribute normalization. */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

function attrs(list: Array<[string, string | number]>): string {
  return list.map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`).join('');
}

function findingLine(f: Finding): string {
  const container = f.container !== undefined ? ` (container ${f.container})` : '';
  return `line ${f.line}: ${f.severity} ${f.rule}${container}: ${f.message}`;
}

function objectCase(o: ReportedObject, name: string, indent: string): { xml: string; failed: boolean } {
  const errors = o.findings.filter((f) => f.severity === 'error');
  const others = o.findings.filter((f) => f.severity !== 'error');
  const open = `${indent}<testcase${attrs([
    ['classname', o.source.file],
    ['name', name],
    ['file', o.source.file],
  ])}`;
  if (errors.length === 0 && others.length === 0) return { xml: `${open}/>`, failed: false };
  const lines = [`${open}>`];
  if (errors.length > 0) {
    const rules = new Set(errors.map((f) => f.rule));
    const first = errors[0];
    const message =
      errors.length === 1 ? `${first.rule}: ${first.message}` : `${errors.length} errors; first: ${first.rule}: ${first.message}`;
    const type = rules.size === 1 ? first.rule : 'error';
    const body = errors.map(findingLine).join('\n');
    lines.push(`${indent}  <failure${attrs([['message', message], ['type', type]])}>${xmlText(body)}</failure>`);
  }
  if (others.length > 0) {
    lines.push(`${indent}  <system-out>${xmlText(others.map(findingLine).join('\n'))}</system-out>`);
  }
  lines.push(`${indent}</testcase>`);
  return { xml: lines.join('\n'), failed: errors.length > 0 };
}

function inputErrorCase(e: InputError, indent: string): string {
  const where: string[] = [];
  if (e.document !== null) where.push(`document ${e.document + 1}`);
  if (e.line !== null) where.push(`line ${e.line}`);
  const name = where.length > 0 ? `input error (${where.join(', ')})` : 'input error';
  const body = `${e.file}${e.line !== null ? `:${e.line}` : ''}${e.document !== null ? ` (document ${e.document + 1})` : ''}: ${e.message}`;
  return [
    `${indent}<testcase${attrs([['classname', e.file], ['name', name], ['file', e.file]])}>`,
    `${indent}  <error${attrs([['message', e.message], ['type', 'input-error']])}>${xmlText(body)}</error>`,
    `${indent}</testcase>`,
  ].join('\n');
}

/** The report as JUnit XML (UTF-8, trailing newline). */
export function formatJunit(report: LintReport): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  const properties = [
    `    <properties>`,
    `      <property${attrs([['name', 'kubernetesVersion'], ['value', report.kubernetesVersion]])}/>`,
    `      <property${attrs([['name', 'nodeMemoryCapacity'], ['value', report.node.memoryCapacity.toString()]])}/>`,
    `      <property${attrs([['name', 'nodeSource'], ['value', report.node.source]])}/>`,
    `    </properties>`,
  ];

  for (const group of groupByFile(report)) {
    const objects = group.objects.filter((o) => o.workload !== undefined || o.findings.length > 0);
    if (objects.length === 0 && group.errors.length === 0) continue;
    const labels = objects.map((o) => objectLabel(o));
    const count = new Map<string, number>();
    for (const l of labels) count.set(l, (count.get(l) ?? 0) + 1);

    const cases: string[] = [];
    let suiteFailures = 0;
    objects.forEach((o, i) => {
      const name = count.get(labels[i])! > 1 ? `${labels[i]} (line ${o.source.line})` : labels[i];
      const c = objectCase(o, name, '    ');
      if (c.failed) suiteFailures++;
      cases.push(c.xml);
    });
    for (const e of group.errors) cases.push(inputErrorCase(e, '    '));

    const suiteTests = objects.length + group.errors.length;
    tests += suiteTests;
    failures += suiteFailures;
    errors += group.errors.length;
    suites.push(
      [
        `  <testsuite${attrs([
          ['name', group.file],
          ['tests', suiteTests],
          ['failures', suiteFailures],
          ['errors', group.errors.length],
          ['skipped', 0],
        ])}>`,
        ...properties,
        ...cases,
        `  </testsuite>`,
      ].join('\n'),
    );
  }

  const root = `<testsuites${attrs([
    ['name', 'oomguard'],
    ['tests', tests],
    ['failures', failures],
    ['errors', errors],
    ['skipped', 0],
  ])}`;
  const body = suites.length === 0 ? `${root}/>` : `${root}>\n${suites.join('\n')}\n</testsuites>`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${body}\n`;
}
