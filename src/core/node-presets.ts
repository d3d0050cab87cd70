// Cloud node presets: a node's memory allocatable from a managed service's published defaults,
// for when no Node object is at hand (`--node FILE` beats any preset). Pure: no I/O, no globals.
//
//   allocatable = capacity − kubeReserved − systemReserved − evictionHard(memory.available)
//
// (pkg/kubelet/cm/node_container_manager_linux.go GetNodeAllocatableReservation and the nodestatus
// setter; ../shared/kubernetes/semantics.md §4.2). The vendor formulas are those of §4.3, with
// their sources below. docs/node-presets.md is the user page.
//
// Units and rounding. The vendors hand the kubelet whole mebibytes (`--kube-reserved=…memory=1843Mi`
// on an 8 GiB AKS node, `kubeReserved.memory: "<11 × maxPods + 255>Mi"` from the EKS bootstrap), so every
// reservation here is computed exactly in bytes (bigint, no floats) and then rounded down to a
// whole Mi. The tier boundaries are binary (4Gi, 8Gi, 16Gi, 128Gi), as GKE's page states them.
// AKS's "MB" is MiB: an AKS 1.29+ node with --max-pods=110 runs with memory=2250Mi (20 × 110 + 50).
import { formatBytes, Quantity, QuantityError } from './quantity.js';
import { nodeFactsFromCapacity, type NodeFacts } from './node.js';
import { minorOf, parseKubernetesVersion, VersionError } from './versions.js';

export type NodePresetProvider = 'gke' | 'eks' | 'aks';

export interface NodePreset {
  provider: NodePresetProvider;
  /** As the user wrote it, e.g. "gke:16Gi". */
  text: string;
  capacity: bigint;
  maxPods: number;
  /** True when MAXPODS was not given and the provider default was used. */
  maxPodsDefaulted: boolean;
  kubeReserved: bigint;
  systemReserved: bigint;
  evictionHard: bigint;
  allocatable: bigint;
  /**
   * One line: the formula with this node's numbers, e.g. "kube-reserved = 25% of 4Gi + 20% of 4Gi +
   * 10% of 8Gi = 2662Mi (rounded down to whole Mi); eviction memory.available<100Mi; allocatable =
   * 16Gi − 2662Mi − 100Mi = 13622Mi". It says when MAXPODS was defaulted.
   */
  formula: string;
  /** Where the formula is published (URL). */
  source: string;
}

export class NodePresetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NodePresetError';
  }
}

const MI = 1n << 20n;
const GI = 1n << 30n;

/**
 * Max pods when MAXPODS is not given: 110, the kubelet default (KubeletConfiguration maxPods),
 * which is also GKE Standard's and AKS kubenet's default. AKS with Azure CNI (node subnet)
 * defaults to 30 and Azure CNI Overlay to 250; EKS takes it from the instance type's ENI limits.
 */
export const DEFAULT_PRESET_MAX_PODS = 110;

/** Largest MAXPODS accepted (six digits): far above any real node, small enough to stay exact. */
const MAX_MAX_PODS = 999_999;

export const NODE_PRESET_SOURCES: Readonly<Record<NodePresetProvider, string>> = {
  gke: 'https://cloud.google.com/kubernetes-engine/docs/concepts/plan-node-sizes',
  eks: 'https://github.com/awslabs/amazon-eks-ami (bootstrap.sh get_memory_mebibytes_to_reserve)',
  aks: 'https://learn.microsoft.com/azure/aks/node-resource-reservations',
};

export const NODE_PRESET_PROVIDERS: ReadonlyArray<{ provider: NodePresetProvider; description: string }> = [
  {
    provider: 'gke',
    description: 'Google GKE: kube-reserved 25% of the first 4Gi, 20% of the next 4Gi, 10% of the next 8Gi, 6% up to 128Gi, 2% above (255Mi below 1Gi); eviction 100Mi',
  },
  {
    provider: 'eks',
    description: `Amazon EKS AMIs: kube-reserved 11Mi × max pods + 255Mi; eviction 100Mi (max pods default ${DEFAULT_PRESET_MAX_PODS}; EKS derives it from the instance type)`,
  },
  {
    provider: 'aks',
    description: 'Azure AKS: from 1.29 kube-reserved min(20Mi × max pods + 50Mi, 25%), eviction 100Mi; before 1.29 the GKE tiers, eviction 750Mi',
  },
];

const PROVIDERS: ReadonlySet<string> = new Set(NODE_PRESET_PROVIDERS.map((p) => p.provider));

/** The regressive table GKE publishes (and AKS before 1.29 uses): [slice size, percent]; null = the rest. */
const REGRESSIVE_TIERS: ReadonlyArray<readonly [bigint | null, bigint]> = [
  [4n * GI, 25n],
  [4n * GI, 20n],
  [8n * GI, 10n],
  [112n * GI, 6n],
  [null, 2n],
];

interface Reservation {
  bytes: bigint;
  /** The right-hand side with this node's numbers, e.g. "25% of 4Gi + 20% of 4Gi = 1843Mi". */
  text: string;
}

/** Rounds down to a whole Mi; says so in the text when it changed anything. */
function floorMi(hundredthBytes: bigint): { bytes: bigint; rounded: boolean } {
  const bytes = (hundredthBytes / (100n * MI)) * MI;
  return { bytes, rounded: bytes * 100n !== hundredthBytes };
}

function roundedNote(rounded: boolean): string {
  return rounded ? ' (rounded down to whole Mi)' : '';
}

/** Σ percent × slice over the tiers the capacity reaches, exactly, then rounded down to a whole Mi. */
function regressive(capacity: bigint): Reservation {
  let rest = capacity;
  let sum = 0n; // in hundredths of a byte
  const parts: string[] = [];
  for (const [size, percent] of REGRESSIVE_TIERS) {
    if (rest <= 0n) break;
    const slice = size === null || rest < size ? rest : size;
    sum += slice * percent;
    parts.push(`${percent}% of ${formatBytes(slice)}`);
    rest -= slice;
  }
  const { bytes, rounded } = floorMi(sum);
  return { bytes, text: `${parts.join(' + ')} = ${formatBytes(bytes)}${roundedNote(rounded)}` };
}

function gkeReserved(capacity: bigint): Reservation {
  if (capacity < GI) return { bytes: 255n * MI, text: `255Mi (below 1Gi)` };
  return regressive(capacity);
}

function eksReserved(maxPods: number): Reservation {
  const bytes = (11n * BigInt(maxPods) + 255n) * MI;
  return { bytes, text: `11Mi × ${maxPods} + 255Mi = ${formatBytes(bytes)}` };
}

function aksReserved(capacity: bigint, maxPods: number): Reservation {
  const perPods = (20n * BigInt(maxPods) + 50n) * MI;
  const quarter = floorMi(capacity * 25n);
  const bytes = perPods < quarter.bytes ? perPods : quarter.bytes;
  return {
    bytes,
    text:
      `min(20Mi × ${maxPods} + 50Mi, 25% of ${formatBytes(capacity)}) = ` +
      `min(${formatBytes(perPods)}, ${formatBytes(quarter.bytes)}${roundedNote(quarter.rounded)}) = ${formatBytes(bytes)}`,
  };
}

const SYNTAX = 'expected PROVIDER:MEMORY[:MAXPODS], e.g. gke:16Gi or eks:16Gi:58';

/**
 * Parses `PROVIDER:MEMORY[:MAXPODS]` and computes the node's memory allocatable from the
 * provider's published defaults. Throws NodePresetError with a one-line message naming what is
 * wrong (unknown provider, bad quantity, bad maxPods, memory too small to leave any allocatable).
 */
export function parseNodePreset(text: string, kubernetesVersion: string): NodePreset {
  const fail = (why: string): never => {
    throw new NodePresetError(`invalid node preset ${JSON.stringify(text)}: ${why}`);
  };
  const parts = text.trim().split(':');
  if (parts.length < 2 || parts.length > 3) fail(SYNTAX);
  const [providerText, memoryText, maxPodsText] = parts;
  if (!PROVIDERS.has(providerText)) {
    fail(providerText === '' ? `no provider (${SYNTAX})` : `unknown provider ${JSON.stringify(providerText)} (expected gke, eks or aks)`);
  }
  const provider = providerText as NodePresetProvider;

  if (memoryText.trim() === '') fail(`no MEMORY (${SYNTAX})`);
  let capacity = 0n;
  try {
    capacity = Quantity.parse(memoryText).value();
  } catch (err) {
    if (err instanceof QuantityError) fail(err.message);
    throw err;
  }
  if (capacity <= 0n) fail(`MEMORY must be positive, got ${JSON.stringify(memoryText)}`);

  let maxPods = DEFAULT_PRESET_MAX_PODS;
  const maxPodsDefaulted = maxPodsText === undefined;
  if (maxPodsText !== undefined) {
    if (!/^[0-9]+$/.test(maxPodsText) || Number(maxPodsText) < 1 || Number(maxPodsText) > MAX_MAX_PODS) {
      fail(`MAXPODS must be a whole number from 1 to ${MAX_MAX_PODS}, got ${JSON.stringify(maxPodsText)}`);
    }
    maxPods = Number(maxPodsText);
  }

  let minor = 0;
  try {
    minor = minorOf(parseKubernetesVersion(kubernetesVersion));
  } catch (err) {
    if (err instanceof VersionError) fail(err.message);
    throw err;
  }

  let reserved: Reservation;
  let evictionHard = 100n * MI;
  let note = '';
  switch (provider) {
    case 'gke':
      reserved = gkeReserved(capacity);
      note = maxPodsDefaulted ? '' : `max pods do not enter GKE's formula`;
      break;
    case 'eks':
      reserved = eksReserved(maxPods);
      note = maxPodsDefaulted
        ? `max pods ${maxPods} is oomguard's default: EKS derives it from the instance type's ENI limits (write eks:MEMORY:MAXPODS)`
        : '';
      break;
    case 'aks':
      if (minor >= 29) {
        reserved = aksReserved(capacity, maxPods);
        note = maxPodsDefaulted
          ? `max pods ${maxPods} is oomguard's default: AKS uses 30 with Azure CNI, 250 with Azure CNI Overlay, 110 with kubenet (write aks:MEMORY:MAXPODS)`
          : '';
      } else {
        reserved = regressive(capacity);
        evictionHard = 750n * MI;
        note = `AKS before 1.29 (here 1.${minor}) uses the regressive table`;
      }
      break;
  }
  const systemReserved = 0n;
  const allocatable = capacity - reserved.bytes - systemReserved - evictionHard;
  const eviction = `eviction memory.available<${formatBytes(evictionHard)}`;
  if (allocatable <= 0n) {
    fail(
      `${formatBytes(capacity)} leaves no allocatable memory ` +
        `(kube-reserved ${formatBytes(reserved.bytes)} + ${eviction} = ${formatBytes(reserved.bytes + evictionHard)})`,
    );
  }
  const formula =
    `kube-reserved = ${reserved.text}; ${note === '' ? '' : `${note}; `}${eviction}; ` +
    `allocatable = ${formatBytes(capacity)} − ${formatBytes(reserved.bytes)} − ${formatBytes(evictionHard)} = ${formatBytes(allocatable)}`;
  return {
    provider,
    text,
    capacity,
    maxPods,
    maxPodsDefaulted,
    kubeReserved: reserved.bytes,
    systemReserved,
    evictionHard,
    allocatable,
    formula,
    source: NODE_PRESET_SOURCES[provider],
  };
}

/**
 * NodeFacts for a preset: capacity (what oom_score_adj divides by) and allocatable (node fit).
 * The preset's capacity is the size the user gave; a real node's status.capacity (MemTotal) is a
 * little smaller, which `--node FILE` captures.
 */
export function nodeFactsFromPreset(p: NodePreset): NodeFacts {
  return {
    ...nodeFactsFromCapacity(p.capacity, 'preset', p.allocatable),
    reservations: { kubeReserved: p.kubeReserved, systemReserved: p.systemReserved, evictionHard: p.evictionHard, formula: p.formula, source: p.source, preset: p.text },
  };
}
