// The kernel's OOM-killer arithmetic (mm/oom_kill.c, Linux >= 5.9), pure and in exact integers.
// The one badness formula of the project: forensics/badness.ts recomputes kernel reports with it and
// core/simulate.ts ranks the containers of a node with it.
//
//   oom_badness(p, totalpages):
//     if oom_score_adj == OOM_SCORE_ADJ_MIN (-1000)        -> LONG_MIN: never chosen
//     points = get_mm_rss(mm) + swap entries + page-table pages
//     adj    = oom_score_adj * (totalpages / 1000)         -- integer division first
//     return points + adj                                  -- may be negative since 5.9
//
//   select_bad_process / oom_evaluate_task: every task of the OOMing scope, in scan order;
//     `if (points == LONG_MIN || points < oc->chosen_points) goto next;` then the task becomes the
//     choice. chosen_points starts at LONG_MIN, so a negative badness can still be chosen, and a
//     tie replaces the current choice: the later-scanned task wins.
//
// Before 5.9 oom_badness returned max(points, 1) (unsigned); that clamp is a reading of old kernel
// reports and lives in forensics/badness.ts. totalpages is the OOMing scope's size in pages:
// mem_cgroup_get_max() for a memcg OOM (memory.max plus the swap the group may use), RAM + swap
// for a global one (semantics.md §5.2).

/** OOM_SCORE_ADJ_MIN: a task with this oom_score_adj is never chosen. */
export const OOM_SCORE_ADJ_MIN = -1000;
/** OOM_SCORE_ADJ_MAX. */
export const OOM_SCORE_ADJ_MAX = 1000;

/**
 * The kernel's badness of a task (Linux >= 5.9): `rssPages + oomScoreAdj × (totalPages / 1000)`,
 * the division first and truncating; null for oom_score_adj -1000, which never competes.
 * `rssPages` is everything oom_badness counts as the task's memory (rss + swap entries + page
 * tables). oom_score_adj must be an integer; values outside [-1000, 1000] are computed as given
 * (the kernel refuses them when they are written, so they never reach it).
 */
export function oomBadness(rssPages: bigint, oomScoreAdj: number, totalPages: bigint): bigint | null {
  if (!Number.isSafeInteger(oomScoreAdj)) throw new RangeError(`oom_score_adj must be an integer, got ${oomScoreAdj}`);
  if (oomScoreAdj === OOM_SCORE_ADJ_MIN) return null;
  // BigInt division truncates toward zero like C's; totalpages is never negative.
  return rssPages + BigInt(oomScoreAdj) * (totalPages / 1000n);
}

/** What the kernel reads off a task to score it. */
export interface OomTask {
  rssPages: bigint;
  oomScoreAdj: number;
}

/** A task the OOM killer may choose, with its badness and its position in the scan. */
export interface ScoredTask<T> {
  task: T;
  /** 0-based position of the task in the scan order given. */
  scanIndex: number;
  badness: bigint;
}

/**
 * The kernel's order between two candidates: negative when `a` is chosen before `b`. Higher
 * badness first; on equal badness the later-scanned task first (a tie replaces the choice).
 */
export function compareVictims(a: { badness: bigint; scanIndex: number }, b: { badness: bigint; scanIndex: number }): number {
  if (a.badness !== b.badness) return a.badness > b.badness ? -1 : 1;
  return b.scanIndex - a.scanIndex;
}

function scored<T extends OomTask>(tasks: readonly T[], totalPages: bigint): ScoredTask<T>[] {
  const out: ScoredTask<T>[] = [];
  tasks.forEach((task, scanIndex) => {
    const badness = oomBadness(task.rssPages, task.oomScoreAdj, totalPages);
    if (badness !== null) out.push({ task, scanIndex, badness });
  });
  return out;
}

/**
 * select_bad_process over `tasks` in scan order: the task with the highest badness, the
 * later-scanned one on a tie; null when every task has oom_score_adj -1000 (or there is none).
 */
export function selectVictim<T extends OomTask>(tasks: readonly T[], totalPages: bigint): ScoredTask<T> | null {
  let chosen: ScoredTask<T> | null = null;
  for (const candidate of scored(tasks, totalPages)) {
    // oom_evaluate_task: `points < chosen_points` is skipped; an equal score replaces the choice.
    if (chosen !== null && candidate.badness < chosen.badness) continue;
    chosen = candidate;
  }
  return chosen;
}

/**
 * Every task that can be chosen, in the order successive OOM kills take them (first victim
 * first): badness does not depend on the other tasks, so choosing again among what remains after
 * each kill is this one sort. Tasks with oom_score_adj -1000 are left out.
 */
export function oomKillOrder<T extends OomTask>(tasks: readonly T[], totalPages: bigint): ScoredTask<T>[] {
  return scored(tasks, totalPages).sort(compareVictims);
}
