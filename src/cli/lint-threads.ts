// `--concurrency`: how many worker threads lint the files, and the workers themselves.
//
// The main thread lists the files (the list decides the report's order). Files are linted in two
// passes, because a LimitRange in one file acts on the workloads of every file (lint-files.ts):
// 1. every file is read and its bytes kept (in shared memory), and the few that may hold a
//    LimitRange are parsed for them (scanFile);
// 2. once all are read, the main thread puts the LimitRanges in input order and every thread lints
//    files from the bytes kept, with the same settings (lintScanned).
// In each pass, workers (and with `auto` the main thread too) take files one at a time from a
// shared counter (Atomics: no round trip to the main thread per file). Workers send back each
// file's outcome, a few files to a message: what the report prints of its objects (with --format
// json or sarif, their text), not the parsed manifests (structured clone copies everything it is sent).
// The main thread files the outcomes by index and renders the report in input order, so the
// output is byte for byte that of `--concurrency off`. The workers run the same fileLinter as the
// main thread would.
//
// A worker that stops without finishing (out of memory, killed) loses nothing: every file it left
// unread is read by the main thread before the second pass, every file without an outcome once all
// workers have ended is linted in the main thread, and one line on stderr says so. An exception
// thrown by the engine itself is reported as in a single-threaded run.
import type { Worker } from 'node:worker_threads';
import { UsageError } from './exit-codes.js';
import { KEEP_BYTES, fileLinter, localKeeper, scanFile } from './lint-files.js';
import type { FileLintSettings, FileOutcome, Keeper, ScanSettings, ScannedFile } from './lint-files.js';
import type { FileInput, InputFile } from '../input/read.js';

// Built-ins read with getBuiltinModule, not imported: see input/read.ts.
const { statSync } = process.getBuiltinModule('node:fs');
const { availableParallelism } = process.getBuiltinModule('node:os');

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
const WORKER_LIMITS = { maxOldGenerationSizeMb: 512, maxYoungGenerationSizeMb: 12 };

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
 * With `auto`, workers are started only where there are at least this many cores. Two cores are
 * most often two hyperthreads of one physical core (a cloud VM's 2 vCPUs), and there, measured,
 * threads lose: each worker's V8 warms up its own JIT (about half a second of CPU for a corpus
 * lint) and both threads share one core's caches and memory bandwidth, so that two parse-only
 * processes at once take 1.5x one. Linting ../shared/corpus on such a machine took 1.75 s with a
 * worker against 1.44 s without, and 4.1 s against 3.9 s for four copies of it.
 */
export const AUTO_MIN_CORES = 3;

/**
 * `auto` uses one thread per core, the main thread being one of them (it would otherwise wait,
 * and every worker is one more V8 heap to start and warm up); `N` starts N workers and keeps the
 * main thread for collecting their results, so that `--concurrency N` always exercises N workers.
 */
export function threadPlan(concurrency: Concurrency, files: readonly InputFile[], cores = availableParallelism()): ThreadPlan {
  const inMain = { workers: 0, mainThreadLints: true };
  if (concurrency === 'off' || files.length === 0) return inMain;
  // Never more workers than files: an idle worker is start-up cost for nothing.
  if (typeof concurrency === 'number') return { workers: Math.min(concurrency, files.length), mainThreadLints: false };
  const threads = Math.min(cores, files.length);
  if (cores < AUTO_MIN_CORES || threads < 2 || !atLeastBytes(files, AUTO_MIN_BYTES)) return inMain;
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
  scan: ScanSettings;
  files: InputFile[];
  /** Int32Array of COUNTERS: shared by all threads. */
  counters: SharedArrayBuffer;
}

/** Slots of WorkerInput.counters. */
export const COUNTERS = { nextScan: 0, nextLint: 1, keptKiB: 2, length: 3 } as const;

export type WorkerMessage =
  | { kind: 'scanned'; results: Array<{ index: number; scanned: ScannedFile }> }
  | { kind: 'outcomes'; outcomes: Array<{ index: number; outcome: FileOutcome }> }
  | { kind: 'crash'; index: number; message: string; stack: string }
  | { kind: 'done' };

/** The main thread's answer to 'scanned': lint, with these settings and every file's first pass. */
export interface LintMessage {
  kind: 'lint';
  settings: FileLintSettings;
  scanned: ScannedFile[];
}

/** Shared memory is taken in slabs of this size (one SharedArrayBuffer per file costs more). */
const SLAB_BYTES = 1024 * 1024;

/**
 * How threads keep the bytes of the first pass: files are read straight into shared memory (any
 * thread may lint them; sending them copies nothing), taken in slabs, while the threads together
 * keep at most KEEP_BYTES; beyond that, into ordinary buffers that are not kept.
 */
export function sharedKeeper(counters: Int32Array): Keeper {
  const parsed = new Map<string, FileInput>();
  let slab: SharedArrayBuffer | null = null;
  let used = 0;
  const take = (bytes: number) => {
    const kib = Math.ceil(bytes / 1024);
    return Atomics.add(counters, COUNTERS.keptKiB, kib) + kib <= KEEP_BYTES / 1024;
  };
  return {
    alloc(size) {
      if (size > SLAB_BYTES / 4) return take(size) ? Buffer.from(new SharedArrayBuffer(size)) : Buffer.allocUnsafe(size);
      if (slab === null || used + size > slab.byteLength) {
        if (!take(SLAB_BYTES)) return Buffer.allocUnsafe(size);
        slab = new SharedArrayBuffer(SLAB_BYTES);
        used = 0;
      }
      const buffer = Buffer.from(slab, used, size);
      used += size;
      return buffer;
    },
    keep: (bytes) => (bytes.buffer instanceof SharedArrayBuffer ? bytes : null),
    parsed,
  };
}

export interface ThreadedLint {
  /** By file index: each file's outcome. */
  outcomes: FileOutcome[];
  /** Lines for stderr about workers that stopped early (their files were linted in the main thread). */
  warnings: string[];
}

/** After the first pass: the settings of the second, from every file's first pass (by index). */
export type SettingsAfterScan = (scanned: readonly ScannedFile[]) => FileLintSettings;

/** Both passes in the main thread alone (`--concurrency off`, small inputs). */
export function lintInMainThread(files: readonly InputFile[], scan: ScanSettings, afterScan: SettingsAfterScan): FileOutcome[] {
  const keeper = localKeeper();
  const scanned = files.map((f) => scanFile(f, scan, keeper));
  const linter = fileLinter(afterScan(scanned), keeper.parsed);
  return files.map((f, i) => {
    const outcome = linter.lintScanned(f, scanned[i]);
    scanned[i].bytes = null; // done with: let the collector have it
    return outcome;
  });
}

/**
 * Both passes in worker threads as `plan` says (plan.workers > 0), the main thread taking part when
 * plan.mainThreadLints, and reading and linting what a stopped worker left. Throws the engine's own
 * error if a file threw (the first such file in input order), as a single-threaded run would.
 */
export async function lintInWorkers(files: InputFile[], scan: ScanSettings, plan: ThreadPlan, afterScan: SettingsAfterScan): Promise<ThreadedLint> {
  const scanned: (ScannedFile | undefined)[] = new Array(files.length);
  const outcomes: (FileOutcome | undefined)[] = new Array(files.length);
  const crashes = new Map<number, Error>();
  /** Why workers stopped before saying they were done. */
  const stopped: string[] = [];
  const counterBuffer = new SharedArrayBuffer(COUNTERS.length * Int32Array.BYTES_PER_ELEMENT);
  const counters = new Int32Array(counterBuffer);
  const keeper = sharedKeeper(counters);
  const workerInput: WorkerInput = { scan, files, counters: counterBuffer };
  // Loaded only here: a lint of a few files never starts a worker, and needs not pay for the module.
  const { Worker: WorkerThread } = await import('node:worker_threads');
  const crashed = (i: number, err: unknown) => crashes.set(i, err instanceof Error ? err : new Error(String(err)));

  // The first pass is over once every file is read (by any thread), or every worker has sent its
  // part or stopped (the main thread then reads what a stopped worker left). Workers that start
  // after the main thread has read everything find nothing left to read: the main thread does not
  // wait for them to start before the second pass.
  let known = 0;
  let scanning = 0;
  let firstPassOver: () => void = () => {};
  const checkFirstPass = () => {
    if (known >= files.length || scanning === 0) firstPassOver();
  };

  interface Running {
    worker: Worker;
    alive: boolean;
    exited: Promise<void>;
  }
  const startWorker = (): Running | null => {
    let worker: Worker;
    try {
      worker = new WorkerThread(new URL('./lint-worker.js', import.meta.url), { workerData: workerInput, resourceLimits: WORKER_LIMITS });
    } catch (err) {
      stopped.push(`cannot start a worker thread (${(err as Error)?.message ?? String(err)})`);
      return null;
    }
    scanning++;
    let sentScan = false;
    let done = false;
    let failure: string | null = null;
    const running: Running = { worker, alive: true, exited: Promise.resolve() };
    running.exited = new Promise<void>((resolve) => {
      worker.on('message', (message: WorkerMessage) => {
        if (message.kind === 'scanned') {
          for (const r of message.results) scanned[r.index] = r.scanned;
          known += message.results.length;
          sentScan = true;
          scanning--;
          checkFirstPass();
        } else if (message.kind === 'outcomes') {
          for (const { index, outcome } of message.outcomes) {
            outcomes[index] = outcome;
            scanned[index]!.bytes = null; // done with: let the collector have it
          }
        } else if (message.kind === 'crash') {
          crashes.set(message.index, Object.assign(new Error(message.message), { stack: message.stack }));
          if (!sentScan) known++;
        } else done = true;
      });
      worker.on('error', (err) => {
        failure = (err as Error)?.message ?? String(err);
      });
      worker.on('exit', (code) => {
        running.alive = false;
        if (!sentScan) {
          scanning--;
          checkFirstPass();
        }
        if (!done) stopped.push(`a worker thread stopped (${failure ?? `exit code ${code}`})`);
        resolve();
      });
    });
    return running;
  };
  const running = Array.from({ length: plan.workers }, startWorker).filter((r): r is Running => r !== null);

  // First pass. The main thread takes files from the same counter while the workers start; their
  // messages wait in the port until this loop ends.
  if (plan.mainThreadLints) {
    for (let i = Atomics.add(counters, COUNTERS.nextScan, 1); i < files.length; i = Atomics.add(counters, COUNTERS.nextScan, 1)) {
      try {
        scanned[i] = scanFile(files[i], scan, keeper);
      } catch (err) {
        crashed(i, err);
      }
      known++;
    }
  }
  await new Promise<void>((resolve) => {
    firstPassOver = resolve;
    checkFirstPass();
  });
  for (let i = 0; i < files.length; i++) {
    if (scanned[i] !== undefined || crashes.has(i)) continue;
    // Left unread by a worker that stopped: read here, as --concurrency off would.
    try {
      scanned[i] = scanFile(files[i], scan, keeper);
    } catch (err) {
      crashed(i, err);
    }
  }
  if (crashes.size > 0) {
    await Promise.all(running.map((r) => r.worker.terminate()));
    throw crashes.get(Math.min(...crashes.keys()))!;
  }
  const all = scanned as ScannedFile[];
  const settings = afterScan(all);

  // Second pass.
  // A worker still starting gets it once it has found nothing left to read.
  const message: LintMessage = { kind: 'lint', settings, scanned: all };
  for (const r of running) if (r.alive) r.worker.postMessage(message);
  const linter = fileLinter(settings, keeper.parsed);
  if (plan.mainThreadLints) {
    let released = 0;
    for (let i = Atomics.add(counters, COUNTERS.nextLint, 1); i < files.length; i = Atomics.add(counters, COUNTERS.nextLint, 1)) {
      // Every file before this one is linted or being linted by some thread: let go of their bytes
      // (should a worker stop before its outcome comes, the file is read again).
      for (; released < i; released++) all[released].bytes = null;
      try {
        outcomes[i] = linter.lintScanned(files[i], all[i]);
      } catch (err) {
        crashed(i, err);
      }
    }
  }
  await Promise.all(running.map((r) => r.exited));

  for (let i = 0; i < files.length; i++) {
    const crash = crashes.get(i);
    if (crash !== undefined) throw crash;
    // Not linted by a worker (one stopped early): lint it here, as --concurrency off would.
    outcomes[i] ??= linter.lintScanned(files[i], all[i]);
  }
  const warnings = stopped.map((why) => `${why}; the files it left were linted in the main thread`);
  return { outcomes: outcomes as FileOutcome[], warnings };
}
