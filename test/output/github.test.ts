import t from 'tap';
import { escapeData, escapeProperty, formatGithub } from '../../src/output/github.js';
import { cleanLint, prometheusLint, PROMETHEUS_MESSAGE } from './fixtures.js';

/**
 * Parses one workflow command the way the runner does (actions/runner ActionCommand.TryParseV2):
 * `::name key=value,key=value::message`, split on the first `::` after the name, properties split
 * on `,` and `=`, then unescaped. Returns null when the line is not a command.
 */
function parseCommand(line: string): { name: string; props: Record<string, string>; message: string } | null {
  if (!line.startsWith('::')) return null;
  const end = line.indexOf('::', 2);
  if (end === -1) return null;
  const head = line.slice(2, end);
  const space = head.indexOf(' ');
  const name = space === -1 ? head : head.slice(0, space);
  const props: Record<string, string> = {};
  if (space !== -1) {
    for (const pair of head.slice(space + 1).split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) return null;
      props[pair.slice(0, eq)] = unescape(pair.slice(eq + 1), true);
    }
  }
  return { name, props, message: unescape(line.slice(end + 2), false) };
}

function unescape(s: string, property: boolean): string {
  let out = s.replace(/%0D/g, '\r').replace(/%0A/g, '\n');
  if (property) out = out.replace(/%3A/g, ':').replace(/%2C/g, ',');
  return out.replace(/%25/g, '%');
}

t.test('the Prometheus report', async (t) => {
  t.equal(
    formatGithub(prometheusLint()),
    [
      `::error file=k8s/prometheus.yaml,line=20,title=oomguard memory-request-missing::${PROMETHEUS_MESSAGE}`,
      '::error file=bad.yaml,line=7,title=oomguard input-error::bad indentation of a mapping entry (document 3)',
      '',
    ].join('\n'),
  );
});

t.test('severity → command; report order; empty report', async (t) => {
  const report = prometheusLint();
  report.errors = [];
  const f = report.objects[0].findings[0];
  report.objects[0].findings.push({ ...f, severity: 'warning', rule: 'w', message: 'warned' }, { ...f, severity: 'info', rule: 'i', message: 'noted', line: 3 });
  const lines = formatGithub(report).trimEnd().split('\n');
  t.strictSame(
    lines.map((l) => parseCommand(l)),
    [
      { name: 'error', props: { file: 'k8s/prometheus.yaml', line: '20', title: 'oomguard memory-request-missing' }, message: PROMETHEUS_MESSAGE },
      { name: 'warning', props: { file: 'k8s/prometheus.yaml', line: '20', title: 'oomguard w' }, message: 'warned' },
      { name: 'notice', props: { file: 'k8s/prometheus.yaml', line: '3', title: 'oomguard i' }, message: 'noted' },
    ],
  );
  t.equal(formatGithub(cleanLint()), '', 'nothing to annotate');
});

t.test('escaping per the workflow-command rules', async (t) => {
  t.equal(escapeData('100% sure\r\nnext: a, b'), '100%25 sure%0D%0Anext: a, b', 'message: %, CR, LF only');
  t.equal(escapeProperty('a:b,c%d\ne'), 'a%3Ab%2Cc%25d%0Ae', 'property: also : and ,');
  t.equal(escapeData('%0A'), '%250A', 'an escape-looking sequence is not passed through');

  const report = prometheusLint();
  report.objects[0].findings[0].message = '50% of 8Gi\n::error::injected, really: yes';
  report.objects[0].findings[0].rule = 'rule:with,chars';
  report.objects[0].source.file = 'dir,x/a:b%.yaml';
  report.errors[0].file = 'win\\dir\\bad.yaml';
  report.errors[0].line = null;
  report.errors[0].document = null;
  report.errors[0].message = 'line1\r\nline2';
  const out = formatGithub(report);
  const lines = out.trimEnd().split('\n');
  t.equal(lines.length, 2, 'a newline in a message cannot start another command');
  t.equal(lines[0], '::error file=dir%2Cx/a%3Ab%25.yaml,line=20,title=oomguard rule%3Awith%2Cchars::50%25 of 8Gi%0A::error::injected, really: yes');
  t.strictSame(parseCommand(lines[0]), {
    name: 'error',
    props: { file: 'dir,x/a:b%.yaml', line: '20', title: 'oomguard rule:with,chars' },
    message: '50% of 8Gi\n::error::injected, really: yes',
  });
  t.strictSame(parseCommand(lines[1]), {
    name: 'error',
    props: { file: 'win/dir/bad.yaml', title: 'oomguard input-error' },
    message: 'line1\r\nline2',
  }, 'forward slashes; no line when unknown');
});

t.test('stdin has no file to annotate', async (t) => {
  const report = prometheusLint();
  report.objects[0].source.file = '<stdin>';
  report.errors = [];
  t.equal(formatGithub(report), `::error title=oomguard memory-request-missing::${PROMETHEUS_MESSAGE}\n`);
});
