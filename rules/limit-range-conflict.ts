// Two LimitRanges of one namespace default the same value differently: which one the API server
// applies is not defined, so the QoS class and oom_score_adj of the Pods are not either.
import { defineRule } from './define-rule.js';
import { containerPointer } from './utils.js';

type Options = Record<string, never>;
type MessageIds = 'conflict';

export default defineRule<Options, MessageIds>({
  meta: {
    id: 'limit-range-conflict',
    severity: 'warning',
    description: 'Reports containers whose missing request or limit two LimitRanges of the namespace default to different values.',
    remediation:
      'Set the value on the container, so that no LimitRange default applies, or keep one defaulting LimitRange per resource in the namespace.',
    fixable: false,
    options: { type: 'object', properties: {}, additionalProperties: false },
    defaultOptions: {},
    messages: {
      conflict:
        'container "{{container}}" has no {{resource}} {{side}}: LimitRange {{used}} defaults it to {{usedValue}} and LimitRange {{ignored}} to {{ignoredValue}}, and which one the API server applies is not defined (oomguard used {{usedValue}}, the first in input order)',
    },
    docs: `\
## Why it matters

A container that leaves a request or limit unset gets it from the namespace's LimitRanges when its
Pod is created. When several LimitRanges default the same resource, each fills only what is still
missing, in an order Kubernetes does not define: "it is not deterministic which default value will
be applied" (kubernetes.io, *Limit Ranges*). The same manifest can then run Burstable in one Pod
and Guaranteed in the next, with a different \`oom_score_adj\`, or be refused by a bound that only
one of the defaults breaks.

## Kubernetes behaviour

\`plugin/pkg/admission/limitranger/admission.go\` lists the namespace's LimitRanges from an
informer cache and, for each, fills the container's missing \`requests\` from \`defaultRequest\` and
missing \`limits\` from \`default\` (\`mergeContainerResources\`). The first LimitRange processed wins,
and the cache's order is not a stable order. oomguard applies LimitRanges in input order (the
webhook: by name) and reports each value two of them default differently.

## Examples

### Incorrect

\`\`\`yaml
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: team-a}
spec:
  limits:
    - type: Container
      default: {memory: 512Mi}
---
apiVersion: v1
kind: LimitRange
metadata: {name: platform-defaults, namespace: team-a}
spec:
  limits:
    - type: Container
      defaultRequest: {memory: 256Mi}
      default: {memory: 1Gi}
---
apiVersion: v1
kind: Pod
metadata: {name: shell, namespace: team-a}
spec:
  containers:
    - name: shell
      image: busybox:1.36
\`\`\`

### Correct

\`\`\`yaml
apiVersion: v1
kind: Pod
metadata: {name: shell, namespace: team-a}
spec:
  containers:
    - name: shell
      image: busybox:1.36
      resources:
        requests: {memory: 256Mi}
        limits: {memory: 512Mi}
\`\`\`

## Options

This rule has no options.

## When not to use it

When the LimitRanges in your inputs are not the ones the cluster has (pass those with
\`--limit-ranges\`).
`,
  },
  check(w) {
    return w.analysis.limitRanges.conflicts.map((c) => ({
      messageId: 'conflict' as const,
      data: {
        container: c.container,
        resource: c.resource,
        side: c.which === 'requests' ? 'request' : 'limit',
        used: c.used.limitRange,
        usedValue: c.used.value,
        ignored: c.ignored.limitRange,
        ignoredValue: c.ignored.value,
      },
      path: containerPointer(w, c),
      container: c.container,
    }));
  },
});
