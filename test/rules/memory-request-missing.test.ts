// memory-request-missing: every container and sidecar needs a memory request (plain init
// containers: warning). Numbers follow GetContainerOOMScoreAdjust (pkg/kubelet/qos/policy.go):
// Burstable adj = 1000 - 1000*request/capacity (integer division), clamped to [3, 999];
// Guaranteed and node-critical -997; BestEffort 1000.
import t from 'tap';
import rule from '../../rules/memory-request-missing.js';
import { edit, lineOf, oomScores, ruleTester, yaml } from '../helpers/rule-tester.js';

// The seed case (examples/prometheus.yaml): the config-reload container sets requests and
// limits, the prometheus server none.
const prometheus = yaml`
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: prometheus
    namespace: monitoring
    labels:
      app: prometheus
  spec:
    replicas: 1
    selector:
      matchLabels:
        app: prometheus
    template:
      metadata:
        labels:
          app: prometheus
      spec:
        containers:
          - name: prometheus
            image: prom/prometheus:v2.14.0
            args:
              - --config.file=/etc/config/prometheus.yml
              - --storage.tsdb.path=/data
              - --storage.tsdb.retention.size=25GB
            ports:
              - containerPort: 9090
          - name: configmap-reload
            image: jimmidyson/configmap-reload:v0.1
            args:
              - --volume-dir=/etc/config
              - --webhook-url=http://localhost:9090/-/reload
            resources:
              limits:
                memory: 100Mi
                cpu: 200m
              requests:
                memory: 50Mi
                cpu: 100m
`;

// A web app with a native sidecar (init container with restartPolicy: Always) that sets nothing.
const sidecarWithoutRequest = yaml`
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: checkout
    namespace: shop
  spec:
    selector:
      matchLabels: {app: checkout}
    template:
      metadata:
        labels: {app: checkout}
      spec:
        initContainers:
          - name: envoy
            image: envoyproxy/envoy:v1.31.0
            restartPolicy: Always
        containers:
          - name: checkout
            image: example/checkout:2.3.1
            resources:
              requests: {cpu: 500m, memory: 1Gi}
              limits: {memory: 1Gi}
`;

// Pod-level resources (KEP-2837): the pod sets the budget, the containers nothing.
const podLevel = yaml`
  apiVersion: v1
  kind: Pod
  metadata:
    name: batch-worker
  spec:
    resources:
      requests: {cpu: "1", memory: 2Gi}
      limits: {cpu: "2", memory: 4Gi}
    containers:
      - name: worker
        image: example/worker:1.0
      - name: uploader
        image: example/uploader:1.0
`;

const postgres = yaml`
  apiVersion: apps/v1
  kind: StatefulSet
  metadata:
    name: postgres
    namespace: db
  spec:
    serviceName: postgres
    replicas: 3
    selector:
      matchLabels: {app: postgres}
    template:
      metadata:
        labels: {app: postgres}
      spec:
        initContainers:
          - name: fix-permissions
            image: busybox:1.36
            command: [sh, -c, "chown -R 999:999 /var/lib/postgresql/data"]
        containers:
          - name: postgres
            image: postgres:16
            resources:
              requests: {cpu: "2", memory: 4Gi}
              limits: {cpu: "2", memory: 4Gi}
`;

const backup = yaml`
  apiVersion: batch/v1
  kind: CronJob
  metadata:
    name: nightly-backup
  spec:
    schedule: "0 3 * * *"
    jobTemplate:
      spec:
        template:
          spec:
            restartPolicy: OnFailure
            containers:
              - name: pg-dump
                image: postgres:16
                command: [pg_dumpall]
              - name: upload
                image: amazon/aws-cli:2.17.0
`;

const serviceAndDeployment = yaml`
  apiVersion: v1
  kind: Service
  metadata:
    name: web
  spec:
    selector: {app: web}
    ports:
      - port: 80
  ---
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    selector:
      matchLabels: {app: web}
    template:
      metadata:
        labels: {app: web}
      spec:
        containers:
          - name: nginx
            image: nginx:1.27
            resources:
              requests: {cpu: 100m}
              limits: {cpu: 500m}
`;

// LimitRanges of the monitoring namespace: one supplies a memory request (so the Prometheus
// container has one once its Pod is created), the other only a cpu request.
const monitoringMemoryDefaults = yaml`
  apiVersion: v1
  kind: LimitRange
  metadata:
    name: defaults
    namespace: monitoring
  spec:
    limits:
      - type: Container
        default: {memory: 2Gi}
        defaultRequest: {memory: 1Gi}
`;
const monitoringMin = yaml`
  apiVersion: v1
  kind: LimitRange
  metadata:
    name: floor
    namespace: monitoring
  spec:
    limits:
      - type: Container
        min: {memory: 64Mi}
`;
const monitoringCpuDefaults = yaml`
  apiVersion: v1
  kind: LimitRange
  metadata:
    name: cpu-defaults
    namespace: monitoring
  spec:
    limits:
      - type: Container
        defaultRequest: {cpu: 250m}
`;

ruleTester.run(t, rule, {
  valid: [
    {
      name: 'a LimitRange of the namespace supplies the memory request',
      manifest: `${monitoringMemoryDefaults}---\n${prometheus}`,
    },
    {
      name: 'a LimitRange whose min stands in for the default request',
      manifest: `${monitoringMin}---\n${prometheus}`,
    },
    {
      name: 'Guaranteed Deployment: every container has a request',
      manifest: yaml`
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: api
        spec:
          selector:
            matchLabels: {app: api}
          template:
            metadata:
              labels: {app: api}
            spec:
              containers:
                - name: api
                  image: example/api:1.4.2
                  resources:
                    requests: {cpu: 500m, memory: 512Mi}
                    limits: {cpu: 500m, memory: 512Mi}
      `,
    },
    {
      name: 'limits only: SetDefaults_Pod copies the limit into the request',
      manifest: yaml`
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: redis
        spec:
          serviceName: redis
          selector:
            matchLabels: {app: redis}
          template:
            metadata:
              labels: {app: redis}
            spec:
              initContainers:
                - name: sysctl
                  image: busybox:1.36
                  command: [sh, -c, "sysctl -w net.core.somaxconn=1024"]
                  resources:
                    limits: {cpu: 50m, memory: 16Mi}
              containers:
                - name: redis
                  image: redis:7.2
                  resources:
                    limits: {cpu: "1", memory: 2Gi}
      `,
    },
    {
      name: 'pod-level memory request on 1.34 covers containers without their own',
      manifest: podLevel,
      kubernetesVersion: '1.34',
    },
    {
      name: 'pod-level limit only on 1.37: the pod-level request is defaulted from it',
      manifest: yaml`
        apiVersion: v1
        kind: Pod
        metadata:
          name: report
        spec:
          resources:
            limits: {cpu: "1", memory: 1Gi}
          containers:
            - name: report
              image: example/report:1.0
      `,
    },
    {
      name: 'suppressed on the Deployment with oomguard.io/ignore',
      manifest: edit(prometheus, '  namespace: monitoring\n', '  namespace: monitoring\n  annotations:\n    oomguard.io/ignore: memory-request-missing\n'),
      nodeMemory: '8Gi',
    },
    {
      name: 'suppressed on the pod template with oomguard.io/ignore: all',
      manifest: edit(prometheus, '    metadata:\n      labels:\n        app: prometheus\n', '    metadata:\n      annotations:\n        oomguard.io/ignore: all\n      labels:\n        app: prometheus\n'),
      nodeMemory: '8Gi',
    },
  ],
  invalid: [
    {
      name: 'a LimitRange that supplies only a cpu request: still no memory request',
      manifest: `${monitoringCpuDefaults}---\n${prometheus}`,
      nodeMemory: '8Gi',
      errors: [{ messageId: 'burstable', container: 'prometheus', data: { what: 'container', container: 'prometheus', oomScoreAdj: 999, nodeMemory: '8Gi', aNodeMemory: 'an 8Gi' } }],
    },
    {
      // prometheus: no request in a Burstable pod: 1000 - 1000*0/8589934592 = 1000 -> 999.
      name: 'the seed Prometheus Deployment on an 8Gi node',
      manifest: prometheus,
      nodeMemory: '8Gi',
      errors: [
        {
          messageId: 'burstable',
          container: 'prometheus',
          path: '/spec/template/spec/containers/0',
          line: lineOf(prometheus, '- name: prometheus'),
          severity: 'error',
          message:
            'container "prometheus" has no memory request: pod is Burstable, oom_score_adj 999 on an 8Gi node — killed right after BestEffort containers under node memory pressure',
        },
      ],
    },
    {
      name: 'another rule suppressed: this one still reports',
      manifest: edit(prometheus, '  namespace: monitoring\n', '  namespace: monitoring\n  annotations:\n    oomguard.io/ignore: memory-limit-missing, best-effort-pod\n'),
      errors: [{ messageId: 'burstable', container: 'prometheus', data: { what: 'container', container: 'prometheus', oomScoreAdj: 999, nodeMemory: '16Gi', aNodeMemory: 'a 16Gi' } }],
    },
    {
      // 1.37 sidecar rule (PR #128029, since 1.32): envoy's own adj is 1000 (no request), capped at
      // the regular container's: 1000 - 1000*1073741824/17179869184 = 1000 - 62 (62.5 truncated) = 938.
      name: 'native sidecar without a request, capped at the app container on 1.37',
      manifest: sidecarWithoutRequest,
      errors: [
        {
          messageId: 'burstableCapped',
          container: 'envoy',
          path: '/spec/template/spec/initContainers/0',
          line: lineOf(sidecarWithoutRequest, '- name: envoy'),
          severity: 'error',
          message:
            'sidecar "envoy" has no memory request: pod is Burstable, oom_score_adj 938 on a 16Gi node (capped at its regular containers\' score), and no memory is reserved for it',
        },
      ],
    },
    {
      // Before 1.32 there is no sidecar cap: 1000 -> 999.
      name: 'the same sidecar on 1.31: no cap, 999',
      manifest: sidecarWithoutRequest,
      kubernetesVersion: '1.31',
      errors: [
        {
          messageId: 'burstable',
          container: 'envoy',
          severity: 'error',
          data: { what: 'sidecar', container: 'envoy', oomScoreAdj: 999, nodeMemory: '16Gi', aNodeMemory: 'a 16Gi' },
        },
      ],
    },
    {
      // SidecarContainers is alpha (off) in 1.28: restartPolicy is dropped, a plain init container.
      name: 'the same manifest on 1.28: a plain init container, reported as a warning',
      manifest: sidecarWithoutRequest,
      kubernetesVersion: '1.28',
      errors: [
        {
          messageId: 'burstable',
          container: 'envoy',
          severity: 'warning',
          data: { what: 'init container', container: 'envoy', oomScoreAdj: 999, nodeMemory: '16Gi', aNodeMemory: 'a 16Gi' },
        },
      ],
    },
    {
      name: 'StatefulSet with a plain init container without resources: warning',
      manifest: postgres,
      errors: [
        {
          messageId: 'burstable',
          container: 'fix-permissions',
          path: '/spec/template/spec/initContainers/0',
          line: lineOf(postgres, '- name: fix-permissions'),
          severity: 'warning',
          message:
            'init container "fix-permissions" has no memory request: pod is Burstable, oom_score_adj 999 on a 16Gi node — killed right after BestEffort containers under node memory pressure',
        },
      ],
    },
    {
      name: 'CronJob whose pod sets nothing: BestEffort, both containers 1000',
      manifest: backup,
      nodeMemory: '32Gi',
      errors: [
        {
          messageId: 'bestEffort',
          container: 'pg-dump',
          path: '/spec/jobTemplate/spec/template/spec/containers/0',
          line: lineOf(backup, '- name: pg-dump'),
          message:
            'container "pg-dump" has no memory request: pod is BestEffort, oom_score_adj 1000 on a 32Gi node — killed first under node memory pressure',
        },
        {
          messageId: 'bestEffort',
          container: 'upload',
          path: '/spec/jobTemplate/spec/template/spec/containers/1',
          line: lineOf(backup, '- name: upload'),
        },
      ],
    },
    {
      // IsNodeCriticalPod: priorityClassName system-node-critical resolves to priority
      // 2000001000 >= SystemCriticalPriority, so every container gets -997 whatever its QoS.
      name: 'node-critical DaemonSet without a memory request',
      manifest: yaml`
        apiVersion: apps/v1
        kind: DaemonSet
        metadata:
          name: node-exporter
          namespace: monitoring
        spec:
          selector:
            matchLabels: {app: node-exporter}
          template:
            metadata:
              labels: {app: node-exporter}
            spec:
              priorityClassName: system-node-critical
              hostNetwork: true
              containers:
                - name: node-exporter
                  image: quay.io/prometheus/node-exporter:v1.8.2
                  resources:
                    requests: {cpu: 100m}
      `,
      errors: [
        {
          messageId: 'nodeCritical',
          container: 'node-exporter',
          path: '/spec/template/spec/containers/0',
          message:
            'container "node-exporter" has no memory request: the pod is node-critical (oom_score_adj -997 on a 16Gi node), but no memory is reserved for it and the node can be overcommitted',
        },
      ],
    },
    {
      // A request of 0 is kept by defaulting (only missing keys get the limit) and counts as none.
      name: 'explicit zero request next to a limit',
      manifest: yaml`
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: thumbnailer
        spec:
          selector:
            matchLabels: {app: thumbnailer}
          template:
            metadata:
              labels: {app: thumbnailer}
            spec:
              containers:
                - name: thumbnailer
                  image: example/thumbnailer:0.9
                  resources:
                    requests: {cpu: 250m, memory: "0"}
                    limits: {memory: 512Mi}
      `,
      errors: [{ messageId: 'burstable', container: 'thumbnailer', data: { what: 'container', container: 'thumbnailer', oomScoreAdj: 999, nodeMemory: '16Gi', aNodeMemory: 'a 16Gi' } }],
    },
    {
      // PodLevelResources is alpha (off) in 1.33: the API server drops spec.resources, nothing
      // is left, the pod is BestEffort.
      name: 'pod-level resources on 1.33 (gate off): dropped, both containers BestEffort',
      manifest: podLevel,
      kubernetesVersion: '1.33',
      errors: [
        { messageId: 'bestEffort', container: 'worker', path: '/spec/containers/0', line: lineOf(podLevel, '- name: worker') },
        { messageId: 'bestEffort', container: 'uploader', path: '/spec/containers/1', line: lineOf(podLevel, '- name: uploader') },
      ],
    },
    {
      // GetPodQOS (>= 1.29) returns status.qosClass verbatim: this Pod was created on a 1.34
      // cluster with pod-level resources (Guaranteed). Read as 1.33, the pod-level stanza is
      // dropped: the containers have no request but the recorded class still gives -997.
      name: 'Pod exported with status.qosClass Guaranteed, read as 1.33',
      manifest: yaml`
        apiVersion: v1
        kind: Pod
        metadata:
          name: ingest-7d9f8
          namespace: data
        spec:
          resources:
            requests: {cpu: "1", memory: 1Gi}
            limits: {cpu: "1", memory: 1Gi}
          containers:
            - name: ingest
              image: example/ingest:3.2
        status:
          phase: Running
          qosClass: Guaranteed
      `,
      kubernetesVersion: '1.33',
      errors: [
        {
          messageId: 'noRequest',
          container: 'ingest',
          message:
            'container "ingest" has no memory request: pod is Guaranteed, oom_score_adj -997 on a 16Gi node, and no memory is reserved for it',
        },
      ],
    },
    {
      name: 'a Service and the Deployment in one file: only the Deployment is analysed',
      manifest: serviceAndDeployment,
      workloads: 1,
      errors: [{ messageId: 'burstable', object: 'Deployment/web', container: 'nginx', path: '/spec/template/spec/containers/0', line: lineOf(serviceAndDeployment, '- name: nginx') }],
    },
  ],
});

t.test('the seed Prometheus pod on an 8Gi node: the analysis behind the finding', async (t) => {
  // prometheus:       no request -> 1000 - 0 = 1000, which Burstable maps to 999.
  // configmap-reload: 1000 - 1000*52428800/8589934592 = 1000 - 6 (6.10 truncated) = 994.
  t.same(oomScores({ manifest: prometheus, nodeMemory: '8Gi' }), { prometheus: 999, 'configmap-reload': 994 });
  // On a 2Gi node: 1000 - 1000*52428800/2147483648 = 1000 - 24 (24.41 truncated) = 976.
  t.same(oomScores({ manifest: prometheus, nodeMemory: '2Gi' }), { prometheus: 999, 'configmap-reload': 976 });
});

t.test('the sidecar cap, version by version', async (t) => {
  // 1.32+: min(1000 -> own, 938 -> app) = 938; app: 1000 - 1000*1Gi/16Gi = 1000 - 62 = 938.
  t.same(oomScores({ manifest: sidecarWithoutRequest, kubernetesVersion: '1.32' }), { envoy: 938, checkout: 938 });
  t.same(oomScores({ manifest: sidecarWithoutRequest, kubernetesVersion: '1.31' }), { envoy: 999, checkout: 938 });
});
