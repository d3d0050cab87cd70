// A picture of one node's memory as one self-contained HTML5 page (`--format html` of `explain`
// and `simulate`): the title and notes, the node's numbers and where they come from, the drawing
// of node-picture.ts inline (node bar, one row per pod on the same byte scale, legend), and a table
// of every pod and container. Inline CSS only: no script, nothing loaded from anywhere (a
// Content-Security-Policy of default-src 'none' says so to the browser too). Light and dark
// colour schemes follow prefers-color-scheme. Pure: strings in, a string out.
import {
  QOS_CLASSES,
  QOS_COLOURS,
  QOS_CSS_CLASS,
  bytesShort,
  escapeXml,
  evictionStart,
  nodeBands,
  nodeSvgElement,
  oneLineText,
  podLabel,
} from './node-picture.js';
import type { NodePicture, PicturePod } from './node-picture.js';

const h = (s: string) => escapeXml(oneLineText(s));
/** Exact bytes when formatBytes has a unit for them, else the approximation with the exact count as a tooltip. */
function mem(v: bigint | null | undefined): string {
  if (v === null || v === undefined) return '–';
  const short = bytesShort(v);
  return short.startsWith('≈') ? `<span title="${h(`${v} bytes`)}">${h(short)}</span>` : h(short);
}

function css(): string {
  const qos = (scheme: 'light' | 'dark') =>
    QOS_CLASSES.map((q) => `.sw.${QOS_CSS_CLASS[q]}{background:${QOS_COLOURS[q][scheme]}}`).join('\n');
  return `
:root{color-scheme:light dark;--bg:#ffffff;--fg:#1b1f24;--muted:#57606a;--line:#d5dae0;--head:#f3f5f7;--pod:#eef2f6}
@media (prefers-color-scheme: dark){:root{--bg:#15181d;--fg:#e6e8eb;--muted:#a4adb7;--line:#343a42;--head:#1d2127;--pod:#222831}}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px 48px;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,'Segoe UI','DejaVu Sans','Liberation Sans',Arial,sans-serif}
h1{font-size:22px;margin:0 0 6px}
h2{font-size:17px;margin:28px 0 10px}
.notes{margin:0 0 8px;padding-left:20px;color:var(--muted)}
.source{color:var(--muted);margin:8px 0 0}
table{border-collapse:collapse}
th,td{padding:4px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--head);font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.pods td:nth-child(2){white-space:nowrap}
.numbers td:first-child{font-weight:600}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-1px;border:1px solid var(--line)}
.band-allocatable{background:#d8e2ea}.band-kube-reserved{background:#9aa6b2}.band-system-reserved{background:#6e7b88}.band-reserved{background:#8a96a3}.band-unknown{background:#e4e4e4}
.band-eviction{background:repeating-linear-gradient(45deg,#3d4650 0 2px,#ffffff 2px 4px)}
@media (prefers-color-scheme: dark){.band-allocatable{background:#34414e}.band-kube-reserved{background:#5f6b78}.band-system-reserved{background:#7d8a97}.band-reserved{background:#6c7885}.band-unknown{background:#3a3a3a}.band-eviction{background:repeating-linear-gradient(45deg,#c3cad2 0 2px,#15181d 2px 4px)}}
${qos('light')}
@media (prefers-color-scheme: dark){
${qos('dark')}
}
figure{margin:0;overflow-x:auto}
figure svg{display:block;max-width:100%;height:auto}
figcaption{color:var(--muted);margin-top:6px;max-width:80em}
.pods tbody.pod tr:first-child td{background:var(--pod);font-weight:600;border-top:2px solid var(--line)}
.pods td.c{padding-left:28px}
.pods tr.unplaced td{color:var(--muted)}
.rank{font-weight:700}
.warn{font-weight:700}
.empty{color:var(--muted)}
footer{margin-top:32px;color:var(--muted);font-size:12px}
`;
}

function numbersTable(picture: NodePicture): string {
  const node = picture.node;
  const rows: string[] = [];
  const row = (swatch: string, label: string, value: string, how: string) =>
    rows.push(`<tr><td>${swatch}${h(label)}</td><td class="n">${value}</td><td>${h(how)}</td></tr>`);
  const sw = (band: string) => `<span class="sw band-${band}"></span>`;
  row('', 'capacity', mem(node.capacity), "the node's memory (MemTotal); oom_score_adj is computed against it");
  row(sw('system-reserved'), 'system-reserved', node.systemReserved === null ? 'unknown' : mem(node.systemReserved), 'for the operating system daemons');
  row(sw('kube-reserved'), 'kube-reserved', node.kubeReserved === null ? 'unknown' : mem(node.kubeReserved), 'for the kubelet and the container runtime');
  row(sw('eviction'), 'eviction threshold (hard)', node.evictionHard === null ? 'unknown' : mem(node.evictionHard), 'the kubelet evicts pods when free memory falls below it');
  const combined = nodeBands(node).find((b) => b.key === 'reserved');
  if (combined !== undefined) row(sw('reserved'), combined.label, mem(combined.bytes), 'capacity − allocatable − the amounts known separately');
  row(sw('allocatable'), 'allocatable', node.allocatable === null ? 'unknown' : mem(node.allocatable), 'what the scheduler may give to pod requests');
  const start = evictionStart(node);
  if (start !== null) row('', 'eviction starts at', mem(start), 'node memory use (capacity − eviction threshold)');
  const placed = picture.pods.filter((p) => p.placed !== false);
  const requests = placed.reduce((sum, p) => sum + (p.memoryRequest ?? 0n), 0n);
  row('', 'requests of scheduled pods', mem(requests), `${placed.length} of ${picture.pods.length} pods`);
  return `<table class="numbers"><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function podsTable(pods: PicturePod[]): string {
  if (pods.length === 0) return '<p class="empty">No pods.</p>';
  const hasEviction = pods.some((p) => p.evictionRank !== undefined || p.placed === false);
  const hasKill = pods.some((p) => p.containers.some((c) => c.oomKillRank !== undefined));
  const hasUsage = pods.some((p) => p.containers.some((c) => c.usage !== undefined));
  const head = [
    '<th>Pod / container</th>',
    '<th>QoS class</th>',
    '<th class="n">Memory request</th>',
    '<th class="n">Memory limit</th>',
    '<th class="n">oom_score_adj</th>',
    ...(hasEviction ? ['<th class="n">Eviction rank</th>'] : []),
    ...(hasKill ? ['<th class="n">OOM-kill rank</th>'] : []),
    ...(hasUsage ? ['<th class="n">Usage</th>'] : []),
  ];
  const bodies = pods.map((p) => {
    const placed = p.placed !== false;
    const qos = `<span class="sw ${QOS_CSS_CLASS[p.qosClass]}"></span>${h(p.qosClass)}`;
    const usageSum = p.containers.every((c) => c.usage !== undefined) && p.containers.length > 0 ? p.containers.reduce((s, c) => s + (c.usage ?? 0n), 0n) : undefined;
    const podCells = [
      `<td>${h(podLabel(p))}</td>`,
      `<td>${qos}</td>`,
      `<td class="n">${p.memoryRequest === null ? 'none' : mem(p.memoryRequest)}</td>`,
      `<td class="n">${p.memoryLimit === null ? 'none (unbounded)' : mem(p.memoryLimit)}</td>`,
      '<td class="n"></td>',
      ...(hasEviction ? [`<td class="n rank">${!placed ? 'not scheduled' : p.evictionRank === undefined ? '–' : `#${p.evictionRank}`}</td>`] : []),
      ...(hasKill ? ['<td class="n"></td>'] : []),
      ...(hasUsage ? [`<td class="n">${mem(usageSum)}</td>`] : []),
    ];
    const rows = [`<tr${placed ? '' : ' class="unplaced"'}>${podCells.join('')}</tr>`];
    for (const c of p.containers) {
      const type = c.type === 'container' ? '' : ` <span class="empty">(${h(c.type)})</span>`;
      const over = c.memcgOom ? ' <span class="warn">over its limit</span>' : '';
      const cells = [
        `<td class="c">${h(c.name)}${type}</td>`,
        '<td></td>',
        `<td class="n">${c.memoryRequest === null ? 'none' : mem(c.memoryRequest)}</td>`,
        `<td class="n">${c.memoryLimit === null ? 'none' : mem(c.memoryLimit)}</td>`,
        `<td class="n">${c.oomScoreAdj}</td>`,
        ...(hasEviction ? ['<td class="n"></td>'] : []),
        ...(hasKill ? [`<td class="n rank">${c.oomKillRank === undefined ? '–' : `#${c.oomKillRank}`}</td>`] : []),
        ...(hasUsage ? [`<td class="n">${mem(c.usage)}${over}</td>`] : []),
      ];
      rows.push(`<tr${placed ? '' : ' class="unplaced"'}>${cells.join('')}</tr>`);
    }
    return `<tbody class="pod">\n${rows.join('\n')}\n</tbody>`;
  });
  return `<table class="pods"><thead><tr>${head.join('')}</tr></thead>\n${bodies.join('\n')}\n</table>`;
}

/** The picture as one self-contained HTML5 page. */
export function renderNodeHtml(picture: NodePicture): string {
  return renderNodesHtml(picture.title, picture.notes ?? [], [picture], false);
}

/** One node's part of the page: its numbers, its chart and its pods. */
function nodeSections(picture: NodePicture, headed: boolean): string {
  // With several nodes on one page, each node's notes go under its own heading.
  const notes = headed && (picture.notes ?? []).length > 0 ? `<ul class="notes">${picture.notes!.map((n) => `<li>${h(n)}</li>`).join('')}</ul>\n` : '';
  return `<section class="node">
<h2>Node ${h(picture.node.name)}</h2>
${notes}${numbersTable(picture)}
<p class="source">Source: ${h(picture.node.source)}</p>
</section>
<section class="chart">
<h2>Memory, one byte scale</h2>
<figure>
${nodeSvgElement(picture, { heading: false })}
<figcaption>The top bar is the node: allocatable, then the reservations and the hard eviction threshold, with capacity at the right edge. Each pod below is drawn on the same scale: its request as a solid bar inside its limit (an outline; dashed up to capacity when there is no limit), then each container with its oom_score_adj. Dashed guides mark allocatable, where eviction starts and capacity; an arrow at the right edge marks a bar larger than the node.</figcaption>
</figure>
</section>
<section class="pods">
<h2>Pods and containers</h2>
${podsTable(picture.pods)}
</section>`;
}

/**
 * Several nodes on one self-contained HTML5 page (pods placed on different nodes): the page's
 * title and notes, then each node's numbers, chart and pods. `perNodeNotes`: each picture's own
 * notes go under its node's heading (else they are the page's).
 */
export function renderNodesHtml(title: string, notes: readonly string[], pictures: readonly NodePicture[], perNodeNotes = true): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${h(title)}</title>
<style>${css()}</style>
</head>
<body>
<header>
<h1>${h(title)}</h1>
${notes.length === 0 ? '' : `<ul class="notes">${notes.map((n) => `<li>${h(n)}</li>`).join('')}</ul>`}
</header>
${pictures.map((p) => nodeSections(p, perNodeNotes)).join('\n')}
<footer>oomguard</footer>
</body>
</html>
`;
}
