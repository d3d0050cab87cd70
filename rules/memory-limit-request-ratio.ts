// A memory limit far above the request: the node reserves the request, the container uses up to
// the limit, and the difference is overcommitted.
import { defineRule } from './define-rule.js';
import type { RuleReport } from './define-rule.js';
import { containerNoun, containerPointer, formatBytes, formatRatio, podSpecPointer, ratioExceeds } from './utils.js';

interface Options {
  maxRatio: number;
}
type MessageIds = 'containerRatio' | 'podRatio';

export default defineRule<Options, MessageIds>({
  meta: {
    id: 'memory-limit-request-ratio',
    severity: 'warning',
    description: 'Reports memory limits more than maxRatio times the memory request (default 2x).',
    remediation:
      'Raise the memory request towards the container\'s real peak usage, or lower the limit, so that limit / request stays within maxRatio.',
    fixable: false,
    options: {
      type: 'object',
      properties: {
        maxRatio: {
          type: 'number',
          minimum: 1,
          description: 'Largest allowed memory limit / request ratio; 1 requires limit == request.',
        },
      },
      additionalProperties: false,
    },
    defaultOptions: { maxRatio: 2 },
    messages: {
      containerRatio:
        '{{what}} "{{container}}" memory limit {{limit}} is {{ratio}}x its request {{request}} (max {{maxRatio}}x): only {{request}} is reserved, and usage above it is first to be evicted or OOM-killed',
      podRatio:
        'pod-level memory limit {{limit}} is {{ratio}}x the pod-level request {{request}} (max {{maxRatio}}x): only {{request}} is reserved, and usage above it is first to be evicted or OOM-killed',
    },
    docs: `\
## Why it matters

The scheduler packs nodes by memory *requests*; limits are not reserved anywhere. A container with
a 4Gi request and a 31Gi limit (7.75x) tells the scheduler it needs 4Gi while it may legitimately
use 31Gi. Put a few of those on one node and their combined limits exceed the node many times over.
When they actually use the memory, the node runs short: the kubelet evicts the pods furthest above
their requests, and if memory runs out faster, the kernel OOM-kills by \`oom_score_adj\`, which for a
Burstable container is computed from its *request* (\`1000 - 1000 × request / capacity\`), not from
what it uses. The container that was promised little is killed first, even though it stayed under
its own limit.

## Kubernetes behaviour

- Scheduling (\`pkg/scheduler/framework/plugins/noderesources/fit.go\`) sums requests only.
- Eviction (\`pkg/kubelet/eviction/helpers.go\`, \`rankMemoryPressure\`): usage above the request first,
  then priority, then the amount above the request.
- oom_score_adj (\`pkg/kubelet/qos/policy.go\`): Burstable containers are ranked by their request.
- Defaulting (\`pkg/apis/core/v1/defaults.go\`): a limit without a request gets request = limit
  (ratio 1), so only containers that set both can be reported.
- The same check applies to pod-level resources (\`spec.resources\`, KEP-2837) when they set both a
  memory request and a memory limit.

The comparison is exact: limit × den > request × num, with \`maxRatio\` read as the decimal you wrote
(\`1.1\` is 11/10), so no floating-point error decides a finding. The ratio in the message is rounded
up to two decimals.

## Examples

### Incorrect

\`\`\`yaml
apiVersion: v1
kind: Pod
metadata:
  name: search
spec:
  containers:
    - name: search
      image: example/search:1.0
      resources:
        requests: {memory: 4Gi}
        limits: {memory: 31Gi}
\`\`\`

### Correct

\`\`\`yaml
apiVersion: v1
kind: Pod
metadata:
  name: search
spec:
  containers:
    - name: search
      image: example/search:1.0
      resources:
        requests: {memory: 4Gi}
        limits: {memory: 6Gi}
\`\`\`

## Options

### maxRatio

A number ≥ 1, default \`2\`: the largest allowed memory limit / request ratio. A limit exactly
\`maxRatio\` times the request is allowed. \`1\` demands limit == request (Guaranteed-style memory);
\`1.5\` allows a 6Gi limit on a 4Gi request.

## When not to use it

For workloads with short, well-understood memory spikes (builds, batch jobs) on nodes reserved for
them, where overcommitting is a deliberate choice.
`,
  },
  check(w, { options }) {
    const maxRatio = options.maxRatio;
    const reports: RuleReport<MessageIds>[] = [];
    const a = w.analysis;
    for (const c of a.containers) {
      if (c.memoryRequest === null || c.memoryLimit === null) continue;
      if (!ratioExceeds(c.memoryLimit, c.memoryRequest, maxRatio)) continue;
      reports.push({
        messageId: 'containerRatio' as const,
        data: {
          what: containerNoun(c.type),
          container: c.name,
          limit: formatBytes(c.memoryLimit),
          request: formatBytes(c.memoryRequest),
          ratio: formatRatio(c.memoryLimit, c.memoryRequest),
          maxRatio: String(maxRatio),
        },
        path: `${containerPointer(w, c)}/resources/limits/memory`,
        container: c.name,
      });
    }
    if (a.podLevelResources && a.podMemoryRequest !== null && a.podMemoryLimit !== null) {
      if (ratioExceeds(a.podMemoryLimit, a.podMemoryRequest, maxRatio)) {
        reports.push({
          messageId: 'podRatio' as const,
          data: {
            limit: formatBytes(a.podMemoryLimit),
            request: formatBytes(a.podMemoryRequest),
            ratio: formatRatio(a.podMemoryLimit, a.podMemoryRequest),
            maxRatio: String(maxRatio),
          },
          path: `${podSpecPointer(w)}/resources/limits/memory`,
        });
      }
    }
    return reports;
  },
});
