import t from 'tap';
import { formatText } from '../../src/output/text.js';
import { nodeFooter } from '../../src/output/footer.js';
import { GiB, MiB, cleanLint, node, prometheusLint, PROMETHEUS_MESSAGE } from './fixtures.js';

const ESC = '\u001b';

t.test('the Prometheus report, without color', async (t) => {
  const out = formatText(prometheusLint(), { color: false });
  t.notOk(out.includes(ESC), 'no ANSI escapes');
  t.equal(
    out,
    [
      'k8s/prometheus.yaml',
      '  Deployment monitoring/prometheus (line 1)  Burstable',
      `    20:  error    ${PROMETHEUS_MESSAGE}  memory-request-missing`,
      '',
      'bad.yaml',
      '  Input errors',
      '    7:  error    bad indentation of a mapping entry (document 3)  input-error',
      '',
      '✖ 1 error, 0 warnings in 1 workload / 2 objects',
      '✖ 1 input error in 1 file',
      'Modelled Kubernetes 1.34 on a node with 8Gi memory (--node-memory).',
      '',
    ].join('\n'),
  );
});

t.test('columns align within a file, not across files', async (t) => {
  const report = prometheusLint();
  report.errors = [
    { file: 'k8s/prometheus.yaml', document: 3, line: 140, message: 'tab' },
    { file: 'other.yaml', document: null, line: null, message: 'unreadable' },
  ];
  const out = formatText(report, { color: false });
  t.match(out, `  Input errors\n    140:  error    tab (document 4)${' '.repeat(PROMETHEUS_MESSAGE.length - 16)}  input-error\n`);
  t.match(out, `    20:  error    ${PROMETHEUS_MESSAGE}  memory-request-missing\n`, 'line column widened to 3 digits');
  t.match(out, 'other.yaml\n  Input errors\n    -:  error    unreadable  input-error\n');
});

t.test('columns align within a file; findings sorted by line', async (t) => {
  const report = prometheusLint();
  report.errors = [];
  const f = report.objects[0].findings[0];
  report.objects[0].findings = [
    { ...f, line: 120, severity: 'warning', rule: 'b-rule', message: 'short' },
    { ...f, line: 20, rule: 'a-rule', message: 'a longer message here' },
  ];
  const lines = formatText(report, { color: false }).split('\n');
  const rows = lines.filter((l) => /^\s+\d+:/.test(l));
  t.equal(rows.length, 2);
  t.match(rows[0], /^ {5}20: {2}error {4}a longer message here {2}a-rule$/);
  t.match(rows[1], /^ {4}120: {2}warning {2}short {18}b-rule$/);
  t.equal(rows[0].indexOf('a-rule'), rows[1].indexOf('b-rule'), 'rule ids aligned');
  t.equal(lines.at(-3), '✖ 1 error, 1 warning in 1 workload / 2 objects');
});

t.test('clean success output', async (t) => {
  const out = formatText(cleanLint(), { color: false });
  t.equal(out, '✔ no problems: 0 errors, 0 warnings in 1 workload / 2 objects\nModelled Kubernetes 1.34 on a node with 8Gi memory (--node-memory).\n');
});

t.test('an empty report says so, with the model', async (t) => {
  const report = cleanLint();
  report.objects = [];
  report.kubernetesVersion = '1.37';
  report.node = node(16n * GiB, 'default');
  t.equal(
    formatText(report, { color: false }),
    '✔ no problems: 0 errors, 0 warnings in 0 workloads / 0 objects\n' +
      'Modelled Kubernetes 1.37 on a node with 16Gi memory (default: pass --node-memory, --node or --node-preset).\n',
  );
});

t.test('warnings only: yellow, and counted', async (t) => {
  const report = prometheusLint();
  report.errors = [];
  report.objects[0].findings[0].severity = 'warning';
  const out = formatText(report, { color: true });
  t.ok(out.includes(`${ESC}[1m${ESC}[33m✖ 0 errors, 1 warning in 1 workload / 2 objects${ESC}[39m${ESC}[22m`));
  t.notOk(out.includes(`${ESC}[31m`), 'nothing red');
});

t.test('info-only and input-error-only summaries', async (t) => {
  const info = prometheusLint();
  info.errors = [];
  info.objects[0].findings[0].severity = 'info';
  const out = formatText(info, { color: false });
  t.match(out, /\n✔ no errors or warnings \(1 info\): 0 errors, 0 warnings, 1 info in 1 workload \/ 2 objects\n/);
  t.match(out, /20: {2}info {5}/);

  const broken = cleanLint();
  broken.errors = [{ file: 'a.yaml', document: null, line: null, message: 'cannot read' }, { file: 'b.yaml', document: 0, line: 3, message: 'x' }];
  const out2 = formatText(broken, { color: false });
  t.match(out2, /\nno problems in what could be read: 0 errors, 0 warnings in 1 workload \/ 2 objects\n✖ 2 input errors in 2 files\n/);
  t.match(out2, /a\.yaml\n {2}Input errors\n {4}-: {2}error {4}cannot read {2}input-error\n/);
  t.match(out2, /b\.yaml\n {2}Input errors\n {4}3: {2}error {4}x \(document 1\) {2}input-error\n/);
  t.notMatch(out2, /✔/);
});

t.test('colors only when asked: red errors, yellow warnings, dim secondary text', async (t) => {
  const report = prometheusLint();
  const f = report.objects[0].findings[0];
  report.objects[0].findings.push({ ...f, severity: 'warning', rule: 'w-rule', line: 30 });
  const out = formatText(report, { color: true });
  t.ok(out.includes(`${ESC}[31merror  ${ESC}[39m`), 'red error');
  t.ok(out.includes(`${ESC}[33mwarning${ESC}[39m`), 'yellow warning');
  t.ok(out.includes(`${ESC}[2mmemory-request-missing${ESC}[22m`), 'dim rule id');
  t.ok(out.includes(`${ESC}[2m${'Modelled Kubernetes 1.34 on a node with 8Gi memory (--node-memory).'}${ESC}[22m`), 'dim footer');
  t.ok(out.includes(`${ESC}[1m${ESC}[31m✖ 1 error, 1 warning in 1 workload / 2 objects${ESC}[39m${ESC}[22m`), 'bold red summary');
  // Stripped of escapes, the colored output is the plain output.
  // eslint-disable-next-line no-control-regex
  t.equal(out.replace(/\u001b\[[0-9;]*m/g, ''), formatText(report, { color: false }));
});

t.test('manifest text cannot inject terminal escapes', async (t) => {
  const report = prometheusLint();
  report.objects[0].findings[0].message = `evil ${ESC}[2J\nnext line`;
  report.objects[0].name = `name${ESC}]0;title\u0007`;
  const out = formatText(report, { color: false });
  t.notOk(out.includes(ESC));
  t.match(out, 'evil \\u001b[2J next line');
  t.match(out, 'Deployment monitoring/name\\u001b]0;title\\u0007 (line 1)');
});

t.test('the footer always names the node and the version', async (t) => {
  t.equal(nodeFooter(node(8n * GiB, 'flag'), '1.34'), 'Modelled Kubernetes 1.34 on a node with 8Gi memory (--node-memory).');
  t.equal(
    nodeFooter(node(16n * GiB, 'default'), '1.37'),
    'Modelled Kubernetes 1.37 on a node with 16Gi memory (default: pass --node-memory, --node or --node-preset).',
  );
  const one = { ...node(8n * GiB, 'node-file'), nodeNames: ['worker-1'], memoryAllocatable: 7680n * MiB };
  t.equal(nodeFooter(one, '1.34'), 'Modelled Kubernetes 1.34 on node worker-1 with 8Gi memory, 7680Mi allocatable (--node).');
  const several = {
    ...node(8n * GiB, 'node-file'),
    nodeNames: ['a', 'b', 'c'],
    capacityRange: { min: 8n * GiB, max: 16n * GiB },
  };
  t.equal(nodeFooter(several, '1.34'), 'Modelled Kubernetes 1.34 on 3 nodes with 8Gi–16Gi memory, each pod judged on its own node (nodeName, selectors), else on the smallest (--node).');
  const withAllocatable = { ...several, memoryAllocatable: 7n * GiB };
  t.equal(
    nodeFooter(withAllocatable, '1.34'),
    'Modelled Kubernetes 1.34 on 3 nodes with 8Gi–16Gi memory, each pod judged on its own node (nodeName, selectors), else on the smallest; smallest allocatable 7Gi (--node).',
  );
  const same = { ...node(8n * GiB, 'cluster'), nodeNames: ['a', 'b'] };
  t.equal(nodeFooter(same, '1.35'), 'Modelled Kubernetes 1.35 on 2 nodes with 8Gi memory each (from the cluster).');
  t.equal(nodeFooter(node(1000n, 'flag'), '1.34'), 'Modelled Kubernetes 1.34 on a node with 1000 memory (--node-memory).', 'plain bytes');
  const evil = { ...node(8n * GiB, 'node-file'), nodeNames: ['n\u001b[2J'] };
  t.notOk(nodeFooter(evil, '1.34').includes(ESC), 'node names cannot inject escapes');
  t.match(formatText(prometheusLint(), { color: false }), /\nModelled Kubernetes 1\.34 on a node with 8Gi memory \(--node-memory\)\.\n$/);
});
