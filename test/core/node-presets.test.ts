// Cloud node presets (src/core/node-presets.ts, docs/node-presets.md). Every expected number is
// worked out by hand in the comments from the vendors' published formulas
// (../shared/kubernetes/semantics.md §4.3), in MiB, and rounded down to a whole Mi where a
// percentage leaves a fraction; none is read back from the code under test.
import t from 'tap';
import type { Test } from 'tap';
import {
  DEFAULT_PRESET_MAX_PODS,
  NODE_PRESET_PROVIDERS,
  NodePresetError,
  nodeFactsFromPreset,
  parseNodePreset,
  type NodePreset,
} from '../../src/core/node-presets.js';

const MI = 1n << 20n;
const GI = 1n << 30n;
const mi = (n: number) => BigInt(n) * MI;

function expectPreset(
  t: Test,
  text: string,
  version: string,
  want: { capacity: bigint; kube: bigint; eviction: bigint; allocatable: bigint; maxPods?: number; defaulted?: boolean },
): NodePreset {
  const p = parseNodePreset(text, version);
  t.equal(p.capacity, want.capacity, `${text} @${version}: capacity`);
  t.equal(p.kubeReserved, want.kube, `${text} @${version}: kube-reserved`);
  t.equal(p.systemReserved, 0n, `${text} @${version}: system-reserved`);
  t.equal(p.evictionHard, want.eviction, `${text} @${version}: eviction`);
  t.equal(p.allocatable, want.allocatable, `${text} @${version}: allocatable`);
  if (want.maxPods !== undefined) t.equal(p.maxPods, want.maxPods, `${text}: maxPods`);
  if (want.defaulted !== undefined) t.equal(p.maxPodsDefaulted, want.defaulted, `${text}: maxPodsDefaulted`);
  t.equal(p.text, text);
  return p;
}

t.test('GKE: 255Mi below 1Gi, then 25/20/10/6/2% by binary tiers; eviction 100Mi', async (t) => {
  const E = mi(100);
  // 512Mi < 1Gi: 255Mi. 512 - 255 - 100 = 157Mi.
  expectPreset(t, 'gke:512Mi', '1.34', { capacity: mi(512), kube: mi(255), eviction: E, allocatable: mi(157), maxPods: 110, defaulted: true });
  // 1023Mi < 1Gi: 255Mi. 1023 - 255 - 100 = 668Mi.
  expectPreset(t, 'gke:1023Mi', '1.34', { capacity: mi(1023), kube: mi(255), eviction: E, allocatable: mi(668) });
  // Exactly 1Gi is on the table: 25% of 1024Mi = 256Mi. 1024 - 256 - 100 = 668Mi.
  expectPreset(t, 'gke:1Gi', '1.34', { capacity: GI, kube: mi(256), eviction: E, allocatable: mi(668) });
  // 1.5Gi = 1536Mi: 25% = 384Mi. 1536 - 384 - 100 = 1052Mi.
  expectPreset(t, 'gke:1.5Gi', '1.34', { capacity: mi(1536), kube: mi(384), eviction: E, allocatable: mi(1052) });
  // 4Gi: 25% of 4096Mi = 1024Mi. 4096 - 1024 - 100 = 2972Mi.
  expectPreset(t, 'gke:4Gi', '1.34', { capacity: 4n * GI, kube: mi(1024), eviction: E, allocatable: mi(2972) });
  // 8Gi: 1024 + 20% of 4096 (819.2) = 1843.2 -> 1843Mi. 8192 - 1843 - 100 = 6249Mi.
  expectPreset(t, 'gke:8Gi', '1.34', { capacity: 8n * GI, kube: mi(1843), eviction: E, allocatable: mi(6249) });
  // 10Gi: 1024 + 819.2 + 10% of 2048 (204.8) = 2048Mi exactly. 10240 - 2048 - 100 = 8092Mi.
  expectPreset(t, 'gke:10Gi', '1.34', { capacity: 10n * GI, kube: mi(2048), eviction: E, allocatable: mi(8092) });
  // 16Gi: 1024 + 819.2 + 10% of 8192 (819.2) = 2662.4 -> 2662Mi. 16384 - 2662 - 100 = 13622Mi.
  expectPreset(t, 'gke:16Gi', '1.34', { capacity: 16n * GI, kube: mi(2662), eviction: E, allocatable: mi(13622) });
  // 64Gi: 2662.4 + 6% of 48Gi (49152 * 0.06 = 2949.12) = 5611.52 -> 5611Mi. 65536 - 5611 - 100 = 59825Mi.
  expectPreset(t, 'gke:64Gi', '1.34', { capacity: 64n * GI, kube: mi(5611), eviction: E, allocatable: mi(59825) });
  // 128Gi: 2662.4 + 6% of 112Gi (114688 * 0.06 = 6881.28) = 9543.68 -> 9543Mi. 131072 - 9543 - 100 = 121429Mi.
  expectPreset(t, 'gke:128Gi', '1.34', { capacity: 128n * GI, kube: mi(9543), eviction: E, allocatable: mi(121429) });
  // 256Gi: 9543.68 + 2% of 128Gi (131072 * 0.02 = 2621.44) = 12165.12 -> 12165Mi. 262144 - 12165 - 100 = 249879Mi.
  expectPreset(t, 'gke:256Gi', '1.34', { capacity: 256n * GI, kube: mi(12165), eviction: E, allocatable: mi(249879) });
  // Decimal 16G = 16,000,000,000 bytes. Tiers: 4Gi at 25% = 1,073,741,824; 4Gi at 20% = 858,993,459.2;
  // the rest, 16e9 - 8Gi = 7,410,065,408 at 10% = 741,006,540.8. Sum = 2,673,741,824 bytes
  // = 2549.88Mi -> 2549Mi = 2,672,820,224. Allocatable = 16e9 - 2,672,820,224 - 104,857,600 = 13,222,322,176.
  expectPreset(t, 'gke:16G', '1.34', { capacity: 16_000_000_000n, kube: 2_672_820_224n, eviction: E, allocatable: 13_222_322_176n });
  // MAXPODS is accepted and does not change GKE's numbers.
  expectPreset(t, 'gke:16Gi:32', '1.34', { capacity: 16n * GI, kube: mi(2662), eviction: E, allocatable: mi(13622), maxPods: 32, defaulted: false });
  // The version does not matter for GKE.
  expectPreset(t, 'gke:16Gi', '1.25', { capacity: 16n * GI, kube: mi(2662), eviction: E, allocatable: mi(13622) });
});

t.test('EKS: 11Mi × maxPods + 255Mi; eviction 100Mi; maxPods defaults to 110', async (t) => {
  const E = mi(100);
  // 11 * 58 + 255 = 638 + 255 = 893Mi. 16384 - 893 - 100 = 15391Mi.
  expectPreset(t, 'eks:16Gi:58', '1.34', { capacity: 16n * GI, kube: mi(893), eviction: E, allocatable: mi(15391), maxPods: 58, defaulted: false });
  // m5.large-like: 8Gi, 29 pods: 11 * 29 + 255 = 574Mi. 8192 - 574 - 100 = 7518Mi.
  expectPreset(t, 'eks:8Gi:29', '1.34', { capacity: 8n * GI, kube: mi(574), eviction: E, allocatable: mi(7518) });
  // Default 110 pods: 11 * 110 + 255 = 1465Mi. 16384 - 1465 - 100 = 14819Mi.
  const p = expectPreset(t, 'eks:16Gi', '1.34', { capacity: 16n * GI, kube: mi(1465), eviction: E, allocatable: mi(14819), maxPods: 110, defaulted: true });
  t.match(p.formula, /max pods 110 is oomguard's default: EKS derives it from the instance type's ENI limits/);
  // 737 pods (the largest ENI entry): 11 * 737 + 255 = 8362Mi. 768Gi = 786432Mi; 786432 - 8362 - 100 = 777970Mi.
  expectPreset(t, 'eks:768Gi:737', '1.34', { capacity: 768n * GI, kube: mi(8362), eviction: E, allocatable: mi(777970) });
  // Small: 1Gi, 4 pods: 44 + 255 = 299Mi. 1024 - 299 - 100 = 625Mi.
  expectPreset(t, 'eks:1Gi:4', '1.34', { capacity: GI, kube: mi(299), eviction: E, allocatable: mi(625) });
  t.equal(DEFAULT_PRESET_MAX_PODS, 110);
});

t.test('AKS 1.29 and later: min(20Mi × maxPods + 50Mi, 25% of M); eviction 100Mi', async (t) => {
  const E = mi(100);
  // The page's first example: 8 GB VM, 30 pods: 20 * 30 + 50 = 650 (MiB: AKS writes --kube-reserved=…Mi),
  // less than 25% of 8Gi = 2048Mi. 8192 - 650 - 100 = 7442Mi. (The page's "7.25 GB" treats
  // 0.65 GB and 100Mi = 0.1 GB loosely: 8 - 0.65 - 0.1.)
  const p = expectPreset(t, 'aks:8Gi:30', '1.29', { capacity: 8n * GI, kube: mi(650), eviction: E, allocatable: mi(7442), maxPods: 30, defaulted: false });
  t.equal(p.source, 'https://learn.microsoft.com/azure/aks/node-resource-reservations');
  // The same in decimal bytes: 8e9 - 650Mi - 100Mi = 8,000,000,000 - 786,432,000 = 7,213,568,000.
  expectPreset(t, 'aks:8G:30', '1.34', { capacity: 8_000_000_000n, kube: mi(650), eviction: E, allocatable: 7_213_568_000n });
  // The page's second example: 4 GB, 70 pods: 20 * 70 + 50 = 1450 > 25% of 4096 = 1024, so 1024Mi.
  // 4096 - 1024 - 100 = 2972Mi.
  expectPreset(t, 'aks:4Gi:70', '1.29', { capacity: 4n * GI, kube: mi(1024), eviction: E, allocatable: mi(2972) });
  // 25% cap with a fraction: 4G = 4e9 bytes, 250 pods: 20 * 250 + 50 = 5050Mi; 25% = 1e9 bytes
  // = 953.67Mi -> 953Mi wins. 4e9 - (953 + 100) * 1048576 = 4,000,000,000 - 1,104,150,528 = 2,895,849,472.
  expectPreset(t, 'aks:4G:250', '1.30', { capacity: 4_000_000_000n, kube: mi(953), eviction: E, allocatable: 2_895_849_472n });
  // 2Gi, 30 pods: min(650, 512) = 512Mi. 2048 - 512 - 100 = 1436Mi.
  expectPreset(t, 'aks:2Gi:30', '1.37', { capacity: 2n * GI, kube: mi(512), eviction: E, allocatable: mi(1436) });
  // Default 110 pods: 20 * 110 + 50 = 2250Mi (what an AKS node with --max-pods=110 runs with).
  // 16384 - 2250 - 100 = 14034Mi.
  const d = expectPreset(t, 'aks:16Gi', 'v1.31.4', { capacity: 16n * GI, kube: mi(2250), eviction: E, allocatable: mi(14034), maxPods: 110, defaulted: true });
  t.match(d.formula, /max pods 110 is oomguard's default: AKS uses 30 with Azure CNI/);
});

t.test('AKS before 1.29: the regressive table and eviction 750Mi', async (t) => {
  const E = mi(750);
  // 16Gi: 2662.4 -> 2662Mi; 16384 - 2662 - 750 = 12972Mi. Matches a real AKS 16 GiB node
  // (Azure/AKS#1216): capacity 16403296Ki - allocatable 12909408Ki = 3493888Ki = 3412Mi = 2662 + 750.
  expectPreset(t, 'aks:16Gi', '1.28', { capacity: 16n * GI, kube: mi(2662), eviction: E, allocatable: mi(12972) });
  // 8Gi with 30 pods: pods do not count before 1.29. 1843.2 -> 1843Mi (AKS's own flag:
  // --kube-reserved=…memory=1843Mi). 8192 - 1843 - 750 = 5599Mi.
  expectPreset(t, 'aks:8Gi:30', '1.28', { capacity: 8n * GI, kube: mi(1843), eviction: E, allocatable: mi(5599) });
  // 4Gi: 1024Mi; 4096 - 1024 - 750 = 2322Mi. Azure/AKS#3525: 4025836Ki - 2209260Ki = 1816576Ki = 1774Mi = 1024 + 750.
  expectPreset(t, 'aks:4Gi', '1.25', { capacity: 4n * GI, kube: mi(1024), eviction: E, allocatable: mi(2322) });
  // No 255Mi floor on AKS's table: 1Gi -> 256Mi; 1024 - 256 - 750 = 18Mi.
  expectPreset(t, 'aks:1Gi', '1.28', { capacity: GI, kube: mi(256), eviction: E, allocatable: mi(18) });
  const p = parseNodePreset('aks:16Gi', '1.28');
  t.match(p.formula, /AKS before 1\.29 \(here 1\.28\) uses the regressive table/);
  t.match(p.formula, /eviction memory\.available<750Mi/);
});

t.test('formula lines carry this node\'s numbers', async (t) => {
  t.equal(
    parseNodePreset('gke:16Gi', '1.34').formula,
    'kube-reserved = 25% of 4Gi + 20% of 4Gi + 10% of 8Gi = 2662Mi (rounded down to whole Mi); ' +
      'eviction memory.available<100Mi; allocatable = 16Gi − 2662Mi − 100Mi = 13622Mi',
  );
  t.equal(
    parseNodePreset('gke:256Gi', '1.34').formula,
    'kube-reserved = 25% of 4Gi + 20% of 4Gi + 10% of 8Gi + 6% of 112Gi + 2% of 128Gi = 12165Mi (rounded down to whole Mi); ' +
      'eviction memory.available<100Mi; allocatable = 256Gi − 12165Mi − 100Mi = 249879Mi',
  );
  t.equal(
    parseNodePreset('gke:10Gi', '1.34').formula,
    'kube-reserved = 25% of 4Gi + 20% of 4Gi + 10% of 2Gi = 2Gi; eviction memory.available<100Mi; allocatable = 10Gi − 2Gi − 100Mi = 8092Mi',
  );
  t.equal(
    parseNodePreset('gke:512Mi', '1.34').formula,
    'kube-reserved = 255Mi (below 1Gi); eviction memory.available<100Mi; allocatable = 512Mi − 255Mi − 100Mi = 157Mi',
  );
  t.equal(
    parseNodePreset('eks:16Gi:58', '1.34').formula,
    'kube-reserved = 11Mi × 58 + 255Mi = 893Mi; eviction memory.available<100Mi; allocatable = 16Gi − 893Mi − 100Mi = 15391Mi',
  );
  t.equal(
    parseNodePreset('aks:8Gi:30', '1.34').formula,
    'kube-reserved = min(20Mi × 30 + 50Mi, 25% of 8Gi) = min(650Mi, 2Gi) = 650Mi; eviction memory.available<100Mi; ' +
      'allocatable = 8Gi − 650Mi − 100Mi = 7442Mi',
  );
  t.equal(
    parseNodePreset('eks:16Gi', '1.34').formula,
    "kube-reserved = 11Mi × 110 + 255Mi = 1465Mi; max pods 110 is oomguard's default: EKS derives it from the instance " +
      "type's ENI limits (write eks:MEMORY:MAXPODS); eviction memory.available<100Mi; allocatable = 16Gi − 1465Mi − 100Mi = 14819Mi",
  );
  t.equal(
    parseNodePreset('aks:16Gi:30', '1.28').formula,
    'kube-reserved = 25% of 4Gi + 20% of 4Gi + 10% of 8Gi = 2662Mi (rounded down to whole Mi); ' +
      'AKS before 1.29 (here 1.28) uses the regressive table; eviction memory.available<750Mi; allocatable = 16Gi − 2662Mi − 750Mi = 12972Mi',
  );
  t.equal(
    parseNodePreset('aks:4G:250', '1.30').formula,
    'kube-reserved = min(20Mi × 250 + 50Mi, 25% of 4G) = min(5050Mi, 953Mi (rounded down to whole Mi)) = 953Mi; ' +
      'eviction memory.available<100Mi; allocatable = 4G − 953Mi − 100Mi = 2827978Ki',
  );
  t.match(parseNodePreset('gke:16Gi:32', '1.34').formula, /= 2662Mi \(rounded down to whole Mi\); max pods do not enter GKE's formula; eviction/);
  for (const [text, version] of [['gke:16Gi', '1.34'], ['eks:16Gi', '1.34'], ['aks:16Gi', '1.34'], ['aks:16Gi', '1.28']]) {
    t.notMatch(parseNodePreset(text, version).formula, /\n/, `${text}: one line`);
  }
  t.equal(parseNodePreset('gke:16Gi', '1.34').source, 'https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes');
  t.match(parseNodePreset('eks:16Gi', '1.34').source, /awslabs\/amazon-eks-ami/);
});

t.test('errors: one line naming what is wrong', async (t) => {
  const cases: Array<[string, string, string]> = [
    ['gke', '1.34', 'invalid node preset "gke": expected PROVIDER:MEMORY[:MAXPODS], e.g. gke:16Gi or eks:16Gi:58'],
    ['', '1.34', 'invalid node preset "": expected PROVIDER:MEMORY[:MAXPODS], e.g. gke:16Gi or eks:16Gi:58'],
    ['gke:16Gi:30:1', '1.34', 'invalid node preset "gke:16Gi:30:1": expected PROVIDER:MEMORY[:MAXPODS], e.g. gke:16Gi or eks:16Gi:58'],
    [':16Gi', '1.34', 'invalid node preset ":16Gi": no provider (expected PROVIDER:MEMORY[:MAXPODS], e.g. gke:16Gi or eks:16Gi:58)'],
    ['gcp:16Gi', '1.34', 'invalid node preset "gcp:16Gi": unknown provider "gcp" (expected gke, eks or aks)'],
    ['GKE:16Gi', '1.34', 'invalid node preset "GKE:16Gi": unknown provider "GKE" (expected gke, eks or aks)'],
    ['gke:', '1.34', 'invalid node preset "gke:": no MEMORY (expected PROVIDER:MEMORY[:MAXPODS], e.g. gke:16Gi or eks:16Gi:58)'],
    ['gke:0', '1.34', 'invalid node preset "gke:0": MEMORY must be positive, got "0"'],
    ['gke:-4Gi', '1.34', 'invalid node preset "gke:-4Gi": MEMORY must be positive, got "-4Gi"'],
    ['eks:16Gi:0', '1.34', 'invalid node preset "eks:16Gi:0": MAXPODS must be a whole number from 1 to 999999, got "0"'],
    ['eks:16Gi:', '1.34', 'invalid node preset "eks:16Gi:": MAXPODS must be a whole number from 1 to 999999, got ""'],
    ['eks:16Gi:1.5', '1.34', 'invalid node preset "eks:16Gi:1.5": MAXPODS must be a whole number from 1 to 999999, got "1.5"'],
    ['eks:16Gi:-3', '1.34', 'invalid node preset "eks:16Gi:-3": MAXPODS must be a whole number from 1 to 999999, got "-3"'],
    ['eks:16Gi:many', '1.34', 'invalid node preset "eks:16Gi:many": MAXPODS must be a whole number from 1 to 999999, got "many"'],
    ['eks:16Gi:1000000', '1.34', 'invalid node preset "eks:16Gi:1000000": MAXPODS must be a whole number from 1 to 999999, got "1000000"'],
    // 255 + 100 = 355Mi > 256Mi.
    ['gke:256Mi', '1.34', 'invalid node preset "gke:256Mi": 256Mi leaves no allocatable memory (kube-reserved 255Mi + eviction memory.available<100Mi = 355Mi)'],
    // 11 * 17 + 255 = 442; 442 + 100 = 542Mi > 512Mi.
    ['eks:512Mi:17', '1.34', 'invalid node preset "eks:512Mi:17": 512Mi leaves no allocatable memory (kube-reserved 442Mi + eviction memory.available<100Mi = 542Mi)'],
    // 1000Mi before 1.29: 25% = 250Mi; 250 + 750 = 1000Mi: exactly nothing left.
    ['aks:1000Mi', '1.28', 'invalid node preset "aks:1000Mi": 1000Mi leaves no allocatable memory (kube-reserved 250Mi + eviction memory.available<750Mi = 1000Mi)'],
    // 100m of memory is 0.1 byte: Value() rounds up to 1 byte.
    ['gke:100m', '1.34', 'invalid node preset "gke:100m": 1 leaves no allocatable memory (kube-reserved 255Mi + eviction memory.available<100Mi = 355Mi)'],
    ['aks:8Gi', '1.12', 'invalid node preset "aks:8Gi": unsupported Kubernetes version "1.12": oomguard models 1.25 to 1.37'],
    ['gke:8Gi', 'latest', 'invalid node preset "gke:8Gi": invalid Kubernetes version "latest": expected a minor version like 1.37'],
  ];
  for (const [text, version, message] of cases) {
    t.throws(() => parseNodePreset(text, version), new NodePresetError(message), `${text} @${version}`);
  }
  // Bad quantities carry the quantity parser's message and its suggestion.
  for (const [text, suggestion] of [['gke:16GB', '(did you mean "16Gi" or "16G"?)'], ['eks:8gi:29', '(did you mean "8Gi"?)']]) {
    try {
      parseNodePreset(text, '1.34');
      t.fail(`${text} should throw`);
    } catch (err) {
      t.ok(err instanceof NodePresetError, `${text}: NodePresetError`);
      const message = (err as Error).message;
      t.ok(message.startsWith(`invalid node preset ${JSON.stringify(text)}: invalid quantity `), message);
      t.ok(message.endsWith(suggestion), message);
      t.notMatch(message, /\n/);
    }
  }
  t.equal(new NodePresetError('x').name, 'NodePresetError');
});

// An independent reference for the regressive table in whole MiB with Number arithmetic
// (exact here: hundredths of a MiB stay far below 2^53), to compare the bigint code against
// across many sizes.
function tableHundredthsMi(capacityMi: number): number {
  const tiers: Array<[number, number]> = [[4096, 25], [4096, 20], [8192, 10], [114688, 6], [Infinity, 2]];
  let rest = capacityMi;
  let sum = 0;
  for (const [size, percent] of tiers) {
    const slice = Math.min(rest, size);
    sum += slice * percent;
    rest -= slice;
    if (rest <= 0) break;
  }
  return sum;
}

t.test('allocatable = capacity − kube − system − eviction, for many sizes and every provider', async (t) => {
  let checked = 0;
  for (let capacityMi = 384; capacityMi <= 600 * 1024; capacityMi = Math.ceil(capacityMi * 1.37) + 3) {
    for (const [provider, version, pods] of [
      ['gke', '1.34', ''],
      ['eks', '1.34', ':29'],
      ['eks', '1.34', ''],
      ['aks', '1.34', ':30'],
      ['aks', '1.34', ':250'],
      ['aks', '1.28', ''],
    ] as const) {
      const text = `${provider}:${capacityMi}Mi${pods}`;
      let p: NodePreset;
      try {
        p = parseNodePreset(text, version);
      } catch (err) {
        t.ok(err instanceof NodePresetError && /leaves no allocatable memory/.test(err.message), `${text}: only too-small errors`);
        continue;
      }
      checked++;
      t.equal(p.allocatable, p.capacity - p.kubeReserved - p.systemReserved - p.evictionHard, `${text}: identity`);
      t.ok(p.allocatable > 0n, `${text}: positive`);
      t.equal(p.kubeReserved % MI, 0n, `${text}: whole Mi`);
      // The reference: GKE/AKS<1.29 table, floored to whole Mi; EKS and AKS 1.29+ by their formulas.
      const maxPods = pods === '' ? 110 : Number(pods.slice(1));
      let wantMi: number;
      if (provider === 'gke') wantMi = capacityMi < 1024 ? 255 : Math.floor(tableHundredthsMi(capacityMi) / 100);
      else if (provider === 'eks') wantMi = 11 * maxPods + 255;
      else if (version === '1.28') wantMi = Math.floor(tableHundredthsMi(capacityMi) / 100);
      else wantMi = Math.min(20 * maxPods + 50, Math.floor((capacityMi * 25) / 100));
      t.equal(p.kubeReserved, mi(wantMi), `${text}: kube-reserved ${wantMi}Mi`);
      t.equal(p.evictionHard, mi(provider === 'aks' && version === '1.28' ? 750 : 100), `${text}: eviction`);
    }
  }
  t.ok(checked > 80, `${checked} presets checked`);
});

t.test('nodeFactsFromPreset: capacity for oom_score_adj, allocatable for fit', async (t) => {
  const facts = nodeFactsFromPreset(parseNodePreset('eks:16Gi:58', '1.34'));
  t.equal(facts.memoryCapacity, 16n * GI);
  t.equal(facts.memoryAllocatable, mi(15391));
  t.equal(facts.source as string, 'preset');
  t.same(facts.nodeNames, []);
  t.same(facts.capacityRange, { min: 16n * GI, max: 16n * GI });
  t.same(facts.allocatableRange, { min: mi(15391), max: mi(15391) });
});

t.test('NODE_PRESET_PROVIDERS lists each provider once, with a one-line description', async (t) => {
  t.same(
    NODE_PRESET_PROVIDERS.map((p) => p.provider),
    ['gke', 'eks', 'aks'],
  );
  for (const { provider, description } of NODE_PRESET_PROVIDERS) {
    t.ok(description.length > 20, `${provider}: described`);
    t.notMatch(description, /\n/, `${provider}: one line`);
  }
});
