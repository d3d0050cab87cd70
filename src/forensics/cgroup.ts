// cgroup path → Kubernetes pod, container and QoS class, as the kubelet's cgroup managers name
// them (pkg/kubelet/cm/cgroup_manager_linux.go, qos_container_manager_linux.go,
// pod_container_manager_linux.go) and as the runtimes name container cgroups:
//
//   cgroupfs (v1 or v2):  /kubepods/pod<uid>/<id>                         Guaranteed
//                         /kubepods/burstable/pod<uid>/<id>               Burstable
//                         /kubepods/besteffort/pod<uid>/<id>              BestEffort
//   systemd  (v1 or v2):  /kubepods.slice/kubepods-pod<uid_>.slice/cri-containerd-<id>.scope
//                         /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice/crio-<id>.scope
//                         (docker-<id>.scope for dockershim / cri-dockerd; crio-conmon-<id>.scope is CRI-O's monitor)
//
// The systemd driver writes the UID with underscores (systemd unit names cannot hold dashes
// meaningfully); the API server writes it with dashes. A --cgroup-root (kind, k3s in Docker,
// `/kubelet.slice/kubelet-kubepods.slice/…`) puts more components in front; they are skipped.
// Pure.
import type { QosClass } from '../core/types.js';
import type { CgroupOwner, KubernetesCgroup } from './types.js';

export interface CgroupInfo {
  pod: KubernetesCgroup | null;
  owner: CgroupOwner;
}

const QOS: Record<string, QosClass> = { burstable: 'Burstable', besteffort: 'BestEffort', guaranteed: 'Guaranteed' };
const SYSTEMD_ROOT = /^(?:[\w.-]+-)?kubepods\.slice$/;
const SYSTEMD_TIER = /^(?:[\w.-]+-)?kubepods-(\w+)\.slice$/;
const SYSTEMD_POD = /^(?:[\w.-]+-)?kubepods-(?:(burstable|besteffort|guaranteed)-)?pod([0-9a-fA-F_-]+)\.slice$/;
const SCOPE = /^(cri-containerd|crio-conmon|crio|docker|cri-dockerd)-([0-9a-fA-F]+)\.scope$/;
const CGROUPFS_POD = /^pod([0-9a-fA-F_-]+)$/;
const CGROUPFS_CONTAINER = /^(?:(crio-conmon|crio|docker|cri-containerd)-)?([0-9a-fA-F]{12,})(?:\.scope)?$/;

function runtimeOf(prefix: string | undefined): KubernetesCgroup['runtime'] {
  if (prefix === undefined) return null;
  if (prefix === 'cri-containerd') return 'containerd';
  if (prefix.startsWith('crio')) return 'cri-o';
  return 'docker';
}

/** A pod UID as the API writes it: lower case, dashes. */
export function normalizeUid(raw: string): string {
  return raw.replace(/_/g, '-').toLowerCase();
}

function kubernetes(parts: string[]): CgroupInfo | null {
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (SYSTEMD_ROOT.test(p)) return systemd(parts, i);
    if (p === 'kubepods') return cgroupfs(parts, i);
  }
  return null;
}

function systemd(parts: string[], root: number): CgroupInfo {
  let i = root + 1;
  let tierQos: QosClass | null = null;
  const notes: string[] = [];
  const tier = parts[i] !== undefined && !SYSTEMD_POD.test(parts[i]) ? SYSTEMD_TIER.exec(parts[i]) : null;
  if (tier !== null) {
    tierQos = QOS[tier[1]] ?? null;
    if (tierQos === null) notes.push(`the QoS slice ${parts[i]} names no QoS class`);
    i++;
  }
  const podM = parts[i] !== undefined ? SYSTEMD_POD.exec(parts[i]) : null;
  if (podM === null) {
    if (i === root + 1) return { pod: null, owner: { kind: 'kubernetes-node-allocatable', description: `${parts[root]}, the cgroup of all pods on the node (node allocatable)` } };
    return { pod: null, owner: { kind: 'kubernetes-qos-tier', description: `${parts[i - 1]}, the cgroup of all ${tierQos ?? 'QoS-tier'} pods` } };
  }
  // The pod slice's own name carries the QoS class (kubepods-burstable-pod…): trust it over the
  // tier component, which a hand-copied path may have mangled.
  const podQos: QosClass = podM[1] === undefined ? 'Guaranteed' : QOS[podM[1]];
  if (tierQos !== null && tierQos !== podQos) notes.push(`the QoS slice says ${tierQos} but the pod slice ${parts[i]} says ${podQos}; the pod slice is used`);
  else if (tier !== null && tierQos === null) notes.push(`the pod slice ${parts[i]} says ${podQos}`);
  const uid = normalizeUid(podM[2]);
  const scope = parts[i + 1] !== undefined ? SCOPE.exec(parts[i + 1]) : null;
  const containerId = scope !== null ? scope[2].toLowerCase() : null;
  const pod: KubernetesCgroup = {
    uid,
    qosClass: podQos,
    containerId,
    runtime: scope !== null ? runtimeOf(scope[1]) : null,
    driver: 'systemd',
    conmon: scope !== null && scope[1] === 'crio-conmon',
    notes,
  };
  if (parts[i + 1] !== undefined && scope === null) notes.push(`${parts[i + 1]} is not a container scope this tool knows`);
  return {
    pod,
    owner: containerId !== null ? { kind: 'kubernetes-container', description: `container ${containerId.slice(0, 12)} of pod ${uid}` } : { kind: 'kubernetes-pod', description: `pod ${uid}` },
  };
}

function cgroupfs(parts: string[], root: number): CgroupInfo {
  let i = root + 1;
  let qos: QosClass = 'Guaranteed';
  const next = parts[i];
  if (next === 'burstable' || next === 'besteffort') {
    qos = QOS[next];
    i++;
  }
  const podM = parts[i] !== undefined ? CGROUPFS_POD.exec(parts[i]) : null;
  if (podM === null) {
    if (i === root + 1) return { pod: null, owner: { kind: 'kubernetes-node-allocatable', description: `/${parts.slice(0, root + 1).join('/')}, the cgroup of all pods on the node (node allocatable)` } };
    return { pod: null, owner: { kind: 'kubernetes-qos-tier', description: `/${parts.slice(0, i).join('/')}, the cgroup of all ${qos} pods` } };
  }
  const uid = normalizeUid(podM[1]);
  const c = parts[i + 1];
  const cm = c !== undefined ? CGROUPFS_CONTAINER.exec(c) : null;
  const containerId = cm !== null ? cm[2].toLowerCase() : (c ?? null);
  const notes: string[] = [];
  if (c !== undefined && cm === null) notes.push(`${c} is not a container ID this tool recognises; shown as is`);
  return {
    pod: { uid, qosClass: qos, containerId, runtime: cm !== null ? runtimeOf(cm[1]) : null, driver: 'cgroupfs', conmon: cm !== null && cm[1] === 'crio-conmon', notes },
    owner: containerId !== null ? { kind: 'kubernetes-container', description: `container ${containerId.slice(0, 12)} of pod ${uid}` } : { kind: 'kubernetes-pod', description: `pod ${uid}` },
  };
}

/** What a cgroup path belongs to: a Kubernetes pod (with its container), or what else it is. */
export function classifyCgroup(path: string): CgroupInfo {
  const parts = path.split('/').filter((p) => p !== '');
  const k = kubernetes(parts);
  if (k !== null) return k;
  if (parts.length === 0) return { pod: null, owner: { kind: 'root', description: 'the root cgroup (a process outside any service or container)' } };
  const last = parts[parts.length - 1];
  let m: RegExpExecArray | null;
  if ((m = /^docker-([0-9a-f]{12,})\.scope$/.exec(last)) !== null || (parts[0] === 'docker' && (m = /^([0-9a-f]{12,})$/.exec(parts[1] ?? '')) !== null)) {
    return { pod: null, owner: { kind: 'docker', description: `Docker container ${m[1].slice(0, 12)} (not a Kubernetes pod)` } };
  }
  if (last.endsWith('.service')) return { pod: null, owner: { kind: 'systemd-service', description: `the systemd service ${last} (not a Kubernetes pod)` } };
  if ((m = /^session-(\w+)\.scope$/.exec(last)) !== null) {
    const user = parts.find((p) => /^user-\d+\.slice$/.test(p));
    return { pod: null, owner: { kind: 'systemd-scope', description: `login session ${m[1]}${user ? ` of ${user.replace(/\.slice$/, '').replace('-', ' ')}` : ''} (not a Kubernetes pod)` } };
  }
  if (last.endsWith('.scope')) return { pod: null, owner: { kind: 'systemd-scope', description: `the systemd scope ${last} (not a Kubernetes pod)` } };
  if (last.endsWith('.slice')) return { pod: null, owner: { kind: 'systemd-slice', description: `the systemd slice ${last} (not a Kubernetes pod)` } };
  return { pod: null, owner: { kind: 'other', description: `the cgroup ${path} (not a Kubernetes pod)` } };
}
