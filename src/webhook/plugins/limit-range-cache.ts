// The LimitRanges the webhook judges with: the LimitRanger admission plugin fills missing container
// requests and limits from those of the Pod's namespace, and refuses Pods out of their bounds. Either
// static (--limit-ranges FILE; none when serve judges on a static node view), or read from the
// cluster (cluster-watch.ts: list, then watch) and kept current; whenever the API is unreachable the
// last known LimitRanges are used (stale), and before the first list none (default), and readiness
// and metrics say so. Within a namespace they are sorted by name: the cluster applies several in
// an order it does not define, and oomguard's answers must not depend on the order of watch events.
import type { CoreV1Api } from '@kubernetes/client-node';
import { limitRangesByNamespace, parseLimitRange } from '../../core/limit-range.js';
import { SpecError } from '../../core/pod.js';
import { QuantityError } from '../../core/quantity.js';
import { pointerToField } from '../../engine/pointer.js';
import type { LimitRange } from '../../core/types.js';
import { ClusterWatch, ageSeconds, describeError } from './cluster-watch.js';
import type { ClusterWatchOptions, Logger } from './cluster-watch.js';
import type { CacheState, WebhookMetrics } from './metrics.js';

/** Where the LimitRanges come from. */
export type LimitRangeSource = 'cluster' | 'file' | 'none';

/** A LimitRange left out of the view, and why. */
export interface InvalidLimitRange {
  /** "namespace/name". */
  limitRange: string;
  error: string;
}

export interface LimitRangeViewStatus {
  state: CacheState;
  source: LimitRangeSource;
  limitRanges: number;
  namespaces: number;
  /** ISO time of the last successful list or watch event, and the seconds since. */
  lastSync: string | null;
  ageSeconds: number | null;
  lastError: string | null;
  /** LimitRanges left out as invalid: how many, and the first few. */
  invalid: number;
  invalidExamples: InvalidLimitRange[];
}

export interface LimitRangeView {
  /** The LimitRanges of a namespace, sorted by name (the same array until the view changes). */
  forNamespace(namespace: string): readonly LimitRange[];
  status(): LimitRangeViewStatus;
  /** Resolves once the view is usable (the first list answered, failed or timed out). */
  start(log?: Logger): Promise<void>;
  close(): Promise<void>;
}

const NONE: readonly LimitRange[] = [];
/** How many invalid LimitRanges /readyz names. */
const MAX_INVALID_SHOWN = 10;

/** LimitRanges by namespace, each list sorted by name. */
export function groupByNamespace(limitRanges: Iterable<LimitRange>): Map<string, LimitRange[]> {
  return limitRangesByNamespace([...limitRanges].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
}

/** --limit-ranges FILE, or none at all (a static node view and no file: the cluster is not read). */
export class StaticLimitRangeView implements LimitRangeView {
  private readonly byNamespace: Map<string, LimitRange[]>;
  private readonly count: number;
  constructor(
    limitRanges: readonly LimitRange[] = [],
    private readonly source: Exclude<LimitRangeSource, 'cluster'> = limitRanges.length > 0 ? 'file' : 'none',
  ) {
    this.byNamespace = groupByNamespace(limitRanges);
    this.count = limitRanges.length;
  }
  forNamespace(namespace: string): readonly LimitRange[] {
    return this.byNamespace.get(namespace) ?? NONE;
  }
  status(): LimitRangeViewStatus {
    return {
      state: 'static',
      source: this.source,
      limitRanges: this.count,
      namespaces: this.byNamespace.size,
      lastSync: null,
      ageSeconds: null,
      lastError: null,
      invalid: 0,
      invalidExamples: [],
    };
  }
  async start(): Promise<void> {}
  async close(): Promise<void> {}
}

export interface ClusterLimitRangeViewOptions extends ClusterWatchOptions {
  metrics?: WebhookMetrics | null;
}

/** What the view holds for one LimitRange of the cluster: parsed, or why it could not be. */
type Entry = { limitRange: LimitRange; invalid?: undefined } | { limitRange?: undefined; invalid: string };

/** "namespace/name" of a LimitRange object from the API, or null without a name. */
function keyOf(obj: unknown): { namespace: string; key: string } | null {
  const meta = typeof obj === 'object' && obj !== null ? (obj as { metadata?: { namespace?: unknown; name?: unknown } }).metadata : undefined;
  if (typeof meta?.name !== 'string' || meta.name === '') return null;
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : '';
  return { namespace, key: `${namespace}/${meta.name}` };
}

export class ClusterLimitRangeView extends ClusterWatch implements LimitRangeView {
  private entries = new Map<string, Entry>();
  private valid = 0;
  private byNamespace: Map<string, LimitRange[]> | null = null;
  /** True once a list has answered: from then on an empty view is a view (no LimitRanges), not none. */
  private listed = false;
  private readonly metrics: WebhookMetrics | null;

  constructor(opts: ClusterLimitRangeViewOptions) {
    super(
      opts,
      {
        what: 'limitranges',
        path: '/api/v1/limitranges',
        withoutView: 'judging without LimitRanges',
        whileUnreachable: 'judging with the last known LimitRanges, or none',
      },
      opts.metrics?.limitRangeCache ?? null,
    );
    this.metrics = opts.metrics ?? null;
    this.publish();
  }

  protected list(core: CoreV1Api): Promise<{ items?: unknown[] }> {
    return core.listLimitRangeForAllNamespaces();
  }

  /**
   * Parses one LimitRange as the API server stores it. An invalid one (the API server would not
   * have stored it; a newer or older API server may validate differently) is left out, and said
   * so once per object and error, never thrown: a throw here would fail the whole list.
   */
  private entryOf(obj: unknown, namespace: string, key: string, before: Entry | undefined): Entry {
    try {
      return { limitRange: parseLimitRange(obj as Record<string, unknown>, namespace) };
    } catch (err) {
      const path = err instanceof SpecError || err instanceof QuantityError ? err.path : undefined;
      const invalid = path !== undefined ? `${pointerToField(path)}: ${(err as Error).message}` : describeError(err);
      if (before?.invalid !== invalid) this.log.warn({ limitRange: key, err: invalid }, 'limitranges: leaving out an invalid LimitRange');
      return { invalid };
    }
  }

  private changed(): void {
    this.byNamespace = null;
    let valid = 0;
    for (const e of this.entries.values()) if (e.limitRange !== undefined) valid++;
    this.valid = valid;
  }

  protected replaceAll(items: unknown[]): void {
    const next = new Map<string, Entry>();
    for (const item of items) {
      const k = keyOf(item);
      if (k !== null) next.set(k.key, this.entryOf(item, k.namespace, k.key, this.entries.get(k.key)));
    }
    this.entries = next;
    this.listed = true;
    this.changed();
  }

  protected upsert(obj: unknown): void {
    const k = keyOf(obj);
    if (k === null) return;
    this.entries.set(k.key, this.entryOf(obj, k.namespace, k.key, this.entries.get(k.key)));
    this.changed();
  }

  protected remove(obj: unknown): void {
    const k = keyOf(obj);
    if (k !== null && this.entries.delete(k.key)) this.changed();
  }

  protected hasView(): boolean {
    return this.listed;
  }

  protected size(): number {
    return this.valid;
  }

  protected override publish(): void {
    super.publish();
    this.metrics?.limitRangesInvalid.set(this.entries.size - this.valid);
  }

  /** Regrouped on the first read after a change: events are rare, reviews many. */
  private grouped(): Map<string, LimitRange[]> {
    if (this.byNamespace === null) {
      const all: LimitRange[] = [];
      for (const e of this.entries.values()) if (e.limitRange !== undefined) all.push(e.limitRange);
      this.byNamespace = groupByNamespace(all);
    }
    return this.byNamespace;
  }

  forNamespace(namespace: string): readonly LimitRange[] {
    return this.grouped().get(namespace) ?? NONE;
  }

  status(): LimitRangeViewStatus {
    const invalidExamples: InvalidLimitRange[] = [];
    for (const [limitRange, e] of this.entries) {
      if (invalidExamples.length >= MAX_INVALID_SHOWN) break;
      if (e.invalid !== undefined) invalidExamples.push({ limitRange, error: e.invalid });
    }
    return {
      state: this.state,
      source: 'cluster',
      limitRanges: this.valid,
      namespaces: this.grouped().size,
      lastSync: this.lastSync?.toISOString() ?? null,
      ageSeconds: ageSeconds(this.lastSync),
      lastError: this.lastError,
      invalid: this.entries.size - this.valid,
      invalidExamples,
    };
  }
}
