// A container with no memory limit: its cgroup is unbounded, so a leak is the node's problem.
import { defineRule } from './define-rule.js';
import { containerNoun, containerPointer } from './utils.js';

type Options = Record<string, never>;
type MessageIds = 'missing';

export default defineRule<Options, MessageIds>({
  meta: {
    id: 'memory-limit-missing',
    severity: 'warning',
    description: 'Requires a memory limit on every container, sidecar and init container.',
    remediation:
      'Set resources.limits.memory to the most the container may ever use (at or above its request); the container is then OOM-killed alone instead of pushing the node into memory pressure.',
    fixable: false,
    options: { type: 'object', properties: {}, additionalProperties: false },
    defaultOptions: {},
    messages: {
      missing:
        '{{what}} "{{container}}" has no memory limit: it can grow to the node\'s {{fitMemory}} {{fitWhat}}, so a leak brings node-wide OOM kills and evictions of other pods (its oom_score_adj: {{oomScoreAdj}})',
    },
    docs: `\
## Why it matters

A memory limit becomes the container's cgroup \`memory.max\`. When the container exceeds it, the
kernel OOM-kills a process *inside that cgroup* and the kubelet restarts the container: the damage
stays with the offender. Without a limit, a leak grows until the whole node runs short. Then the
kubelet starts evicting pods (the ones furthest above their requests first) and, if memory runs
out faster than eviction acts (it checks every 10 seconds), the kernel's global OOM killer picks a
victim among all processes on the node by \`oom_score_adj\` — often a different, well-behaved pod.

## Kubernetes behaviour

- \`pkg/kubelet/cm/\` sets each container cgroup's \`memory.max\` (cgroup v2) or
  \`memory.limit_in_bytes\` (v1) from \`resources.limits.memory\`; no limit means unlimited, bounded
  only by the pod cgroup (when every container has a limit) and the node's \`kubepods\` cgroup
  (capacity minus kube-reserved and system-reserved).
- Node-pressure eviction (\`pkg/kubelet/eviction/helpers.go\`, \`rankMemoryPressure\`) ranks pods by
  whether usage exceeds the request, then priority, then usage above the request.
- Without a memory limit the pod cannot be Guaranteed (\`pkg/apis/core/v1/helper/qos/qos.go\`).
- A pod-level memory limit (\`spec.resources.limits.memory\`, KEP-2837, on by default since 1.34)
  bounds all containers together; with one in effect this rule stays quiet.

The message states how far the container can grow: the node's allocatable memory when known
(\`--node\` with a Node manifest), otherwise its capacity.

## Examples

### Incorrect

\`\`\`yaml
apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  containers:
    - name: api
      image: example/api:1.0
      resources:
        requests: {memory: 512Mi}
\`\`\`

### Correct

\`\`\`yaml
apiVersion: v1
kind: Pod
metadata:
  name: api
spec:
  containers:
    - name: api
      image: example/api:1.0
      resources:
        requests: {memory: 512Mi}
        limits: {memory: 1Gi}
\`\`\`

## Options

This rule has no options.

## When not to use it

Some teams deliberately leave memory limits off for latency-sensitive workloads and rely on
accurate requests plus eviction instead. Then turn this rule off, and keep
\`memory-request-missing\` on: requests matter even more without limits.
`,
  },
  check(w, { nodeFit: fit }) {
    const a = w.analysis;
    if (a.podLevelResources && a.podMemoryLimit !== null) return [];
    return a.containers
      .filter((c) => c.memoryLimit === null)
      .map((c) => ({
        messageId: 'missing' as const,
        data: {
          what: containerNoun(c.type),
          container: c.name,
          fitMemory: fit.text,
          fitWhat: fit.what,
          oomScoreAdj: c.oomScoreAdj,
        },
        path: containerPointer(w, c),
        container: c.name,
      }));
  },
});
