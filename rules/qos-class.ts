// A policy rule: workloads (optionally selected by labels and namespaces) must reach a minimum
// QoS class. Off by default; the finding says why the class is lower and what the kubelet will
// set as oom_score_adj, and offers requests = limits when that is all Guaranteed needs.
import { defineRule } from './define-rule.js';
import type { RuleReport } from './define-rule.js';
import { containerNoun, formatBytes, isMapping, parseQuantity, withArticle, podSpecPointer } from './utils.js';
import { formatMillis } from '../src/core/quantity.js';
import { requestsEqualLimitsPatch } from '../src/engine/fix.js';
import type { DecidingStanzas } from '../src/engine/fix.js';
import type { Quantity } from '../src/core/quantity.js';
import type { ContainerResult, QosClass } from '../src/core/types.js';
import type { PatchOperation, Workload } from '../src/engine/types.js';

type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

interface LabelSelectorRequirement {
  key: string;
  operator: Operator;
  values?: string[];
}

/** A Kubernetes metav1.LabelSelector. */
interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

interface Options {
  minimum: 'Guaranteed' | 'Burstable';
  selector?: LabelSelector;
  namespaces?: string[];
}
type MessageIds = 'belowGuaranteed' | 'bestEffort';

const RANK: Record<QosClass, number> = { BestEffort: 0, Burstable: 1, Guaranteed: 2 };
const QOS_RESOURCES = ['cpu', 'memory'] as const;
type QosResource = (typeof QOS_RESOURCES)[number];

// ---------------------------------------------------------------------------------------------
// Which workloads the policy applies to.

function labelsOf(v: unknown): Record<string, string> | null {
  if (!isMapping(v) || !isMapping(v.labels) || Object.keys(v.labels).length === 0) return null;
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(v.labels)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[k] = String(value);
  }
  return out;
}

/** LabelSelectorAsSelector semantics: every matchLabels pair and every requirement must hold; {} matches all. */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  const has = (k: string) => Object.prototype.hasOwnProperty.call(labels, k);
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (!has(k) || labels[k] !== v) return false;
  }
  for (const r of selector.matchExpressions ?? []) {
    const values = r.values ?? [];
    switch (r.operator) {
      case 'In':
        if (!has(r.key) || !values.includes(labels[r.key])) return false;
        break;
      case 'NotIn':
        if (has(r.key) && values.includes(labels[r.key])) return false;
        break;
      case 'Exists':
        if (!has(r.key)) return false;
        break;
      case 'DoesNotExist':
        if (has(r.key)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

function applies(w: Workload, options: Options): boolean {
  if (options.namespaces !== undefined && !options.namespaces.includes(w.namespace ?? 'default')) return false;
  if (options.selector !== undefined) {
    const labels = labelsOf(w.pod.metadata) ?? labelsOf(w.source.object.metadata) ?? {};
    if (!selectorMatches(options.selector, labels)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Why the class is what it is: per stanza (a container's resources, or the pod-level ones),
// after API-server defaulting, positive cpu/memory quantities only (zero counts as unset).

interface Stanza {
  requests: Partial<Record<QosResource, Quantity>>;
  limits: Partial<Record<QosResource, Quantity>>;
}

function readStanza(defaulted: unknown): Stanza {
  const stanza: Stanza = { requests: {}, limits: {} };
  const d = isMapping(defaulted) ? defaulted : {};
  for (const which of ['requests', 'limits'] as const) {
    const list = d[which];
    if (!isMapping(list)) continue;
    for (const name of QOS_RESOURCES) {
      const q = parseQuantity(list[name]);
      if (q !== null && q.sign() > 0) stanza[which][name] = q;
    }
  }
  return stanza;
}

function isEmpty(s: Stanza): boolean {
  return Object.keys(s.requests).length === 0 && Object.keys(s.limits).length === 0;
}

function isGuaranteedShape(s: Stanza): boolean {
  return QOS_RESOURCES.every((r) => {
    const lim = s.limits[r];
    const req = s.requests[r];
    return lim !== undefined && req !== undefined && req.cmp(lim) === 0;
  });
}

function hasBothLimits(s: Stanza): boolean {
  return QOS_RESOURCES.every((r) => s.limits[r] !== undefined);
}

function amount(r: QosResource, q: Quantity | undefined): string {
  if (q === undefined) return '0';
  return r === 'cpu' ? formatMillis(q.milliValue()) : formatBytes(q.value());
}

/** "no cpu limit, memory request 1Gi ≠ limit 2Gi". */
function stanzaProblems(s: Stanza): string[] {
  const missing = QOS_RESOURCES.filter((r) => s.limits[r] === undefined);
  const problems: string[] = [];
  if (missing.length === 2) problems.push('no cpu or memory limit');
  else if (missing.length === 1) problems.push(`no ${missing[0]} limit`);
  for (const r of QOS_RESOURCES) {
    const lim = s.limits[r];
    const req = s.requests[r];
    if (lim === undefined) continue;
    if (req === undefined || req.cmp(lim) !== 0) problems.push(`${r} request ${amount(r, req)} ≠ limit ${amount(r, lim)}`);
  }
  return problems;
}

/**
 * The fix: the requests-equal-limits patch that `oomguard fix` and the mutating webhook apply
 * (src/engine/fix.ts), narrowed to the stanzas that decide the class, so that it touches
 * only what the finding explains. Offered only when every deciding stanza has both limits: the
 * defaulted pod holds limits exactly as written, so the patch then raises every request that
 * differs (a container request that is not written already defaults to its limit), and the pod
 * becomes Guaranteed.
 */
function requestsEqualLimits(w: Workload, deciding: DecidingStanzas): PatchOperation[] {
  return requestsEqualLimitsPatch(w.source.object, w.podPointer, deciding);
}

interface Explanation {
  predicted: QosClass;
  reasons: string;
  fix: PatchOperation[];
}

function defaultedContainer(w: Workload, c: ContainerResult): unknown {
  const [, list, index] = c.specPointer.split('/');
  const spec = w.defaultedPod.spec as Record<string, unknown> | null | undefined;
  const containers = isMapping(spec) ? spec[list] : undefined;
  return Array.isArray(containers) ? containers[Number(index)] : undefined;
}

function explainPodLevel(w: Workload): Explanation {
  const defaulted = isMapping(w.defaultedPod.spec) ? w.defaultedPod.spec.resources : undefined;
  const s = readStanza(defaulted);
  if (isEmpty(s)) {
    return { predicted: 'BestEffort', reasons: 'the pod-level resources (spec.resources) decide the class and set no cpu or memory', fix: [] };
  }
  const predicted: QosClass = isGuaranteedShape(s) ? 'Guaranteed' : 'Burstable';
  return {
    predicted,
    reasons: `the pod-level resources (spec.resources) decide the class: ${stanzaProblems(s).join(', ')}`,
    fix: hasBothLimits(s) ? requestsEqualLimits(w, 'pod-level') : [],
  };
}

function explainContainers(w: Workload): Explanation {
  const stanzas = w.analysis.containers.map((c) => ({
    c,
    s: readStanza((defaultedContainer(w, c) as Record<string, unknown> | undefined)?.resources),
  }));
  if (stanzas.every(({ s }) => isEmpty(s))) {
    return { predicted: 'BestEffort', reasons: 'no container sets a cpu or memory request or limit', fix: [] };
  }
  const predicted: QosClass = stanzas.every(({ s }) => isGuaranteedShape(s)) ? 'Guaranteed' : 'Burstable';
  const reasons = stanzas
    .filter(({ s }) => !isGuaranteedShape(s))
    .map(({ c, s }) => `${containerNoun(c.type)} "${c.name}" has ${stanzaProblems(s).join(', ')}`)
    .join('; ');
  // A limit a LimitRange supplies is not in the manifest for the patch to copy: no fix then.
  const limitRangeLimits = w.analysis.containers.some((c) => c.setByLimitRange !== null && Object.keys(c.setByLimitRange.limits).length > 0);
  const fix = !limitRangeLimits && stanzas.every(({ s }) => hasBothLimits(s)) ? requestsEqualLimits(w, 'containers') : [];
  return { predicted, reasons, fix };
}

function explain(w: Workload): Explanation {
  const a = w.analysis;
  if (a.qosSource === 'status') {
    return {
      predicted: a.qosClass,
      reasons: `status.qosClass is "${a.qosClass}", which the kubelet uses as is (1.29+) and which cannot change for a running pod`,
      fix: [],
    };
  }
  // The explanation re-derives the class along the branch ComputePodQOS took (the model's
  // podLevelDecidesQos, feature-gate overrides included); if it still disagrees, it says less
  // rather than something wrong, and offers no fix.
  const explained = a.qosFromPodLevel ? explainPodLevel(w) : explainContainers(w);
  if (explained.predicted === a.qosClass) return explained;
  return { predicted: a.qosClass, reasons: 'run `oomguard explain` for the requests and limits that decide it', fix: [] };
}

export default defineRule<Options, MessageIds>({
  meta: {
    id: 'qos-class',
    severity: 'off',
    description:
      'Requires a minimum QoS class (Guaranteed by default) for the selected workloads; off unless configured.',
    remediation:
      'Give every container (and init container) cpu and memory limits with requests equal to them for Guaranteed, or at least a memory request for Burstable.',
    fixable: true,
    options: {
      type: 'object',
      properties: {
        minimum: {
          type: 'string',
          enum: ['Guaranteed', 'Burstable'],
          description: 'The lowest acceptable QoS class.',
        },
        selector: {
          type: 'object',
          description: 'A Kubernetes label selector on the pod template\'s labels (else the object\'s); only matching workloads are checked.',
          properties: {
            matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
            matchExpressions: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  key: { type: 'string', minLength: 1 },
                  operator: { type: 'string', enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
                  values: { type: 'array', items: { type: 'string' } },
                },
                required: ['key', 'operator'],
                additionalProperties: false,
                allOf: [
                  {
                    if: { type: 'object', properties: { operator: { type: 'string', enum: ['In', 'NotIn'] } } },
                    then: { type: 'object', properties: { values: { type: 'array', minItems: 1 } }, required: ['values'] },
                  },
                  {
                    if: { type: 'object', properties: { operator: { type: 'string', enum: ['Exists', 'DoesNotExist'] } } },
                    then: { type: 'object', properties: { values: { type: 'array', maxItems: 0 } } },
                  },
                ],
              },
            },
          },
          additionalProperties: false,
        },
        namespaces: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          uniqueItems: true,
          description: 'Only objects in these namespaces are checked; an object without metadata.namespace counts as "default".',
        },
      },
      additionalProperties: false,
    },
    defaultOptions: { minimum: 'Guaranteed' },
    messages: {
      belowGuaranteed:
        'pod is {{qosClass}}, not Guaranteed as required: {{reasons}} — oom_score_adj {{scores}} on {{aNodeMemory}} node, where Guaranteed containers get {{guaranteedScore}}',
      bestEffort:
        'pod is BestEffort, below the required Burstable: {{reasons}} — oom_score_adj {{scores}} on {{aNodeMemory}} node: the first to be OOM-killed and evicted',
    },
    docs: `\
## Why it matters

The QoS class decides who dies first when a node runs out of memory. The kubelet gives every
container of a Guaranteed pod \`oom_score_adj\` -997, so the kernel kills them only after everything
else; Burstable containers get \`1000 - 1000 × request / capacity\` (3 to 999), and BestEffort ones
1000. Under memory pressure the eviction manager also evicts pods that use more than they request
first, and a Guaranteed pod never uses more than it requests.

Databases, brokers, control-plane add-ons and anything stateful usually deserve Guaranteed. This rule
turns that into a policy: it is off by default, and reports workloads (selected by labels and
namespaces) whose QoS class is below the configured \`minimum\`, explaining which container lacks
which limit, or has a request different from its limit, and what oom_score_adj that gives.

When every container already has both a cpu and a memory limit, the fix raises each request that
differs to its limit, which makes the pod Guaranteed. It is the patch that \`oomguard fix\` and the
mutating webhook apply, limited to the resources that decide the class: JSON Patch \`replace\` on a
written request, \`add\` where a request is \`null\` or a pod-level request is missing; a container
request that is not written is left alone, since defaulting copies the limit into it. Otherwise no
fix is offered: choosing limits is a sizing decision the linter cannot make.

## Kubernetes behaviour

- QoS class (\`pkg/apis/core/v1/helper/qos/qos.go\`, \`ComputePodQOS\`): only cpu and memory count, a
  zero quantity counts as unset, and init containers (including sidecars) count like regular ones.
  Guaranteed needs **every** container to have **both** a cpu and a memory limit with requests equal
  to them. The classic algorithm (up to 1.36) compares summed requests with summed limits; the 1.37
  rewrite (PR #134936) classifies each container on its own. Both agree on valid pods, and the rule
  explains with the per-container view.
- Defaulting (\`pkg/apis/core/v1/defaults.go\`, \`SetDefaults_Pod\`): a limit without a request gets the
  request copied from it, so \`limits\` alone already make a container Guaranteed-shaped; an explicit
  request of \`0\` is kept and breaks it.
- Pod-level resources (KEP-2837, \`spec.resources\`, gate \`PodLevelResources\`, on by default from 1.34):
  when the pod-level stanza is in effect it alone decides the class, and the fix equalises pod-level
  requests instead. From 1.37 (\`PodLevelResourcesFixKubeletQOSClass\`) a stanza without cpu, memory
  or hugepages no longer decides.
- \`status.qosClass\`: since 1.29 the kubelet uses a recorded class verbatim (\`GetPodQOS\`); the class
  of a running pod never changes, so no fix is offered for a Pod that carries one.
- oom_score_adj (\`pkg/kubelet/qos/policy.go\`, \`GetContainerOOMScoreAdjust\`): as listed in the
  message, for the node given to oomguard.
- The explanation is derived again from the defaulted spec and checked against oomguard's model of
  the kubelet (which also knows the feature gates given with \`--feature-gates\`). If the two cannot be
  reconciled, the message points to \`oomguard explain\` and no fix is offered.

Selection: \`selector\` is a Kubernetes \`LabelSelector\` (\`matchLabels\` and \`matchExpressions\` with
\`In\`, \`NotIn\`, \`Exists\`, \`DoesNotExist\`, all of which must hold; \`{}\` matches everything) applied to
the pod template's labels, or to the object's own labels when the template has none.
\`namespaces\` lists the namespaces to check; an object without \`metadata.namespace\` is taken to be in
\`default\`, where \`kubectl apply\` without \`-n\` puts it.

## Examples

### Incorrect

With \`minimum: Guaranteed\`:

\`\`\`yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: postgres
  namespace: data
spec:
  serviceName: postgres
  selector:
    matchLabels: {app: postgres}
  template:
    metadata:
      labels: {app: postgres, tier: database}
    spec:
      containers:
        - name: postgres
          image: postgres:16
          resources:
            requests: {cpu: "1", memory: 4Gi}
            limits: {cpu: "2", memory: 4Gi}
\`\`\`

On a 16Gi node: \`pod is Burstable, not Guaranteed as required: container "postgres" has cpu request
1 ≠ limit 2 — oom_score_adj postgres: 750 on a 16Gi node, where Guaranteed containers get -997\`.
The fix sets \`requests.cpu\` to \`"2"\`.

### Correct

\`\`\`yaml
          resources:
            requests: {cpu: "2", memory: 4Gi}
            limits: {cpu: "2", memory: 4Gi}
\`\`\`

## Options

### minimum

\`Guaranteed\` (default) or \`Burstable\`. With \`Burstable\`, only BestEffort pods are reported.

### selector

Optional Kubernetes label selector, for example
\`{matchLabels: {tier: database}}\` or
\`{matchExpressions: [{key: app.kubernetes.io/component, operator: In, values: [database, queue]}]}\`.
Without it, every workload is checked.

### namespaces

Optional list of namespaces, e.g. \`[data, payments]\`. Without it, every namespace is checked.

Example configuration:

\`\`\`yaml
rules:
  qos-class:
    severity: error
    options:
      minimum: Guaranteed
      namespaces: [data]
      selector:
        matchLabels: {tier: database}
\`\`\`

## When not to use it

Guaranteed everywhere wastes capacity: CPU requests equal to limits forbid bursting, and memory
requests equal to limits reserve peak memory. Keep the rule scoped to the workloads that need it.
`,
  },
  check(w, { options, nodeMemory }) {
    const opts: Options = { ...options, minimum: options.minimum ?? 'Guaranteed' };
    if (!applies(w, opts)) return [];
    const a = w.analysis;
    if (RANK[a.qosClass] >= RANK[opts.minimum]) return [];
    const e = explain(w);
    const data = {
      qosClass: a.qosClass,
      reasons: e.reasons,
      scores: a.containers.map((c) => `${c.name}: ${c.oomScoreAdj}`).join(', '),
      nodeMemory,
      aNodeMemory: withArticle(nodeMemory),
      guaranteedScore: a.guaranteedOomScoreAdj,
    };
    const report: RuleReport<MessageIds> = {
      messageId: opts.minimum === 'Guaranteed' ? 'belowGuaranteed' : 'bestEffort',
      data,
      path: podSpecPointer(w),
    };
    // Only the Guaranteed requirement can be met by equalising requests with existing limits.
    if (opts.minimum === 'Guaranteed' && e.fix.length > 0) report.fix = e.fix;
    return [report];
  },
});
