// The node view from the cluster: @kubernetes/client-node (list, then watch) against a real HTTP
// server on 127.0.0.1 that speaks the Kubernetes API's JSON for nodes, through a kubeconfig
// written to a temp dir. The pod's node (nodeName, nodeSelector, required affinity) decides,
// else the smallest node; an unreachable API never blocks admission.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ClusterNodeView } from '../../src/webhook/plugins/node-cache.js';
import { describeError, errorReason } from '../../src/webhook/plugins/cluster-watch.js';
import { WebhookMetrics } from '../../src/webhook/plugins/metrics.js';
import { buildServer } from '../../src/webhook/build-server.js';
import { lintObjects } from '../../src/engine/lint.js';
import { nodeFactsFromNodes } from '../../src/core/node.js';
import { rules } from '../../rules/index.js';
import { sourceOf } from '../../src/webhook/admission.js';
import { deployment, review, tmpDir } from './helpers.js';
import { FakeApiServer, node, until } from './fake-api.js';

const GI = 1024n ** 3n;
const pod = (spec: Record<string, unknown> = {}) => deployment([{ name: 'app', image: 'x' }], 'web', spec);

t.test('list and watch: the pod\'s node decides, else the smallest; changes arrive by watch', async (t) => {
  const api = new FakeApiServer();
  api.nodes.set('small', node('small', '8Gi', { pool: 'small' }));
  api.nodes.set('big', node('big', '64Gi', { pool: 'big' }));
  await api.start();
  t.teardown(() => api.stop());
  const metrics = new WebhookMetrics();
  const view = new ClusterNodeView({ kubeconfig: api.kubeconfig(tmpDir()), metrics, retryMs: 50 });
  const app = await buildServer({ logger: false, nodes: view, metrics, mode: 'enforce' });
  t.teardown(() => app.close());
  await app.ready();
  t.equal(view.status().state, 'fresh');
  t.equal(view.status().nodes, 2);
  await until('the watch', () => api.watches.size === 1);

  const ask = async (object: unknown) => (await app.inject({ method: 'POST', url: '/validate?timeout=10s', payload: review(object) })).json().response;
  const worst = await ask(pod());
  t.match(worst.status.message, /on an 8Gi node/, 'no constraint: the smallest node');
  t.match(worst.status.message, /smallest of 2 nodes, 8Gi–64Gi/);
  const lint = lintObjects([sourceOf(pod())], {
    kubernetesVersion: '1.37',
    node: nodeFactsFromNodes([...api.nodes.values()].map((object) => ({ object, pointer: '' })), 'cluster'),
    rules,
  });
  for (const f of lint.objects[0].findings.filter((x) => x.severity === 'error')) t.ok(worst.status.message.includes(f.message), 'same numbers as lint on the same nodes');

  t.match((await ask(pod({ nodeSelector: { pool: 'big' } }))).status.message, /on a 64Gi node/, 'nodeSelector');
  t.match((await ask(pod({ nodeName: 'big' }))).status.message, /on a 64Gi node/, 'nodeName');
  const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['big'] }] }] } } };
  t.match((await ask(pod({ affinity }))).status.message, /on a 64Gi node/, 'required node affinity');
  t.match((await ask(pod({ nodeSelector: { pool: 'none' } }))).status.message, /on an 8Gi node/, 'matches nothing: the worst case');

  api.event('ADDED', node('tiny', '4Gi'));
  await until('the ADDED event', () => view.status().nodes === 3);
  t.match((await ask(pod())).status.message, /on a 4Gi node/);
  api.event('MODIFIED', node('tiny', '2Gi'));
  await until('the MODIFIED event', () => view.factsFor(null).memoryCapacity === 2n * GI);
  api.event('DELETED', node('tiny', '2Gi'));
  await until('the DELETED event', () => view.status().nodes === 2);
  t.equal(view.factsFor(null).memoryCapacity, 8n * GI);

  // The API server goes away: last known view, said so in readiness and metrics; admission goes on.
  const port = api.port;
  await api.stop();
  await until('stale', () => view.status().state === 'stale');
  const ready = await app.inject('/readyz');
  t.equal(ready.statusCode, 200, 'still ready: a stale view is usable');
  t.equal(ready.json().checks.nodes, 'degraded: stale');
  // client-node 2.x (undici) says only "fetch failed"; the reason is in err.cause and must show.
  t.match(ready.json().nodes.lastError, /ECONNREFUSED|ECONNRESET|socket|closed/i, 'readiness names the reason, not just "fetch failed"');
  t.match(await metrics.registry.metrics(), /oomguard_node_cache_state\{state="stale"\} 1/);
  t.match(await metrics.registry.metrics(), /oomguard_node_cache_errors_total\{reason="[A-Za-z_0-9]+"\} [1-9]/);
  t.match((await ask(pod())).status.message, /on an 8Gi node/, 'judged on the last known view');

  // It comes back: a fresh list.
  api.nodes.set('small', node('small', '6Gi', { pool: 'small' }));
  await api.start(port);
  await until('fresh again', () => view.status().state === 'fresh' && view.factsFor(null).memoryCapacity === 6n * GI);
  t.match(await metrics.registry.metrics(), /oomguard_node_cache_state\{state="fresh"\} 1/);
});

t.test('an API server that never answered: the default, ready, never blocking', async (t) => {
  const api = new FakeApiServer();
  await api.start();
  const kubeconfig = api.kubeconfig(tmpDir());
  await api.stop(); // nothing listens on that port any more
  const view = new ClusterNodeView({ kubeconfig, retryMs: 10_000 });
  const app = await buildServer({ logger: false, nodes: view, mode: 'enforce' });
  t.teardown(() => app.close());
  await app.ready();
  t.equal(view.status().state, 'default');
  t.match(view.status().lastError, /ECONNREFUSED 127\.0\.0\.1:\d+/, 'the cause under "fetch failed"');
  const r = (await app.inject({ method: 'POST', url: '/validate', payload: review(pod()) })).json().response;
  t.match(r.status.message, /on a 16Gi node/);
  t.match(r.status.message, /default: cluster nodes unknown/);
  t.equal((await app.inject('/readyz')).statusCode, 200);
});

t.test('an unreadable kubeconfig: the default, still serving', async (t) => {
  const dir = tmpDir();
  const file = path.join(dir, 'kubeconfig');
  writeFileSync(file, 'this: is: not: a kubeconfig');
  const view = new ClusterNodeView({ kubeconfig: file });
  await view.start();
  t.equal(view.status().state, 'default');
  t.match(view.status().lastError, /cannot load the cluster configuration/);
  t.equal(view.factsFor(null).memoryCapacity, 16n * GI);
  await view.close();
});

t.test('a hung API server: start() gives up after its initial sync timeout', async (t) => {
  const api = new FakeApiServer();
  api.hang = true;
  await api.start();
  t.teardown(() => api.stop());
  const view = new ClusterNodeView({ kubeconfig: api.kubeconfig(tmpDir()), initialSyncTimeoutMs: 300 });
  const app = await buildServer({ logger: false, nodes: view, mode: 'warn' });
  t.teardown(() => app.close());
  await app.ready();
  t.equal(view.status().state, 'default');
  const r = (await app.inject({ method: 'POST', url: '/validate', payload: review(pod()) })).json().response;
  t.equal(r.allowed, true);
  t.match(r.warnings.join('\n'), /16Gi/);
});

t.test('describeError and errorReason follow err.cause', async (t) => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
  const fetchFailed = new TypeError('fetch failed', { cause: refused });
  t.equal(describeError(fetchFailed), 'fetch failed: connect ECONNREFUSED 10.0.0.1:443');
  t.equal(errorReason(fetchFailed), 'ECONNREFUSED');
  t.equal(describeError(new Error('HTTP 403', { cause: new Error('HTTP 403') })), 'HTTP 403', 'a repeated cause is said once');
  t.equal(errorReason({ statusCode: 403, message: 'Forbidden' }), 'http_403');
  t.equal(describeError('plain'), 'plain');
  t.equal(describeError(null), 'unknown error');
  const loop: Error & { cause?: unknown } = new Error('outer');
  loop.cause = loop;
  t.equal(describeError(loop), 'outer', 'a cause cycle ends');
  t.equal(errorReason(new Error('no answer from the API server within 300 ms')), 'timeout');
});

t.test("the version modelled follows the nodes' kubelets when none is given, through an upgrade", async (t) => {
  const api = new FakeApiServer();
  api.nodes.set('a', node('a', '16Gi', {}, '1', 'v1.33.4'));
  api.nodes.set('b', node('b', '16Gi', {}, '1', 'v1.33.2-eks-1234'));
  await api.start();
  t.teardown(() => api.stop());
  const text: string[] = [];
  const lines = () => text.map((l) => JSON.parse(l) as { level: number; msg: string; was?: string });
  const view = new ClusterNodeView({ kubeconfig: api.kubeconfig(tmpDir()), retryMs: 50 });
  const app = await buildServer({ logger: { level: 'info', stream: { write: (l: string) => void text.push(l) } }, nodes: view, mutation: 'requests-equal-limits' });
  t.teardown(() => app.close());
  await app.ready();
  await until('the watch', () => api.watches.size === 1);
  t.same(app.webhook.model(), { kubernetesVersion: '1.33', source: 'nodes', note: null });
  t.same((await app.inject('/readyz')).json().model, { kubernetesVersion: '1.33', source: 'nodes', note: null }, 'readiness says what is modelled');
  t.ok(lines().some((l) => l.level === 30 && l.msg === "modelling Kubernetes 1.33, the version the nodes' kubelets run"), 'logged once the nodes answered');

  // Pod-level resources: off by default in 1.33 (the containers decide), on in 1.37 (spec.resources alone).
  const shared = deployment(
    [
      { name: 'app', resources: { limits: { cpu: '2', memory: '2Gi' }, requests: { cpu: '500m', memory: '512Mi' } } },
      { name: 'side', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } } },
    ],
    'web',
    { resources: { limits: { cpu: '2', memory: '2Gi' }, requests: { cpu: '1', memory: '1Gi' } } },
  );
  const patched = async () => {
    const r = (await app.inject({ method: 'POST', url: '/mutate?timeout=10s', payload: review(shared) })).json().response;
    return (JSON.parse(Buffer.from(r.patch, 'base64').toString('utf8')) as Array<{ path: string }>).map((op) => op.path.replace('/spec/template/spec/', ''));
  };
  t.ok((await patched()).every((p) => p.startsWith('containers/')), '1.33: the containers are raised');

  // Mid-upgrade the kubelets differ: the newest modelled version, and why.
  api.event('MODIFIED', node('a', '16Gi', {}, '2', 'v1.37.0'));
  await until('the MODIFIED event', () => app.webhook.model().source === 'default');
  t.same(app.webhook.model(), { kubernetesVersion: '1.37', source: 'default', note: 'the nodes run kubelets 1.33, 1.37: modelling 1.37 (give --kubernetes-version)' });
  t.ok(lines().some((l) => l.level === 40 && /modelling Kubernetes 1\.37: the nodes run kubelets 1\.33, 1\.37/.test(l.msg) && l.was === '1.33'), 'the change is logged, with the reason');
  api.event('MODIFIED', node('b', '16Gi', {}, '2', 'v1.37.1'));
  await until('the upgrade', () => app.webhook.model().source === 'nodes');
  t.same(app.webhook.model(), { kubernetesVersion: '1.37', source: 'nodes', note: null });
  t.same(await patched(), ['resources/requests/cpu', 'resources/requests/memory'], '1.37: spec.resources alone');

  // Given, it is fixed whatever the nodes run.
  const fixed = await buildServer({ logger: false, nodes: view, kubernetesVersion: '1.30' });
  t.teardown(() => fixed.close());
  t.same(fixed.webhook.model(), { kubernetesVersion: '1.30', source: 'given', note: null });
});
