// requestsEqualLimitsPatch and applyPatch: the JSON Patch shared by the mutating webhook and `oomguard fix`.
import t from 'tap';
import { applyPatch, jsonEqual, PatchError, requestsEqualLimitsPatch } from '../../src/engine/fix.js';
import { analyzePod } from '../../src/core/analyze-pod.js';
import { resolveFeatureGates } from '../../src/core/versions.js';
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
  const ops = requestsEqualLimitsPatch(obj, '/spec/template');
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
  t.same(requestsEqualLimitsPatch(fixed, '/spec/template'), [], 'idempotent: the fixed object needs no patch');
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
  const fixed = applyPatch(pod, requestsEqualLimitsPatch(pod, ''));
  t.equal(qos(fixed), 'Guaranteed');
});

t.test('compliant, limitless and invalid stanzas get no patch', async (t) => {
  t.same(requestsEqualLimitsPatch(deployment([{ name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1024Mi' } } }]), '/spec/template'), [], 'equal values in other units');
  t.same(requestsEqualLimitsPatch(deployment([{ name: 'a' }, { name: 'b', resources: { requests: { memory: '1Gi' } } }]), '/spec/template'), [], 'no limits');
  t.same(requestsEqualLimitsPatch(deployment([{ name: 'a', resources: { limits: { memory: '1GB' }, requests: { memory: '1Mi' } } }]), '/spec/template'), [], 'invalid limit');
  t.same(requestsEqualLimitsPatch(deployment([{ name: 'a', resources: { limits: { memory: '1Gi' }, requests: { memory: '2Gi' } } }]), '/spec/template'), [], 'request above limit: not lowered');
  t.same(requestsEqualLimitsPatch(deployment([{ name: 'a', resources: { limits: { memory: '0' } } }]), '/spec/template'), [], 'zero limit');
  t.same(requestsEqualLimitsPatch(deployment([{ name: 'a', resources: { limits: { 'nvidia.com/gpu': '1' } } }]), '/spec/template'), [], 'other resources');
  t.same(requestsEqualLimitsPatch({ kind: 'ConfigMap', data: {} }, ''), [], 'no pod');
  t.same(requestsEqualLimitsPatch(null, ''), [], 'null');
  t.same(requestsEqualLimitsPatch(deployment(['x', null, 3]), '/spec/template'), [], 'junk containers');
});

t.test('pod-level resources and CronJob templates', async (t) => {
  const cron = {
    kind: 'CronJob',
    spec: { jobTemplate: { spec: { template: { spec: { resources: { limits: { memory: '1Gi' } }, containers: [{ name: 'a', resources: { limits: { cpu: '1' } } }] } } } } },
  };
  // The container's cpu request defaults to its limit; a pod-level request does not default to
  // the pod-level limit in general (it aggregates the containers'), so it is written.
  t.same(requestsEqualLimitsPatch(cron, '/spec/jobTemplate/spec/template'), [
    { op: 'add', path: '/spec/jobTemplate/spec/template/spec/resources/requests', value: { memory: '1Gi' } },
  ]);
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
