// `oomguard audit`: what runs now. Reads the running Pods, with the Nodes, LimitRanges and
// ReplicaSets they need, from the cluster or from files, and reports what the lint engine says of
// each on its own node, one entry per owner and distinct result (src/audit/: grouping, template
// differences, the reports; all pure). This file is the adapter: flags, reading, printing.
//
// The cluster is read with @kubernetes/client-node (its kubeconfig loading, in-cluster config,
// credentials, exec plugins, client certificates and proxies), imported only when the cluster is
// read: from files it is never loaded. Lists are requested raw (client-node's applyToHTTPSOptions,
// then a GET) rather than through its typed API: the objects are then exactly what
// `kubectl get -o json` prints, so the cluster and a file of the same Pods give the same report
// (the typed models would drop fields they do not know and turn times into Date objects), and
// each request can be timed out. Every list is paged (`limit`, `continue`), and each page of Pods
// is judged and dropped before the next is asked for: memory is one page plus the entries.
//
// Read-only: get and list on pods, nodes, limitranges and replicasets (deploy/audit). A
// problem with the cluster is one line naming what failed and what to do (exit code 2).
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, UsageError } from './exit-codes.js';
import type { Io } from './io.js';
import { VERSION } from './version.js';
import { rules } from '../../rules/index.js';
import { loadConfigOption } from './args.js';
import { REPORT_FLAG_OPTIONS, colorFrom, nodeMemoryFacts, parseCommandLine } from './command-line.js';
import { NODE_PRESET_PROVIDERS } from '../core/node-presets.js';
import { NodeError, defaultNodeFacts, nodeFactsFromNodes } from '../core/node.js';
import { placerFor } from '../core/placement.js';
import type { NodeChoice } from '../core/placement.js';
import {
  DEFAULT_KUBERNETES_VERSION,
  VersionError,
  kubeletVersionOfNodes,
  parseFeatureGateList,
  parseKubernetesVersion,
  resolveFeatureGates,
} from '../core/versions.js';
import type { FeatureGates } from '../core/types.js';
import { prepareLinter } from '../engine/lint.js';
import { describeObject } from '../engine/describe.js';
import { readInputFile, readStdinInput } from '../input/read.js';
import type { FileInput } from '../input/read.js';
import type { InputError, SourceObject } from '../input/types.js';
import { DEFAULT_NAMESPACE, admissionContext, isLimitRangeObject, limitRangeFilesFrom, limitRangesIn, parseNamespace, readLimitRangeFiles } from './limit-ranges.js';
import type { FoundLimitRange } from './limit-ranges.js';
import { nodePresetFacts, readNodeFile } from './node-file.js';
import { Auditor } from '../audit/auditor.js';
import { ReplicaSetIndex } from '../audit/owner.js';
import { formatAuditJson, formatAuditTable, formatAuditText, ownerReport, reportErrors } from '../audit/render.js';
import type { AuditReportParts, AuditSource } from '../audit/render.js';
import type { LoadedConfig } from '../config/load.js';

const FORMATS = ['text', 'table', 'json', 'sarif', 'junit', 'github'] as const;
type Format = (typeof FORMATS)[number];

/** Objects per list request, and per page judged from a file. */
const DEFAULT_CHUNK_SIZE = 500;
/** A `kubectl get pods -A -o json` of 10,000 Pods is about 50 MB. */
const DEFAULT_MAX_POD_FILE_BYTES = 256 * 1024 * 1024;
const DEFAULT_REQUEST_TIMEOUT_S = 30;
/** The name reports give Pods read from the cluster (as `<stdin>` for standard input). */
export const CLUSTER_FILE = '<cluster>';

const HELP = `Usage: oomguard audit [options]

What runs now: reads the running Pods, from the cluster or from files, and reports for every
owner (Deployment, StatefulSet, DaemonSet, Job, or a Pod alone) each container's QoS class and
oom_score_adj on the node it runs on, and the rule findings, as lint does; where the Pods differ
from their owner's template (a sidecar injected at admission, a request a LimitRange or a webhook
set), and where the status.qosClass the API server stored differs from oomguard's own.
Pods that ended (Succeeded, Failed) are skipped and counted.

From the cluster (kubeconfig or in-cluster; read-only: get and list on pods, nodes, limitranges
and replicasets, see deploy/audit):
  --kubeconfig FILE           Kubeconfig (default: KUBECONFIG, ~/.kube/config, else in-cluster)
  --context NAME              Kubeconfig context (default: the current one)
  -n, --namespace NAME        Audit this namespace (default: the context's namespace)
  -A, --all-namespaces        Audit every namespace
  -l, --selector SELECTOR     Only Pods with these labels, as kubectl's -l (e.g. app=web,tier!=db)
  --chunk-size N              Objects per list request (default ${DEFAULT_CHUNK_SIZE}): Pods are judged a page at a time
  --request-timeout SECONDS   Give up on a request after this long (default ${DEFAULT_REQUEST_TIMEOUT_S})
  --nodes, --limit-ranges and --replicasets FILE read those from files instead of the cluster.

From files (then nothing is read from the cluster):
  --pods FILE|-               Pods: kubectl get pods -A -o json (a PodList), or Pod manifests
  --nodes FILE                kubectl get nodes -o json: each Pod is judged on its own node
                              (without nodes, on one capacity: 16Gi unless --node-memory)
  --limit-ranges FILE         kubectl get limitranges -A -o json: applied to the templates the Pods
                              are compared with (running Pods passed admission already); repeatable
  --replicasets FILE          kubectl get replicasets -A -o json: owners (ReplicaSet → Deployment)
                              and the templates; without it Deployments are named from the
                              pod-template-hash label and no template is compared
  -n, --namespace NAME        Only Pods of this namespace (default: every Pod of the file)

Either way:
  --node-memory QUANTITY      One capacity for every Pod instead of its node's, e.g. 16Gi
  --node-preset P:MEM[:PODS]  A cloud node: ${NODE_PRESET_PROVIDERS.map((p) => p.provider).join(', ')} (docs/node-presets.md)
  --kubernetes-version X.Y    Kubernetes minor to model (default: the nodes' kubelet minor when
                              they all run one, else ${DEFAULT_KUBERNETES_VERSION})
  --feature-gates LIST        e.g. PodLevelResources=true,SidecarContainers=false
  --config FILE               Config file (default: .oomguard.yaml found upward from here)
  --format FORMAT             text, table (a table per entry, as explain), json, sarif, junit or
                              github (default text)
  --color / --no-color        Force colour on or off (default: on for a terminal)
  --max-file-size BYTES       Largest file read (default ${DEFAULT_MAX_POD_FILE_BYTES})

Examples:
  oomguard audit -A
  kubectl get pods -A -o json | oomguard audit --pods - --nodes <(kubectl get nodes -o json)

Exit codes: 0 no error findings, 1 error findings, 2 bad usage, unreadable input or a cluster
that cannot be read (one line says why).`;

interface Settings {
  format: Format;
  color: boolean;
  config: LoadedConfig;
  /** Given (flag or config); null: from the nodes' kubelets, else the default. */
  kubernetesVersion: string | null;
  gates: Partial<FeatureGates>;
  maxFileBytes: number;
  /** --pods: read from files; null: from the cluster. */
  pods: string | null;
  nodesFile: string | null;
  nodeMemory: string | null;
  nodePreset: string | null;
  limitRanges: readonly string[] | undefined;
  replicaSets: string | null;
  namespace: string | null;
  allNamespaces: boolean;
  selector: string | null;
  kubeconfig: string | null;
  context: string | null;
  chunkSize: number;
  timeoutMs: number;
}

function settingsFrom(argv: string[], io: Io): Settings | null {
  const parsed = parseCommandLine(
    argv,
    {
      pods: { type: 'string' },
      nodes: { type: 'string' },
      node: { type: 'string' },
      'node-memory': { type: 'string' },
      'node-preset': { type: 'string' },
      'limit-ranges': { type: 'string', multiple: true },
      replicasets: { type: 'string' },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      namespace: { type: 'string', short: 'n' },
      'all-namespaces': { type: 'boolean', short: 'A' },
      selector: { type: 'string', short: 'l' },
      'chunk-size': { type: 'string' },
      'request-timeout': { type: 'string' },
      'kubernetes-version': { type: 'string' },
      'feature-gates': { type: 'string' },
      ...REPORT_FLAG_OPTIONS,
    },
    'audit',
  );
  const v = parsed.values;
  if (v.help) {
    io.stdout(`${HELP}\n`);
    return null;
  }
  if (parsed.positionals.length > 0) {
    throw new UsageError(`unexpected argument "${parsed.positionals[0]}": audit reads the cluster, or files given with --pods (see oomguard audit --help)`);
  }
  const format = (v.format ?? 'text') as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`unknown --format "${v.format}" (expected ${FORMATS.join(', ')})`);
  if (v.nodes !== undefined && v.node !== undefined) throw new UsageError('--nodes and --node are the same option: give one');
  const nodesFile = v.nodes ?? v.node ?? null;
  const nodeFlags = [['--nodes', nodesFile], ['--node-memory', v['node-memory']], ['--node-preset', v['node-preset']]].filter(([, x]) => x != null).map(([f]) => f);
  if (nodeFlags.length > 1) throw new UsageError(`${nodeFlags.join(' and ')} are exclusive: give one`);

  const pods = v.pods ?? null;
  if (pods !== null) {
    const clusterOnly = (['kubeconfig', 'context', 'all-namespaces', 'selector', 'chunk-size', 'request-timeout'] as const).filter((f) => v[f] !== undefined);
    if (clusterOnly.length > 0) {
      const hint = clusterOnly.includes('selector') ? ' (filter the Pods with kubectl get pods -l instead)' : '';
      throw new UsageError(`--${clusterOnly[0]} is for reading the cluster; with --pods nothing is read from it${hint}`);
    }
  }
  if (v.namespace !== undefined && v['all-namespaces']) throw new UsageError('--namespace and --all-namespaces are exclusive: give one');
  const stdinUsers = [pods === '-' ? '--pods' : null, nodesFile === '-' ? '--nodes' : null, v.replicasets === '-' ? '--replicasets' : null, v['limit-ranges']?.includes('-') ? '--limit-ranges' : null].filter((x) => x !== null);
  if (stdinUsers.length > 1) throw new UsageError(`${stdinUsers.join(' and ')} cannot all read standard input: give one of them -`);
  if (nodesFile === '-') throw new UsageError('--nodes -: give the nodes as a file (bash: --nodes <(kubectl get nodes -o json))');

  const config = loadConfigOption(v.config, io.cwd);
  let kubernetesVersion: string | null = null;
  let gates: Partial<FeatureGates>;
  try {
    const given = v['kubernetes-version'] ?? config.kubernetesVersion;
    if (given !== undefined) kubernetesVersion = parseKubernetesVersion(given);
    gates = { ...(config.featureGates ?? {}), ...(v['feature-gates'] ? parseFeatureGateList(v['feature-gates']) : {}) };
    resolveFeatureGates(kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION, gates);
  } catch (err) {
    if (err instanceof VersionError) throw new UsageError(err.message);
    throw err;
  }

  return {
    format,
    color: colorFrom(v, io.color),
    config,
    kubernetesVersion,
    gates,
    maxFileBytes: bytesOption(v['max-file-size'], '--max-file-size', DEFAULT_MAX_POD_FILE_BYTES),
    pods,
    nodesFile,
    nodeMemory: v['node-memory'] ?? null,
    nodePreset: v['node-preset'] ?? null,
    limitRanges: v['limit-ranges'],
    replicaSets: v.replicasets ?? null,
    namespace: v.namespace === undefined ? null : parseNamespace(v.namespace, '--namespace'),
    allNamespaces: v['all-namespaces'] === true,
    selector: v.selector ?? null,
    kubeconfig: v.kubeconfig ?? null,
    context: v.context ?? null,
    chunkSize: positiveInt(v['chunk-size'], '--chunk-size', DEFAULT_CHUNK_SIZE),
    timeoutMs: positiveInt(v['request-timeout']?.replace(/s$/, ''), '--request-timeout', DEFAULT_REQUEST_TIMEOUT_S) * 1000,
  };
}

function bytesOption(text: string | undefined, what: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new UsageError(`${what} must be a number of bytes`);
  return Number(text);
}

function positiveInt(text: string | undefined, what: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${what} must be a whole number of at least 1, not "${text}"`);
  return Number(text);
}

// ---------------------------------------------------------------------------------------------
// The pieces both ways share

/** Nodes a NodePool can hold (a usable memory capacity); the others are named on stderr. */
function usableNodes(nodes: readonly unknown[], io: Io): Array<{ object: unknown; pointer: string }> {
  const out: Array<{ object: unknown; pointer: string }> = [];
  for (const object of nodes) {
    try {
      nodeFactsFromNodes([{ object, pointer: '' }], 'cluster');
      out.push({ object, pointer: '' });
    } catch (err) {
      if (!(err instanceof NodeError)) throw err;
      io.stderr(`oomguard: node ${describeObject(object as Record<string, unknown>).name}: ${err.message}: left out\n`);
    }
  }
  return out;
}

/** Reads a file of objects for --replicasets (or a page of them): ReplicaSets only, else a usage line. */
function addReplicaSets(index: ReplicaSetIndex, objects: readonly SourceObject[], what: string): void {
  for (const o of objects) {
    if (index.add(o.object)) continue;
    const d = describeObject(o.object);
    throw new UsageError(`${what}: ${d.kind} ${d.name} is not a ReplicaSet (expected kubectl get replicasets -A -o json)`);
  }
}

async function readInput(file: string, io: Io, maxFileBytes: number): Promise<FileInput> {
  return file === '-' ? readStdinInput(io.readStdin, { maxFileBytes }) : readInputFile({ abs: path.resolve(io.cwd, file), shown: file }, { maxFileBytes });
}

async function readReplicaSetFile(file: string, io: Io, s: Settings, defaultNamespace: string): Promise<ReplicaSetIndex> {
  const input = await readInput(file, io, s.maxFileBytes);
  const what = `--replicasets ${file === '-' ? 'standard input' : file}`;
  if (input.errors.length > 0) {
    const e = input.errors[0];
    throw new UsageError(`${what}${e.line !== null ? ` line ${e.line}` : ''}: ${e.message}`);
  }
  const index = new ReplicaSetIndex(defaultNamespace);
  addReplicaSets(index, input.objects, what);
  return index;
}

/** What the Pods are judged with, once the nodes, LimitRanges and ReplicaSets are read. */
interface Context {
  kubernetesVersion: string;
  node: NodeChoice;
  limitRanges: FoundLimitRange[];
  replicaSets: ReplicaSetIndex | null;
  noReplicaSets: string;
  defaultNamespace: string;
  /** Pods of this namespace only (files); null: all. */
  onlyNamespace: string | null;
  source: AuditSource;
}

function prepareAuditor(s: Settings, c: Context): Auditor {
  const linter = prepareLinter({ kubernetesVersion: c.kubernetesVersion, featureGates: s.gates, rules, ruleSettings: s.config.ruleSettings });
  return new Auditor({
    linter,
    placer: placerFor(c.node),
    admission: admissionContext({ defaultNamespace: c.defaultNamespace, limitRanges: c.limitRanges }),
    replicaSets: c.replicaSets,
    noReplicaSets: c.noReplicaSets,
    namespace: c.onlyNamespace,
  });
}

/** The node choice given by flags or the config (not the cluster's); null when none is. */
function givenNodeChoice(s: Settings, io: Io, version: string): NodeChoice | null {
  if (s.nodeMemory !== null) return nodeMemoryFacts(s.nodeMemory, '--node-memory', 'flag');
  if (s.nodesFile !== null) return { nodes: readNodeFile(path.resolve(io.cwd, s.nodesFile), 'node-file', io.cwd).nodes, source: 'node-file' };
  if (s.nodePreset !== null) return nodePresetFacts(s.nodePreset, '--node-preset', version);
  const config = s.config.node;
  if (config?.memory !== undefined) return nodeMemoryFacts(String(config.memory), 'node.memory', 'config');
  if (config?.file !== undefined) return { nodes: readNodeFile(config.file, 'config', io.cwd).nodes, source: 'config' };
  if (config?.preset !== undefined) return nodePresetFacts(config.preset, 'node.preset', version);
  return null;
}

/** The version to model: given, else the nodes' kubelets', else the default (and why, on stderr). */
function versionFor(s: Settings, node: NodeChoice | null, io: Io): string {
  if (s.kubernetesVersion !== null) return s.kubernetesVersion;
  if (node !== null && 'nodes' in node) {
    const { version, note } = kubeletVersionOfNodes(node.nodes.map((n) => n.object));
    if (note !== null) io.stderr(`oomguard: ${note}\n`);
    if (version !== null) {
      try {
        resolveFeatureGates(version, s.gates);
      } catch (err) {
        if (err instanceof VersionError) throw new UsageError(`${err.message} (Kubernetes ${version}, the nodes' kubelet minor)`);
        throw err;
      }
      return version;
    }
  }
  return DEFAULT_KUBERNETES_VERSION;
}

// ---------------------------------------------------------------------------------------------
// From files

async function auditFiles(s: Settings, io: Io): Promise<AuditReportParts> {
  const defaultNamespace = s.config.namespace ?? DEFAULT_NAMESPACE;
  const provisional = s.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION;
  const node = givenNodeChoice(s, io, provisional);
  const kubernetesVersion = versionFor(s, node, io);
  const limitRanges = await readLimitRangeFiles(limitRangeFilesFrom(s.limitRanges, s.config.limitRanges, io.cwd), {
    defaultNamespace,
    maxFileBytes: s.maxFileBytes,
    readStdin: io.readStdin,
  });
  const replicaSets = s.replicaSets === null ? null : await readReplicaSetFile(s.replicaSets, io, s, defaultNamespace);
  const context: Context = {
    kubernetesVersion,
    node: node ?? defaultNodeFacts(),
    limitRanges,
    replicaSets,
    noReplicaSets: 'no --replicasets given (kubectl get replicasets -A -o json)',
    defaultNamespace,
    onlyNamespace: s.namespace,
    source: { kind: 'files', context: null, namespace: s.namespace },
  };
  const auditor = prepareAuditor(s, context);

  const input = await readInput(s.pods!, io, s.maxFileBytes);
  if (!input.read) throw new UsageError(`--pods ${s.pods === '-' ? 'standard input' : s.pods}: ${input.errors[0]?.message ?? 'cannot be read'}`);
  // LimitRanges among the Pods (a `kubectl get all`) are invalid input like any other: reported.
  const inputErrors: InputError[] = [...input.errors, ...limitRangesIn(input.objects.filter((o) => isLimitRangeObject(o.object)), defaultNamespace).errors];
  // A page at a time, letting go of each page's objects as it goes (the parsed file is what it is).
  const objects = input.objects;
  input.objects = [];
  for (let i = 0; i < objects.length; i += s.chunkSize) {
    const page = objects.slice(i, i + s.chunkSize);
    objects.fill(undefined as never, i, i + s.chunkSize);
    auditor.addPods(page);
  }
  return { result: auditor.finish(), kubernetesVersion, node: placerFor(context.node).all, source: context.source, inputErrors };
}

// ---------------------------------------------------------------------------------------------
// From the cluster

/** One list the audit makes: where, and how its errors name it. */
interface Listing {
  /** Plural resource name, e.g. "pods". */
  resource: string;
  /** "" (core) or "apps". */
  group: string;
  /** Namespace listed; null: the cluster scope (every namespace, or a cluster-scoped resource). */
  namespace: string | null;
  /** What to give instead when it cannot be listed, e.g. "--nodes FILE or --node-memory". */
  instead: string | null;
}

function listPath(l: Listing): string {
  const base = l.group === '' ? '/api/v1' : `/apis/${l.group}/v1`;
  return l.namespace === null ? `${base}/${l.resource}` : `${base}/namespaces/${encodeURIComponent(l.namespace)}/${l.resource}`;
}

function scopeText(l: Listing): string {
  return l.namespace === null ? 'at the cluster scope' : `in namespace "${l.namespace}"`;
}

/** What the audit needs of a KubeConfig (client-node's), so that the reading below is plain code. */
interface Cluster {
  server: string;
  contextName: string;
  namespace: string;
  /** Request options with the credentials, TLS settings and agent of the context. */
  requestOptions(): Promise<https.RequestOptions>;
}

async function connect(s: Settings, io: Io): Promise<Cluster> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  if (s.kubeconfig !== null) {
    try {
      kc.loadFromFile(path.resolve(io.cwd, s.kubeconfig));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new UsageError(`--kubeconfig ${s.kubeconfig}: ${e.code === 'ENOENT' ? 'no such file' : firstLine(e.message)}`);
    }
  } else {
    try {
      kc.loadFromDefault();
    } catch (err) {
      throw new UsageError(`cannot load the kubeconfig${io.env.KUBECONFIG ? ` (KUBECONFIG ${io.env.KUBECONFIG})` : ''}: ${firstLine((err as Error).message)}`);
    }
    // client-node's last resort when it finds no configuration: a made-up http://localhost:8080.
    const c = kc.getCurrentCluster();
    if (kc.getContexts().length === 1 && c?.name === 'cluster' && c.server === 'http://localhost:8080' && !io.env.KUBECONFIG) {
      throw new UsageError('no cluster to read: no kubeconfig (KUBECONFIG, ~/.kube/config) and not running in a cluster; give --kubeconfig, or read files with --pods');
    }
  }
  if (s.context !== null) {
    if (kc.getContextObject(s.context) === null) {
      throw new UsageError(`--context ${s.context}: no such context in the kubeconfig (it has ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    }
    kc.setCurrentContext(s.context);
  }
  const contextName = kc.getCurrentContext();
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new UsageError(`the kubeconfig context "${contextName ?? ''}" names no cluster (kubectl config get-contexts)`);
  const namespace = s.namespace ?? kc.getContextObject(contextName)?.namespace ?? DEFAULT_NAMESPACE;
  return {
    server: cluster.server.replace(/\/+$/, ''),
    contextName,
    namespace,
    async requestOptions() {
      const opts: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } };
      try {
        await kc.applyToHTTPSOptions(opts);
      } catch (err) {
        throw new UsageError(`cannot use the credentials of context "${contextName}": ${firstLine((err as Error).message)}`);
      }
      return opts;
    },
  };
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

/** The message of a Kubernetes Status body, when the body is one. */
function statusMessage(body: string): string | null {
  try {
    const status = JSON.parse(body) as { kind?: unknown; message?: unknown };
    return status?.kind === 'Status' && typeof status.message === 'string' && status.message !== '' ? status.message : null;
  } catch {
    return null;
  }
}

/** The one line for a list the API server answered with an error. */
function listError(l: Listing, status: number, body: string, context: string): UsageError {
  const what = `cannot list ${l.resource} ${scopeText(l)}`;
  const resource = l.group === '' ? l.resource : `${l.resource} (API group ${l.group})`;
  const instead = l.instead === null ? '' : `, or give ${l.instead}`;
  switch (status) {
    case 401:
      return new UsageError(`${what}: unauthorized (401: the API server refused the credentials of context "${context}"; an expired token? log in again)`);
    case 403:
      return new UsageError(`${what}: forbidden (RBAC: grant list on ${resource}${l.namespace === null ? '' : ` in namespace ${l.namespace}`}${instead}; deploy/audit has a ClusterRole)`);
    case 410:
      return new UsageError(`${what}: the list expired while it was read in pages (410 Gone); run oomguard audit again`);
    default: {
      const message = statusMessage(body);
      return new UsageError(`${what}: HTTP ${status}${message === null ? '' : `: ${firstLine(message)}`}`);
    }
  }
}

interface ListPage {
  items: unknown[];
  continueToken: string | null;
}

/** Largest answer to one list request: a page of 500 Pods is a few MB. */
const MAX_PAGE_BYTES = 512 * 1024 * 1024;

async function getPage(cluster: Cluster, l: Listing, query: URLSearchParams, timeoutMs: number): Promise<ListPage> {
  const url = new URL(`${cluster.server}${listPath(l)}?${query}`);
  const opts = await cluster.requestOptions();
  const { describeError } = await import('../webhook/plugins/cluster-watch.js');
  const unreachable = (err: unknown) =>
    new UsageError(`cannot reach the API server at ${cluster.server} (context "${cluster.contextName}"): ${firstLine(describeError(err))}`);
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = (url.protocol === 'http:' ? http : https).request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_PAGE_BYTES) res.destroy(new Error(`the answer to one list request is over ${MAX_PAGE_BYTES} bytes: give a smaller --chunk-size`));
        else chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (err) => reject(unreachable(err)));
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs / 1000} s (--request-timeout)`)));
    request.on('error', (err) => reject(unreachable(err)));
    request.end();
  });
  if (status !== 200) throw listError(l, status, body, cluster.contextName);
  let list: { items?: unknown; metadata?: { continue?: unknown } };
  try {
    list = JSON.parse(body);
  } catch {
    throw new UsageError(`cannot list ${l.resource} ${scopeText(l)}: the API server's answer is not JSON (is ${cluster.server} a Kubernetes API server?)`);
  }
  const token = list?.metadata?.continue;
  return { items: Array.isArray(list?.items) ? list.items : [], continueToken: typeof token === 'string' && token !== '' ? token : null };
}

/** Lists a resource page by page (`limit`, `continue`), handing each page to `onPage`. */
async function listPaged(cluster: Cluster, l: Listing, s: Settings, onPage: (items: unknown[]) => void, selector: string | null = null): Promise<void> {
  let token: string | null = null;
  do {
    const query = new URLSearchParams({ limit: String(s.chunkSize) });
    if (selector !== null) query.set('labelSelector', selector);
    if (token !== null) query.set('continue', token);
    const page = await getPage(cluster, l, query, s.timeoutMs);
    onPage(page.items);
    token = page.continueToken;
  } while (token !== null);
}

/** A Pod read from the cluster, as the engine takes objects (no file: lines are 1). */
function clusterObject(object: Record<string, unknown>): SourceObject {
  return { file: CLUSTER_FILE, document: 0, itemPointer: '', line: 1, object, lineOf: () => 1 };
}

function withKind(items: unknown[], kind: string): Record<string, unknown>[] {
  // Items of a list carry no apiVersion and kind (kubectl adds them when it prints): add them.
  return items.filter((o): o is Record<string, unknown> => typeof o === 'object' && o !== null).map((o) => ({ apiVersion: kind === 'ReplicaSet' ? 'apps/v1' : 'v1', kind, ...o }));
}

async function auditCluster(s: Settings, io: Io): Promise<AuditReportParts> {
  const cluster = await connect(s, io);
  const namespace = s.allNamespaces ? null : cluster.namespace;
  const defaultNamespace = cluster.namespace;

  let node = givenNodeChoice(s, io, s.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION);
  if (node === null) {
    const nodes: unknown[] = [];
    await listPaged(cluster, { resource: 'nodes', group: '', namespace: null, instead: '--nodes FILE or --node-memory' }, s, (items) => nodes.push(...withKind(items, 'Node')));
    const usable = usableNodes(nodes, io);
    if (usable.length === 0) io.stderr(`oomguard: the cluster has no node with a usable memory capacity: judging on the default capacity\n`);
    node = usable.length === 0 ? null : { nodes: usable, source: 'cluster' };
  }
  const kubernetesVersion = versionFor(s, node, io);

  let limitRanges: FoundLimitRange[];
  const files = limitRangeFilesFrom(s.limitRanges, s.config.limitRanges, io.cwd);
  if (files.length > 0) {
    limitRanges = await readLimitRangeFiles(files, { defaultNamespace, maxFileBytes: s.maxFileBytes, readStdin: io.readStdin });
  } else {
    const read: SourceObject[] = [];
    await listPaged(cluster, { resource: 'limitranges', group: '', namespace, instead: '--limit-ranges FILE' }, s, (items) => read.push(...withKind(items, 'LimitRange').map(clusterObject)));
    const found = limitRangesIn(read, defaultNamespace);
    for (const e of found.errors) io.stderr(`oomguard: ${e.message}\n`);
    limitRanges = found.found;
  }

  let replicaSets: ReplicaSetIndex;
  if (s.replicaSets !== null) {
    replicaSets = await readReplicaSetFile(s.replicaSets, io, s, defaultNamespace);
  } else {
    replicaSets = new ReplicaSetIndex(defaultNamespace);
    const index = replicaSets;
    await listPaged(cluster, { resource: 'replicasets', group: 'apps', namespace, instead: '--replicasets FILE' }, s, (items) => {
      for (const rs of withKind(items, 'ReplicaSet')) index.add(rs);
    });
  }

  const context: Context = {
    kubernetesVersion,
    node: node ?? defaultNodeFacts(),
    limitRanges,
    replicaSets,
    noReplicaSets: '',
    defaultNamespace,
    onlyNamespace: null,
    source: { kind: 'cluster', context: cluster.contextName, namespace },
  };
  const auditor = prepareAuditor(s, context);
  await listPaged(cluster, { resource: 'pods', group: '', namespace, instead: null }, s, (items) => auditor.addPods(withKind(items, 'Pod').map(clusterObject)), s.selector);
  return { result: auditor.finish(), kubernetesVersion, node: placerFor(context.node).all, source: context.source, inputErrors: [] };
}

// ---------------------------------------------------------------------------------------------

export async function runAudit(argv: string[], io: Io): Promise<number> {
  const s = settingsFrom(argv, io);
  if (s === null) return EXIT_OK;
  const parts = s.pods !== null ? await auditFiles(s, io) : await auditCluster(s, io);
  io.stdout(await render(parts, s));
  if (reportErrors(parts).length > 0) return EXIT_INPUT;
  return parts.result.entries.some((e) => e.object.findings.some((f) => f.severity === 'error')) ? EXIT_FINDINGS : EXIT_OK;
}

async function render(parts: AuditReportParts, s: Settings): Promise<string> {
  const r = { formatAuditJson, formatAuditTable, formatAuditText, ownerReport };
  switch (s.format) {
    case 'json':
      return r.formatAuditJson(parts);
    case 'table':
      return r.formatAuditTable(parts, { color: s.color });
    case 'sarif': {
      const { enabledSarifRules, formatSarif } = await import('../output/sarif.js');
      return formatSarif(r.ownerReport(parts), enabledSarifRules(rules, s.config.ruleSettings), { name: 'oomguard', version: VERSION });
    }
    case 'junit':
      return (await import('../output/junit.js')).formatJunit(r.ownerReport(parts));
    case 'github':
      return (await import('../output/github.js')).formatGithub(r.ownerReport(parts));
    default:
      return r.formatAuditText(parts, { color: s.color });
  }
}
