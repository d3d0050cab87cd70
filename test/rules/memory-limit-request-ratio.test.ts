// memory-limit-request-ratio: limit / request above maxRatio (default 2). The scheduler reserves
// the request only (pkg/scheduler/framework/plugins/noderesources/fit.go); the comparison is exact
// (limit * den > request * num) and the ratio in the message is rounded up to two decimals.
import t from 'tap';
import rule from '../../rules/memory-limit-request-ratio.js';
import { edit, lineOf, ruleTester, yaml } from '../helpers/rule-tester.js';

/** A single-container Deployment with the given memory request and limit. */
function deployment(name: string, request: string, limit: string): string {
  return yaml`
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: ${name}
    spec:
      selector:
        matchLabels: {app: ${name}}
      template:
        metadata:
          labels: {app: ${name}}
        spec:
          containers:
            - name: ${name}
              image: example/${name}:1.0
              resources:
                requests:
                  cpu: 500m
                  memory: ${request}
                limits:
                  memory: ${limit}
  `;
}

// An Elasticsearch-style StatefulSet: 4Gi reserved, 31Gi allowed.
const search = yaml`
  apiVersion: apps/v1
  kind: StatefulSet
  metadata:
    name: search
    namespace: logging
  spec:
    serviceName: search
    replicas: 3
    selector:
      matchLabels: {app: search}
    template:
      metadata:
        labels: {app: search}
      spec:
        containers:
          - name: search
            image: docker.elastic.co/elasticsearch/elasticsearch:8.15.0
            resources:
              requests:
                cpu: "2"
                memory: 4Gi
              limits:
                memory: 31Gi
`;

// A mesh sidecar and a migration init container, both overcommitted 8x.
const meshed = yaml`
  apiVersion: v1
  kind: Pod
  metadata:
    name: catalog
  spec:
    initContainers:
      - name: migrate
        image: example/catalog:3.0
        command: [./migrate, up]
        resources:
          requests: {memory: 256Mi}
          limits: {memory: 2Gi}
      - name: istio-proxy
        image: docker.io/istio/proxyv2:1.23.0
        restartPolicy: Always
        resources:
          requests: {memory: 128Mi}
          limits: {memory: 1Gi}
    containers:
      - name: catalog
        image: example/catalog:3.0
        resources:
          requests: {memory: 1Gi}
          limits: {memory: 2Gi}
`;

// Pod-level resources (KEP-2837, on by default since 1.34).
const podLevel = yaml`
  apiVersion: v1
  kind: Pod
  metadata:
    name: notebook
  spec:
    resources:
      requests:
        memory: 2Gi
      limits:
        memory: 8Gi
    containers:
      - name: jupyter
        image: quay.io/jupyter/scipy-notebook:2024-07-29
      - name: git-sync
        image: registry.k8s.io/git-sync/git-sync:v4.2.4
`;

// The same pod with a pod-level budget: 2Gi requested, 8Gi allowed (4x).
const meshedPodLevel = edit(meshed, '\n  containers:\n', '\n  resources:\n    requests: {memory: 2Gi}\n    limits: {memory: 8Gi}\n  containers:\n');

const ratio2001 = deployment('ingest', '1000Mi', '2001Mi');
const decimalSlip = deployment('cache', '1G', '2Gi');

ruleTester.run(t, rule, {
  valid: [
    { name: 'exactly 2x is allowed', manifest: deployment('api', '1Gi', '2Gi') },
    {
      name: 'limit only: SetDefaults_Pod sets request = limit (ratio 1)',
      manifest: yaml`
        apiVersion: batch/v1
        kind: CronJob
        metadata:
          name: compact
        spec:
          schedule: "0 * * * *"
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers:
                    - name: compact
                      image: example/compactor:1.0
                      resources:
                        limits: {memory: 3Gi}
      `,
    },
    { name: 'maxRatio 1: limit equal to request', manifest: deployment('ledger', '2Gi', '2Gi'), options: { maxRatio: 1 } },
    { name: 'maxRatio 1.5: 6Gi on 4Gi is exactly 1.5x', manifest: deployment('search', '4Gi', '6Gi'), options: { maxRatio: 1.5 } },
    {
      // 23/20 == 115/100 exactly; 20Mi * 1.15 in floating point is 24117247.999999996.
      name: 'maxRatio 1.15 compared exactly, not in floating point',
      manifest: deployment('indexer', '20Mi', '23Mi'),
      options: { maxRatio: 1.15 },
    },
    { name: 'a large maxRatio accepts the 7.75x StatefulSet', manifest: search, options: { maxRatio: 8 } },
    { name: 'pod-level 4x on 1.33: the field is dropped (gate off)', manifest: podLevel, kubernetesVersion: '1.33' },
    {
      name: 'suppressed with oomguard.io/ignore',
      manifest: edit(search, '  namespace: logging\n', '  namespace: logging\n  annotations:\n    oomguard.io/ignore: memory-limit-request-ratio\n'),
    },
  ],
  invalid: [
    {
      // 31Gi / 4Gi = 7.75.
      name: 'Elasticsearch StatefulSet: 31Gi limit on a 4Gi request',
      manifest: search,
      errors: [
        {
          messageId: 'containerRatio',
          container: 'search',
          path: '/spec/template/spec/containers/0/resources/limits/memory',
          line: lineOf(search, 'memory: 31Gi'),
          severity: 'warning',
          message:
            'container "search" memory limit 31Gi is 7.75x its request 4Gi (max 2x): only 4Gi is reserved, and usage above it is first to be evicted or OOM-killed',
        },
      ],
    },
    {
      // 2001/1000 = 2.001 -> hundredths ceil(200.1) = 201 -> "2.01": just above is reported, rounded up.
      name: 'just above 2x: the ratio is rounded up',
      manifest: ratio2001,
      errors: [
        {
          messageId: 'containerRatio',
          container: 'ingest',
          line: lineOf(ratio2001, 'memory: 2001Mi'),
          data: { what: 'container', container: 'ingest', limit: '2001Mi', request: '1000Mi', ratio: '2.01', maxRatio: '2' },
        },
      ],
    },
    {
      // 1G is 10^9 bytes: 2147483648 / 1000000000 = 2.147... -> 2.15.
      name: 'decimal G against binary Gi: 1G request, 2Gi limit',
      manifest: decimalSlip,
      errors: [
        {
          messageId: 'containerRatio',
          container: 'cache',
          message:
            'container "cache" memory limit 2Gi is 2.15x its request 1G (max 2x): only 1G is reserved, and usage above it is first to be evicted or OOM-killed',
        },
      ],
    },
    {
      // 1536Mi / 1Gi = 1.5.
      name: 'maxRatio 1 demands limit == request',
      manifest: deployment('ledger', '1Gi', '1536Mi'),
      options: { maxRatio: 1 },
      errors: [
        { messageId: 'containerRatio', container: 'ledger', data: { what: 'container', container: 'ledger', limit: '1536Mi', request: '1Gi', ratio: '1.5', maxRatio: '1' } },
      ],
    },
    {
      // 6.5Gi = 6656Mi; 6656/4096 = 1.625 -> ceil(162.5) = 163 -> "1.63".
      name: 'maxRatio 1.5: 6.5Gi on 4Gi',
      manifest: deployment('search', '4Gi', '6.5Gi'),
      options: { maxRatio: 1.5 },
      errors: [
        { messageId: 'containerRatio', container: 'search', data: { what: 'container', container: 'search', limit: '6656Mi', request: '4Gi', ratio: '1.63', maxRatio: '1.5' } },
      ],
    },
    {
      name: 'maxRatio 1.1: 23Mi on 20Mi is 1.15x',
      manifest: deployment('indexer', '20Mi', '23Mi'),
      options: { maxRatio: 1.1 },
      errors: [
        { messageId: 'containerRatio', container: 'indexer', data: { what: 'container', container: 'indexer', limit: '23Mi', request: '20Mi', ratio: '1.15', maxRatio: '1.1' } },
      ],
    },
    {
      // 2Gi/256Mi = 8, 1Gi/128Mi = 8, 2Gi/1Gi = 2 (allowed). Init containers come first.
      name: 'init container and native sidecar overcommitted 8x',
      manifest: meshed,
      errors: [
        {
          messageId: 'containerRatio',
          container: 'migrate',
          path: '/spec/initContainers/0/resources/limits/memory',
          severity: 'warning',
          data: { what: 'init container', container: 'migrate', limit: '2Gi', request: '256Mi', ratio: '8', maxRatio: '2' },
        },
        {
          messageId: 'containerRatio',
          container: 'istio-proxy',
          path: '/spec/initContainers/1/resources/limits/memory',
          data: { what: 'sidecar', container: 'istio-proxy', limit: '1Gi', request: '128Mi', ratio: '8', maxRatio: '2' },
        },
      ],
    },
    {
      // 8Gi / 2Gi = 4.
      name: 'pod-level request and limit on 1.34',
      manifest: podLevel,
      kubernetesVersion: '1.34',
      errors: [
        {
          messageId: 'podRatio',
          path: '/spec/resources/limits/memory',
          line: lineOf(podLevel, 'memory: 8Gi'),
          message:
            'pod-level memory limit 8Gi is 4x the pod-level request 2Gi (max 2x): only 2Gi is reserved, and usage above it is first to be evicted or OOM-killed',
        },
      ],
    },
    {
      name: 'pod-level 4x with maxRatio 4.5 is allowed, the container 8x is not',
      manifest: meshedPodLevel,
      options: { maxRatio: 4.5 },
      errors: [
        { messageId: 'containerRatio', container: 'migrate', data: { what: 'init container', container: 'migrate', limit: '2Gi', request: '256Mi', ratio: '8', maxRatio: '4.5' } },
        { messageId: 'containerRatio', container: 'istio-proxy', data: { what: 'sidecar', container: 'istio-proxy', limit: '1Gi', request: '128Mi', ratio: '8', maxRatio: '4.5' } },
      ],
    },
    {
      name: 'containers first, then the pod-level stanza',
      manifest: meshedPodLevel,
      errors: [
        { messageId: 'containerRatio', container: 'migrate', path: '/spec/initContainers/0/resources/limits/memory' },
        { messageId: 'containerRatio', container: 'istio-proxy', path: '/spec/initContainers/1/resources/limits/memory' },
        { messageId: 'podRatio', path: '/spec/resources/limits/memory', data: { limit: '8Gi', request: '2Gi', ratio: '4', maxRatio: '2' } },
      ],
    },
  ],
});
