// `npm run bench`: lint speed and memory as ratios to baselines measured in the same run.
//  1. corpus: reading + js-yaml loadAll of every file (the floor any linter pays) vs oomguard's
//     whole lint of the same files in-process (read, parse with positions, model, rules, report).
//     Target: at most 2x (aim 1.3x).
//  2. peak memory of `oomguard lint <corpus> --format json` in a child process (target < 300 MB).
//  3. start-up: wall time of `oomguard lint one.yaml` vs `node -e 0` (aim: under 150 ms).
// Usage: node dist/bench/lint.bench.js [CORPUS_DIR] (default ../shared/corpus)
import { readFileSync, statSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { loadAll } from 'js-yaml';
import { main } from '../src/cli/main.js';
import { listManifests, median } from './helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const corpus = path.resolve(process.argv[2] ?? path.join(root, '..', 'shared', 'corpus'));

function baseline(files: string[]): number {
  const start = performance.now();
  let docs = 0;
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    try {
      loadAll(text, (d) => {
        if (d !== null && d !== undefined) docs++;
      });
    } catch {
      // Broken files (the corpus has a few) cost the baseline what it parsed before the error.
    }
  }
  if (docs === 0) throw new Error('no documents parsed');
  return performance.now() - start;
}

const quiet = {
  stdout: () => {},
  stderr: () => {},
  readStdin: async () => '',
  cwd: root,
  color: false,
  env: {},
};

async function lintInProcess(dir: string): Promise<number> {
  const start = performance.now();
  await main(['lint', dir, '--format', 'json', '--node-memory', '16Gi'], quiet);
  return performance.now() - start;
}

async function corpusBench(): Promise<void> {
  const files = listManifests(corpus);
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  console.log(`corpus: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB (${corpus})`);
  // Warm up both paths (JIT, file cache), then alternate runs so drift hits both alike.
  baseline(files);
  await lintInProcess(corpus);
  const base: number[] = [];
  const lint: number[] = [];
  for (let i = 0; i < 5; i++) {
    base.push(baseline(files));
    lint.push(await lintInProcess(corpus));
  }
  const b = median(base);
  const l = median(lint);
  console.log(`  read + js-yaml loadAll (baseline): ${b.toFixed(0)} ms`);
  console.log(`  oomguard lint (in-process, json):  ${l.toFixed(0)} ms`);
  console.log(`  ratio: ${(l / b).toFixed(2)}x   (target <= 2.0x, aim 1.3x)`);
}

function childPeakMemory(): void {
  const script = `
    const { main } = await import(${JSON.stringify(path.join(root, 'dist', 'src', 'cli', 'main.js'))});
    const io = { stdout: () => {}, stderr: () => {}, readStdin: async () => '', cwd: process.cwd(), color: false, env: {} };
    await main(['lint', ${JSON.stringify(corpus)}, '--format', 'json'], io);
    process.stdout.write(String(process.resourceUsage().maxRSS));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const base = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.resourceUsage().maxRSS))'], {
    encoding: 'utf8',
  });
  const kb = Number(r.stdout.trim());
  const baseKb = Number(base.stdout.trim());
  console.log(`peak memory (maxRSS) linting the corpus: ${(kb / 1024).toFixed(0)} MB (target < 300 MB); bare node: ${(baseKb / 1024).toFixed(0)} MB; ratio ${(kb / baseKb).toFixed(2)}x`);
}

function startupBench(): void {
  const one = path.join(root, 'examples', 'prometheus.yaml');
  const bin = path.join(root, 'bin', 'oomguard.js');
  const time = (args: string[]) => {
    const start = performance.now();
    spawnSync(process.execPath, args, { stdio: 'ignore' });
    return performance.now() - start;
  };
  time(['-e', '0']);
  time([bin, 'lint', one]);
  const node: number[] = [];
  const cli: number[] = [];
  for (let i = 0; i < 11; i++) {
    node.push(time(['-e', '0']));
    cli.push(time([bin, 'lint', one]));
  }
  const n = median(node);
  const c = median(cli);
  console.log(`start-up: oomguard lint one.yaml ${c.toFixed(0)} ms (aim < 150 ms); node -e 0 ${n.toFixed(0)} ms; ratio ${(c / n).toFixed(2)}x`);
}

if (!existsSync(corpus)) {
  console.log(`corpus not found at ${corpus}: skipping the corpus and memory benchmarks (pass a folder of manifests)`);
} else {
  await corpusBench();
  childPeakMemory();
}
startupBench();
