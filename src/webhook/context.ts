// What the route plugins share with the server that builds them: a module of its own, so that
// build-server.ts imports the routes and the routes import only this (no import cycle).
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Judge, Mutation } from './admission.js';
import type { WebhookMetrics } from './plugins/metrics.js';
import type { NodeView } from './plugins/node-cache.js';
import type { LimitRangeView } from './plugins/limit-range-cache.js';
import type { TlsReloader } from './plugins/tls-reload.js';
import type { ModelledVersion } from './plugins/modelled-version.js';

/** Shared by the route plugins (passed explicitly: no decorators to look up). */
export interface WebhookContext {
  /**
   * The judge of the version modelled now (plugins/modelled-version.ts): each version's is prepared
   * once, and every review reuses its resolved gates and configured rules.
   */
  readonly settings: Judge;
  /** The version modelled now, and why. */
  model(): ModelledVersion;
  mutation: Mutation | null;
  nodes: NodeView;
  limitRanges: LimitRangeView;
  metrics: WebhookMetrics;
  tls: TlsReloader | null;
  state: { shuttingDown: boolean };
  /** Whether a line at `level` would be written: the routes skip building review lines nobody reads. */
  logs(log: FastifyBaseLogger, level: 'info' | 'debug'): boolean;
}

export type WebhookServer = FastifyInstance & { webhook: WebhookContext };
