// qos-class: a minimum QoS class for selected workloads (off by default; the tester runs it at
// `error`). The message explains the class after defaulting and lists the oom_score_adj values;
// the fix sets requests equal to existing limits only when that makes the pod Guaranteed.
import t from 'tap';
import rule from '../../rules/qos-class.js';
import { selectorMatches } from '../../rules/qos-class.js';
import { oomScores, ruleTester, yaml } from '../helpers/rule-tester.js';

type Obj = Record<string, unknown>;

/** A Postgres StatefulSet whose container has the given resources. */
function postgres(resources: Obj, extra: { namespace?: string; labels?: Record<string, string> } = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'postgres', ...(extra.namespace !== undefined ? { namespace: extra.namespace } : {}) },
    spec: {
      serviceName: 'postgres',
      replicas: 3,
      selector: { matchLabels: { app: 'postgres' } },
      template: {
        metadata: { labels: extra.labels ?? { app: 'postgres', tier: 'database' } },
        spec: {
          containers: [
            {
              name: 'postgres',
              image: 'postgres:16.4',
              ports: [{ containerPort: 5432 }],
              resources,
            },
          ],
        },
      },
    },
  };
}

/** A LimitRange of the data namespace with the given Container item. */
function dataLimitRange(item: Obj): Obj {
  return { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'defaults', namespace: 'data' }, spec: { limits: [{ type: 'Container', ...item }] } };
}

const burstablePostgres = postgres({ requests: { cpu: '1', memory: '4Gi' }, limits: { cpu: '2', memory: '4Gi' } }, { namespace: 'data' });

/** The same object with requests.cpu set to "2": what the fix must produce. */
function fixedPostgres(): Obj {
  const o = structuredClone(burstablePostgres) as { spec: { template: { spec: { containers: Array<{ resources: { requests: Obj } }> } } } };
  o.spec.template.spec.containers[0].resources.requests.cpu = '2';
  return o as unknown as Obj;
}

// A Spring Boot service with an Istio sidecar that sets no limits.
const meshed = yaml`
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
        labels: {app: checkout, tier: web}
      spec:
        initContainers:
          - name: istio-proxy
            image: docker.io/istio/proxyv2:1.23.0
            restartPolicy: Always
            resources:
              requests: {cpu: 100m, memory: 128Mi}
        containers:
          - name: app
            image: registry.example.com/checkout:4.0.2
            env:
              - {name: JAVA_TOOL_OPTIONS, value: -XX:MaxRAMPercentage=75}
            resources:
              requests: {cpu: 500m, memory: 2Gi}
              limits: {memory: 2Gi}
`;

// Two containers with limits everywhere but requests that differ (one an explicit 0).
const queue: Obj = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'rabbitmq', namespace: 'data' },
  spec: {
    selector: { matchLabels: { app: 'rabbitmq' } },
    template: {
      metadata: { labels: { app: 'rabbitmq', tier: 'queue' } },
      spec: {
        initContainers: [
          {
            name: 'setup',
            image: 'rabbitmq:3.13',
            command: ['sh', '-c', 'cp /config/* /etc/rabbitmq/'],
            resources: { limits: { cpu: '100m', memory: '64Mi' } },
          },
        ],
        containers: [
          {
            name: 'rabbitmq',
            image: 'rabbitmq:3.13',
            resources: { requests: { cpu: '250m', memory: '0' }, limits: { cpu: '500m', memory: '1Gi' } },
          },
          {
            name: 'exporter',
            image: 'kbudde/rabbitmq-exporter:1.0.0',
            resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: 0.05, memory: '64Mi' } },
          },
        ],
      },
    },
  },
};

function fixedQueue(): Obj {
  const o = structuredClone(queue) as { spec: { template: { spec: { containers: Array<{ resources: { requests: Obj } }> } } } };
  o.spec.template.spec.containers[0].resources.requests = { cpu: '500m', memory: '1Gi' };
  return o as unknown as Obj;
}

// Pod-level resources (KEP-2837): the stanza decides the class.
const podLevel: Obj = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'trainer', namespace: 'ml' },
  spec: {
    resources: { requests: { cpu: '1', memory: '8Gi' }, limits: { cpu: '4', memory: '8Gi' } },
    containers: [
      { name: 'trainer', image: 'registry.example.com/trainer:0.9' },
      { name: 'tensorboard', image: 'tensorflow/tensorflow:2.17.0' },
    ],
  },
};

// A Guaranteed container next to an empty pod-level stanza.
const emptyStanza = yaml`
  apiVersion: v1
  kind: Pod
  metadata:
    name: cache
  spec:
    resources: {}
    containers:
      - name: redis
        image: redis:7.4
        resources:
          limits: {cpu: "1", memory: 1Gi}
`;

t.test('label selectors follow LabelSelectorAsSelector', async (t) => {
  const labels = { app: 'postgres', tier: 'database' };
  t.ok(selectorMatches({}, labels), 'the empty selector matches everything');
  t.ok(selectorMatches({ matchLabels: { tier: 'database' } }, labels));
  t.notOk(selectorMatches({ matchLabels: { tier: 'web' } }, labels));
  t.ok(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'In', values: ['database', 'queue'] }] }, labels));
  t.notOk(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }, labels), 'In needs the key');
  t.ok(selectorMatches({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels), 'NotIn matches a missing key');
  t.notOk(selectorMatches({ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['database'] }] }, labels));
  t.ok(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Exists' }] }, labels));
  t.notOk(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels));
  t.notOk(
    selectorMatches({ matchLabels: { app: 'postgres' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] }, labels),
    'matchLabels and matchExpressions must all hold',
  );
});

t.test('the oom_score_adj values in the messages are the model\'s', async (t) => {
  t.strictSame(oomScores({ manifest: meshed }), { 'istio-proxy': 875, app: 875 });
  t.strictSame(oomScores({ manifest: burstablePostgres }), { postgres: 750 });
});

t.test('qos-class', async (t) => {
  ruleTester.run(t, rule, {
    valid: [
      {
        name: 'limits only: defaulting copies them into requests (Guaranteed)',
        manifest: postgres({ limits: { cpu: '2', memory: '4Gi' } }),
      },
      {
        name: 'the selector does not match the web tier',
        manifest: meshed,
        options: { selector: { matchLabels: { tier: 'database' } } },
      },
      {
        name: 'NotIn excludes the workload',
        manifest: meshed,
        options: { selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web', 'batch'] }] } },
      },
      {
        name: 'the namespace is not listed',
        manifest: meshed,
        options: { namespaces: ['data', 'payments'] },
      },
      {
        name: 'no metadata.namespace counts as "default"',
        manifest: postgres({ requests: { memory: '4Gi' } }),
        options: { namespaces: ['data'] },
      },
      {
        name: 'minimum Burstable accepts a Burstable pod',
        manifest: meshed,
        options: { minimum: 'Burstable' },
      },
      {
        name: '1.37: an empty pod-level stanza no longer decides (PodLevelResourcesFixKubeletQOSClass)',
        manifest: emptyStanza,
      },
      {
        name: 'a LimitRange of the namespace defaults requests equal to limits: Guaranteed',
        manifest: `${JSON.stringify(dataLimitRange({ default: { cpu: '2', memory: '4Gi' } }))}\n---\n${JSON.stringify(postgres({}, { namespace: 'data' }))}`,
      },
    ],
    invalid: [
      {
        // The reasons read the Pod after the LimitRange; no fix, since the limit is not in the manifest.
        name: 'a LimitRange default limit above the written request: Burstable, no fix',
        manifest: `${JSON.stringify(dataLimitRange({ default: { cpu: '2', memory: '8Gi' } }))}\n---\n${JSON.stringify(postgres({ requests: { cpu: '2', memory: '4Gi' } }, { namespace: 'data' }))}`,
        errors: [
          {
            messageId: 'belowGuaranteed',
            message:
              'pod is Burstable, not Guaranteed as required: container "postgres" has memory request 4Gi ≠ limit 8Gi — oom_score_adj postgres: 750 on a 16Gi node, where Guaranteed containers get -997',
          },
        ],
        output: null,
      },
      {
        name: 'cpu request below the limit; the fix equalises it',
        manifest: burstablePostgres,
        options: { namespaces: ['data'], selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['database', 'queue'] }] } },
        errors: [
          {
            messageId: 'belowGuaranteed',
            path: '/spec/template/spec',
            severity: 'error',
            message:
              'pod is Burstable, not Guaranteed as required: container "postgres" has cpu request 1 ≠ limit 2 — oom_score_adj postgres: 750 on a 16Gi node, where Guaranteed containers get -997',
          },
        ],
        fix: [{ op: 'replace', path: '/spec/template/spec/containers/0/resources/requests/cpu', value: '2' }],
        output: fixedPostgres(),
      },
      {
        name: 'a sidecar without limits: no fix can make the pod Guaranteed',
        manifest: meshed,
        errors: [
          {
            messageId: 'belowGuaranteed',
            path: '/spec/template/spec',
            message:
              'pod is Burstable, not Guaranteed as required: sidecar "istio-proxy" has no cpu or memory limit; container "app" has no cpu limit — oom_score_adj istio-proxy: 875, app: 875 on a 16Gi node, where Guaranteed containers get -997',
          },
        ],
        output: null,
      },
      {
        name: 'an explicit request of 0 is kept by defaulting; both requests are fixed',
        manifest: queue,
        options: { selector: { matchLabels: { tier: 'queue' } } },
        errors: [
          {
            messageId: 'belowGuaranteed',
            message:
              'pod is Burstable, not Guaranteed as required: container "rabbitmq" has cpu request 250m ≠ limit 500m, memory request 0 ≠ limit 1Gi — oom_score_adj setup: 997, rabbitmq: 999, exporter: 997 on a 16Gi node, where Guaranteed containers get -997',
          },
        ],
        fix: [
          { op: 'replace', path: '/spec/template/spec/containers/0/resources/requests/cpu', value: '500m' },
          { op: 'replace', path: '/spec/template/spec/containers/0/resources/requests/memory', value: '1Gi' },
        ],
        output: fixedQueue(),
      },
      {
        name: 'no cpu limit: equalising the memory request alone would not help, so no fix',
        manifest: postgres(
          { requests: { cpu: '250m', memory: '1Gi' }, limits: { memory: '2Gi' } },
          { namespace: 'data', labels: { app: 'postgres', 'app.kubernetes.io/component': 'database' } },
        ),
        options: { selector: { matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'Exists' }] } },
        errors: [
          {
            messageId: 'belowGuaranteed',
            message:
              'pod is Burstable, not Guaranteed as required: container "postgres" has no cpu limit, memory request 1Gi ≠ limit 2Gi — oom_score_adj postgres: 938 on a 16Gi node, where Guaranteed containers get -997',
          },
        ],
        output: null,
      },
      {
        name: 'an init container without a cpu limit',
        manifest: yaml`
          apiVersion: apps/v1
          kind: StatefulSet
          metadata:
            name: kafka
          spec:
            serviceName: kafka
            selector:
              matchLabels: {app: kafka}
            template:
              metadata:
                labels: {app: kafka}
              spec:
                initContainers:
                  - name: format-storage
                    image: apache/kafka:3.8.0
                    command: [/opt/kafka/bin/kafka-storage.sh, format]
                    resources:
                      limits: {memory: 512Mi}
                containers:
                  - name: kafka
                    image: apache/kafka:3.8.0
                    resources:
                      limits: {cpu: "4", memory: 8Gi}
        `,
        errors: [
          {
            messageId: 'belowGuaranteed',
            message:
              'pod is Burstable, not Guaranteed as required: init container "format-storage" has no cpu limit — oom_score_adj format-storage: 969, kafka: 500 on a 16Gi node, where Guaranteed containers get -997',
          },
        ],
        output: null,
      },
      {
        name: 'minimum Burstable: a BestEffort CronJob',
        manifest: yaml`
          apiVersion: batch/v1
          kind: CronJob
          metadata:
            name: cleanup
            namespace: ops
          spec:
            schedule: "*/15 * * * *"
            jobTemplate:
              spec:
                template:
                  spec:
                    restartPolicy: OnFailure
                    containers:
                      - name: cleanup
                        image: bitnami/kubectl:1.31
                        args: [delete, pods, --field-selector=status.phase==Succeeded]
        `,
        options: { minimum: 'Burstable', namespaces: ['ops'] },
        errors: [
          {
            messageId: 'bestEffort',
            path: '/spec/jobTemplate/spec/template/spec',
            message:
              'pod is BestEffort, below the required Burstable: no container sets a cpu or memory request or limit — oom_score_adj cleanup: 1000 on a 16Gi node: the first to be OOM-killed and evicted',
          },
        ],
      },
      {
        name: 'pod-level resources decide; the fix equalises the pod-level cpu request',
        manifest: podLevel,
        errors: [
          {
            messageId: 'belowGuaranteed',
            path: '/spec',
            message:
              'pod is Burstable, not Guaranteed as required: the pod-level resources (spec.resources) decide the class: cpu request 1 ≠ limit 4 — oom_score_adj trainer: 750, tensorboard: 750 on a 16Gi node, where Guaranteed containers get -997',
          },
        ],
        fix: [{ op: 'replace', path: '/spec/resources/requests/cpu', value: '4' }],
        output: {
          ...podLevel,
          spec: { ...(podLevel.spec as Obj), resources: { requests: { cpu: '4', memory: '8Gi' }, limits: { cpu: '4', memory: '8Gi' } } },
        },
      },
      {
        name: 'the fix is the shared patch: an explicit null request is written, an unwritten one is left to defaulting',
        manifest: yaml`
          apiVersion: v1
          kind: Pod
          metadata:
            name: etcd
          spec:
            containers:
              - name: etcd
                image: registry.k8s.io/etcd:3.5.15-0
                resources:
                  requests: {cpu: null}
                  limits: {cpu: "1", memory: 2Gi}
        `,
        errors: [
          {
            messageId: 'belowGuaranteed',
            message:
              'pod is Burstable, not Guaranteed as required: container "etcd" has cpu request 0 ≠ limit 1 — oom_score_adj etcd: 875 on a 16Gi node, where Guaranteed containers get -997',
          },
        ],
        fix: [{ op: 'add', path: '/spec/containers/0/resources/requests/cpu', value: '1' }],
        output: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'etcd' },
          spec: {
            containers: [
              {
                name: 'etcd',
                image: 'registry.k8s.io/etcd:3.5.15-0',
                resources: { requests: { cpu: '1' }, limits: { cpu: '1', memory: '2Gi' } },
              },
            ],
          },
        },
      },
      {
        name: 'pod-level resources decide: the fix leaves the containers\' requests alone',
        manifest: yaml`
          apiVersion: v1
          kind: Pod
          metadata:
            name: trainer
          spec:
            resources:
              requests: {cpu: "1"}
              limits: {cpu: "4", memory: 8Gi}
            containers:
              - name: trainer
                image: registry.example.com/trainer:0.9
                resources:
                  requests: {cpu: 500m, memory: 2Gi}
                  limits: {cpu: "2", memory: 4Gi}
        `,
        // The unwritten pod-level memory request defaults to the containers' 2Gi, not to the limit,
        // so the fix must write it too; then the re-lint of `output` finds the pod Guaranteed.
        errors: [{ messageId: 'belowGuaranteed', path: '/spec', message: /the pod-level resources \(spec\.resources\) decide the class: cpu request 1 ≠ limit 4/ }],
        fix: [
          { op: 'add', path: '/spec/resources/requests/memory', value: '8Gi' },
          { op: 'replace', path: '/spec/resources/requests/cpu', value: '4' },
        ],
        output: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'trainer' },
          spec: {
            resources: { requests: { cpu: '4', memory: '8Gi' }, limits: { cpu: '4', memory: '8Gi' } },
            containers: [
              {
                name: 'trainer',
                image: 'registry.example.com/trainer:0.9',
                resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } },
              },
            ],
          },
        },
      },
      {
        name: '1.36: an empty pod-level stanza makes the pod BestEffort (#135082)',
        manifest: emptyStanza,
        kubernetesVersion: '1.36',
        errors: [
          {
            messageId: 'belowGuaranteed',
            path: '/spec',
            message:
              'pod is BestEffort, not Guaranteed as required: the pod-level resources (spec.resources) decide the class and set no cpu or memory — oom_score_adj redis: 1000 on a 16Gi node, where Guaranteed containers get -997',
          },
        ],
        output: null,
      },
      {
        name: '1.37 with PodLevelResourcesFixKubeletQOSClass=false: the empty stanza decides again',
        manifest: emptyStanza,
        featureGates: { PodLevelResourcesFixKubeletQOSClass: false },
        errors: [
          {
            messageId: 'belowGuaranteed',
            message:
              'pod is BestEffort, not Guaranteed as required: the pod-level resources (spec.resources) decide the class and set no cpu or memory — oom_score_adj redis: 1000 on a 16Gi node, where Guaranteed containers get -997',
          },
        ],
        output: null,
      },
      {
        name: 'status.qosClass is used verbatim: no fix',
        manifest: yaml`
          apiVersion: v1
          kind: Pod
          metadata:
            name: etcd-backup
            namespace: kube-system
          spec:
            containers:
              - name: backup
                image: registry.k8s.io/etcd:3.5.15-0
                resources:
                  limits: {cpu: 200m, memory: 1Gi}
          status:
            qosClass: Burstable
        `,
        errors: [
          {
            messageId: 'belowGuaranteed',
            message:
              'pod is Burstable, not Guaranteed as required: status.qosClass is "Burstable", which the kubelet uses as is (1.29+) and which cannot change for a running pod — oom_score_adj backup: 938 on a 16Gi node, where Guaranteed containers get -997',
          },
        ],
        output: null,
      },
    ],
  });
});
