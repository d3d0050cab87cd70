// A pod whose node is not among the given nodes: spec.nodeName names another node, or its
// nodeSelector and required node affinity match none. Its numbers then cannot be those of its
// node; oomguard judges it as unplaced, on the smallest node (core/placement.ts).
import { defineRule } from './define-rule.js';
import { podSpecPointer } from './utils.js';

type Options = Record<string, never>;
type MessageIds = 'unknownNodeName' | 'noMatchingNode';

export default defineRule<Options, MessageIds>({
  meta: {
    id: 'node-not-found',
    severity: 'warning',
    description: 'Reports pods bound by spec.nodeName to a node that is not among the given nodes, or whose node selectors match none of them.',
    remediation:
      'Pass the node the pod runs on (--node with kubectl get nodes -o yaml), or fix spec.nodeName, the nodeSelector or the required node affinity.',
    fixable: false,
    options: { type: 'object', properties: {}, additionalProperties: false },
    defaultOptions: {},
    messages: {
      unknownNodeName:
        'spec.nodeName "{{nodeName}}" is not among the given nodes: the pod is judged as unplaced, on node {{judgedOn}} ({{capacity}}), not on the node it runs on',
      noMatchingNode:
        'the nodeSelector and required node affinity match none of the {{count}} given nodes: the scheduler would leave the pod Pending; it is judged on node {{judgedOn}} ({{capacity}}), the smallest',
    },
    docs: `\
## Why it matters

The kubelet computes a Burstable container's \`oom_score_adj\` from the memory capacity of the node
the pod runs on. With several nodes given (\`--node\`, or the cluster's nodes in the webhook),
oomguard judges each pod on its own node: the one \`spec.nodeName\` names, else the smallest of the
nodes its \`nodeSelector\` and required node affinity allow, else the smallest of all. When the pod
names a node that is not there, or its selectors match no node, its numbers cannot be its node's:

- a \`nodeName\` outside the list usually means the node list is stale or from another cluster;
  the pod is judged as unplaced (by its selectors, else on the smallest node);
- selectors that match no node mean the scheduler would leave the pod \`Pending\`
  (\`0/N nodes are available: N node(s) didn't match Pod's node affinity/selector\`).

## Kubernetes behaviour

- A pod with \`spec.nodeName\` skips the scheduler; the kubelet of that node runs it.
- The scheduler's NodeAffinity filter (\`pkg/scheduler/framework/plugins/nodeaffinity\`,
  \`k8s.io/component-helpers/scheduling/corev1/nodeaffinity\`): every \`nodeSelector\` label must be
  equal, and one of the required \`nodeSelectorTerms\` must match (an empty term matches nothing;
  within a term every \`matchExpressions\` entry on labels, with In, NotIn, Exists, DoesNotExist,
  Gt and Lt, and every \`matchFields\` entry, which only knows \`metadata.name\`).
- The rule is quiet when only a memory capacity was given (\`--node-memory\`, a preset, the default):
  there is nothing to match against.

## Examples

### Incorrect

With these nodes given (--node nodes.yaml):

\`\`\`yaml
apiVersion: v1
kind: NodeList
items:
  - apiVersion: v1
    kind: Node
    metadata: {name: small-1}
    status: {capacity: {memory: 4Gi}, allocatable: {memory: 3Gi}}
  - apiVersion: v1
    kind: Node
    metadata: {name: big-1}
    status: {capacity: {memory: 64Gi}, allocatable: {memory: 62Gi}}
\`\`\`

this Pod is reported: \`spec.nodeName "big-7" is not among the given nodes: the pod is judged as unplaced, on node small-1 (4Gi), not on the node it runs on\`.

\`\`\`yaml
apiVersion: v1
kind: Pod
metadata:
  name: cache
spec:
  nodeName: big-7
  containers:
    - name: cache
      image: redis:7
      resources:
        requests: {memory: 1Gi}
        limits: {memory: 2Gi}
\`\`\`

### Correct

\`\`\`yaml
apiVersion: v1
kind: Pod
metadata:
  name: cache
spec:
  nodeName: big-1
  containers:
    - name: cache
      image: redis:7
      resources:
        requests: {memory: 1Gi}
        limits: {memory: 2Gi}
\`\`\`

## Options

This rule has no options.

## When not to use it

When the node list given is deliberately a sample (a staging pool standing in for production).
`,
  },
  check(w, context) {
    const p = w.placement;
    if (p.basis === 'capacity') return [];
    const data = { count: p.facts.nodeNames.length, judgedOn: p.node ?? '', capacity: context.nodeMemory };
    const spec = podSpecPointer(w);
    if (p.unknownNodeName !== null) {
      return [{ messageId: 'unknownNodeName' as const, data: { nodeName: p.unknownNodeName, judgedOn: data.judgedOn, capacity: data.capacity }, path: `${spec}/nodeName` }];
    }
    if (p.noNodeMatches) {
      const hasSelector = typeof w.pod.spec?.nodeSelector === 'object' && w.pod.spec?.nodeSelector !== null;
      return [{ messageId: 'noMatchingNode' as const, data, path: hasSelector ? `${spec}/nodeSelector` : `${spec}/affinity` }];
    }
    return [];
  },
});
