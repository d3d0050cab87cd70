// Builds the webhook's fastify instance: HTTPS (TLS 1.2+) when given a certificate, the routes
// (validate, mutate, health), the node and LimitRange views, certificate reloading and metrics.
// Never listens: serve.ts does, and tests use inject() or listen on 127.0.0.1:0 themselves.
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyServerOptions } from 'fastify';
import type https from 'node:https';
import { rules as registry } from '../../rules/index.js';
import type { RuleSetting } from '../engine/lint.js';
import type { FeatureGates } from '../core/types.js';
import { prepareJudge } from './admission.js';
import type { FailurePolicy, Mode, Mutation } from './admission.js';
import type { AnyRule } from '../../rules/index.js';
import { WebhookMetrics } from './plugins/metrics.js';
import { MIN_TLS_VERSION, TlsReloader, loadTlsPair } from './plugins/tls-reload.js';
import type { TlsFiles } from './plugins/tls-reload.js';
import type { NodeView } from './plugins/node-cache.js';
import { StaticLimitRangeView } from './plugins/limit-range-cache.js';
import type { LimitRangeView } from './plugins/limit-range-cache.js';
import { installDeadline } from './plugins/deadline.js';
import { VersionedJudge } from './plugins/modelled-version.js';
import { validateRoutes } from './routes/validate.js';
import { mutateRoutes } from './routes/mutate.js';
import { healthRoutes } from './routes/health.js';
import type { WebhookContext, WebhookServer } from './context.js';

/** About 7 MiB: an UPDATE carries two objects of up to 3 MB each (etcd's limit) plus the envelope. */
export const BODY_LIMIT = 7 * 1024 * 1024;

export interface BuildServerOptions {
  mode?: Mode;
  failurePolicy?: FailurePolicy;
  mutation?: Mutation | null;
  /** The Kubernetes minor to model; default: the one the nodes' kubelets run, else the newest (plugins/modelled-version.ts). */
  kubernetesVersion?: string;
  featureGates?: Partial<FeatureGates>;
  rules?: readonly AnyRule[];
  ruleSettings?: ReadonlyMap<string, RuleSetting>;
  /** The node view (a StaticNodeView or ClusterNodeView); started when the app is ready, closed with it. */
  nodes: NodeView;
  /** The LimitRanges (a StaticLimitRangeView or ClusterLimitRangeView); default none. Started and closed with the app. */
  limitRanges?: LimitRangeView;
  /** Serve HTTPS with these files (reloaded on change). Without it the app is plain HTTP: for inject() tests. */
  tls?: TlsFiles | null;
  metrics?: WebhookMetrics;
  /** fastify's logger option (pino options, or false); default: info-level JSON to stdout. */
  logger?: FastifyServerOptions['logger'];
  /** A pino-compatible logger instance instead (tests pass a silent or capturing one). */
  loggerInstance?: FastifyBaseLogger;
  bodyLimit?: number;
  /** Socket inactivity before it is closed (slow or stuck clients), ms. Default 15 s. */
  connectionTimeout?: number;
  /** Whole-request limit (headers and body), ms. Default 30 s, the API server's maximum webhook timeout. */
  requestTimeout?: number;
  keepAliveTimeout?: number;
  /** Debounce of certificate change events, ms. */
  tlsDebounceMs?: number;
}

// The context type lives in context.ts (the routes import it from there); re-exported for callers.
export type { WebhookContext, WebhookServer } from './context.js';

export async function buildServer(opts: BuildServerOptions): Promise<WebhookServer> {
  const metrics = opts.metrics ?? new WebhookMetrics();
  const tlsPair = opts.tls ? loadTlsPair(opts.tls) : null; // throws TlsError: refuse to start with a broken pair
  const connectionTimeout = opts.connectionTimeout ?? 15_000;
  const requestTimeout = opts.requestTimeout ?? 30_000;
  const fastifyOptions: FastifyServerOptions & { https?: https.ServerOptions } = {
    bodyLimit: opts.bodyLimit ?? BODY_LIMIT,
    connectionTimeout,
    requestTimeout,
    keepAliveTimeout: opts.keepAliveTimeout ?? 65_000,
    // Plain JSON.parse: Kubernetes objects may legitimately hold "__proto__" or "constructor"
    // keys (ConfigMap data, labels); nothing here merges objects, and JSON.parse makes them own
    // properties. Scanning 7 MiB bodies for them would also cost time on every review.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    // One line per review from the routes instead of fastify's two per request.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ...(opts.loggerInstance !== undefined ? { loggerInstance: opts.loggerInstance } : { logger: opts.logger ?? { level: 'info' } }),
  };
  if (tlsPair !== null) {
    fastifyOptions.https = {
      cert: tlsPair.cert,
      key: tlsPair.key,
      minVersion: MIN_TLS_VERSION,
      // Node checks requestTimeout/headersTimeout on this interval (default 30 s).
      connectionsCheckingInterval: Math.max(100, Math.min(requestTimeout / 4, 30_000)),
    } as https.ServerOptions;
  }
  const app = Fastify(fastifyOptions as FastifyServerOptions) as unknown as FastifyInstance;
  const hasLogger = opts.loggerInstance !== undefined || opts.logger !== false;

  const tls = tlsPair !== null && opts.tls ? new TlsReloader(opts.tls, tlsPair, app.log.child({ component: 'tls' }), metrics, opts.tlsDebounceMs) : null;
  const limitRanges = opts.limitRanges ?? new StaticLimitRangeView();
  // Throws VersionError (refusing to start) for feature gates the version does not accept.
  const judges = new VersionedJudge(
    (kubernetesVersion) =>
      prepareJudge({
        mode: opts.mode ?? 'warn',
        failurePolicy: opts.failurePolicy ?? 'Ignore',
        kubernetesVersion,
        featureGates: opts.featureGates ?? {},
        rules: opts.rules ?? registry,
        ruleSettings: opts.ruleSettings,
      }),
    opts.kubernetesVersion ?? null,
    opts.nodes,
    () => app.log,
  );
  const ctx: WebhookContext = {
    get settings() {
      return judges.current();
    },
    model: () => judges.status(),
    mutation: opts.mutation ?? null,
    nodes: opts.nodes,
    limitRanges,
    metrics,
    tls,
    state: { shuttingDown: false },
    // pino answers per logger; fastify's stand-in for logger: false has no levels and writes nothing.
    logs: (log, level) => {
      if (!hasLogger) return false;
      const enabled = (log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled;
      return typeof enabled !== 'function' || enabled.call(log, level);
    },
  };
  app.decorate('webhook', ctx);

  installDeadline(app, requestTimeout);

  // One error handler that never leaks internals: the message only below 500.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    const endpoint = request.routeOptions.url?.replace(/^\//, '') || 'unknown';
    const reason = status === 413 ? 'too-large' : status === 415 ? 'unsupported-media-type' : status >= 500 ? 'internal' : 'bad-request';
    metrics.errors.inc({ endpoint, reason });
    if (status >= 500) {
      request.log.error({ err: { message: error.message, stack: error.stack } }, 'request failed');
      return reply.code(500).send({ error: 'Internal Server Error', message: 'internal error' });
    }
    request.log.info({ status, err: error.message, code: error.code }, 'request rejected');
    return reply.code(status).send({ error: error.code ?? 'Bad Request', message: error.message });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: 'Not Found', message: `${request.method} ${request.url.split('?')[0]} is not served here (POST /validate, POST /mutate, GET /healthz, GET /readyz)` });
  });

  // The node and LimitRange views: started together before the first request is accepted
  // (start() never waits for the cluster longer than its initial sync timeout), closed with the app.
  app.register(async () => {
    await Promise.all([opts.nodes.start(app.log.child({ component: 'nodes' })), limitRanges.start(app.log.child({ component: 'limitranges' }))]);
    const nodes = opts.nodes.status();
    if (nodes.state === 'static') metrics.nodeCache.setState('static', nodes.nodes);
    const lr = limitRanges.status();
    if (lr.state === 'static') metrics.limitRangeCache.setState('static', lr.limitRanges);
    // The version modelled, now that the nodes have answered (logged, and again when it changes).
    judges.status();
  });
  app.addHook('onReady', async () => {
    if (tls !== null) tls.start(app.server as unknown as https.Server);
  });
  app.addHook('preClose', async () => {
    ctx.state.shuttingDown = true;
  });
  app.addHook('onClose', async () => {
    tls?.close();
    await Promise.all([opts.nodes.close(), limitRanges.close()]);
  });

  app.register(validateRoutes, { ctx });
  app.register(mutateRoutes, { ctx });
  app.register(healthRoutes, { ctx });
  return app as WebhookServer;
}
