// LimitRanges in the lint pipeline: they act on the Pods every workload kind's template produces,
// in the workload's namespace only (a namespace-less object lands in the default one), and the
// template as written is never changed.
import t from 'tap';
import { lintObjects, limitRangesOf } from '../../src/engine/lint.js';
import type { AdmissionContext } from '../../src/engine/lint.js';
import { parseText } from '../../src/input/parse.js';
import { parseLimitRange } from '../../src/core/limit-range.js';
import { nodeFactsFromCapacity } from '../../src/core/node.js';
import { rules } from '../../rules/index.js';

const GI = 1024n ** 3n;
const MI = 1024n ** 2n;
const node = nodeFactsFromCapacity(8n * GI, 'flag');

const lr = (namespace: string | undefined, name: string) =>
  parseLimitRange(
    { apiVersion: 'v1', kind: 'LimitRange', metadata: { name, ...(namespace ? { namespace } : {}) }, spec: { limits: [{ type: 'Container', default: { memory: '512Mi' }, defaultRequest: { memory: '256Mi' } }] } },
    'default',
  );
const admission = (defaultNamespace = 'default'): AdmissionContext => ({
  defaultNamespace,
  limitRanges: new Map([
    ['team', [lr('team', 'defaults')]],
    ['default', [lr(undefined, 'fallback')]],
  ]),
});

const podSpec = { containers: [{ name: 'app', image: 'x' }], initContainers: [{ name: 'init', image: 'x' }] };
const template = { metadata: { labels: { app: 'w' } }, spec: podSpec };
const KINDS: Array<[string, string, Record<string, unknown>]> = [
  ['v1', 'Pod', { spec: podSpec }],
  ['v1', 'PodTemplate', { template }],
  ['apps/v1', 'Deployment', { spec: { selector: {}, template } }],
  ['apps/v1', 'StatefulSet', { spec: { selector: {}, serviceName: 'w', template } }],
  ['apps/v1', 'DaemonSet', { spec: { selector: {}, template } }],
  ['apps/v1', 'ReplicaSet', { spec: { selector: {}, template } }],
  ['v1', 'ReplicationController', { spec: { template } }],
  ['batch/v1', 'Job', { spec: { template } }],
  ['batch/v1', 'CronJob', { spec: { schedule: '@daily', jobTemplate: { spec: { template } } } }],
];

t.test('every workload kind: the Pods of its template get the namespace\'s defaults', async (t) => {
  for (const [apiVersion, kind, body] of KINDS) {
    for (const [namespace, expected] of [['team', 'team/defaults'], [undefined, 'default/fallback'], ['other', null]] as const) {
      const object = { apiVersion, kind, metadata: { name: 'w', ...(namespace ? { namespace } : {}) }, ...body };
      const text = JSON.stringify(object);
      const parsed = parseText(text, 'w.json');
      const result = lintObjects(parsed.objects, { kubernetesVersion: '1.37', node, rules, admission: admission() });
      const a = result.objects[0].workload!.analysis;
      const label = `${kind} in ${namespace ?? '(no namespace)'}`;
      t.same(
        a.containers.map((c) => [c.name, c.memoryRequest, c.memoryLimit, c.setByLimitRange?.requests.memory ?? null]),
        expected === null
          ? [['init', null, null, null], ['app', null, null, null]]
          : [['init', 256n * MI, 512n * MI, expected], ['app', 256n * MI, 512n * MI, expected]],
        label,
      );
      t.equal(a.qosClass, expected === null ? 'BestEffort' : 'Burstable', label);
      t.equal(JSON.stringify(parsed.objects[0].object), text, `${label}: the object as written is not changed`);
    }
  }
});

t.test('--namespace: objects without one land there', async (t) => {
  const object = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: podSpec };
  t.equal(limitRangesOf(object, admission('team'))[0].id, 'team/defaults');
  t.equal(limitRangesOf(object, admission())[0].id, 'default/fallback');
  t.same(limitRangesOf({ ...object, metadata: { name: 'p', namespace: 'other' } }, admission('team')), []);
});
