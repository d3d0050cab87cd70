// The kernel's badness and victim selection (mm/oom_kill.c, Linux >= 5.9; semantics.md §5).
// Every expected number is worked by hand in the comments.
import t from 'tap';
import { OOM_SCORE_ADJ_MIN, compareVictims, oomBadness, oomKillOrder, selectVictim } from '../../src/core/kernel-oom.js';

// An 8 GiB memcg in 4 KiB pages: totalpages = 8 × 2^30 / 2^12 = 2097152; totalpages / 1000 = 2097
// (2097.152, truncated). One point of oom_score_adj is worth 2097 pages.
const TOTAL = 2097152n;

t.test('oomBadness: rss + adj × (totalpages / 1000), the division first', async (t) => {
  // 999 × 2097 = 2097000 − 2097 = 2094903. Multiplying first would give 999 × 2097152 / 1000 = 2095054.
  t.equal(oomBadness(0n, 999, TOTAL), 2094903n);
  t.equal(oomBadness(100n, 0, TOTAL), 100n);
  t.equal(oomBadness(25600n, 1000, TOTAL), 25600n + 2097000n);
  // Negative since 5.9: 1000 pages − 997 × 2097 = 1000 − 2090709 = −2089709.
  t.equal(oomBadness(1000n, -997, TOTAL), -2089709n);
  // totalpages below 1000: the adj term vanishes (999 / 1000 = 0).
  t.equal(oomBadness(5n, 1000, 999n), 5n);
  t.equal(oomBadness(5n, -999, 1000n), -994n);
});

t.test('oom_score_adj -1000 never competes', async (t) => {
  t.equal(OOM_SCORE_ADJ_MIN, -1000);
  t.equal(oomBadness(1_000_000n, -1000, TOTAL), null);
  // The largest task, at -1000, is passed over for a tiny one.
  const tasks = [
    { id: 'unkillable', rssPages: 2_000_000n, oomScoreAdj: -1000 },
    { id: 'tiny', rssPages: 1n, oomScoreAdj: 0 },
  ];
  t.equal(selectVictim(tasks, TOTAL)?.task.id, 'tiny');
  t.same(oomKillOrder(tasks, TOTAL).map((s) => s.task.id), ['tiny']);
  // Nothing but -1000: no victim at all.
  t.equal(selectVictim([tasks[0]], TOTAL), null);
  t.equal(selectVictim([], TOTAL), null);
});

t.test('a 999 container with little memory dies before a -997 one with a lot', async (t) => {
  // small:  100 MiB = 25600 pages at 999:  25600 + 999 × 2097 = 25600 + 2094903 = 2120503
  // large:    6 GiB = 1572864 pages at -997: 1572864 − 997 × 2097 = 1572864 − 2090709 = −517845
  // Even at the whole 8 GiB (2097152 pages) the -997 one scores 2097152 − 2090709 = 6443.
  const small = { id: 'burstable-999', rssPages: 25600n, oomScoreAdj: 999 };
  const large = { id: 'guaranteed-997', rssPages: 1572864n, oomScoreAdj: -997 };
  t.equal(oomBadness(small.rssPages, small.oomScoreAdj, TOTAL), 2120503n);
  t.equal(oomBadness(large.rssPages, large.oomScoreAdj, TOTAL), -517845n);
  t.equal(oomBadness(TOTAL, -997, TOTAL), 6443n);
  for (const order of [[small, large], [large, small]]) {
    t.equal(selectVictim(order, TOTAL)?.task.id, 'burstable-999');
    t.same(oomKillOrder(order, TOTAL).map((s) => s.task.id), ['burstable-999', 'guaranteed-997']);
  }
  // Alone, a negative badness is still chosen (chosen_points starts at LONG_MIN).
  const alone = selectVictim([large], TOTAL);
  t.equal(alone?.task.id, 'guaranteed-997');
  t.equal(alone?.badness, -517845n);
});

t.test('where a larger Burstable container overtakes a smaller BestEffort one', async (t) => {
  // BestEffort: 50000 pages at 1000 → 50000 + 1000 × 2097 = 2147000.
  // Burstable at 500: R + 500 × 2097 = R + 1048500. Equal when R = 2147000 − 1048500 = 1098500 pages
  // (4499456000 bytes, about 4.19 GiB: 1048500 pages more than the BestEffort one, where the
  // "(1000 − 500) / 1000 × totalpages" rule of thumb says 1048576 — the truncated division).
  const bestEffort = { id: 'best-effort', rssPages: 50000n, oomScoreAdj: 1000 };
  const burstable = (rssPages: bigint) => ({ id: 'burstable', rssPages, oomScoreAdj: 500 });
  t.equal(oomBadness(bestEffort.rssPages, 1000, TOTAL), 2147000n);

  // One page below: 2146999 < 2147000, the BestEffort container dies first, in either scan order.
  t.equal(oomBadness(1098499n, 500, TOTAL), 2146999n);
  t.equal(selectVictim([bestEffort, burstable(1098499n)], TOTAL)?.task.id, 'best-effort');
  t.equal(selectVictim([burstable(1098499n), bestEffort], TOTAL)?.task.id, 'best-effort');

  // At the break-even point the scores tie: the later-scanned task wins.
  t.equal(oomBadness(1098500n, 500, TOTAL), 2147000n);
  t.equal(selectVictim([bestEffort, burstable(1098500n)], TOTAL)?.task.id, 'burstable');
  t.equal(selectVictim([burstable(1098500n), bestEffort], TOTAL)?.task.id, 'best-effort');

  // One page above: the Burstable one dies first whatever the order.
  t.equal(selectVictim([bestEffort, burstable(1098501n)], TOTAL)?.task.id, 'burstable');
  t.equal(selectVictim([burstable(1098501n), bestEffort], TOTAL)?.task.id, 'burstable');
});

t.test('ties: the later-scanned task wins, in selection and in the kill order', async (t) => {
  const tasks = [
    { id: 'a', rssPages: 300n, oomScoreAdj: 0 },
    { id: 'b', rssPages: 100n, oomScoreAdj: 0 },
    { id: 'c', rssPages: 300n, oomScoreAdj: 0 },
    { id: 'd', rssPages: 300n, oomScoreAdj: 0 },
  ];
  const chosen = selectVictim(tasks, TOTAL);
  t.equal(chosen?.task.id, 'd');
  t.equal(chosen?.scanIndex, 3);
  t.same(oomKillOrder(tasks, TOTAL).map((s) => `${s.task.id}@${s.scanIndex}`), ['d@3', 'c@2', 'a@0', 'b@1']);
  t.ok(compareVictims({ badness: 5n, scanIndex: 0 }, { badness: 4n, scanIndex: 9 }) < 0, 'higher badness first');
  t.ok(compareVictims({ badness: 5n, scanIndex: 2 }, { badness: 5n, scanIndex: 1 }) < 0, 'equal badness: later scan first');
  t.equal(compareVictims({ badness: 5n, scanIndex: 1 }, { badness: 5n, scanIndex: 1 }), 0);
});

t.test('the kill order is select_bad_process repeated over what remains', async (t) => {
  const tasks = [
    { id: 'be', rssPages: 10n, oomScoreAdj: 1000 }, // 10 + 2097000 = 2097010
    { id: 'g', rssPages: 2_000_000n, oomScoreAdj: -997 }, // 2000000 − 2090709 = −90709
    { id: 'b1', rssPages: 900_000n, oomScoreAdj: 600 }, // 900000 + 1258200 = 2158200
    { id: 'none', rssPages: 5n, oomScoreAdj: -1000 }, // never
    { id: 'b2', rssPages: 61_190n, oomScoreAdj: 971 }, // 61190 + 2036187 = 2097377
    { id: 'zero', rssPages: 0n, oomScoreAdj: 0 }, // 0
  ];
  const expected = ['b1', 'b2', 'be', 'zero', 'g'];
  t.same(oomKillOrder(tasks, TOTAL).map((s) => s.task.id), expected);
  t.same(oomKillOrder(tasks, TOTAL).map((s) => s.badness), [2158200n, 2097377n, 2097010n, 0n, -90709n]);
  const repeated: string[] = [];
  let remaining = [...tasks];
  for (;;) {
    const victim = selectVictim(remaining, TOTAL);
    if (victim === null) break;
    repeated.push(victim.task.id);
    remaining = remaining.filter((x) => x !== victim.task);
  }
  t.same(repeated, expected);
  t.same(remaining.map((x) => x.id), ['none']);
});

t.test('oom_score_adj must be an integer', async (t) => {
  t.throws(() => oomBadness(1n, 1.5, TOTAL), RangeError);
  t.throws(() => oomBadness(1n, Number.NaN, TOTAL), RangeError);
});
