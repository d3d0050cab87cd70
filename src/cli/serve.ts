// `oomguard serve`: the validating and mutating admission webhook (src/webhook/).
import { parseArgs } from 'node:util';
import path from 'node:path';
import { EXIT_OK, UsageError } from './exit-codes.js';
import type { Io } from './io.js';
import { rules } from '../../rules/index.js';
import { loadConfig, ConfigError } from '../config/load.js';
import type { LoadedConfig } from '../config/load.js';
import { DEFAULT_KUBERNETES_VERSION } from '../core/versions.js';
import { DEFAULT_NODE_MEMORY } from '../core/node.js';
import type { NodeChoice } from '../core/placement.js';
import { NODE_FLAG_OPTIONS, nodeChoiceFrom } from './node-file.js';
import { DEFAULT_NAMESPACE, admissionContext, limitRangeFilesFrom, readLimitRangeFiles } from './limit-ranges.js';
import type { LimitRangeFile } from './limit-ranges.js';
import { DEFAULT_MAX_FILE_BYTES, modelSettingsFrom } from './args.js';
import type { LimitRange } from '../core/types.js';
import { FAILURE_POLICIES, MODES, MUTATIONS } from '../webhook/admission.js';
import type { FailurePolicy, Mode, Mutation } from '../webhook/admission.js';
import type { ServeOptions } from '../webhook/serve.js';
import { TlsError } from '../webhook/plugins/tls-reload.js';

export const SERVE_HELP = `Usage: oomguard serve --tls-cert FILE --tls-key FILE [options]

Runs the admission webhook over HTTPS (TLS 1.2+): POST /validate and POST /mutate take and return
admission.k8s.io/v1 AdmissionReviews; GET /healthz, GET /readyz; Prometheus metrics on a separate
plain-HTTP port at /metrics. Judges with the same core and rules as oomguard lint.

Options:
  --port N                    HTTPS port (default 8443)
  --host ADDRESS              Address to listen on (default 0.0.0.0)
  --tls-cert FILE             Serving certificate (PEM); reloaded when it changes
  --tls-key FILE              Its private key (PEM); reloaded when it changes
  --metrics-port N|off        Plain-HTTP port for /metrics (default 9090)
  --mode MODE                 enforce (deny error findings with 403), warn (admit with warnings)
                              or audit (admit, log and count only); default warn
  --mutate requests-equal-limits
                              On /mutate, raise cpu/memory requests to the limits (objects opt
                              out with the annotation oomguard.io/mutate: "false")
  --failure-policy POLICY     What to answer when a review cannot be decided (rule exception,
                              deadline): Ignore (admit with a warning) or Fail (deny with code
                              500); match the webhook configuration's failurePolicy (default Ignore)
  --node-memory QUANTITY      Judge every pod on this node capacity instead of reading the
                              cluster's nodes (default: read nodes; ${DEFAULT_NODE_MEMORY} until they are known)
  --node FILE                 Judge on these nodes instead of reading the cluster's: a Node or
                              NodeList manifest (kubectl get nodes -o yaml); each pod on the node
                              it is bound or selected to, else on the smallest
  --node-preset P:MEM[:PODS]  Judge every pod on one cloud node instead of reading the cluster's:
                              gke, eks or aks with its memory and max pods, e.g. gke:16Gi
                              (docs/node-presets.md)
  --limit-ranges FILE         Apply these LimitRanges instead of the cluster's: LimitRange objects
                              or a List (kubectl get limitranges -A -o yaml); may be given more
                              than once (default: the config's limitRanges, else the cluster's
                              when nodes are read, none with --node-memory, --node or --node-preset)
  --kubeconfig FILE           Kubeconfig for reading nodes and LimitRanges (default: KUBECONFIG,
                              ~/.kube/config, then the in-cluster service account)
  --kubernetes-version X.Y    Kubernetes minor to model, 1.25 to 1.37 (default: the config's, else
                              the minor the nodes' kubelets run when they all run one it models,
                              else ${DEFAULT_KUBERNETES_VERSION}; followed through upgrades)
  --feature-gates LIST        e.g. PodLevelResources=true,SidecarContainers=false
  --config FILE               Config file (default: .oomguard.yaml found upward from here)
  --log-level LEVEL           fatal, error, warn, info, debug or trace (default info; debug
                              logs finding messages, never whole objects)
  --shutdown-delay SECONDS    After SIGTERM, keep serving this long before closing (default 5)`;

function parsePort(text: string, flag: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new UsageError(`${flag} must be a port number (got "${text}")`);
  return Number(text);
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got "${value}")`);
  return value as T;
}

export interface ServeSettings extends Omit<ServeOptions, 'nodes' | 'limitRanges'> {
  /**
   * One capacity for every pod (--node-memory, node.memory) or fixed Node objects (--node FILE,
   * node.file); null: read the cluster's nodes.
   */
  staticNodes: NodeChoice | null;
  /** --limit-ranges FILE..., else the config's limitRanges; none: the cluster's with a cluster node view, else none. */
  limitRangeFiles: LimitRangeFile[];
  /** The namespace of LimitRanges in those files that name none (the config's namespace, else "default"). */
  namespace: string;
  kubeconfig?: string;
  logLevel: string;
}

/** Flags to settings (exported for tests). Returns null for --help. */
export function serveSettings(argv: string[], io: Io): ServeSettings | null {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'metrics-port': { type: 'string' },
        mode: { type: 'string' },
        mutate: { type: 'string' },
        'failure-policy': { type: 'string' },
        ...NODE_FLAG_OPTIONS,
        'limit-ranges': { type: 'string', multiple: true },
        kubeconfig: { type: 'string' },
        'kubernetes-version': { type: 'string' },
        'feature-gates': { type: 'string' },
        config: { type: 'string' },
        'log-level': { type: 'string' },
        'shutdown-delay': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]} (see oomguard serve --help)`);
  }
  const v = parsed.values;
  if (v.help) {
    io.stdout(`${SERVE_HELP}\n`);
    return null;
  }
  if (v['tls-cert'] === undefined || v['tls-key'] === undefined) {
    throw new UsageError('--tls-cert and --tls-key are required: the API server only calls webhooks over HTTPS (see certs/ or cert-manager)');
  }
  const mode = oneOf<Mode>(v.mode, MODES, '--mode', 'warn');
  const failurePolicy = oneOf<FailurePolicy>(v['failure-policy'], FAILURE_POLICIES, '--failure-policy', 'Ignore');
  const mutation = v.mutate === undefined ? null : oneOf<Mutation>(v.mutate, MUTATIONS, '--mutate', 'requests-equal-limits');
  const logLevel = oneOf(v['log-level'], ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const, '--log-level', 'info');
  let shutdownDelayMs = 5000;
  if (v['shutdown-delay'] !== undefined) {
    if (!/^\d+(\.\d+)?$/.test(v['shutdown-delay'])) throw new UsageError('--shutdown-delay must be a number of seconds');
    shutdownDelayMs = Math.round(Number(v['shutdown-delay']) * 1000);
  }

  let config: LoadedConfig;
  try {
    config = loadConfig({ configPath: v.config, cwd: io.cwd, rules });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const { kubernetesVersion, gates: featureGates } = modelSettingsFrom(v, config);
  // Flags win over the config, as for lint; neither: the cluster's nodes.
  const staticNodes = nodeChoiceFrom(v, config, io.cwd, kubernetesVersion);
  const limitRangeFiles = limitRangeFilesFrom(v['limit-ranges'], config.limitRanges, io.cwd);

  return {
    host: v.host ?? '0.0.0.0',
    port: v.port === undefined ? 8443 : parsePort(v.port, '--port'),
    metricsPort: v['metrics-port'] === 'off' ? null : v['metrics-port'] === undefined ? 9090 : parsePort(v['metrics-port'], '--metrics-port'),
    tls: { certFile: path.resolve(io.cwd, v['tls-cert']), keyFile: path.resolve(io.cwd, v['tls-key']) },
    mode,
    failurePolicy,
    mutation,
    // Not given (flag or config): the nodes' kubelets' version, else the newest (modelled-version.ts).
    kubernetesVersion: v['kubernetes-version'] !== undefined || config.kubernetesVersion !== undefined ? kubernetesVersion : undefined,
    featureGates,
    rules,
    ruleSettings: config.ruleSettings,
    staticNodes,
    limitRangeFiles,
    namespace: config.namespace ?? DEFAULT_NAMESPACE,
    kubeconfig: v.kubeconfig === undefined ? undefined : path.resolve(io.cwd, v.kubeconfig),
    logLevel,
    shutdownDelayMs,
  };
}

/**
 * The LimitRanges of the settings' files, parsed as the API server stores them (a LimitRange given
 * twice counts once, the later copy); null without files. Throws UsageError.
 */
export async function readServeLimitRanges(s: Pick<ServeSettings, 'limitRangeFiles' | 'namespace'>, io: Io): Promise<LimitRange[] | null> {
  if (s.limitRangeFiles.length === 0) return null;
  const found = await readLimitRangeFiles(s.limitRangeFiles, { defaultNamespace: s.namespace, maxFileBytes: DEFAULT_MAX_FILE_BYTES, readStdin: io.readStdin });
  return [...admissionContext({ defaultNamespace: s.namespace, limitRanges: found }).limitRanges.values()].flat();
}

/** Runs until SIGTERM/SIGINT; resolves with the exit code once everything is closed. */
export async function runServe(argv: string[], io: Io): Promise<number> {
  const s = serveSettings(argv, io);
  if (s === null) return EXIT_OK;
  const staticLimitRanges = await readServeLimitRanges(s, io);
  const [{ startServer }, { StaticNodeView, ClusterNodeView }, { StaticLimitRangeView, ClusterLimitRangeView }, { WebhookMetrics }, { openLogDestination, closeLogDestination }] =
    await Promise.all([
      import('../webhook/serve.js'),
      import('../webhook/plugins/node-cache.js'),
      import('../webhook/plugins/limit-range-cache.js'),
      import('../webhook/plugins/metrics.js'),
      import('../webhook/plugins/log-destination.js'),
    ]);
  const metrics = new WebhookMetrics({ defaultMetrics: true });
  // The cluster views get fastify's logger when the app starts them (build-server.ts). The
  // cluster is read only without a static node view: --node-memory or --node means no cluster.
  const fromCluster = s.staticNodes === null;
  const nodes = s.staticNodes !== null ? new StaticNodeView(s.staticNodes) : new ClusterNodeView({ kubeconfig: s.kubeconfig, metrics });
  const limitRanges =
    staticLimitRanges !== null
      ? new StaticLimitRangeView(staticLimitRanges, 'file')
      : fromCluster
        ? new ClusterLimitRangeView({ kubeconfig: s.kubeconfig, metrics })
        : new StaticLimitRangeView([], 'none');
  // One line per review at info: pino's asynchronous destination writes them in batches
  // instead of one write(2) per line.
  const logs = openLogDestination();
  let running;
  try {
    running = await startServer({ ...s, nodes, limitRanges, metrics, logger: { level: s.logLevel, stream: logs } });
  } catch (err) {
    await closeLogDestination(logs);
    if (err instanceof TlsError) throw new UsageError(err.message);
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE' || e.code === 'EACCES') throw new UsageError(`cannot listen: ${e.message}`);
    throw err;
  }
  // "listening" out now, not with the next batch: whoever started us may be waiting for it.
  logs.flush();
  await running.closed;
  await closeLogDestination(logs);
  return EXIT_OK;
}
