// GET /healthz (the process answers) and GET /readyz (TLS loaded, node and LimitRange views
// usable, not shutting down), each with details. Readiness never depends on the API server
// answering: a stale or default view is usable, and said so.
import type { FastifyInstance } from 'fastify';
import type { CacheState } from '../plugins/metrics.js';
import type { WebhookContext } from '../context.js';

function check(state: CacheState): string {
  return state === 'starting' ? 'starting' : state === 'fresh' || state === 'static' ? 'ok' : `degraded: ${state}`;
}

export async function healthRoutes(app: FastifyInstance, opts: { ctx: WebhookContext }): Promise<void> {
  const { ctx } = opts;
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const tls = ctx.tls?.status() ?? { loaded: false, notAfter: null, lastReload: null, lastError: null, note: 'no TLS configured (tests only)' };
    const nodes = ctx.nodes.status();
    const limitRanges = ctx.limitRanges.status();
    const checks = {
      tls: ctx.tls === null ? 'not configured' : tls.loaded ? 'ok' : 'not loaded',
      nodes: check(nodes.state),
      limitRanges: check(limitRanges.state),
      shutdown: ctx.state.shuttingDown ? 'shutting down' : 'no',
    };
    const ready = (ctx.tls === null || tls.loaded) && nodes.state !== 'starting' && limitRanges.state !== 'starting' && !ctx.state.shuttingDown;
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks, tls, nodes, limitRanges, model: ctx.model(), mode: ctx.settings.mode, mutate: ctx.mutation });
  });
}
