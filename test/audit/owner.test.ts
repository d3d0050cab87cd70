// Who a running Pod belongs to: the table of ownership chains `oomguard audit` groups by.
import t from 'tap';
import { ReplicaSetIndex, ownerOf } from '../../src/audit/owner.js';
import type { Owner } from '../../src/audit/owner.js';

type Obj = Record<string, unknown>;

function ref(kind: string, name: string, controller = true): Obj {
  return { apiVersion: kind === 'Job' ? 'batch/v1' : 'apps/v1', kind, name, uid: `uid-${name}`, controller };
}

function pod(name: string, refs: Obj[] = [], labels: Record<string, string> = {}, namespace: string | null = 'shop'): Obj {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, ...(namespace === null ? {} : { namespace }), labels, ownerReferences: refs }, spec: { containers: [] } };
}

function replicaSet(name: string, owner: Obj | null, replicas = 1, statusReplicas = replicas): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'shop', ...(owner === null ? {} : { ownerReferences: [owner] }) },
    spec: { replicas, template: { spec: { containers: [{ name: 'app' }] } } },
    status: { replicas: statusReplicas },
  };
}

const index = new ReplicaSetIndex();
index.add(replicaSet('api-5d8f7c9b6', ref('Deployment', 'api')));
index.add(replicaSet('lonely-rs', null));
index.add(replicaSet('rollout-7c9d', ref('Rollout', 'canary')));
index.add(replicaSet('old-api-1234', ref('Deployment', 'api'), 0, 0));

const hash = { 'pod-template-hash': '5d8f7c9b6' };

const cases: Array<{ name: string; pod: Obj; index: ReplicaSetIndex | null; want: Partial<Owner> }> = [
  { name: 'ReplicaSet → Deployment through the ReplicaSet read', pod: pod('api-5d8f7c9b6-x', [ref('ReplicaSet', 'api-5d8f7c9b6')], hash), index, want: { kind: 'Deployment', name: 'api', replicaSet: 'api-5d8f7c9b6', basis: 'replicaset' } },
  { name: 'ReplicaSet → Deployment from pod-template-hash (no ReplicaSets read)', pod: pod('api-5d8f7c9b6-x', [ref('ReplicaSet', 'api-5d8f7c9b6')], hash), index: null, want: { kind: 'Deployment', name: 'api', replicaSet: 'api-5d8f7c9b6', basis: 'pod-template-hash' } },
  { name: 'a ReplicaSet not among those read: pod-template-hash', pod: pod('web-5d8f7c9b6-x', [ref('ReplicaSet', 'web-5d8f7c9b6')], hash), index, want: { kind: 'Deployment', name: 'web', basis: 'pod-template-hash' } },
  { name: 'a ReplicaSet whose name does not end in the hash stays a ReplicaSet', pod: pod('x', [ref('ReplicaSet', 'frontend')], hash), index: null, want: { kind: 'ReplicaSet', name: 'frontend', replicaSet: 'frontend', basis: 'pod' } },
  { name: 'a ReplicaSet without an owner', pod: pod('lonely-rs-x', [ref('ReplicaSet', 'lonely-rs')]), index, want: { kind: 'ReplicaSet', name: 'lonely-rs', replicaSet: 'lonely-rs', basis: 'pod' } },
  { name: 'a ReplicaSet owned by another controller (an Argo Rollout)', pod: pod('r-x', [ref('ReplicaSet', 'rollout-7c9d')]), index, want: { kind: 'Rollout', name: 'canary', basis: 'replicaset' } },
  { name: 'a ReplicaSet scaled to 0 is not kept: hash inference', pod: pod('old-api-1234-x', [ref('ReplicaSet', 'old-api-1234')], { 'pod-template-hash': '1234' }), index, want: { kind: 'Deployment', name: 'old-api', basis: 'pod-template-hash' } },
  { name: 'StatefulSet', pod: pod('db-0', [ref('StatefulSet', 'db')]), index, want: { kind: 'StatefulSet', name: 'db', replicaSet: null, basis: 'pod' } },
  { name: 'DaemonSet', pod: pod('agent-x', [ref('DaemonSet', 'agent')]), index, want: { kind: 'DaemonSet', name: 'agent', basis: 'pod' } },
  { name: 'Job', pod: pod('report-x', [ref('Job', 'report')]), index, want: { kind: 'Job', name: 'report', basis: 'pod' } },
  { name: 'a mirror Pod (owned by its Node) stands alone', pod: pod('kube-apiserver-n1', [{ apiVersion: 'v1', kind: 'Node', name: 'n1', controller: true }], {}, 'kube-system'), index, want: { kind: 'Pod', name: 'kube-apiserver-n1', basis: 'none' } },
  { name: 'a bare Pod stands alone', pod: pod('debug'), index, want: { kind: 'Pod', name: 'debug', basis: 'none' } },
  { name: 'an owner reference that is not the controller is no owner', pod: pod('x', [ref('StatefulSet', 'db', false)]), index, want: { kind: 'Pod', name: 'x', basis: 'none' } },
  { name: 'a Pod without a namespace is in the default one', pod: pod('x', [], {}, null), index, want: { kind: 'Pod', namespace: 'team' } },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    t.match(ownerOf(c.pod, c.index, 'team'), c.want);
  });
}

t.test('the index keeps ReplicaSets that may have Pods, and refuses other kinds', async (t) => {
  const i = new ReplicaSetIndex('default');
  t.equal(i.add(replicaSet('a', null)), true);
  t.equal(i.add(replicaSet('scaled-down-but-running', null, 0, 2)), true);
  t.equal(i.add(replicaSet('gone', null, 0, 0)), true, 'a ReplicaSet scaled to 0 is one, just not kept');
  t.equal(i.add({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } }), false);
  t.equal(i.size, 2);
  t.ok(i.get('shop', 'scaled-down-but-running'));
  t.notOk(i.get('shop', 'gone'));
});
