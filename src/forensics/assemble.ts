// Puts the facts of consecutive kernel messages together into reports. The kernel prints one OOM
// report at a time (out_of_memory() and mem_cgroup_out_of_memory() hold oom_lock, mm/oom_kill.c),
// so lines from other CPUs between its lines are other messages, never a second report; a report
// ends when a fact arrives that belongs before what was already read (a new invoking line, a
// second summary, a second victim outside memory.oom.group), or after too many lines that say
// nothing. Pure.
import type { Fact } from './messages.js';
import type { KernelReport, KilledProcess, TaskRow } from './types.js';

/** Where each fact sits in dump_header → dump_tasks → summary → kill. */
const ORDER: Record<Fact['t'], number> = {
  invoke: 1,
  cpuset: 2,
  cpu: 3,
  stack: 4,
  taskin: 5,
  memory: 6,
  swap: 6,
  memcgStats: 7,
  meminfo: 7,
  pagesRam: 7,
  pagesReserved: 7,
  totalSwap: 7,
  tasksState: 8,
  taskHeader: 8,
  taskRow: 9,
  summary: 10,
  kill: 11,
  noKillable: 11,
  killed: 12,
  sharing: 13,
  group: 13,
};

/** Facts that may open a report of their own when no report is open (others need context). */
const OPENERS = new Set<Fact['t']>(['invoke', 'cpu', 'taskin', 'memory', 'tasksState', 'taskHeader', 'summary', 'kill', 'killed', 'noKillable']);

/** A report that has seen no fact for this many lines is closed (a report cut short). */
export const MAX_SILENT_LINES = 1000;
/** Task-table rows kept per report (a node with thousands of processes still fits). */
export const MAX_TASK_ROWS = 100_000;

export function emptyReport(file: string, line: number, stamp: string | null, host: string | null): KernelReport {
  return {
    file,
    line,
    timestamp: stamp,
    host,
    kernelVersion: null,
    constraint: null,
    killLineKind: null,
    globalOomFlag: false,
    trigger: null,
    triggerPid: null,
    triggerComm: null,
    triggerCpuset: null,
    oomMemcg: null,
    victimMemcg: null,
    memoryUsageKiB: null,
    memoryLimitKiB: null,
    swapLimitKiB: null,
    swapUsageKiB: null,
    pagesRam: null,
    pagesReserved: null,
    totalSwapKiB: null,
    memcgStack: false,
    memInfo: false,
    taskColumns: null,
    tasks: [],
    tasksDropped: 0,
    summary: null,
    killProcess: null,
    victim: null,
    oomGroup: null,
    groupKills: [],
    sharedMmKills: [],
    noKillable: false,
  };
}

// Column layouts by how many numbers a row has, for rows whose header was cut away.
const LAYOUT_BY_COUNT: Record<number, string[]> = {
  7: ['uid', 'tgid', 'total_vm', 'rss', 'pgtables_bytes', 'swapents', 'oom_score_adj'],
  8: ['uid', 'tgid', 'total_vm', 'rss', 'nr_ptes', 'nr_pmds', 'swapents', 'oom_score_adj'],
  10: ['uid', 'tgid', 'total_vm', 'rss', 'rss_anon', 'rss_file', 'rss_shmem', 'pgtables_bytes', 'swapents', 'oom_score_adj'],
};

/** One task-table row read with the header's columns (their set changed in 4.1, 4.14 and 6.x). */
export function parseTaskRow(pid: number, rest: string, columns: string[] | null): TaskRow | null {
  let names = columns;
  let values: number[];
  let name: string;
  if (names !== null) {
    const re = new RegExp(`^((?:-?\\d+\\s+){${names.length}})(.*)$`);
    const m = re.exec(rest);
    if (m === null) return null;
    values = m[1].trim().split(/\s+/).map(Number);
    name = m[2];
  } else {
    const m = /^((?:-?\d+\s+)+)(.*)$/.exec(rest);
    if (m === null) return null;
    values = m[1].trim().split(/\s+/).map(Number);
    name = m[2];
    names = LAYOUT_BY_COUNT[values.length] ?? null;
    if (names === null) return null;
  }
  const get = (col: string): number | null => {
    const i = names.indexOf(col);
    return i === -1 || !Number.isSafeInteger(values[i]) ? null : values[i];
  };
  const pgtablesBytes = get('pgtables_bytes');
  const ptes = get('nr_ptes');
  const pmds = get('nr_pmds');
  return {
    pid,
    uid: get('uid'),
    tgid: get('tgid'),
    totalVmPages: get('total_vm'),
    rssPages: get('rss'),
    // Page-size conversion of pgtables_bytes happens where the page size is known (badness.ts).
    pgtablesPages: ptes !== null ? ptes + (pmds ?? 0) : null,
    pgtablesBytes,
    swapEntries: get('swapents'),
    oomScoreAdj: get('oom_score_adj'),
    name: name.trimEnd(),
  };
}

function killed(f: Extract<Fact, { t: 'killed' }>, line: number, tasks: TaskRow[]): KilledProcess {
  const row = f.fields.oomScoreAdj === null || f.fields.uid === null ? tasks.find((r) => r.pid === f.pid) : undefined;
  return {
    process: f.process,
    pid: f.pid,
    oomScoreAdj: f.fields.oomScoreAdj ?? row?.oomScoreAdj ?? null,
    totalVmKiB: f.fields.totalVm,
    anonRssKiB: f.fields.anonRss,
    fileRssKiB: f.fields.fileRss,
    shmemRssKiB: f.fields.shmemRss,
    uid: f.fields.uid ?? row?.uid ?? null,
    pgtablesKiB: f.fields.pgtables,
    source: 'killed-process',
    line,
  };
}

/**
 * Feeds facts in log order and hands each finished report to `emit`. `needsEveryLine` tells the
 * line scanner whether lines without a marker may be skipped (they may once the victim is known:
 * what can still follow, memory.oom.group kills and shared-mm kills, carries markers).
 */
export class ReportAssembler {
  private current: KernelReport | null = null;
  private maxOrder = 0;
  private silent = 0;
  private reports = 0;
  private caller: string | null = null;

  constructor(
    private readonly file: string,
    private readonly emit: (report: KernelReport) => void,
  ) {}

  get needsEveryLine(): boolean {
    return this.current !== null && this.current.victim === null && !this.current.noKillable;
  }

  get count(): number {
    return this.reports;
  }

  /** A line that held no fact (or was not kernel text) while a report was open. */
  nothing(): void {
    if (this.current === null) return;
    if (++this.silent >= MAX_SILENT_LINES) this.close();
  }

  add(f: Fact, line: number, stamp: string | null, host: string | null, caller: string | null = null): void {
    const order = ORDER[f.t];
    let r = this.current;
    // With printk caller ids, every line of a report comes from the task that invoked the killer
    // (it prints the header, the table and the kills); a line of another task or CPU is another
    // message that happened to interleave, whatever it says (a WARN's own `CPU: … PID:` line).
    if (r !== null && f.t !== 'invoke' && caller !== null && this.caller !== null && caller !== this.caller) {
      if (r.victim === null) {
        this.nothing();
        return;
      }
      // After the kill, another task's line (a kill that `grep` left without its report) is not
      // part of this report's memory.oom.group kills.
      this.close();
      r = null;
    }
    if (r !== null && this.startsNew(r, f, order)) {
      this.close();
      r = null;
    }
    if (r === null) {
      if (!OPENERS.has(f.t)) return;
      r = this.current = emptyReport(this.file, line, stamp, host);
      this.maxOrder = 0;
      this.caller = caller;
    }
    this.silent = 0;
    if (order > this.maxOrder) this.maxOrder = order;
    this.apply(r, f, line);
  }

  private startsNew(r: KernelReport, f: Fact, order: number): boolean {
    if (f.t === 'invoke') return true;
    if (f.t === 'killed') return r.victim !== null && r.oomGroup === null;
    if (f.t === 'summary') return r.summary !== null;
    if (f.t === 'kill') return r.killProcess !== null || r.victim !== null;
    if (f.t === 'memory' || f.t === 'taskin') return this.maxOrder > order || (f.t === 'memory' ? r.memoryLimitKiB !== null : r.oomMemcg !== null);
    // Never a boundary: without caller ids, a WARN printed by another CPU in the middle of a
    // report brings its own `CPU: … PID:` line; only the first one counts (see apply).
    if (f.t === 'tasksState' || f.t === 'taskHeader') return this.maxOrder > ORDER.taskRow;
    return false;
  }

  private apply(r: KernelReport, f: Fact, line: number): void {
    switch (f.t) {
      case 'invoke':
        r.trigger = { process: f.process, pid: null, oomScoreAdj: f.oomScoreAdj, gfpMask: f.gfpMask, order: f.order };
        break;
      case 'cpuset':
        r.triggerCpuset ??= f.cpuset;
        break;
      case 'cpu':
        if (r.triggerPid !== null || this.maxOrder > ORDER.stack) break;
        r.triggerPid = f.pid;
        r.triggerComm = f.comm;
        r.kernelVersion ??= f.kernel;
        // The CPU/PID/Comm line names current, the task that invoked the killer (dump_stack).
        if (r.trigger !== null && r.trigger.pid === null && r.trigger.process === f.comm) r.trigger.pid = f.pid;
        break;
      case 'stack':
        if (f.memcg) r.memcgStack = true;
        break;
      case 'taskin':
        r.victimMemcg ??= f.task;
        r.oomMemcg ??= f.limitOf;
        break;
      case 'memory':
        r.memoryUsageKiB = f.usageKiB;
        r.memoryLimitKiB = f.limitKiB;
        break;
      case 'swap':
        r.swapUsageKiB ??= f.usageKiB;
        r.swapLimitKiB ??= f.limitKiB;
        break;
      case 'memcgStats':
        break;
      case 'meminfo':
        r.memInfo = true;
        break;
      case 'pagesRam':
        r.pagesRam = f.pages;
        break;
      case 'pagesReserved':
        r.pagesReserved = f.pages;
        break;
      case 'totalSwap':
        r.totalSwapKiB = f.kib;
        break;
      case 'tasksState':
        break;
      case 'taskHeader':
        r.taskColumns = f.columns.filter((c) => c !== 'name');
        break;
      case 'taskRow': {
        if (r.tasks.length >= MAX_TASK_ROWS) {
          r.tasksDropped++;
          break;
        }
        const row = parseTaskRow(f.pid, f.rest, r.taskColumns);
        if (row !== null) r.tasks.push(row);
        break;
      }
      case 'summary': {
        const constraint = f.fields.get('constraint');
        r.constraint = constraint ?? (f.fields.has('cpuset') ? '' : null);
        if (f.globalOom) r.globalOomFlag = true;
        const oomMemcg = f.fields.get('oom_memcg');
        const taskMemcg = f.fields.get('task_memcg');
        if (oomMemcg !== undefined) r.oomMemcg = oomMemcg;
        if (taskMemcg !== undefined) r.victimMemcg = taskMemcg;
        r.triggerCpuset ??= f.fields.get('cpuset') ?? null;
        if (f.task !== null && f.pid !== null) r.summary = { task: f.task, pid: f.pid, uid: f.uid, line };
        break;
      }
      case 'kill':
        r.killProcess = { pid: f.pid, process: f.process, score: f.score, line };
        r.killLineKind ??= f.kind;
        break;
      case 'noKillable':
        r.noKillable = true;
        r.killLineKind ??= 'global';
        break;
      case 'killed':
        if (r.victim === null) {
          r.victim = killed(f, line, r.tasks);
          r.killLineKind ??= f.kind;
        } else {
          r.groupKills.push(killed(f, line, r.tasks));
        }
        break;
      case 'sharing':
        r.sharedMmKills.push({ pid: f.pid, process: f.process });
        break;
      case 'group':
        r.oomGroup = f.path;
        break;
    }
  }

  /** Ends the open report (at a report boundary or the end of the input). */
  close(): void {
    const r = this.current;
    if (r === null) return;
    this.current = null;
    this.silent = 0;
    this.maxOrder = 0;
    // A report cut before its `Killed process` line: the summary (4.19+) or `Kill process` line
    // names the task the kernel chose; say which one was used (victim.source).
    if (r.victim === null && r.summary !== null) {
      const row = r.tasks.find((t) => t.pid === r.summary!.pid);
      r.victim = {
        process: r.summary.task,
        pid: r.summary.pid,
        oomScoreAdj: row?.oomScoreAdj ?? null,
        totalVmKiB: null,
        anonRssKiB: null,
        fileRssKiB: null,
        shmemRssKiB: null,
        uid: r.summary.uid,
        pgtablesKiB: null,
        source: 'oom-kill-summary',
        line: r.summary.line,
      };
    } else if (r.victim === null && r.killProcess !== null) {
      const row = r.tasks.find((t) => t.pid === r.killProcess!.pid);
      r.victim = {
        process: r.killProcess.process,
        pid: r.killProcess.pid,
        oomScoreAdj: row?.oomScoreAdj ?? null,
        totalVmKiB: null,
        anonRssKiB: null,
        fileRssKiB: null,
        shmemRssKiB: null,
        uid: row?.uid ?? null,
        pgtablesKiB: null,
        source: 'kill-process',
        line: r.killProcess.line,
      };
    } else if (r.victim !== null && r.victim.uid === null && r.summary !== null && r.summary.pid === r.victim.pid) {
      r.victim.uid = r.summary.uid;
    }
    // A victim whose adj was not on its line: the task table, once it is complete.
    if (r.victim !== null && r.victim.oomScoreAdj === null) {
      const v = r.victim;
      v.oomScoreAdj = r.tasks.find((t) => t.pid === v.pid)?.oomScoreAdj ?? null;
    }
    this.reports++;
    this.emit(r);
  }
}
