// What `oomguard whodunit` reads out of kernel OOM reports and pod status. Every field holds
// what the kernel (or the API server) printed, or null when it did not print it: nothing is
// guessed. Derived values (badness points, the pod behind a cgroup) say where they come from.
import type { QosClass } from '../core/types.js';

/** One row of the report's task table (`dump_tasks`, mm/oom_kill.c). Memory values in pages. */
export interface TaskRow {
  pid: number;
  uid: number | null;
  tgid: number | null;
  totalVmPages: number | null;
  rssPages: number | null;
  /** Page tables in pages: pgtables_bytes / page size (4.14+), or nr_ptes (+ nr_pmds) before. */
  pgtablesPages: number | null;
  /** pgtables_bytes as printed (4.14+), else null. */
  pgtablesBytes: number | null;
  swapEntries: number | null;
  oomScoreAdj: number | null;
  name: string;
}

/** The `Killed process` line (`__oom_kill_process`), or the fallback named in `source`. */
export interface KilledProcess {
  process: string;
  pid: number;
  /** Printed on the line (5.x+), else the task table's value for that pid, else null. */
  oomScoreAdj: number | null;
  totalVmKiB: number | null;
  anonRssKiB: number | null;
  fileRssKiB: number | null;
  shmemRssKiB: number | null;
  uid: number | null;
  pgtablesKiB: number | null;
  /** Where the victim came from: the `Killed process` line, or (reports cut short) the summary or `Kill process` line. */
  source: 'killed-process' | 'oom-kill-summary' | 'kill-process';
  /** 1-based line of that line. */
  line: number;
}

export interface KubernetesCgroup {
  /** Pod UID with dashes, as the API server writes metadata.uid. */
  uid: string;
  qosClass: QosClass | null;
  /** Container ID (64 hex digits for containerd, CRI-O and Docker), null for the pod-level cgroup. */
  containerId: string | null;
  /** containerd, cri-o, docker, or null (cgroupfs driver paths do not name the runtime). */
  runtime: 'containerd' | 'cri-o' | 'docker' | null;
  /** cgroup driver the path was written by. */
  driver: 'systemd' | 'cgroupfs';
  /** True for `crio-conmon-<id>.scope`: CRI-O's monitor process, not the container itself. */
  conmon: boolean;
  /** Remarks on the path (a QoS slice that disagrees with the pod slice, …). */
  notes: string[];
}

/** What a cgroup path is, when it is not a Kubernetes pod. */
export interface CgroupOwner {
  kind:
    | 'kubernetes-pod'
    | 'kubernetes-container'
    | 'kubernetes-node-allocatable'
    | 'kubernetes-qos-tier'
    | 'systemd-service'
    | 'systemd-scope'
    | 'systemd-slice'
    | 'docker'
    | 'root'
    | 'other';
  description: string;
}

/** A kernel OOM report, as read (facts only). */
export interface KernelReport {
  file: string;
  /** 1-based line of the report's first line ("… invoked oom-killer", else the first line read of it). */
  line: number;
  timestamp: string | null;
  host: string | null;
  kernelVersion: string | null;
  /** From the summary's constraint= (4.19+), `CONSTRAINT_MEMCG` and friends; '' when printed empty (RHEL 7). */
  constraint: string | null;
  /** `Memory cgroup out of memory` versus `Out of memory` on the kill lines, when printed. */
  killLineKind: 'memcg' | 'global' | null;
  globalOomFlag: boolean;
  trigger: { process: string; pid: number | null; oomScoreAdj: number | null; gfpMask: string | null; order: number | null } | null;
  /** CPU/PID/Comm line (the task that invoked the killer). */
  triggerPid: number | null;
  triggerComm: string | null;
  /** cpuset= of the task that invoked the killer (old `cpuset=` line or the summary). */
  triggerCpuset: string | null;
  /** The cgroup whose limit was hit: `oom_memcg=` or `killed as a result of limit of`. */
  oomMemcg: string | null;
  /** The victim's cgroup: `task_memcg=` or `Task in …`. */
  victimMemcg: string | null;
  memoryUsageKiB: number | null;
  memoryLimitKiB: number | null;
  /** memory+swap (v1) or swap (v2) limit, kB; 9007199254740988 means unlimited. */
  swapLimitKiB: number | null;
  swapUsageKiB: number | null;
  /** Global OOMs: `N pages RAM`, `N pages reserved`, `Total swap = N kB` from show_mem. */
  pagesRam: number | null;
  pagesReserved: number | null;
  totalSwapKiB: number | null;
  /** Stack frames that name the path taken (mem_cgroup_out_of_memory, pagefault_out_of_memory, …). */
  memcgStack: boolean;
  /** Whether a `Mem-Info:` block (show_mem, global OOMs only) was printed. */
  memInfo: boolean;
  /** Columns of the task table header as printed, without `[ pid ]` and `name`. */
  taskColumns: string[] | null;
  tasks: TaskRow[];
  /** Rows beyond the kept maximum (a bounded table). */
  tasksDropped: number;
  summary: { task: string; pid: number; uid: number | null; line: number } | null;
  /** `Kill process N (name) score S or sacrifice child` (before 5.1). */
  killProcess: { pid: number; process: string; score: number; line: number } | null;
  victim: KilledProcess | null;
  /** memory.oom.group: the group's cgroup and the further processes killed after the victim, in order. */
  oomGroup: string | null;
  groupKills: KilledProcess[];
  /** Other processes killed with the victim (sharing its mm, before 5.x). */
  sharedMmKills: Array<{ pid: number; process: string }>;
  /** `Out of memory and no killable processes`: nothing was killed. */
  noKillable: boolean;
}

export interface InputProblem {
  file: string;
  line: number | null;
  message: string;
}
