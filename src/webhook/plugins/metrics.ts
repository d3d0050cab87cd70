// Prometheus metrics (prom-client) in a registry of their own, served on a separate plain-HTTP
// port so scraping never touches the TLS admission listener. createMetricsServer returns the
// server without listening (serve.ts listens).
import http from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The state of a view of the cluster (nodes, LimitRanges). static: not read from the cluster
 * (flags or files); starting: before the first list; fresh: synced; stale: the last known view,
 * the API unreachable; default: no view (never listed, or no usable nodes).
 */
export const CACHE_STATES = ['static', 'starting', 'fresh', 'stale', 'default'] as const;
export type CacheState = (typeof CACHE_STATES)[number];

/** The series of one view of the cluster: its state, its size, when it last synced, its read errors. */
export class CacheMetrics {
  readonly state: Gauge<'state'>;
  readonly size: Gauge;
  readonly lastSync: Gauge;
  readonly errors: Counter<'reason'>;

  /**
   * `prefix` e.g. oomguard_node_cache; `view` names it in help texts ("node view"), `objects` what
   * it holds ("Nodes"), `size` the suffix of their gauge, `states` what each state means.
   */
  constructor(registers: Registry[], o: { prefix: string; view: string; objects: string; size: string; states: string }) {
    const View = o.view[0].toUpperCase() + o.view.slice(1);
    this.state = new Gauge({ name: `${o.prefix}_state`, help: `${View} in use: 1 for the current state (${o.states})`, labelNames: ['state'], registers });
    this.size = new Gauge({ name: `${o.prefix}_${o.size}`, help: `${o.objects} in the ${o.view}`, registers });
    this.lastSync = new Gauge({
      name: `${o.prefix}_last_sync_timestamp_seconds`,
      help: `Last successful list or watch event of the ${o.view} (Unix time; 0 before the first)`,
      registers,
    });
    this.errors = new Counter({
      name: `${o.prefix}_errors_total`,
      help: `Failed reads of the cluster's ${o.objects}, by reason: the innermost error code (ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED, ...), http_STATUS, or timeout`,
      labelNames: ['reason'],
      registers,
    });
    for (const state of CACHE_STATES) this.state.set({ state }, 0);
  }

  setState(state: CacheState, size: number, lastSync: Date | null = null): void {
    for (const s of CACHE_STATES) this.state.set({ state: s }, s === state ? 1 : 0);
    this.size.set(size);
    if (lastSync !== null) this.lastSync.set(lastSync.getTime() / 1000);
  }

  countError(reason: string): void {
    this.errors.inc({ reason });
  }
}

/**
 * Counts kept in nested maps keyed by label values (the same few strings each time, so lookups
 * hash nothing new), added to a prom-client counter when it is collected: prom-client builds and
 * hashes a label string on every inc, which the per-review path can do without.
 */
class PendingCounts {
  private readonly counts = new Map<string, Map<string, Map<string, number>>>();

  add(a: string, b: string, c = ''): void {
    let byB = this.counts.get(a);
    if (byB === undefined) this.counts.set(a, (byB = new Map()));
    let byC = byB.get(b);
    if (byC === undefined) byB.set(b, (byC = new Map()));
    byC.set(c, (byC.get(c) ?? 0) + 1);
  }

  /** Hands every count to `inc` and forgets it. */
  drain(inc: (a: string, b: string, c: string, n: number) => void): void {
    for (const [a, byB] of this.counts) for (const [b, byC] of byB) for (const [c, n] of byC) if (n > 0) inc(a, b, c, n);
    for (const byB of this.counts.values()) for (const byC of byB.values()) for (const c of byC.keys()) byC.set(c, 0);
  }
}

/** The review endpoints, the one label of the latency histogram. */
export type ReviewEndpoint = 'validate' | 'mutate';
const ENDPOINT_LABELS: Readonly<Record<ReviewEndpoint, { endpoint: ReviewEndpoint }>> = { validate: { endpoint: 'validate' }, mutate: { endpoint: 'mutate' } };

export class WebhookMetrics {
  readonly registry = new Registry();
  private readonly pendingReviews = new PendingCounts();
  private readonly pendingFindings = new PendingCounts();
  readonly reviews: Counter<'endpoint' | 'decision'>;
  readonly findings: Counter<'endpoint' | 'rule' | 'severity'>;
  readonly latency: Histogram<'endpoint'>;
  readonly errors: Counter<'endpoint' | 'reason'>;
  readonly nodeCache: CacheMetrics;
  readonly limitRangeCache: CacheMetrics;
  /** LimitRanges of the cluster left out because oomguard cannot read them (the API server would not store them). */
  readonly limitRangesInvalid: Gauge;
  readonly tlsReloads: Counter<'result'>;
  readonly tlsNotAfter: Gauge;

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    const pendingReviews = this.pendingReviews;
    const pendingFindings = this.pendingFindings;
    this.reviews = new Counter({
      name: 'oomguard_admission_reviews_total',
      help: 'AdmissionReviews answered, by endpoint and decision (allow, deny, warn, audit, skip, patch, invalid, fail-open, fail-closed)',
      labelNames: ['endpoint', 'decision'],
      registers,
      collect() {
        pendingReviews.drain((endpoint, decision, _c, n) => this.inc({ endpoint, decision }, n));
      },
    });
    this.findings = new Counter({
      name: 'oomguard_admission_findings_total',
      help: 'Findings that counted in a review (UPDATE: new or worse than in oldObject), by rule and severity',
      labelNames: ['endpoint', 'rule', 'severity'],
      registers,
      collect() {
        pendingFindings.drain((endpoint, rule, severity, n) => this.inc({ endpoint, rule, severity }, n));
      },
    });
    this.latency = new Histogram({
      name: 'oomguard_admission_review_duration_seconds',
      help: 'Time from receiving a review request to answering it',
      labelNames: ['endpoint'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.errors = new Counter({
      name: 'oomguard_admission_errors_total',
      help: 'Requests that could not be reviewed normally (bad request, too large, rule exception, deadline), by reason',
      labelNames: ['endpoint', 'reason'],
      registers,
    });
    this.nodeCache = new CacheMetrics(registers, {
      prefix: 'oomguard_node_cache',
      view: 'node view',
      objects: 'Nodes',
      size: 'nodes',
      states: 'static: --node-memory or --node; fresh: synced with the cluster; stale: last known view, API unreachable; default: no view, default capacity',
    });
    this.limitRangeCache = new CacheMetrics(registers, {
      prefix: 'oomguard_limit_range_cache',
      view: 'LimitRange view',
      objects: 'LimitRanges',
      size: 'limit_ranges',
      states: 'static: --limit-ranges FILE, or none with a static node view; fresh: synced with the cluster; stale: last known view, API unreachable; default: never listed, judged without LimitRanges',
    });
    this.limitRangesInvalid = new Gauge({
      name: 'oomguard_limit_range_cache_invalid',
      help: 'LimitRanges in the cluster left out of the view because they are invalid (see the log and /readyz)',
      registers,
    });
    this.tlsReloads = new Counter({
      name: 'oomguard_tls_reloads_total',
      help: 'Certificate reloads, by result (ok, rejected)',
      labelNames: ['result'],
      registers,
    });
    this.tlsNotAfter = new Gauge({ name: 'oomguard_tls_certificate_not_after_seconds', help: 'Expiry of the serving certificate (Unix time)', registers });
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'oomguard_' });
  }

  /** reviews.inc for the per-review path: counted now, visible from the next collection (scrape). */
  countReview(endpoint: string, decision: string): void {
    this.pendingReviews.add(endpoint, decision);
  }

  /** findings.inc for the per-review path (see countReview). */
  countFinding(endpoint: string, rule: string, severity: string): void {
    this.pendingFindings.add(endpoint, rule, severity);
  }

  /** latency.observe with a duration measured by the caller (no timer closure, no labels object per review). */
  observeLatency(endpoint: ReviewEndpoint, seconds: number): void {
    this.latency.observe(ENDPOINT_LABELS[endpoint], seconds);
  }
}

/** GET /metrics on plain HTTP; everything else is 404. Not listening yet. */
export function createMetricsServer(metrics: WebhookMetrics): http.Server {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || url !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  server.requestTimeout = 10_000;
  server.setTimeout(30_000);
  return server;
}
