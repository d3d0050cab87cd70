// limit-range-refuses-pod: LimitRanger (plugin/pkg/admission/limitranger/admission.go) refuses Pods
// whose containers (type: Container) or totals (type: Pod) break min, max or maxLimitRequestRatio
// (403), and the API server refuses a Pod whose LimitRange default limit falls below its own
// request (422). Templates are never checked: the workload is stored, its Pods are not.
import t from 'tap';
import rule from '../../rules/limit-range-refuses-pod.js';
import { edit, lineOf, ruleTester, yaml } from '../helpers/rule-tester.js';

const bounds = yaml`
  apiVersion: v1
  kind: LimitRange
  metadata:
    name: container-bounds
    namespace: team-a
  spec:
    limits:
      - type: Container
        max: {memory: 1Gi}
        min: {memory: 64Mi}
      - type: Pod
        max: {memory: 1536Mi}
`;

const reports = yaml`
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
`;

const within = edit(edit(reports, 'requests: {memory: 1536Mi}', 'requests: {memory: 512Mi}'), 'limits: {memory: 2Gi}', 'limits: {memory: 1Gi}');

// A default limit below the container's own request: 422 once the default is in.
const cpuDefaults = yaml`
  apiVersion: v1
  kind: LimitRange
  metadata:
    name: cpu-defaults
  spec:
    limits:
      - type: Container
        default: {cpu: 500m}
        defaultRequest: {cpu: 100m}
`;
const batch = yaml`
  apiVersion: batch/v1
  kind: CronJob
  metadata:
    name: nightly
  spec:
    schedule: "0 3 * * *"
    jobTemplate:
      spec:
        template:
          spec:
            restartPolicy: OnFailure
            containers:
              - name: export
                image: example/export:1.0
                resources:
                  requests: {cpu: 700m, memory: 256Mi}
`;

const exportPod = yaml`
  apiVersion: v1
  kind: Pod
  metadata:
    name: export
  spec:
    containers:
      - name: export
        image: example/export:1.0
        resources:
          requests: {cpu: "1"}
`;

const pod = yaml`
  apiVersion: v1
  kind: Pod
  metadata:
    name: debug
    namespace: team-a
  spec:
    initContainers:
      - name: fetch
        image: busybox:1.36
        resources:
          limits: {memory: 32Mi}
    containers:
      - name: shell
        image: busybox:1.36
        resources:
          limits: {memory: 512Mi}
`;

const ratio = yaml`
  apiVersion: v1
  kind: LimitRange
  metadata:
    name: ratio
    namespace: team-a
  spec:
    limits:
      - type: Container
        maxLimitRequestRatio: {memory: "2"}
`;

const sidecarPod = yaml`
  apiVersion: v1
  kind: Pod
  metadata:
    name: mesh
    namespace: team-a
  spec:
    initContainers:
      - name: proxy
        image: envoyproxy/envoy:v1.31
        restartPolicy: Always
        resources:
          limits: {memory: 768Mi}
    containers:
      - name: app
        image: example/app:2
        resources:
          limits: {memory: 1Gi}
`;

ruleTester.run(t, rule, {
  valid: [
    { name: 'within the bounds', manifest: `${bounds}---\n${within}` },
    { name: 'no LimitRange among the inputs', manifest: reports },
    { name: 'a LimitRange of another namespace', manifest: `${bounds.replace('namespace: team-a', 'namespace: team-b')}---\n${reports}` },
    { name: 'a namespace-less LimitRange and workload share "default"', manifest: `${cpuDefaults}---\n${edit(batch, 'cpu: 700m', 'cpu: 300m')}` },
    {
      name: 'static pods never pass admission',
      manifest: `${bounds}---\n${edit(pod, 'namespace: team-a\n', 'namespace: team-a\n  annotations:\n    kubernetes.io/config.source: file\n')}`,
    },
    { name: '1.27: the sidecar is a plain init container, the pod total is the larger of the two', manifest: `${bounds}---\n${sidecarPod}`, kubernetesVersion: '1.27' },
  ],
  invalid: [
    {
      name: 'Deployment whose container limit is above the Container max, and pod total above the Pod max',
      manifest: `${bounds}---\n${reports}`,
      errors: [
        {
          messageId: 'podsRefused',
          container: 'renderer',
          path: '/spec/template/spec/containers/0/resources/limits/memory',
          line: lineOf(`${bounds}---\n${reports}`, /limits: \{memory: 2Gi\}/),
          severity: 'error',
          message:
            'LimitRange team-a/container-bounds refuses the Pods of this Deployment: maximum memory usage per Container is 1Gi, but limit is 2Gi (container "renderer") — the Deployment is accepted, but its Pods are never created (403 Forbidden)',
        },
        {
          messageId: 'podsRefused',
          path: '/spec/template/spec',
          message:
            'LimitRange team-a/container-bounds refuses the Pods of this Deployment: maximum memory usage per Pod is 1536Mi, but limit is 2Gi (pod total) — the Deployment is accepted, but its Pods are never created (403 Forbidden)',
        },
      ],
    },
    {
      name: 'a Pod below the Container min in its init container',
      manifest: `${bounds}---\n${pod}`,
      errors: [
        {
          messageId: 'podRefused',
          container: 'fetch',
          path: '/spec/initContainers/0/resources/limits/memory',
          message: 'LimitRange team-a/container-bounds refuses this Pod: minimum memory usage per Container is 64Mi, but request is 32Mi (container "fetch") (403 Forbidden)',
        },
      ],
    },
    {
      name: 'CronJob whose cpu request is above the default limit: 422',
      manifest: `${cpuDefaults}---\n${batch}`,
      errors: [
        {
          messageId: 'podsInvalid',
          container: 'export',
          path: '/spec/jobTemplate/spec/template/spec/containers/0/resources/requests/cpu',
          message:
            'LimitRange default/cpu-defaults makes the Pods of this CronJob invalid: its default gives a cpu limit of 500m, below the cpu request of 700m (container "export") — the CronJob is accepted, but its Pods are never created (422 Invalid)',
        },
      ],
    },
    {
      name: 'a Pod made invalid by a default limit',
      manifest: `${cpuDefaults}---\n${exportPod}`,
      errors: [
        {
          messageId: 'podInvalid',
          message: 'LimitRange default/cpu-defaults makes this Pod invalid: its default gives a cpu limit of 500m, below the cpu request of 1 (container "export") (422 Invalid)',
        },
      ],
    },
    {
      name: 'maxLimitRequestRatio: limit four times the request',
      manifest: `${ratio}---\n${within.replace('512Mi', '256Mi')}`,
      errors: [{ messageId: 'podsRefused', container: 'renderer', message: /memory max limit to request ratio per Container is 2, but provided ratio is 4\.000000/ }],
    },
    {
      name: '1.37: the sidecar counts with the regular container (1792Mi above the Pod max)',
      manifest: `${bounds}---\n${sidecarPod}`,
      errors: [{ messageId: 'podRefused', path: '/spec', message: /maximum memory usage per Pod is 1536Mi, but limit is 1792Mi \(pod total\)/ }],
    },
  ],
});
