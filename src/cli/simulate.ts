// `oomguard simulate`: one replica of every workload's pod on its node (the placement rule of
// every command), under a stated usage model: who the scheduler refuses, who the kubelet evicts
// and who the kernel kills, in what order and at what usage. The numbers come from the engine
// lint runs (defaulting, LimitRanges, QoS, oom_score_adj per version and node); core/simulate.ts
// adds the kubelet's eviction ranking and the kernel's badness. Text, JSON, SVG or HTML.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EXIT_INPUT, EXIT_OK, UsageError } from './exit-codes.js';
import type { Io } from './io.js';
import { loadConfigOption, maxFileBytes, modelSettingsFrom } from './args.js';
import { REPORT_FLAG_OPTIONS, colorFrom, noteSkipped, parseCommandLine } from './command-line.js';
import { NODE_FLAGS_HELP, NODE_FLAG_OPTIONS, nodeChoiceFrom } from './node-file.js';
import { DEFAULT_NAMESPACE, admissionContext, limitRangeFilesFrom, limitRangesIn, parseNamespace, readLimitRangeFiles } from './limit-ranges.js';
import { DEFAULT_KUBERNETES_VERSION } from '../core/versions.js';
import { defaultNodeFacts } from '../core/node.js';
import { placerFor } from '../core/placement.js';
import { Quantity, QuantityError } from '../core/quantity.js';
import type { FeatureGates } from '../core/types.js';
import { simulationJson } from '../core/simulate.js';
import { prepareLinter } from '../engine/lint.js';
import { parseFraction, simulateWorkloads, simulationPicture, usageKey, usageModelJson, usageModelText } from '../engine/simulation.js';
import type { NodeSimulation, PlacedWorkload, UsageModel } from '../engine/simulation.js';
import { readInputs } from '../input/read.js';
import { load } from 'js-yaml';
import { oneLine } from '../output/common.js';

const FORMATS = ['text', 'json', 'svg', 'html'] as const;
type Format = (typeof FORMATS)[number];

/** What a container with neither a request nor a limit is taken to use, unless --default-usage says. */
const DEFAULT_USAGE = '256Mi';

export const SIMULATE_HELP = `Usage: oomguard simulate [PATH|-]... [options]

Places one replica of every workload's pod on its node and says, under a usage model, which pods
the scheduler refuses, in what order the kubelet evicts them under memory pressure and when,
and in what order the kernel OOM-kills containers when memory runs out first, with the numbers
behind each step (docs/simulate.md).

Options:
${NODE_FLAGS_HELP}
  --usage-at MODEL            request, limit or a FRACTION of the limit such as 0.9 (each falls
                              back to the other value, then to --default-usage) (default limit)
  --usage FILE                Usage per container, JSON or YAML {"NAMESPACE/POD/CONTAINER": "1.2Gi"}
                              (POD is the workload's name); others follow --usage-at
  --default-usage QUANTITY    Usage of containers with neither request nor limit (default ${DEFAULT_USAGE})
  --kubernetes-version X.Y    Kubernetes minor to model, 1.25 to 1.37 (default ${DEFAULT_KUBERNETES_VERSION})
  --feature-gates LIST        e.g. PodLevelResources=true,SidecarContainers=false
  --namespace, -n NAME        The namespace of objects that set none (default "default")
  --limit-ranges FILE         LimitRanges to apply besides those among the inputs (repeatable)
  --config FILE               Config file (default: .oomguard.yaml found upward from here)
  --format FORMAT             text, json, svg or html (default text)
  --color / --no-color        Force colour on or off (default: on for a terminal)
  --max-file-size BYTES       Skip larger files with an error (default 8388608)
  -h, --help                  Show this help

Exit codes: 0 simulated, 2 bad usage or invalid input.`;

interface Settings {
  kubernetesVersion: string;
  gates: Partial<FeatureGates>;
  format: Format;
  color: boolean;
  paths: string[];
  maxFileBytes: number;
  namespace: string;
  usage: UsageModel;
}

function quantityBytes(text: string, what: string): bigint {
  try {
    const bytes = Quantity.parse(text).value();
    if (bytes < 0n) throw new UsageError(`${what}: must not be negative`);
    return bytes;
  } catch (err) {
    if (err instanceof QuantityError) throw new UsageError(`${what}: ${err.message}`);
    throw err;
  }
}

/** --usage FILE: a mapping of "NAMESPACE/POD/CONTAINER" to quantities. Throws UsageError. */
function readUsageFile(file: string, cwd: string): Map<string, bigint> {
  const shown = path.relative(cwd, file) || file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--usage ${shown}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = load(text);
  } catch (err) {
    throw new UsageError(`--usage ${shown}: ${oneLine((err as Error).message.split('\n')[0])}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new UsageError(`--usage ${shown}: expected one mapping of "NAMESPACE/POD/CONTAINER" to a memory quantity`);
  const usage = new Map<string, bigint>();
  for (const [key, value] of Object.entries(doc)) {
    if (!/^[^/]+\/[^/]+\/[^/]+$/.test(key)) throw new UsageError(`--usage ${shown}: key "${oneLine(key)}" is not NAMESPACE/POD/CONTAINER`);
    if (typeof value !== 'string' && typeof value !== 'number') throw new UsageError(`--usage ${shown}: ${oneLine(key)}: expected a memory quantity such as 1.5Gi`);
    usage.set(key, quantityBytes(String(value), `--usage ${shown}: ${oneLine(key)}`));
  }
  return usage;
}

function usageModelFrom(v: { 'usage-at'?: string; usage?: string; 'default-usage'?: string }, cwd: string): UsageModel {
  const defaultUsage = quantityBytes(v['default-usage'] ?? DEFAULT_USAGE, '--default-usage');
  const at = v['usage-at'] ?? 'limit';
  let model: Exclude<UsageModel, { kind: 'file' }>;
  if (at === 'request' || at === 'limit') model = { kind: at, defaultUsage };
  else {
    const fraction = parseFraction(at);
    if (fraction === null) throw new UsageError(`--usage-at: expected request, limit or a positive fraction of the limit such as 0.9 (got "${oneLine(at)}")`);
    model = { kind: 'fraction', text: at, ...fraction, defaultUsage };
  }
  if (v.usage === undefined) return model;
  const file = path.resolve(cwd, v.usage);
  return { kind: 'file', file: path.relative(cwd, file) || file, usage: readUsageFile(file, cwd), otherwise: model };
}

export async function runSimulate(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommandLine(
    argv,
    {
      ...NODE_FLAG_OPTIONS,
      'usage-at': { type: 'string' },
      usage: { type: 'string' },
      'default-usage': { type: 'string' },
      'kubernetes-version': { type: 'string' },
      'feature-gates': { type: 'string' },
      namespace: { type: 'string', short: 'n' },
      'limit-ranges': { type: 'string', multiple: true },
      ...REPORT_FLAG_OPTIONS,
    },
    'simulate',
  );
  const v = parsed.values;
  if (v.help) {
    io.stdout(`${SIMULATE_HELP}\n`);
    return EXIT_OK;
  }
  const format = (v.format ?? 'text') as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`unknown --format "${v.format}" (expected ${FORMATS.join(', ')})`);
  const config = loadConfigOption(v.config, io.cwd);
  const { kubernetesVersion, gates } = modelSettingsFrom(v, config);
  const placer = placerFor(nodeChoiceFrom(v, config, io.cwd, kubernetesVersion) ?? defaultNodeFacts());
  if (parsed.positionals.length === 0) throw new UsageError('no input: give files, folders or - for stdin (see oomguard simulate --help)');
  const s: Settings = {
    kubernetesVersion,
    gates,
    format,
    color: colorFrom(v, io.color),
    paths: parsed.positionals,
    maxFileBytes: maxFileBytes(v['max-file-size']),
    namespace: v.namespace !== undefined ? parseNamespace(v.namespace, '--namespace') : (config.namespace ?? DEFAULT_NAMESPACE),
    usage: usageModelFrom(v, io.cwd),
  };
  const limitRangeFiles = limitRangeFilesFrom(v['limit-ranges'], config.limitRanges, io.cwd);
  const fromFiles = await readLimitRangeFiles(limitRangeFiles, { defaultNamespace: s.namespace, maxFileBytes: s.maxFileBytes, readStdin: io.readStdin });

  const input = await readInputs(s.paths, {
    cwd: io.cwd,
    stdin: io.readStdin,
    maxFileBytes: s.maxFileBytes,
    exclude: (file: string) => config.isExcluded(path.resolve(io.cwd, file)),
  });
  const inInputs = limitRangesIn(input.objects, s.namespace);
  // The engine lint uses, without rules: the simulation needs the model's numbers, not findings.
  const linter = prepareLinter({ kubernetesVersion, featureGates: gates, rules: [] });
  const result = linter.lint(input.objects, placer, admissionContext({ defaultNamespace: s.namespace, limitRanges: [...fromFiles, ...inInputs.found] }));
  const errors = [...input.errors, ...inInputs.errors, ...result.errors];
  const workloads: PlacedWorkload[] = result.objects.flatMap((o) => (o.workload === undefined ? [] : [{ workload: o.workload, namespace: o.namespace ?? s.namespace }]));
  if (s.usage.kind === 'file') checkUsageKeys(s.usage, workloads);

  const sims = simulateWorkloads(workloads, placer, s.usage);
  io.stdout(await render(sims, s, errors.length));
  noteSkipped(input.skipped, io);
  for (const e of errors) {
    const where = `${e.file}${e.document !== null ? ` document ${e.document + 1}` : ''}${e.line !== null ? ` line ${e.line}` : ''}`;
    io.stderr(`oomguard: ${where}: ${oneLine(e.message)}\n`);
  }
  return errors.length > 0 ? EXIT_INPUT : EXIT_OK;
}

/** A usage file naming a container no workload has is a mistake the user must hear of. */
function checkUsageKeys(model: Extract<UsageModel, { kind: 'file' }>, workloads: readonly PlacedWorkload[]): void {
  const known = new Set<string>();
  for (const { workload, namespace } of workloads) for (const c of workload.analysis.containers) known.add(usageKey(namespace, workload.name, c.name));
  for (const key of model.usage.keys()) {
    if (!known.has(key)) throw new UsageError(`--usage ${model.file}: ${oneLine(key)} matches no container of the inputs (NAMESPACE/POD/CONTAINER, POD being the workload's name)`);
  }
}

/** One line per node: what happens at this usage. */
function summary(sim: NodeSimulation): string[] {
  const s = sim.simulation;
  const lines: string[] = [];
  const refused = s.fit.refused.length;
  if (refused > 0) lines.push(`${refused} pod${refused === 1 ? '' : 's'} do not fit: ${s.fit.refused.map((r) => `${r.namespace}/${r.name}`).join(', ')}`);
  const e = s.eviction;
  lines.push(
    e.underPressure
      ? `memory pressure: ${e.evictions.length} pod${e.evictions.length === 1 ? '' : 's'} evicted (first: ${e.evictions[0]?.namespace ?? '-'}/${e.evictions[0]?.name ?? '-'})`
      : 'no memory pressure at this usage',
  );
  const k = s.kernelOom;
  if (k.triggered) lines.push(`kernel OOM if usage outruns eviction: ${k.kills.length} container${k.kills.length === 1 ? '' : 's'} killed (first: ${k.ranking[0]?.namespace}/${k.ranking[0]?.name} ${k.ranking[0]?.container})`);
  if (s.memcgOom.length > 0) lines.push(`${s.memcgOom.length} container${s.memcgOom.length === 1 ? '' : 's'} above their own limit: killed by their cgroup first`);
  return lines;
}

async function render(sims: NodeSimulation[], s: Settings, inputErrors: number): Promise<string> {
  const usageText = usageModelText(s.usage);
  switch (s.format) {
    case 'json': {
      const usage = usageModelJson(s.usage);
      const nodes = sims.map((sim) => {
        const { schemaVersion: _schema, usage: _usage, ...rest } = simulationJson(sim.simulation, usage);
        return { ...rest, source: sim.source.text, nodeAssumptions: sim.source.assumptions };
      });
      // One node: the document is that node's simulation; several: one entry per node in `nodes`.
      const doc =
        nodes.length === 1
          ? { schemaVersion: 1, kubernetesVersion: s.kubernetesVersion, usage, ...nodes[0], inputErrors }
          : { schemaVersion: 1, kubernetesVersion: s.kubernetesVersion, usage, nodes, inputErrors };
      return `${JSON.stringify(doc, (_k, val) => (typeof val === 'bigint' ? val.toString() : val), 2)}\n`;
    }
    case 'svg':
    case 'html': {
      const pictures = sims.map((sim) => simulationPicture(sim, `oomguard simulate — node ${sim.name}`, summary(sim)));
      const title = `oomguard simulate ${s.paths.join(' ')}`;
      if (s.format === 'svg') return (await import('../output/node-picture.js')).renderNodesSvg(pictures);
      const html = await import('../output/node-html.js');
      return pictures.length === 1 ? html.renderNodeHtml({ ...pictures[0], notes: [...(pictures[0].notes ?? []), `Usage: ${usageText}.`] }) : html.renderNodesHtml(title, [`Usage: ${usageText}.`], pictures);
    }
    default:
      return (await import('../output/simulate-text.js')).formatSimulationText(sims, { color: s.color, kubernetesVersion: s.kubernetesVersion, usage: usageText });
  }
}
