// LimitRanger admission in the model (../shared/kubernetes/limitrange.md): each default path, each
// refusal, several LimitRanges, init containers and sidecars, static pods, pod-level resources on
// either side of 1.37, and the LimitRange object's own validation. Expected values are worked out
// by hand from the Kubernetes sources cited in src/core/limit-range.ts, not read back from the code.
import t from 'tap';
import { analyzePod } from '../../src/core/analyze-pod.js';
import { parseLimitRange } from '../../src/core/limit-range.js';
import { SpecError } from '../../src/core/pod.js';
import { resolveFeatureGates, SUPPORTED_VERSIONS } from '../../src/core/versions.js';
import type { LimitRange, PodLike, PodResult } from '../../src/core/types.js';

const MI = 1024n ** 2n;
const GI = 1024n ** 3n;
const CAPACITY = 8n * GI;

function limitRange(name: string, limits: unknown[], namespace = 'team'): LimitRange {
  return parseLimitRange({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name, namespace }, spec: { limits } }, 'default');
}
const containerItem = (fields: Record<string, unknown>) => ({ type: 'Container', ...fields });
const podItem = (fields: Record<string, unknown>) => ({ type: 'Pod', ...fields });

function run(pod: PodLike, limitRanges: LimitRange[], version = '1.37', gates: Record<string, boolean> = {}): PodResult {
  return analyzePod(pod, { version, gates: resolveFeatureGates(version, gates), memoryCapacity: CAPACITY, limitRanges }).result;
}
const bare = (name = 'app') => ({ name, image: 'x' });
const withResources = (name: string, resources: Record<string, unknown>) => ({ name, image: 'x', resources });
const podOf = (...containers: unknown[]): PodLike => ({ spec: { containers: containers as never } });

// 1000 - 1000*request/8Gi, integer division (pkg/kubelet/qos/policy.go).
const ADJ_256MI = 969; // 1000*256Mi/8Gi = 31.25
const ADJ_512MI = 938; // 62.5
const ADJ_1GI = 875; // 125

t.test('SetDefaults_LimitRangeItem: what a bare container receives from each shape of Container item', async (t) => {
  const cases: Array<{ item: Record<string, unknown>; request: bigint | null; limit: bigint | null; qos: string; adj: number }> = [
    { item: { defaultRequest: { memory: '256Mi' } }, request: 256n * MI, limit: null, qos: 'Burstable', adj: ADJ_256MI },
    { item: { default: { memory: '512Mi' } }, request: 512n * MI, limit: 512n * MI, qos: 'Burstable', adj: ADJ_512MI },
    { item: { max: { memory: '1Gi' } }, request: GI, limit: GI, qos: 'Burstable', adj: ADJ_1GI },
    { item: { min: { memory: '256Mi' } }, request: 256n * MI, limit: null, qos: 'Burstable', adj: ADJ_256MI },
    { item: { min: { memory: '256Mi' }, max: { memory: '1Gi' } }, request: GI, limit: GI, qos: 'Burstable', adj: ADJ_1GI },
    { item: { default: { memory: '1Gi' }, defaultRequest: { memory: '256Mi' } }, request: 256n * MI, limit: GI, qos: 'Burstable', adj: ADJ_256MI },
    // cpu and memory with request = limit: Guaranteed.
    { item: { default: { cpu: '500m', memory: '512Mi' } }, request: 512n * MI, limit: 512n * MI, qos: 'Guaranteed', adj: -997 },
    // Only resources that do not count for QoS: still BestEffort.
    { item: { default: { 'ephemeral-storage': '1Gi' } }, request: null, limit: null, qos: 'BestEffort', adj: 1000 },
  ];
  for (const c of cases) {
    const name = JSON.stringify(c.item);
    for (const version of ['1.25', '1.31', '1.37']) {
      const r = run(podOf(bare()), [limitRange('defaults', [containerItem(c.item)])], version);
      t.equal(r.containers[0].memoryRequest, c.request, `${name} ${version}: request`);
      t.equal(r.containers[0].memoryLimit, c.limit, `${name} ${version}: limit`);
      t.equal(r.qosClass, c.qos, `${name} ${version}: QoS`);
      t.equal(r.containers[0].oomScoreAdj, c.adj, `${name} ${version}: oom_score_adj`);
      t.same(r.limitRanges.refusals, [], `${name} ${version}: not refused`);
    }
  }
});

t.test('without LimitRanges nothing changes, and the marks say who set what', async (t) => {
  const lr = limitRange('mem', [containerItem({ default: { memory: '512Mi' }, defaultRequest: { memory: '256Mi' } })]);
  const none = run(podOf(bare()), []);
  t.equal(none.qosClass, 'BestEffort');
  t.equal(none.containers[0].setByLimitRange, null);
  const r = run(podOf(bare()), [lr]);
  t.same(r.containers[0].setByLimitRange, { requests: { memory: 'team/mem' }, limits: { memory: 'team/mem' } });
});

t.test('a limit without a request is already a request when LimitRanger runs (docs example, issue #51430)', async (t) => {
  const lr = limitRange('mem', [containerItem({ default: { memory: '512Mi' }, defaultRequest: { memory: '256Mi' } })]);
  const r = run(podOf(withResources('app', { limits: { memory: '1Gi' } })), [lr]);
  t.equal(r.containers[0].memoryRequest, GI, 'request = own limit, not defaultRequest');
  t.equal(r.containers[0].memoryLimit, GI);
  t.equal(r.containers[0].memoryRequestDefaulted, true);
  t.equal(r.containers[0].setByLimitRange, null, 'the LimitRange set nothing');
});

t.test('an explicit 0 is present, so it is kept', async (t) => {
  const lr = limitRange('mem', [containerItem({ default: { memory: '512Mi' }, defaultRequest: { memory: '256Mi' } })]);
  const r = run(podOf(withResources('app', { requests: { memory: '0' } })), [lr]);
  t.equal(r.containers[0].memoryRequest, null, 'zero request kept (reported as unset)');
  t.equal(r.containers[0].memoryLimit, 512n * MI);
  t.same(r.containers[0].setByLimitRange, { requests: {}, limits: { memory: 'team/mem' } });
});

t.test('a request above the default limit: the Pod is invalid (422), the container values are still reported', async (t) => {
  const lr = limitRange('cpu', [containerItem({ default: { cpu: '500m' }, defaultRequest: { cpu: '100m' } })]);
  const r = run(podOf(withResources('app', { requests: { cpu: '700m', memory: '1Gi' } })), [lr]);
  t.same(r.limitRanges.refusals, [
    {
      limitRange: 'team/cpu',
      status: 422,
      scope: 'Container',
      constraint: 'requestWithinLimit',
      resource: 'cpu',
      container: { name: 'app', specPointer: '/containers/0' },
      message: 'spec.containers[0].resources.requests: Invalid value: "700m": must be less than or equal to cpu limit of 500m',
      invalid: { defaulted: 'limit', request: '700m', limit: '500m' },
    },
  ]);
});

t.test('init containers and sidecars are defaulted, as regular containers are', async (t) => {
  const lr = limitRange('mem', [containerItem({ default: { memory: '512Mi' }, defaultRequest: { memory: '256Mi' } })]);
  const pod: PodLike = {
    spec: {
      initContainers: [bare('setup'), { ...bare('proxy'), restartPolicy: 'Always' }],
      containers: [bare('app')],
    },
  };
  const r = run(pod, [lr], '1.37');
  t.same(
    r.containers.map((c) => [c.name, c.type, c.memoryRequest, c.memoryLimit, c.oomScoreAdj]),
    [
      ['setup', 'init', 256n * MI, 512n * MI, ADJ_256MI],
      ['proxy', 'sidecar', 256n * MI, 512n * MI, ADJ_256MI],
      ['app', 'container', 256n * MI, 512n * MI, ADJ_256MI],
    ],
  );
});

t.test('static pods never pass admission: their LimitRange namespace does not apply', async (t) => {
  const lr = limitRange('mem', [containerItem({ default: { memory: '512Mi' } })]);
  const pod: PodLike = { metadata: { annotations: { 'kubernetes.io/config.source': 'file' } }, spec: { containers: [bare()] } };
  const r = run(pod, [lr]);
  t.equal(r.qosClass, 'BestEffort');
  t.equal(r.containers[0].setByLimitRange, null);
});

t.test('several LimitRanges: each fills what is still missing; disagreements are reported', async (t) => {
  const cpu = limitRange('cpu', [containerItem({ default: { cpu: '1' }, defaultRequest: { cpu: '250m' } })]);
  const mem = limitRange('mem', [containerItem({ default: { memory: '1Gi' }, defaultRequest: { memory: '512Mi' } })]);
  const combined = run(podOf(bare()), [cpu, mem]);
  t.equal(combined.containers[0].memoryRequest, 512n * MI);
  t.equal(combined.containers[0].cpuRequest, 250n);
  t.same(combined.containers[0].setByLimitRange, { requests: { cpu: 'team/cpu', memory: 'team/mem' }, limits: { cpu: 'team/cpu', memory: 'team/mem' } });
  t.same(combined.limitRanges.conflicts, []);

  const small = limitRange('small', [containerItem({ default: { memory: '256Mi' } })]);
  const r = run(podOf(bare()), [mem, small]);
  t.equal(r.containers[0].memoryRequest, 512n * MI, 'the first in input order is used');
  t.same(r.limitRanges.conflicts, [
    { container: 'app', specPointer: '/containers/0', which: 'limits', resource: 'memory', used: { limitRange: 'team/mem', value: '1Gi' }, ignored: { limitRange: 'team/small', value: '256Mi' } },
    { container: 'app', specPointer: '/containers/0', which: 'requests', resource: 'memory', used: { limitRange: 'team/mem', value: '512Mi' }, ignored: { limitRange: 'team/small', value: '256Mi' } },
  ]);
  const same = limitRange('same', [containerItem({ default: { memory: '1Gi' }, defaultRequest: { memory: '512Mi' } })]);
  t.same(run(podOf(bare()), [mem, same]).limitRanges.conflicts, [], 'equal values are no conflict');
});

t.test('Container-type refusals (403), with the API server\'s messages', async (t) => {
  const cases: Array<{ item: Record<string, unknown>; resources: Record<string, unknown>; messages: string[] }> = [
    { item: { min: { memory: '256Mi' } }, resources: { requests: { memory: '128Mi' } }, messages: ['minimum memory usage per Container is 256Mi, but request is 128Mi'] },
    { item: { min: { memory: '256Mi' } }, resources: { requests: { memory: '512Mi' }, limits: { memory: '128Mi' } }, messages: [] /* invalid as written: request > limit */ },
    { item: { min: { memory: '256Mi' } }, resources: { requests: { memory: '300Mi' } }, messages: [] },
    { item: { max: { memory: '1Gi' } }, resources: { limits: { memory: '2Gi' } }, messages: ['maximum memory usage per Container is 1Gi, but limit is 2Gi'] },
    // max fills the default limit: a request above max gets limit = max and fails request <= limit first.
    { item: { max: { memory: '1Gi' } }, resources: { requests: { memory: '2Gi' } }, messages: ['spec.containers[0].resources.requests: Invalid value: "2Gi": must be less than or equal to memory limit of 1Gi', 'maximum memory usage per Container is 1Gi, but request is 2Gi'] },
    { item: { maxLimitRequestRatio: { memory: '2' } }, resources: { requests: { memory: '256Mi' }, limits: { memory: '1Gi' } }, messages: ['memory max limit to request ratio per Container is 2, but provided ratio is 4.000000'] },
    { item: { maxLimitRequestRatio: { memory: '2' } }, resources: { requests: { memory: '512Mi' }, limits: { memory: '1Gi' } }, messages: [] },
    { item: { maxLimitRequestRatio: { memory: '2' } }, resources: { requests: { memory: '256Mi' } }, messages: ['memory max limit to request ratio per Container is 2, but no limit is specified or limit is 0'] },
    { item: { maxLimitRequestRatio: { cpu: '1500m' } }, resources: { requests: { cpu: '300m' }, limits: { cpu: '1' } }, messages: ['cpu max limit to request ratio per Container is 1500m, but provided ratio is 3.333333'] },
    { item: { maxLimitRequestRatio: { memory: '2' } }, resources: {}, messages: ['memory max limit to request ratio per Container is 2, but no request is specified or request is 0'] },
  ];
  for (const c of cases) {
    const pod = podOf(withResources('app', c.resources));
    let r: PodResult;
    try {
      r = run(pod, [limitRange('bounds', [containerItem(c.item)])]);
    } catch (err) {
      t.ok(err instanceof SpecError && c.messages.length === 0, `${JSON.stringify(c)}: refused as written`);
      continue;
    }
    t.same(r.limitRanges.refusals.map((x) => x.message), c.messages, JSON.stringify(c));
    for (const x of r.limitRanges.refusals) t.same(x.container, { name: 'app', specPointer: '/containers/0' });
  }
});

t.test('comparison rounds up to milli-units (requestLimitEnforcedValues), as every release up to 1.37 does', async (t) => {
  // 1000.0001m rounds up to 1001m: above a max of 1 cpu. 1Gi + 1 byte... bytes are whole units already.
  const lr = limitRange('cpu', [containerItem({ max: { cpu: '1' } })]);
  const r = run(podOf(withResources('app', { limits: { cpu: '1000000001n' } })), [lr]);
  t.same(r.limitRanges.refusals.map((x) => x.message), ['maximum cpu usage per Container is 1, but limit is 1000000001n']);
  const min = limitRange('min', [containerItem({ min: { cpu: '100m' } })]);
  // 99999001n = 99.999001m, rounded up to 100m: not below min (an exact comparison would refuse it).
  t.same(run(podOf(withResources('app', { requests: { cpu: '99999001n' } })), [min]).limitRanges.refusals, []);
});

t.test('Pod-type bounds on the pod totals, by version', async (t) => {
  const podMax = limitRange('pod', [podItem({ max: { memory: '1Gi' } })]);
  const twoContainers = podOf(withResources('a', { limits: { memory: '600Mi' } }), withResources('b', { limits: { memory: '600Mi' } }));
  for (const version of SUPPORTED_VERSIONS) {
    t.same(run(twoContainers, [podMax], version).limitRanges.refusals.map((x) => [x.scope, x.container, x.message]), [['Pod', null, version < '1.28' ? 'maximum memory usage per Pod is 1Gi, but limit is 1258291200' : 'maximum memory usage per Pod is 1Gi, but limit is 1200Mi']], version);
  }

  // 1.25–1.27: a resource is totalled only when every regular container sets it.
  const oneSets = podOf(withResources('a', { requests: { memory: '600Mi' }, limits: { memory: '600Mi' } }), bare('b'));
  t.same(run(oneSets, [podMax], '1.27').limitRanges.refusals.map((x) => x.message), ['maximum memory usage per Pod is 1Gi.  No limit is specified']);
  t.same(run(oneSets, [podMax], '1.28').limitRanges.refusals, [], '1.28: over whatever containers set');
  const podMin = limitRange('podmin', [podItem({ min: { memory: '512Mi' } })]);
  t.same(run(oneSets, [podMin], '1.27').limitRanges.refusals.map((x) => x.message), ['minimum memory usage per Pod is 512Mi.  No request is specified']);
  t.same(run(oneSets, [podMin], '1.28').limitRanges.refusals, []);

  // Sidecar-aware totals from 1.28 (with SidecarContainers on): an init container plus the sidecars before it.
  const sidecars: PodLike = {
    spec: {
      initContainers: [
        { ...withResources('proxy', { limits: { memory: '400Mi' } }), restartPolicy: 'Always' },
        withResources('migrate', { limits: { memory: '700Mi' } }),
      ],
      containers: [withResources('app', { limits: { memory: '500Mi' } })],
    },
  };
  // 1.27: sum(app) = 500Mi, then init containers replace when larger: 700Mi. Within 1Gi.
  t.same(run(sidecars, [podMax], '1.27').limitRanges.refusals, []);
  // 1.29: max(app + proxy = 900Mi, migrate + proxy = 1100Mi) = 1100Mi > 1Gi.
  t.same(run(sidecars, [podMax], '1.29').limitRanges.refusals.map((x) => x.message), ['maximum memory usage per Pod is 1Gi, but limit is 1100Mi']);

  // An init container larger than the regular total (1.25): its own value replaces the total.
  const bigInit: PodLike = { spec: { initContainers: [withResources('init', { limits: { memory: '2Gi' } })], containers: [withResources('app', { limits: { memory: '100Mi' } })] } };
  t.same(run(bigInit, [podMax], '1.25').limitRanges.refusals.map((x) => x.message), ['maximum memory usage per Pod is 1Gi, but limit is 2Gi']);
});

t.test('Pod-type bounds read pod-level resources where PodLevelResources is on', async (t) => {
  const podMax = limitRange('pod', [podItem({ max: { memory: '1Gi' } })]);
  const pod: PodLike = { spec: { resources: { limits: { memory: '2Gi' } }, containers: [withResources('app', { limits: { memory: '512Mi' } })] } };
  t.same(run(pod, [podMax], '1.33').limitRanges.refusals, [], '1.33: gate off, the field is dropped; containers total 512Mi');
  t.same(run(pod, [podMax], '1.33', { PodLevelResources: true }).limitRanges.refusals.map((x) => x.message), ['maximum memory usage per Pod is 1Gi, but limit is 2Gi']);
  t.same(run(pod, [podMax], '1.34').limitRanges.refusals.map((x) => x.message), ['maximum memory usage per Pod is 1Gi, but limit is 2Gi']);
});

t.test('pod-level resources: 1.34–1.36 default pod-level values before LimitRanger, 1.37 after', async (t) => {
  // limitrange.md §6: pod-level memory request 512Mi, two bare containers, defaults cpu 100m / memory 256Mi.
  const lr = limitRange('defaults', [containerItem({ default: { cpu: '100m', memory: '256Mi' } })]);
  const pod: PodLike = { spec: { resources: { requests: { memory: '512Mi' } }, containers: [bare('a'), bare('b')] } };
  const r37 = run(pod, [lr], '1.37');
  t.equal(r37.qosClass, 'Guaranteed', '1.37: pod-level cpu 200m/200m and memory 512Mi/512Mi');
  t.equal(r37.podMemoryLimit, 512n * MI);
  t.same(r37.containers.map((c) => c.oomScoreAdj), [-997, -997]);
  for (const version of ['1.34', '1.36']) {
    const r = run(pod, [lr], version);
    t.equal(r.qosClass, 'Burstable', `${version}: no pod-level limit, nothing defaulted (no pod-level limit set)`);
    t.equal(r.podMemoryLimit, null, version);
    // The pod-level share: (512Mi - 2×256Mi) / 2 = 0; each container's own 256Mi.
    t.same(r.containers.map((c) => c.oomScoreAdj), [ADJ_256MI, ADJ_256MI], version);
  }
  // With a pod-level limit on 1.36: the request was defaulted at decode from the containers as
  // written (none request memory), so it is the pod-level limit; LimitRange requests come after.
  const withLimit: PodLike = { spec: { resources: { limits: { memory: '1Gi', cpu: '1' } }, containers: [bare('a'), bare('b')] } };
  const r36 = run(withLimit, [lr], '1.36');
  t.equal(r36.podMemoryRequest, GI, '1.36: pod-level request = pod-level limit');
  t.equal(r36.qosClass, 'Guaranteed');
  const r37b = run(withLimit, [lr], '1.37');
  t.equal(r37b.podMemoryRequest, 512n * MI, '1.37: pod-level request = the LimitRange requests, aggregated');
  t.equal(r37b.qosClass, 'Burstable');
  // remaining (512Mi - 512Mi) / 2 = 0 → each 256Mi.
  t.same(r37b.containers.map((c) => c.oomScoreAdj), [ADJ_256MI, ADJ_256MI]);
});

t.test('parseLimitRange: SetDefaults_LimitRangeItem and ValidateLimitRange', async (t) => {
  const lr = limitRange('x', [containerItem({ min: { memory: '128Mi' }, max: { memory: '1Gi' } }), podItem({ max: { memory: '2Gi' } })]);
  const container = lr.items[0];
  t.equal(container.default.get('memory')?.toString(), '1Gi', 'max becomes default');
  t.equal(container.defaultRequest.get('memory')?.toString(), '1Gi', 'default becomes defaultRequest before min does');
  t.equal(lr.items[1].default.size, 0, 'Pod items get no defaults');
  t.equal(lr.id, 'team/x');
  t.equal(parseLimitRange({ kind: 'LimitRange', metadata: { name: 'y' }, spec: { limits: [] } }, 'default').id, 'default/y', 'no namespace: the fallback');

  const invalid: Array<[unknown[], string, string]> = [
    [[containerItem({ min: { memory: '2Gi' }, max: { memory: '1Gi' } })], '/spec/limits/0/min/memory', 'min value 2Gi is greater than max value 1Gi'],
    [[containerItem({ max: { memory: '1Gi' }, defaultRequest: { memory: '2Gi' } })], '/spec/limits/0/defaultRequest/memory', 'default request value 2Gi is greater than max value 1Gi'],
    [[containerItem({ default: { memory: '1Gi' }, defaultRequest: { memory: '2Gi' } })], '/spec/limits/0/defaultRequest/memory', 'default request value 2Gi is greater than default limit value 1Gi'],
    [[containerItem({ maxLimitRequestRatio: { cpu: '500m' } })], '/spec/limits/0/maxLimitRequestRatio/cpu', 'ratio 500m is less than 1'],
    [[podItem({ default: { memory: '1Gi' } })], '/spec/limits/0/default', "Forbidden: may not be specified when `type` is 'Pod'"],
    [[containerItem({}), containerItem({})], '/spec/limits/1/type', 'Duplicate value: "Container" (one item per type)'],
    [[containerItem({ default: { 'hugepages-2Mi': '4Mi' }, defaultRequest: { 'hugepages-2Mi': '2Mi' } })], '/spec/limits/0/default/hugepages-2Mi', 'default value 4Mi must equal to defaultRequest value 2Mi in hugepages-2Mi'],
    [[containerItem({ default: { memory: 'lots' } })], '/spec/limits/0/default/memory', ''],
  ];
  for (const [limits, path, message] of invalid) {
    try {
      limitRange('bad', limits);
      t.fail(`accepted ${JSON.stringify(limits)}`);
    } catch (err) {
      t.equal((err as SpecError).path, path, JSON.stringify(limits));
      if (message !== '') t.equal((err as Error).message, message);
    }
  }
  t.throws(() => parseLimitRange({ kind: 'LimitRange', metadata: {} }, 'default'), new SpecError('is missing: a LimitRange needs a name', '/metadata/name'));
});
