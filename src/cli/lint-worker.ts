// A lint worker thread (started by lint-threads.ts). First pass: reads files (scanFile), taking the
// next from a counter shared by all threads until none is left, and sends what it read in one
// message. Second pass, once the main thread answers with the settings: lints files with the same
// fileLinter as the main thread, from the same kind of shared counter, sending outcomes a few
// files at a time.
import { parentPort, workerData } from 'node:worker_threads';
import type { FileOutcome, ScannedFile } from './lint-files.js';
import type { LintMessage, WorkerInput, WorkerMessage } from './lint-threads.js';

// V8's code cache for this thread's modules too, as bin/oomguard.js enables it for the main thread
// (a worker does not inherit it): enabled before the linter's modules load, hence their dynamic
// imports. Without it (a folder that cannot be written) the worker only starts slower.
try {
  process.getBuiltinModule('node:module').enableCompileCache?.();
} catch {
  // No cache.
}
const { fileLinter, scanFile } = await import('./lint-files.js');
const { COUNTERS, sharedKeeper } = await import('./lint-threads.js');

/**
 * Outcomes are sent this many files at a time: a message per file cost the worker about 5% of its
 * time. A worker that stops loses at most these, which the main thread then lints itself.
 */
const OUTCOMES_PER_MESSAGE = 32;

const input = workerData as WorkerInput;
const port = parentPort!;
const post = (message: WorkerMessage) => port.postMessage(message);
const counters = new Int32Array(input.counters);

/**
 * A bug in the engine: the main thread reports it as the single-threaded run would (exit 3), naming
 * what was thrown.
 */
const crash = (index: number, err: unknown) => post({ kind: 'crash', index, message: (err as Error)?.message ?? String(err), stack: (err as Error)?.stack ?? '' });

const keeper = sharedKeeper(counters);
const results: Array<{ index: number; scanned: ScannedFile }> = [];
for (let index = Atomics.add(counters, COUNTERS.nextScan, 1); index < input.files.length; index = Atomics.add(counters, COUNTERS.nextScan, 1)) {
  try {
    results.push({ index, scanned: scanFile(input.files[index], input.scan, keeper) });
  } catch (err) {
    crash(index, err);
  }
}
post({ kind: 'scanned', results });
results.length = 0; // the main thread shares them now

port.once('message', (message: LintMessage) => {
  const linter = fileLinter(message.settings, keeper.parsed);
  let outcomes: Array<{ index: number; outcome: FileOutcome }> = [];
  const send = () => {
    if (outcomes.length > 0) post({ kind: 'outcomes', outcomes });
    outcomes = [];
  };
  let released = 0;
  for (let index = Atomics.add(counters, COUNTERS.nextLint, 1); index < input.files.length; index = Atomics.add(counters, COUNTERS.nextLint, 1)) {
    // Every file before this one is linted or being linted by some thread: let go of their bytes.
    for (; released < index; released++) message.scanned[released].bytes = null;
    try {
      outcomes.push({ index, outcome: linter.lintScanned(input.files[index], message.scanned[index]) });
      if (outcomes.length === OUTCOMES_PER_MESSAGE) send();
    } catch (err) {
      crash(index, err);
    }
  }
  send();
  post({ kind: 'done' });
});
