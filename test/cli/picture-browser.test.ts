// The pages the CLI writes (`oomguard simulate … --format html`, `oomguard explain … --format
// html`) in a real browser: Debian's headless Chromium loads each one, and the test checks that it
// rendered by itself (no console errors, nothing requested but the page), that the SVG has the node
// bar, one row per workload with its oom_score_adj labels and ranks, and that the node bar's pixels
// are painted. The renderer's own detailed checks are test/output/node-picture-browser.test.ts.
// Skips with a message when chromium is not installed (.ci/run installs it).
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { oomguard, repoRoot } from '../helpers/run-cli.js';
import { CHROMIUM_MISSING, colourDistance, decodePng, findChromium, launchChromium } from '../helpers/chromium.js';
import type { Browser } from '../helpers/chromium.js';

const chromium = findChromium();
const skip = chromium === null ? CHROMIUM_MISSING : false;

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

t.test('the CLI pages in headless Chromium', { skip, timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'oomguard-cli-page-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const examples = path.join(repoRoot, 'examples');
  // 2Gi at the limits: the examples do not all fit, are under pressure and OOM the kubepods cgroup.
  const simulate = oomguard(['simulate', examples, '--node-memory', '2Gi', '--format', 'html']);
  t.equal(simulate.code, 0, simulate.stderr);
  const explain = oomguard(['explain', examples, '--node-preset', 'gke:16Gi', '--format', 'html']);
  t.equal(explain.code, 0, explain.stderr);
  const json = JSON.parse(oomguard(['simulate', examples, '--node-memory', '2Gi', '--format', 'json']).stdout);

  let browser: Browser | null = null;
  try {
    browser = await launchChromium(chromium!);
    for (const [name, html] of [
      ['simulate', simulate.stdout],
      ['explain', explain.stdout],
    ] as const) {
      await t.test(`oomguard ${name} --format html`, async (t) => {
        const file = path.join(dir, `${name}.html`);
        writeFileSync(file, html);
        const url = pathToFileURL(file).href;
        const page = await browser!.open(url, { width: 1280, height: 900 });
        t.same(page.problems, [], 'no console errors, exceptions, CSP reports or failed loads');
        t.same(page.requests, [url], 'the page requests nothing but itself');
        const bands = await page.evaluate<number>(`document.querySelectorAll('svg [data-role="node-band"]').length`);
        t.ok(bands >= 2, `the node bar has its bands (${bands})`);
        const podNames = await page.evaluate<string[]>(`[...document.querySelectorAll('[data-role="pod-name"]')].map((e) => e.textContent)`);
        t.same(podNames.slice().sort(), ['finance/ledger-reconcile', 'monitoring/prometheus', 'shop/checkout', 'web/web-with-log-shipper'], 'one row per workload');
        const adj = await page.evaluate<string[]>(`[...document.querySelectorAll('[data-role="oom-score-adj"]')].map((e) => e.textContent)`);
        t.ok(adj.some((a) => a.startsWith('oom_score_adj 999')), 'prometheus is labelled 999');
        const evict = await page.evaluate<string[]>(`[...document.querySelectorAll('[data-role="evict-rank"]')].map((e) => e.textContent)`);
        if (name === 'simulate') {
          // The ranks drawn are the JSON's: first evicted first.
          t.equal(evict.length, json.eviction.length, 'every ranked pod is numbered');
          t.equal(evict[0], 'evict #1');
          const kills = await page.evaluate<string[]>(`[...document.querySelectorAll('[data-role="kill-rank"]')].map((e) => e.textContent)`);
          t.equal(kills.length, json.oomKill.length, 'every killable container is numbered');
        } else {
          t.same(evict, [], 'explain draws no simulation');
        }
        const bar = await page.evaluate<Box>(`(() => { const r = document.querySelector('svg .og-band-outline').getBoundingClientRect(); return { x: r.x + scrollX, y: r.y + scrollY, w: r.width, h: r.height }; })()`);
        const png = decodePng(await page.screenshot());
        let painted = 0;
        let samples = 0;
        for (let x = bar.x + 2; x < bar.x + bar.w - 2; x += 4) {
          samples++;
          if (colourDistance(png.pixel(x, bar.y + bar.h / 2), [255, 255, 255]) > 12) painted++;
        }
        t.ok(samples > 50 && painted / samples > 0.95, `the node bar is painted (${painted}/${samples} samples)`);
      });
    }
  } finally {
    await browser?.close();
  }
});
