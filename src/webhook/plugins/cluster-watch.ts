// One kind of cluster object read with @kubernetes/client-node (list, then watch; in-cluster config
// or a kubeconfig) and kept current: the machinery the node view and the LimitRange view share.
// Admission never waits for the cluster: start() resolves once the first list has answered, failed
// or timed out; whenever the API is unreachable the last known view is kept (stale), and the
// subclass says what is judged on without one. Errors are retried with a doubling delay, and every
// change of state reaches the view's metrics. The client library is imported lazily: it costs ~0.5 s.
import type { CoreV1Api } from '@kubernetes/client-node';
import type { CacheMetrics, CacheState } from './metrics.js';

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

/** Seconds since `since` (whole), or null. */
export function ageSeconds(since: Date | null): number | null {
  return since === null ? null : Math.max(0, Math.floor((Date.now() - since.getTime()) / 1000));
}

export interface ClusterWatchOptions {
  /** A kubeconfig file; default: KUBECONFIG, ~/.kube/config, then in-cluster config. */
  kubeconfig?: string;
  /** Default: the logger start() gets, else silent. */
  log?: Logger;
  /** How long start() waits for the first list (default 5 s). */
  initialSyncTimeoutMs?: number;
  /** First retry delay after an error, doubled up to maxRetryMs (defaults 1 s, 30 s). */
  retryMs?: number;
  maxRetryMs?: number;
}

/** What a subclass watches, and how its log lines name it. */
export interface WatchedResource {
  /** The log prefix, e.g. "nodes". */
  what: string;
  /** The API path listed and watched, e.g. /api/v1/nodes. */
  path: string;
  /** How admission goes on without a view (no cluster configuration), e.g. "judging on the default capacity". */
  withoutView: string;
  /** How admission goes on while the API is unreachable, e.g. "judging on the last known view or the default". */
  whileUnreachable: string;
}

type Informer = { start(): Promise<void>; stop(): Promise<void>; on(verb: string, cb: (x: unknown) => void): void };

export abstract class ClusterWatch {
  protected state: CacheState = 'starting';
  protected lastSync: Date | null = null;
  protected lastError: string | null = null;
  protected log: Logger;
  private informer: Informer | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay: number;
  private closed = false;
  private generation = 0;
  private makeInformer: (() => Promise<Informer>) | null = null;
  private onFirstAnswer: (() => void) | null = null;

  constructor(
    private readonly watchOpts: ClusterWatchOptions,
    private readonly resource: WatchedResource,
    private readonly cacheMetrics: CacheMetrics | null,
  ) {
    this.log = watchOpts.log ?? { info() {}, warn() {} };
    this.retryDelay = watchOpts.retryMs ?? 1000;
  }

  /** The list request, e.g. core.listNode(). */
  protected abstract list(core: CoreV1Api): Promise<{ items?: unknown[] }>;
  /** A list answered: these are all the objects now. */
  protected abstract replaceAll(items: unknown[]): void;
  /** A watch event ADDED or MODIFIED. */
  protected abstract upsert(obj: unknown): void;
  /** A watch event DELETED. */
  protected abstract remove(obj: unknown): void;
  /** Whether what is held is a view to judge on: fresh after a sync, stale after an error (else default). */
  protected abstract hasView(): boolean;
  /** How many objects the view holds (the size metric, log lines). */
  protected abstract size(): number;

  async start(log?: Logger): Promise<void> {
    if (this.watchOpts.log === undefined && log !== undefined) this.log = log;
    const { what, path } = this.resource;
    const k8s = await import('@kubernetes/client-node');
    const kc = new k8s.KubeConfig();
    let core: CoreV1Api;
    try {
      if (this.watchOpts.kubeconfig !== undefined) kc.loadFromFile(this.watchOpts.kubeconfig);
      else kc.loadFromDefault();
      core = kc.makeApiClient(k8s.CoreV1Api);
    } catch (err) {
      // No usable kubeconfig: serve without the view rather than refuse to start.
      this.state = 'default';
      this.lastError = `cannot load the cluster configuration: ${(err as Error).message}`;
      this.log.warn({ err: this.lastError }, `${what}: ${this.resource.withoutView}`);
      this.publish();
      return;
    }
    this.makeInformer = async () => {
      const generation = ++this.generation;
      const informer = k8s.makeInformer(kc, path, async () => {
        const list = await this.list(core);
        if (generation === this.generation) {
          this.replaceAll(list.items ?? []);
          this.synced();
        }
        return list as never;
      }) as unknown as Informer;
      const mine = (f: (x: unknown) => void) => (x: unknown) => {
        if (generation === this.generation) f(x);
      };
      const changed = (f: (x: unknown) => void) =>
        mine((x) => {
          f(x);
          this.synced();
        });
      informer.on('add', changed((o) => this.upsert(o)));
      informer.on('update', changed((o) => this.upsert(o)));
      informer.on('delete', changed((o) => this.remove(o)));
      informer.on('error', mine((err) => this.failed(err)));
      return informer;
    };
    const first = new Promise<void>((resolve) => {
      this.onFirstAnswer = resolve;
    });
    await this.connect();
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, this.watchOpts.initialSyncTimeoutMs ?? 5000).unref());
    await Promise.race([first, timeout]);
    if (this.state === 'starting') {
      // No answer at all (a hung API server): go on without a view now, and start over later
      // with a fresh list (the pending one is abandoned: its generation is stale).
      this.failed(new Error(`no answer from the API server within ${this.watchOpts.initialSyncTimeoutMs ?? 5000} ms`));
    }
  }

  private async connect(): Promise<void> {
    if (this.closed || this.makeInformer === null) return;
    const informer = await this.makeInformer();
    this.informer = informer;
    const generation = this.generation;
    const syncedBefore = this.lastSync;
    informer.start().catch((err: unknown) => this.failed(err));
    // A list that never answers raises no error: give up on it after a while and start over.
    if (this.state !== 'starting') {
      const limit = Math.max(this.watchOpts.initialSyncTimeoutMs ?? 5000, 10_000);
      setTimeout(() => {
        if (!this.closed && generation === this.generation && this.lastSync === syncedBefore) {
          this.failed(new Error(`no answer from the API server within ${limit} ms`));
        }
      }, limit).unref();
    }
  }

  private synced(): void {
    const wasFresh = this.state === 'fresh';
    this.lastSync = new Date();
    this.lastError = null;
    this.retryDelay = this.watchOpts.retryMs ?? 1000;
    this.state = this.hasView() ? 'fresh' : 'default';
    if (!wasFresh && this.state === 'fresh') this.log.info({ [this.resource.what]: this.size() }, `${this.resource.what}: synced with the API server`);
    this.publish();
    this.onFirstAnswer?.();
  }

  private failed(err: unknown): void {
    if (this.closed) return;
    this.lastError = describeError(err);
    this.state = this.hasView() ? 'stale' : 'default';
    this.cacheMetrics?.countError(errorReason(err));
    this.log.warn(
      { err: this.lastError, state: this.state, retryInMs: this.retryDelay },
      `${this.resource.what}: API server unreachable; ${this.resource.whileUnreachable}`,
    );
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
    this.retryDelay = Math.min(this.retryDelay * 2, this.watchOpts.maxRetryMs ?? 30_000);
  }

  /** Hands the state to the metrics; subclasses add their own series. */
  protected publish(): void {
    this.cacheMetrics?.setState(this.state, this.size(), this.lastSync);
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
