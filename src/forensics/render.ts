// `whodunit` output: JSON (schemaVersion 1; fields may be added, never renamed) and text for
// people. Pure: a report in, a string out.
import { oneLine, padEnd, padStart, palette } from '../output/common.js';
import type { WhodunitEvent } from './explain.js';
import type { InputProblem } from './types.js';

export interface WhodunitReport {
  events: WhodunitEvent[];
  errors: InputProblem[];
  /** Lines read per kernel log. */
  logs: Array<{ file: string; lines: number; reports: number }>;
  podsFile: string | null;
  kubernetesVersion: string;
  nodeMemory: bigint | null;
}

/** A kill: a kernel victim, a pod-status OOMKilled / 137 termination, or a memory eviction. */
export function isKill(e: WhodunitEvent): boolean {
  if (e.sameKillAs !== null) return false;
  return e.source === 'pod-status' || e.victim !== null;
}

function jsonEvent(e: WhodunitEvent): Record<string, unknown> {
  // The issue's fields first, in its order; the rest after.
  const { file, line, kind, trigger, victim, memcg, pod, explanation, ...rest } = e;
  return { file, line, kind, trigger, victim, memcg, pod, explanation, ...rest };
}

export function renderJson(report: WhodunitReport): string {
  const kills = report.events.filter(isKill).length;
  const doc = {
    schemaVersion: 1,
    events: report.events.map(jsonEvent),
    errors: report.errors,
    summary: {
      kills,
      kernelReports: report.events.filter((e) => e.source === 'kernel').length,
      podStatusEvents: report.events.filter((e) => e.source === 'pod-status').length,
      inputErrors: report.errors.length,
      logs: report.logs,
      pods: report.podsFile,
      kubernetesVersion: report.kubernetesVersion,
      nodeMemory: report.nodeMemory === null ? null : Number(report.nodeMemory),
    },
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** Greedy word wrap, each line indented. */
export function wrap(text: string, width: number, indent: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      out.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') out.push(indent + line);
  return out;
}

function headline(e: WhodunitEvent): string {
  const what =
    e.source === 'pod-status'
      ? e.kind === 'eviction'
        ? 'eviction'
        : e.termination?.reason === 'OOMKilled'
          ? 'OOMKilled'
          : 'exit 137'
      : e.kind === 'memcg'
        ? 'memcg OOM'
        : e.kind === 'global'
          ? 'global OOM'
          : 'OOM kill';
  const victim = e.victim !== null ? `${e.victim.process} (pid ${e.victim.pid}) killed` : e.source === 'kernel' ? 'no victim named' : '';
  const pod = e.pod !== null ? `${e.pod.namespace !== null && e.pod.name !== null ? `${e.pod.namespace}/${e.pod.name}` : `pod ${e.pod.uid}`}${e.pod.container !== null ? ` ${e.pod.container}` : ''}${e.pod.qosClass !== null ? ` ${e.pod.qosClass}` : ''}` : e.cgroupOwner !== null ? e.cgroupOwner.description : '';
  return [what, victim, pod].filter((x) => x !== '').join('  ');
}

export function renderText(report: WhodunitReport, opts: { color: boolean; width?: number }): string {
  const p = palette(opts.color);
  const width = opts.width ?? 100;
  const lines: string[] = [];
  for (const e of report.events) {
    const where = e.line !== null ? `${e.file}:${e.line}` : e.file;
    const stamp = e.timestamp !== null ? p.dim(` [${oneLine(e.timestamp)}]`) : '';
    lines.push(`${p.underline(oneLine(where))}${stamp}  ${p.bold(oneLine(headline(e)))}`);
    lines.push(...wrap(oneLine(e.explanation), width, '  '));
    if (e.candidates.length > 1) {
      const rows = [['pid', 'name', 'oom_score_adj', 'memory pages', 'points']];
      for (const c of e.candidates) {
        rows.push([String(c.pid), oneLine(c.process), c.oomScoreAdj === null ? '-' : String(c.oomScoreAdj), c.memoryPages === null ? '-' : String(c.memoryPages), c.points === null ? '-' : String(c.points)]);
      }
      const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
      rows.forEach((r, ri) => {
        const cells = r.map((cell, i) => (i === 1 ? padEnd(cell, widths[i]) : padStart(cell, widths[i])));
        const text = `    ${cells.join('  ')}`;
        const victim = ri > 0 && e.victim !== null && r[0] === String(e.victim.pid);
        lines.push(ri === 0 ? p.dim(text) : victim ? p.red(text) : text);
      });
    }
    lines.push('');
  }
  const kills = report.events.filter(isKill).length;
  const read = report.logs.map((l) => `${l.file} (${l.lines} line${l.lines === 1 ? '' : 's'})`).join(', ');
  const sources = [read !== '' ? read : null, report.podsFile !== null ? `pods from ${report.podsFile}` : null].filter((x) => x !== null).join('; ');
  lines.push(
    kills > 0
      ? p.red(`✖ ${kills} kill${kills === 1 ? '' : 's'} found`) + (sources ? ` in ${sources}` : '')
      : p.green('✔ no OOM kill found') + (sources ? ` in ${sources}` : ''),
  );
  if (report.errors.length > 0) lines.push(p.red(`✖ ${report.errors.length} input error${report.errors.length === 1 ? '' : 's'} (on stderr)`));
  return `${lines.join('\n')}\n`;
}
