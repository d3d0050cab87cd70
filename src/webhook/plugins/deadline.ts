// The request's budget. The API server appends the webhook's timeoutSeconds to the URL
// (`/validate?timeout=10s`) and gives up after it: the answer must come before. The clock starts
// when the request arrives (before its body is read), so a slow upload eats into the budget.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { budgetFrom } from '../admission.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** performance.now() when the request arrived. */
    receivedAt: number;
    /** Cuts off a client that has not sent its whole request in time (installDeadline). */
    bodyTimer: NodeJS.Timeout | null;
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

class RequestDeadline implements Deadline {
  private readonly end: number;
  constructor(
    readonly budgetMs: number,
    private readonly start: number,
  ) {
    this.end = start + budgetMs - marginOf(budgetMs);
  }
  elapsed(): number {
    return performance.now() - this.start;
  }
  remaining(): number {
    return this.end - performance.now();
  }
  expired(): boolean {
    return this.end - performance.now() <= 0;
  }
}

export function deadlineOf(request: FastifyRequest): Deadline {
  const budgetMs = budgetFrom((request.query as Record<string, unknown> | undefined)?.timeout);
  return new RequestDeadline(budgetMs, request.receivedAt ?? performance.now());
}

/**
 * Stamps every request with its arrival time (called on the root instance: all routes see it),
 * and cuts off clients that have not delivered their whole request within `requestTimeoutMs`.
 * Node's own requestTimeout is not enforced for a TLS client that keeps dribbling body bytes
 * (seen on Node 20), and the socket idle timeout never fires while bytes keep arriving.
 * Callback-style hooks: no promise and microtask per hook on every review.
 */
export function installDeadline(app: FastifyInstance, requestTimeoutMs: number): void {
  app.decorateRequest('receivedAt', 0);
  app.decorateRequest('bodyTimer', null);
  app.addHook('onRequest', (request, _reply, done) => {
    request.receivedAt = performance.now();
    if (requestTimeoutMs > 0) {
      const timer = setTimeout(() => {
        if (request.raw.complete) return;
        request.log.info({ ms: requestTimeoutMs }, 'slow client: request not received in time, connection closed');
        request.raw.socket?.destroy();
      }, requestTimeoutMs);
      timer.unref();
      request.bodyTimer = timer;
    }
    done();
  });
  // Once answered (or aborted) the timer has nothing left to guard; until then it only checks
  // that the body arrived, so it need not be cleared any earlier.
  app.addHook('onResponse', (request, _reply, done) => {
    if (request.bodyTimer !== null) clearTimeout(request.bodyTimer);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    if (request.bodyTimer !== null) clearTimeout(request.bodyTimer);
    done();
  });
}
