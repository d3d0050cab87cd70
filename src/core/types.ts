// Shared types of the pure core. Kubernetes objects are read as plain JSON (what the API
// server would decode); only the fields oomguard reads are typed, the rest stay unknown.
import type { Quantity } from './quantity.js';

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

// LimitRange data (parsed by core/limit-range.ts, which holds the behaviour).

/** One item of spec.limits, after SetDefaults_LimitRangeItem. */
export interface LimitRangeItem {
  /** "Container", "Pod", "PersistentVolumeClaim" (only the first two act on Pods). */
  type: string;
  /** JSON Pointer of the item in its LimitRange, e.g. "/spec/limits/0". */
  pointer: string;
  max: Map<string, Quantity>;
  min: Map<string, Quantity>;
  default: Map<string, Quantity>;
  defaultRequest: Map<string, Quantity>;
  maxLimitRequestRatio: Map<string, Quantity>;
}

export interface LimitRange {
  namespace: string;
  name: string;
  /** "namespace/name": how reports name it. */
  id: string;
  items: LimitRangeItem[];
}

/** Two LimitRanges default the same value of one container differently: the cluster may take either. */
export interface LimitRangeConflict {
  container: string;
  /** Pointer of the container in the pod spec, e.g. "/containers/0". */
  specPointer: string;
  which: 'requests' | 'limits';
  resource: string;
  /** The LimitRange oomguard applied (the first in input order) and its value. */
  used: { limitRange: string; value: string };
  ignored: { limitRange: string; value: string };
}

export type RefusedConstraint = 'min' | 'max' | 'maxLimitRequestRatio' | 'requestWithinLimit';

/** Why the API server refuses the Pods of a workload once LimitRanges have acted. */
export interface PodRefusal {
  /** "namespace/name" of the LimitRange whose bound (403) or default (422) causes it. */
  limitRange: string;
  /** 403 Forbidden from LimitRanger's checks; 422 Invalid when a default breaks request <= limit. */
  status: 403 | 422;
  /** The LimitRange item type whose bound is broken; "Container" for a 422. */
  scope: 'Container' | 'Pod';
  constraint: RefusedConstraint;
  resource: string;
  /** The container at fault, or null for a Pod-type bound on the pod's totals. */
  container: { name: string; specPointer: string } | null;
  /** The API server's own words, e.g. "maximum memory usage per Container is 1Gi, but limit is 2Gi". */
  message: string;
  /** For a 422: which value the LimitRange defaulted, and the request and limit it left (canonical quantities). */
  invalid?: { defaulted: 'request' | 'limit'; request: string; limit: string };
}

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
  /**
   * The LimitRanges of the pod's namespace (LimitRanger admission fills missing requests and
   * limits and refuses Pods out of bounds). Static pods never pass admission and ignore them.
   */
  limitRanges?: readonly LimitRange[];
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
  /** The requests and limits a LimitRange filled in: resource name -> "namespace/name"; null when none. */
  setByLimitRange: { requests: Record<string, string>; limits: Record<string, string> } | null;
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
  /** Whether spec.resources decides the QoS class (qos.ts podLevelDecidesQos): the containers' stanzas then do not count. */
  qosFromPodLevel: boolean;
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
  /** What the namespace's LimitRanges did: values they disagree on, and why the Pods would be refused. */
  limitRanges: { conflicts: LimitRangeConflict[]; refusals: PodRefusal[] };
}
