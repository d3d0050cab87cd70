// POST /validate: the validating webhook. Every AdmissionReview with a uid gets HTTP 200 and the
// uid back; the decision (allow, deny, warnings, failure policy) is judgeValidate's.
import type { FastifyInstance } from 'fastify';
import { cannotDecide, judgeValidate, reviewOf } from '../admission.js';
import type { Outcome } from '../admission.js';
import type { NodeFacts } from '../../core/node.js';
import type { PodLike } from '../../core/types.js';
import { deadlineOf } from '../plugins/deadline.js';
import { readReview } from './read-review.js';
import type { WebhookContext } from '../context.js';

const LABELS = { endpoint: 'validate' } as const;

export async function validateRoutes(app: FastifyInstance, opts: { ctx: WebhookContext }): Promise<void> {
  const { ctx } = opts;
  const chooseNode = (pod: PodLike | null): NodeFacts => ctx.nodes.factsFor(pod);
  const limitRangesOf = (namespace: string) => ctx.limitRanges.forNamespace(namespace);
  // A synchronous handler (judging is synchronous): fastify sends what it returns at once, with
  // no promise and microtask per review; undefined once readReview has answered 400 itself.
  app.post('/validate', (request, reply) => {
    const deadline = deadlineOf(request);
    const startedAt = performance.now();
    const review = readReview('validate', request, reply, ctx, startedAt);
    if (review === null) return undefined;
    let outcome: Outcome;
    const policy = ctx.settings.failurePolicy;
    const timedOut = (): Outcome => {
      const reason = `deadline of ${deadline.budgetMs} ms exceeded`;
      ctx.metrics.errors.inc({ endpoint: 'validate', reason: 'deadline' });
      return { response: cannotDecide(review.uid, policy, reason), decision: policy === 'Fail' ? 'fail-closed' : 'fail-open', findings: [], reason };
    };
    if (deadline.expired()) {
      outcome = timedOut();
    } else {
      outcome = judgeValidate(review, chooseNode, ctx.settings, limitRangesOf);
      // The engine is synchronous: a review that overran its budget is answered as the API
      // server has already decided it (its failure policy), and counted.
      if (deadline.expired()) outcome = timedOut();
      else if (outcome.decision === 'fail-open' || outcome.decision === 'fail-closed') {
        ctx.metrics.errors.inc({ endpoint: 'validate', reason: 'rule-exception' });
      }
    }
    for (const f of outcome.findings) ctx.metrics.countFinding('validate', f.rule, f.severity);
    ctx.metrics.countReview('validate', outcome.decision);
    const seconds = (performance.now() - startedAt) / 1000;
    ctx.metrics.observeLatency(LABELS, seconds);
    const failed = outcome.decision === 'fail-open' || outcome.decision === 'fail-closed';
    if (failed || ctx.logs(request.log, 'info')) {
      // No object contents at info: who, what, the decision and which rules.
      const line = {
        uid: review.uid,
        operation: review.operation,
        kind: outcome.kind ?? review.kind?.kind,
        object: outcome.objectName,
        dryRun: review.dryRun || undefined,
        decision: outcome.decision,
        rules: outcome.findings.length > 0 ? [...new Set(outcome.findings.map((f) => f.rule))] : undefined,
        limitRanges: outcome.limitRanges !== undefined && outcome.limitRanges.length > 0 ? outcome.limitRanges.map((lr) => lr.id) : undefined,
        reason: outcome.reason,
        ms: Math.round(seconds * 1e4) / 10,
      };
      if (failed) request.log.error(line, 'validate: could not decide');
      else request.log.info(line, 'validate');
    }
    if (outcome.findings.length > 0 && ctx.logs(request.log, 'debug')) {
      request.log.debug({ uid: review.uid, findings: outcome.findings.map((f) => f.message) }, 'validate: findings');
    }
    return reviewOf(outcome.response);
  });
}
