// judgeValidate directly (no HTTP): the prepared judge, the UPDATE fast path for an unchanged pod
// template, and rule crashes told apart from invalid input through the engine's data.
import t from 'tap';
import { judgeValidate, parseReview, prepareJudge } from '../../src/webhook/admission.js';
import type { JudgeSettings } from '../../src/webhook/admission.js';
import { nodeFactsFromCapacity } from '../../src/core/node.js';
import { rules } from '../../rules/index.js';
import { defineRule } from '../../rules/define-rule.js';
import { GI, deployment, review } from './helpers.js';

const node = nodeFactsFromCapacity(16n * GI, 'flag');
const settings: JudgeSettings = { mode: 'enforce', failurePolicy: 'Ignore', kubernetesVersion: '1.37', featureGates: {}, rules };
const judge = prepareJudge(settings);
const decide = (object: unknown, extra: Record<string, unknown> = {}, j = judge) => judgeValidate(parseReview(review(object, extra)), () => node, j);

const container = (memory: string) => ({ name: 'app', image: 'x', env: [{ name: 'A', value: '1' }], resources: { requests: { memory, cpu: '1' }, limits: { memory, cpu: '1' } } });

t.test('UPDATE with the pod template as it was: allowed without linting, key order aside', async (t) => {
  const old = deployment([container('1Gi'), { name: 'b' }]);
  const scaled = deployment([{ resources: container('1Gi').resources, env: [{ value: '1', name: 'A' }], image: 'x', name: 'app' }, { name: 'b' }]);
  (scaled.spec as Record<string, unknown>).replicas = 5;
  const same = decide(scaled, { operation: 'UPDATE', oldObject: old });
  t.match(same, { decision: 'allow', reason: 'pod template unchanged' });

  const changed = [
    deployment([container('2Gi'), { name: 'b' }]),
    deployment([container('1Gi'), { name: 'b', image: 'y' }]),
    deployment([container('1Gi')]),
    deployment([{ ...container('1Gi'), env: [{ name: 'A', value: '1', extra: null }] }, { name: 'b' }]),
    deployment([{ ...container('1Gi'), env: { name: 'A', value: '1' } }, { name: 'b' }]),
  ];
  for (const object of changed) t.not(decide(object, { operation: 'UPDATE', oldObject: old }).reason, 'pod template unchanged');

  // Past the recursion budget the comparison goes on iteratively.
  let deep: unknown = 'bottom';
  for (let i = 0; i < 200; i++) deep = { d: [deep] };
  const deepPod = (v: unknown) => deployment([container('1Gi')], 'web', { volumes: [{ name: 'v', deep: v }] });
  t.match(decide(deepPod(deep), { operation: 'UPDATE', oldObject: deepPod(JSON.parse(JSON.stringify(deep))) }), { reason: 'pod template unchanged' });
  t.not(decide(deepPod(deep), { operation: 'UPDATE', oldObject: deepPod({ d: [deep] }) }).reason, 'pod template unchanged');
});

t.test('a rule crash follows the failure policy; invalid input is still invalid', async (t) => {
  const crashing = defineRule({ ...rules[0], meta: { ...rules[0].meta, id: 'always-throws' }, check: () => { throw new Error('boom'); } });
  const fail = prepareJudge({ ...settings, failurePolicy: 'Fail', rules: [...rules, crashing] });
  const crash = decide(deployment([container('1Gi')]), {}, fail);
  t.match(crash, { decision: 'fail-closed', reason: 'internal error in rule always-throws: boom' });
  t.equal(crash.response.status?.code, 500);
  const invalid = decide(deployment([{ name: 'app', resources: { limits: { memory: '1GB' } } }]), {}, fail);
  t.equal(invalid.decision, 'invalid', 'invalid input is never checked by the rules, so no crash');
  t.equal(invalid.response.status?.code, 422);
  const ignore = prepareJudge({ ...settings, rules: [...rules, crashing] });
  t.match(decide(deployment([container('1Gi')]), {}, ignore), { decision: 'fail-open', response: { allowed: true } });
});

t.test('a pod judged on the node the placement rule chose: its capacity, and node-not-found when its node is not known', async (t) => {
  const { StaticNodeView } = await import('../../src/webhook/plugins/node-cache.js');
  const nodeObject = (name: string, memory: string) => ({ object: { apiVersion: 'v1', kind: 'Node', metadata: { name }, status: { capacity: { memory }, allocatable: { memory } } }, pointer: '' });
  const view = new StaticNodeView({ nodes: [nodeObject('small-1', '4Gi'), nodeObject('big-1', '64Gi')], source: 'node-file' });
  const pod = (nodeName: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { nodeName, containers: [{ name: 'app', image: 'x', resources: { requests: { memory: '1Gi' }, limits: { memory: '2Gi' } } }] },
  });
  const warn = prepareJudge({ ...settings, mode: 'warn' });
  const judged = (nodeName: string) => judgeValidate(parseReview(review(pod(nodeName))), (p) => view.place(p), warn);
  const bound = judged('big-1');
  t.notOk(JSON.stringify(bound.response).includes('node-not-found'), 'a known node: no node-not-found');
  const lost = JSON.stringify(judged('gone-3').response);
  t.match(lost, /spec\.nodeName \\?"gone-3\\?" is not among the given nodes/, 'an unknown node is said');
});
