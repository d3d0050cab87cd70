// `--format github`: GitHub Actions workflow commands, one per line, which the runner turns
// into annotations on the pull request:
//
//   ::error file=k8s/prometheus.yaml,line=20,title=oomguard memory-request-missing::<message>
//   ::warning file=…,line=…,title=oomguard <rule>::<message>
//   ::notice file=…,line=…,title=oomguard <rule>::<message>        (info findings)
//   ::error file=bad.yaml,line=7,title=oomguard input-error::<message> (document 3)
//
// Escaping follows the runner's rules (toolkit/packages/core/src/command.ts): in the message
// % → %25, \r → %0D, \n → %0A; in property values additionally : → %3A and , → %2C.
// Paths use forward slashes; `<stdin>` and `<cluster>` (oomguard audit reading the API) are no
// files, so their annotations carry no file or line.
// Documents (input errors) count from 1, as lines do. Findings come in report order, then input
// errors. Note that GitHub shows at most 10 annotations of each level per step on the summary
// page; the rest stay in the log.
// An empty report gives the empty string; otherwise the text ends with a newline.
import type { LintReport, Severity } from '../engine/types.js';

export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

const COMMAND: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', info: 'notice' };

function command(
  name: 'error' | 'warning' | 'notice',
  props: { file: string; line: number | null; title: string },
  message: string,
): string {
  const list: string[] = [];
  if (props.file !== '<stdin>' && props.file !== '<cluster>') {
    list.push(`file=${escapeProperty(props.file.replace(/\\/g, '/'))}`);
    if (props.line !== null) list.push(`line=${props.line}`);
  }
  list.push(`title=${escapeProperty(props.title)}`);
  return `::${name} ${list.join(',')}::${escapeData(message)}`;
}

export function formatGithub(report: LintReport): string {
  const lines: string[] = [];
  for (const o of report.objects) {
    for (const f of o.findings) {
      lines.push(command(COMMAND[f.severity], { file: o.source.file, line: f.line, title: `oomguard ${f.rule}` }, f.message));
    }
  }
  for (const e of report.errors) {
    const message = e.document === null ? e.message : `${e.message} (document ${e.document + 1})`;
    lines.push(command('error', { file: e.file, line: e.line, title: 'oomguard input-error' }, message));
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
