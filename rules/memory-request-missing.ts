// A container with no memory request: the scheduler reserves nothing for it, and in a Burstable
// pod the kubelet gives it oom_score_adj 999, the worst score short of BestEffort.
import { defineRule } from './define-rule.js';
import { containerNoun, containerPointer, withArticle } from './utils.js';

type Options = Record<string, never>;
type MessageIds = 'burstable' | 'burstableCapped' | 'bestEffort' | 'nodeCritical' | 'noRequest';

export default defineRule<Options, MessageIds>({
  meta: {
    id: 'memory-request-missing',
    severity: 'error',
    description: 'Requires a memory request on every container and sidecar (init containers: warning).',
    remediation:
      'Set resources.requests.memory on the container to its steady working set (for example from container_memory_working_set_bytes), and a memory limit at or above it.',
    fixable: false,
    options: { type: 'object', properties: {}, additionalProperties: false },
    defaultOptions: {},
    messages: {
      burstable:
        '{{what}} "{{container}}" has no memory request: pod is Burstable, oom_score_adj {{oomScoreAdj}} on {{aNodeMemory}} node — killed right after BestEffort containers under node memory pressure',
      burstableCapped:
        '{{what}} "{{container}}" has no memory request: pod is Burstable, oom_score_adj {{oomScoreAdj}} on {{aNodeMemory}} node (capped at its regular containers\' score), and no memory is reserved for it',
      bestEffort:
        '{{what}} "{{container}}" has no memory request: pod is BestEffort, oom_score_adj 1000 on {{aNodeMemory}} node — killed first under node memory pressure',
      nodeCritical:
        '{{what}} "{{container}}" has no memory request: the pod is node-critical (oom_score_adj {{oomScoreAdj}} on {{aNodeMemory}} node), but no memory is reserved for it and the node can be overcommitted',
      noRequest:
        '{{what}} "{{container}}" has no memory request: pod is {{qosClass}}, oom_score_adj {{oomScoreAdj}} on {{aNodeMemory}} node, and no memory is reserved for it',
    },
    docs: `\
## Why it matters

A memory request is two promises at once. The scheduler places the pod only on a node with that
much unreserved memory, and the kubelet ranks the container for the kernel's OOM killer by it.
A container without a request gets neither: nothing is reserved for it, so the node can be filled
with other pods, and its \`oom_score_adj\` is as bad as it gets without being BestEffort.

This is the classic "who killed my Prometheus" case: a Deployment whose sidecar
(\`configmap-reload\`) set requests and limits while the main \`prometheus\` container set none. The
pod is Burstable, so the kubelet computes \`oom_score_adj = 1000 - 1000 × request / capacity\` for
each container. With no request that is 1000, which the kubelet lowers to 999 so that Burstable
stays ahead of BestEffort: on node memory pressure the Prometheus server, the largest process on
the node, was the kernel's first choice, and it crash-looped with exit code 137.

## Kubernetes behaviour

- **Defaulting** (\`pkg/apis/core/v1/defaults.go\`, \`SetDefaults_Pod\`): a container with a memory
  limit and no request gets request = limit. So this rule fires only for containers with neither
  (or an explicit request of \`0\`, which counts as none), judged after defaulting.
- **QoS class** (\`pkg/apis/core/v1/helper/qos/qos.go\`): one container without requests makes the pod
  Burstable (or BestEffort if no container sets anything).
- **oom_score_adj** (\`pkg/kubelet/qos/policy.go\`, \`GetContainerOOMScoreAdjust\`): Guaranteed and
  node-critical pods get -997, BestEffort pods 1000, Burstable containers
  \`1000 - 1000 × memoryRequest / memoryCapacity\`, clamped to [3, 999]. No request means 999.
  Since 1.32 a sidecar's score is capped at the score of the regular container with the smallest
  request (\`pkg/kubelet/qos/helpers.go\`, \`minRegularContainerMemory\`).
- **Eviction** (\`pkg/kubelet/eviction/helpers.go\`, \`rankMemoryPressure\`): under memory pressure the
  kubelet evicts first the pods whose usage exceeds their request; with no request, any usage does.
- **Pod-level resources** (KEP-2837, \`spec.resources\`, on by default since 1.34): when the pod sets a
  pod-level memory request, containers share it and may omit their own; this rule then stays quiet.
- **LimitRange** (\`plugin/pkg/admission/limitranger/admission.go\`): when a LimitRange of the
  workload's namespace gives containers a default memory request (\`defaultRequest\`, or a
  \`default\`, \`max\` or \`min\` standing in for it), every Pod gets that request at creation, and
  this rule stays quiet: oomguard judges the Pod after the LimitRange, with the LimitRanges found
  among the inputs or given with \`--limit-ranges\` (the webhook reads the cluster's). JSON output
  marks such values (\`setByLimitRange\`) and \`oomguard explain\` names the LimitRange.

Plain init containers are reported as warnings: they run one at a time before the app starts, but
while they run they are ranked by the same formula. Sidecars (init containers with
\`restartPolicy: Always\`) run for the pod's lifetime and are errors like regular containers.
Node-critical pods (\`priorityClassName: system-node-critical\`) keep -997 whatever they request,
yet the scheduler still reserves nothing for them, so they are reported too.

## Examples

### Incorrect

\`\`\`yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: prometheus
spec:
  selector:
    matchLabels: {app: prometheus}
  template:
    metadata:
      labels: {app: prometheus}
    spec:
      containers:
        - name: prometheus-configmap-reload
          image: jimmidyson/configmap-reload:v0.1
          resources:
            requests: {cpu: 100m, memory: 50Mi}
            limits: {cpu: 200m, memory: 100Mi}
        - name: prometheus
          image: prom/prometheus:v2.14.0
\`\`\`

On an 8Gi node: \`container "prometheus" has no memory request: pod is Burstable, oom_score_adj 999
on an 8Gi node — killed right after BestEffort containers under node memory pressure\`.

### Correct

\`\`\`yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: prometheus
spec:
  selector:
    matchLabels: {app: prometheus}
  template:
    metadata:
      labels: {app: prometheus}
    spec:
      containers:
        - name: prometheus-configmap-reload
          image: jimmidyson/configmap-reload:v0.1
          resources:
            requests: {cpu: 100m, memory: 50Mi}
            limits: {cpu: 200m, memory: 100Mi}
        - name: prometheus
          image: prom/prometheus:v2.14.0
          resources:
            requests: {cpu: "1", memory: 4Gi}
            limits: {memory: 4Gi}
\`\`\`

A memory limit alone is enough as well: defaulting copies it into the request.

## Options

This rule has no options.

## When not to use it

For throwaway pods where being killed first is acceptable. When the target namespaces have a
LimitRange that supplies memory requests, give it to oomguard (\`--limit-ranges\`, e.g.
\`kubectl get limitranges -A -o yaml\`) rather than turning the rule off: it then reports only what
the LimitRange leaves unset. Prefer suppressing single workloads with the \`oomguard.io/ignore\`
annotation.
`,
  },
  check(w, { nodeMemory }) {
    const a = w.analysis;
    // A pod-level memory request covers containers that set none (KEP-2837).
    if (a.podLevelResources && a.podMemoryRequest !== null) return [];
    return a.containers
      .filter((c) => c.memoryRequest === null)
      .map((c) => {
        const data = {
          what: containerNoun(c.type),
          container: c.name,
          qosClass: a.qosClass,
          oomScoreAdj: c.oomScoreAdj,
          nodeMemory,
          aNodeMemory: withArticle(nodeMemory),
        };
        let messageId: MessageIds;
        if (a.nodeCritical) messageId = 'nodeCritical';
        else if (a.qosClass === 'BestEffort') messageId = 'bestEffort';
        else if (a.qosClass === 'Burstable') messageId = c.oomScoreAdj >= 999 ? 'burstable' : 'burstableCapped';
        else messageId = 'noRequest';
        return {
          messageId,
          data,
          path: containerPointer(w, c),
          container: c.name,
          ...(c.type === 'init' ? { severity: 'warning' as const } : {}),
        };
      });
  },
});
