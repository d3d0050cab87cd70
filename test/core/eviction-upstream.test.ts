// The kubelet's own eviction-ordering tests (pkg/kubelet/eviction/helpers_test.go and the memory
// cases of eviction_manager_test.go), transcribed into test/fixtures/kubernetes/eviction-cases.json
// and run through core/simulate.ts's ranking.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { Quantity } from '../../src/core/quantity.js';
import { evictionComparators, orderedBy, simulateNode } from '../../src/core/simulate.js';
import type { EvictionComparatorName, SimPod } from '../../src/core/simulate.js';

interface RankingCase {
  test: string;
  source: string;
  comparators: EvictionComparatorName[];
  pods: { name: string; priority: number; request: string; usage: string | null }[];
  expected: string[];
}
interface ManagerCase {
  test: string;
  source: string;
  memoryAvailable: string;
  threshold: string;
  pods: { name: string; priority: number; request: string; limit: string | null; usage: string; critical: boolean }[];
  expectedFirstEvicted: string | null;
}

const cases = JSON.parse(
  readFileSync(new URL('../fixtures/kubernetes/eviction-cases.json', import.meta.url), 'utf8'),
) as { ranking: RankingCase[]; manager: ManagerCase[] };

const bytes = (q: string) => Quantity.parse(q).value();

t.test('ranking tests of helpers_test.go', async (t) => {
  t.same(
    cases.ranking.map((c) => c.test),
    ['TestOrderedByExceedsRequestMemory', 'TestOrderedByPriority', 'TestOrderedByMemory', 'TestOrderedByPriorityMemory'],
  );
  for (const c of cases.ranking) {
    t.equal(c.source, 'pkg/kubelet/eviction/helpers_test.go');
    const pods = c.pods.map((p) => ({
      name: p.name,
      priority: p.priority,
      request: bytes(p.request),
      // The Go test gives no stats only where the comparator under test does not read them.
      usage: p.usage === null ? 0n : bytes(p.usage),
    }));
    const comparators = c.comparators.map((name) => evictionComparators[name]);
    t.ok(comparators.every((cmp) => typeof cmp === 'function'), `${c.test}: known comparators`);
    t.same(orderedBy(pods, ...comparators).map((p) => p.name), c.expected, c.test);
  }
});

t.test('memory cases of eviction_manager_test.go through simulateNode', async (t) => {
  t.same(cases.manager.map((c) => c.test), ['TestMemoryPressure', 'TestStaticCriticalPodsAreNotEvicted']);
  for (const c of cases.manager) {
    const pods: SimPod[] = c.pods.map((p) => ({
      namespace: 'default',
      name: p.name,
      priority: p.priority,
      critical: p.critical,
      qosClass: 'Burstable',
      memoryRequest: bytes(p.request),
      containers: [{ name: p.name, oomScoreAdj: 0, memoryRequest: bytes(p.request), memoryLimit: p.limit === null ? null : bytes(p.limit), usage: bytes(p.usage) }],
    }));
    const podUsage = pods.reduce((s, p) => s + p.containers[0].usage, 0n);
    const requests = pods.reduce((s, p) => s + p.memoryRequest, 0n);
    // The Go test sets memory.available directly; here it is capacity - the pods' usage, with no
    // reservations, and every pod admitted (the manager tests have no scheduler).
    const node = {
      name: c.test,
      capacity: podUsage + bytes(c.memoryAvailable),
      allocatable: requests,
      evictionHard: bytes(c.threshold),
      kubeReserved: 0n,
      systemReserved: 0n,
    };
    const sim = simulateNode(node, pods);
    t.equal(sim.fit.refused.length, 0, `${c.test}: every pod runs`);
    t.equal(sim.eviction.memoryAvailable, bytes(c.memoryAvailable), `${c.test}: memory.available as the Go test sets it`);
    t.ok(sim.eviction.underPressure, `${c.test}: under pressure`);
    t.equal(sim.eviction.evictions[0]?.name ?? null, c.expectedFirstEvicted, `${c.test}: first pod evicted`);
  }
});
