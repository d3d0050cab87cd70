// `npm run bench` (first part): lint speed, start-up and memory as ratios to baselines measured in
// the same run. Every measurement is a whole process on both sides: an in-process baseline would
// share the JIT, the heap and the loaded modules with what it is compared to, and mislead.
//  (a) `oomguard lint CORPUS --format json --concurrency off` vs a process that only reads the
//      same files and parses them with js-yaml's loadAll (dist/bench/parse-only.js): <= 1.3x.
//  (b) the same lint with a worker thread per core (--concurrency N) vs that single-threaded
//      parse-only process: <= 1.0x (on a machine with at least 2 cores). The default (auto, which
//      uses workers only on 3 or more cores) is printed beside it, and how much work two processes
//      at once get done on this machine against one, the most two threads can gain.
//  (c) start-up: `oomguard lint one.yaml` vs `node -e 0`: <= 2x.
//  (d) peak memory (maxRSS, worker threads included) of the corpus lint, by default and with
//      workers: < 300 MB.
// The processes take turns within each round, and each figure is the median over the rounds, so
// that drift on a shared machine hits both sides alike. Each line prints its target and PASS/MISS.
// Usage: node dist/bench/lint.bench.js [CORPUS_DIR] (default ../shared/corpus)
//   OOMGUARD_BENCH_LINT_ROUNDS (default 7) rounds for (a), (b) and (d); 15 for (c).
import { existsSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { listManifests, median } from './helpers.js';
import { AUTO_MIN_CORES } from '../src/cli/lint-threads.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// dist/bench/ when built (the only way it runs: it spawns the built CLI and scripts).
const root = path.resolve(here, '..', '..');
const corpus = path.resolve(process.argv[2] ?? path.join(root, '..', 'shared', 'corpus'));
const ROUNDS = Number(process.env.OOMGUARD_BENCH_LINT_ROUNDS ?? 7);

const bin = path.join(root, 'bin', 'oomguard.js');
const parseOnly = path.join(here, 'parse-only.js');
const reportPeakRss = path.join(here, 'report-peak-rss.js');

interface ProcessRun {
  ms: number;
  /** Peak RSS in KB, from report-peak-rss.js on fd 3; null when the process did not report it. */
  peakRssKb: number | null;
}

/** Runs `node ARGS` to completion (stdout discarded, as a redirect to a file would cost nothing). */
function runNode(args: string[], measureRss = false): ProcessRun {
  const nodeArgs = measureRss ? ['--import', reportPeakRss, ...args] : args;
  const start = performance.now();
  const r = spawnSync(process.execPath, nodeArgs, {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  const ms = performance.now() - start;
  if (r.error !== undefined) throw r.error;
  // lint exits 1 or 2 on a corpus with findings and broken files (reported on stdout); anything on
  // stderr (a usage error, a crash) means the run did not measure a lint.
  if (r.status === null || r.status === 3 || String(r.stderr) !== '' || (r.status !== 0 && !args.includes('lint'))) {
    throw new Error(`node ${args.join(' ')} failed (${r.status ?? r.signal}): ${String(r.stderr).slice(0, 500)}`);
  }
  const reported = Number.parseInt(String(r.output[3] ?? ''), 10);
  return { ms, peakRssKb: Number.isFinite(reported) ? reported : null };
}

/**
 * Runs two `node ARGS` processes at once (through sh, stdout discarded) and returns the wall time
 * until both have ended: how much memory-heavy work this machine's cores really do in parallel.
 */
function runTwoAtOnce(args: string[]): ProcessRun {
  const quote = (a: string) => `'${a.replaceAll("'", "'\\''")}'`;
  const one = [process.execPath, ...args].map(quote).join(' ');
  const start = performance.now();
  const r = spawnSync('sh', ['-c', `${one} >/dev/null & ${one} >/dev/null; wait`], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.error !== undefined || r.status !== 0 || String(r.stderr) !== '') throw new Error(`two at once: node ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
  return { ms, peakRssKb: null };
}

function verdict(pass: boolean): string {
  return pass ? 'PASS' : 'MISS';
}

function spread(xs: number[]): string {
  return `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)} ms`;
}

function corpusBench(): void {
  const files = listManifests(corpus);
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  const cores = availableParallelism();
  console.log(`corpus: ${files.length} files, ${(bytes / 1e6).toFixed(1)} MB (${corpus}); ${cores} cores; ${ROUNDS} rounds, medians`);
  const lint = ['lint', corpus, '--format', 'json'];
  const sides = {
    parse: () => runNode([parseOnly, corpus]),
    twoParses: () => runTwoAtOnce([parseOnly, corpus]),
    single: () => runNode([bin, ...lint, '--concurrency', 'off']),
    auto: () => runNode([bin, ...lint], true),
    // Worker threads whatever `auto` decides: one per core (the main thread only collects).
    workers: () => runNode([bin, ...lint, '--concurrency', String(cores)], true),
  };
  // One warm-up round: the file cache, not the processes, is what it warms.
  for (const run of Object.values(sides)) run();
  const times = { parse: [] as number[], twoParses: [] as number[], single: [] as number[], auto: [] as number[], workers: [] as number[] };
  const peaks: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order so that no side always runs right after the same one.
    const order = (['parse', 'twoParses', 'single', 'auto', 'workers'] as const).map((_, i, all) => all[(i + round) % all.length]);
    for (const side of order) {
      const r = sides[side]();
      times[side].push(r.ms);
      if ((side === 'auto' || side === 'workers') && r.peakRssKb !== null) peaks.push(r.peakRssKb);
    }
  }
  const parse = median(times.parse);
  const single = median(times.single);
  const auto = median(times.auto);
  const workers = median(times.workers);
  const autoThreads = cores >= AUTO_MIN_CORES ? `the main thread and ${cores - 1} workers` : `the main thread alone: fewer than ${AUTO_MIN_CORES} cores`;
  console.log(`  parse-only process (read + js-yaml loadAll): ${parse.toFixed(0)} ms (${spread(times.parse)})`);
  console.log(`  lint --concurrency off:                      ${single.toFixed(0)} ms (${spread(times.single)})`);
  console.log(`  lint (default, auto: ${autoThreads}): ${auto.toFixed(0)} ms (${spread(times.auto)})`);
  console.log(`  lint --concurrency ${cores} (${cores} worker threads):      ${workers.toFixed(0)} ms (${spread(times.workers)})`);
  const a = single / parse;
  const b = workers / parse;
  console.log(`  (a) lint single-threaded / parse-only: ${a.toFixed(2)}x   target <= 1.30x   ${verdict(a <= 1.3)}`);
  console.log(`  (b) lint with workers / parse-only:    ${b.toFixed(2)}x   target <= 1.00x   ${verdict(b <= 1.0)}${cores < 2 ? ' (one core: workers cannot help)' : ''}`);
  console.log(`      the default (auto) / parse-only:   ${(auto / parse).toFixed(2)}x`);
  // What two threads can gain on this machine at most: two parse-only processes at once, against one.
  const two = median(times.twoParses);
  console.log(`      (this machine: two parse-only processes at once take ${(two / parse).toFixed(2)}x one (${two.toFixed(0)} ms), so two threads do ${((2 * parse) / two).toFixed(2)}x the work of one at best, not 2x)`);
  if (peaks.length === 0) {
    console.log('  (d) peak memory: not reported by the child process   MISS');
  } else {
    const peakMb = Math.max(...peaks) / 1024;
    console.log(`  (d) peak RSS, lint by default and with workers: ${peakMb.toFixed(0)} MB (largest of ${peaks.length} runs; median ${(median(peaks) / 1024).toFixed(0)} MB)   target < 300 MB   ${verdict(peakMb < 300)}`);
  }
}

function startupBench(): void {
  const one = path.join(root, 'examples', 'prometheus.yaml');
  const sides = { node: () => runNode(['-e', '0']).ms, lint: () => runNode([bin, 'lint', one]).ms };
  sides.node();
  sides.lint();
  const node: number[] = [];
  const lint: number[] = [];
  for (let i = 0; i < 15; i++) {
    if (i % 2 === 0) {
      node.push(sides.node());
      lint.push(sides.lint());
    } else {
      lint.push(sides.lint());
      node.push(sides.node());
    }
  }
  const ratio = median(lint) / median(node);
  console.log(`start-up: oomguard lint one.yaml ${median(lint).toFixed(0)} ms (${spread(lint)}); node -e 0 ${median(node).toFixed(0)} ms (${spread(node)})`);
  console.log(`  (c) start-up / node -e 0: ${ratio.toFixed(2)}x   target <= 2.00x   ${verdict(ratio <= 2)}`);
}

if (!existsSync(path.join(root, 'dist', 'src', 'cli', 'main.js'))) {
  throw new Error('dist/ is missing: run `npm run build` (npm run bench does it first)');
}
if (!existsSync(corpus)) {
  console.log(`corpus not found at ${corpus}: skipping (a), (b) and (d) (pass a folder of manifests)`);
} else {
  corpusBench();
}
startupBench();
