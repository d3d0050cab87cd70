// POST /validate: the validating webhook. Every AdmissionReview with a uid gets HTTP 200 and the
// uid back; the decision (allow, deny, warnings, failure policy) is judgeValidate's.
import type { FastifyInstance } from 'fastify';
import { cannotDecide, judgeValidate, reviewOf } from '../admission.js';
import type { AdmissionRequest, FailurePolicy, Outcome } from '../admission.js';
import type { Placement } from '../../core/placement.js';
import type { PodLike } from '../../core/types.js';
import { deadlineOf } from '../plugins/deadline.js';
import type { Deadline } from '../plugins/deadline.js';
import { readReview } from './read-review.js';
import type { WebhookContext } from '../context.js';

/** The answer the API server has already given itself once the budget is spent (its failure policy). */
function timedOut(review: AdmissionRequest, deadline: Deadline, policy: FailurePolicy, ctx: WebhookContext): Outcome {
  const reason = `deadline of ${deadline.budgetMs} ms exceeded`;
  ctx.metrics.errors.inc({ endpoint: 'validate', reason: 'deadline' });
  return { response: cannotDecide(review.uid, policy, reason), decision: policy === 'Fail' ? 'fail-closed' : 'fail-open', findings: [], reason };
}

/** The rules of the findings, each once, in order of first appearance (a review has a handful). */
function rulesOf(outcome: Outcome): string[] {
  const rules: string[] = [];
  for (const f of outcome.findings) if (!rules.includes(f.rule)) rules.push(f.rule);
  return rules;
}

export async function validateRoutes(app: FastifyInstance, opts: { ctx: WebhookContext }): Promise<void> {
  const { ctx } = opts;
  const chooseNode = (pod: PodLike | null): Placement => ctx.nodes.place(pod);
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
    if (deadline.expired()) {
      outcome = timedOut(review, deadline, policy, ctx);
    } else {
      outcome = judgeValidate(review, chooseNode, ctx.settings, limitRangesOf);
      // The engine is synchronous: a review that overran its budget is answered as the API
      // server has already decided it (its failure policy), and counted.
      if (deadline.expired()) outcome = timedOut(review, deadline, policy, ctx);
      else if (outcome.decision === 'fail-open' || outcome.decision === 'fail-closed') {
        ctx.metrics.errors.inc({ endpoint: 'validate', reason: 'rule-exception' });
      }
    }
    const metrics = ctx.metrics;
    for (const f of outcome.findings) metrics.countFinding('validate', f.rule, f.severity);
    metrics.countReview('validate', outcome.decision);
    const seconds = (performance.now() - startedAt) / 1000;
    metrics.observeLatency('validate', seconds);
    const failed = outcome.decision === 'fail-open' || outcome.decision === 'fail-closed';
    if (failed || ctx.logs(request.log, 'info')) {
      // No object contents at info: who, what, the decision and which rules. Fields that do not
      // apply are left out of the object rather than set to undefined (pino skips those too, but
      // after visiting them).
      const line: Record<string, unknown> = {
        uid: review.uid,
        operation: review.operation,
        kind: outcome.kind ?? review.kind?.kind,
        object: outcome.objectName,
      };
      if (review.dryRun) line.dryRun = true;
      line.decision = outcome.decision;
      if (outcome.findings.length > 0) line.rules = rulesOf(outcome);
      if (outcome.limitRanges !== undefined && outcome.limitRanges.length > 0) line.limitRanges = outcome.limitRanges.map((lr) => lr.id);
      if (outcome.reason !== undefined) line.reason = outcome.reason;
      line.ms = Math.round(seconds * 1e4) / 10;
      if (failed) request.log.error(line, 'validate: could not decide');
      else request.log.info(line, 'validate');
    }
    if (outcome.findings.length > 0 && ctx.logs(request.log, 'debug')) {
      request.log.debug({ uid: review.uid, findings: outcome.findings.map((f) => f.message) }, 'validate: findings');
    }
    return reviewOf(outcome.response);
  });
}
