// The kernel's choice, recomputed from the report's task table: oom_badness() in mm/oom_kill.c,
// whose arithmetic is core/kernel-oom.ts's oomBadness (the project's one badness formula).
//
//   points = rss + swapents + page tables (pgtables_bytes / PAGE_SIZE; nr_ptes [+ nr_pmds] before 4.14)
//   adj    = oom_score_adj × (totalpages / 1000)          -- integer division first
//   badness = points + adj                                -- before 5.9: at least 1 (applied here)
//   oom_score_adj = -1000 never competes (OOM_SCORE_ADJ_MIN)
//
// totalpages is the memcg's limit for a memcg OOM (mem_cgroup_get_max: memory.max, plus the swap
// the group may use) and RAM + swap for a global one (oom_constraint: totalram_pages() +
// total_swap_pages). Before 5.1 the `Kill process … score S` line printed S = badness × 1000 /
// totalpages (select_bad_process), which lets the recomputation check itself. Kernels before 4.17
// also gave CAP_SYS_ADMIN processes a 3% bonus the report does not show. Pure.
import { oomBadness } from '../core/kernel-oom.js';
import type { KernelReport, TaskRow } from './types.js';

export interface Candidate {
  process: string;
  pid: number;
  oomScoreAdj: number | null;
  rssPages: number | null;
  swapPages: number | null;
  pgtablesPages: number | null;
  /** rss + swap + page tables. */
  memoryPages: number | null;
  /** The badness the kernel computed (null when totalpages is unknown or the task cannot be killed). */
  points: number | null;
}

export interface Ranking {
  totalPages: number | null;
  /** How totalpages was found ('memcg limit', 'Mem-Info', '--node-memory'). */
  totalPagesSource: string | null;
  pageKiB: number;
  /** True when the page size was read off the victim's row and its Killed process line. */
  pageSizeDerived: boolean;
  rows: number;
  /** Top candidates, highest badness first (ties: the later row, which the kernel's scan keeps). */
  top: Candidate[];
  victim: Candidate | null;
  /** 1-based rank of the victim among all rows, null when it is not in the table or points are unknown. */
  victimRank: number | null;
  /** The `score` the kernel printed (before 5.1) and the one recomputed, when both exist. */
  kernelScore: { printed: number; recomputed: number } | null;
}

/** Major and minor of a kernel release ("5.15.0-1087-azure" → [5, 15]). */
export function kernelMinor(version: string | null): [number, number] | null {
  if (version === null) return null;
  const m = /^(\d+)\.(\d+)/.exec(version);
  return m === null ? null : [Number(m[1]), Number(m[2])];
}

function before(v: [number, number] | null, major: number, minor: number): boolean {
  return v !== null && (v[0] < major || (v[0] === major && v[1] < minor));
}

/**
 * Page size in KiB: the victim's rss in pages against its Killed-process kB (anon + file + shmem);
 * 4 KiB (x86-64) when the report does not allow the comparison.
 */
export function pageSizeKiB(report: KernelReport): { kib: number; derived: boolean } {
  const v = report.victim;
  if (v !== null && v.anonRssKiB !== null && v.fileRssKiB !== null) {
    const row = report.tasks.find((t) => t.pid === v.pid);
    const kib = v.anonRssKiB + v.fileRssKiB + (v.shmemRssKiB ?? 0);
    if (row !== undefined && row.rssPages !== null && row.rssPages > 0) {
      for (const size of [4, 16, 64]) {
        if (Math.abs(kib / row.rssPages - size) <= size * 0.01) return { kib: size, derived: true };
      }
    }
  }
  return { kib: 4, derived: false };
}

export function candidateOf(row: TaskRow, totalPages: number | null, pageKiB: number, version: [number, number] | null): Candidate {
  const pgtables = row.pgtablesPages ?? (row.pgtablesBytes !== null ? Math.floor(row.pgtablesBytes / (pageKiB * 1024)) : null);
  const memoryPages = row.rssPages === null ? null : row.rssPages + (row.swapEntries ?? 0) + (pgtables ?? 0);
  let points: number | null = null;
  // The report's numbers are safe integers (assemble.ts keeps no other), so the bigint round trip is exact.
  if (memoryPages !== null && totalPages !== null && row.oomScoreAdj !== null && Number.isSafeInteger(memoryPages) && Number.isSafeInteger(totalPages)) {
    const badness = oomBadness(BigInt(memoryPages), row.oomScoreAdj, BigInt(totalPages));
    if (badness !== null) {
      points = Number(badness);
      if (before(version, 5, 9) && points < 1) points = 1;
    }
  }
  return { process: row.name, pid: row.pid, oomScoreAdj: row.oomScoreAdj, rssPages: row.rssPages, swapPages: row.swapEntries, pgtablesPages: pgtables, memoryPages, points };
}

/**
 * totalpages for this report, or null when the report does not give it. `nodeMemoryBytes` (the
 * node's MemTotal, from --node-memory) stands in for a global OOM's RAM when Mem-Info is absent.
 */
export function totalPagesOf(report: KernelReport, kind: 'memcg' | 'global' | null, pageKiB: number, nodeMemoryBytes: bigint | null): { pages: number; source: string } | null {
  if (kind === 'memcg') {
    if (report.memoryLimitKiB === null) return null;
    return { pages: Math.floor(report.memoryLimitKiB / pageKiB), source: 'the cgroup limit (memory.max; swap the cgroup may use is not in the report)' };
  }
  if (kind === 'global') {
    const swapPages = report.totalSwapKiB !== null ? Math.floor(report.totalSwapKiB / pageKiB) : 0;
    if (report.pagesRam !== null) {
      // show_mem prints present pages and the reserved part; totalram_pages() counts managed pages.
      return { pages: report.pagesRam - (report.pagesReserved ?? 0) + swapPages, source: "the report's Mem-Info (pages RAM − pages reserved + swap)" };
    }
    if (nodeMemoryBytes !== null) {
      return { pages: Number(nodeMemoryBytes / BigInt(pageKiB * 1024)) + swapPages, source: '--node-memory (MemTotal; swap not in the report, taken as none)' };
    }
  }
  return null;
}

export const TOP_CANDIDATES = 5;

export function rankTasks(report: KernelReport, kind: 'memcg' | 'global' | null, nodeMemoryBytes: bigint | null): Ranking | null {
  if (report.tasks.length === 0) return null;
  const version = kernelMinor(report.kernelVersion);
  const page = pageSizeKiB(report);
  const total = totalPagesOf(report, kind, page.kib, nodeMemoryBytes);
  const all = report.tasks.map((row, index) => ({ c: candidateOf(row, total?.pages ?? null, page.kib, version), index }));
  const score = (x: Candidate) => (x.points !== null ? x.points : Number.NEGATIVE_INFINITY);
  const byKernel = (a: { c: Candidate; index: number }, b: { c: Candidate; index: number }) => {
    if (total !== null) return score(b.c) - score(a.c) || b.index - a.index;
    // Without totalpages only the order by adj, then memory, can be shown (not the kernel's sum).
    return (b.c.oomScoreAdj ?? -1001) - (a.c.oomScoreAdj ?? -1001) || (b.c.memoryPages ?? 0) - (a.c.memoryPages ?? 0) || b.index - a.index;
  };
  const sorted = [...all].sort(byKernel);
  const victimPid = report.victim?.pid ?? null;
  const vIndex = victimPid === null ? -1 : sorted.findIndex((x) => x.c.pid === victimPid);
  const victim = vIndex === -1 ? null : sorted[vIndex].c;
  let kernelScore: Ranking['kernelScore'] = null;
  const chosen = report.killProcess;
  if (chosen !== null && total !== null && total.pages > 0) {
    const row = all.find((x) => x.c.pid === chosen.pid);
    if (row !== undefined && row.c.points !== null) kernelScore = { printed: chosen.score, recomputed: Math.floor((row.c.points * 1000) / total.pages) };
  }
  return {
    totalPages: total?.pages ?? null,
    totalPagesSource: total?.source ?? null,
    pageKiB: page.kib,
    pageSizeDerived: page.derived,
    rows: report.tasks.length,
    top: sorted.slice(0, TOP_CANDIDATES).map((x) => x.c),
    victim,
    victimRank: vIndex === -1 || total === null ? null : vIndex + 1,
    kernelScore,
  };
}
