// The HTML picture of a node in a real browser: Debian's headless Chromium loads the page from a
// file:// URL, DevTools (CDP over Node's WebSocket, test/helpers/chromium.ts) reads the DOM and
// takes a full-page screenshot, and the test decodes the PNG to check that the bars are really
// painted where the DOM says they are, in the QoS colours, in the light and the dark scheme.
// Skips with a message when chromium is not installed.
import t from 'tap';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderNodeHtml } from '../../src/output/node-html.js';
import { QOS_COLOURS, type NodePicture, type PictureContainer, type PicturePod, type PictureQos } from '../../src/output/node-picture.js';
import {
  CHROMIUM_MISSING,
  colourDistance,
  decodePng,
  findChromium,
  hexColour,
  launchChromium,
  processesMentioning,
  type Browser,
  type Page,
} from '../helpers/chromium.js';

const Mi = 1n << 20n;
const Gi = 1n << 30n;

function container(name: string, request: bigint | null, limit: bigint | null, adj: number, extra: Partial<PictureContainer> = {}): PictureContainer {
  return { name, type: 'container', memoryRequest: request, memoryLimit: limit, oomScoreAdj: adj, ...extra };
}

function pod(name: string, qosClass: PictureQos, request: bigint | null, limit: bigint | null, containers: PictureContainer[], extra: Partial<PicturePod> = {}): PicturePod {
  return { namespace: 'web', name, kind: 'Deployment', qosClass, memoryRequest: request, memoryLimit: limit, containers, ...extra };
}

/** A simulate-style node: 12 pods of every class, ranks, usage, one refused pod, one hostile name. */
function simulatePicture(): NodePicture {
  return {
    title: 'oomguard simulate k8s/ — node gke:16Gi',
    notes: ['eviction starts at 16284Mi of use; 3 pods evicted'],
    node: {
      name: 'gke:16Gi',
      capacity: 16n * Gi,
      systemReserved: 100n * Mi,
      kubeReserved: 1843n * Mi,
      evictionHard: 100n * Mi,
      allocatable: 16n * Gi - 2043n * Mi,
      source: 'GKE preset formula',
    },
    pods: [
      pod('prometheus', 'Burstable', 50n * Mi, null, [container('prometheus', null, null, 999, { usage: 5n * Gi, oomKillRank: 2 }), container('configmap-reload', 50n * Mi, 100n * Mi, 997, { oomKillRank: 5 })], { evictionRank: 1 }),
      pod('<script>alert("x")</script> & co', 'BestEffort', null, null, [container('worker', null, null, 1000, { usage: 800n * Mi, oomKillRank: 1 })], { evictionRank: 2, kind: 'Job' }),
      pod('postgres', 'Guaranteed', 4n * Gi, 4n * Gi, [container('postgres', 4n * Gi, 4n * Gi, -997, { usage: 3n * Gi, oomKillRank: 9 })], { evictionRank: 9, kind: 'StatefulSet' }),
      pod('frontend', 'Burstable', 1n * Gi, 2n * Gi, [container('nginx', 512n * Mi, 1n * Gi, 969, { oomKillRank: 3, memcgOom: true, usage: 1100n * Mi })], { evictionRank: 3 }),
      pod('api', 'Burstable', 2n * Gi, 3n * Gi, [container('api', 2n * Gi, 3n * Gi, 875, { oomKillRank: 6 })], { evictionRank: 5 }),
      pod('cache', 'Guaranteed', 1n * Gi, 1n * Gi, [container('redis', 1n * Gi, 1n * Gi, -997, { oomKillRank: 10 })], { evictionRank: 10 }),
      pod('fluent-bit', 'Burstable', 100n * Mi, 500n * Mi, [container('fluent-bit', 100n * Mi, 500n * Mi, 994, { oomKillRank: 7 })], { evictionRank: 4, kind: 'DaemonSet' }),
      pod('trainer', 'Guaranteed', 24n * Gi, 24n * Gi, [container('trainer', 24n * Gi, 24n * Gi, -997)], { placed: false, kind: 'Pod' }),
      pod('coredns', 'Burstable', 70n * Mi, 170n * Mi, [container('coredns', 70n * Mi, 170n * Mi, 996, { oomKillRank: 11 })], { evictionRank: 6 }),
      pod('runner', 'Burstable', 1n * Gi, 20n * Gi, [container('runner', 1n * Gi, 20n * Gi, 938, { oomKillRank: 12 })], { evictionRank: 7 }),
      pod('backup', 'BestEffort', null, null, [container('backup', null, null, 1000, { oomKillRank: 13 })], { evictionRank: 8, kind: 'CronJob' }),
      pod('search', 'Guaranteed', 2n * Gi, 2n * Gi, [container('search', 2n * Gi, 2n * Gi, -997, { oomKillRank: 14 })], { evictionRank: 11 }),
    ],
  };
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
interface BarInfo extends Box {
  role: string;
  index: string;
  bytes: string;
  qos: string | null;
  placed: boolean;
}

/** Every drawn bar, with its page box (CSS px = screenshot px: deviceScaleFactor 1). */
const BARS = `[...document.querySelectorAll('svg [data-role]')].filter((e) => e.tagName === 'rect').map((e) => {
  const r = e.getBoundingClientRect();
  const g = e.closest('g[data-role="pod"]');
  return { role: e.getAttribute('data-role'), index: e.getAttribute('data-index'), bytes: e.getAttribute('data-bytes'),
    qos: g ? g.getAttribute('data-qos') : null, placed: !g || !g.hasAttribute('opacity'),
    x: r.x + scrollX, y: r.y + scrollY, w: r.width, h: r.height };
})`;

const chromium = findChromium();
const skip =
  chromium === null ? CHROMIUM_MISSING : typeof WebSocket !== 'function' ? `needs the global WebSocket of Node.js 22+ (this is ${process.version})` : false;

t.test('the node page in headless Chromium', { skip, timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'oomguard-page-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const picture = simulatePicture();
  const file = path.join(dir, 'node.html');
  writeFileSync(file, renderNodeHtml(picture));
  const url = pathToFileURL(file).href;

  let browser: Browser | null = null;
  try {
    browser = await launchChromium(chromium!);
    const page: Page = await browser.open(url, { width: 1280, height: 900 });

    await t.test('loads cleanly, by itself', async (t) => {
      t.same(page.problems, [], 'no console errors, exceptions, CSP reports or failed loads');
      t.same(page.requests, [url], 'the page requests nothing but itself');
      t.equal(await page.evaluate<number>('document.scripts.length'), 0, 'no script elements');
      t.equal(await page.evaluate<string>('document.title'), picture.title);
      const names = await page.evaluate<string[]>(`[...document.querySelectorAll('[data-role="pod-name"]')].map((e) => e.textContent)`);
      t.ok(names.some((n) => n.startsWith('web/<script>alert("x")')), 'a hostile name is shown as text, not run or parsed as markup');
    });

    const bars = await page.evaluate<BarInfo[]>(BARS);
    const bands = bars.filter((b) => b.role === 'node-band');
    const nodeBar: Box = await page.evaluate<Box>(`(() => { const r = document.querySelector('svg .og-band-outline').getBoundingClientRect(); return { x: r.x + scrollX, y: r.y + scrollY, w: r.width, h: r.height }; })()`);

    await t.test('the DOM has the node bar, the pod bars and their labels', async (t) => {
      t.same(
        bands.map((b) => [b.index, b.bytes]),
        [
          [null, String(16n * Gi - 2043n * Mi)],
          [null, String(1843n * Mi)],
          [null, String(100n * Mi)],
          [null, String(100n * Mi)],
        ],
        'allocatable, kube-reserved, system-reserved, eviction threshold',
      );
      const total = bands.reduce((s, b) => s + b.w, 0);
      t.ok(Math.abs(total - nodeBar.w) < 1, `the bands fill the node bar (${total} of ${nodeBar.w} px)`);
      const capacity = Number(16n * Gi);
      const requests = bars.filter((b) => b.role === 'pod-request');
      t.equal(requests.length, picture.pods.filter((p) => p.memoryRequest !== null).length, 'one request bar per pod with a request');
      for (const b of requests) {
        const expected = Math.min(1, Number(b.bytes) / capacity) * nodeBar.w;
        t.ok(Math.abs(b.w - expected) < 1, `pod ${b.index} request: ${b.w.toFixed(1)} px for ${b.bytes} bytes (expected ${expected.toFixed(1)})`);
        t.ok(Math.abs(b.x - nodeBar.x) < 0.5, `pod ${b.index} request starts at 0 bytes`);
      }
      const unbounded = bars.filter((b) => b.role === 'pod-limit' && b.bytes === 'unbounded');
      t.equal(unbounded.length, 3, 'three pods without a limit');
      for (const b of unbounded) t.ok(Math.abs(b.w - nodeBar.w) < 1, 'an unbounded limit reaches capacity');
      const adj = await page.evaluate<string[]>(`[...document.querySelectorAll('[data-role="oom-score-adj"]')].map((e) => e.textContent)`);
      t.equal(adj.length, picture.pods.reduce((n, p) => n + p.containers.length, 0), 'every container is labelled');
      t.ok(adj.includes('oom_score_adj 999'), 'prometheus: 999');
      t.ok(adj.includes('oom_score_adj -997'), 'Guaranteed: -997');
      t.ok(adj.includes('oom_score_adj 969 · over its limit'), 'memcg OOM spelt out');
      const evict = await page.evaluate<string[]>(`[...document.querySelectorAll('[data-role="evict-rank"]')].map((e) => e.textContent)`);
      t.same(evict.slice(0, 3), ['evict #1', 'evict #2', 'evict #9'], 'eviction ranks as text');
      const kill = await page.evaluate<string[]>(`[...document.querySelectorAll('[data-role="kill-rank"]')].map((e) => e.textContent)`);
      t.equal(kill[0], 'kill #2', 'OOM-kill ranks as text');
      t.ok((await page.evaluate<number>(`document.querySelectorAll('[data-role="overflow"]').length`)) >= 3, 'overflow markers (trainer 24Gi, runner limit 20Gi, legend)');
      const tableRows = await page.evaluate<number>(`document.querySelectorAll('table.pods tbody tr').length`);
      t.equal(tableRows, picture.pods.length + picture.pods.reduce((n, p) => n + p.containers.length, 0), 'a table row per pod and per container');
    });

    const light = decodePng(await page.screenshot());

    await t.test('the screenshot has the bars painted where the DOM puts them', async (t) => {
      t.ok(light.width >= 1280 && light.height > 1500, `a full-page screenshot (${light.width}×${light.height})`);
      t.ok(colourDistance(light.pixel(4, 4), [255, 255, 255]) <= 2, 'light scheme: white page');
      const centre = (b: Box) => light.pixel(b.x + b.w / 2, b.y + b.h / 2);
      const allocatable = bands[0];
      t.ok(colourDistance(centre(allocatable), hexColour('#d8e2ea')) <= 6, `allocatable band painted (${centre(allocatable).join(',')})`);
      // Most pixels of the node bar differ from the page background: it is really drawn.
      let painted = 0;
      let samples = 0;
      for (let x = nodeBar.x + 2; x < nodeBar.x + nodeBar.w - 2; x += 3) {
        samples++;
        if (colourDistance(light.pixel(x, nodeBar.y + nodeBar.h / 2), [255, 255, 255]) > 12) painted++;
      }
      t.ok(painted / samples > 0.95, `the node bar is painted across (${painted}/${samples})`);
      const solid = bars.filter((b) => b.role === 'pod-request' && b.placed && b.w >= 6 && b.h >= 6);
      t.ok(solid.length >= 6, `${solid.length} request bars wide enough to sample`);
      for (const b of solid) {
        const want = hexColour(QOS_COLOURS[b.qos as PictureQos].light);
        t.ok(colourDistance(centre(b), want) <= 6, `pod ${b.index} (${b.qos}) request painted ${centre(b).join(',')}, want ${want.join(',')}`);
        // Just right of the bar's end (inside the limit outline or the background) the colour differs.
        const after = light.pixel(b.x + b.w + 3, b.y + b.h / 2);
        if (b.w < nodeBar.w - 6) t.ok(colourDistance(after, want) > 30, `pod ${b.index}: the request bar ends where the DOM says`);
      }
      const unplaced = bars.find((b) => b.role === 'pod-request' && !b.placed);
      t.ok(unplaced !== undefined && colourDistance(centre(unplaced), hexColour(QOS_COLOURS.Guaranteed.light)) > 40, 'the refused pod is greyed, not in its QoS colour');
    });

    await t.test('the dark scheme repaints page and bars', async (t) => {
      await page.setColorScheme('dark');
      const dark = decodePng(await page.screenshot());
      const [r, g, b] = dark.pixel(4, 4);
      t.ok(r + g + b < 120, `dark page background (${r},${g},${b})`);
      const guaranteed = bars.find((b) => b.role === 'pod-request' && b.qos === 'Guaranteed' && b.placed)!;
      const px = dark.pixel(guaranteed.x + guaranteed.w / 2, guaranteed.y + guaranteed.h / 2);
      t.ok(colourDistance(px, hexColour(QOS_COLOURS.Guaranteed.dark)) <= 6, `Guaranteed in its dark-scheme colour (${px.join(',')})`);
      t.same(page.problems, [], 'still no console errors');
    });

    await t.test('100 pods: one row each, on a long page', async (t) => {
      const many: NodePicture = {
        ...picture,
        pods: Array.from({ length: 100 }, (_, i) => ({ ...picture.pods[i % picture.pods.length], name: `pod-${i}` })),
      };
      const manyFile = path.join(dir, 'many.html');
      writeFileSync(manyFile, renderNodeHtml(many));
      const long = await browser!.open(pathToFileURL(manyFile).href, { width: 1280, height: 900 });
      t.same(long.problems, []);
      const rows = await long.evaluate<Box[]>(`[...document.querySelectorAll('g[data-role="pod"]')].map((g) => { const r = g.getBoundingClientRect(); return { x: r.x, y: r.y + scrollY, w: r.width, h: r.height }; })`);
      t.equal(rows.length, 100);
      t.ok(rows.every((r) => r.h >= 30), 'every pod row is at least 30 px high');
      t.ok(rows.every((r, i) => i === 0 || r.y >= rows[i - 1].y + rows[i - 1].h - 1), 'rows do not overlap');
      t.ok((await long.evaluate<number>('document.documentElement.scrollHeight')) > 5000, 'the page scrolls');
    });
  } finally {
    const b = browser as Browser | null;
    if (b !== null) {
      await b.close();
      t.same(processesMentioning(b.userDataDir), [], 'no browser process outlives close()');
      t.notOk(existsSync(b.userDataDir), 'the browser profile dir is removed');
    }
  }
});
