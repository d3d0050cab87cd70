// The node view the webhook judges on. Either static (--node-memory or --node FILE, or the
// config's node), or read from the cluster (cluster-watch.ts: list, then watch) and kept current.
// Until the first list, and whenever the API is unreachable, the last known view (stale) or the
// default capacity is used, and readiness and metrics say so.
import type { CoreV1Api } from '@kubernetes/client-node';
import { NodeError, defaultNodeFacts, nodeFactsFromNodes } from '../../core/node.js';
import type { NodeFacts, NodeSource } from '../../core/node.js';
import { formatBytes } from '../../core/quantity.js';
import type { PodLike } from '../../core/types.js';
import { ClusterWatch, ageSeconds } from './cluster-watch.js';
import type { ClusterWatchOptions, Logger } from './cluster-watch.js';
import type { CacheState, WebhookMetrics } from './metrics.js';

export interface NodeViewStatus {
  state: CacheState;
  nodes: number;
  /** ISO time of the last successful list or watch event, and the seconds since. */
  lastSync: string | null;
  ageSeconds: number | null;
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

/** --node-memory: one capacity for every pod. */
export class StaticNodeView implements NodeView {
  constructor(private readonly facts: NodeFacts) {}
  factsFor(): NodeFacts {
    return this.facts;
  }
  status(): NodeViewStatus {
    return { state: 'static', nodes: 0, lastSync: null, ageSeconds: null, lastError: null, judgedOn: `${formatBytes(this.facts.memoryCapacity)} (${this.facts.source})` };
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
    return { state: 'static', nodes: this.snapshot.entries.length, lastSync: null, ageSeconds: null, lastError: null, judgedOn };
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

export interface ClusterNodeViewOptions extends ClusterWatchOptions {
  metrics?: WebhookMetrics | null;
  /** Used until the first list, and when the cluster never answered. Default 16Gi. */
  fallback?: NodeFacts;
}

export class ClusterNodeView extends ClusterWatch implements NodeView {
  private nodes = new Map<string, NodeEntry>();
  private snapshot: Snapshot | null = null;
  private readonly fallback: NodeFacts;

  constructor(opts: ClusterNodeViewOptions) {
    super(
      opts,
      {
        what: 'nodes',
        path: '/api/v1/nodes',
        withoutView: 'judging on the default capacity',
        whileUnreachable: 'judging on the last known view or the default',
      },
      opts.metrics?.nodeCache ?? null,
    );
    this.fallback = opts.fallback ?? defaultNodeFacts();
    this.publish();
  }

  protected list(core: CoreV1Api): Promise<{ items?: unknown[] }> {
    return core.listNode();
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

  protected replaceAll(items: unknown[]): void {
    const next = new Map<string, NodeEntry>();
    for (const item of items) {
      const e = nodeEntryOf(item);
      if (e !== null && this.usable(e)) next.set(e.name, e);
    }
    this.nodes = next;
    this.snapshot = null;
  }

  protected upsert(obj: unknown): void {
    const e = nodeEntryOf(obj);
    if (e === null) return;
    if (this.usable(e)) this.nodes.set(e.name, e);
    else this.nodes.delete(e.name);
    this.snapshot = null;
  }

  protected remove(obj: unknown): void {
    const e = nodeEntryOf(obj);
    if (e !== null) this.nodes.delete(e.name);
    this.snapshot = null;
  }

  protected hasView(): boolean {
    return this.nodes.size > 0;
  }

  protected size(): number {
    return this.nodes.size;
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
      ageSeconds: ageSeconds(this.lastSync),
      lastError: this.lastError,
      judgedOn,
    };
  }
}
