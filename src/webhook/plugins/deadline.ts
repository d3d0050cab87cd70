// The request's budget. The API server appends the webhook's timeoutSeconds to the URL
// (`/validate?timeout=10s`) and gives up after it: the answer must come before. The clock starts
// when the request arrives (before its body is read), so a slow upload eats into the budget.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { EventEmitter } from 'node:events';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { budgetFrom } from '../admission.js';

/** performance.now() when a request arrived, stamped on its raw message by the server's 'request' listener. */
const kReceivedAt = Symbol('oomguard.receivedAt');
type StampedMessage = IncomingMessage & { [kReceivedAt]?: number };

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

/** When the request arrived (performance.now()): stamped by the listener, else now (inject()). */
export function receivedAt(request: FastifyRequest): number {
  return (request.raw as StampedMessage)[kReceivedAt] ?? performance.now();
}

export function deadlineOf(request: FastifyRequest): Deadline {
  const budgetMs = budgetFrom((request.query as Record<string, unknown> | undefined)?.timeout);
  return new RequestDeadline(budgetMs, receivedAt(request));
}

/** The guard of one connection: one timer for all the requests the connection carries. */
interface BodyGuard {
  timer: NodeJS.Timeout | null;
  /** The connection's latest request (its raw message: it does not hold the parsed body). */
  raw: IncomingMessage | null;
  /** When that request arrived (performance.now()). */
  since: number;
}

const kBodyGuard = Symbol('oomguard.bodyGuard');
type GuardedSocket = Socket & { [kBodyGuard]?: BodyGuard };

/**
 * Stamps every request with its arrival time, and cuts off clients that have not delivered their
 * whole request within `requestTimeoutMs`. Node's own requestTimeout is not enforced for a TLS
 * client that keeps dribbling body bytes (seen on Node 20, 22 and 24), and the socket idle
 * timeout never fires while bytes keep arriving.
 *
 * Both happen in a listener of the server's 'request' event, put before fastify's own: no fastify
 * onRequest hook (its hook runner and callbacks) on the path of every review. And no timer work
 * per request: each connection has one timer, and a request only records itself and its arrival
 * on the connection's guard (HTTP/1.1 carries one request at a time; a pipelined one is parsed
 * only once the body before it is complete). When the timer fires it cuts the connection if the
 * latest request is incomplete and past its own budget; otherwise it re-arms itself for the rest
 * of that request's budget (a whole budget once the request is complete), so a keep-alive
 * connection costs one timer callback per `requestTimeoutMs`, not a timer per review. The timer
 * is cleared when the connection closes. inject() emits no 'request': its requests are stamped
 * when the handler asks (receivedAt) and need no guard.
 */
export function installDeadline(app: FastifyInstance, requestTimeoutMs: number): void {
  const log = app.log;
  const onRequest = (req: IncomingMessage): void => {
    const now = performance.now();
    (req as StampedMessage)[kReceivedAt] = now;
    if (requestTimeoutMs > 0) guardBody(req, now, requestTimeoutMs, log);
  };
  (app.server as unknown as EventEmitter).prependListener('request', onRequest);
}

function guardBody(raw: IncomingMessage, now: number, requestTimeoutMs: number, log: FastifyBaseLogger): void {
  const socket = raw.socket as GuardedSocket | null;
  if (socket == null) return;
  const guard = socket[kBodyGuard];
  if (guard !== undefined) {
    guard.raw = raw;
    guard.since = now;
    return;
  }
  const g: BodyGuard = { timer: null, raw, since: now };
  const check = (): void => {
    const r = g.raw;
    if (r === null || socket.destroyed) return;
    const left = r.complete ? requestTimeoutMs : g.since + requestTimeoutMs - performance.now();
    if (left > 0) {
      // Still within its budget, or complete (the next request gets a whole budget): look again then.
      g.timer = setTimeout(check, Math.ceil(left));
      g.timer.unref();
      return;
    }
    log.info({ ms: requestTimeoutMs, method: r.method, url: r.url, remoteAddress: socket.remoteAddress }, 'slow client: request not received in time, connection closed');
    socket.destroy();
  };
  g.timer = setTimeout(check, requestTimeoutMs);
  // Unreferenced: it never keeps the process alive.
  g.timer.unref();
  socket.once('close', () => {
    if (g.timer !== null) clearTimeout(g.timer);
    g.timer = g.raw = null;
  });
  socket[kBodyGuard] = g;
}
