// oomguard's own cases for the kubelet model: defaulting, and each version boundary where the
// QoS class or an oom_score_adj changes (see src/core/versions.ts for the sources).
import t from 'tap';
import { analyzePod } from '../../src/core/analyze-pod.js';
import { SUPPORTED_VERSIONS, kubeletVersionOfNodes, parseKubernetesVersion, resolveFeatureGates, parseFeatureGateList } from '../../src/core/versions.js';
import type { PodLike } from '../../src/core/types.js';

const GI = 1024n ** 3n;

function run(pod: PodLike, version: string, capacity: bigint, gates: Record<string, boolean> = {}) {
  return analyzePod(pod, { version, gates: resolveFeatureGates(version, gates), memoryCapacity: capacity }).result;
}
function adjs(pod: PodLike, version: string, capacity: bigint, gates: Record<string, boolean> = {}) {
  const r = run(pod, version, capacity, gates);
  return Object.fromEntries(r.containers.map((c) => [c.name, c.oomScoreAdj]));
}

const prometheus: PodLike = {
  spec: {
    containers: [
      { name: 'prometheus', image: 'prom/prometheus' },
      {
        name: 'configmap-reload',
        resources: { limits: { memory: '100Mi', cpu: '200m' }, requests: { memory: '50Mi', cpu: '100m' } },
      },
    ],
  },
};

t.test('the seed Prometheus pod on an 8Gi node, every supported version', async (t) => {
  for (const version of SUPPORTED_VERSIONS) {
    const r = run(prometheus, version, 8n * GI);
    t.equal(r.qosClass, 'Burstable', version);
    // 1000 - 1000*52428800/8589934592 = 1000 - 6 (integer division)
    t.same(adjs(prometheus, version, 8n * GI), { prometheus: 999, 'configmap-reload': 994 }, version);
  }
});

t.test('API-server defaulting: requests copied from limits', async (t) => {
  const limitsOnly: PodLike = { spec: { containers: [{ name: 'app', resources: { limits: { cpu: '200m', memory: '200Mi' } } }] } };
  const r = run(limitsOnly, '1.37', 8n * GI);
  t.equal(r.qosClass, 'Guaranteed');
  t.equal(r.containers[0].memoryRequest, 200n * 1024n * 1024n);
  t.equal(r.containers[0].memoryRequestDefaulted, true);
  t.equal(r.containers[0].oomScoreAdj, -997);

  // A request present with value 0 is kept, not overwritten by the limit.
  const zeroRequest: PodLike = {
    spec: { containers: [{ name: 'app', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { memory: '0' } } }] },
  };
  const z = run(zeroRequest, '1.37', 8n * GI);
  t.equal(z.qosClass, 'Burstable');
  t.equal(z.containers[0].memoryRequest, null);
  t.equal(z.containers[0].oomScoreAdj, 999);

  // Init containers are defaulted too.
  const init: PodLike = {
    spec: {
      initContainers: [{ name: 'migrate', resources: { limits: { cpu: '1', memory: '1Gi' } } }],
      containers: [{ name: 'app', resources: { limits: { cpu: '1', memory: '1Gi' } } }],
    },
  };
  t.equal(run(init, '1.30', 8n * GI).qosClass, 'Guaranteed');
});

t.test('arithmetic: integer division, floor 3, 1000 becomes 999, fractional bytes round up', async (t) => {
  const burstable = (memory: string): PodLike => ({
    spec: { containers: [{ name: 'c', resources: { requests: { memory } } }] },
  });
  t.equal(adjs(burstable('4G'), '1.37', 8_000_000_000n).c, 500);
  t.equal(adjs(burstable('7999999999'), '1.37', 8_000_000_000n).c, 3);
  t.equal(adjs(burstable('16Gi'), '1.37', 8n * GI).c, 3, 'request above capacity clamps to 3');
  t.equal(adjs(burstable('100m'), '1.37', 8n * GI).c, 999, '100m is 0.1 byte, Value() 1: 1000 - 0 -> 999');
  t.equal(adjs(burstable('8388608'), '1.37', 8n * GI).c, 999, '1000*8Mi/8Gi < 1: still 1000 -> 999');
  t.equal(adjs(burstable('8589935'), '1.37', 8n * GI).c, 999);
  t.equal(adjs(burstable('8589935'), '1.37', 8_589_934_000n).c, 999);
  t.equal(adjs(burstable('8589934592'), '1.37', 8n * GI).c, 3);
  t.equal(adjs(burstable('1Gi'), '1.37', 8n * GI).c, 875);
});

t.test('GetPodQOS reads status.qosClass from 1.29', async (t) => {
  const pod: PodLike = { ...prometheus, status: { qosClass: 'Guaranteed' } };
  t.equal(run(pod, '1.28', 8n * GI).qosClass, 'Burstable');
  t.equal(run(pod, '1.28', 8n * GI).qosSource, 'computed');
  t.equal(run(pod, '1.29', 8n * GI).qosClass, 'Guaranteed');
  t.equal(run(pod, '1.29', 8n * GI).qosSource, 'status');
  t.same(adjs(pod, '1.29', 8n * GI), { prometheus: -997, 'configmap-reload': -997 });
});

// policy_test.go "burstable-mixed-multi-container-small-sidecar-pod", with API defaulting.
const smallSidecar: PodLike = {
  spec: {
    initContainers: [
      { name: 'sidecar', restartPolicy: 'Always', resources: { requests: { memory: '400000000' } } },
    ],
    containers: [{ name: 'main', resources: { requests: { memory: '1000000000' } } }],
  },
};

t.test('sidecar rule: capped at the smallest regular container from 1.32', async (t) => {
  t.same(adjs(smallSidecar, '1.31', 8_000_000_000n), { sidecar: 950, main: 875 }, '1.31: own request');
  t.same(adjs(smallSidecar, '1.32', 8_000_000_000n), { sidecar: 875, main: 875 }, '1.32: min(own, smallest regular)');
  t.same(adjs(smallSidecar, '1.37', 8_000_000_000n), { sidecar: 875, main: 875 });
  t.same(adjs(smallSidecar, '1.32', 8_000_000_000n, { SidecarContainers: false }), { sidecar: 950, main: 875 }, 'gate off on 1.32');
  t.equal(run(smallSidecar, '1.32', 8_000_000_000n).containers[0].type, 'sidecar');
  // 1.28: SidecarContainers is alpha, off: restartPolicy is dropped, a plain init container.
  t.equal(run(smallSidecar, '1.28', 8_000_000_000n).containers[0].type, 'init');
  t.equal(run(smallSidecar, '1.28', 8_000_000_000n, { SidecarContainers: true }).containers[0].type, 'sidecar');
  t.equal(run(smallSidecar, '1.27', 8_000_000_000n).containers[0].type, 'init');
  // A big sidecar keeps its own, lower value.
  const big: PodLike = JSON.parse(JSON.stringify(smallSidecar));
  big.spec!.initContainers![0].resources = { requests: { memory: '4000000000' } };
  t.same(adjs(big, '1.37', 8_000_000_000n), { sidecar: 500, main: 875 });
  // A regular container without a request counts as 0: the sidecar keeps its own value.
  const noReq: PodLike = JSON.parse(JSON.stringify(smallSidecar));
  noReq.spec!.containers!.push({ name: 'other', resources: { requests: { cpu: '1' } } });
  t.same(adjs(noReq, '1.37', 8_000_000_000n), { sidecar: 950, main: 875, other: 999 });
});

const podLevel: PodLike = {
  spec: {
    resources: { requests: { memory: '2000000000' }, limits: { memory: '2000001000' } },
    containers: [{ name: 'a' }, { name: 'b' }],
  },
};

t.test('pod-level resources: from 1.32 behind the gate, on by default from 1.34', async (t) => {
  t.equal(run(podLevel, '1.31', 4_000_000_000n).qosClass, 'BestEffort', '1.31: spec.resources does not exist');
  t.equal(run(podLevel, '1.33', 4_000_000_000n).qosClass, 'BestEffort', '1.33: alpha, off');
  t.same(adjs(podLevel, '1.33', 4_000_000_000n, { PodLevelResources: true }), { a: 750, b: 750 });
  t.equal(run(podLevel, '1.34', 4_000_000_000n).qosClass, 'Burstable');
  t.same(adjs(podLevel, '1.34', 4_000_000_000n), { a: 750, b: 750 });
  t.same(adjs(podLevel, '1.37', 4_000_000_000n), { a: 750, b: 750 });
  t.same(adjs(podLevel, '1.37', 4_000_000_000n, { PodLevelResources: false }), { a: 1000, b: 1000 });
  t.equal(run(podLevel, '1.37', 4_000_000_000n).effectiveMemoryRequest, 2_000_000_000n);
});

t.test('empty pod-level stanza: BestEffort before 1.37, ignored with the 1.37 fix', async (t) => {
  const pod: PodLike = {
    spec: {
      resources: {},
      containers: [{ name: 'c', resources: { limits: { cpu: '100m', memory: '50Mi' } } }],
    },
  };
  t.equal(run(pod, '1.33', 8n * GI).qosClass, 'Guaranteed', 'gate off: the stanza is dropped');
  t.equal(run(pod, '1.36', 8n * GI).qosClass, 'BestEffort', 'bug #135082');
  t.equal(run(pod, '1.37', 8n * GI).qosClass, 'Guaranteed');
  t.equal(run(pod, '1.37', 8n * GI, { PodLevelResourcesFixKubeletQOSClass: false }).qosClass, 'BestEffort');
});

t.test('critical pods: only system-node-critical is special (since 1.22)', async (t) => {
  const be = (extra: Record<string, unknown>): PodLike => ({ spec: { containers: [{ name: 'c' }], ...extra } });
  for (const version of ['1.25', '1.37']) {
    t.equal(adjs(be({ priorityClassName: 'system-node-critical' }), version, 8n * GI).c, -997);
    t.equal(adjs(be({ priorityClassName: 'system-cluster-critical' }), version, 8n * GI).c, 1000);
    t.equal(adjs(be({ priorityClassName: 'system-node-critical', priority: 1000 }), version, 8n * GI).c, 1000, 'explicit low priority is not critical');
  }
  const mirror: PodLike = {
    metadata: { annotations: { 'kubernetes.io/config.mirror': 'abc', 'kubernetes.io/config.source': 'file' } },
    spec: { priorityClassName: 'system-node-critical', containers: [{ name: 'c' }] },
  };
  t.equal(adjs(mirror, '1.37', 8n * GI).c, -997);
  const staticNoClass: PodLike = {
    metadata: { annotations: { 'kubernetes.io/config.source': 'file' } },
    spec: { containers: [{ name: 'c' }] },
  };
  t.equal(adjs(staticNoClass, '1.37', 8n * GI).c, 1000, 'a static pod without the class is not special');
});

t.test('effective memory request: max of init containers vs sum of containers and sidecars (KEP-753)', async (t) => {
  const pod: PodLike = {
    spec: {
      initContainers: [
        { name: 'sidecar', restartPolicy: 'Always', resources: { requests: { memory: '256Mi' } } },
        { name: 'migrate', resources: { requests: { memory: '2Gi' } } },
      ],
      containers: [
        { name: 'a', resources: { requests: { memory: '1Gi' } } },
        { name: 'b', resources: { requests: { memory: '512Mi' } } },
      ],
    },
  };
  // init phase: 2Gi + 256Mi (sidecar already running); run phase: 1Gi + 512Mi + 256Mi
  t.equal(run(pod, '1.37', 8n * GI).effectiveMemoryRequest, 2n * GI + 256n * 1024n * 1024n);
  // Without sidecars (1.27), the sidecar is a plain init container: max(2Gi, 256Mi, 1.5Gi).
  t.equal(run(pod, '1.27', 8n * GI).effectiveMemoryRequest, 2n * GI);
});

t.test('versions and feature gates', async (t) => {
  t.equal(parseKubernetesVersion('1.31'), '1.31');
  t.equal(parseKubernetesVersion('v1.31.4'), '1.31');
  t.equal(parseKubernetesVersion('v1.30.2-eks-1234'), '1.30');
  t.throws(() => parseKubernetesVersion('1.24'), /unsupported Kubernetes version "1.24"/);
  t.throws(() => parseKubernetesVersion('1.38'), /1.25 to 1.37/);
  t.throws(() => parseKubernetesVersion('latest'), /invalid Kubernetes version/);
  t.equal(SUPPORTED_VERSIONS.length, 13);
  const gates = (SidecarContainers: boolean, PodLevelResources: boolean, fixes: boolean) => ({
    SidecarContainers,
    PodLevelResources,
    PodLevelResourcesFixKubeletQOSClass: fixes,
    PodLevelResourcesFixDefaulting: fixes,
  });
  t.same(resolveFeatureGates('1.37'), gates(true, true, true));
  t.same(resolveFeatureGates('1.33'), gates(true, false, false));
  t.same(resolveFeatureGates('1.28'), gates(false, false, false));
  t.throws(() => resolveFeatureGates('1.33', { SidecarContainers: false }), /GA and locked/);
  t.throws(() => resolveFeatureGates('1.36', { SidecarContainers: false }), /GA and locked/);
  t.same(resolveFeatureGates('1.37', { SidecarContainers: true }), gates(true, true, true), 'still listed, locked on, in 1.37');
  // Dependent gates follow PodLevelResources off, and may not be forced on without it.
  t.same(resolveFeatureGates('1.37', { PodLevelResources: false }), gates(true, false, false));
  t.throws(() => resolveFeatureGates('1.37', { PodLevelResources: false, PodLevelResourcesFixDefaulting: true }), /requires PodLevelResources=true/);
  t.throws(() => resolveFeatureGates('1.31', { PodLevelResources: true }), /does not exist in Kubernetes 1.31/);
  t.throws(() => resolveFeatureGates('1.36', { PodLevelResourcesFixKubeletQOSClass: true }), /does not exist/);
  t.throws(() => resolveFeatureGates('1.37', { InPlacePodVerticalScaling: true }), /unknown feature gate/);
  t.same(parseFeatureGateList('PodLevelResources=true, SidecarContainers=False'), { PodLevelResources: true, SidecarContainers: false });
  t.throws(() => parseFeatureGateList('PodLevelResources'), /expected Name=true/);
});

t.test("kubeletVersionOfNodes: the one modelled minor the nodes' kubelets run, or why not", async (t) => {
  const kubelet = (v: unknown) => ({ kind: 'Node', status: { nodeInfo: { kubeletVersion: v } } });
  const cases: Array<[string, unknown[], { version: string | null; note: string | null }]> = [
    ['no nodes', [], { version: null, note: null }],
    ['one minor, vendor suffixes', [kubelet('v1.33.4'), kubelet('v1.33.2-eks-1234'), kubelet('1.33.0+k3s1')], { version: '1.33', note: null }],
    ['a node that does not say', [kubelet('v1.33.4'), { kind: 'Node', status: {} }], { version: null, note: null }],
    ['not a version', [kubelet('latest')], { version: null, note: null }],
    ['mixed', [kubelet('v1.34.1'), kubelet('v1.33.4')], { version: null, note: 'the nodes run kubelets 1.33, 1.34: modelling 1.37 (give --kubernetes-version)' }],
    ['newer than modelled', [kubelet('v1.38.0')], { version: null, note: 'the nodes run kubelet 1.38, which oomguard does not model: modelling 1.37 (give --kubernetes-version)' }],
    ['older than modelled', [kubelet('v1.24.9')], { version: null, note: 'the nodes run kubelet 1.24, which oomguard does not model: modelling 1.37 (give --kubernetes-version)' }],
  ];
  for (const [name, nodes, want] of cases) t.same(kubeletVersionOfNodes(nodes), want, name);
});

t.test('invalid input carries the field path', async (t) => {
  const bad: PodLike = { spec: { containers: [{ name: 'c', resources: { limits: { memory: '1GB' } } }] } };
  const pathOf = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (err) {
      return (err as { path?: unknown }).path;
    }
    return 'no error';
  };
  t.equal(pathOf(() => run(bad, '1.37', 8n * GI)), '/spec/containers/0/resources/limits/memory');
  t.equal(pathOf(() => run({ spec: { containers: 'x' as never } }, '1.37', 8n * GI)), '/spec/containers');
  const negative: PodLike = { spec: { containers: [{ name: 'c', resources: { requests: { memory: '-1Gi' } } }] } };
  t.equal(pathOf(() => run(negative, '1.37', 8n * GI)), '/spec/containers/0/resources/requests/memory');
  const above: PodLike = { spec: { containers: [{ name: 'c', resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } } }] } };
  t.equal(pathOf(() => run(above, '1.37', 8n * GI)), '/spec/containers/0/resources/requests/memory');
});

t.test('pod-level defaulting per version (defaultPodRequests, then PR #140514 in 1.37)', async (t) => {
  // Pod-level limits only; one container requests 512Mi/500m. 1.34–1.36: the missing pod-level
  // request is the aggregate of container requests, not the limit, so the pod is Burstable and
  // the container's score counts no remaining pod request: 1000 - 1000*512Mi/8Gi = 1000 - 62.
  const limitsOnly: PodLike = {
    spec: {
      resources: { limits: { cpu: '2', memory: '2Gi' } },
      containers: [{ name: 'app', resources: { requests: { cpu: '500m', memory: '512Mi' } } }],
    },
  };
  for (const version of ['1.34', '1.36', '1.37']) {
    const r = run(limitsOnly, version, 8n * GI);
    t.equal(r.qosClass, 'Burstable', version);
    t.equal(r.podMemoryRequest, 512n * 1024n * 1024n, `${version} pod request = aggregate`);
    t.same(adjs(limitsOnly, version, 8n * GI), { app: 938 }, version);
  }
  // No container requests: the pod-level request comes from the pod-level limit: Guaranteed.
  const bare: PodLike = { spec: { resources: { limits: { cpu: '2', memory: '2Gi' } }, containers: [{ name: 'app' }] } };
  t.equal(run(bare, '1.34', 8n * GI).qosClass, 'Guaranteed');
  t.equal(run(bare, '1.37', 8n * GI).podMemoryRequest, 2n * GI);

  // Pod-level requests only, containers with limits equal to them. Before 1.37 nothing is
  // defaulted at pod level (no pod-level limits): requests without limits make it Burstable.
  // 1.37 (FixDefaulting): pod-level limits = aggregated container limits = the requests: Guaranteed.
  const requestsOnly: PodLike = {
    spec: {
      resources: { requests: { cpu: '1', memory: '1Gi' } },
      containers: [
        { name: 'a', resources: { limits: { cpu: '500m', memory: '512Mi' } } },
        { name: 'b', resources: { limits: { cpu: '500m', memory: '512Mi' } } },
      ],
    },
  };
  t.equal(run(requestsOnly, '1.36', 8n * GI).qosClass, 'Burstable');
  const fixed = run(requestsOnly, '1.37', 8n * GI);
  t.equal(fixed.qosClass, 'Guaranteed');
  t.equal(fixed.podMemoryLimit, GI);
  t.same(adjs(requestsOnly, '1.37', 8n * GI), { a: -997, b: -997 });
  t.equal(run(requestsOnly, '1.37', 8n * GI, { PodLevelResourcesFixDefaulting: false }).qosClass, 'Burstable', 'gate off');
  // One container without a memory limit: no pod-level memory limit is defaulted.
  const partial: PodLike = {
    spec: {
      resources: { requests: { cpu: '1', memory: '1Gi' } },
      containers: [{ name: 'a', resources: { limits: { cpu: '500m', memory: '512Mi' } } }, { name: 'b', resources: { limits: { cpu: '500m' } } }],
    },
  };
  t.equal(run(partial, '1.37', 8n * GI).podMemoryLimit, null);
});

t.test('1.37 pod-level limit defaulting (PR #140514): the larger of the pod-level request and the aggregated container limits', async (t) => {
  const c = (name: string, cpu: string, memory: string) => ({ name, resources: { limits: { cpu, memory } } });
  // A pod-level request above the containers' aggregated limits: the limit defaults to the request.
  const requestAbove: PodLike = {
    spec: { resources: { requests: { cpu: '1', memory: '2Gi' } }, containers: [c('a', '500m', '512Mi'), c('b', '500m', '512Mi')] },
  };
  const r37 = run(requestAbove, '1.37', 8n * GI);
  t.equal(r37.podMemoryLimit, 2n * GI, '1.37: max(2Gi, 1Gi)');
  t.equal(r37.qosClass, 'Guaranteed', '1.37: pod-level request = limit for cpu and memory');
  t.same(adjs(requestAbove, '1.37', 8n * GI), { a: -997, b: -997 });
  t.equal(run(requestAbove, '1.37', 8n * GI, { PodLevelResourcesFixDefaulting: false }).qosClass, 'Burstable', 'gate off: no pod-level limit');
  const r36 = run(requestAbove, '1.36', 8n * GI);
  t.equal(r36.podMemoryLimit, null, '1.36: pod-level limits are not defaulted');
  t.equal(r36.qosClass, 'Burstable');
  // remaining pod request per container: (2Gi - 1Gi) / 2 = 512Mi; each 512Mi own + 512Mi: 1000 - 1000*1Gi/8Gi = 875.
  t.same(adjs(requestAbove, '1.36', 8n * GI), { a: 875, b: 875 });

  // Pod-level requests only, containers whose limits sum to them: Guaranteed in 1.37 only.
  const sumsTo: PodLike = {
    spec: { resources: { requests: { cpu: '1', memory: '1Gi' } }, containers: [c('a', '500m', '512Mi'), c('b', '500m', '512Mi')] },
  };
  t.equal(run(sumsTo, '1.37', 8n * GI).podMemoryLimit, GI);
  t.equal(run(sumsTo, '1.37', 8n * GI).qosClass, 'Guaranteed');
  t.equal(run(sumsTo, '1.36', 8n * GI).qosClass, 'Burstable');
  // 1.36: remaining (1Gi - 1Gi) / 2 = 0; each 512Mi: 1000 - 62 = 938.
  t.same(adjs(sumsTo, '1.36', 8n * GI), { a: 938, b: 938 });

  // Aggregated container limits above the pod-level request: the aggregate (1.37 as before).
  const limitsAbove: PodLike = {
    spec: { resources: { requests: { cpu: '500m', memory: '512Mi' } }, containers: [c('a', '500m', '512Mi'), c('b', '500m', '512Mi')] },
  };
  t.equal(run(limitsAbove, '1.37', 8n * GI).podMemoryLimit, GI);
  t.equal(run(limitsAbove, '1.37', 8n * GI).qosClass, 'Burstable');
  // A container without a memory limit: no pod-level memory limit is defaulted.
  const oneUnlimited: PodLike = { spec: { resources: { requests: { memory: '1Gi' } }, containers: [c('a', '500m', '512Mi'), { name: 'b' }] } };
  t.equal(run(oneUnlimited, '1.37', 8n * GI).podMemoryLimit, null);
});
