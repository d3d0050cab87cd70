// The request's budget. The API server appends the webhook's timeoutSeconds to the URL
// (`/validate?timeout=10s`) and gives up after it: the answer must come before. The clock starts
// when the request arrives (before its body is read), so a slow upload eats into the budget.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { budgetFrom } from '../admission.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** performance.now() when the request arrived. */
    receivedAt: number;
  }
}

export interface Deadline {
  budgetMs: number;
  /** Milliseconds since the request arrived. */
  elapsed(): number;
  /** Milliseconds left, keeping `marginMs` for writing the answer. */
  remaining(): number;
  expired(): boolean;
}

/** Part of the budget kept for sending the answer (10%, at most 250 ms). */
function marginOf(budgetMs: number): number {
  return Math.min(250, budgetMs / 10);
}

export function deadlineOf(request: FastifyRequest): Deadline {
  const budgetMs = budgetFrom((request.query as Record<string, unknown> | undefined)?.timeout);
  const start = request.receivedAt ?? performance.now();
  const margin = marginOf(budgetMs);
  const elapsed = () => performance.now() - start;
  return {
    budgetMs,
    elapsed,
    remaining: () => budgetMs - margin - elapsed(),
    expired: () => budgetMs - margin - elapsed() <= 0,
  };
}

const bodyTimers = new WeakMap<FastifyRequest, NodeJS.Timeout>();

/**
 * Stamps every request with its arrival time (called on the root instance: all routes see it),
 * and cuts off clients that have not delivered their whole request within `requestTimeoutMs`.
 * Node's own requestTimeout is not enforced for a TLS client that keeps dribbling body bytes
 * (seen on Node 20), and the socket idle timeout never fires while bytes keep arriving.
 */
export function installDeadline(app: FastifyInstance, requestTimeoutMs: number): void {
  app.decorateRequest('receivedAt', 0);
  app.addHook('onRequest', async (request) => {
    request.receivedAt = performance.now();
    if (requestTimeoutMs > 0) {
      const timer = setTimeout(() => {
        if (request.raw.complete) return;
        request.log.info({ ms: requestTimeoutMs }, 'slow client: request not received in time, connection closed');
        request.raw.socket?.destroy();
      }, requestTimeoutMs);
      timer.unref();
      bodyTimers.set(request, timer);
    }
  });
  const clear = async (request: FastifyRequest) => {
    const timer = bodyTimers.get(request);
    if (timer !== undefined) clearTimeout(timer);
  };
  app.addHook('preHandler', clear);
  app.addHook('onResponse', clear);
  app.addHook('onRequestAbort', clear);
}
