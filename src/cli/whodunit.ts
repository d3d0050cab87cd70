// `oomguard whodunit`: reads kernel logs (files or stdin, streamed) and a PodList, and explains
// every OOM kill. A thin adapter: the reading, parsing and explaining are in src/forensics/.
import { createReadStream, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, UsageError } from './exit-codes.js';
import type { Io } from './io.js';
import { colorFrom, nodeMemoryFacts, parseCommandLine } from './command-line.js';
import { DEFAULT_KUBERNETES_VERSION, VersionError, parseKubernetesVersion } from '../core/versions.js';
import { KernelLogReader } from '../forensics/reader.js';
import { explainEviction, explainReport, explainTermination } from '../forensics/explain.js';
import type { ExplainContext, WhodunitEvent } from '../forensics/explain.js';
import { memoryEvictions, oomTerminations, readPodList } from '../forensics/pods.js';
import type { PodIndex } from '../forensics/pods.js';
import { isKill, renderJson, renderText } from '../forensics/render.js';
import type { WhodunitReport } from '../forensics/render.js';
import type { InputProblem } from '../forensics/types.js';

const HELP = `Usage: oomguard whodunit [LOG|-]... [--pods FILE|-] [options]

Reads kernel logs (dmesg, dmesg -T, journalctl -k, /var/log/messages, kern.log, pasted reports;
- for stdin) and explains every OOM kill: memory-cgroup or global, the trigger and the victim, the
pod, container and QoS class behind the victim's cgroup, and why the kernel chose it. With --pods
(kubectl get pods -A -o json) it names the pod and container, checks the kernel's oom_score_adj
against oomguard's prediction, and explains OOMKilled / exit 137 containers and memory evictions
that the pod status records, with or without a kernel log.

Examples:
  sudo dmesg -T | oomguard whodunit -
  journalctl -k --since today | oomguard whodunit - --pods <(kubectl get pods -A -o json)
  oomguard whodunit /var/log/kern.log --format json
  kubectl get pods -A -o json | oomguard whodunit --pods -

Options:
  --pods FILE|-               A PodList (kubectl get pods -A -o json)
  --node-memory QUANTITY      Node memory capacity for the predictions (else taken from a global
                              report's Mem-Info where it has one)
  --kubernetes-version X.Y    Kubernetes minor of the kubelet (default ${DEFAULT_KUBERNETES_VERSION})
  --format FORMAT             text or json (default text)
  --color / --no-color        Force colour on or off (default: on for a terminal)

Exit codes: 0 at least one kill found, 1 none found, 2 bad usage or unreadable input (one line
naming the file and line; the other inputs are still read).`;

const FORMATS = ['text', 'json'] as const;
type Format = (typeof FORMATS)[number];

/** Chunks of standard input (the process's stdin unless a caller gives its own). */
export type StdinChunks = AsyncIterable<Buffer | string>;

async function readAll(chunks: StdinChunks): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(parts).toString('utf8');
}

async function readLog(chunks: AsyncIterable<Buffer | string>, file: string, ctx: ExplainContext, events: WhodunitEvent[]): Promise<{ lines: number; reports: number; error: InputProblem | null }> {
  let reports = 0;
  const reader = new KernelLogReader(file, (r) => {
    reports++;
    events.push(explainReport(r, ctx));
  });
  for await (const chunk of chunks) {
    reader.push(chunk);
    if (reader.error !== null) break;
  }
  reader.end();
  return { lines: reader.lines, reports, error: reader.error };
}

function errnoMessage(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EISDIR') return 'is a directory (give the log file)';
  if (e.code === 'EACCES') return 'permission denied';
  return e.message;
}

export async function runWhodunit(argv: string[], io: Io, stdin: StdinChunks = process.stdin): Promise<number> {
  const parsed = parseCommandLine(
    argv,
    {
      pods: { type: 'string' },
      'node-memory': { type: 'string' },
      'kubernetes-version': { type: 'string' },
      format: { type: 'string', short: 'f' },
      color: { type: 'boolean' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    'whodunit',
  );
  const v = parsed.values;
  if (v.help) {
    io.stdout(`${HELP}\n`);
    return EXIT_OK;
  }
  const format = (v.format ?? 'text') as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`unknown --format "${v.format}" (expected text or json)`);
  let kubernetesVersion: string;
  try {
    kubernetesVersion = parseKubernetesVersion(v['kubernetes-version'] ?? DEFAULT_KUBERNETES_VERSION);
  } catch (err) {
    if (err instanceof VersionError) throw new UsageError(err.message);
    throw err;
  }
  const nodeMemory = v['node-memory'] === undefined ? null : nodeMemoryFacts(v['node-memory'], '--node-memory', 'flag').memoryCapacity;
  const logs = parsed.positionals;
  if (logs.length === 0 && v.pods === undefined) throw new UsageError('no input: give kernel logs (- for stdin) and/or --pods FILE (see oomguard whodunit --help)');
  if (logs.filter((l) => l === '-').length + (v.pods === '-' ? 1 : 0) > 1) throw new UsageError('standard input (-) can be read once: give either the log or --pods as -');
  const color = colorFrom(v, io.color);

  const errors: InputProblem[] = [];
  let pods: PodIndex | null = null;
  const podsFile = v.pods === undefined ? null : v.pods === '-' ? '<stdin>' : v.pods;
  if (v.pods !== undefined) {
    let text: string | null = null;
    try {
      text = v.pods === '-' ? await readAll(stdin) : readFileSync(path.resolve(io.cwd, v.pods), 'utf8');
    } catch (err) {
      errors.push({ file: podsFile!, line: null, message: errnoMessage(err) });
    }
    if (text !== null) {
      const r = readPodList(text, podsFile!);
      if (r.error !== null) errors.push(r.error);
      else pods = r.index;
    }
  }

  const ctx: ExplainContext = { pods, nodeMemory, kubernetesVersion };
  const events: WhodunitEvent[] = [];
  const read: WhodunitReport['logs'] = [];
  for (const log of logs) {
    const shown = log === '-' ? '<stdin>' : log;
    let chunks: AsyncIterable<Buffer | string>;
    if (log === '-') chunks = stdin;
    else {
      const file = path.resolve(io.cwd, log);
      try {
        if (statSync(file).isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      } catch (err) {
        errors.push({ file: shown, line: null, message: errnoMessage(err) });
        continue;
      }
      chunks = createReadStream(file, { highWaterMark: 1 << 20 });
    }
    try {
      const r = await readLog(chunks, shown, ctx, events);
      read.push({ file: shown, lines: r.lines, reports: r.reports });
      if (r.error !== null) errors.push(r.error);
    } catch (err) {
      errors.push({ file: shown, line: null, message: errnoMessage(err) });
    }
  }

  if (pods !== null) {
    const kernelByContainer = new Map<string, WhodunitEvent>();
    for (const e of events) if (e.pod?.containerId) kernelByContainer.set(e.pod.containerId, e);
    for (const t of oomTerminations(pods)) {
      const e = explainTermination(t, podsFile!, ctx);
      const k = t.containerId !== null ? kernelByContainer.get(t.containerId) : undefined;
      if (k !== undefined) {
        e.explanation += ` This is the kill the kernel log reports at ${k.file}:${k.line} (counted once).`;
        e.sameKillAs = { file: k.file, line: k.line };
      }
      events.push(e);
    }
    for (const ev of memoryEvictions(pods)) events.push(explainEviction(ev, podsFile!));
  }

  const report: WhodunitReport = { events, errors, logs: read, podsFile, kubernetesVersion, nodeMemory };
  io.stdout(format === 'json' ? renderJson(report) : renderText(report, { color }));
  for (const e of errors) io.stderr(`oomguard: ${e.file}${e.line !== null ? `:${e.line}` : ''}: ${e.message}\n`);
  if (errors.length > 0) return EXIT_INPUT;
  return events.some(isKill) ? EXIT_OK : EXIT_FINDINGS;
}
