// Prometheus metrics (prom-client) in a registry of their own, served on a separate plain-HTTP
// port so scraping never touches the TLS admission listener. createMetricsServer returns the
// server without listening (serve.ts listens).
import http from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const NODE_CACHE_STATES = ['static', 'starting', 'fresh', 'stale', 'default'] as const;
export type NodeCacheState = (typeof NODE_CACHE_STATES)[number];

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

export class WebhookMetrics {
  readonly registry = new Registry();
  private readonly pendingReviews = new PendingCounts();
  private readonly pendingFindings = new PendingCounts();
  readonly reviews: Counter<'endpoint' | 'decision'>;
  readonly findings: Counter<'endpoint' | 'rule' | 'severity'>;
  readonly latency: Histogram<'endpoint'>;
  readonly errors: Counter<'endpoint' | 'reason'>;
  readonly nodeCacheState: Gauge<'state'>;
  readonly nodes: Gauge;
  readonly nodeCacheErrors: Counter<'reason'>;
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
    this.nodeCacheState = new Gauge({
      name: 'oomguard_node_cache_state',
      help: 'Node view in use: 1 for the current state (static: --node-memory; fresh: synced with the cluster; stale: last known view, API unreachable; default: no view, default capacity)',
      labelNames: ['state'],
      registers,
    });
    this.nodes = new Gauge({ name: 'oomguard_node_cache_nodes', help: 'Nodes in the node view', registers });
    this.nodeCacheErrors = new Counter({
      name: 'oomguard_node_cache_errors_total',
      help: 'Failed reads of the cluster nodes, by reason: the innermost error code (ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED, ...), http_STATUS, or timeout',
      labelNames: ['reason'],
      registers,
    });
    this.tlsReloads = new Counter({
      name: 'oomguard_tls_reloads_total',
      help: 'Certificate reloads, by result (ok, rejected)',
      labelNames: ['result'],
      registers,
    });
    this.tlsNotAfter = new Gauge({ name: 'oomguard_tls_certificate_not_after_seconds', help: 'Expiry of the serving certificate (Unix time)', registers });
    for (const state of NODE_CACHE_STATES) this.nodeCacheState.set({ state }, 0);
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

  /** latency.observe with a duration measured by the caller (no timer closure per review). */
  observeLatency(labels: { endpoint: string }, seconds: number): void {
    this.latency.observe(labels, seconds);
  }

  countNodeCacheError(reason: string): void {
    this.nodeCacheErrors.inc({ reason });
  }

  setNodeCacheState(state: NodeCacheState, nodes: number): void {
    for (const s of NODE_CACHE_STATES) this.nodeCacheState.set({ state: s }, s === state ? 1 : 0);
    this.nodes.set(nodes);
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
