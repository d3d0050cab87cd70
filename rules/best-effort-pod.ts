// A BestEffort pod: every container gets oom_score_adj 1000.
import { defineRule } from './define-rule.js';
import { podSpecPointer, withArticle } from './utils.js';

type Options = Record<string, never>;
type MessageIds = 'bestEffort';

export default defineRule<Options, MessageIds>({
  meta: {
    id: 'best-effort-pod',
    severity: 'warning',
    description: 'Reports pods whose QoS class is BestEffort: no container sets a cpu or memory request or limit.',
    remediation:
      'Give every container a memory request (and ideally a memory limit and a cpu request) sized from its observed usage, so the pod becomes Burstable or Guaranteed.',
    fixable: false,
    options: { type: 'object', properties: {}, additionalProperties: false },
    defaultOptions: {},
    messages: {
      bestEffort:
        'pod is BestEffort: {{containers}} oom_score_adj 1000 on {{aNodeMemory}} node — the first to be OOM-killed and evicted under node memory pressure',
    },
    docs: `\
## Why it matters

A pod whose containers set no cpu or memory requests or limits is BestEffort. Every one of its
containers gets \`oom_score_adj\` 1000, the highest value the kubelet assigns: when the node runs
out of memory the kernel kills them before any Burstable or Guaranteed container, and under memory
pressure the kubelet evicts the pod early because any usage at all exceeds its (zero) request.
The scheduler also reserves nothing for it, so it lands on nodes that are already full.

## Kubernetes behaviour

- QoS class: \`pkg/apis/core/v1/helper/qos/qos.go\` (\`ComputePodQOS\`): only \`cpu\` and \`memory\` count,
  zero quantities count as unset, init containers are included; nothing set means BestEffort. The
  API server records it in \`status.qosClass\` and, since 1.29, the kubelet reads it from there.
- \`pkg/kubelet/qos/policy.go\` (\`GetContainerOOMScoreAdjust\`): BestEffort → 1000 for every container,
  unless the pod is node-critical (\`priorityClassName: system-node-critical\`, -997). Node-critical
  pods are therefore not reported by this rule.
- \`pkg/kubelet/eviction/helpers.go\` (\`rankMemoryPressure\`): pods whose usage exceeds their request
  are evicted first, then by priority, then by usage above the request.
- LimitRange (\`plugin/pkg/admission/limitranger/admission.go\`): a LimitRange of the namespace that
  defaults cpu or memory requests or limits turns every bare Pod Burstable or Guaranteed at
  creation. oomguard judges the Pod after the LimitRanges it is given (among the inputs, with
  \`--limit-ranges\`, or the cluster's in the webhook), so this rule does not fire where a
  LimitRange supplies the values; a LimitRange defaulting only \`ephemeral-storage\`, hugepages or
  extended resources leaves the Pod BestEffort.
- A LimitRange with \`default\`/\`defaultRequest\` can turn such a pod Burstable at admission; the
  linter cannot see that.

The finding is reported once per workload, at the pod spec.

## Examples

### Incorrect

\`\`\`yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  selector:
    matchLabels: {app: worker}
  template:
    metadata:
      labels: {app: worker}
    spec:
      containers:
        - name: worker
          image: example/worker:1.0
\`\`\`

### Correct

\`\`\`yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  selector:
    matchLabels: {app: worker}
  template:
    metadata:
      labels: {app: worker}
    spec:
      containers:
        - name: worker
          image: example/worker:1.0
          resources:
            requests: {memory: 256Mi}
            limits: {memory: 512Mi}
\`\`\`

## Options

This rule has no options.

## When not to use it

For batch or scavenger workloads that are meant to use only spare capacity and may be killed at
any time. Suppress them with \`oomguard.io/ignore: best-effort-pod\` rather than turning the rule off.
`,
  },
  check(w, { nodeMemory }) {
    const a = w.analysis;
    if (a.qosClass !== 'BestEffort' || a.nodeCritical) return [];
    const n = a.containers.length;
    return [
      {
        messageId: 'bestEffort',
        data: {
          containers: n === 1 ? 'its container gets' : `all ${n} containers get`,
          nodeMemory,
          aNodeMemory: withArticle(nodeMemory),
        },
        path: podSpecPointer(w),
      },
    ];
  },
});
