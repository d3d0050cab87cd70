// POST /mutate: the mutating webhook (opt-in with --mutate requests-equal-limits). Always HTTP 200
// with the uid for a valid review; a JSON Patch only when the object needs one.
import type { FastifyInstance } from 'fastify';
import { allow, judgeMutate, reviewOf, shortWarning } from '../admission.js';
import type { MutateOutcome } from '../admission.js';
import { deadlineOf } from '../plugins/deadline.js';
import { readReview } from './read-review.js';
import type { WebhookContext } from '../context.js';

export async function mutateRoutes(app: FastifyInstance, opts: { ctx: WebhookContext }): Promise<void> {
  const { ctx } = opts;
  // A synchronous handler (judging is synchronous): fastify sends what it returns at once, with
  // no promise and microtask per review; undefined once readReview has answered 400 itself.
  app.post('/mutate', (request, reply) => {
    const deadline = deadlineOf(request);
    const startedAt = performance.now();
    const review = readReview('mutate', request, reply, ctx, startedAt);
    if (review === null) return undefined;
    let outcome: MutateOutcome = judgeMutate(review, ctx.mutation, ctx.settings.model);
    if (deadline.expired()) {
      // Mutation fails open: past the budget, no patch.
      const reason = `deadline of ${deadline.budgetMs} ms exceeded`;
      ctx.metrics.errors.inc({ endpoint: 'mutate', reason: 'deadline' });
      outcome = { ...outcome, response: allow(review.uid, [shortWarning(`oomguard: ${reason}; object left unchanged`)]), decision: 'fail-open', operations: 0, reason };
    } else if (outcome.decision === 'fail-open') {
      ctx.metrics.errors.inc({ endpoint: 'mutate', reason: 'exception' });
    }
    ctx.metrics.countReview('mutate', outcome.decision);
    const seconds = (performance.now() - startedAt) / 1000;
    ctx.metrics.observeLatency('mutate', seconds);
    const failed = outcome.decision === 'fail-open';
    if (failed || ctx.logs(request.log, 'info')) {
      // Fields that do not apply are left out (see validate.ts).
      const line: Record<string, unknown> = {
        uid: review.uid,
        operation: review.operation,
        kind: outcome.kind ?? review.kind?.kind,
        object: outcome.objectName,
      };
      if (review.dryRun) line.dryRun = true;
      line.decision = outcome.decision;
      if (outcome.operations > 0) line.operations = outcome.operations;
      if (outcome.reason !== undefined) line.reason = outcome.reason;
      line.ms = Math.round(seconds * 1e4) / 10;
      if (failed) request.log.error(line, 'mutate: could not compute a patch');
      else request.log.info(line, 'mutate');
    }
    return reviewOf(outcome.response);
  });
}
