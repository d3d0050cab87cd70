// From a kernel report (or a pod's status) to the event `whodunit` prints: who was killed, by
// whom, and why that one, in plain words with the report's own numbers. Pure.
import { Quantity, formatBytes } from '../core/quantity.js';
import { classifyCgroup } from './cgroup.js';
import { rankTasks } from './badness.js';
import type { Candidate, Ranking } from './badness.js';
import { containerOf } from './pods.js';
import type { Eviction, PodIndex, PodRecord, Termination } from './pods.js';
import { capacityRangeFor, containerResult, predictPod, singleContainerPod, withMemory } from './predict.js';
import type { CgroupOwner, KernelReport, KilledProcess, KubernetesCgroup } from './types.js';
import type { QosClass } from '../core/types.js';

export interface ExplainContext {
  pods: PodIndex | null;
  /** Node memory capacity (MemTotal) from --node-memory, or null. */
  nodeMemory: bigint | null;
  kubernetesVersion: string;
}

export interface EventPod {
  uid: string;
  qosClass: QosClass | null;
  containerId: string | null;
  namespace: string | null;
  name: string | null;
  container: string | null;
  runtime: KubernetesCgroup['runtime'];
  /** How the container was matched in --pods: its container ID, or the pod's only container. */
  matchedBy: 'container-id' | 'only-container' | null;
  memoryRequestBytes: number | null;
  memoryLimitBytes: number | null;
}

export interface CrossCheck {
  kernelOomScoreAdj: number | null;
  predictedOomScoreAdj: number | null;
  /** The node capacity the prediction used (bytes), or null when none was known. */
  nodeMemoryBytes: number | null;
  nodeMemorySource: 'flag' | 'report' | null;
  /** Capacities (bytes) for which the prediction equals the kernel's value, when none was given. */
  consistentCapacity: { min: number; max: number } | null;
  agrees: boolean | null;
  note: string;
}

export interface WhodunitEvent {
  file: string;
  line: number | null;
  source: 'kernel' | 'pod-status';
  kind: 'memcg' | 'global' | 'eviction' | null;
  timestamp: string | null;
  host: string | null;
  kernelVersion: string | null;
  constraint: string | null;
  trigger: { process: string; pid: number | null; oomScoreAdj: number | null } | null;
  victim: (Omit<KilledProcess, 'line'> & { line: number }) | null;
  /** The cgroup whose limit was hit; path null when the report gives only its limit. */
  memcg: { path: string | null; limitKiB: number | null; usageKiB: number | null; scope: MemcgScope } | null;
  victimCgroup: string | null;
  cgroupOwner: CgroupOwner | null;
  pod: EventPod | null;
  victimRole: 'main-process' | 'child-process' | 'whole-container' | null;
  oomGroup: string | null;
  groupKills: KilledProcess[];
  sharedMmKills: Array<{ pid: number; process: string }>;
  badness: { totalPages: number | null; totalPagesSource: string | null; pageSizeKiB: number; pageSizeDerived: boolean; tasks: number; victimRank: number | null; kernelScore: Ranking['kernelScore'] } | null;
  candidates: Candidate[];
  crossCheck: CrossCheck | null;
  termination: { reason: string | null; exitCode: number | null; finishedAt: string | null; restartCount: number | null; which: 'state' | 'lastState' } | null;
  /** A pod-status termination that is the same kill as a kernel event read in this run (not counted twice). */
  sameKillAs: { file: string; line: number | null } | null;
  eviction: { message: string; resource: string | null; threshold: string | null; available: string | null; containers: Array<{ name: string; usage: string; request: string }>; priority: number | null } | null;
  explanation: string;
}

export type MemcgScope = 'container' | 'pod' | 'node-allocatable' | 'qos-tier' | 'other';

const KIB = 1024n;

/** "125952 kB (123Mi)", exact; the binary unit only when it divides. */
function kb(n: number): string {
  const b = BigInt(n) * KIB;
  const f = formatBytes(b);
  return /[KMGTPE]i$/.test(f) && !f.endsWith('Ki') ? `${n} kB (${f})` : `${n} kB`;
}

/** "1.94Gi": approximate, for ranges. */
export function approxBytes(bytes: bigint | number): string {
  const v = Number(bytes);
  const units = ['', 'Ki', 'Mi', 'Gi', 'Ti'];
  let i = 0;
  let x = v;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${i === 0 ? x : x.toFixed(2)}${units[i]}`;
}

function kernelKind(r: KernelReport): 'memcg' | 'global' | null {
  if (r.killLineKind === 'memcg') return 'memcg';
  if (r.constraint === 'CONSTRAINT_MEMCG') return 'memcg';
  // 5.0-rc kernels printed CONSTRAINT_NONE for memcg OOMs; oom_memcg= is only printed for one.
  if (r.oomMemcg !== null && !r.globalOomFlag) return 'memcg';
  if (r.killLineKind === 'global') return 'global';
  if (r.globalOomFlag || r.constraint === 'CONSTRAINT_NONE' || r.constraint === 'CONSTRAINT_CPUSET' || r.constraint === 'CONSTRAINT_MEMORY_POLICY') return 'global';
  if (r.memoryLimitKiB !== null || r.memcgStack) return 'memcg';
  if (r.memInfo || r.pagesRam !== null) return 'global';
  return null;
}

function scopeOf(owner: CgroupOwner): MemcgScope {
  switch (owner.kind) {
    case 'kubernetes-container':
      return 'container';
    case 'kubernetes-pod':
      return 'pod';
    case 'kubernetes-node-allocatable':
      return 'node-allocatable';
    case 'kubernetes-qos-tier':
      return 'qos-tier';
    default:
      return 'other';
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function who(p: { process: string; pid: number | null }): string {
  return p.pid === null ? p.process : `${p.process} (pid ${p.pid})`;
}

function memoryOf(v: KilledProcess): string {
  const parts: string[] = [];
  if (v.anonRssKiB !== null) parts.push(`anon-rss ${kb(v.anonRssKiB)}`);
  if (v.fileRssKiB !== null && v.fileRssKiB > 0) parts.push(`file-rss ${v.fileRssKiB} kB`);
  if (v.shmemRssKiB !== null && v.shmemRssKiB > 0) parts.push(`shmem-rss ${v.shmemRssKiB} kB`);
  return parts.join(', ');
}

function adjText(adj: number | null): string {
  return adj === null ? 'oom_score_adj not printed' : `oom_score_adj ${adj}`;
}

function podLabel(p: EventPod, extra: string[] = []): string {
  const name = p.namespace !== null && p.name !== null ? `pod ${p.namespace}/${p.name}` : `pod ${p.uid}`;
  const container = p.container !== null ? `container ${p.container}` : p.containerId !== null ? `container ${p.containerId.slice(0, 12)}` : null;
  const inParens = [...(p.qosClass !== null ? [p.qosClass] : []), ...extra];
  return `${container !== null ? `${container} of ` : ''}${name}${inParens.length > 0 ? ` (${inParens.join('; ')})` : ''}`;
}

function memoryResources(pod: PodRecord, container: string): { request: number | null; limit: number | null } {
  const all = [...(pod.object.spec?.containers ?? []), ...(pod.object.spec?.initContainers ?? [])];
  const c = all.find((x) => x.name === container);
  const q = (v: unknown): number | null => {
    if (typeof v !== 'string' && typeof v !== 'number') return null;
    try {
      return Number(Quantity.parse(v).value());
    } catch {
      return null;
    }
  };
  return { request: q(c?.resources?.requests?.memory), limit: q(c?.resources?.limits?.memory) };
}

function eventPod(k8s: KubernetesCgroup, ctx: ExplainContext): { pod: EventPod; record: PodRecord | null } {
  const record = ctx.pods?.byUid.get(k8s.uid) ?? null;
  const match = record !== null ? containerOf(record, k8s.containerId) : null;
  const res = record !== null && match !== null ? memoryResources(record, match.ref.name) : { request: null, limit: null };
  const status = record?.object.status as { qosClass?: unknown } | undefined;
  return {
    record,
    pod: {
      uid: k8s.uid,
      qosClass: k8s.qosClass ?? (typeof status?.qosClass === 'string' ? (status.qosClass as QosClass) : null),
      containerId: k8s.containerId,
      namespace: record?.namespace ?? null,
      name: record?.name ?? null,
      container: match?.ref.name ?? null,
      runtime: k8s.runtime,
      matchedBy: match?.how ?? null,
      memoryRequestBytes: res.request,
      memoryLimitBytes: res.limit,
    },
  };
}

/** The node capacity to predict with: the flag, else MemTotal from a global report's Mem-Info. */
function nodeCapacity(r: KernelReport | null, pageKiB: number, ctx: ExplainContext): { bytes: bigint; source: 'flag' | 'report' } | null {
  if (ctx.nodeMemory !== null) return { bytes: ctx.nodeMemory, source: 'flag' };
  if (r !== null && r.pagesRam !== null) return { bytes: BigInt(r.pagesRam - (r.pagesReserved ?? 0)) * BigInt(pageKiB) * KIB, source: 'report' };
  return null;
}

function crossCheck(record: PodRecord, container: string, kernelAdj: number | null, capacity: { bytes: bigint; source: 'flag' | 'report' } | null, ctx: ExplainContext): CrossCheck {
  const cap = capacity?.bytes ?? 16n * KIB * KIB * KIB;
  const p = predictPod(record.object, { kubernetesVersion: ctx.kubernetesVersion, memoryCapacity: cap });
  const base = { kernelOomScoreAdj: kernelAdj, nodeMemoryBytes: capacity === null ? null : Number(capacity.bytes), nodeMemorySource: capacity?.source ?? null };
  if ('error' in p) return { ...base, predictedOomScoreAdj: null, consistentCapacity: null, agrees: null, note: `oomguard could not analyse the pod: ${p.error}` };
  const c = containerResult(p.result, container);
  if (c === null) return { ...base, predictedOomScoreAdj: null, consistentCapacity: null, agrees: null, note: `container ${container} is not in the pod's spec` };
  const capacityMatters = p.result.qosClass === 'Burstable' && !p.result.nodeCritical;
  if (capacity === null && capacityMatters) {
    const range = kernelAdj !== null ? capacityRangeFor(kernelAdj, c.memoryRequest ?? 0n) : null;
    const note =
      range !== null
        ? `oomguard predicts ${kernelAdj} for this ${p.result.qosClass} container (memory request ${formatBytes(c.memoryRequest ?? 0n)}) on a node whose capacity is between ${approxBytes(range.min)} and ${approxBytes(range.max)}; give --node-memory to check it exactly`
        : `no node capacity known (give --node-memory): a ${p.result.qosClass} container's oom_score_adj depends on it`;
    return { ...base, predictedOomScoreAdj: null, consistentCapacity: range === null ? null : { min: Number(range.min), max: Number(range.max) }, agrees: null, note };
  }
  const agrees = kernelAdj === null ? null : kernelAdj === c.oomScoreAdj;
  const on = capacityMatters && capacity !== null ? ` on a node of ${formatBytes(capacity.bytes)} (${capacity.source === 'flag' ? '--node-memory' : "the report's Mem-Info"})` : '';
  let note = `oomguard predicts oom_score_adj ${c.oomScoreAdj} for container ${container} (${p.result.qosClass}${c.memoryRequest !== null ? `, memory request ${formatBytes(c.memoryRequest)}` : ', no memory request'})${on}`;
  if (agrees === true) note += `: the kernel's ${kernelAdj} agrees`;
  else if (agrees === false) {
    note += `, but the kernel had ${kernelAdj}: the pod the kubelet ran differs from this one (a LimitRange, a VPA or a mutating webhook changed its resources), the node's capacity is not the one assumed, the kubelet is another version than ${ctx.kubernetesVersion}, or the process set its own value`;
  }
  return { ...base, predictedOomScoreAdj: c.oomScoreAdj, consistentCapacity: null, agrees, note };
}

/** Among the task table's rows of a container's or pod's cgroup, the victim's place. */
function victimRole(r: KernelReport, scope: MemcgScope | null, k8s: KubernetesCgroup | null, record: PodRecord | null): { role: WhodunitEvent['victimRole']; why: string } {
  const v = r.victim;
  if (v === null) return { role: null, why: '' };
  const victimPath = r.victimMemcg;
  if (r.oomGroup !== null && victimPath !== null && (victimPath === r.oomGroup || victimPath.startsWith(`${r.oomGroup}/`))) {
    const group = classifyCgroup(r.oomGroup);
    const n = r.groupKills.length;
    const whole =
      group.owner.kind === 'kubernetes-container'
        ? 'the whole container: it exits with code 137 and the kubelet reports OOMKilled'
        : group.owner.kind === 'kubernetes-pod'
          ? 'every process of the pod'
          : `every process of ${r.oomGroup}`;
    return {
      role: 'whole-container',
      why: `memory.oom.group is set on ${r.oomGroup}${group.owner.kind === 'kubernetes-container' ? ' (the kubelet sets it on each container cgroup on cgroup v2 since 1.28, unless singleProcessOOMKill is on)' : ''}, so after ${who(v)} the kernel killed ${n} more process${n === 1 ? '' : 'es'} (${r.groupKills.map((g) => `${g.process} ${g.pid}`).join(', ')}): ${whole}.`,
    };
  }
  if (k8s === null) return { role: null, why: '' };
  const containers = record?.object.spec?.containers?.length ?? null;
  if (scope === 'pod' && containers !== null && containers > 1) {
    // A pod's cgroup lists every container's processes; without their cgroups the order cannot
    // tell whose main process came first.
    return {
      role: null,
      why: `The pod's cgroup holds the processes of its ${containers} containers, so the report cannot tell whether ${who(v)} was its container's main process: if it was, the container exited with code 137 and the kubelet reported OOMKilled; if it was a child, the container kept running and only the kernel log records the kill.`,
    };
  }
  const assuming = scope === 'pod' && record === null ? ' (if the pod has one container; --pods tells)' : '';
  if ((scope === 'container' || scope === 'pod') && r.tasks.length > 0 && v.oomScoreAdj !== null) {
    // The task table lists a cgroup's tasks in the order they joined it (css_task_iter), the
    // container's init first. Processes of one container share its oom_score_adj; the pause
    // process (-998) belongs to the sandbox.
    const same = r.tasks.filter((t) => t.oomScoreAdj === v.oomScoreAdj);
    const first = same[0];
    if (first !== undefined) {
      if (first.pid === v.pid) {
        return {
          role: 'main-process',
          why: `${who(v)} is the first process of its oom_score_adj (${v.oomScoreAdj}) in the task table, which lists a cgroup's processes in the order they joined it: most likely the container's main process${assuming}, so the container exited with code 137 and the kubelet reported OOMKilled and restarted it.`,
        };
      }
      return {
        role: 'child-process',
        why: `The report does not mark the container's main process, but the task table lists a cgroup's processes in the order they joined it, and ${first.name} (pid ${first.pid}) joined before ${who(v)}: the victim was most likely a child process${assuming}. Then the container kept running, its restart count did not move and kube_pod_container_status_last_terminated_reason never shows OOMKilled: an "invisible OOM kill" that only the kernel log (or container_oom_events_total) records.`,
      };
    }
  }
  return {
    role: null,
    why: `The report does not show whether ${who(v)} was the container's main process${r.tasks.length === 0 ? ' (it has no task table)' : ''}: if it was, the container exited with code 137 and the kubelet reported OOMKilled; if it was a child, the container kept running and only the kernel log records the kill.`,
  };
}

function candidateLine(c: Candidate, totalPages: number | null): string {
  const adjTerm = totalPages !== null && c.oomScoreAdj !== null ? c.oomScoreAdj * Math.floor(totalPages / 1000) : null;
  const mem = c.memoryPages !== null ? `${c.memoryPages} pages of memory` : 'memory not printed';
  if (c.points === null) return `${c.process} (pid ${c.pid}): ${mem}, ${adjText(c.oomScoreAdj)}`;
  return `${c.process} (pid ${c.pid}): ${c.points} points = ${mem} ${adjTerm !== null && adjTerm < 0 ? '−' : '+'} ${Math.abs(adjTerm ?? 0)} for ${adjText(c.oomScoreAdj)}`;
}

/** Why the top candidate beat the next one. */
function whyWon(ranking: Ranking): string {
  const [a, b] = ranking.top;
  if (a === undefined || a.points === null || ranking.totalPages === null) return '';
  if (b === undefined || b.points === null) return `${a.process} (pid ${a.pid}) was the only process that could be killed.`;
  const unit = Math.floor(ranking.totalPages / 1000);
  const memA = a.memoryPages ?? 0;
  const memB = b.memoryPages ?? 0;
  if ((a.oomScoreAdj ?? 0) === (b.oomScoreAdj ?? 0)) {
    return `${a.process} and the runner-up ${b.process} (pid ${b.pid}) have the same oom_score_adj, so memory decided: ${memA} against ${memB} pages.`;
  }
  if (memA >= memB) {
    return `${a.process} used more memory than the runner-up ${b.process} (pid ${b.pid}, ${memB} pages)${(a.oomScoreAdj ?? 0) > (b.oomScoreAdj ?? 0) ? ' and had the higher oom_score_adj as well' : `, enough to outweigh its lower oom_score_adj`}.`;
  }
  const gap = ((a.oomScoreAdj ?? 0) - (b.oomScoreAdj ?? 0)) * unit;
  return `${a.process} used less memory than the runner-up ${b.process} (pid ${b.pid}, ${memB} against ${memA} pages), but its oom_score_adj ${a.oomScoreAdj} against ${b.oomScoreAdj} is worth ${gap} pages (${approxBytes(gap * ranking.pageKiB * 1024)}) at totalpages ${ranking.totalPages}: oom_score_adj decided.`;
}

/**
 * What change to the victim's manifest would have changed the kernel's choice: a memory request
 * (and for BestEffort a limit) at the victim's memory at the kill, with the oom_score_adj that the
 * core predicts for it, and the ranking recomputed with that value.
 */
function whatWouldChange(r: KernelReport, ranking: Ranking | null, pod: EventPod, record: PodRecord | null, capacity: { bytes: bigint; source: 'flag' | 'report' } | null, ctx: ExplainContext): string {
  const v = r.victim;
  if (v === null || v.oomScoreAdj === null) return '';
  if (pod.qosClass === 'Guaranteed' || v.oomScoreAdj <= -997) {
    return `The victim's pod is Guaranteed (oom_score_adj ${v.oomScoreAdj}): only memory put it first; more node memory, or less memory used by the rest, would have spared it.`;
  }
  if (capacity === null) return 'Give --node-memory (the node capacity) to see what a memory request would have changed.';
  const rssKiB = (v.anonRssKiB ?? 0) + (v.fileRssKiB ?? 0) + (v.shmemRssKiB ?? 0);
  if (rssKiB === 0) return '';
  const mib = (BigInt(rssKiB) + 1023n) / 1024n;
  const bytes = mib * KIB * KIB;
  const bestEffort = pod.qosClass === 'BestEffort' || v.oomScoreAdj === 1000;
  const change = bestEffort
    ? `a memory request and limit of ${mib}Mi (its memory at the kill; a limit also confines a leak to the container's own cgroup, where it alone is killed at the limit)`
    : `a memory request of ${mib}Mi (its memory at the kill)`;
  let predicted: number | null = null;
  if (record !== null && pod.container !== null) {
    const p = predictPod(withMemory(record.object, pod.container, bytes, bestEffort), { kubernetesVersion: ctx.kubernetesVersion, memoryCapacity: capacity.bytes });
    if ('result' in p) predicted = containerResult(p.result, pod.container)?.oomScoreAdj ?? null;
  } else {
    const resources = bestEffort ? { limits: { memory: `${mib}Mi` } } : { requests: { memory: `${mib}Mi` } };
    const p = predictPod(singleContainerPod(resources), { kubernetesVersion: ctx.kubernetesVersion, memoryCapacity: capacity.bytes });
    if ('result' in p) predicted = p.result.containers[0].oomScoreAdj;
  }
  if (predicted === null) return '';
  let text = `With ${change}, oomguard predicts oom_score_adj ${predicted} instead of ${v.oomScoreAdj} on this ${formatBytes(capacity.bytes)} node${bestEffort ? ' (the pod becomes Burstable, or Guaranteed if every container sets cpu and memory requests equal to limits)' : ''}`;
  if (ranking !== null && ranking.totalPages !== null && ranking.victim !== null && ranking.victim.memoryPages !== null) {
    const unit = Math.floor(ranking.totalPages / 1000);
    const newPoints = ranking.victim.memoryPages + predicted * unit;
    const rival = ranking.top.find((c) => c.pid !== v.pid && c.points !== null && c.points > newPoints);
    text += rival !== undefined
      ? `: its badness would drop to ${newPoints} points and ${rival.process} (pid ${rival.pid}, ${rival.points} points) would have been chosen instead.`
      : `: its badness would be ${newPoints} points, still the highest: it would have been killed anyway, for its memory.`;
  } else {
    text += '.';
  }
  return text;
}

function limitSentence(r: KernelReport): string {
  if (r.memoryLimitKiB === null) return ' (the report has no `memory: usage …, limit …` line, so the limit is not known)';
  return ` of ${kb(r.memoryLimitKiB)}${r.memoryUsageKiB !== null ? `, usage ${kb(r.memoryUsageKiB)}` : ''}`;
}

export function explainReport(r: KernelReport, ctx: ExplainContext): WhodunitEvent {
  const kind = kernelKind(r);
  const ranking = rankTasks(r, kind, ctx.nodeMemory);
  const pageKiB = ranking?.pageKiB ?? 4;
  const victimInfo = r.victimMemcg !== null ? classifyCgroup(r.victimMemcg) : null;
  const oomInfo = r.oomMemcg !== null ? classifyCgroup(r.oomMemcg) : null;
  // The victim's own cgroup names the pod; a report without one still names the OOM cgroup.
  const k8s = victimInfo?.pod ?? (oomInfo?.pod && (oomInfo.owner.kind === 'kubernetes-pod' || oomInfo.owner.kind === 'kubernetes-container') ? oomInfo.pod : null);
  const podInfo = k8s !== null ? eventPod(k8s, ctx) : null;
  const scope = kind === 'memcg' && oomInfo !== null ? scopeOf(oomInfo.owner) : null;
  const capacity = nodeCapacity(r, pageKiB, ctx);
  const v = r.victim;
  const s: string[] = [];

  // 1. What ran out.
  if (kind === 'memcg') {
    const path = r.oomMemcg;
    const lim = limitSentence(r);
    if (scope === 'container' && oomInfo?.pod) {
      s.push(`A memory-cgroup OOM: ${podInfo ? podLabel(podInfo.pod) : `container ${oomInfo.pod.containerId}`} reached its own memory limit${lim}.`);
    } else if (scope === 'pod' && oomInfo?.pod) {
      s.push(`A memory-cgroup OOM: the cgroup of pod ${podInfo?.pod.namespace && podInfo.pod.name ? `${podInfo.pod.namespace}/${podInfo.pod.name}` : oomInfo.pod.uid} (${oomInfo.pod.qosClass ?? 'QoS unknown'}) reached its limit${lim}; the kubelet sets a pod's limit to the sum of its containers' limits when each has one (or to spec.resources.limits.memory).`);
    } else if (scope === 'node-allocatable') {
      s.push(`A memory-cgroup OOM at node level: ${path}, the cgroup of all pods, reached its limit${lim}. The kubelet sets that limit to the node's capacity minus kube-reserved and system-reserved, so the pods together used all the memory the kubelet gives them, whether or not any container reached its own limit; the kernel then chose among the processes of every pod, where oom_score_adj weighs heavily.`);
    } else if (scope === 'qos-tier') {
      s.push(`A memory-cgroup OOM: the QoS-tier cgroup ${path} reached its limit${lim} (such limits exist only with the kubelet's QOSReserved feature).`);
    } else if (path !== null) {
      s.push(`A memory-cgroup OOM: ${oomInfo?.owner.description ?? path} reached its limit${lim}.`);
    } else {
      s.push(`A memory-cgroup OOM (the report does not name the cgroup)${r.memoryLimitKiB !== null ? `: limit ${kb(r.memoryLimitKiB)}` : ''}.`);
    }
    if (v !== null) {
      const among = r.tasks.length > 0 ? ` (${r.tasks.length} in the report's task table)` : '';
      s.push(`The kernel chose among that cgroup's processes only${among} and killed ${who(v)}${memoryOf(v) ? `, ${memoryOf(v)}` : ''}, ${adjText(v.oomScoreAdj)}.`);
    }
  } else if (kind === 'global') {
    const constraint =
      r.constraint === 'CONSTRAINT_CPUSET'
        ? ' within its cpuset (CONSTRAINT_CPUSET: only the memory of the allowed NUMA nodes counted)'
        : r.constraint === 'CONSTRAINT_MEMORY_POLICY'
          ? ' under a memory policy (CONSTRAINT_MEMORY_POLICY: only the policy\'s NUMA nodes counted)'
          : '';
    s.push(`A global OOM: the node ran out of memory${constraint}, and every process on it competed, whatever its cgroup.`);
    if (v !== null) s.push(`The kernel killed ${who(v)}${memoryOf(v) ? `, ${memoryOf(v)}` : ''}, ${adjText(v.oomScoreAdj)}${victimInfo !== null ? `, in ${victimInfo.owner.description}` : ''}.`);
  } else {
    s.push('An OOM kill whose report does not say whether a cgroup limit or the whole node ran out (only the kill line survives).');
    if (v !== null) s.push(`The kernel killed ${who(v)}${memoryOf(v) ? `, ${memoryOf(v)}` : ''}, ${adjText(v.oomScoreAdj)}.`);
  }
  if (v !== null && v.source !== 'killed-process') {
    s.push(`The report has no \`Killed process\` line; the victim is the task its ${v.source === 'oom-kill-summary' ? 'oom-kill summary' : '`Kill process` line'} (line ${v.line}) names.`);
  }
  const named = [r.summary !== null ? { pid: r.summary.pid, what: 'the oom-kill summary' } : null, r.killProcess !== null ? { pid: r.killProcess.pid, what: 'the `Kill process` line' } : null]
    .filter((x): x is { pid: number; what: string } => x !== null && v !== null && v.source === 'killed-process' && x.pid !== v.pid);
  if (named.length > 0 && v !== null) {
    // Before 5.x the chosen task may be a thread; __oom_kill_process kills (and names) its process.
    s.push(`${capitalize(named.map((x) => x.what).join(' and '))} name${named.length === 1 ? 's' : ''} pid ${named[0].pid}, the task the kernel chose (a thread of the victim, or before 5.1 a parent whose child it sacrificed); the \`Killed process\` line names ${v.pid}, the process it killed: the victim.`);
  }
  if (v === null) s.push(r.noKillable ? 'Nothing was killed: the kernel found no killable process.' : 'The report ends before the kernel named a victim.');

  // 2. Why that one: the ranking.
  if (ranking !== null && v !== null) {
    const adjs = new Set(r.tasks.filter((t) => t.oomScoreAdj !== -998 && t.oomScoreAdj !== -1000).map((t) => t.oomScoreAdj));
    if (kind === 'memcg' && (scope === 'container' || scope === 'pod' || scope === 'other') && adjs.size === 1 && v.oomScoreAdj !== null && adjs.has(v.oomScoreAdj)) {
      const pause = r.tasks.some((t) => t.oomScoreAdj === -998) ? ' (the pause process at -998 aside)' : '';
      s.push(`oom_score_adj ${v.oomScoreAdj} played no part in that choice: every process in the cgroup has the same value${pause}, so the process with the most memory lost.`);
    }
    if (ranking.totalPages !== null) {
      s.push(`Badness = rss + swap + page tables + oom_score_adj × (totalpages / 1000), with totalpages ${ranking.totalPages} from ${ranking.totalPagesSource}${ranking.pageSizeDerived ? '' : ', assuming 4 KiB pages'}. Top: ${ranking.top.slice(0, 3).map((c) => candidateLine(c, ranking.totalPages)).join('; ')}.`);
      const won = whyWon(ranking);
      if (won) s.push(won);
      if (ranking.kernelScore !== null) {
        s.push(ranking.kernelScore.printed === ranking.kernelScore.recomputed
          ? `The recomputed score ${ranking.kernelScore.recomputed} (badness × 1000 / totalpages) matches the kernel's \`score ${ranking.kernelScore.printed}\`.`
          : `The kernel printed score ${ranking.kernelScore.printed}; the recomputation gives ${ranking.kernelScore.recomputed} (swap the cgroup may use, or the 3% root bonus of kernels before 4.17, is not in the report).`);
      }
      if (ranking.victim === null) s.push(`The victim is not in the task table (a thread, or a table cut short).`);
      else if (ranking.victimRank !== null && ranking.victimRank > 1 && (r.killProcess === null || r.killProcess.pid === v.pid)) s.push(`The victim ranks ${ranking.victimRank} in the recomputation: it was chosen by pid (a thread of the top process) or its memory changed between the table and the kill.`);
    } else if (kind === 'global' || scope === 'node-allocatable') {
      s.push(`The report does not give totalpages (no Mem-Info block${kind === 'memcg' ? ' or limit line' : ''}), so the badness sums cannot be recomputed${kind === 'global' ? '; give --node-memory' : ''}. By oom_score_adj, then memory: ${ranking.top.slice(0, 3).map((c) => candidateLine(c, null)).join('; ')}.`);
    }
  } else if (v !== null && (kind === 'global' || scope === 'node-allocatable')) {
    s.push(`The report has no task table (the log was filtered), so the ranking cannot be recomputed: the victim's badness was its memory (rss + swap + page tables) plus ${v.oomScoreAdj ?? 'its oom_score_adj'} × totalpages / 1000${v.oomScoreAdj !== null && v.oomScoreAdj >= 900 ? `, which at ${v.oomScoreAdj} is nearly all of the node's memory again: processes with a lower oom_score_adj needed that much more memory to be chosen first` : ''}.`);
  }

  // 3. Trigger and victim.
  if (r.trigger !== null && v !== null) {
    if (r.trigger.pid !== null && r.trigger.pid === v.pid) s.push(`The trigger, the task whose allocation failed, was the victim itself.`);
    else if (r.trigger.pid !== null && r.tasks.length > 0 && r.trigger.process === v.process && !r.tasks.some((t) => t.pid === r.trigger!.pid || t.tgid === r.trigger!.pid)) {
      // dump_tasks lists one row per process (its thread-group leader), so a pid missing from a
      // table that is there is a thread; with the victim's name it may be one of the victim's own.
      s.push(`The trigger, the task whose allocation failed, was ${who(r.trigger)}, a thread the task table does not list (it lists processes); with the victim's name it may be a thread of the victim itself. Either way the kernel kills by badness, not the allocating task.`);
    } else if (r.trigger.pid !== null) s.push(`The trigger, the task whose allocation failed, was ${who(r.trigger)}; it is not the victim: the kernel kills by badness, not the allocating task.`);
    else s.push(`The trigger was ${r.trigger.process} (${adjText(r.trigger.oomScoreAdj)}; its pid is not in the report).`);
  }

  // 4. Pod, container, role.
  if (victimInfo !== null && victimInfo.pod === null) s.push(`The victim's cgroup is ${victimInfo.owner.description}.`);
  else if (r.victimMemcg === null && k8s === null && v !== null) s.push(`The report does not print the victim's cgroup, so its pod is not known.`);
  if (podInfo !== null) {
    const p = podInfo.pod;
    const res = p.memoryRequestBytes !== null || p.memoryLimitBytes !== null ? [`memory request ${p.memoryRequestBytes !== null ? formatBytes(BigInt(p.memoryRequestBytes)) : 'none'}, limit ${p.memoryLimitBytes !== null ? formatBytes(BigInt(p.memoryLimitBytes)) : 'none'}`] : [];
    s.push(`The victim ran in ${podLabel(p, res)}, pod UID ${p.uid}${p.containerId !== null ? `, container ID ${p.containerId}` : ''}${ctx.pods !== null && podInfo.record === null ? ' (not in --pods)' : ''}${p.matchedBy === 'only-container' ? ' (matched as the pod\'s only container: the container ID is not in its status)' : ''}.`);
    for (const n of k8s?.notes ?? []) s.push(`Note: ${n}.`);
  }
  const role = victimRole(r, scope, k8s, podInfo?.record ?? null);
  if (role.why && kind !== 'global' && scope !== 'node-allocatable') s.push(role.why);
  else if (role.role === 'whole-container') s.push(role.why);

  // 5. Cross-check and what would have changed the outcome.
  let cc: CrossCheck | null = null;
  if (podInfo?.record && podInfo.pod.container !== null && v !== null) {
    cc = crossCheck(podInfo.record, podInfo.pod.container, v.oomScoreAdj, capacity, ctx);
    s.push(`${cc.note}.`);
  } else if (kind === 'memcg' && (scope === 'container' || scope === 'pod') && podInfo?.pod.qosClass === 'Burstable' && v?.oomScoreAdj != null && r.memoryLimitKiB !== null) {
    // Without the pod: what a request equal to this limit gives (a limit alone defaults the request to it).
    const limitBytes = BigInt(r.memoryLimitKiB) * KIB;
    if (capacity !== null) {
      const p = predictPod(singleContainerPod({ limits: { memory: `${limitBytes}` } }), { kubernetesVersion: ctx.kubernetesVersion, memoryCapacity: capacity.bytes });
      if ('result' in p) {
        const adj = p.result.containers[0].oomScoreAdj;
        s.push(`A Burstable container whose memory request is ${formatBytes(limitBytes)} (this limit; a limit without a request defaults the request to it) gets oom_score_adj ${adj} on a ${formatBytes(capacity.bytes)} node${adj === v.oomScoreAdj ? `: the kernel's ${v.oomScoreAdj}` : `, not the kernel's ${v.oomScoreAdj}: the request is not the limit`}.`);
      }
    } else {
      const range = capacityRangeFor(v.oomScoreAdj, limitBytes);
      if (range !== null) s.push(`${v.oomScoreAdj} is what a Burstable container with a memory request of ${formatBytes(limitBytes)} (this limit; a limit without a request defaults the request to it) gets on a node with a capacity between ${approxBytes(range.min)} and ${approxBytes(range.max)} (pass --pods and --node-memory to check).`);
    }
  }
  if (podInfo !== null && (kind === 'global' || scope === 'node-allocatable')) {
    const w = whatWouldChange(r, ranking, podInfo.pod, podInfo.record, capacity, ctx);
    if (w) s.push(w);
  }
  if (kind === 'memcg' && (scope === 'container' || scope === 'pod') && r.memoryLimitKiB !== null) {
    s.push(`To avoid it: a limit above the ${scope}'s real peak, or less memory in the process (a heap bound below the limit).`);
  }

  return {
    file: r.file,
    line: r.line,
    source: 'kernel',
    kind,
    timestamp: r.timestamp,
    host: r.host,
    kernelVersion: r.kernelVersion,
    constraint: r.constraint,
    trigger: r.trigger === null ? null : { process: r.trigger.process, pid: r.trigger.pid, oomScoreAdj: r.trigger.oomScoreAdj },
    victim: v,
    memcg: kind === 'memcg' && r.oomMemcg !== null ? { path: r.oomMemcg, limitKiB: r.memoryLimitKiB, usageKiB: r.memoryUsageKiB, scope: scope ?? 'other' } : kind === 'memcg' && r.memoryLimitKiB !== null ? { path: null, limitKiB: r.memoryLimitKiB, usageKiB: r.memoryUsageKiB, scope: 'other' } : null,
    victimCgroup: r.victimMemcg,
    cgroupOwner: victimInfo?.owner ?? null,
    pod: podInfo?.pod ?? null,
    victimRole: role.role,
    oomGroup: r.oomGroup,
    groupKills: r.groupKills,
    sharedMmKills: r.sharedMmKills,
    badness: ranking === null ? null : { totalPages: ranking.totalPages, totalPagesSource: ranking.totalPagesSource, pageSizeKiB: ranking.pageKiB, pageSizeDerived: ranking.pageSizeDerived, tasks: ranking.rows, victimRank: ranking.victimRank, kernelScore: ranking.kernelScore },
    candidates: ranking?.top ?? [],
    crossCheck: cc,
    termination: null,
    sameKillAs: null,
    eviction: null,
    explanation: s.join(' '),
  };
}

function podStatusEvent(file: string, pod: PodRecord, container: string | null, base: Partial<WhodunitEvent>): WhodunitEvent {
  const status = pod.object.status as { qosClass?: unknown } | null | undefined;
  return {
    file,
    line: null,
    source: 'pod-status',
    kind: null,
    timestamp: null,
    host: typeof (pod.object.spec as { nodeName?: unknown } | undefined)?.nodeName === 'string' ? String(pod.object.spec?.nodeName) : null,
    kernelVersion: null,
    constraint: null,
    trigger: null,
    victim: null,
    memcg: null,
    victimCgroup: null,
    cgroupOwner: null,
    pod: {
      uid: pod.uid,
      qosClass: typeof status?.qosClass === 'string' ? (status.qosClass as QosClass) : null,
      containerId: null,
      namespace: pod.namespace,
      name: pod.name,
      container,
      runtime: null,
      matchedBy: null,
      memoryRequestBytes: null,
      memoryLimitBytes: null,
    },
    victimRole: null,
    oomGroup: null,
    groupKills: [],
    sharedMmKills: [],
    badness: null,
    candidates: [],
    crossCheck: null,
    termination: null,
    sameKillAs: null,
    eviction: null,
    explanation: '',
    ...base,
  };
}

/** A container the pod status records as OOMKilled or killed by SIGKILL (exit code 137). */
export function explainTermination(t: Termination, file: string, ctx: ExplainContext): WhodunitEvent {
  const res = memoryResources(t.pod, t.container.name);
  const capacity = ctx.nodeMemory;
  const p = predictPod(t.pod.object, { kubernetesVersion: ctx.kubernetesVersion, memoryCapacity: capacity ?? 16n * KIB * KIB * KIB });
  const c = 'result' in p ? containerResult(p.result, t.container.name) : null;
  const qos = 'result' in p ? p.result.qosClass : null;
  const label = `container ${t.container.name} of pod ${t.pod.namespace ?? ''}/${t.pod.name ?? t.pod.uid}`;
  const s: string[] = [];
  const when = t.finishedAt !== null ? ` at ${t.finishedAt}` : '';
  const state = t.which === 'lastState' ? 'its last termination' : 'its current state';
  const limit = res.limit !== null ? formatBytes(BigInt(res.limit)) : null;
  const adj = c !== null && (qos !== 'Burstable' || capacity !== null) ? `oom_score_adj ${c.oomScoreAdj}` : qos === 'Burstable' ? 'an oom_score_adj that depends on the node (give --node-memory)' : null;
  if (t.reason === 'OOMKilled') {
    s.push(`The kernel's OOM killer ended ${label}${when}: ${state} is OOMKilled, exit code ${t.exitCode ?? 137}${t.restartCount !== null ? `, restart count ${t.restartCount}` : ''}.`);
    s.push(`The runtime reports OOMKilled when its cgroup recorded an OOM kill of the main process (or of the whole container with memory.oom.group).`);
    if (limit !== null) s.push(`With a memory limit of ${limit}${res.request !== null ? ` (request ${formatBytes(BigInt(res.request))})` : ''}, the usual cause is the container reaching that limit: the kernel chose among its processes only.`);
    else s.push(`It has no memory limit, so its own cgroup cannot have run out: the node (a global OOM) or the cgroup of all pods ran out, and it was chosen by badness with ${adj ?? 'its oom_score_adj'}${qos !== null ? ` (${qos})` : ''}.`);
    s.push('The node\'s kernel log (`journalctl -k | oomguard whodunit - --pods …`) says which.');
  } else {
    s.push(`${label.charAt(0).toUpperCase()}${label.slice(1)} was killed by SIGKILL${when}: ${state} has exit code 137 with reason ${t.reason ?? 'none'}, not OOMKilled.`);
    s.push(`Exit code 137 alone does not mean the OOM killer: the kubelet kills after a failed liveness probe or a grace period, and someone may run kill -9. But on cgroup v1 a kill by a global OOM (not by the container's own limit) is not counted in the container's cgroup, so the runtime reports Error, not OOMKilled; check the node's kernel log for a \`Killed process\` line at that time${adj !== null ? ` (this container had ${adj}${qos !== null ? `, ${qos}` : ''})` : ''}.`);
  }
  return podStatusEvent(file, t.pod, t.container.name, {
    kind: null,
    pod: {
      uid: t.pod.uid,
      qosClass: qos,
      containerId: t.containerId,
      namespace: t.pod.namespace,
      name: t.pod.name,
      container: t.container.name,
      runtime: null,
      matchedBy: null,
      memoryRequestBytes: res.request,
      memoryLimitBytes: res.limit,
    },
    termination: { reason: t.reason, exitCode: t.exitCode, finishedAt: t.finishedAt, restartCount: t.restartCount, which: t.which },
    explanation: s.join(' '),
  });
}

/** A pod the kubelet evicted for memory, with its message read and the ranking keys explained. */
export function explainEviction(e: Eviction, file: string): WhodunitEvent {
  const s: string[] = [];
  const label = `pod ${e.pod.namespace ?? ''}/${e.pod.name ?? e.pod.uid}`;
  const m = e.parsed;
  if (m.admissionCondition !== null) {
    s.push(`The kubelet refused ${label} at admission: the node had condition [${m.admissionCondition}], and a node under memory pressure admits no new BestEffort pods (nor, under other pressure, others). Nothing was killed by the kernel.`);
  } else {
    s.push(`The kubelet evicted ${label}: the node was low on memory${m.threshold !== null ? ` (memory.available ${m.available} against the eviction threshold ${m.threshold})` : ''}. This is the kubelet's eviction, not the kernel's OOM killer: the whole pod stops, status Failed, reason Evicted.`);
    if (m.containers.length > 0) {
      s.push(`Its ranking (rankMemoryPressure): first, pods whose usage exceeds their request: ${m.containers.map((c) => `container ${c.name} used ${c.usage} against a request of ${c.request}`).join('; ')}; then lower priority first (this pod: ${e.priority ?? 0}); then the larger usage above the request.`);
      const noRequest = m.containers.filter((c) => c.request === '0');
      if (noRequest.length > 0) s.push(`A memory request near the usage (${noRequest.map((c) => `${c.name}: ${c.usage}`).join(', ')}) would have put it behind every pod that exceeds its request.`);
    } else {
      s.push(`The kubelet listed no container above its request, so the pod ranked by priority (${e.priority ?? 0}) and then by usage above its request; a pod within its request is evicted only after every pod that exceeds its own.`);
    }
  }
  return podStatusEvent(file, e.pod, null, {
    kind: 'eviction',
    eviction: { message: e.message, resource: m.resource, threshold: m.threshold, available: m.available, containers: m.containers, priority: e.priority },
    explanation: s.join(' '),
  });
}

export type { PodIndex };
