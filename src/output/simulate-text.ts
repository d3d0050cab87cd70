// `oomguard simulate` as text: per node, the numbers behind each step — fit, memcg OOM, eviction,
// kernel OOM — with the full rankings, first victim first.
import { formatBytes } from '../core/quantity.js';
import type { NodeSimulation } from '../engine/simulation.js';
import { oneLine, padEnd, padStart, palette } from './common.js';

export interface SimulateTextOptions {
  color: boolean;
  kubernetesVersion: string;
  usage: string;
}

const b = (v: bigint) => formatBytes(v);
const signed = (v: bigint) => (v < 0n ? `−${formatBytes(-v)}` : v === 0n ? '0' : `+${formatBytes(v)}`);

/** A table with right-aligned numeric columns. */
function table(headers: readonly string[], rows: readonly string[][], right: ReadonlySet<number>): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => [...r[i]].length)));
  const line = (cells: readonly string[]) =>
    `    ${cells.map((c, i) => (right.has(i) ? padStart(c, widths[i]) : i === cells.length - 1 ? c : padEnd(c, widths[i]))).join('  ')}`.trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** One node's simulation as lines of text. */
export function simulationTextLines(sim: NodeSimulation, opts: SimulateTextOptions): string[] {
  const p = palette(opts.color);
  const s = sim.simulation;
  const n = s.node;
  const out: string[] = [];
  const id = (ns: string, name: string) => oneLine(`${ns}/${name}`);
  out.push(p.bold(`Node ${oneLine(sim.name)}: capacity ${b(n.capacity)}, allocatable ${b(n.allocatable)}`));
  out.push(`  kube-reserved ${b(n.kubeReserved)}, system-reserved ${b(n.systemReserved)}, hard eviction memory.available<${b(n.evictionHard)}`);
  out.push(p.dim(`  ${oneLine(sim.source.text)}`));
  for (const a of sim.source.assumptions) out.push(p.dim(`  Assumed: ${oneLine(a)}.`));

  // 1. Fit.
  const f = s.fit;
  out.push('');
  out.push(p.bold('Scheduling'));
  const total = f.admitted.length + f.refused.length;
  out.push(`  ${f.admitted.length} of ${total} pods fit: requests ${b(f.admittedRequests)} of ${b(f.allocatable)} allocatable.`);
  for (const r of f.refused) {
    out.push(p.red(`  Refused by the scheduler: ${id(r.namespace, r.name)} requests ${b(r.request)}; the node's requests would reach ${b(r.requestsTotal)} (Insufficient memory).`));
  }

  // 2. memcg OOM.
  if (s.memcgOom.length > 0) {
    out.push('');
    out.push(p.bold('Killed by their own limit first (memcg OOM), whatever the node does'));
    for (const m of s.memcgOom) out.push(`  ${id(m.namespace, m.pod)} container ${oneLine(m.container)}: uses ${b(m.usage)}, limit ${b(m.limit)}; counted at its limit below.`);
  }

  // 3. Eviction.
  const e = s.eviction;
  out.push('');
  out.push(p.bold('Eviction (the kubelet, memory pressure)'));
  out.push(
    `  Pods use ${b(e.podUsage)}; pressure when they use more than ${b(e.pressureAbovePodUsage)} ` +
      `(capacity − system-reserved − kube-reserved − eviction threshold), memory.available = ${e.memoryAvailable < 0n ? `−${b(-e.memoryAvailable)}` : b(e.memoryAvailable)}.`,
  );
  if (!e.underPressure) out.push(`  No pressure: nobody is evicted at this usage. The ranking, if usage grows:`);
  else if (e.relieved) out.push(p.yellow(`  Under pressure: ${e.evictions.length} pod${e.evictions.length === 1 ? '' : 's'} evicted, one at a time, before memory.available is back above ${b(e.evictionHard)}.`));
  else out.push(p.red(`  Under pressure, and evicting every pod that may be evicted does not relieve it.`));
  const evicted = new Set(e.evictions.map((x) => `${x.namespace}/${x.name}`));
  out.push(
    ...table(
      ['#', 'POD', 'PRIORITY', 'REQUEST', 'USAGE', 'USAGE − REQUEST', ''],
      e.ranking.map((c, i) => [
        String(i + 1),
        id(c.namespace, c.name),
        String(c.priority),
        b(c.request),
        b(c.usage),
        signed(c.usageOverRequest),
        c.critical ? 'critical: never evicted' : evicted.has(`${c.namespace}/${c.name}`) ? 'evicted' : c.exceedsRequest ? 'above its request' : '',
      ]),
      new Set([0, 2, 3, 4, 5]),
    ),
  );

  // 4. Kernel OOM.
  const k = s.kernelOom;
  out.push('');
  out.push(p.bold('Kernel OOM (the kubepods cgroup, if memory runs out before eviction acts)'));
  out.push(
    `  kubepods memory.max = capacity − kube-reserved − system-reserved = ${b(k.kubepodsLimit)}; totalpages ${k.totalPages} ` +
      `(${b(n.pageSize)} pages): one point of oom_score_adj weighs ${k.pagesPerAdjPoint} pages.`,
  );
  if (!k.triggered) out.push(`  Pods use ${b(k.podUsage)}, within the limit: no kernel OOM at this usage. The kill order, if it happens:`);
  else if (k.relieved) out.push(p.red(`  Pods use ${b(k.podUsage)}, above the limit: ${k.kills.length} container${k.kills.length === 1 ? '' : 's'} killed before usage fits.`));
  else out.push(p.red(`  Pods use ${b(k.podUsage)}, above the limit, and killing every killable container does not bring it under.`));
  const killed = new Set(k.kills.map((x) => x.victim));
  out.push(
    ...table(
      ['#', 'POD', 'CONTAINER', 'OOM_SCORE_ADJ', 'RSS', 'BADNESS', ''],
      k.ranking.map((v, i) => [String(i + 1), id(v.namespace, v.name), oneLine(v.container), String(v.oomScoreAdj), b(v.rssBytes), String(v.badness), killed.has(v) ? 'killed' : '']),
      new Set([0, 3, 4, 5]),
    ),
  );
  out.push(p.dim(`  badness = rss pages + oom_score_adj × (totalpages / 1000), integer arithmetic (mm/oom_kill.c oom_badness); ties: the later-scanned wins.`));
  for (const u of k.unkillable) out.push(p.dim(`  Never chosen (oom_score_adj −1000): ${id(u.namespace, u.name)} ${oneLine(u.container)}.`));
  return out;
}

/** The whole report; ends with a newline. */
export function formatSimulationText(sims: readonly NodeSimulation[], opts: SimulateTextOptions): string {
  const p = palette(opts.color);
  const out: string[] = [];
  if (sims.length === 0) out.push('No workloads (objects that hold a pod) to place.');
  sims.forEach((sim, i) => {
    if (i > 0) out.push('', '');
    out.push(...simulationTextLines(sim, opts));
  });
  out.push('');
  out.push(p.dim(`Usage: ${oneLine(opts.usage)}.`));
  out.push(p.dim(`Modelled Kubernetes ${oneLine(opts.kubernetesVersion)}; one replica of every workload. Assumptions: docs/simulate.md.`));
  return `${out.join('\n')}\n`;
}
