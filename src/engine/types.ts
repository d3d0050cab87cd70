// Types shared by the engine, the rules and the output adapters.
import type { PodLike, PodResult, QosClass, ContainerType } from '../core/types.js';
import type { NodeFacts } from '../core/node.js';
import type { Placement } from '../core/placement.js';
import type { SourceObject, InputError } from '../input/types.js';

export type Severity = 'error' | 'warning' | 'info';
export type SeverityOrOff = Severity | 'off';

/** An RFC 6902 operation on the original object (paths are JSON Pointers into it). */
export type PatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string };

/** An object that holds a pod (a Pod, or any kind with a pod template), analysed. */
export interface Workload {
  source: SourceObject;
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | null;
  /** JSON Pointer of the pod (template) inside the object: "" for a Pod, "/spec/template", "/spec/jobTemplate/spec/template", "/template". */
  podPointer: string;
  /** The pod as written (no defaulting). */
  pod: PodLike;
  /** The pod after API-server defaulting and the namespace's LimitRanges, as the kubelet will see it. */
  defaultedPod: PodLike;
  analysis: PodResult;
  /** The node the pod was judged on, and how it was chosen (core/placement.ts). */
  placement: Placement;
}

/** What reports show of a placement (a Placement is one): only the capacity of its facts. */
export type ReportedPlacement = Omit<Placement, 'facts'> & { facts: Pick<NodeFacts, 'memoryCapacity'> };

export interface Finding {
  rule: string;
  severity: Severity;
  messageId: string;
  message: string;
  /** Container name, when the finding is about one container. */
  container?: string;
  /** JSON Pointer into the original object. */
  path: string;
  /** 1-based line in the file. */
  line: number;
  /** JSON Patch that fixes the finding, when the rule offers one. */
  fix?: PatchOperation[];
}

export interface ObjectReport {
  source: SourceObject;
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | null;
  /** Present only for objects that hold a pod. */
  workload?: Workload;
  findings: Finding[];
}

/**
 * Where an object was read, without its content: all that reports print of its source. Cheap to
 * keep for thousands of objects and to pass between threads (no parsed object, no positions).
 */
export type SourceRef = Pick<SourceObject, 'file' | 'document' | 'itemPointer' | 'line'>;

/** What reports show of a workload: its identity and the model's result (a Workload is one). */
export interface ReportedWorkload {
  source: SourceRef;
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | null;
  analysis: PodResult;
  placement: ReportedPlacement;
}

/** What reports show of an object (an ObjectReport is one): see reportedObject in lint.ts. */
export interface ReportedObject {
  source: SourceRef;
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | null;
  workload?: ReportedWorkload;
  findings: Finding[];
}

/** What the output adapters render. */
export interface LintReport {
  kubernetesVersion: string;
  node: NodeFacts;
  objects: ReportedObject[];
  errors: InputError[];
}

export interface ContainerRow {
  name: string;
  type: ContainerType;
  memoryRequest: bigint | null;
  memoryLimit: bigint | null;
  oomScoreAdj: number;
}

export type { QosClass };
