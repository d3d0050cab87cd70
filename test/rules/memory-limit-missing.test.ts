// memory-limit-missing: every container, sidecar and init container needs a memory limit, or the
// pod a pod-level one. The message states how far the container can grow (allocatable when the
// node is known, else capacity) and its oom_score_adj (pkg/kubelet/qos/policy.go: Burstable
// 1000 - 1000*request/capacity, integer division, clamped to [3, 999]).
import t from 'tap';
import rule from '../../rules/memory-limit-missing.js';
import { nodeFactsFromCapacity } from '../../src/core/node.js';
import { bytes, edit, lineOf, ruleTester, yaml } from '../helpers/rule-tester.js';

const prometheus = yaml`
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: prometheus
    namespace: monitoring
  spec:
    selector:
      matchLabels: {app: prometheus}
    template:
      metadata:
        labels: {app: prometheus}
      spec:
        containers:
          - name: prometheus
            image: prom/prometheus:v2.14.0
          - name: configmap-reload
            image: jimmidyson/configmap-reload:v0.1
            resources:
              limits: {memory: 100Mi, cpu: 200m}
              requests: {memory: 50Mi, cpu: 100m}
`;

// An API with a request and no limit: the most common shape (limits left off for latency).
const api = yaml`
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: orders-api
    namespace: shop
  spec:
    replicas: 3
    selector:
      matchLabels: {app: orders-api}
    template:
      metadata:
        labels: {app: orders-api}
      spec:
        containers:
          - name: orders-api
            image: example/orders-api:5.1.0
            resources:
              requests:
                cpu: 500m
                memory: 512Mi
`;

// A web pod with a migration init container and a log-shipping native sidecar, none limited.
const web = yaml`
  apiVersion: v1
  kind: Pod
  metadata:
    name: web-0
  spec:
    initContainers:
      - name: migrate
        image: example/web:7.0
        command: [./manage.py, migrate]
        resources:
          requests: {memory: 256Mi}
      - name: fluent-bit
        image: fluent/fluent-bit:3.1
        restartPolicy: Always
        resources:
          requests: {memory: 64Mi}
    containers:
      - name: web
        image: example/web:7.0
        resources:
          requests: {memory: 1Gi}
`;

// Pod-level resources (KEP-2837) bound every container together.
const podLevel = yaml`
  apiVersion: batch/v1
  kind: Job
  metadata:
    name: transcode
  spec:
    template:
      spec:
        restartPolicy: Never
        resources:
          requests: {memory: 3Gi}
          limits: {memory: 4Gi}
        containers:
          - name: ffmpeg
            image: example/ffmpeg:6.1
          - name: uploader
            image: example/uploader:1.0
`;

// A 16Gi EKS node (m5.xlarge-like, maxPods 58): kube-reserved 11Mi*58 + 255Mi = 893Mi, hard
// eviction 100Mi: allocatable 16384Mi - 893Mi - 100Mi = 15391Mi.
const eksNode = nodeFactsFromCapacity(bytes('16Gi'), 'node-file', bytes('15391Mi'));

ruleTester.run(t, rule, {
  valid: [
    {
      name: 'every container of the seed pod with a limit',
      manifest: edit(prometheus, 'image: prom/prometheus:v2.14.0\n', 'image: prom/prometheus:v2.14.0\n          resources:\n            limits: {memory: 4Gi}\n'),
      nodeMemory: '8Gi',
    },
    {
      name: 'CronJob with limits on its container',
      manifest: yaml`
        apiVersion: batch/v1
        kind: CronJob
        metadata:
          name: report
        spec:
          schedule: "*/15 * * * *"
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: OnFailure
                  containers:
                    - name: report
                      image: example/report:2.0
                      resources:
                        requests: {cpu: 100m, memory: 128Mi}
                        limits: {memory: 256Mi}
      `,
    },
    {
      name: 'pod-level memory limit on 1.34 bounds both containers',
      manifest: podLevel,
      kubernetesVersion: '1.34',
    },
    {
      name: 'the same on 1.33 with --feature-gates PodLevelResources=true',
      manifest: podLevel,
      kubernetesVersion: '1.33',
      featureGates: { PodLevelResources: true },
    },
    {
      name: 'suppressed with oomguard.io/ignore on the Deployment',
      manifest: edit(api, '  namespace: shop\n', '  namespace: shop\n  annotations:\n    oomguard.io/ignore: memory-limit-missing\n'),
    },
  ],
  invalid: [
    {
      // prometheus: Burstable, no request: 1000 -> 999.
      name: 'the seed Prometheus Deployment on an 8Gi node',
      manifest: prometheus,
      nodeMemory: '8Gi',
      errors: [
        {
          messageId: 'missing',
          container: 'prometheus',
          path: '/spec/template/spec/containers/0',
          line: lineOf(prometheus, '- name: prometheus'),
          severity: 'warning',
          message:
            'container "prometheus" has no memory limit: it can grow to the node\'s 8Gi capacity, so a leak brings node-wide OOM kills and evictions of other pods (its oom_score_adj: 999)',
        },
      ],
    },
    {
      // 1000 - 1000*536870912/17179869184 = 1000 - 31 (31.25 truncated) = 969.
      name: 'request without a limit on the default 16Gi node',
      manifest: api,
      errors: [
        {
          messageId: 'missing',
          container: 'orders-api',
          path: '/spec/template/spec/containers/0',
          line: lineOf(api, '- name: orders-api'),
          data: { what: 'container', container: 'orders-api', fitMemory: '16Gi', fitWhat: 'capacity', oomScoreAdj: 969 },
        },
      ],
    },
    {
      // Same adj (capacity decides it), but the container can only grow to allocatable.
      name: 'with a Node manifest: the message states allocatable',
      manifest: api,
      node: eksNode,
      errors: [
        {
          messageId: 'missing',
          container: 'orders-api',
          message:
            'container "orders-api" has no memory limit: it can grow to the node\'s 15391Mi allocatable, so a leak brings node-wide OOM kills and evictions of other pods (its oom_score_adj: 969)',
        },
      ],
    },
    {
      // In kubelet order (init containers first). On 16Gi:
      //   migrate    (init):    1000 - 1000*268435456/17179869184  = 1000 - 15 (15.6)  = 985
      //   fluent-bit (sidecar): own 1000 - 1000*67108864/17179869184 = 1000 - 3 (3.9) = 997,
      //                          capped at web's 1000 - 1000*1073741824/17179869184 = 1000 - 62 = 938
      //   web:                  938
      name: 'init container, sidecar and container without limits, in kubelet order',
      manifest: web,
      errors: [
        {
          messageId: 'missing',
          container: 'migrate',
          path: '/spec/initContainers/0',
          line: lineOf(web, '- name: migrate'),
          severity: 'warning',
          data: { what: 'init container', container: 'migrate', fitMemory: '16Gi', fitWhat: 'capacity', oomScoreAdj: 985 },
        },
        {
          messageId: 'missing',
          container: 'fluent-bit',
          path: '/spec/initContainers/1',
          line: lineOf(web, '- name: fluent-bit'),
          data: { what: 'sidecar', container: 'fluent-bit', fitMemory: '16Gi', fitWhat: 'capacity', oomScoreAdj: 938 },
        },
        {
          messageId: 'missing',
          container: 'web',
          path: '/spec/containers/0',
          line: lineOf(web, '- name: web'),
          data: { what: 'container', container: 'web', fitMemory: '16Gi', fitWhat: 'capacity', oomScoreAdj: 938 },
        },
      ],
    },
    {
      // 1.31: no sidecar cap, fluent-bit keeps its own 997.
      name: 'the same pod on 1.31: the sidecar keeps its own score',
      manifest: web,
      kubernetesVersion: '1.31',
      errors: [
        { messageId: 'missing', container: 'migrate', data: { what: 'init container', container: 'migrate', fitMemory: '16Gi', fitWhat: 'capacity', oomScoreAdj: 985 } },
        { messageId: 'missing', container: 'fluent-bit', data: { what: 'sidecar', container: 'fluent-bit', fitMemory: '16Gi', fitWhat: 'capacity', oomScoreAdj: 997 } },
        { messageId: 'missing', container: 'web', data: { what: 'container', container: 'web', fitMemory: '16Gi', fitWhat: 'capacity', oomScoreAdj: 938 } },
      ],
    },
    {
      // PodLevelResources is alpha (off) in 1.33: spec.resources is dropped, so nothing bounds the
      // containers and nothing requests memory: BestEffort, 1000.
      name: 'pod-level limit on 1.33 (gate off) is dropped',
      manifest: podLevel,
      kubernetesVersion: '1.33',
      errors: [
        { messageId: 'missing', container: 'ffmpeg', path: '/spec/template/spec/containers/0', data: { what: 'container', container: 'ffmpeg', fitMemory: '16Gi', fitWhat: 'capacity', oomScoreAdj: 1000 } },
        { messageId: 'missing', container: 'uploader', path: '/spec/template/spec/containers/1', data: { what: 'container', container: 'uploader', fitMemory: '16Gi', fitWhat: 'capacity', oomScoreAdj: 1000 } },
      ],
    },
    {
      // IsNodeCriticalPod: -997 whatever the QoS class, but the cgroup is still unbounded.
      name: 'node-critical DaemonSet: -997, still unbounded',
      manifest: yaml`
        apiVersion: apps/v1
        kind: DaemonSet
        metadata:
          name: kube-proxy
          namespace: kube-system
        spec:
          selector:
            matchLabels: {k8s-app: kube-proxy}
          template:
            metadata:
              labels: {k8s-app: kube-proxy}
            spec:
              priorityClassName: system-node-critical
              hostNetwork: true
              containers:
                - name: kube-proxy
                  image: registry.k8s.io/kube-proxy:v1.31.0
                  resources:
                    requests: {cpu: 100m, memory: 50Mi}
      `,
      nodeMemory: '4Gi',
      errors: [
        {
          messageId: 'missing',
          container: 'kube-proxy',
          message:
            'container "kube-proxy" has no memory limit: it can grow to the node\'s 4Gi capacity, so a leak brings node-wide OOM kills and evictions of other pods (its oom_score_adj: -997)',
        },
      ],
    },
  ],
});

