// The kernel's OOM report, one message at a time: each line of it that says something is turned
// into a fact. The wording is the kernel's own, across 3.10 to 6.x (mm/oom_kill.c: dump_header,
// dump_tasks, dump_oom_summary, __oom_kill_process, oom_kill_process; mm/memcontrol.c:
// mem_cgroup_print_oom_info / _meminfo / _context; lib/show_mem.c). Pure.

export type Fact =
  | { t: 'invoke'; process: string; gfpMask: string | null; order: number | null; oomScoreAdj: number | null }
  | { t: 'cpuset'; process: string; cpuset: string }
  | { t: 'cpu'; pid: number; comm: string; kernel: string | null }
  | { t: 'stack'; memcg: boolean }
  | { t: 'taskin'; task: string; limitOf: string }
  | { t: 'memory'; usageKiB: number; limitKiB: number }
  | { t: 'swap'; usageKiB: number; limitKiB: number }
  | { t: 'memcgStats'; path: string }
  | { t: 'meminfo' }
  | { t: 'pagesRam'; pages: number }
  | { t: 'pagesReserved'; pages: number }
  | { t: 'totalSwap'; kib: number }
  | { t: 'tasksState' }
  | { t: 'taskHeader'; columns: string[] }
  | { t: 'taskRow'; pid: number; rest: string }
  | { t: 'summary'; fields: Map<string, string>; globalOom: boolean; task: string | null; pid: number | null; uid: number | null }
  | { t: 'kill'; kind: 'memcg' | 'global' | null; pid: number; process: string; score: number }
  | { t: 'sharing'; pid: number; process: string }
  | {
      t: 'killed';
      kind: 'memcg' | 'global' | null;
      pid: number;
      process: string;
      fields: { totalVm: number | null; anonRss: number | null; fileRss: number | null; shmemRss: number | null; pgtables: number | null; uid: number | null; oomScoreAdj: number | null };
    }
  | { t: 'group'; path: string }
  | { t: 'noKillable' };

const INVOKE = /^(.+?) invoked oom-killer: (.*)$/;
const CPUSET_OLD = /^(.+?) cpuset=(\S*) mems_allowed=\S*$/;
// 6.13+ prints the UID before the PID; `Kdump: loaded` may precede the taint.
const CPU = /^CPU: \d+ (?:UID: \d+ )?PID: (\d+) Comm: (.*?)(?: Kdump: \S+)? (?:Not tainted|Tainted:)(.*)$/;
// 2.6.32 (dump_stack → show_regs banner): `Pid: 2590, comm: java Not tainted 2.6.32-754…`.
const PID_OLD = /^Pid: (\d+), comm: (.*?) (?:Not tainted|Tainted:)(.*)$/;
const TASK_IN = /^Task in (.+) killed as a result of limit of (.+?)\s*$/;
const MEMORY = /^memory: usage (\d+)kB, limit (\d+)kB/;
const SWAP = /^(?:memory\+swap|swap): usage (\d+)kB, limit (\d+)kB/;
const MEMCG_STATS = /^Memory cgroup stats for (.+?):/;
const PAGES_RAM = /^(\d+) pages RAM\s*$/;
const PAGES_RESERVED = /^(\d+) pages reserved\s*$/;
const TOTAL_SWAP = /^Total swap = (\d+)kB\s*$/;
const TASK_HEADER = /^\[\s*pid\s*\]\s+(.*)$/;
const TASK_ROW = /^\[\s*(\d+)\]\s+(.*)$/;
const KILL_PREFIX = '(?:(Out of memory|Memory cgroup out of memory)(?: \\(oom_kill_allocating_task\\))?: )?';
const KILL = new RegExp(`^${KILL_PREFIX}Kill process (\\d+) \\((.*)\\) score (-?\\d+) or sacrifice child\\s*$`);
const SHARING = /^Kill process (\d+) \((.*)\) sharing same memory\s*$/;
// 2.6.32 wrote `Killed process 2582, UID 500, (java) total-vm:…`; later kernels `Killed process 2582 (java) …`.
const KILLED = new RegExp(`^${KILL_PREFIX}Killed process (\\d+)(?:, UID (\\d+),)? \\((.*)\\)(?:,? (total-vm:.*|UID:.*))?\\s*$`);
const GROUP = /^Tasks in (.+) are going to be killed due to memory\.oom\.group set\s*$/;
const MEMCG_FRAME = /(?:^|\s)(?:\? )?(?:mem_cgroup_out_of_memory|mem_cgroup_oom_synchronize|try_charge_memcg|mem_cgroup_oom)\+0x/;
const GLOBAL_FRAME = /(?:^|\s)(?:\? )?(?:__alloc_pages_slowpath|__alloc_pages_may_oom)(?:\.[\w.]+)?\+0x/;

function int(s: string | undefined): number | null {
  if (s === undefined) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

function killKind(prefix: string | undefined): 'memcg' | 'global' | null {
  if (prefix === undefined) return null;
  return prefix.startsWith('Memory cgroup') ? 'memcg' : 'global';
}

/**
 * The summary line (4.19+, dump_oom_summary): `oom-kill:constraint=…,nodemask=…,cpuset=…,
 * mems_allowed=…,oom_memcg=…|global_oom,task_memcg=…,task=…,pid=…,uid=…`. nodemask and
 * mems_allowed are printed with %*pbl and may themselves hold commas ("0-1,3"), and task= is a
 * comm that may hold anything, so the tail is read from the right and the head split only before
 * known keys. RHEL 7's backport starts `oom-kill:,cpuset=` (no constraint).
 */
function parseSummary(body: string): Fact {
  const fields = new Map<string, string>();
  let head = body;
  let task: string | null = null;
  let pid: number | null = null;
  let uid: number | null = null;
  const tail = /,task=(.*),pid=(-?\d+),uid=(-?\d+)\s*$/.exec(body);
  if (tail !== null) {
    task = tail[1];
    pid = int(tail[2]);
    uid = int(tail[3]);
    head = body.slice(0, tail.index);
  }
  let globalOom = false;
  const parts = head.split(/,(?=(?:constraint|nodemask|cpuset|mems_allowed|oom_memcg|task_memcg|global_oom)\b)/);
  for (const part of parts) {
    if (part === 'global_oom') {
      globalOom = true;
      continue;
    }
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return { t: 'summary', fields, globalOom, task, pid, uid };
}

function parseKilledFields(rest: string | undefined, uidOld: string | undefined) {
  const kb = (key: string): number | null => {
    if (rest === undefined) return null;
    const m = new RegExp(`(?:^|[\\s,])${key}:(\\d+)kB`).exec(rest);
    return m === null ? null : int(m[1]);
  };
  const uidM = rest === undefined ? null : /(?:^|[\s,])UID:(\d+)/.exec(rest);
  const adjM = rest === undefined ? null : /(?:^|[\s,])oom_score_adj:(-?\d+)/.exec(rest);
  return {
    totalVm: kb('total-vm'),
    anonRss: kb('anon-rss'),
    fileRss: kb('file-rss'),
    shmemRss: kb('shmem-rss'),
    pgtables: kb('pgtables'),
    uid: uidM !== null ? int(uidM[1]) : int(uidOld),
    oomScoreAdj: adjM !== null ? int(adjM[1]) : null,
  };
}

/** The fact a kernel message states, or null for a line that adds nothing. */
export function parseMessage(msg: string): Fact | null {
  // Cheap dispatch on the first character keeps the common case (a line that says nothing) fast.
  let m: RegExpExecArray | null;
  if (msg.includes(' invoked oom-killer: ')) {
    m = INVOKE.exec(msg);
    if (m !== null) {
      const rest = m[2];
      const gfp = /gfp_mask=(0x[0-9a-fA-F]+(?:\([^)]*\))?)/.exec(rest);
      const order = /order=(-?\d+)/.exec(rest);
      const adj = /oom_score_adj=(-?\d+)/.exec(rest);
      return { t: 'invoke', process: m[1], gfpMask: gfp ? gfp[1] : null, order: order ? int(order[1]) : null, oomScoreAdj: adj ? int(adj[1]) : null };
    }
  }
  const c = msg.charCodeAt(0);
  switch (c) {
    case 0x43 /* C */:
      if ((m = CPU.exec(msg)) !== null) {
        const version = /(?:^|\s)(\d+\.\d+(?:\.\d+)?[^\s]*)/.exec(m[3]);
        return { t: 'cpu', pid: Number(m[1]), comm: m[2], kernel: version ? version[1] : null };
      }
      break;
    case 0x50 /* P */:
      if ((m = PID_OLD.exec(msg)) !== null) {
        const version = /(?:^|\s)(\d+\.\d+(?:\.\d+)?[^\s]*)/.exec(m[3]);
        return { t: 'cpu', pid: Number(m[1]), comm: m[2], kernel: version ? version[1] : null };
      }
      break;
    case 0x54 /* T */:
      if ((m = TASK_IN.exec(msg)) !== null) return { t: 'taskin', task: m[1], limitOf: m[2] };
      if ((m = GROUP.exec(msg)) !== null) return { t: 'group', path: m[1] };
      if (msg.startsWith('Tasks state (memory values in pages)')) return { t: 'tasksState' };
      if ((m = TOTAL_SWAP.exec(msg)) !== null) return { t: 'totalSwap', kib: Number(m[1]) };
      break;
    case 0x6d /* m */:
      if ((m = MEMORY.exec(msg)) !== null) return { t: 'memory', usageKiB: Number(m[1]), limitKiB: Number(m[2]) };
      if ((m = SWAP.exec(msg)) !== null) return { t: 'swap', usageKiB: Number(m[1]), limitKiB: Number(m[2]) };
      break;
    case 0x73 /* s */:
      if ((m = SWAP.exec(msg)) !== null) return { t: 'swap', usageKiB: Number(m[1]), limitKiB: Number(m[2]) };
      break;
    case 0x4d /* M */:
      if (msg.startsWith('Mem-Info:')) return { t: 'meminfo' };
      if ((m = MEMCG_STATS.exec(msg)) !== null) return { t: 'memcgStats', path: m[1] };
      break;
    case 0x5b /* [ */:
      if ((m = TASK_ROW.exec(msg)) !== null) return { t: 'taskRow', pid: Number(m[1]), rest: m[2] };
      if ((m = TASK_HEADER.exec(msg)) !== null) {
        const columns = m[1].trim().split(/\s+/);
        if (columns[columns.length - 1] === 'name') columns.pop();
        return { t: 'taskHeader', columns };
      }
      break;
    case 0x6f /* o */:
      if (msg.startsWith('oom-kill:')) return parseSummary(msg.slice('oom-kill:'.length));
      break;
    default:
      if (c >= 0x30 && c <= 0x39) {
        if ((m = PAGES_RAM.exec(msg)) !== null) return { t: 'pagesRam', pages: Number(m[1]) };
        if ((m = PAGES_RESERVED.exec(msg)) !== null) return { t: 'pagesReserved', pages: Number(m[1]) };
      }
  }
  if (msg.includes('Kill')) {
    if ((m = KILLED.exec(msg)) !== null) {
      return { t: 'killed', kind: killKind(m[1]), pid: Number(m[2]), process: m[4], fields: parseKilledFields(m[5], m[3]) };
    }
    if ((m = KILL.exec(msg)) !== null) return { t: 'kill', kind: killKind(m[1]), pid: Number(m[2]), process: m[3], score: Number(m[4]) };
    if ((m = SHARING.exec(msg)) !== null) return { t: 'sharing', pid: Number(m[1]), process: m[2] };
  }
  if (msg.startsWith('Out of memory and no killable processes')) return { t: 'noKillable' };
  if (msg.includes(' cpuset=') && (m = CPUSET_OLD.exec(msg)) !== null) return { t: 'cpuset', process: m[1], cpuset: m[2] };
  if (msg.includes('+0x')) {
    if (MEMCG_FRAME.test(msg)) return { t: 'stack', memcg: true };
    if (GLOBAL_FRAME.test(msg)) return { t: 'stack', memcg: false };
  }
  return null;
}
