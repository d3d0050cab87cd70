// `--concurrency`: how many worker threads lint the files, and the workers themselves.
//
// The main thread lists the files (the list decides the report's order), then workers (and with
// `auto` the main thread too) take files one at a time from a shared counter (Atomics: no round
// trip to the main thread per file) and send back each file's outcome: what the report prints of
// its objects (with --format json, their text), not the parsed manifests (structured clone copies
// everything it is sent). The main thread files the outcomes by index and renders the report in
// input order, so the output is byte for byte that of `--concurrency off`. The workers run the same
// fileLinter as the main thread would.
//
// A worker that stops without finishing (out of memory, killed) loses nothing: every file without
// an outcome once all workers have ended is linted in the main thread, and one line on stderr says
// so. An exception thrown by the engine itself is reported as in a single-threaded run.
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { UsageError } from './exit-codes.js';
import type { FileLintSettings, FileOutcome } from './lint-files.js';
import type { InputFile } from '../input/read.js';

/** `--concurrency`: auto (the default), off, or a number of worker threads. */
export type Concurrency = 'auto' | 'off' | number;

/**
 * With `auto`, workers are started only for inputs of at least this many bytes: starting a worker
 * (a V8 isolate that loads the linter and warms up its own JIT) costs tens of milliseconds, which
 * pays off only when each worker has a few hundred milliseconds of parsing and linting to do.
 */
export const AUTO_MIN_BYTES = 4 * 1024 * 1024;

/**
 * Heap limits of a worker. A worker holds one file's parse at a time, so the old generation needs
 * far less than the main thread's default; the young generation is kept small because its size is
 * committed memory in every worker (peak RSS counts all threads). A file too large for these
 * limits stops its worker, and the main thread lints it instead (see above).
 */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: 48 };

export function parseConcurrency(text: string | undefined): Concurrency {
  if (text === undefined || text === 'auto') return 'auto';
  if (text === 'off') return 'off';
  if (/^[1-9]\d{0,3}$/.test(text)) return Number(text);
  throw new UsageError(`--concurrency must be auto, off or a number of worker threads from 1 to 9999, not "${text}"`);
}

/** How files are shared out: `workers` worker threads, and whether the main thread lints too. */
export interface ThreadPlan {
  /** 0: everything in the main thread. */
  workers: number;
  mainThreadLints: boolean;
}

/**
 * `auto` uses one thread per core, the main thread being one of them (it would otherwise wait,
 * and every worker is one more V8 heap to start and warm up); `N` starts N workers and keeps the
 * main thread for collecting their results, so that `--concurrency N` always exercises N workers.
 */
export function threadPlan(concurrency: Concurrency, files: readonly InputFile[]): ThreadPlan {
  const inMain = { workers: 0, mainThreadLints: true };
  if (concurrency === 'off' || files.length === 0) return inMain;
  // Never more workers than files: an idle worker is start-up cost for nothing.
  if (typeof concurrency === 'number') return { workers: Math.min(concurrency, files.length), mainThreadLints: false };
  const threads = Math.min(availableParallelism(), files.length);
  if (threads < 2 || !atLeastBytes(files, AUTO_MIN_BYTES)) return inMain;
  return { workers: threads - 1, mainThreadLints: true };
}

/** Whether the files add up to `limit` bytes (stats only as many files as it takes). */
function atLeastBytes(files: readonly InputFile[], limit: number): boolean {
  let total = 0;
  for (const f of files) {
    try {
      total += statSync(f.abs).size;
    } catch {
      // Unreadable: reading it will report why; it adds no work.
    }
    if (total >= limit) return true;
  }
  return false;
}

/** What a worker is started with (workerData). */
export interface WorkerInput {
  settings: FileLintSettings;
  files: InputFile[];
  /** Int32Array[1]: the index of the next file to lint, shared by all workers. */
  next: SharedArrayBuffer;
}

export type WorkerMessage =
  | { kind: 'outcome'; index: number; outcome: FileOutcome }
  | { kind: 'crash'; index: number; message: string; stack: string }
  | { kind: 'done' };

export interface ThreadedLint {
  /** By file index: each file's outcome. */
  outcomes: FileOutcome[];
  /** Lines for stderr about workers that stopped early (their files were linted in the main thread). */
  warnings: string[];
}

/**
 * Lints `files` in worker threads as `plan` says (plan.workers > 0); `lintInMain` lints the main
 * thread's share and what a stopped worker left. Throws the engine's own error if linting a file
 * threw (the first such file in input order), as a single-threaded run would.
 */
export async function lintInWorkers(
  files: InputFile[],
  settings: FileLintSettings,
  plan: ThreadPlan,
  lintInMain: (file: InputFile) => FileOutcome,
): Promise<ThreadedLint> {
  const outcomes: (FileOutcome | undefined)[] = new Array(files.length);
  const crashes = new Map<number, Error>();
  /** Why workers stopped before saying they were done. */
  const stopped: string[] = [];
  const next = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  const workerInput: WorkerInput = { settings, files, next };
  // Loaded only here: a lint of a few files never starts a worker, and needs not pay for the module.
  const { Worker: WorkerThread } = await import('node:worker_threads');

  const runWorker = () =>
    new Promise<void>((resolve) => {
      let done = false;
      let failure: string | null = null;
      let worker: Worker;
      try {
        worker = new WorkerThread(new URL('./lint-worker.js', import.meta.url), { workerData: workerInput, resourceLimits: WORKER_LIMITS });
      } catch (err) {
        stopped.push(`cannot start a worker thread (${(err as Error)?.message ?? String(err)})`);
        resolve();
        return;
      }
      worker.on('message', (message: WorkerMessage) => {
        if (message.kind === 'outcome') outcomes[message.index] = message.outcome;
        else if (message.kind === 'crash') crashes.set(message.index, Object.assign(new Error(message.message), { stack: message.stack }));
        else done = true;
      });
      worker.on('error', (err) => {
        failure = (err as Error)?.message ?? String(err);
      });
      worker.on('exit', (code) => {
        if (!done) stopped.push(`a worker thread stopped (${failure ?? `exit code ${code}`})`);
        resolve();
      });
    });
  const workers = Promise.all(Array.from({ length: plan.workers }, runWorker));
  if (plan.mainThreadLints) {
    // The main thread takes files from the same counter while the workers start. Their messages
    // wait in the port until this loop ends: they are strings or small objects, cheap to keep.
    const counter = new Int32Array(next);
    for (let i = Atomics.add(counter, 0, 1); i < files.length; i = Atomics.add(counter, 0, 1)) {
      try {
        outcomes[i] = lintInMain(files[i]);
      } catch (err) {
        crashes.set(i, err as Error);
      }
    }
  }
  await workers;

  for (let i = 0; i < files.length; i++) {
    const crash = crashes.get(i);
    if (crash !== undefined) throw crash;
    // Not linted by a worker (one stopped early): lint it here, as --concurrency off would.
    outcomes[i] ??= lintInMain(files[i]);
  }
  const warnings = stopped.map((why) => `${why}; the files it left were linted in the main thread`);
  return { outcomes: outcomes as FileOutcome[], warnings };
}
