// Listening and stopping: the admission listener (HTTPS) and the metrics listener (plain HTTP),
// and a graceful shutdown on SIGTERM/SIGINT: readiness turns 503 at once, the listener keeps
// answering for `shutdownDelayMs` (the API server and kube-proxy may still route to this pod while
// its endpoint is being removed), then stops accepting, finishes the reviews in flight, closes
// idle keep-alive connections and exits.
import type { AddressInfo } from 'node:net';
import type http from 'node:http';
import { buildServer } from './build-server.js';
import type { BuildServerOptions, WebhookServer } from './build-server.js';
import { WebhookMetrics, createMetricsServer } from './plugins/metrics.js';

export interface ServeOptions extends BuildServerOptions {
  host?: string;
  port: number;
  /** Plain-HTTP /metrics port; null: no metrics listener. */
  metricsPort: number | null;
  /** Wait between SIGTERM and closing the listener (default 5 s). */
  shutdownDelayMs?: number;
  /** Install SIGTERM/SIGINT handlers (default true). */
  handleSignals?: boolean;
}

export interface RunningServer {
  app: WebhookServer;
  port: number;
  metricsPort: number | null;
  /** Starts the graceful shutdown (idempotent); resolves when everything is closed. */
  shutdown(reason?: string): Promise<void>;
  /** Resolves once closed (after a signal or shutdown()). */
  closed: Promise<void>;
}

function listenHttp(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const metrics = opts.metrics ?? new WebhookMetrics({ defaultMetrics: true });
  const app = await buildServer({ ...opts, metrics });
  const host = opts.host ?? '0.0.0.0';
  let metricsServer: http.Server | null = null;
  let metricsPort: number | null = null;
  try {
    await app.listen({ host, port: opts.port });
    if (opts.metricsPort !== null) {
      metricsServer = createMetricsServer(metrics);
      metricsPort = await listenHttp(metricsServer, opts.metricsPort, host);
    }
  } catch (err) {
    await app.close().catch(() => {});
    metricsServer?.close();
    throw err;
  }
  const port = (app.server.address() as AddressInfo).port;
  app.log.info(
    { port, metricsPort, mode: app.webhook.settings.mode, mutate: app.webhook.mutation, failurePolicy: app.webhook.settings.failurePolicy, model: app.webhook.model(), nodes: app.webhook.nodes.status(), limitRanges: app.webhook.limitRanges.status() },
    'oomguard webhook listening',
  );

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let shutting: Promise<void> | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    void shutdown(signal);
  };
  const shutdown = (reason = 'shutdown'): Promise<void> => {
    if (shutting !== null) return shutting;
    shutting = (async () => {
      app.webhook.state.shuttingDown = true;
      const delay = opts.shutdownDelayMs ?? 5000;
      app.log.info({ reason, delayMs: delay }, 'shutting down: readiness off, finishing in-flight reviews');
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      await app.close(); // stops accepting; waits for in-flight requests; closes idle connections
      if (metricsServer !== null) {
        metricsServer.closeAllConnections();
        await new Promise<void>((r) => metricsServer!.close(() => r()));
      }
      if (opts.handleSignals !== false) {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
      app.log.info('stopped');
      resolveClosed();
    })();
    return shutting;
  };
  if (opts.handleSignals !== false) {
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  return { app, port, metricsPort, shutdown, closed };
}
