// Kubernetes' own table tests (pkg/apis/core/v1/helper/qos/qos_test.go and
// pkg/kubelet/qos/policy_test.go), transcribed into test/fixtures/kubernetes/upstream-cases.json.
// Like the Go tests, these run on raw objects: no API defaulting.
import t from 'tap';
import type { Test } from 'tap';
import { readFileSync } from 'node:fs';
import { analyzePod } from '../../src/core/analyze-pod.js';
import { resolveFeatureGates } from '../../src/core/versions.js';
import type { PodLike } from '../../src/core/types.js';

interface QosCase {
  name: string;
  pod: PodLike;
  featureGates: Record<string, boolean>;
  expected: string;
  expectedWithPodLevelResourcesFixKubeletQOSClass?: string;
  source?: string;
}
interface OomCase {
  name: string;
  pod: PodLike;
  container: string;
  memoryCapacity: number;
  featureGates: Record<string, boolean>;
  expected: number | { lowest: number; highest: number };
  alpha?: string;
}

const cases = JSON.parse(
  readFileSync(new URL('../fixtures/kubernetes/upstream-cases.json', import.meta.url), 'utf8'),
) as { qos: QosCase[]; qos_derived: QosCase[]; oom: OomCase[]; oom_unreleased_tiebreak: OomCase[] };

function modelledGates(gates: Record<string, boolean>, version: string) {
  const overrides: Record<string, boolean> = {};
  for (const name of ['PodLevelResources', 'PodLevelResourcesFixKubeletQOSClass', 'SidecarContainers']) {
    if (name in gates) overrides[name] = gates[name];
  }
  if (version !== '1.37') delete overrides.PodLevelResourcesFixKubeletQOSClass;
  return resolveFeatureGates(version, overrides);
}

function qosOf(pod: PodLike, version: string, gates: Record<string, boolean>) {
  return analyzePod(pod, {
    version,
    gates: modelledGates(gates, version),
    memoryCapacity: 8_000_000_000n,
    skipDefaulting: true,
    skipValidation: true,
  }).result.qosClass;
}

t.test('ComputePodQOS table, classic algorithm (1.36) and 1.37 rewrite', async (t) => {
  t.equal(cases.qos.length, 92);
  for (const c of cases.qos) {
    // The tables predate PodLevelResourcesFixKubeletQOSClass, so it is off here.
    t.equal(qosOf(c.pod, '1.36', c.featureGates), c.expected, `1.36 ${c.name}`);
    t.equal(qosOf(c.pod, '1.37', { ...c.featureGates, PodLevelResourcesFixKubeletQOSClass: false }), c.expected, `1.37 ${c.name}`);
    if (c.expectedWithPodLevelResourcesFixKubeletQOSClass) {
      t.equal(
        qosOf(c.pod, '1.37', { ...c.featureGates, PodLevelResourcesFixKubeletQOSClass: true }),
        c.expectedWithPodLevelResourcesFixKubeletQOSClass,
        `1.37 with the QoS fix gate: ${c.name}`,
      );
    }
  }
});

t.test('derived empty pod-level stanza cases (bug #135082 and its fix)', async (t) => {
  for (const c of cases.qos_derived) {
    t.equal(qosOf(c.pod, '1.37', c.featureGates), c.expected, c.name);
  }
});

function oomOf(c: OomCase, version: string, gates: Record<string, boolean>): number {
  const a = analyzePod(c.pod, {
    version,
    gates: modelledGates(gates, version),
    memoryCapacity: BigInt(c.memoryCapacity),
    skipDefaulting: true,
    skipValidation: true,
  });
  const found = a.result.containers.find((x) => x.name === c.container);
  if (!found) throw new Error(`container ${c.container} not found`);
  return found.oomScoreAdj;
}

function checkExpected(t: Test, got: number, expected: OomCase['expected'], msg: string) {
  if (typeof expected === 'number') t.equal(got, expected, msg);
  else t.ok(got >= expected.lowest && got <= expected.highest, `${msg}: ${got} in [${expected.lowest}, ${expected.highest}]`);
}

t.test('GetContainerOOMScoreAdjust table (1.37)', async (t) => {
  t.equal(cases.oom.length, 51);
  let ran = 0;
  for (const c of cases.oom) {
    if (c.featureGates.DRANodeAllocatableResources) {
      // DRANodeAllocatableResources is alpha (off by default); oomguard does not model DRA claims.
      continue;
    }
    checkExpected(t, oomOf(c, '1.37', c.featureGates), c.expected, c.name);
    ran++;
  }
  t.ok(ran >= 40, `ran ${ran} cases`);
});

t.test('tie-break table: gate-off values equal the released algorithm', async (t) => {
  for (const c of cases.oom_unreleased_tiebreak) {
    checkExpected(t, oomOf(c, '1.37', { PodLevelResources: c.featureGates.PodLevelResources }), c.expected, c.name);
  }
});

