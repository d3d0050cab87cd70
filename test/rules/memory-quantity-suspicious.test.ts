// memory-quantity-suspicious: memory quantities the API server accepts
// (k8s.io/apimachinery/pkg/api/resource/quantity.go) but no one means: "m" is milli, a bare
// number is bytes, Quantity.Value() rounds fractions of a byte up.
import t from 'tap';
import rule from '../../rules/memory-quantity-suspicious.js';
import { edit, lineOf, ruleTester, yaml } from '../helpers/rule-tester.js';

/** A Deployment whose one container has the given resources block (YAML flow text). */
function deployment(name: string, resources: string): string {
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
              resources: ${resources}
  `;
}

// cpu's "500m" copied into memory: 0.5 byte.
const milli = yaml`
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: worker
  spec:
    selector:
      matchLabels: {app: worker}
    template:
      metadata:
        labels: {app: worker}
      spec:
        containers:
          - name: worker
            image: example/worker:1.0
            resources:
              requests:
                cpu: 500m
                memory: 500m
`;

// A CronJob whose init container and native sidecar both slipped.
const cron = yaml`
  apiVersion: batch/v1
  kind: CronJob
  metadata:
    name: sync
  spec:
    schedule: "*/5 * * * *"
    jobTemplate:
      spec:
        template:
          spec:
            restartPolicy: OnFailure
            initContainers:
              - name: migrate
                image: example/sync:1.0
                resources:
                  requests:
                    memory: 64
              - name: linkerd-proxy
                image: cr.l5d.io/linkerd/proxy:stable-2.14.10
                restartPolicy: Always
                resources:
                  limits:
                    memory: 250m
            containers:
              - name: sync
                image: example/sync:1.0
                resources:
                  requests:
                    memory: 256Mi
                  limits:
                    memory: 1.3Gi
`;

// Pod-level resources written with cpu habits.
const podLevel = yaml`
  apiVersion: v1
  kind: Pod
  metadata:
    name: etl
  spec:
    resources:
      requests:
        cpu: "1"
        memory: 2000m
      limits:
        cpu: "2"
        memory: 4000m
    containers:
      - name: etl
        image: example/etl:1.0
`;

ruleTester.run(t, rule, {
  valid: [
    { name: 'binary units', manifest: deployment('api', '{requests: {memory: 512Mi}, limits: {memory: 1Gi}}') },
    { name: 'decimal units are not slips', manifest: deployment('api', '{requests: {memory: 512M}, limits: {memory: 1G}}') },
    // 1.5Gi = 1610612736 bytes exactly.
    { name: 'a fraction that is a whole number of bytes', manifest: deployment('api', '{requests: {memory: 1.5Gi}, limits: {memory: 1.5Gi}}') },
    { name: 'plain bytes from 1Mi up (1Gi as a YAML integer)', manifest: deployment('api', '{requests: {memory: 1073741824}, limits: {memory: "1073741824"}}') },
    { name: 'exactly 1Mi in bytes', manifest: deployment('api', '{requests: {memory: "1048576"}}') },
    { name: 'a 4Mi limit is the smallest allowed; small requests are fine', manifest: deployment('pause', '{requests: {memory: 1Mi}, limits: {memory: 4Mi}}') },
    { name: 'zero is left to memory-request-missing', manifest: deployment('api', '{requests: {memory: "0"}, limits: {memory: 256Mi}}') },
    { name: '1Pi is large but possible', manifest: deployment('sap-hana', '{requests: {memory: 1Pi}}') },
    {
      name: 'suppressed with oomguard.io/ignore on the pod template',
      manifest: edit(deployment('chaos', '{limits: {memory: 1Mi}}'), 'labels: {app: chaos}\n', 'labels: {app: chaos}\n      annotations: {oomguard.io/ignore: memory-quantity-suspicious}\n'),
    },
  ],
  invalid: [
    {
      name: 'memory: 500m copied from cpu',
      manifest: milli,
      errors: [
        {
          messageId: 'milliBytes',
          container: 'worker',
          path: '/spec/template/spec/containers/0/resources/requests/memory',
          line: lineOf(milli, 'memory: 500m'),
          severity: 'error',
          message:
            'container "worker" memory request "500m" is in millibytes ("m" is 1/1000, not mega): 1 byte after rounding up — did you mean "500Mi"?',
        },
      ],
    },
    {
      // 1500m = 1.5 bytes, rounded up to 2.
      name: 'millibytes above one byte',
      manifest: deployment('api', '{requests: {memory: 1500m}}'),
      errors: [
        { messageId: 'milliBytes', container: 'api', data: { owner: 'container "api"', field: 'memory request', value: '1500m', bytes: '2 bytes', suggestion: '1500Mi' } },
      ],
    },
    {
      name: 'the micro suffix',
      manifest: deployment('api', '{requests: {memory: 256u}}'),
      errors: [
        {
          messageId: 'subMilliBytes',
          container: 'api',
          message: 'container "api" memory request "256u" uses the micro suffix "u": 1 byte after rounding up — write it in Mi or Gi',
        },
      ],
    },
    {
      name: 'the nano suffix',
      manifest: deployment('api', '{limits: {memory: 900n}}'),
      errors: [{ messageId: 'subMilliBytes', container: 'api', data: { owner: 'container "api"', field: 'memory limit', value: '900n', suffix: 'n', suffixName: 'nano', bytes: '1 byte' } }],
    },
    {
      name: 'a bare 512 is bytes',
      manifest: deployment('cache', '{requests: {memory: "512"}, limits: {memory: 1Gi}}'),
      errors: [
        {
          messageId: 'noUnit',
          container: 'cache',
          path: '/spec/template/spec/containers/0/resources/requests/memory',
          message: 'container "cache" memory request "512" has no unit, so it is 512 bytes — did you mean "512Mi"?',
        },
      ],
    },
    {
      // 2^20 - 1 bytes: the last value the unit check covers.
      name: 'just under 1Mi in bytes',
      manifest: deployment('cache', '{requests: {memory: "1048575"}}'),
      errors: [{ messageId: 'noUnit', container: 'cache', data: { owner: 'container "cache"', field: 'memory request', value: '1048575', bytes: '1048575 bytes', suggestion: '1048575Mi' } }],
    },
    {
      name: 'an exponent is no unit either',
      manifest: deployment('cache', '{requests: {memory: "1e3"}}'),
      errors: [{ messageId: 'noUnit', container: 'cache', data: { owner: 'container "cache"', field: 'memory request', value: '1e3', bytes: '1000 bytes', suggestion: '1000Mi' } }],
    },
    {
      // 1.3 * 1073741824 = 1395864371.2 -> 1395864372 bytes; / 1048576 = 1331.2 -> 1332Mi.
      name: 'init container, sidecar and container, in kubelet order',
      manifest: cron,
      errors: [
        {
          messageId: 'noUnit',
          container: 'migrate',
          path: '/spec/jobTemplate/spec/template/spec/initContainers/0/resources/requests/memory',
          line: lineOf(cron, 'memory: 64'),
          severity: 'error',
          message: 'init container "migrate" memory request "64" has no unit, so it is 64 bytes — did you mean "64Mi"?',
        },
        {
          messageId: 'milliBytes',
          container: 'linkerd-proxy',
          path: '/spec/jobTemplate/spec/template/spec/initContainers/1/resources/limits/memory',
          line: lineOf(cron, 'memory: 250m'),
          data: { owner: 'sidecar "linkerd-proxy"', field: 'memory limit', value: '250m', bytes: '1 byte', suggestion: '250Mi' },
        },
        {
          messageId: 'fractionalBytes',
          container: 'sync',
          path: '/spec/jobTemplate/spec/template/spec/containers/0/resources/limits/memory',
          line: lineOf(cron, 'memory: 1.3Gi'),
          severity: 'warning',
          message:
            'container "sync" memory limit "1.3Gi" is not a whole number of bytes: it is rounded up to 1395864372 bytes and stored in millibytes — write "1332Mi"',
        },
      ],
    },
    {
      // 0.1Ki = 102.4 bytes, rounded up to 103.
      name: 'a fraction of a KiB',
      manifest: deployment('tiny', '{requests: {memory: 0.1Ki}, limits: {memory: 64Mi}}'),
      errors: [{ messageId: 'fractionalBytes', container: 'tiny', severity: 'warning', message: /^container "tiny" memory request "0\.1Ki" is not a whole number of bytes: it is rounded up to 103 bytes and stored in millibytes — write "1Ki"$/ }],
    },
    {
      name: 'a 2Mi limit cannot start a container',
      manifest: deployment('pause', '{requests: {memory: 1Mi}, limits: {memory: 2Mi}}'),
      errors: [
        {
          messageId: 'limitTooSmall',
          container: 'pause',
          path: '/spec/template/spec/containers/0/resources/limits/memory',
          message:
            'container "pause" memory limit "2Mi" is 2Mi, under 4Mi: the runtime cannot start a container in it ("container init was OOM-killed")',
        },
      ],
    },
    {
      // 100k = 100000 bytes (decimal kilo).
      name: 'a 100k limit',
      manifest: deployment('pause', '{limits: {memory: 100k}}'),
      errors: [{ messageId: 'limitTooSmall', container: 'pause', data: { owner: 'container "pause"', value: '100k', bytes: '100000' } }],
    },
    {
      name: 'a 10Pi limit',
      manifest: deployment('db', '{requests: {memory: 8Gi}, limits: {memory: 10Pi}}'),
      errors: [
        {
          messageId: 'tooLarge',
          container: 'db',
          path: '/spec/template/spec/containers/0/resources/limits/memory',
          message: 'container "db" memory limit "10Pi" is 10Pi, over 1Pi — more memory than any node has; check the unit',
        },
      ],
    },
    {
      name: 'a 2E request (exabytes)',
      manifest: deployment('db', '{requests: {memory: 2E}}'),
      errors: [{ messageId: 'tooLarge', container: 'db', message: /^container "db" memory request "2E" is .*, over 1Pi/ }],
    },
    {
      // 2000m = 2 bytes, 4000m = 4 bytes.
      name: 'pod-level requests and limits in millibytes (1.34)',
      manifest: podLevel,
      kubernetesVersion: '1.34',
      errors: [
        {
          messageId: 'milliBytes',
          path: '/spec/resources/requests/memory',
          line: lineOf(podLevel, 'memory: 2000m'),
          message: 'pod-level memory request "2000m" is in millibytes ("m" is 1/1000, not mega): 2 bytes after rounding up — did you mean "2000Mi"?',
        },
        {
          messageId: 'milliBytes',
          path: '/spec/resources/limits/memory',
          line: lineOf(podLevel, 'memory: 4000m'),
          data: { owner: 'pod-level', field: 'memory limit', value: '4000m', bytes: '4 bytes', suggestion: '4000Mi' },
        },
      ],
    },
  ],
});
