import t from 'tap';
import { assembleJsonBytes, formatJson, objectRunBytes } from '../../src/output/json.js';
import { countReport } from '../../src/output/common.js';
import type { LintReport } from '../../src/engine/types.js';
import { GiB, MiB, cleanLint, container, podResult, prometheusLint, workloadReport, PROMETHEUS_MESSAGE } from './fixtures.js';

t.test('the Prometheus report matches DESIGN.md §5', async (t) => {
  const text = formatJson(prometheusLint());
  t.ok(text.endsWith('}\n'), 'ends with a newline');
  const doc = JSON.parse(text);
  t.strictSame(doc, {
    schemaVersion: 1,
    kubernetesVersion: '1.34',
    node: {
      memoryCapacity: 8589934592,
      source: 'flag',
      memoryAllocatable: null,
      nodeNames: [],
      capacityRange: { min: 8589934592, max: 8589934592 },
      allocatableRange: null,
    },
    objects: [
      {
        file: 'k8s/prometheus.yaml',
        document: 0,
        line: 1,
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'monitoring',
        name: 'prometheus',
        qosClass: 'Burstable',
        containers: [
          { name: 'prometheus', type: 'container', memoryRequest: null, memoryLimit: null, oomScoreAdj: 999 },
          { name: 'configmap-reload', type: 'container', memoryRequest: 52428800, memoryLimit: 104857600, oomScoreAdj: 994 },
        ],
        findings: [
          {
            rule: 'memory-request-missing',
            severity: 'error',
            container: 'prometheus',
            path: '/spec/template/spec/containers/0',
            line: 20,
            message: PROMETHEUS_MESSAGE,
            messageId: 'missing',
          },
        ],
      },
      {
        file: 'k8s/prometheus.yaml',
        document: 1,
        line: 52,
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'monitoring',
        name: 'prometheus-config',
        findings: [],
      },
    ],
    errors: [{ file: 'bad.yaml', document: 2, line: 7, message: 'bad indentation of a mapping entry' }],
    summary: { objects: 2, workloads: 1, errors: 1, warnings: 0, infos: 0, inputErrors: 1 },
  });
});

t.test('key order is the documented one', async (t) => {
  const doc = JSON.parse(formatJson(prometheusLint()));
  t.strictSame(Object.keys(doc), ['schemaVersion', 'kubernetesVersion', 'node', 'objects', 'errors', 'summary']);
  t.strictSame(Object.keys(doc.objects[0]), [
    'file', 'document', 'line', 'apiVersion', 'kind', 'namespace', 'name', 'qosClass', 'containers', 'findings',
  ]);
  t.strictSame(Object.keys(doc.objects[0].containers[0]), ['name', 'type', 'memoryRequest', 'memoryLimit', 'oomScoreAdj']);
  t.strictSame(Object.keys(doc.objects[0].findings[0]), ['rule', 'severity', 'container', 'path', 'line', 'message', 'messageId']);
  t.strictSame(Object.keys(doc.summary), ['objects', 'workloads', 'errors', 'warnings', 'infos', 'inputErrors']);
});

t.test('a non-workload object has no qosClass or containers', async (t) => {
  const doc = JSON.parse(formatJson(prometheusLint()));
  t.notOk('qosClass' in doc.objects[1]);
  t.notOk('containers' in doc.objects[1]);
});

t.test('optional fields: itemPointer, container, fix; null namespace and document', async (t) => {
  const report = cleanLint();
  report.objects = [
    workloadReport({
      file: 'list.yaml',
      line: 4,
      kind: 'Pod',
      apiVersion: 'v1',
      namespace: null,
      name: 'p',
      itemPointer: '/items/3',
      analysis: podResult('BestEffort', [container('app', 0, null, null, 1000)]),
      findings: [
        {
          rule: 'best-effort',
          severity: 'warning',
          messageId: 'bestEffort',
          message: 'BestEffort',
          path: '/items/3/spec',
          line: 9,
          fix: [{ op: 'add', path: '/spec/containers/0/resources', value: { requests: { memory: '64Mi' } } }],
        },
      ],
    }),
  ];
  report.errors = [{ file: 'big.yaml', document: null, line: null, message: 'file too large' }];
  const doc = JSON.parse(formatJson(report));
  const o = doc.objects[0];
  t.equal(o.itemPointer, '/items/3');
  t.strictSame(Object.keys(o).slice(0, 5), ['file', 'document', 'line', 'itemPointer', 'apiVersion']);
  t.equal(o.namespace, null);
  t.notOk('container' in o.findings[0], 'no container key when absent');
  t.strictSame(o.findings[0].fix, [{ op: 'add', path: '/spec/containers/0/resources', value: { requests: { memory: '64Mi' } } }]);
  t.strictSame(doc.errors, [{ file: 'big.yaml', document: null, line: null, message: 'file too large' }]);
  t.strictSame(doc.summary, { objects: 1, workloads: 1, errors: 0, warnings: 1, infos: 0, inputErrors: 1 });
});

t.test('memory above Number.MAX_SAFE_INTEGER is a decimal string, never rounded', async (t) => {
  const huge = 2n ** 60n + 1n;
  const report = cleanLint();
  report.node.memoryCapacity = huge;
  report.node.capacityRange = { min: huge, max: huge };
  report.node.memoryAllocatable = 7n * GiB;
  report.node.allocatableRange = { min: 7n * GiB, max: 7n * GiB };
  report.objects[0].workload!.analysis.containers[1].memoryLimit = huge;
  const doc = JSON.parse(formatJson(report));
  t.equal(doc.node.memoryCapacity, '1152921504606846977');
  t.equal(doc.node.memoryAllocatable, 7516192768);
  t.strictSame(doc.node.allocatableRange, { min: 7516192768, max: 7516192768 });
  t.equal(doc.objects[0].containers[1].memoryLimit, '1152921504606846977');
  t.equal(doc.objects[0].containers[1].memoryRequest, Number(50n * MiB));
  t.equal(BigInt(Number.MAX_SAFE_INTEGER), 9007199254740991n);
});

t.test('summary counts each severity; input errors are separate', async (t) => {
  const report = prometheusLint();
  const base = report.objects[0].findings[0];
  report.objects[0].findings.push({ ...base, severity: 'warning' }, { ...base, severity: 'info' }, { ...base, severity: 'warning' });
  const doc = JSON.parse(formatJson(report));
  t.strictSame(doc.summary, { objects: 2, workloads: 1, errors: 1, warnings: 2, infos: 1, inputErrors: 1 });
});

t.test('deterministic: same input, same bytes; object order kept', async (t) => {
  const a = prometheusLint();
  a.objects.reverse();
  const first = formatJson(a);
  t.equal(formatJson(a), first);
  t.strictSame(
    JSON.parse(first).objects.map((o: { kind: string }) => o.kind),
    ['ConfigMap', 'Deployment'],
  );
});

t.test('setByLimitRange marks the container values a LimitRange filled in, and only those containers', async (t) => {
  const report = cleanLint();
  const marks = { requests: { memory: 'team/defaults' }, limits: { memory: 'team/defaults', cpu: 'team/cpu' } };
  report.objects = [
    workloadReport({
      file: 'w.yaml',
      name: 'web',
      analysis: podResult('Burstable', [{ ...container('app', 0, 256n * MiB, 512n * MiB, 969), setByLimitRange: marks }, container('own', 1, GiB, GiB, 875)]),
    }),
  ];
  const doc = JSON.parse(formatJson(report));
  const [app, own] = doc.objects[0].containers;
  t.strictSame(Object.keys(app), ['name', 'type', 'memoryRequest', 'memoryLimit', 'oomScoreAdj', 'setByLimitRange']);
  t.strictSame(app.setByLimitRange, marks);
  t.strictSame(app.memoryRequest, 268435456, 'the value includes the default');
  t.notOk('setByLimitRange' in own);
});

t.test('assembled from runs of objects in UTF-8 (a lint of many files): the same bytes as formatJson', async (t) => {
  const withText = prometheusLint();
  // Beyond Latin-1: the joined string would be two-byte; the bytes must not change.
  withText.objects[0].findings[0].message += ' — ünïcode ✓';
  const cases: Array<[string, LintReport]> = [
    ['objects and errors', withText],
    ['no objects', { ...cleanLint(), objects: [] }],
  ];
  for (const [name, report] of cases) {
    // One run per object, and all in one run (a file's objects), with empty runs between.
    const perObject = report.objects.map((o) => objectRunBytes([o]));
    const bytes = assembleJsonBytes({ ...report, objectRuns: [objectRunBytes([]), ...perObject], counts: countReport(report) });
    const oneRun = assembleJsonBytes({ ...report, objectRuns: [objectRunBytes(report.objects), objectRunBytes([])], counts: countReport(report) });
    t.same(oneRun, bytes, `${name}: runs of any length`);
    t.equal(bytes.toString('utf8'), formatJson(report), name);
    t.same(bytes, Buffer.from(formatJson(report)), `${name}: byte for byte`);
  }
});
