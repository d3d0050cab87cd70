// The audit's grouping, in process: Pods of one owner are one entry per distinct result (so 500
// replicas are not 500 findings, and replicas whose numbers differ are not hidden), ended Pods
// are skipped and counted, status.qosClass is checked against oomguard's own class.
import t from 'tap';
import { Auditor } from '../../src/audit/auditor.js';
import { ReplicaSetIndex } from '../../src/audit/owner.js';
import { NO_ADMISSION, prepareLinter } from '../../src/engine/lint.js';
import { NodePool, fixedPlacer } from '../../src/core/placement.js';
import { defaultNodeFacts } from '../../src/core/node.js';
import type { NodePlacer } from '../../src/core/placement.js';
import type { SourceObject } from '../../src/input/types.js';
import { rules } from '../../rules/index.js';

type Obj = Record<string, any>;

const linter = prepareLinter({ kubernetesVersion: '1.33', rules });

function node(name: string, memory: string): Obj {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: {} }, status: { capacity: { memory }, allocatable: { memory } } };
}
const pool = new NodePool([{ object: node('small', '8Gi') }, { object: node('big', '64Gi') }], 'cluster');

function source(object: Obj, i = 0): SourceObject {
  return { file: 'pods.json', document: 0, itemPointer: `/items/${i}`, line: 1 + i * 10, object, lineOf: () => 1 + i * 10 };
}

const burstable = [{ name: 'app', resources: { requests: { memory: '1Gi' }, limits: { memory: '2Gi' } } }];
const guaranteed = [{ name: 'app', resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }];

function pod(name: string, nodeName: string | null, containers: Obj[], opts: { owner?: [string, string]; phase?: string; qos?: string; hash?: string; namespace?: string } = {}): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: opts.namespace ?? 'shop',
      labels: opts.hash === undefined ? {} : { 'pod-template-hash': opts.hash },
      ...(opts.owner === undefined ? {} : { ownerReferences: [{ apiVersion: 'apps/v1', kind: opts.owner[0], name: opts.owner[1], controller: true }] }),
    },
    spec: { ...(nodeName === null ? {} : { nodeName }), containers },
    status: { phase: opts.phase ?? 'Running', ...(opts.qos === undefined ? {} : { qosClass: opts.qos }) },
  };
}

function audit(pods: Obj[], placer: NodePlacer = pool, replicaSets: ReplicaSetIndex | null = null, pageSize = 2) {
  const auditor = new Auditor({ linter, placer, admission: NO_ADMISSION, replicaSets, noReplicaSets: 'no --replicasets given' });
  const sources = pods.map(source);
  for (let i = 0; i < sources.length; i += pageSize) auditor.addPods(sources.slice(i, i + pageSize));
  return auditor.finish();
}

t.test('500 replicas on one node size are one entry, whatever the page size', async (t) => {
  const pods = Array.from({ length: 500 }, (_, i) => pod(`api-5d8f7c9b6-${i}`, i % 2 === 0 ? 'small' : 'small', burstable, { owner: ['ReplicaSet', 'api-5d8f7c9b6'], hash: '5d8f7c9b6' }));
  for (const pageSize of [1, 7, 500]) {
    const r = audit(pods, pool, null, pageSize);
    t.equal(r.entries.length, 1, `page size ${pageSize}`);
    const e = r.entries[0];
    t.match(e.owner, { kind: 'Deployment', name: 'api', basis: 'pod-template-hash' });
    t.equal(e.replicas, 500);
    t.equal(e.ownerReplicas, 500);
    t.same(e.nodes.map((n) => [n.name, n.pods.length]), [['small', 500]]);
    t.equal(e.object.name, 'api-5d8f7c9b6-0', 'the first Pod represents the entry');
    t.match(e.template, { read: false, reason: /no --replicasets given/ });
  }
});

t.test('replicas whose oom_score_adj differs by node are split, never hidden; equal numbers on other sizes are not', async (t) => {
  const r = audit([
    pod('b-0', 'small', burstable, { owner: ['StatefulSet', 'b'] }),
    pod('b-1', 'big', burstable, { owner: ['StatefulSet', 'b'] }),
    pod('b-2', 'small', burstable, { owner: ['StatefulSet', 'b'] }),
    pod('g-0', 'small', guaranteed, { owner: ['StatefulSet', 'g'] }),
    pod('g-1', 'big', guaranteed, { owner: ['StatefulSet', 'g'] }),
  ]);
  const b = r.entries.filter((e) => e.owner.name === 'b');
  t.equal(b.length, 2, 'Burstable on 8Gi and 64Gi: two results');
  t.same(b.map((e) => [e.index, e.of, e.replicas, e.ownerReplicas, e.object.workload!.analysis.containers[0].oomScoreAdj]), [
    [1, 2, 2, 3, 875],
    [2, 2, 1, 3, 985],
  ]);
  t.same(b[0].nodes.map((n) => n.pods), [['b-0', 'b-2']]);
  const g = r.entries.filter((e) => e.owner.name === 'g');
  t.equal(g.length, 1, 'Guaranteed: -997 on both nodes, one entry');
  t.same(g[0].nodes.map((n) => [n.name, n.memoryCapacity]), [['small', 8n * 1024n ** 3n], ['big', 64n * 1024n ** 3n]]);
  t.equal(r.owners, 2);
});

t.test('Pods that ended are skipped and counted; Pending ones are judged; other kinds and namespaces are counted', async (t) => {
  const auditor = new Auditor({ linter, placer: pool, admission: NO_ADMISSION, replicaSets: null, noReplicaSets: '-', namespace: 'shop' });
  auditor.addPods(
    [
      pod('done', 'small', burstable, { phase: 'Succeeded' }),
      pod('crashed', 'small', burstable, { phase: 'Failed' }),
      pod('crashed-too', 'big', burstable, { phase: 'Failed' }),
      pod('waiting', null, burstable, { phase: 'Pending' }),
      pod('elsewhere', 'small', burstable, { namespace: 'web' }),
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } },
    ].map(source),
  );
  const r = auditor.finish();
  t.same(r.counts, { pods: 5, audited: 1, skipped: { Succeeded: 1, Failed: 2 }, invalid: 0, otherObjects: 1, otherNamespaces: 1 });
  t.same(r.entries.map((e) => [e.object.name, e.nodes[0].name]), [['waiting', null]], 'a Pending Pod: no node yet, judged on the smallest');
});

t.test('status.qosClass against oomguard\'s own class', async (t) => {
  const r = audit([
    pod('agrees', 'small', guaranteed, { qos: 'Guaranteed' }),
    pod('disagrees', 'small', guaranteed, { qos: 'Burstable' }),
    pod('none', 'small', guaranteed),
  ]);
  const check = Object.fromEntries(r.entries.map((e) => [e.object.name, e.qos]));
  t.same(check.agrees, { status: 'Guaranteed', computed: 'Guaranteed', agrees: true });
  t.same(check.disagrees, { status: 'Burstable', computed: 'Guaranteed', agrees: false });
  t.same(check.none, { status: null, computed: 'Guaranteed', agrees: true });
  const disagrees = r.entries.find((e) => e.object.name === 'disagrees')!;
  t.equal(disagrees.object.workload!.analysis.qosClass, 'Burstable', 'the numbers follow the stored class, as the kubelet does (>= 1.29)');
  t.equal(disagrees.object.workload!.analysis.containers[0].oomScoreAdj, 875);
});

t.test('an invalid Pod is an error line, not an entry', async (t) => {
  const r = audit([pod('bad', 'small', [{ name: 'app', resources: { requests: { memory: '1GB' } } }]), pod('good', 'small', burstable)]);
  t.equal(r.counts.invalid, 1);
  t.equal(r.errors.length, 1);
  t.match(r.errors[0], { file: 'pods.json', message: /Pod bad: .*1GB/ });
  t.same(r.entries.map((e) => e.object.name), ['good']);
});

t.test('templates come from the ReplicaSets read; other owners say theirs was not read', async (t) => {
  const index = new ReplicaSetIndex();
  index.add({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web-abc', namespace: 'shop', ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }] },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'app' }] } } },
  });
  const istio = { name: 'istio-proxy', resources: { requests: { memory: '128Mi' }, limits: { memory: '1Gi' } } };
  const r = audit([pod('web-abc-1', 'small', [{ name: 'app' }, istio], { owner: ['ReplicaSet', 'web-abc'] }), pod('db-0', 'small', guaranteed, { owner: ['StatefulSet', 'db'] })], fixedPlacer(defaultNodeFacts()), index);
  const web = r.entries.find((e) => e.owner.name === 'web')!;
  t.match(web.template, { read: true, source: 'ReplicaSet shop/web-abc', diff: { numbersDiffer: true, differences: [{ change: 'container-added', container: 'istio-proxy' }] } });
  const db = r.entries.find((e) => e.owner.name === 'db')!;
  t.match(db.template, { read: false, reason: /StatefulSet templates are not read/ });
});
