// defaultedPodObject: the pod object as the API server stores it after defaulting, which the rules
// read (qos-class explains and fixes from it). Pod-level values are the model's defaulted
// quantities: a request defaults to the containers' aggregate, not always to the pod-level limit.
import t from 'tap';
import { analyzePod, defaultedPodObject } from '../../src/core/analyze-pod.js';
import { resolveFeatureGates } from '../../src/core/versions.js';
import type { PodLike } from '../../src/core/types.js';
import { parseLimitRange } from '../../src/core/limit-range.js';

const GI = 1024n ** 3n;

function defaulted(pod: PodLike, version: string): Record<string, unknown> {
  const analysis = analyzePod(pod, { version, gates: resolveFeatureGates(version, {}), memoryCapacity: 16n * GI });
  return defaultedPodObject(pod, analysis).spec as Record<string, unknown>;
}

const container = (resources: Record<string, unknown>) => ({ name: 'c', image: 'x', resources });

t.test('container requests copied from limits', async (t) => {
  const pod: PodLike = { spec: { containers: [container({ limits: { memory: '1Gi' } })] } };
  t.same((defaulted(pod, '1.37').containers as Array<{ resources: unknown }>)[0].resources, { limits: { memory: '1Gi' }, requests: { memory: '1Gi' } });
  t.same(pod, { spec: { containers: [container({ limits: { memory: '1Gi' } })] } }, 'the input is not changed');
});

t.test('pod-level requests without pod-level limits: the missing request is the containers\' aggregate', async (t) => {
  // This crashed before ("reading 'memory'" of undefined limits).
  const pod: PodLike = { spec: { resources: { requests: { cpu: '1' } }, containers: [container({ requests: { memory: '1Gi' } }), { ...container({ requests: { memory: '512Mi' } }), name: 'd' }] } };
  t.same(defaulted(pod, '1.37').resources, { requests: { cpu: '1', memory: '1536Mi' } });
  t.same(defaulted(pod, '1.36').resources, { requests: { cpu: '1' } }, '1.36: pod-level defaulting needs a pod-level limit');
});

t.test('pod-level limit only: the request is the limit (1.36), or the aggregate of container requests (1.37)', async (t) => {
  const pod: PodLike = { spec: { resources: { limits: { memory: '2Gi' } }, containers: [container({ requests: { memory: '1Gi' } })] } };
  t.same(defaulted(pod, '1.36').resources, { limits: { memory: '2Gi' }, requests: { memory: '1Gi' } }, 'containers request memory: their aggregate');
  const noRequests: PodLike = { spec: { resources: { limits: { memory: '2Gi' } }, containers: [container({})] } };
  t.same(defaulted(noRequests, '1.36').resources, { limits: { memory: '2Gi' }, requests: { memory: '2Gi' } }, 'no container requests: the pod-level limit');
});

t.test('1.37: a missing pod-level limit becomes the aggregated container limits when every container sets one', async (t) => {
  const pod: PodLike = {
    spec: {
      resources: { requests: { memory: '1Gi' } },
      containers: [container({ requests: { memory: '512Mi' }, limits: { memory: '1Gi' } }), { ...container({ limits: { memory: '2Gi' } }), name: 'd' }],
    },
  };
  t.same(defaulted(pod, '1.37').resources, { requests: { memory: '1Gi' }, limits: { memory: '3Gi' } });
  t.same(defaulted(pod, '1.36').resources, { requests: { memory: '1Gi' } }, '1.36: no pod-level limit defaulting');
});

t.test('nothing defaulted: the same object', async (t) => {
  const pod: PodLike = { spec: { containers: [container({ requests: { memory: '1Gi' }, limits: { memory: '1Gi' } })] } };
  const analysis = analyzePod(pod, { version: '1.37', gates: resolveFeatureGates('1.37', {}), memoryCapacity: 16n * GI });
  t.equal(defaultedPodObject(pod, analysis), pod);
});

t.test('values a LimitRange filled in are in the defaulted pod, canonical; the input is not changed', async (t) => {
  const limitRanges = [
    parseLimitRange({ kind: 'LimitRange', metadata: { name: 'd', namespace: 'n' }, spec: { limits: [{ type: 'Container', default: { memory: '0.5Gi' }, defaultRequest: { cpu: '100m' } }] } }, 'default'),
  ];
  const pod: PodLike = { spec: { containers: [container({ requests: { memory: '256Mi' } }), { name: 'bare', image: 'x' }] } };
  const analysis = analyzePod(pod, { version: '1.37', gates: resolveFeatureGates('1.37', {}), memoryCapacity: 16n * GI, limitRanges });
  const spec = defaultedPodObject(pod, analysis).spec as { containers: Array<{ resources: unknown }> };
  t.same(spec.containers[0].resources, { requests: { memory: '256Mi', cpu: '100m' }, limits: { memory: '512Mi' } });
  t.same(spec.containers[1].resources, { requests: { cpu: '100m', memory: '512Mi' }, limits: { memory: '512Mi' } });
  t.same(pod.spec!.containers![1], { name: 'bare', image: 'x' });
});
