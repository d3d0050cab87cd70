// The LimitRange view from the cluster: @kubernetes/client-node lists and watches LimitRanges beside
// Nodes on a real loopback HTTP server speaking the Kubernetes API's JSON (fake-api.ts). A workload
// is judged with the LimitRanges of the request's namespace, as `oomguard lint` judges it given the
// same LimitRanges; invalid ones are left out and counted; an unreachable API keeps the last view.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ClusterLimitRangeView, StaticLimitRangeView, groupByNamespace } from '../../src/webhook/plugins/limit-range-cache.js';
import { ClusterNodeView } from '../../src/webhook/plugins/node-cache.js';
import { WebhookMetrics } from '../../src/webhook/plugins/metrics.js';
import { buildServer } from '../../src/webhook/build-server.js';
import type { BuildServerOptions } from '../../src/webhook/build-server.js';
import { lintObjects } from '../../src/engine/lint.js';
import { parseLimitRange } from '../../src/core/limit-range.js';
import { nodeFactsFromCapacity } from '../../src/core/node.js';
import type { LimitRange } from '../../src/core/types.js';
import { rules } from '../../rules/index.js';
import { sourceOf } from '../../src/webhook/admission.js';
import { GI, deployment, nodes16Gi, review, tmpDir } from './helpers.js';
import { FakeApiServer, limitRange, node, until } from './fake-api.js';
import type { LimitRangeObject } from './fake-api.js';

/** A Deployment of one bare container (no requests, no limits) in `namespace`. */
function bare(namespace: string | undefined, containers: unknown[] = [{ name: 'app', image: 'x' }]): Record<string, unknown> {
  const d = deployment(containers);
  const meta = d.metadata as Record<string, unknown>;
  if (namespace === undefined) delete meta.namespace;
  else meta.namespace = namespace;
  return d;
}

const parsed = (o: LimitRangeObject): LimitRange => parseLimitRange(o as unknown as Record<string, unknown>, 'default');

/** What `oomguard lint` reports for the object given these LimitRanges, as the audit annotation lists it. */
function lintAudit(object: Record<string, unknown>, limitRanges: Record<string, LimitRangeObject[]>): string | undefined {
  const lint = lintObjects([sourceOf(object)], {
    kubernetesVersion: '1.37',
    node: nodeFactsFromCapacity(16n * GI, 'cluster'),
    rules,
    admission: { defaultNamespace: 'default', limitRanges: new Map(Object.entries(limitRanges).map(([ns, list]) => [ns, list.map(parsed)])) },
  });
  const shown = lint.objects[0].findings.filter((f) => f.severity !== 'info').map((f) => `${f.rule}:${f.severity}`);
  return shown.length > 0 ? shown.join(',') : undefined;
}

type App = Awaited<ReturnType<typeof buildServer>>;
async function audit(app: App, object: unknown, req: Record<string, unknown> = {}): Promise<string | undefined> {
  const r = (await app.inject({ method: 'POST', url: '/validate?timeout=10s', payload: review(object, req) })).json().response;
  if (r.allowed !== true) throw new Error(`audit mode admits everything: ${JSON.stringify(r)}`);
  return r.auditAnnotations?.findings;
}

function capture() {
  const warnings: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  return { warnings, log: { info() {}, warn: (obj: object, msg: string) => void warnings.push({ obj: obj as Record<string, unknown>, msg }) } };
}

t.test('list and watch: a workload is judged with the LimitRanges of its namespace, sorted by name', async (t) => {
  const api = new FakeApiServer();
  api.nodes.set('n1', node('n1', '16Gi'));
  const mem = limitRange('team', 'mem', { defaultRequest: { memory: '256Mi' } });
  api.addLimitRange(mem);
  await api.start();
  t.teardown(() => api.stop());
  const kubeconfig = api.kubeconfig(tmpDir());
  const metrics = new WebhookMetrics();
  const logs = capture();
  const nodes = new ClusterNodeView({ kubeconfig, metrics, retryMs: 50 });
  const limitRanges = new ClusterLimitRangeView({ kubeconfig, metrics, retryMs: 50, log: logs.log });
  const app = await buildServer({ logger: false, nodes, limitRanges, metrics, mode: 'audit' });
  t.teardown(() => app.close());
  await app.ready();
  t.equal(limitRanges.status().state, 'fresh');
  t.match(limitRanges.status(), { source: 'cluster', limitRanges: 1, namespaces: 1, invalid: 0, lastError: null });
  t.equal(nodes.status().state, 'fresh', 'nodes are read beside them');
  await until('the LimitRange watch', () => api.collections.limitranges.watches.size === 1);

  // Bare: BestEffort in a namespace without LimitRanges; Burstable where one fills a memory request.
  const without = await audit(app, bare('other'), { namespace: 'other' });
  t.match(without, /memory-request-missing:error/, 'no LimitRange: no memory request');
  t.equal(without, lintAudit(bare('other'), {}));
  const withLr = await audit(app, bare('team'), { namespace: 'team' });
  t.notMatch(withLr ?? '', /memory-request-missing|best-effort-pod/, 'the LimitRange fills the memory request');
  t.equal(withLr, lintAudit(bare('team'), { team: [mem] }), 'the same findings as lint with the same LimitRanges');
  t.equal(await audit(app, bare(undefined), { namespace: 'team' }), withLr, "the request's namespace decides");
  t.equal(await audit(app, bare('team')), withLr, "without one in the request, the object's");
  t.equal(await audit(app, bare(undefined)), without, 'with neither, "default" (no LimitRanges there)');
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'team' }, spec: { containers: [{ name: 'app', image: 'x', resources: { requests: { memory: '256Mi' } } }] } };
  t.equal(await audit(app, pod, { namespace: 'team' }), lintAudit(pod, { team: [mem] }), 'a Pod CREATE, already filled by the LimitRanger: applying them again changes nothing');

  // Watch events. A second LimitRange named before the first: the order is by name, not by arrival.
  const cpu = limitRange('team', 'a-cpu', { defaultRequest: { cpu: '100m' } });
  api.event('ADDED', cpu);
  await until('the ADDED event', () => limitRanges.forNamespace('team').length === 2);
  t.same(limitRanges.forNamespace('team').map((lr) => lr.id), ['team/a-cpu', 'team/mem'], 'sorted by name');
  t.equal(await audit(app, bare('team'), { namespace: 'team' }), lintAudit(bare('team'), { team: [cpu, mem] }));
  api.event('MODIFIED', limitRange('team', 'mem', { defaultRequest: { memory: '1Gi' }, default: { memory: '1Gi' } }));
  await until('the MODIFIED event', () => limitRanges.forNamespace('team').some((lr) => lr.items[0].default.size > 0));
  const modified = await audit(app, bare('team'), { namespace: 'team' });
  t.notMatch(modified ?? '', /memory-limit-missing/, 'the default memory limit now applies too');
  t.equal(modified, lintAudit(bare('team'), { team: [cpu, api.limitRanges.get('team/mem')!] }));
  api.event('DELETED', api.limitRanges.get('team/mem')!);
  await until('the DELETED event', () => limitRanges.forNamespace('team').length === 1);
  t.match(await audit(app, bare('team'), { namespace: 'team' }), /memory-request-missing/, 'gone: no memory request again');
  api.event('ADDED', mem);
  await until('ADDED again', () => limitRanges.forNamespace('team').length === 2);

  // An invalid LimitRange (the API server would not have stored it): left out, said so, counted.
  api.event('ADDED', limitRange('team', 'broken', { min: { memory: '2Gi' }, max: { memory: '1Gi' } }));
  await until('the invalid one', () => limitRanges.status().invalid === 1);
  t.same(limitRanges.forNamespace('team').map((lr) => lr.id), ['team/a-cpu', 'team/mem'], 'left out of the view');
  t.match(limitRanges.status().invalidExamples, [{ limitRange: 'team/broken', error: /spec\.limits\[0\]\.min\.memory: min value 2Gi is greater than max value 1Gi/ }]);
  t.match(logs.warnings, [{ obj: { limitRange: 'team/broken' }, msg: /leaving out an invalid LimitRange/ }]);
  t.match(await metrics.registry.metrics(), /oomguard_limit_range_cache_invalid 1/);
  t.match(await metrics.registry.metrics(), /oomguard_limit_range_cache_limit_ranges 2/);
  t.equal(limitRanges.status().state, 'fresh', 'still fresh');
  const ready = await app.inject('/readyz');
  t.equal(ready.statusCode, 200);
  t.equal(ready.json().checks.limitRanges, 'ok');
  t.match(ready.json().limitRanges, { state: 'fresh', limitRanges: 2, invalid: 1, invalidExamples: [{ limitRange: 'team/broken' }] });
  t.match(await metrics.registry.metrics(), /oomguard_limit_range_cache_state\{state="fresh"\} 1/);
  t.match(await metrics.registry.metrics(), /oomguard_limit_range_cache_last_sync_timestamp_seconds [1-9]/);
  api.event('MODIFIED', limitRange('team', 'broken', { min: { memory: '2Gi' }, max: { memory: '1Gi' } }));
  await new Promise((r) => setTimeout(r, 100));
  t.equal(logs.warnings.length, 1, 'the same error is logged once, not on every event');
  api.event('DELETED', api.limitRanges.get('team/broken')!);
  await until('the invalid one deleted', () => limitRanges.status().invalid === 0);
  t.match(await metrics.registry.metrics(), /oomguard_limit_range_cache_invalid 0/);

  // The API server goes away: the last known LimitRanges, said so in readiness and metrics.
  const port = api.port;
  await api.stop();
  await until('stale', () => limitRanges.status().state === 'stale');
  const stale = await app.inject('/readyz');
  t.equal(stale.statusCode, 200, 'still ready: the last known LimitRanges are usable');
  t.equal(stale.json().checks.limitRanges, 'degraded: stale');
  t.match(stale.json().limitRanges.lastError, /ECONNREFUSED|ECONNRESET|socket|closed/i, 'the reason, not just "fetch failed"');
  t.type(stale.json().limitRanges.ageSeconds, 'number');
  const text = await metrics.registry.metrics();
  t.match(text, /oomguard_limit_range_cache_state\{state="stale"\} 1/);
  t.match(text, /oomguard_limit_range_cache_errors_total\{reason="[A-Za-z_0-9]+"\} [1-9]/);
  t.equal(await audit(app, bare('team'), { namespace: 'team' }), lintAudit(bare('team'), { team: [cpu, mem] }), 'judged with the last known view');

  // It comes back, without mem: a fresh list replaces the view.
  api.limitRanges.delete('team/mem');
  await api.start(port);
  await until('fresh again', () => limitRanges.status().state === 'fresh' && limitRanges.forNamespace('team').length === 1);
  t.match(await metrics.registry.metrics(), /oomguard_limit_range_cache_state\{state="fresh"\} 1/);
  t.equal((await app.inject('/readyz')).json().checks.limitRanges, 'ok');
});

t.test('enforce: a denial names the LimitRanges the object was judged with', async (t) => {
  const mem = parsed(limitRange('team', 'mem', { defaultRequest: { memory: '256Mi' } }));
  const app = await buildServer({ logger: false, nodes: nodes16Gi(), limitRanges: new StaticLimitRangeView([mem]), mode: 'enforce' });
  t.teardown(() => app.close());
  const huge = bare('team', [{ name: 'app', image: 'x', resources: { limits: { memory: '32Gi' } } }]);
  const r = (await app.inject({ method: 'POST', url: '/validate', payload: review(huge, { namespace: 'team' }) })).json().response;
  t.equal(r.allowed, false);
  t.match(r.status.message, /\(16Gi node, flag, with LimitRange team\/mem\): /);
  const elsewhere = (await app.inject({ method: 'POST', url: '/validate', payload: review(bare('other', [{ name: 'app', image: 'x', resources: { limits: { memory: '32Gi' } } }]), { namespace: 'other' }) })).json().response;
  t.notMatch(elsewhere.status.message, /LimitRange/, 'none in that namespace: none named');
  const ready = (await app.inject('/readyz')).json();
  t.equal(ready.checks.limitRanges, 'ok');
  t.match(ready.limitRanges, { state: 'static', source: 'file', limitRanges: 1, namespaces: 1 });
});

t.test('UPDATE: the old object is judged with the same LimitRanges, so they add nothing new', async (t) => {
  const mem = parsed(limitRange('team', 'mem', { defaultRequest: { memory: '256Mi' } }));
  const app = await buildServer({ logger: false, nodes: nodes16Gi(), limitRanges: new StaticLimitRangeView([mem]), mode: 'audit' });
  t.teardown(() => app.close());
  const before = bare('team');
  const after = bare('team', [{ name: 'app', image: 'y' }]);
  t.equal(await audit(app, after, { namespace: 'team', operation: 'UPDATE', oldObject: before }), undefined, 'nothing new or worse');
});

t.test('RBAC without limitranges (403): nodes fresh, LimitRanges none, ready and said so', async (t) => {
  const api = new FakeApiServer();
  api.nodes.set('n1', node('n1', '16Gi'));
  api.addLimitRange(limitRange('team', 'mem', { defaultRequest: { memory: '256Mi' } }));
  api.forbidden.add('limitranges');
  await api.start();
  t.teardown(() => api.stop());
  const kubeconfig = api.kubeconfig(tmpDir());
  const metrics = new WebhookMetrics();
  const nodes = new ClusterNodeView({ kubeconfig, metrics });
  const limitRanges = new ClusterLimitRangeView({ kubeconfig, metrics, retryMs: 10_000 });
  const app = await buildServer({ logger: false, nodes, limitRanges, metrics, mode: 'audit' });
  t.teardown(() => app.close());
  await app.ready();
  t.equal(nodes.status().state, 'fresh');
  t.equal(limitRanges.status().state, 'default');
  const ready = await app.inject('/readyz');
  t.equal(ready.statusCode, 200);
  t.equal(ready.json().checks.limitRanges, 'degraded: default');
  t.equal(ready.json().checks.nodes, 'ok');
  t.match(await metrics.registry.metrics(), /oomguard_limit_range_cache_errors_total\{reason="http_403"\} 1/);
  t.match(await metrics.registry.metrics(), /oomguard_limit_range_cache_state\{state="default"\} 1/);
  t.match(await audit(app, bare('team'), { namespace: 'team' }), /memory-request-missing/, 'judged without LimitRanges');
});

t.test('an API server that never answered, or no kubeconfig: no LimitRanges, never blocking', async (t) => {
  const api = new FakeApiServer();
  await api.start();
  const kubeconfig = api.kubeconfig(tmpDir());
  await api.stop();
  const view = new ClusterLimitRangeView({ kubeconfig, retryMs: 10_000 });
  const app = await buildServer({ logger: false, nodes: nodes16Gi(), limitRanges: view, mode: 'audit' });
  t.teardown(() => app.close());
  await app.ready();
  t.equal(view.status().state, 'default');
  t.match(view.status().lastError, /ECONNREFUSED 127\.0\.0\.1:\d+/);
  t.same(view.forNamespace('team'), []);
  t.equal((await app.inject('/readyz')).statusCode, 200);

  const file = path.join(tmpDir(), 'kubeconfig');
  writeFileSync(file, 'this: is: not: a kubeconfig');
  const unreadable = new ClusterLimitRangeView({ kubeconfig: file });
  await unreadable.start();
  t.equal(unreadable.status().state, 'default');
  t.match(unreadable.status().lastError, /cannot load the cluster configuration/);
  await unreadable.close();
});

t.test('static views: grouped by namespace, sorted by name whatever the input order', async (t) => {
  const lr = (ns: string, name: string) => parsed(limitRange(ns, name, { defaultRequest: { memory: '64Mi' } }));
  const input = [lr('b', 'z'), lr('a', 'm'), lr('b', 'c'), lr('a', 'b')];
  const grouped = groupByNamespace(input);
  t.same([...grouped.keys()].sort(), ['a', 'b']);
  t.same(grouped.get('a')!.map((x) => x.name), ['b', 'm']);
  t.same(grouped.get('b')!.map((x) => x.name), ['c', 'z']);
  t.same(groupByNamespace([...input].reverse()).get('b')!.map((x) => x.name), ['c', 'z']);
  const view = new StaticLimitRangeView(input, 'file');
  t.equal(view.forNamespace('b'), view.forNamespace('b'), 'the same array each time');
  t.same(view.forNamespace('nowhere'), []);
  t.match(view.status(), { state: 'static', source: 'file', limitRanges: 4, namespaces: 2 });
  t.match(new StaticLimitRangeView().status(), { state: 'static', source: 'none', limitRanges: 0 });
  const opts: BuildServerOptions = { logger: false, nodes: nodes16Gi() };
  const app = await buildServer(opts);
  t.teardown(() => app.close());
  t.match((await app.inject('/readyz')).json(), { checks: { limitRanges: 'ok' }, limitRanges: { source: 'none' } }, 'none given: none applied');
});
