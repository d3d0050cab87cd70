// `oomguard explain`: what the kubelet will do, one table per workload, each followed by a
// one-line note that explains the workload's highest (first-killed) score.
//
//   Deployment monitoring/prometheus (k8s/prometheus.yaml, line 1)
//     CONTAINER         TYPE       MEMORY REQUEST  MEMORY LIMIT  QOS        OOM_SCORE_ADJ
//     prometheus        container  -               -             Burstable            999
//     configmap-reload  container  50Mi            100Mi         Burstable            994
//     999: Burstable with no memory request (prometheus): killed right after BestEffort containers.
//
//   Modelled Kubernetes 1.34 on a node with 8Gi memory (--node-memory).
//
// Memory is bytes after API-server defaulting and LimitRange admission, shown by formatBytes (exact
// binary units such as 512Mi or 1Gi, else plain bytes); "-" when unset. Each LimitRange that set a
// value, disagrees with another or refuses the Pods gets a line after the note. Containers follow the kubelet's order (init
// containers and sidecars first). Column widths are shared by all tables so that they line up.
// Objects that hold no pod are not listed. Input errors follow the tables.
import { formatBytes } from '../core/quantity.js';
import type { ContainerResult } from '../core/types.js';
import type { LintReport, ReportedWorkload } from '../engine/types.js';
import { objectLabel, oneLine, padEnd, padStart, palette, plural } from './common.js';
import { nodeFooter } from './footer.js';

export interface ExplainOptions {
  color: boolean;
}

const HEADERS = ['CONTAINER', 'TYPE', 'MEMORY REQUEST', 'MEMORY LIMIT', 'QOS', 'OOM_SCORE_ADJ'] as const;
/** Right-aligned columns (numbers). */
const RIGHT = new Set([5]);

const mem = (v: bigint | null) => (v === null ? '-' : formatBytes(v));

/** The kubelet's Burstable formula without clamps: 1000 - 1000*request/capacity (Go int64 division). */
function rawAdj(request: bigint, capacity: bigint): bigint {
  return 1000n - (1000n * request) / capacity;
}

/** The container killed first within the workload (highest score; the first one on a tie). */
function firstKilled(containers: ContainerResult[]): ContainerResult {
  return containers.reduce((worst, c) => (c.oomScoreAdj > worst.oomScoreAdj ? c : worst));
}

/** One sentence explaining the workload's highest oom_score_adj (on the node it was judged on). */
export function explainNote(w: ReportedWorkload): string {
  const a = w.analysis;
  const g = a.guaranteedOomScoreAdj;
  const fromStatus = a.qosSource === 'status' ? ' (QoS class taken from status.qosClass)' : '';
  if (a.containers.length === 0) return `No containers: nothing for the kubelet to score.`;
  if (a.nodeCritical) {
    return `${g}: system-node-critical pod: every container gets the Guaranteed value whatever its resources; killed last.`;
  }
  if (a.qosClass === 'Guaranteed') {
    const how = a.podLevelResources
      ? 'pod-level requests equal pod-level limits'
      : 'every container has cpu and memory limits equal to its requests';
    return `${g}: Guaranteed${fromStatus} (${how}): killed last, after every Burstable and BestEffort container.`;
  }
  if (a.qosClass === 'BestEffort') {
    return `1000: BestEffort${fromStatus} (no cpu or memory requests or limits): killed first when the node runs out of memory.`;
  }

  // Burstable.
  const c = firstKilled(a.containers);
  const cap = w.placement.facts.memoryCapacity;
  const floor = 1000 + g;
  const who = oneLine(c.name);
  if (a.podLevelResources && a.podMemoryRequest !== null) {
    return (
      `${c.oomScoreAdj} (${who}): Burstable with a pod-level memory request of ${formatBytes(a.podMemoryRequest)}; ` +
      `the part no container requests is shared equally by all containers: 1000 − 1000 × (request + share) / ${formatBytes(cap)}.`
    );
  }
  if (c.oomScoreAdj === 999 && c.memoryRequest === null) {
    return `999: Burstable${fromStatus} with no memory request (${who}): killed right after BestEffort containers.`;
  }
  if (cap <= 0n) return `${c.oomScoreAdj} (${who}): Burstable${fromStatus}; highest score in this workload.`;
  const request = c.memoryRequest ?? 0n;
  const raw = rawAdj(request, cap);
  const formula = `1000 − 1000 × ${formatBytes(request)} / ${formatBytes(cap)}`;
  if (c.oomScoreAdj === floor && raw <= BigInt(floor)) {
    return (
      `${floor} (${who}): ${formula} is at most ${floor}, the lowest a Burstable container can get; ` +
      `killed after other Burstable containers, before Guaranteed ones.`
    );
  }
  if (c.oomScoreAdj === 999 && raw === 1000n) {
    return (
      `999 (${who}): ${formula} rounds to 1000, which the kubelet lowers to 999 (1000 is for BestEffort): ` +
      `the request is too small to matter on this node.`
    );
  }
  if (BigInt(c.oomScoreAdj) === raw) {
    return (
      `${c.oomScoreAdj} = ${formula} (${who}): Burstable${fromStatus}; the smaller the memory request ` +
      `relative to the node, the sooner the container is killed.`
    );
  }
  if (c.type === 'sidecar' && BigInt(c.oomScoreAdj) < raw) {
    return (
      `${c.oomScoreAdj} (sidecar ${who}): capped at the score of the regular container with the smallest ` +
      `memory request, so the sidecar is never killed before it (own value ${raw}).`
    );
  }
  return `${c.oomScoreAdj} (${who}): Burstable${fromStatus}; highest score in this workload.`;
}

/**
 * What the namespace's LimitRanges did to the workload's Pods, one line each: what each set, the
 * values two of them disagree on, and why the Pods would be refused.
 */
export function limitRangeLines(w: ReportedWorkload): string[] {
  const a = w.analysis;
  const lines: string[] = [];
  // LimitRange -> "memory request" -> container names, in the order met.
  const setBy = new Map<string, Map<string, string[]>>();
  for (const c of a.containers) {
    if (c.setByLimitRange === null) continue;
    for (const which of ['requests', 'limits'] as const) {
      for (const [resource, lr] of Object.entries(c.setByLimitRange[which])) {
        const fields = setBy.get(lr) ?? new Map<string, string[]>();
        setBy.set(lr, fields);
        const field = `${resource} ${which === 'requests' ? 'request' : 'limit'}`;
        fields.set(field, [...(fields.get(field) ?? []), c.name]);
      }
    }
  }
  for (const [lr, fields] of setBy) {
    const parts = [...fields].map(([field, names]) => `${field} (${names.join(', ')})`);
    lines.push(`LimitRange ${lr} set: ${parts.join(', ')}.`);
  }
  for (const c of a.limitRanges.conflicts) {
    const side = c.which === 'requests' ? 'request' : 'limit';
    lines.push(
      `LimitRanges ${c.used.limitRange} and ${c.ignored.limitRange} default the ${c.resource} ${side} of ${c.container} differently ` +
        `(${c.used.value}, ${c.ignored.value}); the API server may apply either, the table uses ${c.used.value}.`,
    );
  }
  for (const r of a.limitRanges.refusals) {
    const subject = r.container === null ? 'pod total' : `container ${r.container.name}`;
    const status = r.status === 403 ? '403 Forbidden' : '422 Invalid';
    lines.push(`Pods refused (${status}) by LimitRange ${r.limitRange}: ${r.message} (${subject}).`);
  }
  return lines;
}

/** Which of the given nodes the pod was judged on, and why; none when only a capacity was given. */
export function placementLine(w: ReportedWorkload): string | null {
  const p = w.placement;
  if (p.basis === 'capacity' || p.node === null) return null;
  const on = `node ${p.node} (${formatBytes(p.facts.memoryCapacity)})`;
  const unknown = p.unknownNodeName === null ? '' : `spec.nodeName ${p.unknownNodeName} is not among the given nodes, so `;
  switch (p.basis) {
    case 'nodeName':
      return `Judged on ${on}: spec.nodeName.`;
    case 'selector':
      return p.candidates === 1
        ? `Judged on ${on}: ${unknown}the only node its nodeSelector and node affinity allow.`
        : `Judged on ${on}: ${unknown}the smallest of the ${p.candidates} nodes its nodeSelector and node affinity allow.`;
    default:
      if (p.noNodeMatches) return `Judged on ${on}, the smallest node: ${unknown}its nodeSelector and node affinity match no given node (it would stay Pending).`;
      return `Judged on ${on}: ${unknown === '' ? '' : `${unknown}it is judged as unplaced on `}the smallest of the ${p.candidates} nodes it may run on.`;
  }
}

function workloadHeading(w: ReportedWorkload): string {
  const item = w.source.itemPointer === '' ? '' : `, ${w.source.itemPointer}`;
  return `${objectLabel(w)} (${w.source.file}, line ${w.source.line}${item})`;
}

/** The explain report; ends with a newline. */
export function formatExplain(report: LintReport, opts: ExplainOptions): string {
  const p = palette(opts.color);
  const out: string[] = [];
  const workloads = report.objects.flatMap((o) => (o.workload !== undefined ? [o.workload] : []));

  if (workloads.length === 0) {
    out.push(`No workloads (objects that hold a pod) among ${plural(report.objects.length, 'object')}.`);
  } else {
    type Block = { heading: string; rows: string[][]; note: string; limitRanges: string[] };
    const blocks: Block[] = workloads.map((w) => {
      const a = w.analysis;
      const rows =
        a.containers.length === 0
          ? [['-', '-', '-', '-', a.qosClass, '-']]
          : a.containers.map((c) => [
              oneLine(c.name),
              c.type,
              mem(c.memoryRequest),
              mem(c.memoryLimit),
              a.qosClass,
              String(c.oomScoreAdj),
            ]);
      const placement = placementLine(w);
      const notes = [...(placement === null ? [] : [placement]), ...limitRangeLines(w)];
      return { heading: oneLine(workloadHeading(w)), rows, note: oneLine(explainNote(w)), limitRanges: notes.map(oneLine) };
    });
    const widths = HEADERS.map((h, i) => Math.max(h.length, ...blocks.flatMap((b) => b.rows.map((r) => [...r[i]].length))));
    const render = (cells: readonly string[]) =>
      `  ${cells
        .map((cell, i) => (RIGHT.has(i) ? padStart(cell, widths[i]) : i === cells.length - 1 ? cell : padEnd(cell, widths[i])))
        .join('  ')}`.trimEnd();

    blocks.forEach((b, i) => {
      if (i > 0) out.push('');
      out.push(p.bold(b.heading));
      out.push(p.dim(render(HEADERS)));
      out.push(...b.rows.map(render));
      out.push(p.dim(`  ${b.note}`));
      for (const line of b.limitRanges) out.push(p.dim(`  ${line}`));
    });
  }

  if (report.errors.length > 0) {
    out.push('');
    out.push(p.red(p.bold(`Input errors (${report.errors.length}): not explained`)));
    for (const e of report.errors) {
      const where = [oneLine(e.file)];
      if (e.line !== null) where.push(`:${e.line}`);
      if (e.document !== null) where.push(` (document ${e.document + 1})`);
      out.push(`  ${where.join('')}: ${oneLine(e.message)}`);
    }
  }

  out.push('');
  out.push(p.dim(nodeFooter(report.node, report.kubernetesVersion)));
  return `${out.join('\n')}\n`;
}
