// requestsEqualLimitsPatch and applyPatch: the JSON Patch shared by the mutating webhook and `oomguard fix`.
import t from 'tap';
import { applyPatch, decidingStanzas, jsonEqual, PatchError, requestsEqualLimitsPatch } from '../../src/engine/fix.js';
import { analyzePod } from '../../src/core/analyze-pod.js';
import { kubeletModel, resolveFeatureGates } from '../../src/core/versions.js';
import type { FeatureGates } from '../../src/core/types.js';
import type { PodLike } from '../../src/core/types.js';

const deployment = (containers: unknown[], extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: { template: { metadata: {}, spec: { containers, ...extra } } },
});

function qos(pod: unknown): string {
  return analyzePod(pod as PodLike, {
    version: '1.37',
    gates: resolveFeatureGates('1.37'),
    memoryCapacity: 16n << 30n,
  }).result.qosClass;
}

t.test('raises requests below limits, leaves unwritten ones to defaulting, never replaces arrays', async (t) => {
  const obj = deployment(
    [
      { name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '100m', memory: '256Mi' } } },
      { name: 'b', resources: { limits: { cpu: '500m', memory: '512Mi' } } },
      { name: 'c', resources: { limits: { memory: '64Mi' }, requests: { cpu: '10m', memory: null } } },
      { name: 'd', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: null } },
    ],
    { initContainers: [{ name: 'init', resources: { limits: { cpu: '1', memory: '128Mi' }, requests: { memory: '128Mi' } } }] },
  );
  const ops = requestsEqualLimitsPatch(obj, '/spec/template', 'containers');
  // b, d and the init container's cpu have limits without requests: the API server defaults those
  // requests to the limits, so nothing is written for them. c's explicit null is a zero request.
  t.same(ops, [
    { op: 'replace', path: '/spec/template/spec/containers/0/resources/requests/cpu', value: '1' },
    { op: 'replace', path: '/spec/template/spec/containers/0/resources/requests/memory', value: '1Gi' },
    { op: 'add', path: '/spec/template/spec/containers/2/resources/requests/memory', value: '64Mi' },
  ]);
  for (const op of ops) t.notMatch(op.path, /\/(containers|initContainers)$/, 'never a whole array');
  const fixed = applyPatch(obj, ops);
  t.not(fixed, obj, 'a new object');
  t.equal((obj.spec.template.spec.containers[0] as { resources: { requests: { cpu: string } } }).resources.requests.cpu, '100m', 'the input is untouched');
  t.same(requestsEqualLimitsPatch(fixed, '/spec/template', 'containers'), [], 'idempotent: the fixed object needs no patch');
});

t.test('a pod whose containers all have cpu and memory limits becomes Guaranteed', async (t) => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: {
      containers: [
        { name: 'app', resources: { limits: { cpu: '2', memory: '2Gi' }, requests: { cpu: '1', memory: '1Gi' } } },
        { name: 'side', resources: { limits: { cpu: '100m', memory: '64Mi' }, requests: { memory: '32Mi' } } },
      ],
    },
  };
  t.equal(qos(pod), 'Burstable');
  const fixed = applyPatch(pod, requestsEqualLimitsPatch(pod, '', 'containers'));
  t.equal(qos(fixed), 'Guaranteed');
});

t.test('compliant, limitless and invalid stanzas get no patch', async (t) => {
  t.same(requestsEqualLimitsPatch(deployment([{ name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1024Mi' } } }]), '/spec/template', 'containers'), [], 'equal values in other units');
  t.same(requestsEqualLimitsPatch(deployment([{ name: 'a' }, { name: 'b', resources: { requests: { memory: '1Gi' } } }]), '/spec/template', 'containers'), [], 'no limits');
  t.same(requestsEqualLimitsPatch(deployment([{ name: 'a', resources: { limits: { memory: '1GB' }, requests: { memory: '1Mi' } } }]), '/spec/template', 'containers'), [], 'invalid limit');
  t.same(requestsEqualLimitsPatch(deployment([{ name: 'a', resources: { limits: { memory: '1Gi' }, requests: { memory: '2Gi' } } }]), '/spec/template', 'containers'), [], 'request above limit: not lowered');
  t.same(requestsEqualLimitsPatch(deployment([{ name: 'a', resources: { limits: { memory: '0' } } }]), '/spec/template', 'containers'), [], 'zero limit');
  t.same(requestsEqualLimitsPatch(deployment([{ name: 'a', resources: { limits: { 'nvidia.com/gpu': '1' } } }]), '/spec/template', 'containers'), [], 'other resources');
  t.same(requestsEqualLimitsPatch({ kind: 'ConfigMap', data: {} }, '', 'containers'), [], 'no pod');
  t.same(requestsEqualLimitsPatch(null, '', 'containers'), [], 'null');
  t.same(requestsEqualLimitsPatch(deployment(['x', null, 3]), '/spec/template', 'containers'), [], 'junk containers');
});

const model = (version: string, gates: Partial<FeatureGates> = {}) => kubeletModel(version, resolveFeatureGates(version, gates));

t.test('pod-level resources and CronJob templates', async (t) => {
  const cron = {
    kind: 'CronJob',
    spec: { jobTemplate: { spec: { template: { spec: { resources: { limits: { memory: '1Gi' } }, containers: [{ name: 'a', resources: { limits: { cpu: '1' } } }] } } } } },
  };
  const at = '/spec/jobTemplate/spec/template';
  t.equal(decidingStanzas(cron, at, model('1.37')), 'pod-level');
  // A pod-level request does not default to the pod-level limit in general (it aggregates the
  // containers'), so it is written.
  t.same(requestsEqualLimitsPatch(cron, at, 'pod-level'), [{ op: 'add', path: `${at}/spec/resources/requests`, value: { memory: '1Gi' } }]);
});

t.test('where spec.resources decides, container requests stay within the pod-level requests (API validation)', async (t) => {
  // Two containers whose limits add up to more than the pod-level limit: valid as written (each
  // container limit is within the pod-level one), but raising each container request to its limit
  // would put their aggregate (3Gi) above the pod-level request (2Gi), and the API server refuses
  // that (validatePodResourceConsistency).
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: {
      resources: { limits: { cpu: '2', memory: '2Gi' }, requests: { cpu: '1', memory: '1Gi' } },
      containers: [
        { name: 'app', resources: { limits: { cpu: '2', memory: '2Gi' }, requests: { cpu: '500m', memory: '512Mi' } } },
        { name: 'side', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } } },
      ],
    },
  };
  const cases: Array<[string, ReturnType<typeof model>, 'pod-level' | 'containers']> = [
    ['1.37 (gate on by default)', model('1.37'), 'pod-level'],
    ['1.34 (beta, on)', model('1.34'), 'pod-level'],
    ['1.33 (alpha, off)', model('1.33'), 'containers'],
    ['1.33 with the gate on', model('1.33', { PodLevelResources: true }), 'pod-level'],
    ['1.37 with the gate off (the API server drops spec.resources)', model('1.37', { PodLevelResources: false }), 'containers'],
  ];
  for (const [name, m, want] of cases) {
    const deciding = decidingStanzas(pod, '', m);
    t.equal(deciding, want, name);
    const fixed = applyPatch(pod, requestsEqualLimitsPatch(pod, '', deciding)) as typeof pod;
    if (deciding === 'pod-level') {
      t.same(fixed.spec.containers, pod.spec.containers, `${name}: container requests left as written`);
      t.same(fixed.spec.resources.requests, { cpu: '2', memory: '2Gi' }, `${name}: pod-level requests raised to the pod-level limits`);
      t.equal(analyzePod(fixed, { version: m.version, gates: m.gates, memoryCapacity: 16n << 30n }).result.qosClass, 'Guaranteed', `${name}: Guaranteed`);
    } else {
      t.same(fixed.spec.resources, pod.spec.resources, `${name}: spec.resources left alone`);
      t.same(
        fixed.spec.containers.map((c) => c.resources.requests),
        pod.spec.containers.map((c) => c.resources.limits),
        `${name}: container requests raised`,
      );
    }
  }
  // 1.37's PodLevelResourcesFixKubeletQOSClass: a stanza without cpu, memory or hugepages decides nothing.
  const empty = { ...pod, spec: { ...pod.spec, resources: {} } };
  t.equal(decidingStanzas(empty, '', model('1.37')), 'containers');
  t.equal(decidingStanzas(empty, '', model('1.36')), 'pod-level', 'before 1.37 any stanza decides');
  t.equal(decidingStanzas({ ...pod, spec: { ...pod.spec, resources: null } }, '', model('1.37')), 'containers', 'resources: null is none');
});

t.test('applyPatch: RFC 6902 add, replace, remove, test with escaped tokens', async (t) => {
  const doc = { a: { 'x/y': 1, 'm~n': 2 }, list: [1, 2, 3] };
  const out = applyPatch(doc, [
    { op: 'test', path: '/a/x~1y', value: 1 },
    { op: 'replace', path: '/a/x~1y', value: 10 },
    { op: 'remove', path: '/a/m~0n' },
    { op: 'add', path: '/list/1', value: 'in' },
    { op: 'add', path: '/list/-', value: 'end' },
    { op: 'replace', path: '/list/0', value: 0 },
    { op: 'add', path: '/b', value: { c: [] } },
  ]);
  t.same(out, { a: { 'x/y': 10 }, list: [0, 'in', 2, 3, 'end'], b: { c: [] } });
  t.same(doc, { a: { 'x/y': 1, 'm~n': 2 }, list: [1, 2, 3] }, 'input unchanged');
  t.throws(() => applyPatch(doc, [{ op: 'test', path: '/a/x~1y', value: 2 }]), PatchError);
  t.throws(() => applyPatch(doc, [{ op: 'replace', path: '/nope', value: 2 }]), PatchError);
  t.throws(() => applyPatch(doc, [{ op: 'remove', path: '/list/3' }]), PatchError);
  t.throws(() => applyPatch(doc, [{ op: 'add', path: '/list/9', value: 1 }]), PatchError);
  t.throws(() => applyPatch(doc, [{ op: 'add', path: '/missing/deep', value: 1 }]), PatchError);
  t.throws(() => applyPatch(doc, [{ op: 'move', path: '/a', from: '/b' } as never]), PatchError);
  t.same(applyPatch(doc, [{ op: 'add', path: '', value: 5 }]), 5, 'whole-document add');
  const proto = applyPatch({} as Record<string, unknown>, [{ op: 'add', path: '/__proto__', value: { polluted: true } }]);
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
  t.ok(Object.prototype.hasOwnProperty.call(proto, '__proto__'));
});

t.test('jsonEqual is iterative: deep values do not overflow the stack', async (t) => {
  let a: unknown = 1;
  let b: unknown = 1;
  for (let i = 0; i < 200_000; i++) {
    a = { x: [a] };
    b = { x: [b] };
  }
  t.ok(jsonEqual(a, b));
  t.notOk(jsonEqual({ a: 1 }, { a: 1, b: 2 }));
  t.notOk(jsonEqual([1], { 0: 1 }));
});
