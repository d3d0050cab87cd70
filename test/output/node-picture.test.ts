import t from 'tap';
import {
  BAR_W,
  BAR_X,
  bytesText,
  escapeXml,
  nodeBands,
  renderNodeSvg,
  type NodePicture,
  type PictureContainer,
  type PicturePod,
  type PictureQos,
} from '../../src/output/node-picture.js';
import { renderNodeHtml } from '../../src/output/node-html.js';
import { parseXml, type XmlElement } from './xml.js';

const Mi = 1n << 20n;
const Gi = 1n << 30n;

function container(name: string, request: bigint | null, limit: bigint | null, adj: number, extra: Partial<PictureContainer> = {}): PictureContainer {
  return { name, type: 'container', memoryRequest: request, memoryLimit: limit, oomScoreAdj: adj, ...extra };
}

function pod(name: string, qosClass: PictureQos, request: bigint | null, limit: bigint | null, containers: PictureContainer[], extra: Partial<PicturePod> = {}): PicturePod {
  return { namespace: 'web', name, kind: 'Deployment', qosClass, memoryRequest: request, memoryLimit: limit, containers, ...extra };
}

function node(extra: Partial<NodePicture['node']> = {}): NodePicture['node'] {
  return {
    name: 'gke:16Gi',
    capacity: 16n * Gi,
    systemReserved: 100n * Mi,
    kubeReserved: 1843n * Mi,
    evictionHard: 100n * Mi,
    allocatable: 16n * Gi - 2043n * Mi,
    source: 'GKE preset formula',
    ...extra,
  };
}

/** explain-style: no ranks, no usage. */
function explainPicture(): NodePicture {
  return {
    title: 'oomguard explain k8s/ — node gke:16Gi',
    node: node(),
    pods: [
      pod('prometheus', 'Burstable', 50n * Mi, null, [container('prometheus', null, null, 999), container('configmap-reload', 50n * Mi, 100n * Mi, 997)], { namespace: 'monitoring' }),
      pod('postgres', 'Guaranteed', 4n * Gi, 4n * Gi, [container('postgres', 4n * Gi, 4n * Gi, -997)], { kind: 'StatefulSet' }),
      pod('batch', 'BestEffort', null, null, [container('worker', null, null, 1000)], { kind: 'Job', namespace: null }),
    ],
  };
}

/** simulate-style: ranks, usage, a refused pod, a pod larger than the node. */
function simulatePicture(): NodePicture {
  return {
    title: 'oomguard simulate k8s/ — node gke:16Gi',
    notes: ['eviction starts at 16284Mi; 2 pods evicted'],
    node: node(),
    pods: [
      pod('batch', 'BestEffort', null, null, [container('worker', null, null, 1000, { usage: 800n * Mi, oomKillRank: 1 })], { evictionRank: 1 }),
      pod('prometheus', 'Burstable', 50n * Mi, null, [container('prometheus', null, null, 999, { usage: 5n * Gi + 12345n, oomKillRank: 2 }), container('reload', 50n * Mi, 100n * Mi, 997, { usage: 30n * Mi, oomKillRank: 3 })], {
        evictionRank: 2,
      }),
      pod('frontend', 'Burstable', 1n * Gi, 2n * Gi, [container('nginx', 1n * Gi, 2n * Gi, 938, { usage: 2n * Gi + 1n, oomKillRank: 4, memcgOom: true })], { evictionRank: 3 }),
      pod('trainer', 'Guaranteed', 24n * Gi, 24n * Gi, [container('trainer', 24n * Gi, 24n * Gi, -997)], { placed: false, kind: 'Pod' }),
    ],
  };
}

/** Every element in document order. */
function all(root: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    out.push(e);
    e.children.forEach(walk);
  };
  walk(root);
  return out;
}

function byRole(root: XmlElement, role: string): XmlElement[] {
  return all(root).filter((e) => e.attrs['data-role'] === role);
}

/** All character data inside an element (its own and its descendants'). */
function textOf(e: XmlElement): string {
  return e.text + e.children.filter((c) => c.name !== 'title').map(textOf).join('');
}

const expectedWidth = (bytes: bigint, capacity: bigint) => Math.round((Number((bytes * 1_000_000n) / capacity) / 1_000_000) * BAR_W * 100) / 100;

t.test('the SVG is a well-formed standalone document', async (t) => {
  const svg = renderNodeSvg(explainPicture());
  t.ok(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"'));
  const root = parseXml(svg);
  t.equal(root.name, 'svg');
  t.match(root.attrs.viewBox, /^0 0 1180 [0-9]+$/);
  t.equal(root.attrs.height, root.attrs.viewBox.split(' ')[3], 'height matches the viewBox');
  t.equal(root.children[0].name, 'title');
  t.equal(root.children[0].text, 'oomguard explain k8s/ — node gke:16Gi');
  t.notOk(/<script|https?:\/\/(?!www\.w3\.org\/2000\/svg")/i.test(svg), 'no script, no remote reference');
  t.equal(renderNodeSvg(explainPicture()), svg, 'deterministic');
});

t.test('hostile names are escaped for XML and HTML', async (t) => {
  const hostile = '<script>alert("x")</script> & \'company\'';
  const picture: NodePicture = {
    title: `oomguard explain ${hostile}`,
    notes: ['a <b>note</b> & "more"'],
    node: node({ name: '<img src=x onerror=alert(1)>', source: '--node-memory "16Gi" & <friends>' }),
    pods: [
      pod(hostile, 'Burstable', 1n * Gi, 2n * Gi, [container('c"</text><script>', 1n * Gi, 2n * Gi, 938), container('ctl\u0001\nnew\u0000line', null, null, 999)], {
        namespace: 'a&b',
        kind: 'Deploy<ment>',
      }),
    ],
  };
  const svg = renderNodeSvg(picture);
  t.notOk(/<script|<img|<b>/i.test(svg), 'no markup from names in the SVG');
  const root = parseXml(svg); // throws on a raw '<' or '&', or on a character XML forbids
  const names = byRole(root, 'pod-name').map(textOf);
  t.same(names, [`a&b/${hostile}`.slice(0, 37) + '…'], 'the long hostile name, decoded, cut with an ellipsis');
  const containers = byRole(root, 'container-name').map(textOf);
  t.equal(containers[0], '└ c"</text><script>');
  t.equal(containers[1], '└ ctl\uFFFD new\uFFFDline', 'control characters replaced, line breaks made spaces');
  t.equal(root.children[0].text, picture.title);

  const html = renderNodeHtml(picture);
  t.notOk(/<script|<img|<b>|<friends>/i.test(html), 'no markup from names in the HTML');
  t.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;company&#39;'), 'the name as escaped text');
  t.ok(html.includes('<title>oomguard explain &lt;script&gt;'), 'the page title escaped');
  t.ok(html.includes('Source: --node-memory &quot;16Gi&quot; &amp; &lt;friends&gt;'), 'the source line escaped');
  t.equal(escapeXml(`<&>"'\u0007`), '&lt;&amp;&gt;&quot;&#39;\uFFFD');
});

t.test('node bands are proportional to bytes and fill the bar', async (t) => {
  const picture = explainPicture();
  const root = parseXml(renderNodeSvg(picture));
  const bands = byRole(root, 'node-band');
  t.same(
    bands.map((b) => [b.attrs['data-band'], b.attrs['data-bytes']]),
    [
      ['allocatable', String(16n * Gi - 2043n * Mi)],
      ['kube-reserved', String(1843n * Mi)],
      ['system-reserved', String(100n * Mi)],
      ['eviction', String(100n * Mi)],
    ],
  );
  let x = BAR_X;
  for (const b of bands) {
    t.ok(Math.abs(Number(b.attrs.x) - x) < 0.02, `${b.attrs['data-band']} starts where the previous ends`);
    const w = Number(b.attrs.width);
    t.ok(Math.abs(w - (Number(BigInt(b.attrs['data-bytes'])) / Number(16n * Gi)) * BAR_W) < 0.02, `${b.attrs['data-band']}: ${w} px`);
    x += w;
  }
  t.ok(Math.abs(x - (BAR_X + BAR_W)) < 0.05, 'the bands end at capacity');
  const labels = byRole(root, 'band-label').map(textOf);
  t.same(labels, ['allocatable 14341Mi', 'kube-reserved 1843Mi', 'system-reserved 100Mi', 'eviction threshold 100Mi'], 'labelled in words with formatBytes');
  const guides = byRole(root, 'guide').map((g) => g.attrs['data-guide']);
  t.same(guides, ['allocatable', 'eviction starts', 'capacity']);
  const ticks = byRole(root, 'tick').map(textOf);
  t.same(ticks, ['0', '2Gi', '4Gi', '6Gi', '8Gi', '10Gi', '12Gi', '14Gi', '16Gi'], 'an exact binary scale');
});

t.test('the bands when reservations are not known separately', async (t) => {
  const keys = (n: NodePicture['node']) => nodeBands(n).map((b) => `${b.key}:${b.label}:${b.bytes}`);
  t.same(keys(node({ systemReserved: null, kubeReserved: null, evictionHard: null, allocatable: 7n * Gi, capacity: 8n * Gi })), [
    `allocatable:allocatable:${7n * Gi}`,
    `reserved:reserved + eviction:${1n * Gi}`,
  ]);
  t.same(keys(node({ systemReserved: null, kubeReserved: null, evictionHard: 100n * Mi, allocatable: 7n * Gi, capacity: 8n * Gi })), [
    `allocatable:allocatable:${7n * Gi}`,
    `reserved:reserved:${924n * Mi}`,
    `eviction:eviction threshold:${100n * Mi}`,
  ]);
  t.same(keys(node({ systemReserved: null, kubeReserved: null, evictionHard: null, allocatable: null, capacity: 8n * Gi })), [`unknown:capacity (allocatable unknown):${8n * Gi}`]);
  t.same(keys(node({ systemReserved: null, kubeReserved: 1n * Gi, evictionHard: null, allocatable: null, capacity: 8n * Gi })), [
    `unknown:not reserved (allocatable unknown):${7n * Gi}`,
    `kube-reserved:kube-reserved:${1n * Gi}`,
  ]);
  // Inconsistent numbers (reservations larger than capacity) are clamped in the drawing.
  const odd = node({ capacity: 1n * Gi, kubeReserved: 2n * Gi, systemReserved: 1n * Gi, evictionHard: 1n * Gi, allocatable: 1n * Gi });
  const root = parseXml(renderNodeSvg({ title: 'odd', node: odd, pods: [] }));
  const end = Math.max(...byRole(root, 'node-band').map((b) => Number(b.attrs.x) + Number(b.attrs.width)));
  t.ok(end <= BAR_X + BAR_W + 0.01, 'never past capacity');
  // A zero capacity draws without dividing by zero.
  t.doesNotThrow(() => parseXml(renderNodeSvg({ title: 'zero', node: node({ capacity: 0n, allocatable: null }), pods: explainPicture().pods })));
});

t.test('pod and container bars: widths proportional to bytes on the node scale', async (t) => {
  const picture = explainPicture();
  const cap = picture.node.capacity;
  const root = parseXml(renderNodeSvg(picture));
  const requests = byRole(root, 'pod-request');
  t.same(
    requests.map((r) => [r.attrs['data-index'], r.attrs['data-bytes'], Number(r.attrs.x), Number(r.attrs.width)]),
    [
      ['0', String(50n * Mi), BAR_X, expectedWidth(50n * Mi, cap)],
      ['1', String(4n * Gi), BAR_X, BAR_W / 4],
    ],
    'the BestEffort pod has no request bar',
  );
  const limits = byRole(root, 'pod-limit');
  t.same(
    limits.map((r) => [r.attrs['data-index'], r.attrs['data-bytes'], Number(r.attrs.width), r.attrs['stroke-dasharray'] ?? null]),
    [
      ['0', 'unbounded', BAR_W, '5 3'],
      ['1', String(4n * Gi), BAR_W / 4, null],
      ['2', 'unbounded', BAR_W, '5 3'],
    ],
    'no limit: dashed to capacity',
  );
  const containerReq = byRole(root, 'container-request');
  t.same(
    containerReq.map((r) => [r.attrs['data-index'], Number(r.attrs.width)]),
    [
      ['0.1', expectedWidth(50n * Mi, cap)],
      ['1.0', BAR_W / 4],
    ],
  );
  const groups = byRole(root, 'pod');
  t.same(
    groups.map((g) => [g.attrs['data-index'], g.attrs['data-qos']]),
    [
      ['0', 'Burstable'],
      ['1', 'Guaranteed'],
      ['2', 'BestEffort'],
    ],
  );
  // Coloured by QoS (Okabe–Ito), and the class in words beside each pod.
  t.equal(requests[1].attrs.fill, '#0072B2');
  t.equal(requests[0].attrs.fill, '#E69F00');
  t.equal(limits[2].attrs.stroke, '#D55E00');
  t.same(byRole(root, 'pod-meta').map(textOf), ['Deployment · Burstable', 'StatefulSet · Guaranteed', 'Job · BestEffort']);
  t.same(byRole(root, 'legend-qos').map((e) => e.attrs['data-qos']), ['Guaranteed', 'Burstable', 'BestEffort'], 'the legend names every class');
  const svg = renderNodeSvg(picture);
  t.ok(svg.includes('Guaranteed (requests = limits; killed last)'), 'legend in words');
  // The totals: requests of scheduled pods stacked.
  const totals = byRole(root, 'total-request');
  t.same(totals.map((r) => Number(r.attrs.x)), [BAR_X, BAR_X + expectedWidth(50n * Mi, cap)], 'stacked from 0');
});

t.test('each container is labelled with its oom_score_adj; ranks are numbered as text', async (t) => {
  const explain = parseXml(renderNodeSvg(explainPicture()));
  t.same(byRole(explain, 'oom-score-adj').map(textOf), ['oom_score_adj 999', 'oom_score_adj 997', 'oom_score_adj -997', 'oom_score_adj 1000']);
  t.same(byRole(explain, 'evict-rank'), [], 'no ranks in explain');
  t.same(byRole(explain, 'kill-rank'), []);
  t.same(byRole(explain, 'pod-values').map(textOf), ['req 50Mi · no limit', 'req 4Gi · lim 4Gi', 'no request · no limit']);

  const root = parseXml(renderNodeSvg(simulatePicture()));
  t.same(byRole(root, 'evict-rank').map(textOf), ['evict #1', 'evict #2', 'evict #3']);
  t.same(byRole(root, 'kill-rank').map(textOf), ['kill #1', 'kill #2', 'kill #3', 'kill #4']);
  t.same(byRole(root, 'oom-score-adj').map(textOf), ['oom_score_adj 1000', 'oom_score_adj 999', 'oom_score_adj 997', 'oom_score_adj 938 · over its limit', 'oom_score_adj -997']);
  const adjX = byRole(root, 'oom-score-adj').map((e) => e.attrs.x);
  t.equal(new Set(adjX).size, 1, 'the oom_score_adj labels line up, ranked or not');
  const usage = byRole(root, 'container-usage');
  t.same(usage.map((u) => [u.attrs['data-index'], u.attrs['data-bytes']]), [
    ['0.0', String(800n * Mi)],
    ['1.0', String(5n * Gi + 12345n)],
    ['1.1', String(30n * Mi)],
    ['2.0', String(2n * Gi + 1n)],
  ]);
  t.ok(renderNodeSvg(simulatePicture()).includes('eviction starts at 16284Mi; 2 pods evicted'), 'notes under the title');
  const unplaced = byRole(root, 'pod')[3];
  t.equal(unplaced.attrs.opacity, '0.6', 'the refused pod is greyed');
  t.equal(byRole(unplaced, 'pod-request')[0].attrs.class, 'og-unplaced');
  t.equal(textOf(byRole(unplaced, 'pod-meta')[0]), 'Pod · Guaranteed · not scheduled');
});

t.test('pods larger than the node are clamped, with an overflow marker', async (t) => {
  const root = parseXml(renderNodeSvg(simulatePicture()));
  const trainer = byRole(root, 'pod')[3];
  const req = byRole(trainer, 'pod-request')[0];
  t.equal(Number(req.attrs.width), BAR_W, 'clamped at capacity');
  t.equal(req.attrs['data-bytes'], String(24n * Gi), 'the real size is kept');
  const markers = byRole(trainer, 'overflow');
  t.equal(markers.length, 2, 'one marker on the pod bar, one on its container');
  t.ok(Number(markers[0].attrs.points.split(',')[0]) >= BAR_X + BAR_W, 'drawn past capacity');
  t.match(markers[0].children[0].text, /24Gi, more than the node's capacity 16Gi/);
  const others = byRole(root, 'pod').slice(0, 3).flatMap((g) => byRole(g, 'overflow'));
  t.same(others, [], 'no marker on pods that fit');
});

t.test('100 pods render as 100 rows, top to bottom', async (t) => {
  const base = simulatePicture().pods;
  const picture: NodePicture = { ...simulatePicture(), pods: Array.from({ length: 100 }, (_, i) => ({ ...base[i % 3], name: `pod-${i}`, evictionRank: i + 1 })) };
  const svg = renderNodeSvg(picture);
  const root = parseXml(svg);
  const pods = byRole(root, 'pod');
  t.equal(pods.length, 100);
  const tops = pods.map((g) => Number(byRole(g, 'pod-name')[0].attrs.y));
  t.ok(tops.every((y, i) => i === 0 || y - tops[i - 1] >= 34), 'each pod gets a row of its own, at least 34 units high');
  t.ok(Number(root.attrs.height) > 100 * 34, `a long drawing (${root.attrs.height})`);
  t.same(byRole(root, 'evict-rank').slice(-1).map(textOf), ['evict #100'], 'three-digit ranks');
  t.ok(byRole(root, 'tick').length > 9, 'the scale repeats down the list');
  t.ok(svg.length < 2_000_000, `a reasonable size (${svg.length} bytes)`);
  const html = renderNodeHtml(picture);
  t.equal(html.match(/<tbody class="pod">/g)?.length, 100, 'a table section per pod');
});

t.test('an empty pod list', async (t) => {
  const picture: NodePicture = { ...explainPicture(), pods: [] };
  const root = parseXml(renderNodeSvg(picture));
  t.same(byRole(root, 'pod'), []);
  t.same(byRole(root, 'no-pods').map(textOf), ['No pods.']);
  t.equal(byRole(root, 'node-band').length, 4, 'the node is still drawn');
  const html = renderNodeHtml(picture);
  t.ok(html.includes('<p class="empty">No pods.</p>'));
  t.notOk(html.includes('<table class="pods">'));
});

t.test('the HTML page is self-contained: no script, nothing loaded', async (t) => {
  for (const picture of [explainPicture(), simulatePicture()]) {
    const html = renderNodeHtml(picture);
    t.ok(html.startsWith('<!DOCTYPE html>\n<html lang="en">'));
    t.notOk(/<script/i.test(html), 'no <script');
    t.notOk(/\son[a-z]+=/i.test(html), 'no event handler attributes');
    const urls = html.match(/https?:\/\/[^\s"'<>)]*/g) ?? [];
    t.same([...new Set(urls)], ['http://www.w3.org/2000/svg'], 'the only URL is the SVG namespace');
    t.equal(html.match(/https?:\/\//g)?.length, html.match(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g)?.length, '…and only as an xmlns attribute');
    t.notOk(/\s(src|href|srcset|action|formaction|data)=/i.test(html), 'no src, href or similar attributes');
    t.notOk(/@import|url\((?!#og-hatch\))/i.test(html), 'CSS loads nothing (url() only to the local hatch pattern)');
    t.notOk(/<(link|iframe|object|embed|img|image|use|foreignObject|audio|video)\b/i.test(html), 'no element that loads');
    t.ok(html.includes(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`), 'a CSP that forbids loading anything');
    t.ok(html.includes('prefers-color-scheme: dark'), 'a dark colour scheme');
    t.equal(html.match(/<svg /g)?.length, 1, 'one inline SVG');
    t.notOk(html.includes('<?xml'), 'no XML declaration inside HTML');
  }
});

t.test('the HTML page: numbers, where they come from, and the table', async (t) => {
  const explain = renderNodeHtml(explainPicture());
  t.ok(explain.includes('<h1>oomguard explain k8s/ — node gke:16Gi</h1>'));
  for (const [label, value] of [
    ['capacity', '16Gi'],
    ['system-reserved', '100Mi'],
    ['kube-reserved', '1843Mi'],
    ['eviction threshold (hard)', '100Mi'],
    ['allocatable', '14341Mi'],
    ['eviction starts at', '16284Mi'],
  ]) {
    t.match(explain, new RegExp(`${label.replace(/[()]/g, '\\$&')}</td><td class="n">${value}</td>`), `${label} ${value}`);
  }
  t.ok(explain.includes('Source: GKE preset formula'));
  t.notOk(explain.includes('Eviction rank'), 'explain has no rank columns');
  t.notOk(explain.includes('Usage'), 'nor usage');
  t.ok(explain.includes('<td class="c">configmap-reload</td><td></td><td class="n">50Mi</td><td class="n">100Mi</td><td class="n">997</td>'), 'a container row');
  t.ok(explain.includes('<td>Job batch</td>'), 'a pod without namespace');

  const fromNode = renderNodeHtml({ ...explainPicture(), node: node({ systemReserved: null, kubeReserved: null, evictionHard: null, allocatable: 15n * Gi }) });
  t.match(fromNode, /system-reserved<\/td><td class="n">unknown/);
  t.match(fromNode, /reserved \+ eviction<\/td><td class="n">1Gi/, 'the combined band when only allocatable is known');

  const simulate = renderNodeHtml(simulatePicture());
  for (const col of ['Eviction rank', 'OOM-kill rank', 'Usage']) t.ok(simulate.includes(`>${col}</th>`), col);
  t.ok(simulate.includes('<td class="n rank">#2</td>'), 'eviction rank');
  t.ok(simulate.includes('<td class="n rank">not scheduled</td>'), 'the refused pod');
  t.ok(simulate.includes('<span class="warn">over its limit</span>'), 'memcg OOM in words');
  t.ok(simulate.includes('<span title="5368721465 bytes">≈5.00Gi</span>'), 'inexact usage approximated, exact in a tooltip');
  t.ok(simulate.includes('<ul class="notes"><li>eviction starts at 16284Mi; 2 pods evicted</li></ul>'));
});

t.test('text helpers', async (t) => {
  t.equal(bytesText(16n * Gi), '16Gi');
  t.equal(bytesText(1536n * Mi), '1536Mi');
  t.equal(bytesText(500_000_000n), '500M');
  t.equal(bytesText(5n * Gi + 12345n), '5368721465 (≈5.00Gi)');
  t.equal(bytesText(1000n), '1000');
  t.equal(bytesText(0n), '0');
});
