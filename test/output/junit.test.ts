import t from 'tap';
import { formatJunit, xmlAttr, xmlText } from '../../src/output/junit.js';
import { childrenNamed, parseXml } from './xml.js';
import { MiB, cleanLint, container, podResult, prometheusLint, workloadReport, PROMETHEUS_MESSAGE } from './fixtures.js';

t.test('the tiny XML reader rejects what is not well-formed', async (t) => {
  t.throws(() => parseXml('<a><b></a></b>'));
  t.throws(() => parseXml('<a x="1" x="2"/>'));
  t.throws(() => parseXml('<a>&nbsp;</a>'));
  t.throws(() => parseXml('<a>AT&T</a>'));
  t.throws(() => parseXml('<a x="<"/>'));
  t.throws(() => parseXml('<a>\u0001</a>'));
  t.throws(() => parseXml('<a>&#1;</a>'));
  t.throws(() => parseXml('<a/><b/>'));
  t.strictSame(parseXml('<a x="&quot;&#10;">t&amp;<b/></a>'), {
    name: 'a',
    attrs: { x: '"\n' },
    children: [{ name: 'b', attrs: {}, children: [], text: '' }],
    text: 't&',
  });
});

t.test('the Prometheus report', async (t) => {
  const xml = formatJunit(prometheusLint());
  t.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites '));
  t.ok(xml.endsWith('</testsuites>\n'));
  const root = parseXml(xml);
  t.equal(root.name, 'testsuites');
  t.strictSame(root.attrs, { name: 'oomguard', tests: '2', failures: '1', errors: '1', skipped: '0' });

  const suites = childrenNamed(root, 'testsuite');
  t.strictSame(
    suites.map((s) => s.attrs),
    [
      { name: 'k8s/prometheus.yaml', tests: '1', failures: '1', errors: '0', skipped: '0' },
      { name: 'bad.yaml', tests: '1', failures: '0', errors: '1', skipped: '0' },
    ],
  );
  const props = childrenNamed(childrenNamed(suites[0], 'properties')[0], 'property').map((p) => [p.attrs.name, p.attrs.value]);
  t.strictSame(props, [
    ['kubernetesVersion', '1.34'],
    ['nodeMemoryCapacity', '8589934592'],
    ['nodeSource', 'flag'],
  ]);

  const cases = childrenNamed(suites[0], 'testcase');
  t.equal(cases.length, 1, 'one test case per workload: the ConfigMap holds no pod');
  const [deployment] = cases;
  t.strictSame(deployment.attrs, { classname: 'k8s/prometheus.yaml', name: 'Deployment monitoring/prometheus', file: 'k8s/prometheus.yaml' });
  const failure = childrenNamed(deployment, 'failure');
  t.equal(failure.length, 1);
  t.strictSame(failure[0].attrs, { message: `memory-request-missing: ${PROMETHEUS_MESSAGE}`, type: 'memory-request-missing' });
  t.equal(failure[0].text, `line 20: error memory-request-missing (container prometheus): ${PROMETHEUS_MESSAGE}`);
  const [inputError] = childrenNamed(suites[1], 'testcase');
  t.strictSame(inputError.attrs, { classname: 'bad.yaml', name: 'input error (document 3, line 7)', file: 'bad.yaml' });
  const error = childrenNamed(inputError, 'error')[0];
  t.strictSame(error.attrs, { message: 'bad indentation of a mapping entry', type: 'input-error' });
  t.equal(error.text, 'bad.yaml:7 (document 3): bad indentation of a mapping entry');
});

t.test('warnings are visible in system-out but do not fail; several errors make one failure', async (t) => {
  const report = prometheusLint();
  report.errors = [];
  const f = report.objects[0].findings[0];
  report.objects[0].findings = [
    { ...f, severity: 'warning', rule: 'w', message: 'warned', line: 3 },
    f,
    { ...f, rule: 'other', message: 'second', line: 25 },
    { ...f, severity: 'info', rule: 'i', message: 'informed', line: 4 },
  ];
  report.objects.push(
    workloadReport({
      file: 'k8s/prometheus.yaml',
      name: 'only-warned',
      analysis: podResult('Burstable', [container('app', 0, MiB, null, 999)]),
      findings: [{ ...f, severity: 'warning', rule: 'w', message: 'only a warning', container: undefined }],
    }),
  );
  const root = parseXml(formatJunit(report));
  t.strictSame(root.attrs, { name: 'oomguard', tests: '2', failures: '1', errors: '0', skipped: '0' });
  const [dep, cm] = childrenNamed(childrenNamed(root, 'testsuite')[0], 'testcase');
  const failure = childrenNamed(dep, 'failure')[0];
  t.equal(failure.attrs.type, 'error');
  t.equal(failure.attrs.message, `2 errors; first: memory-request-missing: ${PROMETHEUS_MESSAGE}`);
  t.equal(failure.text.split('\n').length, 2);
  t.equal(childrenNamed(dep, 'system-out')[0].text, 'line 3: warning w (container prometheus): warned\nline 4: info i (container prometheus): informed');
  t.equal(childrenNamed(cm, 'failure').length, 0);
  t.equal(childrenNamed(cm, 'system-out')[0].text, 'line 20: warning w: only a warning');
});

t.test('escaping: markup, quotes, line breaks and characters XML 1.0 cannot carry', async (t) => {
  const nasty = `a <b> & "c" 'd' \u0000\u0001\u001b\u007f \ud800 \uffff tab\there\r\nline ✓ 😀`;
  const report = prometheusLint();
  report.objects[0].findings[0].message = nasty;
  report.objects[0].name = `n<&>"'`;
  report.errors[0].message = nasty;
  report.errors[0].file = 'dir/ä & b.yaml';
  const xml = formatJunit(report);
  const root = parseXml(xml); // throws when not well-formed
  const suites = childrenNamed(root, 'testsuite');
  const dep = childrenNamed(suites[0], 'testcase')[0];
  t.equal(dep.attrs.name, `Deployment monitoring/n<&>"'`);
  const expected = `a <b> & "c" 'd' \\u0000\\u0001\u001b\u007f \\uD800 \\uFFFF tab\there\r\nline ✓ 😀`
    .replace('\u001b', '\\u001B');
  t.equal(childrenNamed(dep, 'failure')[0].attrs.message, `memory-request-missing: ${expected}`, 'attribute round-trips, tabs and CR LF kept');
  t.match(childrenNamed(dep, 'failure')[0].text, expected);
  t.equal(suites[1].attrs.name, 'dir/ä & b.yaml');
  t.equal(childrenNamed(childrenNamed(suites[1], 'testcase')[0], 'error')[0].attrs.message, expected);

  t.equal(xmlText('<&>\r'), '&lt;&amp;&gt;&#13;');
  t.equal(xmlAttr(`"'\t\n`), '&quot;&apos;&#9;&#10;');
});

t.test('duplicate names in one file get their line; an empty report', async (t) => {
  const report = cleanLint();
  const copy = { ...report.objects[0], source: { ...report.objects[0].source, line: 80 } };
  report.objects.push(copy);
  const cases = childrenNamed(childrenNamed(parseXml(formatJunit(report)), 'testsuite')[0], 'testcase');
  t.strictSame(
    cases.map((c) => c.attrs.name),
    ['Deployment monitoring/prometheus (line 1)', 'Deployment monitoring/prometheus (line 80)'],
  );

  const onlyConfig = cleanLint();
  onlyConfig.objects = [onlyConfig.objects[1], { ...onlyConfig.objects[0], source: { ...onlyConfig.objects[0].source, file: 'b.yaml' } }];
  const suites = childrenNamed(parseXml(formatJunit(onlyConfig)), 'testsuite');
  t.strictSame(suites.map((x) => x.attrs.name), ['b.yaml'], 'a file without workloads or input errors has no suite');

  const empty = cleanLint();
  empty.objects = [];
  const xml = formatJunit(empty);
  t.equal(xml, '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="oomguard" tests="0" failures="0" errors="0" skipped="0"/>\n');
  parseXml(xml);
});
