// The node view the webhook judges on. Either static (--node-memory or --node FILE, or the
// config's node), or read from the cluster with @kubernetes/client-node (list, then watch; in-cluster config or a
// kubeconfig) and kept current. Admission never waits for the cluster: until the first list, and
// whenever the API is unreachable, the last known view (stale) or the default capacity is used,
// and readiness and metrics say so. The client library is imported lazily: it costs ~0.5 s.
import { NodeError, defaultNodeFacts, nodeFactsFromNodes } from '../../core/node.js';
import type { NodeFacts, NodeSource } from '../../core/node.js';
import { formatBytes } from '../../core/quantity.js';
import type { PodLike } from '../../core/types.js';
import type { NodeCacheState, WebhookMetrics } from './metrics.js';

export interface NodeViewStatus {
  state: NodeCacheState;
  nodes: number;
  /** ISO time of the last successful list or watch event. */
  lastSync: string | null;
  lastError: string | null;
  /** What a review is judged on when the pod names no node. */
  judgedOn: string;
}

export interface NodeView {
  /** Facts for a pod (template): its node (nodeName), the nodes its selectors match, or all. */
  factsFor(pod: PodLike | null): NodeFacts;
  status(): NodeViewStatus;
  /** Resolves once the view is usable (the first list answered, failed or timed out). */
  start(log?: Logger): Promise<void>;
  close(): Promise<void>;
}

export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Errors nest: one link of an error's chain, as much as the chain says about it. */
interface ErrorLink {
  message?: unknown;
  code?: unknown;
  statusCode?: unknown;
  cause?: unknown;
}

/** The links of err.cause, outermost first; bounded, since a cause may point back at itself. */
function causeChain(err: unknown): ErrorLink[] {
  const chain: ErrorLink[] = [];
  for (let e = err; e !== null && e !== undefined && chain.length < 8; e = (e as ErrorLink).cause) {
    if (typeof e !== 'object') {
      chain.push({ message: String(e) });
      break;
    }
    if (chain.includes(e as ErrorLink)) break;
    chain.push(e as ErrorLink);
  }
  return chain;
}

/**
 * One line for an error and every cause under it. client-node 2.x reads the API with undici's fetch,
 * whose errors say only "fetch failed": the reason (connect ECONNREFUSED 10.0.0.1:443, a
 * certificate error, a DNS failure) is in err.cause, and readiness, metrics and logs must show it.
 */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  for (const e of causeChain(err)) {
    const text = typeof e.message === 'string' && e.message !== '' ? e.message : String(e.code ?? e.statusCode ?? 'unknown error');
    // "fetch failed: connect ECONNREFUSED …" rather than repeating a cause already quoted.
    if (parts.length === 0 || !parts[parts.length - 1].includes(text)) parts.push(text);
  }
  return parts.join(': ') || 'unknown error';
}

/** A short, bounded label for metrics: the innermost error code (ECONNREFUSED), an HTTP status, or "error". */
export function errorReason(err: unknown): string {
  let reason = 'error';
  for (const e of causeChain(err)) {
    if (typeof e.code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(e.code)) reason = e.code;
    else if (typeof e.statusCode === 'number' || typeof e.code === 'number') reason = `http_${Number(e.statusCode ?? e.code)}`;
    else if (typeof e.message === 'string' && e.message.startsWith('no answer from the API server')) reason = 'timeout';
  }
  return reason;
}

/** --node-memory: one capacity for every pod. */
export class StaticNodeView implements NodeView {
  constructor(private readonly facts: NodeFacts) {}
  factsFor(): NodeFacts {
    return this.facts;
  }
  status(): NodeViewStatus {
    return { state: 'static', nodes: 0, lastSync: null, lastError: null, judgedOn: `${formatBytes(this.facts.memoryCapacity)} (${this.facts.source})` };
  }
  async start(): Promise<void> {}
  async close(): Promise<void> {}
}

/**
 * --node FILE (or the config's node.file): fixed Node objects, each pod judged as the cluster view
 * does, on the node it is bound or selected to, else on the worst case across them.
 */
export class NodeListView implements NodeView {
  private readonly snapshot: Snapshot;
  /** `nodes` must all have a usable memory capacity (readNodeFile checks it). */
  constructor(
    nodes: ReadonlyArray<{ object: unknown }>,
    private readonly source: NodeSource = 'node-file',
  ) {
    if (nodes.length === 0) throw new RangeError('NodeListView needs at least one node');
    this.snapshot = new Snapshot(
      nodes.map((n) => nodeEntryOf(n.object, '(unnamed)')!),
      source,
    );
  }
  factsFor(pod: PodLike | null): NodeFacts {
    return this.snapshot.factsFor(pod)!;
  }
  status(): NodeViewStatus {
    const all = this.snapshot.allFacts()!;
    const { min, max } = all.capacityRange;
    const range = min === max ? formatBytes(min) : `${formatBytes(min)}–${formatBytes(max)}`;
    const judgedOn = all.nodeNames.length === 1 ? `node ${all.nodeNames[0]}, ${range} (${this.source})` : `smallest of ${all.nodeNames.length} nodes (${range}) (${this.source})`;
    return { state: 'static', nodes: this.snapshot.entries.length, lastSync: null, lastError: null, judgedOn };
  }
  async start(): Promise<void> {}
  async close(): Promise<void> {}
}

// ---------------------------------------------------------------------------------------------
// Node selection.

interface NodeEntry {
  name: string;
  labels: Record<string, string>;
  object: unknown;
}

/** The name and labels the selection needs; null without metadata.name unless a fallback is given. */
function nodeEntryOf(obj: unknown, fallbackName?: string): NodeEntry | null {
  const meta = isMapping(obj) && isMapping(obj.metadata) ? obj.metadata : null;
  const name = meta !== null && typeof meta.name === 'string' ? meta.name : fallbackName;
  if (name === undefined) return null;
  const labels: Record<string, string> = {};
  if (meta !== null && isMapping(meta.labels)) for (const [k, v] of Object.entries(meta.labels)) labels[k] = String(v);
  return { name, labels, object: obj };
}

type Requirement = { key: string; operator: string; values?: string[] };

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function matchesExpression(value: string | undefined, r: Requirement): boolean {
  const values = Array.isArray(r.values) ? r.values.filter((v): v is string => typeof v === 'string') : [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0])) return false;
      return r.operator === 'Gt' ? BigInt(value) > BigInt(values[0]) : BigInt(value) < BigInt(values[0]);
    }
    default:
      return false;
  }
}

/**
 * The scheduler's node filter, as far as the pod spec says: nodeSelector (every label equal) and
 * required node affinity (any term; within a term every expression and field). Returns null when
 * the pod constrains nothing.
 */
export function nodeFilter(pod: PodLike | null): ((n: NodeEntry) => boolean) | null {
  const spec = pod !== null && isMapping(pod) && isMapping(pod.spec) ? pod.spec : null;
  if (spec === null) return null;
  const selector = isMapping(spec.nodeSelector) ? (spec.nodeSelector as Record<string, unknown>) : null;
  const affinity = isMapping(spec.affinity) && isMapping(spec.affinity.nodeAffinity) ? spec.affinity.nodeAffinity : null;
  const required = affinity !== null && isMapping(affinity.requiredDuringSchedulingIgnoredDuringExecution) ? affinity.requiredDuringSchedulingIgnoredDuringExecution : null;
  const terms = required !== null && Array.isArray(required.nodeSelectorTerms) ? required.nodeSelectorTerms.filter(isMapping) : [];
  const selectorEntries = selector === null ? [] : Object.entries(selector);
  if (selectorEntries.length === 0 && terms.length === 0) return null;
  return (n) => {
    // Only strings can equal a label (and String() of a nested array would recurse).
    for (const [k, v] of selectorEntries) if (typeof v !== 'string' || n.labels[k] !== v) return false;
    if (terms.length === 0) return true;
    return terms.some((term) => {
      const exprs = Array.isArray(term.matchExpressions) ? (term.matchExpressions.filter(isMapping) as unknown as Requirement[]) : [];
      const fields = Array.isArray(term.matchFields) ? (term.matchFields.filter(isMapping) as unknown as Requirement[]) : [];
      if (exprs.length === 0 && fields.length === 0) return false; // an empty term matches nothing
      return (
        exprs.every((r) => typeof r.key === 'string' && matchesExpression(n.labels[r.key], r)) &&
        fields.every((r) => r.key === 'metadata.name' && matchesExpression(n.name, r))
      );
    });
  };
}

/**
 * Memoised facts over a node snapshot; rebuilt whenever the snapshot changes. The same selection
 * gets the same NodeFacts object, so the engine's per-node preparation is reused.
 */
class Snapshot {
  private all: NodeFacts | null = null;
  private bySelection = new Map<string, NodeFacts | null>();
  private byName = new Map<string, NodeFacts>();
  constructor(
    readonly entries: NodeEntry[],
    private readonly source: NodeSource = 'cluster',
  ) {}

  private facts(entries: NodeEntry[]): NodeFacts | null {
    if (entries.length === 0) return null;
    return nodeFactsFromNodes(
      entries.map((e) => ({ object: e.object, pointer: '' })),
      this.source,
    );
  }

  allFacts(): NodeFacts | null {
    if (this.all === null) this.all = this.facts(this.entries);
    return this.all;
  }

  factsFor(pod: PodLike | null): NodeFacts | null {
    const spec = pod !== null && isMapping(pod) && isMapping(pod.spec) ? pod.spec : null;
    const nodeName = spec !== null && typeof spec.nodeName === 'string' && spec.nodeName !== '' ? spec.nodeName : null;
    if (nodeName !== null) {
      const known = this.byName.get(nodeName);
      if (known !== undefined) return known;
      const e = this.entries.find((x) => x.name === nodeName);
      if (e !== undefined) {
        const facts = this.facts([e])!;
        if (this.byName.size > 4096) this.byName.clear();
        this.byName.set(nodeName, facts);
        return facts;
      }
    }
    const filter = nodeFilter(pod);
    if (filter === null) return this.allFacts();
    let key: string;
    try {
      key = JSON.stringify([spec?.nodeSelector ?? null, (spec?.affinity as Record<string, unknown> | undefined)?.nodeAffinity ?? null]);
    } catch {
      // Absurdly nested selectors (JSON.stringify recurses): filter without memoising.
      return this.facts(this.entries.filter(filter)) ?? this.allFacts();
    }
    if (!this.bySelection.has(key)) {
      if (this.bySelection.size > 256) this.bySelection.clear();
      // Selectors matching no node: the pod would stay Pending; judge on every node.
      this.bySelection.set(key, this.facts(this.entries.filter(filter)));
    }
    return this.bySelection.get(key) ?? this.allFacts();
  }
}

// ---------------------------------------------------------------------------------------------
// The cluster view.

export interface ClusterNodeViewOptions {
  /** A kubeconfig file; default: KUBECONFIG, ~/.kube/config, then in-cluster config. */
  kubeconfig?: string;
  /** Default: the logger start() gets, else silent. */
  log?: Logger;
  metrics?: WebhookMetrics | null;
  /** Used until the first list, and when the cluster never answered. Default 16Gi. */
  fallback?: NodeFacts;
  /** How long start() waits for the first list (default 5 s). */
  initialSyncTimeoutMs?: number;
  /** First retry delay after an error, doubled up to maxRetryMs (defaults 1 s, 30 s). */
  retryMs?: number;
  maxRetryMs?: number;
}

type Informer = { start(): Promise<void>; stop(): Promise<void>; on(verb: string, cb: (x: unknown) => void): void };

export class ClusterNodeView implements NodeView {
  private nodes = new Map<string, NodeEntry>();
  private snapshot: Snapshot | null = null;
  private state: NodeCacheState = 'starting';
  private lastSync: Date | null = null;
  private lastError: string | null = null;
  private informer: Informer | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay: number;
  private closed = false;
  private generation = 0;
  private readonly fallback: NodeFacts;
  private makeInformer: (() => Promise<Informer>) | null = null;
  private log: Logger;

  constructor(private readonly opts: ClusterNodeViewOptions) {
    this.fallback = opts.fallback ?? defaultNodeFacts();
    this.log = opts.log ?? { info() {}, warn() {} };
    this.retryDelay = opts.retryMs ?? 1000;
    this.publish();
  }

  async start(log?: Logger): Promise<void> {
    if (this.opts.log === undefined && log !== undefined) this.log = log;
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    let core: InstanceType<typeof k8s.CoreV1Api>;
    try {
      if (this.opts.kubeconfig !== undefined) kc.loadFromFile(this.opts.kubeconfig);
      else kc.loadFromDefault();
      core = kc.makeApiClient(k8s.CoreV1Api);
    } catch (err) {
      // No usable kubeconfig: serve on the default rather than refuse to start.
      this.state = 'default';
      this.lastError = `cannot load the cluster configuration: ${(err as Error).message}`;
      this.log.warn({ err: this.lastError }, 'nodes: judging on the default capacity');
      this.publish();
      return;
    }
    this.makeInformer = async () => {
      const generation = ++this.generation;
      const informer = k8s.makeInformer(kc, '/api/v1/nodes', async () => {
        const list = await core.listNode();
        if (generation === this.generation) this.replaceAll(list.items ?? []);
        return list;
      }) as unknown as Informer;
      const mine = (f: (x: unknown) => void) => (x: unknown) => {
        if (generation === this.generation) f(x);
      };
      informer.on('add', mine((n) => this.upsert(n)));
      informer.on('update', mine((n) => this.upsert(n)));
      informer.on('delete', mine((n) => this.remove(n)));
      informer.on('error', mine((err) => this.failed(err)));
      return informer;
    };
    const first = new Promise<void>((resolve) => {
      this.onFirstAnswer = resolve;
    });
    await this.connect();
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, this.opts.initialSyncTimeoutMs ?? 5000).unref());
    await Promise.race([first, timeout]);
    if (this.state === 'starting') {
      // No answer at all (a hung API server): judge on the default now, and start over later
      // with a fresh list (the pending one is abandoned: its generation is stale).
      this.failed(new Error(`no answer from the API server within ${this.opts.initialSyncTimeoutMs ?? 5000} ms`));
    }
  }

  private onFirstAnswer: (() => void) | null = null;

  private async connect(): Promise<void> {
    if (this.closed || this.makeInformer === null) return;
    const informer = await this.makeInformer();
    this.informer = informer;
    const generation = this.generation;
    const syncedBefore = this.lastSync;
    informer.start().catch((err: unknown) => this.failed(err));
    // A list that never answers raises no error: give up on it after a while and start over.
    if (this.state !== 'starting') {
      const limit = Math.max(this.opts.initialSyncTimeoutMs ?? 5000, 10_000);
      setTimeout(() => {
        if (!this.closed && generation === this.generation && this.lastSync === syncedBefore) {
          this.failed(new Error(`no answer from the API server within ${limit} ms`));
        }
      }, limit).unref();
    }
  }

  private entryOf(obj: unknown): NodeEntry | null {
    return nodeEntryOf(obj);
  }

  private usable(e: NodeEntry): boolean {
    try {
      nodeFactsFromNodes([{ object: e.object, pointer: '' }], 'cluster');
      return true;
    } catch (err) {
      if (err instanceof NodeError) {
        this.log.warn({ node: e.name, err: err.message }, 'nodes: ignoring a node without a usable memory capacity');
        return false;
      }
      throw err;
    }
  }

  private replaceAll(items: unknown[]): void {
    const next = new Map<string, NodeEntry>();
    for (const item of items) {
      const e = this.entryOf(item);
      if (e !== null && this.usable(e)) next.set(e.name, e);
    }
    this.nodes = next;
    this.synced();
  }

  private upsert(obj: unknown): void {
    const e = this.entryOf(obj);
    if (e === null) return;
    if (this.usable(e)) this.nodes.set(e.name, e);
    else this.nodes.delete(e.name);
    this.synced();
  }

  private remove(obj: unknown): void {
    const e = this.entryOf(obj);
    if (e !== null) this.nodes.delete(e.name);
    this.synced();
  }

  private synced(): void {
    const wasFresh = this.state === 'fresh';
    this.snapshot = null;
    this.lastSync = new Date();
    this.lastError = null;
    this.retryDelay = this.opts.retryMs ?? 1000;
    this.state = this.nodes.size > 0 ? 'fresh' : 'default';
    if (!wasFresh && this.state === 'fresh') this.log.info({ nodes: this.nodes.size }, 'nodes: synced with the API server');
    this.publish();
    this.onFirstAnswer?.();
  }

  private failed(err: unknown): void {
    if (this.closed) return;
    this.lastError = describeError(err);
    this.state = this.nodes.size > 0 ? 'stale' : 'default';
    this.opts.metrics?.countNodeCacheError(errorReason(err));
    this.log.warn({ err: this.lastError, state: this.state, retryInMs: this.retryDelay }, 'nodes: API server unreachable; judging on the last known view or the default');
    this.publish();
    this.onFirstAnswer?.();
    const old = this.informer;
    this.informer = null;
    this.generation++;
    old?.stop().catch(() => {});
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect().catch((error: unknown) => this.failed(error));
    }, this.retryDelay);
    this.retryTimer.unref();
    this.retryDelay = Math.min(this.retryDelay * 2, this.opts.maxRetryMs ?? 30_000);
  }

  private publish(): void {
    this.opts.metrics?.setNodeCacheState(this.state, this.nodes.size);
  }

  private currentSnapshot(): Snapshot | null {
    if (this.nodes.size === 0) return null;
    if (this.snapshot === null) this.snapshot = new Snapshot([...this.nodes.values()]);
    return this.snapshot;
  }

  factsFor(pod: PodLike | null): NodeFacts {
    return this.currentSnapshot()?.factsFor(pod) ?? this.fallback;
  }

  status(): NodeViewStatus {
    const all = this.currentSnapshot()?.allFacts() ?? null;
    const judgedOn =
      all === null
        ? `default ${formatBytes(this.fallback.memoryCapacity)}`
        : `smallest of ${all.nodeNames.length} nodes (${formatBytes(all.capacityRange.min)}–${formatBytes(all.capacityRange.max)})`;
    return {
      state: this.state,
      nodes: this.nodes.size,
      lastSync: this.lastSync?.toISOString() ?? null,
      lastError: this.lastError,
      judgedOn,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.generation++;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    const informer = this.informer;
    this.informer = null;
    await informer?.stop().catch(() => {});
  }
}
