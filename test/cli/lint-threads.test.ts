// lint-threads.ts: how `auto` shares files out, and the plan it uses on 3 or more cores (the main
// thread linting beside its workers), which the CLI tests cannot reach on a 2-core machine.
// The threaded run uses the built worker (dist/), as the CLI does.
import t from 'tap';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultNodeFacts } from '../../src/core/node.js';
import { AUTO_MIN_BYTES, AUTO_MIN_CORES, threadPlan } from '../../src/cli/lint-threads.js';
import type { FileLintSettings, FileOutcome, ScannedFile } from '../../src/cli/lint-files.js';
import { collectInputs } from '../../src/input/read.js';
import type { InputFile } from '../../src/input/read.js';
import { corpusDir, repoRoot } from '../helpers/run-cli.js';

/** Every manifest below `dir`, as lint lists them. */
function manifests(dir: string): InputFile[] {
  return collectInputs([dir], { cwd: repoRoot, exclude: () => false }).flatMap((item) => (item.kind === 'file' ? [item.file] : []));
}

t.test('auto: the main thread alone below AUTO_MIN_CORES cores or AUTO_MIN_BYTES, else one thread per core', async (t) => {
  const small = manifests(path.join(repoRoot, 'examples'));
  t.ok(small.length > 1 && small.reduce((n, f) => n + statSync(f.abs).size, 0) < AUTO_MIN_BYTES, 'examples/: several files, under AUTO_MIN_BYTES');
  for (const cores of [1, 2, 8]) t.same(threadPlan('auto', small, cores), { workers: 0, mainThreadLints: true }, `${cores} cores, small input`);
  if (!existsSync(corpusDir)) return;
  const big = manifests(corpusDir);
  t.same(threadPlan('auto', big, AUTO_MIN_CORES - 1), { workers: 0, mainThreadLints: true }, 'below AUTO_MIN_CORES: main thread');
  t.same(threadPlan('auto', big, AUTO_MIN_CORES), { workers: AUTO_MIN_CORES - 1, mainThreadLints: true }, `${AUTO_MIN_CORES} cores`);
  t.same(threadPlan('auto', big, 8), { workers: 7, mainThreadLints: true }, '8 cores');
  t.same(threadPlan('off', big, 8), { workers: 0, mainThreadLints: true }, 'off');
  t.same(threadPlan(3, big, 1), { workers: 3, mainThreadLints: false }, 'N workers whatever the cores');
});

t.test('the main thread and workers together give what the main thread alone gives', async (t) => {
  const dist = path.join(repoRoot, 'dist', 'src', 'cli', 'lint-threads.js');
  if (!existsSync(dist)) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  const threads = (await import(pathToFileURL(dist).href)) as typeof import('../../src/cli/lint-threads.js');
  const files = manifests(existsSync(corpusDir) ? corpusDir : path.join(repoRoot, 'test', 'fixtures'));
  const scan = { maxFileBytes: 8 * 1024 * 1024, defaultNamespace: 'default' };
  const afterScan = (scanned: readonly ScannedFile[]): FileLintSettings => ({
    kubernetesVersion: '1.33',
    featureGates: {},
    node: defaultNodeFacts(),
    ruleSettings: new Map(),
    maxFileBytes: scan.maxFileBytes,
    render: 'json',
    admission: { defaultNamespace: 'default', limitRanges: scanned.flatMap((s) => s.limitRanges) },
  });
  const alone: FileOutcome[] = threads.lintInMainThread(files, scan, afterScan);
  const together = await threads.lintInWorkers(files, scan, { workers: 1, mainThreadLints: true }, afterScan);
  t.same(together.warnings, [], 'no worker stopped');
  t.equal(together.outcomes.length, files.length);
  t.ok(
    together.outcomes.every((o, i) => JSON.stringify(o) === JSON.stringify(alone[i])),
    `the same outcome for each of ${files.length} files`,
  );
});
