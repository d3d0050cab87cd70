// The namespace's LimitRanges refuse the Pods: the workload is stored, its controller never
// creates a Pod. LimitRanger (plugin/pkg/admission/limitranger/admission.go) checks Pods only,
// never templates, so `kubectl apply` of a Deployment succeeds and the failure shows up later as
// a ReplicaSet event.
import { defineRule } from './define-rule.js';
import { containerPointer, escapeToken, isMapping, podSpecPointer, rawContainer } from './utils.js';
import type { PodRefusal } from '../src/core/types.js';
import type { Workload } from '../src/engine/types.js';

type Options = Record<string, never>;
type MessageIds = 'podsRefused' | 'podRefused' | 'podsInvalid' | 'podInvalid';

/** The field the refusal is about, as written when it is; else the container, else the pod spec. */
function refusalPointer(w: Workload, r: PodRefusal): string {
  if (r.container === null) return podSpecPointer(w);
  const at = containerPointer(w, r.container);
  const raw = rawContainer(w, r.container);
  const resources = raw !== undefined && isMapping(raw.resources) ? raw.resources : undefined;
  // A bound on the limit points at the limit, else at the request; a 422 at the request.
  const order = r.constraint === 'max' ? (['limits', 'requests'] as const) : (['requests', 'limits'] as const);
  for (const which of order) {
    const list = resources?.[which];
    if (isMapping(list) && Object.hasOwn(list, r.resource)) return `${at}/resources/${which}/${escapeToken(r.resource)}`;
  }
  return at;
}

export default defineRule<Options, MessageIds>({
  meta: {
    id: 'limit-range-refuses-pod',
    severity: 'error',
    description: "Reports workloads whose Pods the namespace's LimitRanges would refuse: the workload is accepted, its Pods are never created.",
    remediation:
      "Bring the container's requests and limits within the LimitRange's min, max and maxLimitRequestRatio (or set them where its defaults would break request <= limit), or ask the namespace's owners to change the LimitRange.",
    fixable: false,
    options: { type: 'object', properties: {}, additionalProperties: false },
    defaultOptions: {},
    messages: {
      podsRefused:
        'LimitRange {{limitRange}} refuses the Pods of this {{kind}}: {{reason}}{{subject}} — the {{kind}} is accepted, but its Pods are never created (403 Forbidden)',
      podRefused: 'LimitRange {{limitRange}} refuses this Pod: {{reason}}{{subject}} (403 Forbidden)',
      podsInvalid:
        'LimitRange {{limitRange}} makes the Pods of this {{kind}} invalid: its default gives {{reason}}{{subject}} — the {{kind}} is accepted, but its Pods are never created (422 Invalid)',
      podInvalid: 'LimitRange {{limitRange}} makes this Pod invalid: its default gives {{reason}}{{subject}} (422 Invalid)',
    },
    docs: `\
## Why it matters

A LimitRange is enforced by the \`LimitRanger\` admission plugin on **Pods**, not on the
Deployments, StatefulSets, DaemonSets, Jobs and CronJobs that create them. \`kubectl apply\` of a
Deployment whose container asks for more than the namespace allows succeeds; then its ReplicaSet
fails to create a single Pod, and the only trace is an event such as
\`Error creating: pods "web-7d4b9c-" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi\`.
Rollouts stall with the old Pods still running, or a new workload never starts at all.

## Kubernetes behaviour

\`plugin/pkg/admission/limitranger/admission.go\`, applied to every Pod created in the namespace
(containers and init containers, sidecars included; ephemeral containers and static pods are not):

1. **Defaults** (mutating): each LimitRange's \`type: Container\` item fills every missing request
   (\`defaultRequest\`) and limit (\`default\`); \`max\` stands in for a missing \`default\` and
   \`default\` or \`min\` for a missing \`defaultRequest\` (\`SetDefaults_LimitRangeItem\`). A
   container's own request is not compared with the default limit: requesting more than the
   default limit gives a request above the limit, which validation refuses with **422 Invalid**
   (\`must be less than or equal to ... limit\`).
2. **Bounds** (validating, **403 Forbidden**), per resource:
   - \`min\`: no request, or a request or limit below it;
   - \`max\`: no limit, or a limit or request above it;
   - \`maxLimitRequestRatio\`: a missing or zero request or limit, or limit / request above it.

   \`type: Container\` items are checked for each container; \`type: Pod\` items against the pod's
   totals: up to 1.27 the sum over the regular containers (only of resources all of them set) or
   an init container's own value when larger; from 1.28 the sidecar-aware total of KEP-753; with
   \`PodLevelResources\` (on by default from 1.34) the pod-level \`spec.resources\` values.
   Values are compared after rounding up to milli-units, as every release up to 1.37 does.

oomguard applies the LimitRanges found among the linted inputs (and \`--limit-ranges\`, or the
cluster's for the webhook) to the Pods the workload's template produces, and reports each broken
bound with the API server's own words. Several LimitRanges in one namespace are each checked.

## Examples

### Incorrect

\`\`\`yaml
apiVersion: v1
kind: LimitRange
metadata:
  name: container-bounds
  namespace: team-a
spec:
  limits:
    - type: Container
      max: {memory: 1Gi}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: reports
  namespace: team-a
spec:
  selector:
    matchLabels: {app: reports}
  template:
    metadata:
      labels: {app: reports}
    spec:
      containers:
        - name: renderer
          image: example/renderer:3.2
          resources:
            requests: {memory: 1536Mi}
            limits: {memory: 2Gi}
\`\`\`

\`LimitRange team-a/container-bounds refuses the Pods of this Deployment: maximum memory usage per
Container is 1Gi, but limit is 2Gi (container "renderer") — the Deployment is accepted, but its Pods
are never created (403 Forbidden)\`.

### Correct

\`\`\`yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: reports
  namespace: team-a
spec:
  selector:
    matchLabels: {app: reports}
  template:
    metadata:
      labels: {app: reports}
    spec:
      containers:
        - name: renderer
          image: example/renderer:3.2
          resources:
            requests: {memory: 1Gi}
            limits: {memory: 1Gi}
\`\`\`

## Options

This rule has no options.

## When not to use it

Never turn it off for namespaces whose LimitRanges oomguard sees: a refused Pod is an outage. When
the LimitRanges in your inputs are not the cluster's (a template for many clusters), pass the real
ones with \`--limit-ranges\` (\`kubectl get limitranges -A -o yaml\`).
`,
  },
  check(w) {
    const pod = w.kind === 'Pod';
    return w.analysis.limitRanges.refusals.map((r) => {
      const messageId: MessageIds = r.status === 422 ? (pod ? 'podInvalid' : 'podsInvalid') : pod ? 'podRefused' : 'podsRefused';
      const v = r.invalid;
      const reason =
        v === undefined
          ? r.message
          : v.defaulted === 'limit'
            ? `a ${r.resource} limit of ${v.limit}, below the ${r.resource} request of ${v.request}`
            : `a ${r.resource} request of ${v.request}, above the ${r.resource} limit of ${v.limit}`;
      return {
        messageId,
        data: {
          limitRange: r.limitRange,
          kind: w.kind,
          reason,
          subject: r.container === null ? ' (pod total)' : ` (container "${r.container.name}")`,
        },
        path: refusalPointer(w, r),
        ...(r.container !== null ? { container: r.container.name } : {}),
      };
    });
  },
});
