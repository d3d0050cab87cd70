// Memory that cannot fit the node: a request above allocatable is never scheduled; a limit
// above it is never reached before the node itself runs out.
import { defineRule } from './define-rule.js';
import { containerNoun, containerPointer, formatBytes, podSpecPointer } from './utils.js';

type Options = Record<string, never>;
type MessageIds = 'requestExceedsNode' | 'limitExceedsNode' | 'podLimitExceedsNode';

export default defineRule<Options, MessageIds>({
  meta: {
    id: 'memory-exceeds-node',
    severity: 'error',
    description: 'Reports memory requests and limits larger than the node\'s allocatable memory (or capacity when allocatable is unknown).',
    remediation:
      'Lower the memory request and limit below the node\'s allocatable memory, or schedule the workload onto larger nodes (and pass that node with --node or --node-memory).',
    fixable: false,
    options: { type: 'object', properties: {}, additionalProperties: false },
    defaultOptions: {},
    messages: {
      requestExceedsNode:
        'pod requests {{request}} of memory, more than the node\'s {{fitMemory}} {{fitWhat}}: it can never be scheduled there (Pending, "Insufficient memory")',
      limitExceedsNode:
        '{{what}} "{{container}}" memory limit {{limit}} is above the node\'s {{fitMemory}} {{fitWhat}}: the node runs out of memory before the limit is reached, evicting and OOM-killing pods',
      podLimitExceedsNode:
        'pod-level memory limit {{limit}} is above the node\'s {{fitMemory}} {{fitWhat}}: the node runs out of memory before the limit is reached, evicting and OOM-killing pods',
    },
    docs: `\
## Why it matters

- **A request larger than the node never schedules.** The scheduler only places a pod on a node
  whose allocatable memory minus what is already requested covers the pod's request. If the request
  exceeds the allocatable memory of an empty node, the pod stays \`Pending\` forever with
  \`0/N nodes are available: N Insufficient memory\`.
- **A limit larger than the node is a limit in name only.** The container's cgroup is never the
  first thing to fill: the node's \`kubepods\` cgroup (capacity minus kube-reserved and
  system-reserved) or the node itself runs out first. Instead of a clean OOM kill of the offending
  container at its limit, the node goes into memory pressure, the kubelet evicts pods, and the
  kernel's OOM killer picks victims across the node by \`oom_score_adj\`.

## Kubernetes behaviour

- Allocatable (\`pkg/kubelet/cm/node_container_manager_linux.go\`, \`pkg/kubelet/nodestatus/setters.go\`):
  capacity − kube-reserved − system-reserved − the hard eviction threshold (default
  \`memory.available<100Mi\`). Cloud providers reserve far more (GKE reserves 25% of the first 4GiB,
  20% of the next 4GiB, …; EKS 11MiB per pod + 255MiB).
- The pod's effective request (scheduler \`pkg/scheduler/framework/plugins/noderesources/fit.go\`, via
  \`k8s.io/component-helpers/resource\` \`PodRequests\`): the larger of the sum over regular containers
  and sidecars and each init container plus the sidecars started before it (KEP-753); the pod-level
  request when \`spec.resources\` sets one (KEP-2837).
- The check uses \`status.allocatable.memory\` when a Node manifest was given (\`--node\`), otherwise the
  capacity (\`--node-memory\`), which is generous: the real allocatable is always smaller. With several
  nodes, the smallest one is used.
- A container whose own request already exceeds the node is reported once, by the request finding.

## Examples

### Incorrect

On an 8Gi node:

\`\`\`yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
        - name: db
          image: example/db:1.0
          resources:
            requests: {memory: 12Gi}
            limits: {memory: 12Gi}
\`\`\`

### Correct

\`\`\`yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
        - name: db
          image: example/db:1.0
          resources:
            requests: {memory: 6Gi}
            limits: {memory: 6Gi}
\`\`\`

## Options

This rule has no options. The node comes from \`--node\` (a Node or NodeList manifest, for
allocatable) or \`--node-memory\` (capacity).

## When not to use it

When the node given to oomguard is not the node the workload runs on (a dedicated large node
pool): pass that pool's node instead of turning the rule off.
`,
  },
  check(w, { nodeFit: fit }) {
    const a = w.analysis;
    const base = { fitMemory: fit.text, fitWhat: fit.what };
    const reports = [];
    const requestTooBig = a.effectiveMemoryRequest > fit.bytes;
    if (requestTooBig) {
      const podLevel = a.podLevelResources && a.podMemoryRequest !== null;
      reports.push({
        messageId: 'requestExceedsNode' as const,
        data: { ...base, request: formatBytes(a.effectiveMemoryRequest) },
        path: podLevel ? `${podSpecPointer(w)}/resources/requests/memory` : podSpecPointer(w),
      });
    }
    // A pod-level request that does not fit already says the pod never runs; its limit adds nothing.
    const podRequestTooBig = requestTooBig && a.podLevelResources && a.podMemoryRequest !== null && a.podMemoryRequest > fit.bytes;
    if (a.podLevelResources && a.podMemoryLimit !== null && a.podMemoryLimit > fit.bytes && !podRequestTooBig) {
      reports.push({
        messageId: 'podLimitExceedsNode' as const,
        data: { ...base, limit: formatBytes(a.podMemoryLimit) },
        path: `${podSpecPointer(w)}/resources/limits/memory`,
      });
    }
    for (const c of a.containers) {
      if (c.memoryLimit === null || c.memoryLimit <= fit.bytes) continue;
      // Its own request alone does not fit: the request finding already says the pod never runs.
      if (requestTooBig && c.memoryRequest !== null && c.memoryRequest > fit.bytes) continue;
      reports.push({
        messageId: 'limitExceedsNode' as const,
        data: { ...base, what: containerNoun(c.type), container: c.name, limit: formatBytes(c.memoryLimit) },
        path: `${containerPointer(w, c)}/resources/limits/memory`,
        container: c.name,
      });
    }
    return reports;
  },
});
