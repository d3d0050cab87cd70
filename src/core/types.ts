// Shared types of the pure core. Kubernetes objects are read as plain JSON (what the API
// server would decode); only the fields oomguard reads are typed, the rest stay unknown.

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** `sidecar` is an init container with `restartPolicy: Always` (where the version knows sidecars). */
export type ContainerType = 'container' | 'init' | 'sidecar';

export type ResourceList = Record<string, unknown>;

export interface ResourceRequirements {
  requests?: ResourceList | null;
  limits?: ResourceList | null;
  [k: string]: unknown;
}

export interface Container {
  name?: string;
  image?: string;
  command?: unknown;
  args?: unknown;
  env?: unknown;
  resources?: ResourceRequirements | null;
  restartPolicy?: string;
  [k: string]: unknown;
}

export interface PodSpec {
  containers?: Container[] | null;
  initContainers?: Container[] | null;
  ephemeralContainers?: unknown;
  resources?: ResourceRequirements | null;
  priority?: number | null;
  priorityClassName?: string;
  nodeName?: string;
  nodeSelector?: Record<string, string> | null;
  volumes?: unknown;
  [k: string]: unknown;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string> | null;
  annotations?: Record<string, string> | null;
  [k: string]: unknown;
}

/** A Pod or a pod template: what the kubelet will eventually see once a controller creates the Pod. */
export interface PodLike {
  metadata?: ObjectMeta | null;
  spec?: PodSpec | null;
  status?: { qosClass?: string; [k: string]: unknown } | null;
}

/** The feature gates that change QoS or oom_score_adj, by their Kubernetes names. */
export interface FeatureGates {
  SidecarContainers: boolean;
  PodLevelResources: boolean;
  PodLevelResourcesFixKubeletQOSClass: boolean;
  PodLevelResourcesFixDefaulting: boolean;
}
export type FeatureGateName = keyof FeatureGates;

export interface ModelOptions {
  /** Kubernetes minor version, e.g. "1.34" (validated by core/versions.ts). */
  version: string;
  /** Effective gates for that version (defaults merged with overrides by core/versions.ts). */
  gates: FeatureGates;
  /** Node memory capacity in bytes (status.capacity.memory, MemTotal): what the kubelet divides by. */
  memoryCapacity: bigint;
  /**
   * Skip API-server defaulting. Only for Kubernetes' own unit-test tables, which call
   * ComputePodQOS and GetContainerOOMScoreAdjust on raw objects; the kubelet never sees one.
   */
  skipDefaulting?: boolean;
  /** Skip the API server's request <= limit check (Kubernetes' unit-test tables bypass validation). */
  skipValidation?: boolean;
}

export interface ContainerResult {
  name: string;
  type: ContainerType;
  /** Index inside its own list (spec.containers or spec.initContainers). */
  index: number;
  /** JSON Pointer of the container relative to the pod spec, e.g. "/containers/0". */
  specPointer: string;
  /** Bytes after defaulting (Quantity.Value(): rounded up); null when unset or zero. */
  memoryRequest: bigint | null;
  memoryLimit: bigint | null;
  /** Millicores after defaulting; null when unset or zero. */
  cpuRequest: bigint | null;
  cpuLimit: bigint | null;
  /** True when the request was copied from the limit by API-server defaulting. */
  memoryRequestDefaulted: boolean;
  oomScoreAdj: number;
}

export interface PodResult {
  qosClass: QosClass;
  /** `status` when status.qosClass was used verbatim (GetPodQOS, >= 1.29), else `computed`. */
  qosSource: 'status' | 'computed';
  /** IsNodeCriticalPod: every container gets the guaranteed constant. */
  nodeCritical: boolean;
  /** Whether pod-level resources (spec.resources) were in effect for QoS / oom_score_adj. */
  podLevelResources: boolean;
  podMemoryRequest: bigint | null;
  podMemoryLimit: bigint | null;
  /** Init containers (and sidecars) first, then regular containers: the kubelet's ContainerIter order. */
  containers: ContainerResult[];
  /**
   * Effective memory request of the pod as the scheduler and the eviction manager count it:
   * the pod-level request if in effect, else max(sum(regular + sidecars), max over init of
   * (init + sidecars started before it)) (KEP-753), no overhead.
   */
  effectiveMemoryRequest: bigint;
  /** The guaranteed constant of the version (-997 since 1.20). */
  guaranteedOomScoreAdj: number;
}
