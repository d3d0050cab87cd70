// POST /mutate: the requests-equal-limits JSON Patch, opt-in and opt-out, idempotent, never on
// requests it must not touch, failing open.
import t from 'tap';
import { buildServer } from '../../src/webhook/build-server.js';
import { applyPatch } from '../../src/engine/fix.js';
import { judgeMutate, MUTATE_ANNOTATION } from '../../src/webhook/admission.js';
import { kubeletModel, resolveFeatureGates } from '../../src/core/versions.js';
import { deployment, fixture, nodes16Gi, review } from './helpers.js';

async function app(t: { teardown(fn: () => unknown): void }, mutation: 'requests-equal-limits' | null = 'requests-equal-limits') {
  const a = await buildServer({ logger: false, nodes: nodes16Gi(), mutation });
  t.teardown(() => a.close());
  return a;
}
const post = async (a: Awaited<ReturnType<typeof buildServer>>, body: unknown) =>
  (await a.inject({ method: 'POST', url: '/mutate?timeout=2s', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) })).json().response;

const burstable = () => deployment([{ name: 'app', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '250m', memory: '256Mi' } } }, { name: 'log', resources: { limits: { cpu: '100m', memory: '64Mi' } } }]);

t.test('a patch that raises requests to limits, base64 JSON Patch, applied it needs no second one', async (t) => {
  const a = await app(t);
  const obj = burstable();
  const r = await post(a, review(obj));
  t.equal(r.uid, 'uid-1');
  t.equal(r.allowed, true);
  t.equal(r.patchType, 'JSONPatch');
  const ops = JSON.parse(Buffer.from(r.patch, 'base64').toString('utf8'));
  t.same(ops, [
    { op: 'replace', path: '/spec/template/spec/containers/0/resources/requests/cpu', value: '1' },
    { op: 'replace', path: '/spec/template/spec/containers/0/resources/requests/memory', value: '1Gi' },
  ]);
  const again = await post(a, review(applyPatch(obj, ops)));
  t.same(again, { uid: 'uid-1', allowed: true }, 'no patch field at all for a compliant object');
  const upd = await post(a, review(obj, { operation: 'UPDATE', oldObject: obj }));
  t.equal(upd.patchType, 'JSONPatch', 'workload UPDATEs are patched too');
});

t.test('pod-level resources: only spec.resources is raised where it decides, per the server version', async (t) => {
  // Container limits add up to 3Gi over a 2Gi pod-level limit: raising each container request to
  // its limit would give a Pod the API server refuses (aggregate requests above the pod level).
  const obj = deployment(
    [
      { name: 'app', resources: { limits: { cpu: '2', memory: '2Gi' }, requests: { cpu: '500m', memory: '512Mi' } } },
      { name: 'side', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } } },
    ],
    'web',
    { resources: { limits: { cpu: '2', memory: '2Gi' }, requests: { cpu: '1', memory: '1Gi' } } },
  );
  const newest = await app(t);
  const ops = JSON.parse(Buffer.from((await post(newest, review(obj))).patch, 'base64').toString('utf8'));
  t.same(ops, [
    { op: 'replace', path: '/spec/template/spec/resources/requests/cpu', value: '2' },
    { op: 'replace', path: '/spec/template/spec/resources/requests/memory', value: '2Gi' },
  ]);
  // On 1.33 the gate is off by default: the API server drops spec.resources and the containers decide.
  const old = await buildServer({ logger: false, nodes: nodes16Gi(), mutation: 'requests-equal-limits', kubernetesVersion: '1.33' });
  t.teardown(() => old.close());
  const oldOps = JSON.parse(Buffer.from((await post(old, review(obj))).patch, 'base64').toString('utf8')) as Array<{ path: string }>;
  t.ok(oldOps.length === 4 && oldOps.every((op) => op.path.startsWith('/spec/template/spec/containers/')), JSON.stringify(oldOps));
});

t.test('no patch: opted out, mutation off, Pod UPDATE, DELETE, subresources, no pod, dryRun is patched', async (t) => {
  const a = await app(t);
  for (const where of ['object', 'template'] as const) {
    const obj = burstable();
    const meta = where === 'object' ? (obj.metadata as Record<string, unknown>) : ((obj.spec as { template: { metadata: Record<string, unknown> } }).template.metadata);
    meta.annotations = { [MUTATE_ANNOTATION]: 'false' };
    t.same(await post(a, review(obj)), { uid: 'uid-1', allowed: true }, `opt-out annotation on the ${where}`);
  }
  const off = await app(t, null);
  t.same(await post(off, review(burstable())), { uid: 'uid-1', allowed: true }, 'without --mutate');
  const pod = (fixture('create-pod-burstable-dryrun.json').request as { object: unknown }).object;
  t.same(await post(a, review(pod, { operation: 'UPDATE', oldObject: pod })), { uid: 'uid-1', allowed: true }, 'Pod resources are immutable on UPDATE');
  t.equal((await post(a, fixture('create-pod-burstable-dryrun.json'))).patchType, 'JSONPatch', 'dryRun CREATE of a Pod');
  for (const name of ['delete-pod.json', 'connect-pod-exec.json', 'update-deployment-scale-subresource.json', 'create-configmap.json']) {
    const r = fixture(name);
    t.same(await post(a, r), { uid: (r.request as { uid: string }).uid, allowed: true }, name);
  }
  t.same(await post(a, review(null)), { uid: 'uid-1', allowed: true }, 'null object');
});

t.test('mutation fails open', async (t) => {
  // An object whose getters throw stands for a bug in the patch code.
  const hostile = { kind: 'Pod', metadata: {}, get spec(): unknown { throw new Error('boom'); } };
  const out = judgeMutate({ uid: 'u', operation: 'CREATE', object: hostile }, 'requests-equal-limits', kubeletModel('1.37', resolveFeatureGates('1.37')));
  t.equal(out.decision, 'fail-open');
  t.equal(out.response.allowed, true);
  t.notOk(out.response.patch);
  t.match(out.response.warnings?.[0], /object left unchanged/);
});

t.test('bad requests to /mutate: 4xx', async (t) => {
  const a = await app(t);
  const send = (payload: string) => a.inject({ method: 'POST', url: '/mutate', headers: { 'content-type': 'application/json' }, payload });
  t.equal((await send('{')).statusCode, 400);
  t.equal((await send(JSON.stringify(fixture('v1beta1.json')))).statusCode, 400);
  t.equal((await send(JSON.stringify(review({}, { uid: '' })))).statusCode, 400);
});
