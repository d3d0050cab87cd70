// The node view the webhook judges on. Either static (--node-memory or --node FILE, or the
// config's node), or read from the cluster (cluster-watch.ts: list, then watch) and kept current.
// Until the first list, and whenever the API is unreachable, the last known view (stale) or the
// default capacity is used, and readiness and metrics say so.
import type { CoreV1Api } from '@kubernetes/client-node';
import { NodeError, defaultNodeFacts, nodeFactsFromNodes } from '../../core/node.js';
import type { NodeFacts } from '../../core/node.js';
import { NodePool, fixedPlacement, nodeEntryOf, placerFor } from '../../core/placement.js';
import type { NodeChoice, NodePlacer, Placement } from '../../core/placement.js';
import { formatBytes } from '../../core/quantity.js';
import { kubeletVersionOfNodes } from '../../core/versions.js';
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

/** What kubeletVersionOfNodes says of a view's nodes: a modelled minor, or null (and why, when the nodes say). */
export type KubeletVersion = ReturnType<typeof kubeletVersionOfNodes>;

export interface NodeView {
  /** Where a pod (template) is judged (core/placement.ts): its node, the nodes its selectors match, or all. */
  place(pod: PodLike | null): Placement;
  /** place(pod).facts. */
  factsFor(pod: PodLike | null): NodeFacts;
  status(): NodeViewStatus;
  /** The minor the nodes' kubelets run, when they all run one oomguard models (core/versions.ts kubeletVersionOfNodes). */
  kubeletVersion(): KubeletVersion;
  /** Resolves once the view is usable (the first list answered, failed or timed out). */
  start(log?: Logger): Promise<void>;
  close(): Promise<void>;
}

/**
 * A view that never changes: one capacity for every pod (--node-memory, the config's
 * node.memory), or fixed Node objects (--node FILE, node.file), each pod placed as lint places it.
 */
export class StaticNodeView implements NodeView {
  private readonly placer: NodePlacer;
  private readonly version: KubeletVersion;
  constructor(choice: NodeChoice) {
    this.placer = placerFor(choice);
    this.version = 'nodes' in choice ? kubeletVersionOfNodes(choice.nodes.map((n) => n.object)) : { version: null, note: null };
  }
  kubeletVersion(): KubeletVersion {
    return this.version;
  }
  place(pod: PodLike | null): Placement {
    return this.placer.place(pod);
  }
  factsFor(pod: PodLike | null): NodeFacts {
    return this.placer.place(pod).facts;
  }
  status(): NodeViewStatus {
    const all = this.placer.all;
    if (all.nodeNames.length === 0) {
      return { state: 'static', nodes: 0, lastSync: null, ageSeconds: null, lastError: null, judgedOn: `${formatBytes(all.memoryCapacity)} (${all.source})` };
    }
    const { min, max } = all.capacityRange;
    const range = min === max ? formatBytes(min) : `${formatBytes(min)}–${formatBytes(max)}`;
    const judgedOn = all.nodeNames.length === 1 ? `node ${all.nodeNames[0]}, ${range} (${all.source})` : `smallest of ${all.nodeNames.length} nodes (${range}) (${all.source})`;
    return { state: 'static', nodes: all.nodeNames.length, lastSync: null, ageSeconds: null, lastError: null, judgedOn };
  }
  async start(): Promise<void> {}
  async close(): Promise<void> {}
}

// ---------------------------------------------------------------------------------------------
// The cluster view.

export interface ClusterNodeViewOptions extends ClusterWatchOptions {
  metrics?: WebhookMetrics | null;
  /** Used until the first list, and when the cluster never answered. Default 16Gi. */
  fallback?: NodeFacts;
}

/** A node as the cluster view keeps it. */
interface NodeEntry {
  name: string;
  object: unknown;
}

export class ClusterNodeView extends ClusterWatch implements NodeView {
  private nodes = new Map<string, NodeEntry>();
  private pool: NodePool | null = null;
  /** kubeletVersionOfNodes of the current nodes; null until asked after a change. */
  private version: KubeletVersion | null = null;
  private readonly fallbackPlacement: Placement;
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
    this.fallbackPlacement = fixedPlacement(this.fallback);
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
    this.changed();
  }

  /** After any change of the nodes: the pool and the version are worked out again when next asked. */
  private changed(): void {
    this.pool = null;
    this.version = null;
  }

  protected upsert(obj: unknown): void {
    const e = nodeEntryOf(obj);
    if (e === null) return;
    if (this.usable(e)) this.nodes.set(e.name, e);
    else this.nodes.delete(e.name);
    this.changed();
  }

  protected remove(obj: unknown): void {
    const e = nodeEntryOf(obj);
    if (e !== null) this.nodes.delete(e.name);
    this.changed();
  }

  protected hasView(): boolean {
    return this.nodes.size > 0;
  }

  protected size(): number {
    return this.nodes.size;
  }

  /** The current nodes as a placement pool, rebuilt after any change (its memos go with it). */
  private currentPool(): NodePool | null {
    if (this.nodes.size === 0) return null;
    if (this.pool === null) this.pool = new NodePool([...this.nodes.values()].map((e) => ({ object: e.object, pointer: '' })), 'cluster');
    return this.pool;
  }

  place(pod: PodLike | null): Placement {
    return this.currentPool()?.place(pod) ?? this.fallbackPlacement;
  }

  factsFor(pod: PodLike | null): NodeFacts {
    return this.place(pod).facts;
  }

  kubeletVersion(): KubeletVersion {
    this.version ??= kubeletVersionOfNodes([...this.nodes.values()].map((e) => e.object));
    return this.version;
  }

  status(): NodeViewStatus {
    const all = this.currentPool()?.all ?? null;
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
