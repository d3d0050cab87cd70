// The start both review endpoints share: parse the body as an AdmissionReview v1 with a uid, or
// answer 400 (counted and logged) so the caller only handles real reviews.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ReviewError, parseReview } from '../admission.js';
import type { AdmissionRequest } from '../admission.js';
import type { WebhookContext } from '../context.js';

export type Endpoint = 'validate' | 'mutate';

/** The review, or null once a 400 has been sent (its latency observed from `startedAt`, a performance.now()). */
export function readReview(
  endpoint: Endpoint,
  request: FastifyRequest,
  reply: FastifyReply,
  ctx: WebhookContext,
  startedAt: number,
): AdmissionRequest | null {
  try {
    return parseReview(request.body);
  } catch (err) {
    if (!(err instanceof ReviewError)) throw err;
    ctx.metrics.errors.inc({ endpoint, reason: 'bad-request' });
    ctx.metrics.observeLatency(endpoint, (performance.now() - startedAt) / 1000);
    request.log.info({ err: err.message }, `${endpoint}: not an AdmissionReview v1 with a uid`);
    void reply.code(400).send({ error: 'Bad Request', message: err.message });
    return null;
  }
}
