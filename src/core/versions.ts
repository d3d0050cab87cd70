// Supported Kubernetes minors and the feature gates that change QoS or oom_score_adj.
// Gate stages follow pkg/features/kube_features.go (versioned feature specs) of each minor.
import type { FeatureGateName, FeatureGates } from './types.js';

export const OLDEST_MINOR = 25;
export const NEWEST_MINOR = 37;
export const DEFAULT_KUBERNETES_VERSION = `1.${NEWEST_MINOR}`;

export const SUPPORTED_VERSIONS: readonly string[] = Array.from(
  { length: NEWEST_MINOR - OLDEST_MINOR + 1 },
  (_, i) => `1.${OLDEST_MINOR + i}`,
);

export class VersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VersionError';
  }
}

/**
 * Accepts "1.31", "v1.31", "1.31.4" and "v1.31.4-eks-abc" (patch and build suffixes do not
 * change the kubelet's formulas); returns "1.31".
 */
export function parseKubernetesVersion(text: string): string {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+][0-9A-Za-z.+-]*)?$/.exec(text.trim());
  if (!m) {
    throw new VersionError(`invalid Kubernetes version "${text}": expected a minor version like ${DEFAULT_KUBERNETES_VERSION}`);
  }
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major !== 1 || minor < OLDEST_MINOR || minor > NEWEST_MINOR) {
    throw new VersionError(
      `unsupported Kubernetes version "${text}": oomguard models 1.${OLDEST_MINOR} to 1.${NEWEST_MINOR}`,
    );
  }
  return `1.${minor}`;
}

export function minorOf(version: string): number {
  return Number(version.split('.')[1]);
}

interface GateStage {
  /** First minor of this stage. */
  since: number;
  default: boolean;
  locked: boolean;
  stage: 'alpha' | 'beta' | 'GA';
}

interface GateHistory {
  stages: GateStage[];
  /** Gate this one depends on (the kubelet refuses to start with the dependency off). */
  dependsOn?: FeatureGateName;
  /** First minor in which the gate no longer exists (the feature is simply on). */
  removedIn?: number;
}

// pkg/features/kube_features.go, per minor.
const GATES: Record<FeatureGateName, GateHistory> = {
  // KEP-753. Before 1.28 an init container's restartPolicy does not exist: the API server
  // drops it, so "sidecars" are plain init containers.
  SidecarContainers: {
    stages: [
      { since: 28, default: false, locked: false, stage: 'alpha' },
      { since: 29, default: true, locked: false, stage: 'beta' },
      // Locked on from 1.33; still listed in 1.36 and 1.37 ("remove in 1.36" did not happen).
      { since: 33, default: true, locked: true, stage: 'GA' },
    ],
  },
  // KEP-2837: spec.resources. Off, the API server drops the field (pkg/api/pod/util.go).
  PodLevelResources: {
    stages: [
      { since: 32, default: false, locked: false, stage: 'alpha' },
      { since: 34, default: true, locked: false, stage: 'beta' },
    ],
  },
  // PR #137150: an empty pod-level stanza no longer decides the QoS class.
  PodLevelResourcesFixKubeletQOSClass: {
    stages: [{ since: 37, default: true, locked: false, stage: 'beta' }],
    dependsOn: 'PodLevelResources',
  },
  // PR #140514: pod-level defaulting moves to the registry strategy, runs whenever the pod sets
  // any pod-level request or limit, and also defaults pod-level limits from container limits.
  PodLevelResourcesFixDefaulting: {
    stages: [{ since: 37, default: true, locked: false, stage: 'beta' }],
    dependsOn: 'PodLevelResources',
  },
};

export const MODELLED_GATES = Object.keys(GATES) as FeatureGateName[];

export type GateStatus =
  | { exists: true; default: boolean; locked: boolean; stage: GateStage['stage'] }
  | { exists: false; reason: 'not-yet' | 'removed'; since?: number; value: boolean };

export function gateStatus(name: FeatureGateName, version: string): GateStatus {
  const minor = minorOf(version);
  const history = GATES[name];
  if (history.removedIn !== undefined && minor >= history.removedIn) {
    return { exists: false, reason: 'removed', value: true };
  }
  let current: GateStage | undefined;
  for (const s of history.stages) if (minor >= s.since) current = s;
  if (!current) return { exists: false, reason: 'not-yet', since: history.stages[0].since, value: false };
  return { exists: true, default: current.default, locked: current.locked, stage: current.stage };
}

/**
 * Effective gates for a version: defaults, then overrides. Like the kubelet, refuses gates
 * unknown to that version and changes to locked (GA) gates.
 */
export function resolveFeatureGates(version: string, overrides: Partial<Record<string, boolean>> = {}): FeatureGates {
  const gates = {} as FeatureGates;
  for (const name of MODELLED_GATES) {
    const st = gateStatus(name, version);
    gates[name] = st.exists ? st.default : st.value;
  }
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!(MODELLED_GATES as string[]).includes(name)) {
      throw new VersionError(
        `unknown feature gate "${name}": oomguard models ${MODELLED_GATES.join(', ')} (the gates that change QoS or oom_score_adj)`,
      );
    }
    const gate = name as FeatureGateName;
    const st = gateStatus(gate, version);
    if (!st.exists) {
      throw new VersionError(
        st.reason === 'removed'
          ? `feature gate ${gate} was removed in Kubernetes ${version} (the feature is always on)`
          : `feature gate ${gate} does not exist in Kubernetes ${version} (it appears in 1.${st.since})`,
      );
    }
    if (st.locked && value !== st.default) {
      throw new VersionError(`feature gate ${gate} is GA and locked to ${st.default} in Kubernetes ${version}`);
    }
    gates[gate] = value;
  }
  // Dependent gates: explicitly on with their dependency off is refused (the kubelet panics at
  // start-up, kubernetes#140848); left at their default, they follow the dependency off.
  for (const name of MODELLED_GATES) {
    const dependency = GATES[name].dependsOn;
    if (dependency === undefined || gates[dependency] || !gates[name]) continue;
    if (overrides[name] === true) {
      throw new VersionError(`feature gate ${name} requires ${dependency}=true`);
    }
    gates[name] = false;
  }
  return gates;
}

/** Parses `--feature-gates Name=true,Other=false` (the kubelet's syntax). */
export function parseFeatureGateList(text: string): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const m = /^([A-Za-z0-9]+)=(true|false)$/i.exec(item);
    if (!m) throw new VersionError(`invalid feature gate "${item}": expected Name=true or Name=false`);
    out[m[1]] = m[2].toLowerCase() === 'true';
  }
  return out;
}

/** How the kubelet of a version computes QoS and oom_score_adj (with its gates). */
export interface KubeletModel {
  version: string;
  minor: number;
  gates: FeatureGates;
  /** guaranteedOOMScoreAdj, pkg/kubelet/qos/policy.go: -997 since 1.20 (PR #71269). */
  guaranteedOomScoreAdj: number;
  /** GetPodQOS returns a non-empty status.qosClass verbatim (PR #119665, 1.29). */
  qosFromStatus: boolean;
  /** Init containers with restartPolicy Always are sidecars (API field kept). */
  sidecars: boolean;
  /** Sidecar adj capped at the adj of the regular container with the smallest request (PR #128029, 1.32). */
  sidecarOomRule: boolean;
  /** spec.resources is kept by the API server and used by QoS, defaulting and the OOM formula. */
  podLevelResources: boolean;
  /** 1.37 ComputePodQOS rewrite (PR #134936): per-container classes instead of summed requests. */
  perContainerQosAlgorithm: boolean;
  /** Pod-level stanza decides QoS only when it sets a request or limit (PR #137150). */
  podLevelQosNeedsValues: boolean;
  /**
   * 1.37 pod-level defaulting (PR #140514): triggered by any pod-level request or limit, and
   * pod-level limits default to the aggregated container limits.
   */
  podLevelDefaultingFix: boolean;
  /** Resource names allowed at pod level: cpu and memory; hugepages-* from 1.33 (PR #130577). */
  podLevelHugepages: boolean;
}

export function kubeletModel(version: string, gates: FeatureGates): KubeletModel {
  const minor = minorOf(version);
  return {
    version,
    minor,
    gates,
    guaranteedOomScoreAdj: -997,
    qosFromStatus: minor >= 29,
    sidecars: gates.SidecarContainers,
    sidecarOomRule: minor >= 32 && gates.SidecarContainers,
    podLevelResources: minor >= 32 && gates.PodLevelResources,
    perContainerQosAlgorithm: minor >= 37,
    podLevelQosNeedsValues: minor >= 37 && gates.PodLevelResources && gates.PodLevelResourcesFixKubeletQOSClass,
    podLevelDefaultingFix: minor >= 37 && gates.PodLevelResources && gates.PodLevelResourcesFixDefaulting,
    podLevelHugepages: minor >= 33,
  };
}

/** IsSupportedPodLevelResource (component-helpers/resource): cpu, memory; hugepages-* from 1.33. */
export function isSupportedPodLevelResource(name: string, model: KubeletModel): boolean {
  return name === 'cpu' || name === 'memory' || (model.podLevelHugepages && name.startsWith('hugepages-'));
}

/**
 * The Kubernetes minor the nodes' kubelets run (status.nodeInfo.kubeletVersion), when they all run
 * one that oomguard models: what `oomguard audit` and the webhook model when no version is given.
 * `note` says why not, when the nodes name versions but no one modelled minor.
 */
export function kubeletVersionOfNodes(nodes: readonly unknown[]): { version: string | null; note: string | null } {
  const minors = new Set<number>();
  for (const n of nodes) {
    const info = (n as { status?: { nodeInfo?: { kubeletVersion?: unknown } } })?.status?.nodeInfo?.kubeletVersion;
    const m = typeof info === 'string' ? /^v?1\.(\d+)\./.exec(info) : null;
    if (m === null) return { version: null, note: null };
    minors.add(Number(m[1]));
  }
  if (minors.size === 0) return { version: null, note: null };
  const sorted = [...minors].sort((a, b) => a - b);
  const fallback = `modelling ${DEFAULT_KUBERNETES_VERSION} (give --kubernetes-version)`;
  if (sorted.length > 1) return { version: null, note: `the nodes run kubelets 1.${sorted.join(', 1.')}: ${fallback}` };
  const minor = sorted[0];
  if (minor < OLDEST_MINOR || minor > NEWEST_MINOR) return { version: null, note: `the nodes run kubelet 1.${minor}, which oomguard does not model: ${fallback}` };
  return { version: `1.${minor}`, note: null };
}
