// best-effort-pod: a pod whose QoS class is BestEffort (ComputePodQOS in
// pkg/apis/core/v1/helper/qos/qos.go: no positive cpu or memory request or limit anywhere) gets
// oom_score_adj 1000 on every container (pkg/kubelet/qos/policy.go), unless it is node-critical.
import t from 'tap';
import rule from '../../rules/best-effort-pod.js';
import { edit, lineOf, oomScores, ruleTester, yaml } from '../helpers/rule-tester.js';

const worker = yaml`
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: queue-worker
    namespace: jobs
  spec:
    replicas: 4
    selector:
      matchLabels: {app: queue-worker}
    template:
      metadata:
        labels: {app: queue-worker}
      spec:
        containers:
          - name: worker
            image: example/queue-worker:1.8.0
            env:
              - name: QUEUE_URL
                value: amqp://rabbitmq:5672
`;

// A CronJob with an init container: both count (init containers are part of the QoS sum).
const cleanup = yaml`
  apiVersion: batch/v1
  kind: CronJob
  metadata:
    name: registry-gc
  spec:
    schedule: "30 2 * * 0"
    jobTemplate:
      spec:
        template:
          spec:
            restartPolicy: OnFailure
            initContainers:
              - name: wait-for-registry
                image: busybox:1.36
                command: [sh, -c, "until nc -z registry 5000; do sleep 2; done"]
            containers:
              - name: gc
                image: registry:2.8
                command: [registry, garbage-collect, /etc/docker/registry/config.yml]
`;

// Only ephemeral-storage and hugepages: neither counts for QoS.
const scratchOnly = yaml`
  apiVersion: v1
  kind: Pod
  metadata:
    name: image-builder
  spec:
    containers:
      - name: kaniko
        image: gcr.io/kaniko-project/executor:v1.23.0
        resources:
          requests:
            ephemeral-storage: 10Gi
            hugepages-2Mi: 0
          limits:
            ephemeral-storage: 20Gi
`;

// Guaranteed containers under an empty pod-level stanza (bug #135082): on 1.34-1.36 a non-nil
// spec.resources decides the class alone, and {} is BestEffort. Fixed in 1.37
// (PodLevelResourcesFixKubeletQOSClass, beta, on by default).
const emptyPodLevel = yaml`
  apiVersion: v1
  kind: Pod
  metadata:
    name: payments
  spec:
    resources: {}
    containers:
      - name: payments
        image: example/payments:4.0
        resources:
          requests: {cpu: "1", memory: 2Gi}
          limits: {cpu: "1", memory: 2Gi}
`;

// LimitRanges of the workload's namespace (jobs): defaults for memory make the Pods Burstable.
const memoryDefaults = yaml`
  apiVersion: v1
  kind: LimitRange
  metadata:
    name: memory-defaults
    namespace: jobs
  spec:
    limits:
      - type: Container
        defaultRequest: {memory: 128Mi}
`;
const storageDefaults = yaml`
  apiVersion: v1
  kind: LimitRange
  metadata:
    name: storage-defaults
    namespace: jobs
  spec:
    limits:
      - type: Container
        default: {ephemeral-storage: 1Gi}
`;

ruleTester.run(t, rule, {
  valid: [
    {
      name: 'a LimitRange of the namespace gives the container a memory request: Burstable',
      manifest: `${memoryDefaults}---\n${worker}`,
    },
    {
      name: 'a cpu request alone makes the pod Burstable',
      manifest: edit(worker, '          env:\n', '          resources:\n            requests: {cpu: 250m}\n          env:\n'),
    },
    {
      name: 'a memory limit alone: defaulted to Guaranteed memory, Burstable pod',
      manifest: edit(worker, '          env:\n', '          resources:\n            limits: {memory: 256Mi}\n          env:\n'),
    },
    {
      // IsNodeCriticalPod: -997 for every container whatever the class, so not reported.
      name: 'node-critical BestEffort DaemonSet',
      manifest: yaml`
        apiVersion: apps/v1
        kind: DaemonSet
        metadata:
          name: csi-node
          namespace: kube-system
        spec:
          selector:
            matchLabels: {app: csi-node}
          template:
            metadata:
              labels: {app: csi-node}
            spec:
              priorityClassName: system-node-critical
              containers:
                - name: csi-driver
                  image: example/csi-driver:1.2.0
                - name: node-driver-registrar
                  image: registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.11.1
      `,
    },
    {
      name: 'empty pod-level stanza on 1.37: ignored, the containers decide (Guaranteed)',
      manifest: emptyPodLevel,
    },
    {
      name: 'empty pod-level stanza on 1.33: the field is dropped (gate off)',
      manifest: emptyPodLevel,
      kubernetesVersion: '1.33',
    },
    {
      name: 'suppressed with oomguard.io/ignore on the pod template',
      manifest: edit(worker, '    metadata:\n      labels: {app: queue-worker}\n', '    metadata:\n      labels: {app: queue-worker}\n      annotations:\n        oomguard.io/ignore: best-effort-pod\n'),
    },
  ],
  invalid: [
    {
      name: 'a LimitRange of another namespace does not apply',
      manifest: `${memoryDefaults.replace('namespace: jobs', 'namespace: batch')}---\n${worker}`,
      errors: [{ messageId: 'bestEffort', path: '/spec/template/spec' }],
    },
    {
      name: 'a LimitRange defaulting only ephemeral-storage leaves the pod BestEffort',
      manifest: `${storageDefaults}---\n${worker}`,
      errors: [{ messageId: 'bestEffort', path: '/spec/template/spec' }],
    },
    {
      name: 'Deployment with no resources at all',
      manifest: worker,
      errors: [
        {
          messageId: 'bestEffort',
          path: '/spec/template/spec',
          line: lineOf(worker, /^ {4}spec:$/),
          severity: 'warning',
          message:
            'pod is BestEffort: its container gets oom_score_adj 1000 on a 16Gi node — the first to be OOM-killed and evicted under node memory pressure',
        },
      ],
    },
    {
      name: 'CronJob: the init container counts as one of the containers',
      manifest: cleanup,
      nodeMemory: '8Gi',
      errors: [
        {
          messageId: 'bestEffort',
          path: '/spec/jobTemplate/spec/template/spec',
          line: lineOf(cleanup, /^ {8}spec:$/),
          data: { containers: 'all 2 containers get', nodeMemory: '8Gi', aNodeMemory: 'an 8Gi' },
        },
      ],
    },
    {
      name: 'ephemeral-storage and zero hugepages do not count for QoS',
      manifest: scratchOnly,
      errors: [{ messageId: 'bestEffort', path: '/spec', data: { containers: 'its container gets', nodeMemory: '16Gi', aNodeMemory: 'a 16Gi' } }],
    },
    {
      name: 'zero cpu and memory requests count as unset',
      manifest: yaml`
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: echo
        spec:
          selector:
            matchLabels: {app: echo}
          template:
            metadata:
              labels: {app: echo}
            spec:
              containers:
                - name: echo
                  image: ealen/echo-server:0.9.2
                  resources:
                    requests: {cpu: "0", memory: "0"}
      `,
      errors: [{ messageId: 'bestEffort', path: '/spec/template/spec' }],
    },
    {
      name: 'empty pod-level stanza on 1.36: BestEffort despite Guaranteed containers (#135082)',
      manifest: emptyPodLevel,
      kubernetesVersion: '1.36',
      errors: [{ messageId: 'bestEffort', path: '/spec', data: { containers: 'its container gets', nodeMemory: '16Gi', aNodeMemory: 'a 16Gi' } }],
    },
    {
      name: 'empty pod-level stanza on 1.37 with PodLevelResourcesFixKubeletQOSClass=false',
      manifest: emptyPodLevel,
      featureGates: { PodLevelResourcesFixKubeletQOSClass: false },
      errors: [{ messageId: 'bestEffort', path: '/spec' }],
    },
    {
      // Since 1.22 only system-node-critical pods are exempt (PR #99729); cluster-critical ones
      // fall through to their QoS class.
      name: 'system-cluster-critical is not node-critical',
      manifest: yaml`
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: coredns
          namespace: kube-system
        spec:
          selector:
            matchLabels: {k8s-app: kube-dns}
          template:
            metadata:
              labels: {k8s-app: kube-dns}
            spec:
              priorityClassName: system-cluster-critical
              containers:
                - name: coredns
                  image: registry.k8s.io/coredns/coredns:v1.11.3
      `,
      errors: [{ messageId: 'bestEffort', data: { containers: 'its container gets', nodeMemory: '16Gi', aNodeMemory: 'a 16Gi' } }],
    },
    {
      name: 'two documents: only the BestEffort one is reported',
      manifest: `${worker}---\n${emptyPodLevel}`,
      kubernetesVersion: '1.37',
      workloads: 2,
      errors: [{ messageId: 'bestEffort', object: 'Deployment/queue-worker', path: '/spec/template/spec' }],
    },
  ],
});

t.test('the scores behind the findings', async (t) => {
  // BestEffort: 1000 for every container, init containers included.
  t.same(oomScores({ manifest: cleanup }), { 'wait-for-registry': 1000, gc: 1000 });
  // The empty pod-level stanza: 1000 on 1.36, -997 (Guaranteed) on 1.37.
  t.same(oomScores({ manifest: emptyPodLevel, kubernetesVersion: '1.36' }), { payments: 1000 });
  t.same(oomScores({ manifest: emptyPodLevel, kubernetesVersion: '1.37' }), { payments: -997 });
});
