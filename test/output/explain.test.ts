import t from 'tap';
import { explainNote, formatExplain } from '../../src/output/explain.js';
import { GiB, MiB, cleanLint, container, node, podResult, prometheusLint, workloadReport } from './fixtures.js';
import type { PodResult } from '../../src/core/types.js';
import { fixedPlacement } from '../../src/core/placement.js';

const FOOTER = 'Modelled Kubernetes 1.34 on a node with 8Gi memory (--node-memory).';

t.test('the Prometheus table', async (t) => {
  const out = formatExplain(prometheusLint(), { color: false });
  t.notOk(out.includes('\u001b'), 'no ANSI escapes');
  t.equal(
    out,
    [
      'Deployment monitoring/prometheus (k8s/prometheus.yaml, line 1)',
      '  CONTAINER         TYPE       MEMORY REQUEST  MEMORY LIMIT  QOS        OOM_SCORE_ADJ',
      '  prometheus        container  -               -             Burstable            999',
      '  configmap-reload  container  50Mi            100Mi         Burstable            994',
      '  999: Burstable with no memory request (prometheus): killed right after BestEffort containers.',
      '',
      'Input errors (1): not explained',
      '  bad.yaml:7 (document 3): bad indentation of a mapping entry',
      '',
      FOOTER,
      '',
    ].join('\n'),
    'objects without a pod (the ConfigMap) are not listed',
  );
});

t.test('one table per workload, columns aligned across tables; memory in exact units', async (t) => {
  const report = cleanLint();
  report.objects.push(
    workloadReport({
      file: 'x.yaml',
      line: 30,
      kind: 'StatefulSet',
      namespace: 'databases',
      name: 'postgres',
      itemPointer: '/items/1',
      analysis: podResult('Guaranteed', [
        container('init-permissions', 0, 1536n * MiB, 1536n * MiB, -997, 'init'),
        container('pg', 0, 8n * GiB, 8n * GiB, -997),
        container('odd', 1, 1000n, 1000n, -997),
      ]),
    }),
  );
  const out = formatExplain(report, { color: false });
  const lines = out.split('\n');
  t.equal(lines[6], 'StatefulSet databases/postgres (x.yaml, line 30, /items/1)');
  t.equal(lines[7], '  CONTAINER         TYPE       MEMORY REQUEST  MEMORY LIMIT  QOS         OOM_SCORE_ADJ');
  t.equal(lines[8], '  init-permissions  init       1536Mi          1536Mi        Guaranteed           -997');
  t.equal(lines[9], '  pg                container  8Gi             8Gi           Guaranteed           -997');
  t.equal(lines[10], '  odd               container  1000            1000          Guaranteed           -997');
  t.equal(lines[1], lines[7], 'the same header (widths) for every table');
  t.equal(lines[2], '  prometheus        container  -               -             Burstable             999');
  for (const l of [lines[2], lines[3], lines[8], lines[9], lines[10]]) t.equal(l.length, lines[1].length, 'OOM_SCORE_ADJ right-aligned');
  t.equal(lines[5], '', 'a blank line between tables');
});

t.test('a workload without containers', async (t) => {
  const report = cleanLint();
  report.objects = [workloadReport({ file: 'e.yaml', kind: 'Pod', apiVersion: 'v1', namespace: null, name: 'empty', analysis: podResult('BestEffort', []) })];
  t.equal(
    formatExplain(report, { color: false }),
    [
      'Pod empty (e.yaml, line 1)',
      '  CONTAINER  TYPE  MEMORY REQUEST  MEMORY LIMIT  QOS         OOM_SCORE_ADJ',
      '  -          -     -               -             BestEffort              -',
      '  No containers: nothing for the kubelet to score.',
      '',
      FOOTER,
      '',
    ].join('\n'),
  );
});

t.test('color: bold heading, dim header and notes; none without color', async (t) => {
  const out = formatExplain(prometheusLint(), { color: true });
  t.ok(out.startsWith('\u001b[1mDeployment monitoring/prometheus (k8s/prometheus.yaml, line 1)\u001b[22m\n\u001b[2m  CONTAINER'));
  t.match(out, '\u001b[2m  999: Burstable');
  t.match(out, `\u001b[2m${FOOTER}\u001b[22m`);
  // eslint-disable-next-line no-control-regex
  t.equal(out.replace(/\u001b\[[0-9;]*m/g, ''), formatExplain(prometheusLint(), { color: false }));
});

t.test('names from manifests cannot inject escapes', async (t) => {
  const report = prometheusLint();
  report.objects[0].workload!.analysis.containers[0].name = 'evil\u001b[2J';
  report.objects[0].workload!.name = 'w\nx';
  const out = formatExplain(report, { color: false });
  t.notOk(out.includes('\u001b'));
  t.match(out, 'Deployment monitoring/w x (');
  t.match(out, '  evil\\u001b[2J  ');
});

t.test('no workloads', async (t) => {
  const report = cleanLint();
  report.objects = [report.objects[1]];
  t.equal(formatExplain(report, { color: false }), `No workloads (objects that hold a pod) among 1 object.\n\n${FOOTER}\n`);
});

function note(analysis: PodResult, capacity = 8n * GiB): string {
  return explainNote(workloadReport({ file: 'f.yaml', name: 'w', analysis, placement: fixedPlacement(node(capacity)) }).workload!);
}

t.test('notes explain the highest score', async (t) => {
  t.equal(
    note(podResult('Burstable', [container('reload', 0, 50n * MiB, 100n * MiB, 994)])),
    '994 = 1000 − 1000 × 50Mi / 8Gi (reload): Burstable; the smaller the memory request relative to the node, the sooner the container is killed.',
  );
  t.equal(
    note(podResult('Guaranteed', [container('a', 0, GiB, GiB, -997)])),
    '-997: Guaranteed (every container has cpu and memory limits equal to its requests): killed last, after every Burstable and BestEffort container.',
  );
  t.equal(
    note(podResult('BestEffort', [container('a', 0, null, null, 1000)])),
    '1000: BestEffort (no cpu or memory requests or limits): killed first when the node runs out of memory.',
  );
  t.match(note(podResult('Burstable', [container('a', 0, null, null, -997)], { nodeCritical: true })), /^-997: system-node-critical pod/);
  t.equal(
    note(podResult('Burstable', [container('big', 0, 8n * GiB, null, 3)])),
    '3 (big): 1000 − 1000 × 8Gi / 8Gi is at most 3, the lowest a Burstable container can get; killed after other Burstable containers, before Guaranteed ones.',
  );
  t.match(note(podResult('Burstable', [container('tiny', 0, MiB, null, 999)])), /^999 \(tiny\): 1000 − 1000 × 1Mi \/ 8Gi rounds to 1000, which the kubelet lowers to 999/);
  t.match(
    note(
      podResult('Burstable', [
        container('proxy', 0, 100n * MiB, null, 500, 'sidecar'),
        container('app', 0, 4n * GiB, null, 500),
      ]),
    ),
    /^500 \(sidecar proxy\): capped at the score of the regular container with the smallest memory request.*\(own value 988\)\.$/,
  );
  t.match(
    note(podResult('Burstable', [container('a', 0, null, null, 750)], { podLevelResources: true, podMemoryRequest: 2n * GiB })),
    /^750 \(a\): Burstable with a pod-level memory request of 2Gi/,
  );
  t.match(note(podResult('Burstable', [container('a', 0, null, null, 999)], { qosSource: 'status' })), /QoS class taken from status\.qosClass/);
  t.equal(note(podResult('Burstable', [])), 'No containers: nothing for the kubelet to score.');
});

t.test('LimitRange lines: what each LimitRange set, disagreements, refusals', async (t) => {
  const report = cleanLint();
  const app = { ...container('app', 0, 256n * MiB, 512n * MiB, 969), setByLimitRange: { requests: { memory: 'team/defaults', cpu: 'team/cpu' }, limits: { memory: 'team/defaults' } } };
  const proxy = { ...container('proxy', 0, 256n * MiB, 512n * MiB, 969, 'sidecar'), setByLimitRange: { requests: { memory: 'team/defaults' }, limits: {} } };
  report.objects = [
    workloadReport({
      file: 'w.yaml',
      kind: 'Deployment',
      namespace: 'team',
      name: 'web',
      analysis: podResult('Burstable', [proxy, app], {
        limitRanges: {
          conflicts: [
            { container: 'app', specPointer: '/containers/0', which: 'limits', resource: 'memory', used: { limitRange: 'team/defaults', value: '512Mi' }, ignored: { limitRange: 'team/other', value: '1Gi' } },
          ],
          refusals: [
            { limitRange: 'team/bounds', status: 403, scope: 'Pod', constraint: 'max', resource: 'memory', container: null, message: 'maximum memory usage per Pod is 768Mi, but limit is 1Gi' },
          ],
        },
      }),
    }),
  ];
  const lines = formatExplain(report, { color: false }).split('\n');
  t.same(lines.slice(5, 9), [
    '  LimitRange team/defaults set: memory request (proxy, app), memory limit (app).',
    '  LimitRange team/cpu set: cpu request (app).',
    '  LimitRanges team/defaults and team/other default the memory limit of app differently (512Mi, 1Gi); the API server may apply either, the table uses 512Mi.',
    '  Pods refused (403 Forbidden) by LimitRange team/bounds: maximum memory usage per Pod is 768Mi, but limit is 1Gi (pod total).',
  ]);
  t.notOk(formatExplain(prometheusLint(), { color: false }).includes('LimitRange'), 'nothing when no LimitRange acted');
});
