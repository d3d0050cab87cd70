// A lint worker thread (started by lint-threads.ts): lints files with the same fileLinter as the
// main thread, taking the next file from a counter shared by all workers until none is left, and
// sends each file's outcome back as soon as it has it.
import { parentPort, workerData } from 'node:worker_threads';
import { fileLinter } from './lint-files.js';
import type { WorkerInput, WorkerMessage } from './lint-threads.js';

const input = workerData as WorkerInput;
const port = parentPort!;
const post = (message: WorkerMessage) => port.postMessage(message);

const linter = fileLinter(input.settings);
const next = new Int32Array(input.next);
for (let index = Atomics.add(next, 0, 1); index < input.files.length; index = Atomics.add(next, 0, 1)) {
  try {
    post({ kind: 'outcome', index, outcome: linter.lintFile(input.files[index]) });
  } catch (err) {
    // A bug in the engine: the main thread reports it as the single-threaded run would (exit 3),
    // naming what was thrown, when it reaches this file in report order.
    post({ kind: 'crash', index, message: (err as Error)?.message ?? String(err), stack: (err as Error)?.stack ?? '' });
  }
}
post({ kind: 'done' });
