// `npm run bench` (simulate): `oomguard simulate` of the whole corpus on one large node (all its
// workloads, one replica each) as a ratio to `oomguard lint` of the same files, both whole
// processes in the same run, taking turns, median over the rounds. Target: <= 1.5x.
// Usage: node dist/bench/simulate.bench.js [CORPUS] (default ../shared/corpus)
//   OOMGUARD_BENCH_SIMULATE_ROUNDS (default 5).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { median } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const bin = path.join(root, 'bin', 'oomguard.js');
const corpus = path.resolve(process.argv[2] ?? path.join(root, '..', 'shared', 'corpus'));
const ROUNDS = Number(process.env.OOMGUARD_BENCH_SIMULATE_ROUNDS ?? 5);

/** Seconds of one whole process; exit codes 0-2 are answers (findings, input errors in the corpus). */
function timed(args: string[]): number {
  const start = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 28 });
  const seconds = (performance.now() - start) / 1000;
  if (r.status === null || r.status > 2) throw new Error(`oomguard ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.toString().slice(0, 500)}`);
  return seconds;
}

if (!existsSync(corpus)) {
  console.log(`simulate bench: skipped (no corpus at ${corpus})`);
} else {
  const lint = ['lint', corpus, '--format', 'json', '--node-memory', '256Gi'];
  const simulate = ['simulate', corpus, '--format', 'json', '--node-memory', '256Gi'];
  timed(lint); // warm the file cache
  const ratios: number[] = [];
  const lints: number[] = [];
  const sims: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const l = timed(lint);
    const s = timed(simulate);
    lints.push(l);
    sims.push(s);
    ratios.push(s / l);
  }
  const ratio = median(ratios);
  console.log(`simulate bench (${process.version}, ${ROUNDS} rounds, corpus ${path.relative(root, corpus)})`);
  console.log(`  oomguard lint --format json      median ${median(lints).toFixed(2)} s`);
  console.log(`  oomguard simulate --format json  median ${median(sims).toFixed(2)} s`);
  console.log(`  simulate / lint: ${ratio.toFixed(2)}x (target <= 1.5x) ${ratio <= 1.5 ? 'OK' : 'MISS'}  rounds: ${ratios.map((r) => r.toFixed(2)).join(' ')}`);
}
