// Who a running Pod belongs to, so that `oomguard audit` reports one entry per owner rather than
// one per replica. Pure: Pods and ReplicaSets in (plain JSON, as the API server returns them),
// owners out.
//
// The chain Kubernetes records is Pod → (controller ownerReference) → ReplicaSet → (its
// controller ownerReference) → Deployment (or an Argo Rollout, …). StatefulSets, DaemonSets and
// Jobs own their Pods directly. When the ReplicaSets were not read (files without --replicasets),
// a Deployment's name is recovered from the ReplicaSet's: the Deployment controller names each
// ReplicaSet `<deployment>-<pod-template-hash>` and copies the hash into the Pods' label
// `pod-template-hash`. Mirror Pods (static Pods, owned by their Node) and Pods without an owner
// stand alone.
import { isMapping } from '../core/pod.js';

export interface Owner {
  /** Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, any other controller kind; Pod for a Pod that stands alone. */
  kind: string;
  name: string;
  /** The Pod's namespace ("" for a Pod without one). */
  namespace: string;
  /** The ReplicaSet between the Pod and its owner (the Pod's controller), else null. */
  replicaSet: string | null;
  /**
   * How the owner was found: `pod` (the Pod's own controller reference), `replicaset` (the
   * ReplicaSet's controller reference), `pod-template-hash` (the Deployment's name taken from the
   * ReplicaSet's name: the ReplicaSets were not read), `none` (a Pod that stands alone).
   */
  basis: 'pod' | 'replicaset' | 'pod-template-hash' | 'none';
}

interface OwnerReference {
  kind: string;
  name: string;
}

/** A ReplicaSet as the audit keeps it: its controller and its pod template (nothing else). */
export interface KeptReplicaSet {
  namespace: string;
  name: string;
  owner: OwnerReference | null;
  /** spec.template, as written; null when it has none. */
  template: Record<string, unknown> | null;
}

function metadataOf(object: unknown): Record<string, unknown> | null {
  return isMapping(object) && isMapping(object.metadata) ? object.metadata : null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/** The controller reference of an object (ownerReferences with controller: true), else null. */
export function controllerOf(object: unknown): OwnerReference | null {
  const refs = metadataOf(object)?.ownerReferences;
  if (!Array.isArray(refs)) return null;
  for (const r of refs) {
    if (!isMapping(r) || r.controller !== true) continue;
    const kind = str(r.kind);
    const name = str(r.name);
    if (kind !== null && name !== null) return { kind, name };
  }
  return null;
}

/** "namespace/name" of an object; "" for a missing namespace. */
export function namespacedName(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/**
 * The ReplicaSets read (--replicasets, or the cluster), by namespace and name. Only those that
 * may have Pods are kept (spec.replicas or status.replicas above 0): a Deployment keeps up to
 * ten old ReplicaSets scaled to 0, whose templates no running Pod uses.
 */
export class ReplicaSetIndex {
  private readonly byName = new Map<string, KeptReplicaSet>();

  /** `defaultNamespace`: the namespace of a ReplicaSet that names none. */
  constructor(private readonly defaultNamespace = '') {}

  /** Adds a ReplicaSet object; returns false when it is not one (or has no name). */
  add(object: unknown): boolean {
    if (!isMapping(object) || object.kind !== 'ReplicaSet') return false;
    const meta = metadataOf(object);
    const name = str(meta?.name);
    if (name === null) return false;
    const namespace = str(meta?.namespace) ?? this.defaultNamespace;
    const spec = isMapping(object.spec) ? object.spec : null;
    const status = isMapping(object.status) ? object.status : null;
    const replicas = (v: unknown) => (typeof v === 'number' ? v : null);
    // spec.replicas defaults to 1; a ReplicaSet scaled to 0 that still has Pods says so in status.
    const specReplicas = replicas(spec?.replicas) ?? 1;
    const statusReplicas = replicas(status?.replicas) ?? 0;
    if (specReplicas <= 0 && statusReplicas <= 0) return true;
    this.byName.set(namespacedName(namespace, name), {
      namespace,
      name,
      owner: controllerOf(object),
      template: spec !== null && isMapping(spec.template) ? spec.template : null,
    });
    return true;
  }

  get(namespace: string, name: string): KeptReplicaSet | undefined {
    return this.byName.get(namespacedName(namespace, name));
  }

  get size(): number {
    return this.byName.size;
  }
}

/** The Pod's namespace (`defaultNamespace` when it names none) and name ("" when missing). */
export function podIdentity(pod: unknown, defaultNamespace = ''): { namespace: string; name: string } {
  const meta = metadataOf(pod);
  return { namespace: str(meta?.namespace) ?? defaultNamespace, name: str(meta?.name) ?? str(meta?.generateName) ?? '' };
}

/**
 * The owner a Pod is grouped under. `replicaSets` is null when none were read: a ReplicaSet's
 * Deployment is then inferred from the pod-template-hash label. A Pod without a namespace is in
 * `defaultNamespace`.
 */
export function ownerOf(pod: unknown, replicaSets: ReplicaSetIndex | null, defaultNamespace = ''): Owner {
  const { namespace, name } = podIdentity(pod, defaultNamespace);
  const alone: Owner = { kind: 'Pod', name, namespace, replicaSet: null, basis: 'none' };
  const controller = controllerOf(pod);
  // A mirror Pod (a static Pod, owned by its Node) stands alone: the Node runs several unrelated ones.
  if (controller === null || controller.kind === 'Node') return alone;
  if (controller.kind !== 'ReplicaSet') return { kind: controller.kind, name: controller.name, namespace, replicaSet: null, basis: 'pod' };

  const rs = controller.name;
  const kept = replicaSets?.get(namespace, rs);
  if (kept !== undefined) {
    return kept.owner === null
      ? { kind: 'ReplicaSet', name: rs, namespace, replicaSet: rs, basis: 'pod' }
      : { kind: kept.owner.kind, name: kept.owner.name, namespace, replicaSet: rs, basis: 'replicaset' };
  }
  const labels = metadataOf(pod)?.labels;
  const hash = isMapping(labels) ? str(labels['pod-template-hash']) : null;
  if (hash !== null && rs.endsWith(`-${hash}`) && rs.length > hash.length + 1) {
    return { kind: 'Deployment', name: rs.slice(0, rs.length - hash.length - 1), namespace, replicaSet: rs, basis: 'pod-template-hash' };
  }
  return { kind: 'ReplicaSet', name: rs, namespace, replicaSet: rs, basis: 'pod' };
}

/** "Deployment shop/api": how reports name an owner. */
export function ownerLabel(o: Pick<Owner, 'kind' | 'namespace' | 'name'>): string {
  return o.namespace === '' ? `${o.kind} ${o.name}` : `${o.kind} ${o.namespace}/${o.name}`;
}
