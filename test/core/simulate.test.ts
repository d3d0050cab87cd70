// simulateNode: fit, memcg OOM, eviction and the kubepods OOM on one node. The expected numbers
// are worked by hand in the comments, in MiB (1 MiB = 256 pages of 4 KiB).
import t from 'tap';
import { ASSUMPTIONS, rankMemoryPressure, simulateNode, simulationJson } from '../../src/core/simulate.js';
import type { SimContainer, SimNode, SimPod } from '../../src/core/simulate.js';

const Mi = (n: number) => BigInt(n) * 1048576n;

// capacity 8192 MiB, kube-reserved 512, system-reserved 256, eviction-hard 100:
//   allocatable            = 8192 − 512 − 256 − 100 = 7324 MiB
//   kubepods memory.max    = 8192 − 512 − 256       = 7424 MiB
//   totalpages             = 7424 × 256             = 1900544; / 1000 = 1900 pages per adj point
//   pressure when the pods use more than 8192 − 768 − 100 = 7324 MiB
const NODE: SimNode = {
  name: 'node-a',
  capacity: Mi(8192),
  allocatable: Mi(7324),
  evictionHard: Mi(100),
  kubeReserved: Mi(512),
  systemReserved: Mi(256),
};

function container(name: string, oomScoreAdj: number, usage: bigint, limit: bigint | null = null, request: bigint | null = null): SimContainer {
  return { name, oomScoreAdj, memoryRequest: request, memoryLimit: limit, usage };
}

function pod(name: string, o: Partial<SimPod> & { containers: SimContainer[] }): SimPod {
  return { namespace: 'default', name, priority: 0, critical: false, qosClass: 'Burstable', memoryRequest: 0n, ...o };
}

t.test('fit: input order, each pod admitted while the requests stay within allocatable', async (t) => {
  const pods = [
    pod('a', { memoryRequest: Mi(4000), containers: [container('c', 500, Mi(10))] }), // 4000
    pod('b', { memoryRequest: Mi(3000), containers: [container('c', 600, Mi(10))] }), // 7000
    // 7000 + 500 = 7500 > 7324: refused; its container is over its limit but never runs.
    pod('c', { memoryRequest: Mi(500), containers: [container('c', 900, Mi(900), Mi(600))] }),
    pod('d', { memoryRequest: Mi(324), containers: [container('c', 950, Mi(10))] }), // 7324: exactly fits
    pod('e', { memoryRequest: Mi(1), containers: [container('c', 999, Mi(10))] }), // 7325: refused
    pod('f', { qosClass: 'BestEffort', containers: [container('c', 1000, Mi(10))] }), // 7324 + 0
  ];
  const sim = simulateNode(NODE, pods);
  t.equal(sim.fit.allocatable, Mi(7324));
  t.same(sim.fit.admitted.map((d) => [d.name, d.requestsTotal]), [['a', Mi(4000)], ['b', Mi(7000)], ['d', Mi(7324)], ['f', Mi(7324)]]);
  t.same(sim.fit.refused, [
    { namespace: 'default', name: 'c', request: Mi(500), requestsTotal: Mi(7500) },
    { namespace: 'default', name: 'e', request: Mi(1), requestsTotal: Mi(7325) },
  ]);
  t.equal(sim.fit.admittedRequests, Mi(7324));
  // Refused pods take no part in what follows.
  t.same(sim.memcgOom, []);
  t.same(sim.eviction.ranking.map((e) => e.name).sort(), ['a', 'b', 'd', 'f']);
  t.same(sim.kernelOom.ranking.map((v) => v.name).sort(), ['a', 'b', 'd', 'f']);
  t.equal(sim.eviction.podUsage, Mi(40));
});

t.test('no pressure at exactly the threshold, pressure one byte above', async (t) => {
  // 7324 MiB of pods: memory.available = 8192 − 768 − 7324 = 100 MiB, not below 100 MiB.
  const at = [pod('x', { memoryRequest: Mi(4000), containers: [container('c', 500, Mi(4000))] }), pod('y', { memoryRequest: Mi(3000), containers: [container('c', 600, Mi(3324))] })];
  const sim = simulateNode(NODE, at);
  t.equal(sim.eviction.podUsage, Mi(7324));
  t.equal(sim.eviction.rootWorkingSet, Mi(8092));
  t.equal(sim.eviction.memoryAvailable, Mi(100));
  t.equal(sim.eviction.pressureAbovePodUsage, Mi(7324));
  t.equal(sim.eviction.underPressure, false);
  t.same(sim.eviction.evictions, []);
  t.equal(sim.eviction.relieved, true);
  t.equal(sim.kernelOom.triggered, false);
  t.same(sim.kernelOom.kills, []);
  t.equal(sim.kernelOom.relieved, true);
  // Still a full ranking of both, for the picture: y exceeds its request (3324 > 3000), x does not.
  t.same(sim.eviction.ranking.map((e) => [e.name, e.exceedsRequest]), [['y', true], ['x', false]]);
  t.equal(sim.kernelOom.ranking.length, 2);

  const above = [at[0], pod('y', { memoryRequest: Mi(3000), containers: [container('c', 600, Mi(3324) + 1n)] })];
  const sim2 = simulateNode(NODE, above);
  t.equal(sim2.eviction.memoryAvailable, Mi(100) - 1n);
  t.equal(sim2.eviction.underPressure, true);
  // Evicting y (3324 MiB + 1 byte) leaves 4000 MiB: available 8192 − 768 − 4000 = 3424 MiB.
  t.same(sim2.eviction.evictions, [{ namespace: 'default', name: 'y', freed: Mi(3324) + 1n, podUsageAfter: Mi(4000), memoryAvailableAfter: Mi(3424) }]);
  t.equal(sim2.kernelOom.triggered, false, 'pressure but still 100 MiB under kubepods memory.max');
});

// Five pods, 9500 MiB of usage against 7324 of pressure threshold and 7424 of kubepods limit.
// oom_score_adj as the kubelet computes it on 8 GiB: 1000 − 1000 × request / 8192 MiB, truncated.
function crowd(): SimPod[] {
  return [
    // BestEffort: request 0, usage 2000 (+2000 over), adj 1000.
    pod('be', { qosClass: 'BestEffort', containers: [container('app', 1000, Mi(2000))] }),
    // Burstable: request 2000, usage 2500 (+500), adj 1000 − 244 = 756.
    pod('burst', { memoryRequest: Mi(2000), containers: [container('app', 756, Mi(2500), null, Mi(2000))] }),
    // Guaranteed: request = limit 3000, usage 2900 (−100), adj −997.
    pod('guar', { qosClass: 'Guaranteed', memoryRequest: Mi(3000), containers: [container('db', -997, Mi(2900), Mi(3000), Mi(3000))] }),
    // Burstable at priority −10: request 1000, usage 1200 (+200), adj 1000 − 122 = 878.
    pod('lowprio', { priority: -10, memoryRequest: Mi(1000), containers: [container('batch', 878, Mi(1200), null, Mi(1000))] }),
    // Critical (system-cluster-critical): request 200, usage 900 (+700), adj 1000 − 24 = 976.
    pod('crit', { priority: 2000000000, critical: true, memoryRequest: Mi(200), containers: [container('dns', 976, Mi(900), null, Mi(200))] }),
  ];
}

t.test('eviction: rank order, critical last, one pod at a time until memory.available >= evictionHard', async (t) => {
  const sim = simulateNode(NODE, crowd());
  t.equal(sim.fit.refused.length, 0, 'requests 6200 MiB <= 7324');
  // Exceeding their request: be, burst, lowprio (crit too, but it goes last). Lowest priority
  // first: lowprio (−10); then be (+2000) before burst (+500) by usage − request; guar (under its
  // request) after them; crit last.
  t.same(sim.eviction.ranking.map((e) => e.name), ['lowprio', 'be', 'burst', 'guar', 'crit']);
  t.same(sim.eviction.ranking[0], { namespace: 'default', name: 'lowprio', priority: -10, request: Mi(1000), usage: Mi(1200), exceedsRequest: true, usageOverRequest: Mi(200), critical: false });
  t.same(sim.eviction.ranking.map((e) => e.exceedsRequest), [true, true, true, false, true]);
  t.equal(sim.eviction.ranking[3].usageOverRequest, -Mi(100));
  t.same(sim.eviction.ranking.map((e) => e.critical), [false, false, false, false, true]);
  // 9500 MiB: available 8192 − 768 − 9500 = −2076 MiB.
  t.equal(sim.eviction.podUsage, Mi(9500));
  t.equal(sim.eviction.memoryAvailable, -Mi(2076));
  t.equal(sim.eviction.underPressure, true);
  // Evict lowprio: 8300 left, available −876 MiB; evict be: 6300 left, available 1124 MiB >= 100.
  t.same(sim.eviction.evictions, [
    { namespace: 'default', name: 'lowprio', freed: Mi(1200), podUsageAfter: Mi(8300), memoryAvailableAfter: -Mi(876) },
    { namespace: 'default', name: 'be', freed: Mi(2000), podUsageAfter: Mi(6300), memoryAvailableAfter: Mi(1124) },
  ]);
  t.equal(sim.eviction.relieved, true);
});

t.test('kernel OOM of kubepods: badness order, whole containers, until the usage fits', async (t) => {
  const sim = simulateNode(NODE, crowd());
  const k = sim.kernelOom;
  t.equal(k.kubepodsLimit, Mi(7424));
  t.equal(k.pageSize, 4096n);
  t.equal(k.totalPages, 1900544n);
  t.equal(k.pagesPerAdjPoint, 1900n);
  t.equal(k.podUsage, Mi(9500));
  t.equal(k.triggered, true, '9500 MiB > 7424 MiB');
  // badness = MiB × 256 + adj × 1900:
  //   be       2000 × 256 = 512000 + 1000 × 1900 = 1900000  →  2412000
  //   crit      900 × 256 = 230400 +  976 × 1900 = 1854400  →  2084800
  //   burst    2500 × 256 = 640000 +  756 × 1900 = 1436400  →  2076400
  //   lowprio  1200 × 256 = 307200 +  878 × 1900 = 1668200  →  1975400
  //   guar     2900 × 256 = 742400 −  997 × 1900 = 1894300  → −1151900
  t.same(
    k.ranking.map((v) => [v.name, v.container, v.oomScoreAdj, v.rssPages, v.badness]),
    [
      ['be', 'app', 1000, 512000n, 2412000n],
      ['crit', 'dns', 976, 230400n, 2084800n],
      ['burst', 'app', 756, 640000n, 2076400n],
      ['lowprio', 'batch', 878, 307200n, 1975400n],
      ['guar', 'db', -997, 742400n, -1151900n],
    ],
  );
  t.same(k.ranking.map((v) => v.scanIndex), [0, 4, 1, 3, 2]);
  t.equal(k.ranking[0].rssBytes, Mi(2000));
  // Kill be: 7500 MiB, still > 7424; kill crit (the kernel knows nothing of criticality): 6600 fits.
  t.same(k.kills.map((s) => [s.victim.name, s.podUsageAfter]), [['be', Mi(7500)], ['crit', Mi(6600)]]);
  t.equal(k.relieved, true);
  t.same(k.unkillable, []);
});

t.test('memcg OOM: a container over its limit dies at its limit and counts at its limit', async (t) => {
  const pods = [
    // 800 MiB asked, limit 500: killed by its own cgroup; counts 500 MiB.
    pod('capped', { memoryRequest: Mi(100), containers: [container('leaky', 988, Mi(800), Mi(500), Mi(100)), container('side', 990, Mi(50), Mi(64), Mi(64))] }),
    // At its limit exactly: not killed.
    pod('full', { memoryRequest: Mi(256), containers: [container('app', 969, Mi(256), Mi(256), Mi(256))] }),
  ];
  const sim = simulateNode(NODE, pods);
  t.same(sim.memcgOom, [{ namespace: 'default', pod: 'capped', container: 'leaky', usage: Mi(800), limit: Mi(500) }]);
  // capped: 500 + 50 = 550 MiB against its 100 MiB request.
  const capped = sim.eviction.ranking.find((e) => e.name === 'capped');
  t.equal(capped?.usage, Mi(550));
  t.equal(capped?.usageOverRequest, Mi(450));
  t.equal(sim.eviction.podUsage, Mi(806));
  t.equal(sim.kernelOom.podUsage, Mi(806));
  const leaky = sim.kernelOom.ranking.find((v) => v.container === 'leaky');
  t.equal(leaky?.rssBytes, Mi(500));
  t.equal(leaky?.rssPages, 128000n);
  // 128000 + 988 × 1900 = 128000 + 1877200 = 2005200.
  t.equal(leaky?.badness, 2005200n);
});

t.test('critical pods are never evicted', async (t) => {
  const pods = [
    pod('static-a', { critical: true, priority: 0, containers: [container('c', 1000, Mi(4000))] }),
    pod('sys-b', { critical: true, priority: 2000001000, memoryRequest: Mi(100), containers: [container('c', -997, Mi(3500), Mi(4000), Mi(100))] }),
  ];
  // 7500 MiB: available 8192 − 768 − 7500 = −76 MiB < 100, but nothing may be evicted.
  const sim = simulateNode(NODE, pods);
  t.equal(sim.eviction.underPressure, true);
  t.same(sim.eviction.evictions, []);
  t.equal(sim.eviction.relieved, false);
  // Still ranked among themselves: both exceed; static-a's lower priority first.
  t.same(sim.eviction.ranking.map((e) => [e.name, e.critical]), [['static-a', true], ['sys-b', true]]);
  // The kernel does kill one: 7500 > 7424; static-a first (1000), 3500 MiB remain.
  t.same(sim.kernelOom.kills.map((s) => [s.victim.name, s.podUsageAfter]), [['static-a', Mi(3500)]]);

  // A critical pod ranked first by the kubelet's comparators is still skipped for the next one.
  const mixed = [pods[0], pod('plain', { memoryRequest: Mi(1000), containers: [container('c', 878, Mi(1100), null, Mi(1000))] })];
  const sim2 = simulateNode({ ...NODE, capacity: Mi(5500) }, mixed);
  // capacity 5500: available 5500 − 768 − 5100 = −368 MiB; evicting plain leaves 4000: 732 MiB.
  t.same(sim2.eviction.ranking.map((e) => e.name), ['plain', 'static-a']);
  t.same(sim2.eviction.evictions.map((e) => [e.name, e.memoryAvailableAfter]), [['plain', Mi(732)]]);
  t.equal(sim2.eviction.relieved, true);
});

t.test('the pod-level request is what eviction and fit count', async (t) => {
  // Pod-level request 3000 MiB, containers without requests: 2000 MiB used is under the request.
  const podLevel = pod('pod-level', { memoryRequest: Mi(3000), containers: [container('a', 634, Mi(1500)), container('b', 634, Mi(500))] });
  const small = pod('small', { memoryRequest: Mi(50), containers: [container('c', 994, Mi(100), null, Mi(50))] });
  const sim = simulateNode(NODE, [podLevel, small]);
  t.same(sim.fit.admitted.map((d) => [d.name, d.requestsTotal]), [['pod-level', Mi(3000)], ['small', Mi(3050)]]);
  const entry = sim.eviction.ranking.find((e) => e.name === 'pod-level');
  t.equal(entry?.request, Mi(3000));
  t.equal(entry?.usage, Mi(2000));
  t.equal(entry?.exceedsRequest, false);
  t.equal(entry?.usageOverRequest, -Mi(1000));
  // small exceeds its 50 MiB: ranked first though it uses 20 times less.
  t.same(sim.eviction.ranking.map((e) => e.name), ['small', 'pod-level']);
  // The same pod counted by its containers' requests (none) would exceed and rank first.
  t.same(rankMemoryPressure([{ name: 'small', priority: 0, request: Mi(50), usage: Mi(100) }, { name: 'by-containers', priority: 0, request: 0n, usage: Mi(2000) }]).map((p) => p.name), ['by-containers', 'small']);
});

t.test('eviction ties keep input order', async (t) => {
  const twin = (name: string) => pod(name, { memoryRequest: Mi(100), containers: [container('c', 988, Mi(200), null, Mi(100))] });
  const sim = simulateNode(NODE, [twin('one'), twin('two'), twin('three')]);
  t.same(sim.eviction.ranking.map((e) => e.name), ['one', 'two', 'three']);
  // The kernel, on the same tie, takes the last scanned first.
  t.same(sim.kernelOom.ranking.map((v) => v.name), ['three', 'two', 'one']);
});

t.test('oom_score_adj -1000 is never chosen; the kernel may run out of victims', async (t) => {
  const pods = [
    pod('pinned', { containers: [container('c', -1000, Mi(7000))] }),
    pod('other', { containers: [container('c', 500, Mi(600))] }),
  ];
  const sim = simulateNode(NODE, pods);
  t.same(sim.kernelOom.unkillable, [{ namespace: 'default', name: 'pinned', container: 'c' }]);
  t.same(sim.kernelOom.ranking.map((v) => v.name), ['other']);
  // 7600 > 7424: kill other, 7000 ≤ 7424.
  t.same(sim.kernelOom.kills.map((s) => [s.victim.name, s.podUsageAfter]), [['other', Mi(7000)]]);
  t.equal(sim.kernelOom.relieved, true);

  const stuck = simulateNode(NODE, [pod('pinned', { containers: [container('c', -1000, Mi(7500))] })]);
  t.equal(stuck.kernelOom.triggered, true);
  t.same(stuck.kernelOom.kills, []);
  t.equal(stuck.kernelOom.relieved, false);
});

t.test('page size: totalpages and rss pages follow it', async (t) => {
  // 64 KiB pages: 7424 MiB / 64 KiB = 118784 pages; / 1000 = 118. 2000 MiB = 32000 pages.
  const sim = simulateNode({ ...NODE, pageSize: 65536n }, [pod('be', { containers: [container('c', 1000, Mi(2000) + 65535n)] })]);
  t.equal(sim.node.pageSize, 65536n);
  t.equal(sim.kernelOom.totalPages, 118784n);
  t.equal(sim.kernelOom.pagesPerAdjPoint, 118n);
  t.equal(sim.kernelOom.ranking[0].rssPages, 32000n, 'rounded down');
  t.equal(sim.kernelOom.ranking[0].badness, 32000n + 118000n);
  t.equal(simulateNode(NODE, []).node.pageSize, 4096n);
  t.throws(() => simulateNode({ ...NODE, pageSize: 0n }, []), RangeError);
});

t.test('the assumptions are stated in the result', async (t) => {
  const sim = simulateNode(NODE, []);
  t.equal(sim.assumptions, ASSUMPTIONS);
  const ids = sim.assumptions.map((a) => a.id);
  for (const id of ['daemons-use-reservations', 'memcg-oom-at-limit', 'scan-order-is-input-order', 'eviction-ties-input-order']) t.ok(ids.includes(id), id);
  t.match(sim.assumptions.find((a) => a.id === 'daemons-use-reservations')?.text, /exactly their reservations/);
});

t.test('simulationJson: the issue contract, full rankings first victim first', async (t) => {
  const sim = simulateNode(NODE, crowd());
  const json = simulationJson(sim, { model: 'fraction', fraction: 0.9 });
  t.equal(json.schemaVersion, 1);
  t.same(json.node, { name: 'node-a', capacity: 8589934592, allocatable: 7679770624, evictionHard: 104857600, kubeReserved: 536870912, systemReserved: 268435456, pageSize: 4096 });
  t.same(json.usage, { model: 'fraction', fraction: 0.9 });
  t.same(json.eviction.map((e) => e.name), ['lowprio', 'be', 'burst', 'guar', 'crit']);
  t.same(json.eviction[0], { namespace: 'default', name: 'lowprio', priority: -10, request: 1048576000, usage: 1258291200, exceedsRequest: true, critical: false });
  t.same(json.oomKill[0], { namespace: 'default', name: 'be', container: 'app', oomScoreAdj: 1000, rssBytes: 2097152000, badness: 2412000 });
  t.equal(json.oomKill[4].badness, -1151900);
  t.same(json.pressure.evicted, [{ namespace: 'default', name: 'lowprio' }, { namespace: 'default', name: 'be' }]);
  t.equal(json.kernelOom.kills, 2);
  t.same(json.refused, []);
  t.same(JSON.parse(JSON.stringify(json)), json, 'plain JSON, no bigint left');
});
