// memory-exceeds-node: the pod's effective memory request (scheduler PodRequests: regular
// containers + sidecars, or an init container plus the sidecars before it, or the pod-level
// request) or a memory limit above what the node can give (allocatable when known, else capacity).
import t from 'tap';
import rule from '../../rules/memory-exceeds-node.js';
import { nodeFactsFromCapacity } from '../../src/core/node.js';
import { bytes, edit, lineOf, ruleTester, yaml } from '../helpers/rule-tester.js';

/** A database StatefulSet with the given memory request and limit. */
function database(request: string, limit: string): string {
  return yaml`
    apiVersion: apps/v1
    kind: StatefulSet
    metadata:
      name: db
      namespace: data
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
              image: postgres:16
              resources:
                requests:
                  cpu: "2"
                  memory: ${request}
                limits:
                  memory: ${limit}
  `;
}

const tooBig = database('12Gi', '12Gi');
const limitTooBig = database('2Gi', '12Gi');

// Two containers that fit one by one but not together: 5Gi + 5Gi.
const pair = yaml`
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: analytics
  spec:
    selector:
      matchLabels: {app: analytics}
    template:
      metadata:
        labels: {app: analytics}
      spec:
        containers:
          - name: spark-driver
            image: apache/spark:3.5.1
            resources:
              requests: {memory: 5Gi}
              limits: {memory: 5Gi}
          - name: history-server
            image: apache/spark:3.5.1
            resources:
              requests: {memory: 5Gi}
              limits: {memory: 5Gi}
`;

// A plain init container restoring a snapshot needs 12Gi while it runs (KEP-753: max of init).
const restore = yaml`
  apiVersion: batch/v1
  kind: Job
  metadata:
    name: restore
  spec:
    template:
      spec:
        restartPolicy: Never
        initContainers:
          - name: restore-snapshot
            image: example/restore:1.0
            resources:
              requests: {memory: 12Gi}
              limits: {memory: 12Gi}
        containers:
          - name: verify
            image: example/verify:1.0
            resources:
              requests: {memory: 1Gi}
              limits: {memory: 1Gi}
`;

// A native sidecar runs next to the app: 4Gi + 5Gi = 9Gi.
const withSidecar = yaml`
  apiVersion: v1
  kind: Pod
  metadata:
    name: vector-app
  spec:
    initContainers:
      - name: vector
        image: timberio/vector:0.40.0-debian
        restartPolicy: Always
        resources:
          requests: {memory: 4Gi}
          limits: {memory: 4Gi}
    containers:
      - name: app
        image: example/app:2.0
        resources:
          requests: {memory: 5Gi}
          limits: {memory: 5Gi}
`;

// Pod-level resources (KEP-2837): a pod-level request only, and a request with a limit.
const podLevelRequest = yaml`
  apiVersion: v1
  kind: Pod
  metadata:
    name: trainer
  spec:
    resources:
      requests:
        memory: 10Gi
    containers:
      - name: trainer
        image: pytorch/pytorch:2.4.0-cuda12.4-cudnn9-runtime
      - name: tensorboard
        image: tensorflow/tensorflow:2.17.0
`;
const podLevelLimit = edit(podLevelRequest, '      memory: 10Gi\n', '      memory: 6Gi\n    limits:\n      memory: 12Gi\n');

// A 16Gi EKS-style node: allocatable 16384Mi - 893Mi kube-reserved - 100Mi eviction = 15391Mi.
const eksNode = nodeFactsFromCapacity(bytes('16Gi'), 'node-file', bytes('15391Mi'));

ruleTester.run(t, rule, {
  valid: [
    { name: 'request and limit equal to the node capacity still fit', manifest: database('8Gi', '8Gi'), nodeMemory: '8Gi' },
    { name: 'a 12Gi database on a 16Gi node', manifest: tooBig },
    { name: '5Gi + 5Gi on a 16Gi node', manifest: pair },
    {
      // SidecarContainers is alpha (off) in 1.28: vector is a plain init container,
      // so the pod needs max(5Gi, 4Gi) = 5Gi.
      name: 'the sidecar pod on 1.28: restartPolicy dropped, no sum',
      manifest: withSidecar,
      nodeMemory: '8Gi',
      kubernetesVersion: '1.28',
    },
    { name: 'pod-level stanza on 1.33 is dropped (gate off)', manifest: podLevelRequest, nodeMemory: '8Gi', kubernetesVersion: '1.33' },
    {
      name: 'suppressed with oomguard.io/ignore',
      manifest: edit(tooBig, '  namespace: data\n', '  namespace: data\n  annotations:\n    oomguard.io/ignore: memory-exceeds-node\n'),
      nodeMemory: '8Gi',
    },
  ],
  invalid: [
    {
      // The container's own request already exceeds the node: one finding, for the request.
      name: '12Gi database on an 8Gi node',
      manifest: tooBig,
      nodeMemory: '8Gi',
      errors: [
        {
          messageId: 'requestExceedsNode',
          path: '/spec/template/spec',
          severity: 'error',
          message:
            'pod requests 12Gi of memory, more than the node\'s 8Gi capacity: it can never be scheduled there (Pending, "Insufficient memory")',
        },
      ],
    },
    {
      name: 'a 12Gi limit on a 2Gi request on an 8Gi node',
      manifest: limitTooBig,
      nodeMemory: '8Gi',
      errors: [
        {
          messageId: 'limitExceedsNode',
          container: 'db',
          path: '/spec/template/spec/containers/0/resources/limits/memory',
          line: lineOf(limitTooBig, 'memory: 12Gi'),
          severity: 'error',
          message:
            'container "db" memory limit 12Gi is above the node\'s 8Gi capacity: the node runs out of memory before the limit is reached, evicting and OOM-killing pods',
        },
      ],
    },
    {
      // Fits the 16Gi capacity exactly, but not the 15391Mi allocatable.
      name: 'a 16Gi request against the allocatable of a 16Gi node',
      manifest: database('16Gi', '16Gi'),
      node: eksNode,
      errors: [
        { messageId: 'requestExceedsNode', path: '/spec/template/spec', data: { request: '16Gi', fitMemory: '15391Mi', fitWhat: 'allocatable' } },
      ],
    },
    {
      name: 'a limit above allocatable but within capacity',
      manifest: database('4Gi', '16Gi'),
      node: eksNode,
      errors: [
        { messageId: 'limitExceedsNode', container: 'db', data: { what: 'container', container: 'db', limit: '16Gi', fitMemory: '15391Mi', fitWhat: 'allocatable' } },
      ],
    },
    {
      // 5Gi + 5Gi = 10Gi > 8Gi.
      name: 'two containers that only fit one at a time',
      manifest: pair,
      nodeMemory: '8Gi',
      errors: [{ messageId: 'requestExceedsNode', path: '/spec/template/spec', data: { request: '10Gi', fitMemory: '8Gi', fitWhat: 'capacity' } }],
    },
    {
      // 10Gi together, and each 10Gi limit above 8Gi while each 5Gi request fits alone.
      name: 'the pair with 10Gi limits: the request and both limits',
      manifest: pair.replace(/limits: \{memory: 5Gi\}/g, 'limits: {memory: 10Gi}'),
      nodeMemory: '8Gi',
      errors: [
        { messageId: 'requestExceedsNode', path: '/spec/template/spec' },
        { messageId: 'limitExceedsNode', container: 'spark-driver', path: '/spec/template/spec/containers/0/resources/limits/memory' },
        { messageId: 'limitExceedsNode', container: 'history-server', path: '/spec/template/spec/containers/1/resources/limits/memory' },
      ],
    },
    {
      // max(1Gi, 12Gi) = 12Gi; the init container's own request is over, so its limit is not repeated.
      name: 'a Job whose init container alone needs 12Gi',
      manifest: restore,
      nodeMemory: '8Gi',
      errors: [{ messageId: 'requestExceedsNode', path: '/spec/template/spec', data: { request: '12Gi', fitMemory: '8Gi', fitWhat: 'capacity' } }],
    },
    {
      // KEP-753: a sidecar runs for the pod's lifetime, so 4Gi + 5Gi = 9Gi.
      name: 'a native sidecar adds to the regular containers',
      manifest: withSidecar,
      nodeMemory: '8Gi',
      errors: [{ messageId: 'requestExceedsNode', path: '/spec', data: { request: '9Gi', fitMemory: '8Gi', fitWhat: 'capacity' } }],
    },
    {
      name: 'pod-level request above the node on 1.34',
      manifest: podLevelRequest,
      nodeMemory: '8Gi',
      kubernetesVersion: '1.34',
      errors: [
        {
          messageId: 'requestExceedsNode',
          path: '/spec/resources/requests/memory',
          line: lineOf(podLevelRequest, 'memory: 10Gi'),
          data: { request: '10Gi', fitMemory: '8Gi', fitWhat: 'capacity' },
        },
      ],
    },
    {
      name: 'pod-level limit above the node, request within it',
      manifest: podLevelLimit,
      nodeMemory: '8Gi',
      errors: [
        {
          messageId: 'podLimitExceedsNode',
          path: '/spec/resources/limits/memory',
          line: lineOf(podLevelLimit, 'memory: 12Gi'),
          message:
            'pod-level memory limit 12Gi is above the node\'s 8Gi capacity: the node runs out of memory before the limit is reached, evicting and OOM-killing pods',
        },
      ],
    },
    {
      // The request finding already says the pod never runs; the limit is not reported again.
      name: 'pod-level request and limit both above the node: one finding',
      manifest: edit(podLevelRequest, '      memory: 10Gi\n', '      memory: 12Gi\n    limits:\n      memory: 12Gi\n'),
      nodeMemory: '8Gi',
      errors: [{ messageId: 'requestExceedsNode', path: '/spec/resources/requests/memory', data: { request: '12Gi', fitMemory: '8Gi', fitWhat: 'capacity' } }],
    },
  ],
});
