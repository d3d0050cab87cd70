// `oomguard audit`, the real CLI: from files (kubectl get … -o json) and from a loopback
// Kubernetes API server (test/audit/api-server.ts) through a kubeconfig. The fixture
// (test/fixtures/audit) holds an istio-injected Deployment whose template has no sidecar, a
// LimitRange's defaults, a request VPA changed, a StatefulSet on two node sizes, a BestEffort
// DaemonSet, Job Pods that ended, a Pod whose stored status.qosClass is not its spec's, a Pending
// Pod and one on a node that is gone.
import t from 'tap';
import type { Test } from 'tap';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { bin, oomguard, plainEnv, repoRoot, writtenText } from '../helpers/run-cli.js';
import type { CliResult } from '../helpers/run-cli.js';
import { tmpDir } from '../webhook/helpers.js';
import { AuditApiServer } from '../audit/api-server.js';
import { main } from '../../src/cli/main.js';

type Obj = Record<string, any>;

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'audit');
const rel = (name: string) => path.relative(repoRoot, path.join(fixtures, name));
const load = (name: string): Obj => JSON.parse(readFileSync(path.join(fixtures, name), 'utf8'));
const FILES = ['--pods', rel('pods.json'), '--nodes', rel('nodes.json'), '--replicasets', rel('replicasets.json'), '--limit-ranges', rel('limitranges.json')];

/** The CLI in a child process without blocking this one (the loopback API server answers from here). */
function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: repoRoot, env: plainEnv({ KUBECONFIG: '', ...env }), maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The CLI in this process (main(), as bin/oomguard.js calls it): for the many short runs, where a
 * process each would cost a second on a busy machine. The kubeconfig is always given.
 */
async function cli(args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (s) => void (stdout += writtenText(s)),
    stderr: (s) => void (stderr += s),
    readStdin: async () => '',
    cwd: repoRoot,
    color: false,
    env: {},
  });
  return { code, stdout, stderr };
}

function json(r: CliResult): Obj {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

const entriesOf = (report: Obj, owner: string) => report.objects.filter((o: Obj) => `${o.owner.kind} ${o.owner.namespace}/${o.owner.name}` === owner);

/** One line on stderr, no stack trace. */
function oneLineError(t: Test, r: CliResult, pattern: RegExp) {
  t.equal(r.code, 2, `exit 2: ${r.stderr}`);
  t.equal(r.stdout, '');
  t.equal(r.stderr.trimEnd().split('\n').length, 1, 'one line');
  t.match(r.stderr.trimEnd(), pattern);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

t.test('from files: one entry per owner and distinct result, the template differences, the QoS check', async (t) => {
  const r = await run(['audit', ...FILES, '--format', 'json']);
  t.equal(r.code, 1, 'error findings: exit 1');
  t.equal(r.stderr, '');
  const report = json(r);
  t.equal(report.schemaVersion, 1);
  t.equal(report.kubernetesVersion, '1.33', 'the nodes\' kubelet minor');
  t.same(report.audit, {
    source: 'files', context: null, namespace: null, pods: 15, audited: 13, skipped: { Succeeded: 1, Failed: 1 },
    invalid: 0, otherObjects: 0, otherNamespaces: 0, owners: 8, entries: 10,
  });
  t.same(report.summary, { objects: 10, workloads: 10, errors: 3, warnings: 10, infos: 0, inputErrors: 0 });

  // Deployment shop/api: 3 replicas on two node sizes: two results, neither hidden.
  const api = entriesOf(report, 'Deployment shop/api');
  t.same(api.map((o: Obj) => [o.owner.entry, o.owner.entries, o.replicas, o.owner.replicas, o.containers.map((c: Obj) => c.oomScoreAdj)]), [
    [1, 2, 2, 3, [969, 985]],
    [2, 2, 1, 3, [997, 999]],
  ]);
  t.same(api[0].nodes, [{ name: 'node-small', memoryCapacity: 8 * 1024 ** 3, pods: ['api-5d8f7c9b6-aaaaa', 'api-5d8f7c9b6-ccccc'] }]);
  t.same(api[0].node, { name: 'node-small', basis: 'nodeName', candidates: 1, memoryCapacity: 8 * 1024 ** 3 }, 'lint\'s node field, of the first Pod');
  t.same(api[0].owner.replicaSets, ['api-5d8f7c9b6']);
  t.same(
    api[0].template.differences.map((d: Obj) => [d.change, d.container, d.field, d.by, d.limitRange]),
    [
      ['value', 'app', 'memoryRequest', 'limit-range', 'shop/defaults'],
      ['value', 'app', 'memoryLimit', 'limit-range', 'shop/defaults'],
      ['container-added', 'istio-proxy', null, 'admission', null],
    ],
    'what the LimitRange set is attributed to it, the injected sidecar to admission',
  );

  // web/frontend: the seed's case, no manifest shows it: BestEffort 1000 in the template, 999 running.
  const [frontend] = entriesOf(report, 'Deployment web/frontend');
  t.match(frontend, { qosClass: 'Burstable', replicas: 2, template: { source: 'ReplicaSet web/frontend-6b7c8d9f4', numbersDiffer: true, qosClass: 'BestEffort', containers: [{ name: 'frontend', oomScoreAdj: 1000 }] } });
  t.same(frontend.containers.map((c: Obj) => [c.name, c.oomScoreAdj]), [['frontend', 999], ['istio-proxy', 985]]);
  t.same(frontend.findings.map((f: Obj) => f.rule).sort(), ['memory-limit-missing', 'memory-limit-request-ratio', 'memory-request-missing']);

  const [cart] = entriesOf(report, 'Deployment web/cart');
  t.match(cart.template.differences, [{ change: 'value', field: 'memoryRequest', running: 200 * 1024 ** 2, template: 128 * 1024 ** 2, by: 'admission' }]);

  const db = entriesOf(report, 'StatefulSet shop/db');
  t.equal(db.length, 1, 'Guaranteed on 8Gi and 64Gi: one entry');
  t.same(db[0].nodes.map((n: Obj) => n.name), ['node-small', 'node-big']);
  t.match(db[0].template, { notRead: /StatefulSet templates are not read/ });

  const [debug] = entriesOf(report, 'Pod default/debug');
  t.same(debug.qosClassCheck, { status: 'Burstable', computed: 'Guaranteed', agrees: false });
  t.equal(debug.template, null, 'a Pod alone has no template');
  const [orphan] = entriesOf(report, 'Pod default/orphan');
  t.match(orphan.nodes, [{ name: 'node-gone', unknown: true }]);
  t.match(orphan.findings, [{ rule: 'memory-limit-missing' }, { rule: 'node-not-found' }]);
  const [pending] = entriesOf(report, 'Pod default/pending');
  t.same(pending.nodes.map((n: Obj) => n.name), [null]);
  t.notOk(report.objects.some((o: Obj) => o.namespace === 'batch'), 'the Job\'s ended Pods are skipped');
});

t.test('from files, text: what no manifest shows, who is killed first, what was skipped', async (t) => {
  const r = await run(['audit', ...FILES]);
  t.equal(r.code, 1);
  t.match(r.stdout, /Deployment web\/frontend: 2 pods, ReplicaSet frontend-6b7c8d9f4 {2}Burstable/);
  t.match(r.stdout, /Differs from its template \(ReplicaSet web\/frontend-6b7c8d9f4; the template alone gives BestEffort: frontend 1000\):\n {4}admission: container istio-proxy added at admission/);
  t.match(r.stdout, /LimitRange: memory request of app: 256Mi, set by LimitRange shop\/defaults/);
  t.match(r.stdout, /Deployment shop\/api: 2 of 3 pods \(result 1 of 2\)/);
  t.match(r.stdout, /status\.qosClass is Burstable, but oomguard computes Guaranteed/);
  t.match(r.stdout, /Killed first when a node runs out of memory \(highest oom_score_adj\):\n {2}1000 {2}BestEffort {2}DaemonSet kube-system\/node-agent \(2 pods\): agent/);
  t.match(r.stdout, /Skipped 2 pods that ended \(1 Succeeded, 1 Failed\)\./);
  t.match(r.stdout, /Modelled Kubernetes 1\.33 on 2 nodes with 8Gi–64Gi memory.*\(--node\)\.\n$/);
});

t.test('every format lint has, and an explain-style table', async (t) => {
  const sarif = json(await cli(['audit', ...FILES, '--format', 'sarif']));
  const results = sarif.runs[0].results as Obj[];
  t.ok(results.length > 0);
  t.ok(results.every((x) => x.locations[0].physicalLocation.artifactLocation.uri === 'test/fixtures/audit/pods.json'));
  t.ok(results.some((x) => x.locations[0].logicalLocations[0].fullyQualifiedName === 'Deployment web/frontend, container frontend'), 'findings are named by their owner');
  t.ok(results.some((x) => / \(Deployment web\/frontend: 2 pods\)$/.test(x.message.text)));
  const junit = await cli(['audit', ...FILES, '--format', 'junit']);
  t.match(junit.stdout, /<testcase classname="test\/fixtures\/audit\/pods.json" name="Deployment web\/frontend"/);
  const github = await cli(['audit', ...FILES, '--format', 'github']);
  t.match(github.stdout, /^::error file=test\/fixtures\/audit\/pods\.json,line=\d+,title=oomguard memory-request-missing::container "frontend" has no memory request.* \(Deployment web\/frontend: 2 pods\)$/m);
  const table = await cli(['audit', ...FILES, '--format', 'table']);
  t.match(table.stdout, /CONTAINER +TYPE +MEMORY REQUEST +MEMORY LIMIT +QOS +OOM_SCORE_ADJ +TEMPLATE\n {2}frontend +container +- +- +Burstable +999 +1000\n {2}istio-proxy +container +128Mi +1Gi +Burstable +985 +added/);
  t.equal(table.code, 1);
});

t.test('lint --node and audit agree on the same Pods', async (t) => {
  const nodes = rel('nodes.json');
  const pods = rel('pods.json');
  const lint = json(oomguard(['lint', pods, '--node', nodes, '--kubernetes-version', '1.33', '--format', 'json']));
  const audit = json(await run(['audit', '--pods', pods, '--nodes', nodes, '--format', 'json']));
  const byPod = new Map<string, Obj>();
  for (const e of audit.objects) for (const n of e.nodes) for (const name of n.pods) byPod.set(`${e.namespace}/${name}`, { e, node: n });
  const items: Obj[] = load('pods.json').items;
  const ended = new Set(items.filter((p) => ['Succeeded', 'Failed'].includes(p.status.phase)).map((p) => p.metadata.name));
  const nodeNameOf = new Map(items.map((p) => [p.metadata.name, p.spec.nodeName ?? null]));
  const running = lint.objects.filter((o: Obj) => !ended.has(o.name));
  t.equal(running.length, 13);
  t.equal(byPod.size, 13, 'every running Pod is in one entry');
  const strip = (f: Obj) => ({ rule: f.rule, severity: f.severity, container: f.container, path: f.path, message: f.message });
  for (const o of running) {
    const found = byPod.get(`${o.namespace}/${o.name}`);
    if (!t.ok(found, `${o.namespace}/${o.name} is audited`)) continue;
    const { e, node } = found!;
    t.equal(e.qosClass, o.qosClass, `${o.name}: QoS class`);
    t.same(e.containers, o.containers, `${o.name}: containers, requests, limits and oom_score_adj`);
    t.same(e.findings.map(strip), o.findings.map(strip), `${o.name}: findings`);
    t.equal(node.name, nodeNameOf.get(o.name), `${o.name}: the node it runs on`);
    t.equal(node.memoryCapacity, o.node.memoryCapacity, `${o.name}: judged on the same capacity (${o.node.basis})`);
    if (e.name === o.name) t.same(e.node, o.node, `${o.name}: lint's node field, on the entry's first Pod`);
  }
});

t.test('usage errors are one line, exit 2', async (t) => {
  oneLineError(t, await cli(['audit', '--pods', rel('pods.json'), '-A']), /^oomguard: --all-namespaces is for reading the cluster; with --pods nothing is read from it$/);
  oneLineError(t, await cli(['audit', '--pods', rel('pods.json'), '-l', 'app=web']), /--selector is for reading the cluster.*kubectl get pods -l/);
  oneLineError(t, await cli(['audit', '-n', 'shop', '-A']), /--namespace and --all-namespaces are exclusive/);
  oneLineError(t, await cli(['audit', '--pods', rel('pods.json'), '--format', 'svg']), /unknown --format "svg" \(expected text, table, json, sarif, junit, github\)/);
  oneLineError(t, await cli(['audit', 'pods.json']), /unexpected argument "pods.json"/);
  oneLineError(t, await cli(['audit', '--pods', rel('pods.json'), '--nodes', rel('nodes.json'), '--node-memory', '8Gi']), /--nodes and --node-memory are exclusive/);
  oneLineError(t, await cli(['audit', '--pods', rel('pods.json'), '--replicasets', rel('nodes.json')]), /--replicasets .*nodes\.json: Node node-small is not a ReplicaSet/);
  oneLineError(t, await cli(['audit', '--pods', 'no-such.json']), /^oomguard: --pods no-such\.json: /);
});

t.test('from the cluster: the same report as from files, read in pages', async (t) => {
  const api = new AuditApiServer();
  api.load('pods', load('pods.json'));
  api.load('nodes', load('nodes.json'));
  api.load('replicasets', load('replicasets.json'));
  api.load('limitranges', load('limitranges.json'));
  await api.start();
  t.teardown(() => api.stop());
  const kubeconfig = api.kubeconfig(tmpDir('oomguard-audit-'));

  const r = await run(['audit', '--kubeconfig', kubeconfig, '-A', '--chunk-size', '4', '--format', 'json']);
  t.equal(r.code, 1, r.stderr);
  t.equal(r.stderr, '');
  const fromCluster = json(r);
  const podLists = api.requests.filter((q) => q.resource === 'pods');
  t.equal(podLists.length, 4, '15 Pods in pages of 4');
  t.same(podLists.map((q) => q.limit), ['4', '4', '4', '4']);
  t.equal(podLists[0].continue, null);
  t.ok(podLists.slice(1).every((q) => q.continue !== null), 'each next page asks with the continue token');
  t.same([...new Set(api.requests.map((q) => q.resource))], ['nodes', 'limitranges', 'replicasets', 'pods'], 'read-only: the four lists, nodes first');
  t.ok(api.requests.every((q) => q.namespace === null), '-A: at the cluster scope');
  t.ok(api.requests.every((q) => q.authorization === 'Bearer audit-token'), 'with the kubeconfig\'s credentials');

  const fromFiles = json(await run(['audit', ...FILES, '--format', 'json']));
  const comparable = (report: Obj) => ({
    ...report,
    node: { ...report.node, source: null },
    audit: { ...report.audit, source: null, context: null },
    objects: report.objects.map((o: Obj) => ({ ...o, file: null, line: null, itemPointer: null, findings: o.findings.map((f: Obj) => ({ ...f, line: null })) })),
  });
  t.same(comparable(fromCluster), comparable(fromFiles), 'the cluster and kubectl\'s JSON of it give the same report');
  t.match(fromCluster.audit, { source: 'cluster', context: 'loopback', namespace: null });
  t.ok(fromCluster.objects.every((o: Obj) => o.file === '<cluster>'));

  t.test('the context\'s namespace by default; -n and -l as kubectl', async (t) => {
    api.requests.length = 0;
    const text = await cli(['audit', '--kubeconfig', kubeconfig]);
    t.match(text.stdout, /Deployment shop\/api/);
    t.notMatch(text.stdout, /web\/frontend/);
    t.same(api.requests.map((q) => [q.resource, q.namespace]), [['nodes', null], ['limitranges', 'shop'], ['replicasets', 'shop'], ['pods', 'shop']], 'nodes are cluster-scoped');
    t.equal(api.requests.find((q) => q.resource === 'pods')!.limit, '500', 'pages of 500 by default');
    api.requests.length = 0;
    const web = json(await cli(['audit', '--kubeconfig', kubeconfig, '-n', 'web', '-l', 'app=cart', '--format', 'json']));
    t.same(web.objects.map((o: Obj) => o.owner.name), ['cart']);
    t.match(web.audit, { namespace: 'web', pods: 1 });
    t.equal(api.requests.find((q) => q.resource === 'pods')!.labelSelector, 'app=cart', 'the selector goes to the API server');
  });

  t.test('a missing permission names the verb and the resource', async (t) => {
    api.forbidden.add('pods');
    t.teardown(() => api.forbidden.clear());
    oneLineError(t, await cli(['audit', '--kubeconfig', kubeconfig, '-A']), /^oomguard: cannot list pods at the cluster scope: forbidden \(RBAC: grant list on pods; deploy\/audit has a ClusterRole\)$/);
    oneLineError(t, await cli(['audit', '--kubeconfig', kubeconfig]), /^oomguard: cannot list pods in namespace "shop": forbidden \(RBAC: grant list on pods in namespace shop;/);
    api.forbidden.add('nodes');
    oneLineError(t, await cli(['audit', '--kubeconfig', kubeconfig, '-A']), /cannot list nodes at the cluster scope: forbidden \(RBAC: grant list on nodes, or give --nodes FILE or --node-memory;/);
    api.forbidden.clear();
    api.forbidden.add('replicasets');
    oneLineError(t, await cli(['audit', '--kubeconfig', kubeconfig, '-A']), /cannot list replicasets at the cluster scope: forbidden \(RBAC: grant list on replicasets \(API group apps\), or give --replicasets FILE;/);
    const instead = await cli(['audit', '--kubeconfig', kubeconfig, '-A', '--replicasets', rel('replicasets.json'), '--format', 'json']);
    t.equal(instead.code, 1, 'a file instead of the list that is forbidden');
    t.equal(json(instead).audit.entries, 10);
  });

  t.test('an expired token', async (t) => {
    api.unauthorized = true;
    t.teardown(() => {
      api.unauthorized = false;
    });
    oneLineError(t, await cli(['audit', '--kubeconfig', kubeconfig, '-A']), /^oomguard: cannot list nodes at the cluster scope: unauthorized \(401: the API server refused the credentials of context "loopback"; an expired token\? log in again\)$/);
  });
});

t.test('an API server that cannot be reached, and no cluster at all', async (t) => {
  const api = new AuditApiServer();
  await api.start();
  const port = api.port;
  await api.stop();
  const dir = tmpDir('oomguard-audit-');
  const kubeconfig = api.kubeconfig(dir, 'shop', port);
  oneLineError(t, await cli(['audit', '--kubeconfig', kubeconfig]), new RegExp(`^oomguard: cannot reach the API server at http://127\\.0\\.0\\.1:${port} \\(context "loopback"\\): .*ECONNREFUSED`));
  oneLineError(t, await cli(['audit', '--kubeconfig', kubeconfig, '--context', 'prod']), /^oomguard: --context prod: no such context in the kubeconfig \(it has loopback\)$/);
  oneLineError(t, await cli(['audit', '--kubeconfig', path.join(dir, 'none')]), /^oomguard: --kubeconfig .*none: no such file$/);
  oneLineError(t, await run(['audit'], { HOME: dir }), /^oomguard: no cluster to read: no kubeconfig/);
});
