// `oomguard lint` and `oomguard explain`: read manifests, run the one engine, print a report.
import path from 'node:path';
import { EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, UsageError } from './exit-codes.js';
import type { Io } from './io.js';
import { rules } from '../../rules/index.js';
import { loadConfigOption, maxFileBytes, modelSettingsFrom } from './args.js';
import { REPORT_FLAG_OPTIONS, colorFrom, noteSkipped, parseCommandLine } from './command-line.js';
import type { LoadedConfig } from '../config/load.js';
import { DEFAULT_KUBERNETES_VERSION } from '../core/versions.js';
import { defaultNodeFacts } from '../core/node.js';
import { placerFor } from '../core/placement.js';
import type { NodeChoice, NodePlacer } from '../core/placement.js';
import type { FeatureGates } from '../core/types.js';
import { collectInputs, objectsByFile, readInputs, readStdinInput } from '../input/read.js';
import type { FileInput, SkippedInput } from '../input/read.js';
import { fileLinter } from './lint-files.js';
import type { FileLintSettings, FileOutcome, ObjectCounts, RenderedPerFile, ScanSettings } from './lint-files.js';
import { DEFAULT_NAMESPACE, admissionContext, limitRangeFilesFrom, limitRangesIn, parseNamespace, readLimitRangeFiles } from './limit-ranges.js';
import type { FoundLimitRange, LimitRangeFile } from './limit-ranges.js';
import { countReport } from '../output/common.js';
import { lintInMainThread, lintInWorkers, parseConcurrency, threadPlan } from './lint-threads.js';
import type { Concurrency } from './lint-threads.js';
import { lintObjects } from '../engine/lint.js';
import { NODE_FLAGS_HELP, NODE_FLAG_OPTIONS, nodeChoiceFrom } from './node-file.js';
import type { fixUntilStable } from '../engine/rewrite.js';
import type { InputError, ReadResult, SourceObject } from '../input/types.js';
import type { LintReport, ReportedObject } from '../engine/types.js';

const FORMATS = ['text', 'json', 'sarif', 'junit', 'github'] as const;
/** explain: text, json, or a picture of the node's memory. */
const EXPLAIN_FORMATS = ['text', 'json', 'svg', 'html'] as const;
type Format = (typeof FORMATS)[number] | (typeof EXPLAIN_FORMATS)[number];

const HELP = {
  lint: `Usage: oomguard lint [PATH|-]... [options]

Reads YAML/JSON manifests (files, folders recursively, - for stdin), predicts each pod's QoS
class and each container's oom_score_adj as the kubelet would, and reports rule findings.

Options:
${NODE_FLAGS_HELP}
  --kubernetes-version X.Y    Kubernetes minor to model, 1.25 to 1.37 (default ${DEFAULT_KUBERNETES_VERSION})
  --feature-gates LIST        e.g. PodLevelResources=true,SidecarContainers=false
  --namespace, -n NAME        The namespace of objects that set none, as kubectl's (default
                              "default"): LimitRanges and workloads alike
  --limit-ranges FILE         LimitRanges to apply besides those among the inputs: LimitRange
                              objects or a List (kubectl get limitranges -A -o yaml), - for stdin;
                              may be given more than once (default: the config's limitRanges)
  --config FILE               Config file (default: .oomguard.yaml found upward from here)
  --format FORMAT             text, json, sarif, junit or github (default text)
  --color / --no-color        Force colour on or off (default: on for a terminal)
  --max-file-size BYTES       Skip larger files with an error (default 8388608)
  --concurrency auto|off|N    Threads that parse and lint files: auto (default) uses one per core
                              (the main thread and a worker thread per other core) for inputs of
                              4 MiB or more on 3 or more cores, and the main thread alone otherwise
                              (on 2 cores, often one physical core, threads were slower); off: the
                              main thread alone; N: N worker threads (at most one per file). The
                              report is the same in every case. Standard input and --fix always
                              run in the main thread
  --fix                       Apply the fixes that findings offer, rewriting the files in place
                              (comments, order and quoting kept), then report what remains

LimitRanges among the inputs act on the workloads of their namespace in every input file, as the
LimitRanger admission plugin does to their Pods: it fills missing requests and limits, and refuses
Pods out of bounds.

Exit codes: 0 no error findings, 1 error findings, 2 bad usage or invalid input.`,
  explain: `Usage: oomguard explain [PATH|-]... [options]

Prints, per workload and container: type, memory request and limit after defaulting, QoS class
and oom_score_adj, with what the namespace's LimitRanges fill in. Takes the same options as lint
(--format json prints lint's JSON report; --format svg or html draws each node's memory with its
pods' requests and limits, coloured by QoS class, each container labelled with its oom_score_adj).`,
};

interface Settings {
  kubernetesVersion: string;
  gates: Partial<FeatureGates>;
  /** One capacity, or the nodes each pod is placed on (plain data, for the worker threads). */
  node: NodeChoice;
  /** Places pods on `node` in this thread; `placer.all` is the report's node. */
  placer: NodePlacer;
  config: LoadedConfig;
  format: Format;
  color: boolean;
  paths: string[];
  maxFileBytes: number;
  fix: boolean;
  concurrency: Concurrency;
  /** --namespace, the config's namespace, else "default". */
  namespace: string;
  /** --limit-ranges, else the config's limitRanges. */
  limitRangeFiles: LimitRangeFile[];
}

function settingsFrom(argv: string[], io: Io, command: 'lint' | 'explain'): Settings | null {
  const parsed = parseCommandLine(
    argv,
    {
      ...NODE_FLAG_OPTIONS,
      'kubernetes-version': { type: 'string' },
      'feature-gates': { type: 'string' },
      ...REPORT_FLAG_OPTIONS,
      fix: { type: 'boolean' },
      concurrency: { type: 'string' },
      namespace: { type: 'string', short: 'n' },
      'limit-ranges': { type: 'string', multiple: true },
    },
    command,
  );
  const v = parsed.values;
  if (v.help) {
    io.stdout(`${HELP[command]}\n`);
    return null;
  }
  const format = (v.format ?? 'text') as Format;
  const allowed: readonly Format[] = command === 'explain' ? EXPLAIN_FORMATS : FORMATS;
  if (!allowed.includes(format)) throw new UsageError(`unknown --format "${v.format}" (expected ${allowed.join(', ')})`);
  const maxBytes = maxFileBytes(v['max-file-size']);
  const concurrency = parseConcurrency(v.concurrency);
  const config = loadConfigOption(v.config, io.cwd);

  const { kubernetesVersion, gates } = modelSettingsFrom(v, config);

  const node = nodeChoiceFrom(v, config, io.cwd, kubernetesVersion) ?? defaultNodeFacts();

  const color = colorFrom(v, io.color);
  const paths = parsed.positionals.length > 0 ? parsed.positionals : [];
  if (paths.length === 0) throw new UsageError(`no input: give files, folders or - for stdin (see oomguard ${command} --help)`);
  const fix = v.fix === true;
  if (fix && command === 'explain') throw new UsageError('--fix is an option of lint, not explain');
  if (fix && paths.includes('-')) throw new UsageError('--fix rewrites files and cannot rewrite standard input (oomguard fix - prints a fixed copy)');

  const namespace = v.namespace !== undefined ? parseNamespace(v.namespace, '--namespace') : (config.namespace ?? DEFAULT_NAMESPACE);
  if (v['limit-ranges']?.includes('-') && paths.includes('-')) throw new UsageError('--limit-ranges - and the input - cannot both read standard input');
  const limitRangeFiles = limitRangeFilesFrom(v['limit-ranges'], config.limitRanges, io.cwd);
  return { kubernetesVersion, gates, node, placer: placerFor(node), config, format, color, paths, maxFileBytes: maxBytes, fix, concurrency, namespace, limitRangeFiles };
}

export async function runLint(argv: string[], io: Io, command: 'lint' | 'explain'): Promise<number> {
  const s = settingsFrom(argv, io, command);
  if (s === null) return EXIT_OK;
  // Read before any input: a LimitRange file that is not one is a usage error (exit 2, no report).
  const fromFiles = await readLimitRangeFiles(s.limitRangeFiles, { defaultNamespace: s.namespace, maxFileBytes: s.maxFileBytes, readStdin: io.readStdin });

  const run = s.fix ? await lintWithFixes(s, fromFiles, io) : await lintFiles(s, fromFiles, io);
  const { report, counts } = run;
  if (run.rendered !== null) {
    io.stdout(await assemble(run.rendered, report, counts, s));
  } else {
    io.stdout(await render(report, s, command));
  }
  noteSkipped(run.skipped, io);

  if (report.errors.length > 0) return EXIT_INPUT;
  if (command === 'explain') return EXIT_OK;
  return counts.errors > 0 ? EXIT_FINDINGS : EXIT_OK;
}

/** What a lint produced: the report and its counts, and with --format json or sarif each file's part already rendered. */
interface LintRun {
  /** With `rendered`, `objects` is empty: the objects were kept only as text. */
  report: LintReport;
  /** With --format json or sarif, each file's part of the report (FileOutcome.rendered), in order; else null. */
  rendered: Uint8Array[] | null;
  counts: ObjectCounts;
  /** Inputs left out as no manifest (input/layouts.ts). */
  skipped: SkippedInput[];
}

/**
 * Lints file by file (fileLinter), keeping only what the report needs of each. The report lists
 * objects in input order, and errors as reading and parsing errors (in input order) first, then
 * the errors found while linting (in object order).
 *
 * Two passes (lint-threads.ts): every file is read first, and the few that may hold a LimitRange
 * parsed for them, so that a LimitRange acts on the workloads of every file, whichever thread
 * lints them and whether they come before or after it.
 */
async function lintFiles(s: Settings, fromFiles: FoundLimitRange[], io: Io): Promise<LintRun> {
  // The paths collectInputs asks about are absolute already.
  const items = collectInputs(s.paths, { cwd: io.cwd, exclude: (abs: string) => s.config.isExcluded(abs) });
  const files = items.flatMap((item) => (item.kind === 'file' ? [item.file] : []));
  // Standard input is read (once) and linted in the main thread; read first: it may hold LimitRanges.
  const stdin: FileInput | null = items.some((item) => item.kind === 'stdin') ? await readStdinInput(io.readStdin, { maxFileBytes: s.maxFileBytes }) : null;
  const scan: ScanSettings = { maxFileBytes: s.maxFileBytes, defaultNamespace: s.namespace };
  const afterScan = (scanned: readonly { limitRanges: FoundLimitRange[] }[]): FileLintSettings => {
    // The files' LimitRanges first (the inputs' copy of one wins), then the inputs', in input order.
    const limitRanges = [...fromFiles];
    let fileIndex = 0;
    for (const item of items) {
      if (item.kind === 'stdin') limitRanges.push(...limitRangesIn(stdin!.objects, s.namespace).found);
      else if (item.kind === 'file') limitRanges.push(...scanned[fileIndex++].limitRanges);
    }
    return {
      kubernetesVersion: s.kubernetesVersion,
      featureGates: s.gates,
      node: s.node,
      ruleSettings: s.config.ruleSettings,
      maxFileBytes: s.maxFileBytes,
      render: renderedPerFile(s.format),
      admission: { defaultNamespace: s.namespace, limitRanges },
    };
  };
  // The settings of the second pass, kept for standard input.
  const second: { settings?: FileLintSettings } = {};
  const settingsOnce = (scanned: readonly { limitRanges: FoundLimitRange[] }[]) => (second.settings = afterScan(scanned));
  const plan = threadPlan(s.concurrency, files);
  // Each file's outcome, by its index in `files`.
  let outcomes: FileOutcome[];
  if (plan.workers > 0) {
    const result = await lintInWorkers(files, scan, plan, settingsOnce);
    for (const warning of result.warnings) io.stderr(`oomguard: ${warning}\n`);
    outcomes = result.outcomes;
  } else {
    outcomes = lintInMainThread(files, scan, settingsOnce);
  }

  if (io.env.OOMGUARD_DEBUG) {
    const workers = `${plan.workers} worker thread${plan.workers === 1 ? '' : 's'}`;
    const where = plan.workers === 0 ? 'the main thread' : plan.mainThreadLints ? `the main thread and ${workers}` : workers;
    io.stderr(`oomguard: debug: linting ${files.length} file${files.length === 1 ? '' : 's'} in ${where} (--concurrency ${s.concurrency})\n`);
  }

  const inputErrors: InputError[] = [];
  const lintErrors: InputError[] = [];
  const objects: ReportedObject[] = [];
  const rendered: Uint8Array[] = [];
  const counts: ObjectCounts = { objects: 0, workloads: 0, errors: 0, warnings: 0, infos: 0 };
  const skipped: SkippedInput[] = [];
  let fileIndex = 0;
  for (const item of items) {
    if (item.kind === 'error') {
      inputErrors.push(item.error);
      continue;
    }
    if (item.kind === 'skipped') {
      skipped.push(item.skipped);
      continue;
    }
    const outcome = item.kind === 'stdin' ? fileLinter(second.settings ?? afterScan([])).lintInput(stdin!) : outcomes[fileIndex++];
    for (const e of outcome.inputErrors) inputErrors.push(e);
    for (const o of outcome.objects) objects.push(o);
    if (outcome.rendered !== null) rendered.push(outcome.rendered);
    for (const e of outcome.lintErrors) lintErrors.push(e);
    for (const key of COUNTED) counts[key] += outcome.counts[key];
  }
  return {
    report: { kubernetesVersion: s.kubernetesVersion, node: s.placer.all, objects, errors: [...inputErrors, ...lintErrors] },
    rendered: renderedPerFile(s.format) === null ? null : rendered,
    counts,
    skipped,
  };
}

/**
 * The formats rendered file by file, where each file is linted (lint-files.ts), rather than from
 * the whole report once all are linted: the report's bulk is then held as bytes, outside the
 * heap, and never as every file's objects at once.
 */
function renderedPerFile(format: Format): RenderedPerFile | null {
  return format === 'json' || format === 'sarif' ? format : null;
}

/**
 * The SARIF module, with the run's rules and the tool. version.js (it reads package.json) is
 * loaded only here: no other format prints the version.
 */
async function sarifRun(s: Settings) {
  const [sarif, { VERSION }] = await Promise.all([import('../output/sarif.js'), import('./version.js')]);
  return { sarif, rules: sarif.enabledSarifRules(rules, s.config.ruleSettings), tool: { name: 'oomguard', version: VERSION } };
}

/** The report from each file's part (FileOutcome.rendered), in order: the bytes render() would give. */
async function assemble(parts: readonly Uint8Array[], report: LintReport, counts: ObjectCounts, s: Settings): Promise<Buffer> {
  // Each format's module imported for it only, as render() does.
  if (s.format === 'sarif') {
    const { sarif, rules: sarifRules, tool } = await sarifRun(s);
    return sarif.assembleSarifBytes({ ...report, rules: sarifRules, tool }, parts);
  }
  const { assembleJsonBytes } = await import('../output/json.js');
  return assembleJsonBytes({ ...report, objectRuns: parts, counts: { ...counts, inputErrors: report.errors.length } });
}

const COUNTED = ['objects', 'workloads', 'errors', 'warnings', 'infos'] as const satisfies readonly (keyof ObjectCounts)[];

/** `lint --fix`: every file is read (with its text) before any is rewritten. */
async function lintWithFixes(s: Settings, fromFiles: FoundLimitRange[], io: Io): Promise<LintRun> {
  const input = await readInputs(s.paths, {
    cwd: io.cwd,
    stdin: io.readStdin,
    maxFileBytes: s.maxFileBytes,
    exclude: (file: string) => s.config.isExcluded(path.resolve(io.cwd, file)),
    keepSources: true,
  });
  // Fixes never touch LimitRanges: those of the inputs as read act on every object, before and after.
  const inInputs = limitRangesIn(input.objects, s.namespace);
  const lintOptions = {
    kubernetesVersion: s.kubernetesVersion,
    featureGates: s.gates,
    node: s.placer,
    rules,
    ruleSettings: s.config.ruleSettings,
    admission: admissionContext({ defaultNamespace: s.namespace, limitRanges: [...fromFiles, ...inInputs.found] }),
  };
  const inputErrors = [...input.errors, ...inInputs.errors];
  const objects = await applyFixes(input, inputErrors, (o) => lintObjects(o, lintOptions).objects, io);
  const result = lintObjects(objects, lintOptions);
  const report: LintReport = {
    kubernetesVersion: s.kubernetesVersion,
    node: s.placer.all,
    objects: result.objects,
    errors: [...inputErrors, ...result.errors],
  };
  return { report, rendered: null, counts: countReport(report), skipped: input.skipped };
}

/**
 * `lint --fix`: rewrites each file with the fixes its findings offer (until none is offered) and
 * returns the objects as they now are, for the report. Files that did not parse whole are left
 * alone; a file that cannot be rewritten safely keeps what earlier passes did and adds an error.
 */
async function applyFixes(input: ReadResult, errors: InputError[], lint: Parameters<typeof fixUntilStable>[3], io: Io): Promise<SourceObject[]> {
  // Loaded only with --fix: the YAML editor and its parser cost start-up time a plain lint need not pay.
  const [{ fixUntilStable }, { rewriteFailure, writeSource }, { plural }] = await Promise.all([
    import('../engine/rewrite.js'),
    import('./rewrite-files.js'),
    import('../output/common.js'),
  ]);
  const byFile = objectsByFile(input.objects);
  const unreadable = new Set(input.errors.map((e) => e.file));
  const objects: SourceObject[] = [];
  let fixed = 0;
  let files = 0;
  for (const file of input.files) {
    const before = byFile.get(file) ?? [];
    const source = input.sources?.get(file);
    if (source === undefined || unreadable.has(file) || before.length === 0) {
      objects.push(...before);
      continue;
    }
    const result = fixUntilStable(source.text, file, before, lint);
    if (result.error !== null) errors.push(rewriteFailure(file, result.error, 'apply a fix'));
    if (result.fixed > 0) {
      writeSource(source, result.text);
      fixed += result.fixed;
      files++;
    }
    objects.push(...result.objects);
  }
  if (fixed > 0) io.stderr(`oomguard: fixed ${plural(fixed, 'finding')} in ${plural(files, 'file')}\n`);
  return objects;
}

/** explain --format svg|html: one picture per node that received a workload (all on one without Node objects). */
async function renderPictures(report: LintReport, s: Settings): Promise<string> {
  const [{ explainPicture, groupByNode, nodeDisplayName }, picture, html] = await Promise.all([import('../engine/simulation.js'), import('../output/node-picture.js'), import('../output/node-html.js')]);
  const workloads = report.objects.flatMap((o) => (o.workload === undefined ? [] : [{ workload: o.workload, namespace: o.namespace ?? s.namespace }]));
  const nodes = groupByNode(workloads, s.placer);
  if (nodes.length === 0) nodes.push({ name: nodeDisplayName(s.placer.all), facts: s.placer.all, items: [] });
  const pictures = nodes.map(({ name, facts, items }) => explainPicture(facts, name, items, `oomguard explain — node ${name}`));
  if (s.format === 'svg') return picture.renderNodesSvg(pictures);
  return pictures.length === 1 ? html.renderNodeHtml(pictures[0]) : html.renderNodesHtml(`oomguard explain ${s.paths.join(' ')}`, [], pictures);
}

async function render(report: LintReport, s: Settings, command: 'lint' | 'explain'): Promise<string> {
  if (command === 'explain' && s.format === 'text') {
    return (await import('../output/explain.js')).formatExplain(report, { color: s.color });
  }
  if (s.format === 'svg' || s.format === 'html') return renderPictures(report, s);
  switch (s.format) {
    case 'json':
      return (await import('../output/json.js')).formatJson(report);
    case 'sarif': {
      const { sarif, rules: sarifRules, tool } = await sarifRun(s);
      return sarif.formatSarif(report, sarifRules, tool);
    }
    case 'junit':
      return (await import('../output/junit.js')).formatJunit(report);
    case 'github':
      return (await import('../output/github.js')).formatGithub(report);
    default:
      return (await import('../output/text.js')).formatText(report, { color: s.color });
  }
}
