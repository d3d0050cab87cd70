// Registry of every rule, sorted by id (test/rules/meta.test.ts checks the order, that each id
// equals its file name, and that every rules/<id>.ts is listed here). Each rule is one module:
// rules/<id>.ts with a default export from defineRule.
import type { Rule } from './define-rule.js';
import bestEffortPod from './best-effort-pod.js';
import emptydirMemoryUnbounded from './emptydir-memory-unbounded.js';
import limitRangeConflict from './limit-range-conflict.js';
import limitRangeRefusesPod from './limit-range-refuses-pod.js';
import memoryExceedsNode from './memory-exceeds-node.js';
import memoryLimitMissing from './memory-limit-missing.js';
import memoryLimitRequestRatio from './memory-limit-request-ratio.js';
import memoryQuantitySuspicious from './memory-quantity-suspicious.js';
import memoryRequestMissing from './memory-request-missing.js';
import nodeNotFound from './node-not-found.js';
import qosClass from './qos-class.js';
import runtimeHeapExceedsLimit from './runtime-heap-exceeds-limit.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRule = Rule<any, string>;

export const rules: readonly AnyRule[] = [
  bestEffortPod,
  emptydirMemoryUnbounded,
  limitRangeConflict,
  limitRangeRefusesPod,
  memoryExceedsNode,
  memoryLimitMissing,
  memoryLimitRequestRatio,
  memoryQuantitySuspicious,
  memoryRequestMissing,
  nodeNotFound,
  qosClass,
  runtimeHeapExceedsLimit,
];

export function getRule(id: string): AnyRule | undefined {
  return rules.find((r) => r.meta.id === id);
}
