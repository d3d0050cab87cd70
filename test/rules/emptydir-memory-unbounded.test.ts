// emptydir-memory-unbounded: memory-backed emptyDir volumes without a sizeLimit, or with one above
// the pod's memory limit. The tmpfs size follows calculateEmptyDirMemorySize
// (pkg/volume/emptydir/empty_dir.go): node allocatable, lowered to the pod's memory limit
// (ResourceConfigForPod), lowered to a positive sizeLimit that is not larger.
import t from 'tap';
import rule from '../../rules/emptydir-memory-unbounded.js';
import { bytes, edit, lineOf, ruleTester, yaml } from '../helpers/rule-tester.js';
import { nodeFactsFromCapacity } from '../../src/core/node.js';

const NO_LIMIT_TAIL = 'filling it OOM-kills the writer (exit 137), and its files survive the restart';

// A headless-Chrome renderer that uses /dev/shm-style scratch space in RAM.
const renderer = yaml`
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: renderer
    namespace: media
  spec:
    replicas: 2
    selector:
      matchLabels: {app: renderer}
    template:
      metadata:
        labels: {app: renderer}
      spec:
        containers:
          - name: renderer
            image: registry.example.com/renderer:2.4.1
            volumeMounts:
              - {name: config, mountPath: /etc/renderer}
              - {name: scratch, mountPath: /tmp}
            resources:
              requests: {cpu: "1", memory: 1Gi}
              limits: {memory: 1Gi}
        volumes:
          - name: config
            configMap: {name: renderer}
          - name: scratch
            emptyDir:
              medium: Memory
`;

/** The renderer with its scratch volume given `sizeLimit: <size>`. */
function rendererWithSizeLimit(size: string): string {
  return edit(renderer, '            medium: Memory\n', `            medium: Memory\n            sizeLimit: ${size}\n`);
}

// An app without a memory limit and a log shipper sidecar sharing a RAM spool.
const spool = yaml`
  apiVersion: v1
  kind: Pod
  metadata:
    name: api
  spec:
    initContainers:
      - name: log-shipper
        image: fluent/fluent-bit:3.1
        restartPolicy: Always
        volumeMounts:
          - {name: spool, mountPath: /var/spool/logs}
        resources:
          limits: {cpu: 100m, memory: 128Mi}
    containers:
      - name: app
        image: registry.example.com/api:8.0.0
        volumeMounts:
          - {name: spool, mountPath: /var/log/app}
        resources:
          requests: {cpu: 250m, memory: 512Mi}
    volumes:
      - name: spool
        emptyDir: {medium: Memory}
`;

t.test('emptydir-memory-unbounded', async (t) => {
  ruleTester.run(t, rule, {
    valid: [
      {
        name: 'memory-backed scratch with a sizeLimit inside the pod limit',
        manifest: rendererWithSizeLimit('256Mi'),
      },
      {
        name: 'a sizeLimit equal to the pod limit is used as is',
        manifest: rendererWithSizeLimit('1Gi'),
      },
      {
        name: 'disk-backed emptyDir without sizeLimit is another matter (ephemeral storage)',
        manifest: edit(renderer, '          emptyDir:\n            medium: Memory\n', '          emptyDir: {}\n'),
      },
      {
        name: 'a memory-backed volume that no container mounts cannot be written',
        manifest: edit(renderer, '            - {name: scratch, mountPath: /tmp}\n', ''),
      },
    ],
    invalid: [
      {
        name: 'no sizeLimit: the tmpfs is sized to the pod limit',
        manifest: renderer,
        errors: [
          {
            messageId: 'noSizeLimit',
            path: '/spec/template/spec/volumes/1/emptyDir',
            line: lineOf(renderer, 'emptyDir:'),
            severity: 'warning',
            message: `memory-backed emptyDir "scratch" has no sizeLimit: its tmpfs can grow to 1Gi (the pod's memory limit), and every byte written to it is RAM counted against the writing container's memory (container "renderer") — ${NO_LIMIT_TAIL}`,
          },
        ],
      },
      {
        name: 'sizeLimit 0 is ignored by the kubelet',
        manifest: rendererWithSizeLimit('"0"'),
        errors: [{ messageId: 'noSizeLimit', message: /^memory-backed emptyDir "scratch" has sizeLimit 0, which the kubelet ignores: its tmpfs can grow to 1Gi/ }],
      },
      {
        name: 'sizeLimit above the pod limit',
        manifest: rendererWithSizeLimit('2Gi'),
        errors: [
          {
            messageId: 'sizeLimitAboveLimits',
            path: '/spec/template/spec/volumes/1/emptyDir',
            message:
              'memory-backed emptyDir "scratch" sizeLimit 2Gi is above the pod\'s 1Gi memory limit: the kubelet sizes the tmpfs to 1Gi instead, and the writing container (container "renderer") is OOM-killed (exit 137) before the volume is ever full',
          },
        ],
      },
      {
        name: 'exact comparison: 1073741825 bytes is above 1Gi',
        manifest: rendererWithSizeLimit('"1073741825"'),
        errors: [{ messageId: 'sizeLimitAboveLimits', message: /sizeLimit 1073741825 is above the pod's 1Gi memory limit/ }],
      },
      {
        name: 'a container without a limit: the tmpfs may take the node (capacity, from --node-memory)',
        manifest: spool,
        errors: [
          {
            messageId: 'noSizeLimit',
            path: '/spec/volumes/0/emptyDir',
            message:
              'memory-backed emptyDir "spool" has no sizeLimit: its tmpfs can grow to 16Gi (the node\'s memory capacity), and every byte written to it is RAM counted against the writing container\'s memory (sidecar "log-shipper" and container "app") — filling it exhausts the node\'s memory: evictions and OOM kills of other pods',
          },
        ],
      },
      {
        name: 'the kubelet uses allocatable memory when the node is known',
        manifest: spool,
        node: nodeFactsFromCapacity(bytes('16Gi'), 'node-file', bytes('14848Mi')),
        errors: [{ messageId: 'noSizeLimit', message: /its tmpfs can grow to 14848Mi \(the node's allocatable memory\)/ }],
      },
      {
        name: 'a pod limit above the node is no bound: the node is',
        manifest: edit(renderer, 'limits: {memory: 1Gi}', 'limits: {memory: 24Gi}'),
        errors: [{ messageId: 'noSizeLimit', message: /its tmpfs can grow to 16Gi \(the node's memory capacity\)/ }],
      },
      {
        name: 'the pod limit counts a large init container (KEP-753)',
        manifest: yaml`
          apiVersion: batch/v1
          kind: CronJob
          metadata:
            name: rebuild-index
          spec:
            schedule: "30 3 * * *"
            jobTemplate:
              spec:
                template:
                  spec:
                    restartPolicy: Never
                    initContainers:
                      - name: warm-cache
                        image: registry.example.com/indexer:5.2
                        args: [warm, --into=/cache]
                        volumeMounts: [{name: cache, mountPath: /cache}]
                        resources:
                          limits: {cpu: "1", memory: 3Gi}
                    containers:
                      - name: indexer
                        image: registry.example.com/indexer:5.2
                        args: [rebuild, --from=/cache]
                        volumeMounts: [{name: cache, mountPath: /cache, readOnly: true}]
                        resources:
                          limits: {cpu: "2", memory: 1Gi}
                    volumes:
                      - name: settings
                        configMap: {name: indexer}
                      - name: cache
                        emptyDir: {medium: Memory}
        `,
        errors: [
          {
            messageId: 'noSizeLimit',
            path: '/spec/jobTemplate/spec/template/spec/volumes/1/emptyDir',
            message: `memory-backed emptyDir "cache" has no sizeLimit: its tmpfs can grow to 3Gi (the pod's memory limit), and every byte written to it is RAM counted against the writing container's memory (init container "warm-cache" and container "indexer") — ${NO_LIMIT_TAIL}`,
          },
        ],
      },
      {
        name: 'a pod-level memory limit bounds the pod (KEP-2837)',
        manifest: yaml`
          apiVersion: v1
          kind: Pod
          metadata:
            name: notebook
          spec:
            resources:
              limits: {cpu: "2", memory: 2Gi}
            containers:
              - name: jupyter
                image: quay.io/jupyter/scipy-notebook:2024-10-07
                volumeMounts: [{name: shm, mountPath: /dev/shm}]
              - name: git-sync
                image: registry.k8s.io/git-sync/git-sync:v4.3.0
            volumes:
              - name: shm
                emptyDir: {medium: Memory, sizeLimit: 4Gi}
        `,
        errors: [
          {
            messageId: 'sizeLimitAboveLimits',
            path: '/spec/volumes/0/emptyDir',
            message:
              'memory-backed emptyDir "shm" sizeLimit 4Gi is above the pod\'s 2Gi memory limit: the kubelet sizes the tmpfs to 2Gi instead, and the writing container (container "jupyter") is OOM-killed (exit 137) before the volume is ever full',
          },
        ],
      },
    ],
  });
});
