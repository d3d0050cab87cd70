// The request's budget. The API server appends the webhook's timeoutSeconds to the URL
// (`/validate?timeout=10s`) and gives up after it: the answer must come before. The clock starts
// when the request arrives (before its body is read), so a slow upload eats into the budget.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
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

/** The guard of one connection: one timer, re-armed for each request the connection carries. */
interface BodyGuard {
  timer: NodeJS.Timeout | null;
  /** The connection's latest request (its raw message: it does not hold the parsed body) and logger. */
  raw: IncomingMessage | null;
  log: FastifyBaseLogger | null;
}

const kBodyGuard = Symbol('oomguard.bodyGuard');
type GuardedSocket = Socket & { [kBodyGuard]?: BodyGuard };

/**
 * Stamps every request with its arrival time (called on the root instance: all routes see it),
 * and cuts off clients that have not delivered their whole request within `requestTimeoutMs`.
 * Node's own requestTimeout is not enforced for a TLS client that keeps dribbling body bytes
 * (seen on Node 20, 22 and 24), and the socket idle timeout never fires while bytes keep arriving.
 *
 * One timer per connection, not per request: HTTP/1.1 carries one request at a time (a pipelined
 * one is parsed only once the body before it is complete), so a connection's timer is re-armed
 * (refresh(), no allocation) when each request arrives, and when it fires it cuts the connection
 * if that latest request is still incomplete. This keeps a timer's allocation and the
 * onResponse/onRequestAbort hooks that cleared it off the path of every review; the timer is
 * cleared when the connection closes. Callback-style hook: no promise and microtask per review.
 */
export function installDeadline(app: FastifyInstance, requestTimeoutMs: number): void {
  app.decorateRequest('receivedAt', 0);
  app.addHook('onRequest', (request, _reply, done) => {
    request.receivedAt = performance.now();
    if (requestTimeoutMs > 0) guardBody(request, requestTimeoutMs);
    done();
  });
}

function guardBody(request: FastifyRequest, requestTimeoutMs: number): void {
  const socket = request.raw.socket as GuardedSocket | null;
  // inject()'s stand-in socket cannot be closed or cut: nothing to guard.
  if (socket == null || typeof socket.destroy !== 'function') return;
  let guard = socket[kBodyGuard];
  if (guard === undefined) {
    const g: BodyGuard = { timer: null, raw: null, log: null };
    g.timer = setTimeout(() => {
      const raw = g.raw;
      if (raw === null || raw.complete || socket.destroyed) return;
      g.log?.info({ ms: requestTimeoutMs }, 'slow client: request not received in time, connection closed');
      socket.destroy();
    }, requestTimeoutMs);
    // Unreferenced: it never keeps the process alive.
    g.timer.unref();
    socket.once('close', () => {
      if (g.timer !== null) clearTimeout(g.timer);
      g.timer = g.raw = g.log = null;
    });
    socket[kBodyGuard] = guard = g;
  } else if (guard.timer !== null) {
    // The budget starts again with this request (refresh also re-arms a timer that has fired).
    guard.timer.refresh();
  }
  guard.raw = request.raw;
  guard.log = request.log;
}
