// POST /validate through fastify's inject: modes, UPDATE against oldObject, requests that are not
// judged, failure-policy emulation and the ?timeout= budget. Real AdmissionReview JSON fixtures.
import t from 'tap';
import { buildServer } from '../../src/webhook/build-server.js';
import type { BuildServerOptions } from '../../src/webhook/build-server.js';
import { lintObjects } from '../../src/engine/lint.js';
import { rules } from '../../rules/index.js';
import { defineRule } from '../../rules/define-rule.js';
import type { AnyRule } from '../../rules/index.js';
import { nodeFactsFromCapacity } from '../../src/core/node.js';
import { sourceOf, MAX_WARNING_LENGTH, shortWarning, capWarnings, parseGoDuration, budgetFrom } from '../../src/webhook/admission.js';
import { deployment, fixture, nodes16Gi, review, GI } from './helpers.js';

async function app(t: Tap, opts: Partial<BuildServerOptions> = {}) {
  const a = await buildServer({ logger: false, nodes: nodes16Gi(), ...opts });
  t.teardown(() => a.close());
  return a;
}
type Tap = { teardown(fn: () => unknown): void };

async function post(a: Awaited<ReturnType<typeof buildServer>>, body: unknown, url = '/validate?timeout=10s') {
  const res = await a.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
  return { status: res.statusCode, json: res.json() };
}

const prometheus = fixture('create-prometheus.json');
const promObject = (prometheus.request as { object: Record<string, unknown> }).object;

const throwingRule: AnyRule = defineRule({
  meta: {
    id: 'always-throws',
    severity: 'error',
    description: 'Throws.',
    remediation: 'None.',
    docs: '',
    options: { type: 'object', additionalProperties: false },
    defaultOptions: {},
    messages: { x: 'never' },
    fixable: false,
  },
  check() {
    throw new Error('boom');
  },
});

const slowRule = (ms: number): AnyRule =>
  defineRule({
    meta: { ...throwingRule.meta, id: 'slow-rule' },
    check() {
      const end = performance.now() + ms;
      while (performance.now() < end) {
        /* a rule that takes too long */
      }
      return [];
    },
  });

t.test('enforce: the Prometheus Deployment is denied with 403 and the same numbers as oomguard lint', async (t) => {
  const a = await app(t, { mode: 'enforce' });
  const { status, json } = await post(a, prometheus);
  t.equal(status, 200);
  t.equal(json.apiVersion, 'admission.k8s.io/v1');
  t.equal(json.kind, 'AdmissionReview');
  t.equal(json.response.uid, '705ab4f5-6393-11e8-b7cc-42010a800002');
  t.equal(json.response.allowed, false);
  t.equal(json.response.status.code, 403);
  t.notOk(json.response.patch, 'a validating response never carries a patch');
  const lint = lintObjects([sourceOf(promObject)], { kubernetesVersion: '1.37', node: nodeFactsFromCapacity(16n * GI, 'flag'), rules });
  const errors = lint.objects[0].findings.filter((f) => f.severity === 'error');
  t.ok(errors.length > 0, 'lint finds errors too');
  for (const f of errors) t.ok(json.response.status.message.includes(f.message), `denial carries lint's message: ${f.message}`);
  t.match(json.response.status.message, /oom_score_adj 999 on a 16Gi node/);
  t.match(json.response.status.message, /monitoring\/prometheus/);
});

t.test('warn: allowed, with short warnings that keep the numbers', async (t) => {
  const a = await app(t, { mode: 'warn' });
  const { json } = await post(a, prometheus);
  t.equal(json.response.allowed, true);
  t.ok(json.response.warnings.length >= 1 && json.response.warnings.length <= 5);
  for (const w of json.response.warnings) t.ok(Array.from(w as string).length <= MAX_WARNING_LENGTH, `short: ${w}`);
  t.ok(json.response.warnings.some((w: string) => /container "prometheus" has no memory request: pod is Burstable, oom_score_adj 999 on a 16Gi node/.test(w)));
});

t.test('audit: allowed, nothing shown, findings counted and annotated', async (t) => {
  const a = await app(t, { mode: 'audit' });
  const { json } = await post(a, prometheus);
  t.same(Object.keys(json.response).sort(), ['allowed', 'auditAnnotations', 'uid']);
  t.equal(json.response.allowed, true);
  t.match(json.response.auditAnnotations.findings, /memory-request-missing:error/);
  const metrics = await a.webhook.metrics.registry.metrics();
  t.match(metrics, /oomguard_admission_reviews_total\{endpoint="validate",decision="audit"\} 1/);
  t.match(metrics, /oomguard_admission_findings_total\{endpoint="validate",rule="memory-request-missing",severity="error"\} 1/);
});

t.test('UPDATE: scaling an existing workload is allowed; what is new or worse is denied', async (t) => {
  const a = await app(t, { mode: 'enforce' });
  const scale = await post(a, fixture('update-prometheus-scale.json'));
  t.equal(scale.json.response.allowed, true, 'same template, only replicas changed');
  t.notOk(scale.json.response.warnings?.some((w: string) => /prometheus/.test(w)), 'no complaint about what was there before');

  const good = deployment([{ name: 'app', resources: { requests: { memory: '1Gi', cpu: '1' }, limits: { memory: '1Gi', cpu: '1' } } }]);
  const bad = deployment([
    { name: 'app', resources: { requests: { memory: '1Gi', cpu: '1' }, limits: { memory: '1Gi', cpu: '1' } } },
    { name: 'sidecar', image: 'x' },
  ]);
  const added = await post(a, review(bad, { operation: 'UPDATE', oldObject: good }));
  t.equal(added.json.response.allowed, false, 'a new container without requests');
  t.match(added.json.response.status.message, /sidecar/);

  const before = deployment([{ name: 'app', resources: { requests: { memory: '8Gi' } } }, { name: 'b' }]);
  const after = deployment([{ name: 'app', resources: { requests: { memory: '8Gi' } } }, { name: 'b' }]);
  (after.metadata as Record<string, unknown>).labels = { changed: 'yes' };
  const same = await post(a, review(after, { operation: 'UPDATE', oldObject: before }));
  t.equal(same.json.response.allowed, true, 'pre-existing findings do not block');

  const created = await post(a, review(after, { operation: 'CREATE' }));
  t.equal(created.json.response.allowed, false, 'the same object on CREATE is denied');
});

t.test('UPDATE: a worse score counts, a better one does not; pre-existing invalid input does not block', async (t) => {
  const a = await app(t, { mode: 'warn' });
  const withRequest = (memory: string) => deployment([{ name: 'app', resources: { requests: { memory, cpu: '100m' } } }, { name: 'other', resources: { requests: { memory: '1Gi', cpu: '100m' }, limits: { memory: '1Gi', cpu: '100m' } } }]);
  const created = await post(a, review(withRequest('4Gi')));
  t.ok(created.json.response.warnings?.length > 0, 'the object has findings of its own');
  const lowered = await post(a, review(withRequest('512Mi'), { operation: 'UPDATE', oldObject: withRequest('4Gi') }));
  t.ok(lowered.json.response.warnings?.some((w: string) => /"app"/.test(w)), 'request lowered: a higher oom_score_adj, so it counts');
  const raised = await post(a, review(withRequest('4Gi'), { operation: 'UPDATE', oldObject: withRequest('512Mi') }));
  t.notOk(raised.json.response.warnings?.some((w: string) => /"app"/.test(w)), 'request raised: better, nothing new');

  const invalid = deployment([{ name: 'app', resources: { limits: { memory: '1GB' } } }]);
  const relabelled = deployment([{ name: 'app', resources: { limits: { memory: '1GB' } } }]);
  (relabelled.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels.extra = 'x';
  const enforce = await app(t, { mode: 'enforce' });
  const kept = await post(enforce, review(relabelled, { operation: 'UPDATE', oldObject: invalid }));
  t.equal(kept.json.response.allowed, true, 'the same invalid field as before');
});

t.test('dryRun is judged like any request (sideEffects None)', async (t) => {
  const a = await app(t, { mode: 'enforce' });
  const r = fixture('create-pod-burstable-dryrun.json');
  const { json } = await post(a, r);
  t.equal(json.response.uid, 'e911857d-c318-11e8-bbad-025000000001');
  const { json: noDry } = await post(a, { ...r, request: { ...(r.request as object), dryRun: false } });
  t.same(json.response, noDry.response);
});

t.test('DELETE, CONNECT, subresources, unknown kinds, null objects: 200, allowed, uid echoed', async (t) => {
  const a = await app(t, { mode: 'enforce' });
  for (const name of ['delete-pod.json', 'connect-pod-exec.json', 'update-deployment-scale-subresource.json', 'create-configmap.json']) {
    const r = fixture(name);
    const { status, json } = await post(a, r);
    t.equal(status, 200, name);
    t.same(json.response, { uid: (r.request as { uid: string }).uid, allowed: true }, name);
  }
  const nul = await post(a, review(null));
  t.same(nul.json.response, { uid: 'uid-1', allowed: true }, 'null object');
  const custom = await post(a, review({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 3 } }));
  t.same(custom.json.response, { uid: 'uid-1', allowed: true }, 'unknown kind');
  const rollout = await post(a, review({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'r' }, spec: { template: { spec: { containers: [{ name: 'c' }] } } } }));
  t.equal(rollout.json.response.allowed, false, 'a custom kind with a pod template is judged');
});

t.test('invalid quantities: denied in enforce naming the field, warned in warn', async (t) => {
  const obj = deployment([{ name: 'app', resources: { limits: { memory: '1GB' } } }]);
  const enforce = await app(t, { mode: 'enforce' });
  const { json } = await post(enforce, review(obj));
  t.equal(json.response.allowed, false);
  t.equal(json.response.status.code, 422);
  t.match(json.response.status.message, /spec\.template\.spec\.containers\[0\]\.resources\.limits\.memory/);
  const warn = await app(t, { mode: 'warn' });
  const w = await post(warn, review(obj));
  t.equal(w.json.response.allowed, true);
  t.match(w.json.response.warnings[0], /limits\.memory/);
  const mutate = await app(t, { mutation: 'requests-equal-limits' });
  const m = await post(mutate, review(obj), '/mutate');
  t.same(m.json.response, { uid: 'uid-1', allowed: true }, 'no patch for an invalid limit');
});

t.test('huge (1 MiB) and deeply nested objects get the right answer without overflowing the stack', async (t) => {
  const a = await app(t, { mode: 'enforce' });
  const big = deployment([{ name: 'app', resources: { requests: { memory: '1Gi', cpu: '1' }, limits: { memory: '1Gi', cpu: '1' } } }]);
  (big.metadata as Record<string, unknown>).annotations = Object.fromEntries(Array.from({ length: 1100 }, (_, i) => [`example.com/a${i}`, 'x'.repeat(1000)]));
  t.ok(JSON.stringify(big).length > 1024 * 1024);
  const ok = await post(a, review(big));
  t.same(ok.json.response, { uid: 'uid-1', allowed: true });

  // Built as text: JSON.stringify itself would overflow on it. JSON.parse does not recurse.
  const depth = 100_000;
  const deep = '{"d":['.repeat(depth / 2) + '"bottom"' + ']}'.repeat(depth / 2);
  const nested = deployment([{ name: 'app', env: [{ name: 'DEEP', value: 'x', nested: '@DEEP@' }], args: ['@DEEP@'], resources: { requests: { memory: '1Gi', cpu: '1' }, limits: { memory: '1Gi', cpu: '1' }, claims: ['@DEEP@'] } }], 'deep', { volumes: [{ name: 'v', deep: '@DEEP@' }], affinity: '@DEEP@', nodeSelector: '@DEEP@' });
  (nested.metadata as Record<string, unknown>).annotations = { deep: '@DEEP@' };
  (nested.metadata as Record<string, unknown>).labels = '@DEEP@';
  const withDeep = (obj: unknown, uid: string) =>
    `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"${uid}","operation":"UPDATE","oldObject":${JSON.stringify(obj).replaceAll('"@DEEP@"', deep)},"object":${JSON.stringify(obj).replaceAll('"@DEEP@"', deep)}}}`;
  const text = withDeep(nested, 'deep');
  t.ok(text.length < 7 * 1024 * 1024);
  const res = await a.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: text });
  t.equal(res.statusCode, 200);
  t.same(res.json().response, { uid: 'deep', allowed: true }, 'nesting where nothing is judged does not matter');
  const m = await (await app(t, { mutation: 'requests-equal-limits' })).inject({ method: 'POST', url: '/mutate', headers: { 'content-type': 'application/json' }, payload: text.replace('"operation":"UPDATE"', '"operation":"CREATE"') });
  t.equal(m.statusCode, 200, 'mutate too');
  t.same(m.json().response, { uid: 'deep', allowed: true });

  const deepQuantity = deployment([{ name: 'app', resources: { limits: { memory: '@DEEP@' } } }]);
  const q = await a.inject({ method: 'POST', url: '/validate', headers: { 'content-type': 'application/json' }, payload: withDeep(deepQuantity, 'q').replace('"operation":"UPDATE"', '"operation":"CREATE"') });
  t.equal(q.json().response.allowed, false, 'a nested value where a quantity belongs is invalid');
  t.equal(q.json().response.status.code, 422);
});

t.test('an exception inside a rule is answered as the failure policy would', async (t) => {
  const ignore = await app(t, { mode: 'enforce', rules: [...rules, throwingRule], failurePolicy: 'Ignore' });
  const i = await post(ignore, prometheus);
  t.equal(i.status, 200);
  t.equal(i.json.response.allowed, true);
  t.match(i.json.response.warnings[0], /could not check this object, allowed by failurePolicy Ignore: internal error in rule always-throws/);
  const fail = await app(t, { mode: 'enforce', rules: [...rules, throwingRule], failurePolicy: 'Fail' });
  const f = await post(fail, prometheus);
  t.equal(f.json.response.allowed, false);
  t.equal(f.json.response.status.code, 500);
  t.match(f.json.response.status.message, /always-throws: boom/);
  t.match(await fail.webhook.metrics.registry.metrics(), /oomguard_admission_errors_total\{endpoint="validate",reason="rule-exception"\} 1/);
});

t.test('?timeout= budget: a review that overruns it is answered per the failure policy', async (t) => {
  const a = await app(t, { mode: 'enforce', rules: [slowRule(400)], failurePolicy: 'Fail' });
  const slow = await post(a, prometheus, '/validate?timeout=200ms');
  t.equal(slow.json.response.allowed, false);
  t.equal(slow.json.response.status.code, 500);
  t.match(slow.json.response.status.message, /deadline of 200 ms exceeded/);
  const roomy = await post(a, prometheus, '/validate?timeout=10s');
  t.equal(roomy.json.response.allowed, true, 'within budget: judged (the slow rule finds nothing)');
  t.equal(parseGoDuration('1m30s'), 90_000);
  t.equal(parseGoDuration('2.5s'), 2500);
  t.equal(parseGoDuration('10'), null);
  t.equal(budgetFrom('bogus'), 10_000);
  t.equal(budgetFrom('5m'), 30_000, 'capped at the API server maximum');
});

t.test('bad requests: 4xx, never a crash', async (t) => {
  const a = await app(t);
  const send = (payload: string, contentType = 'application/json') =>
    a.inject({ method: 'POST', url: '/validate', headers: { 'content-type': contentType }, payload });
  t.equal((await send('{"apiVersion":')).statusCode, 400, 'malformed JSON');
  t.equal((await send('')).statusCode, 400, 'empty body');
  t.equal((await send('[]')).statusCode, 400, 'not an object');
  t.equal((await send('null')).statusCode, 400, 'null');
  t.equal((await send('"x"')).statusCode, 400, 'a string');
  t.equal((await send(JSON.stringify(prometheus), 'text/yaml')).statusCode, 415, 'wrong content type');
  const beta = await send(JSON.stringify(fixture('v1beta1.json')));
  t.equal(beta.statusCode, 400, 'v1beta1');
  t.match(beta.json().message, /admission\.k8s\.io\/v1/);
  t.equal((await send(JSON.stringify({ apiVersion: 'v1', kind: 'Pod' }))).statusCode, 400, 'not an AdmissionReview');
  const noUid = await send(JSON.stringify(review({}, { uid: undefined })));
  t.equal(noUid.statusCode, 400, 'missing uid');
  t.match(noUid.json().message, /uid/);
  t.equal((await send(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }))).statusCode, 400, 'no request');
  const huge = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"x","object":{"data":"${'a'.repeat(7 * 1024 * 1024)}"}}}`;
  t.equal((await send(huge)).statusCode, 413, 'over 7 MiB');
  const get = await a.inject({ method: 'GET', url: '/validate' });
  t.equal(get.statusCode, 404);
  const after = await post(a, prometheus);
  t.equal(after.status, 200, 'still serving');
  t.match(await a.webhook.metrics.registry.metrics(), /oomguard_admission_errors_total\{endpoint="validate",reason="too-large"\} 1/);
});

t.test('warnings: one line each, whole numbers kept, at most five', async (t) => {
  const long = 'container "prometheus" has no memory request: pod is Burstable, oom_score_adj 999 on a 16Gi node — killed right after BestEffort containers under node memory pressure';
  t.equal(shortWarning(long), 'container "prometheus" has no memory request: pod is Burstable, oom_score_adj 999 on a 16Gi node');
  const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
  const s = shortWarning(words);
  t.ok(s.length <= MAX_WARNING_LENGTH && s.endsWith('…'));
  t.same(capWarnings(['a', 'b', 'a']), ['a', 'b']);
  const many = capWarnings(Array.from({ length: 9 }, (_, i) => `w${i}`));
  t.equal(many.length, 5);
  t.match(many[4], /and 5 more/);
  const a = await app(t, { mode: 'warn' });
  const containers = Array.from({ length: 12 }, (_, i) => ({ name: `c${i}`, resources: { requests: { cpu: '10m' } } }));
  const { json } = await post(a, review(deployment(containers)));
  t.equal(json.response.warnings.length, 5);
});

t.test('healthz and readyz', async (t) => {
  const a = await app(t);
  t.same((await a.inject('/healthz')).json(), { status: 'ok' });
  const ready = await a.inject('/readyz');
  t.equal(ready.statusCode, 200);
  t.equal(ready.json().nodes.state, 'static');
});
