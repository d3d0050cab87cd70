// A memory-backed emptyDir is RAM: what is written to it is charged to the writing container's
// memory cgroup, and without a sizeLimit the tmpfs may grow far past what the pod may use.
import { defineRule } from './define-rule.js';
import type { RuleReport } from './define-rule.js';
import { containerNoun, formatBytes, isMapping, parseQuantity, podMemoryLimit, podSpecPointer, rawContainer } from './utils.js';
import { Quantity } from '../src/core/quantity.js';
import type { Workload } from '../src/engine/types.js';

type Options = Record<string, never>;
type MessageIds = 'noSizeLimit' | 'sizeLimitAboveLimits';

/** The containers that mount the volume, as messages name them: `container "app"`, `sidecar "log-shipper"`. */
function listContainers(w: Workload, volume: string): string[] {
  const names: string[] = [];
  for (const c of w.analysis.containers) {
    const raw = rawContainer(w, c);
    const mounts = raw?.volumeMounts;
    if (!Array.isArray(mounts)) continue;
    if (mounts.some((m: unknown) => isMapping(m) && m.name === volume)) names.push(`${containerNoun(c.type)} "${c.name}"`);
  }
  return names;
}

/** "a", "a and b", "a, b and c". */
function joinNames(names: string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

function isMemoryVolume(v: unknown): v is { name?: unknown; emptyDir: Record<string, unknown> } {
  return isMapping(v) && isMapping(v.emptyDir) && v.emptyDir.medium === 'Memory';
}

export default defineRule<Options, MessageIds>({
  meta: {
    id: 'emptydir-memory-unbounded',
    severity: 'warning',
    description:
      'Reports memory-backed emptyDir volumes (medium: Memory) without a sizeLimit, or with a sizeLimit above the pod\'s memory limit.',
    remediation:
      'Set emptyDir.sizeLimit to what the volume really needs and include that amount in the memory limit of the containers that write to it.',
    fixable: false,
    options: { type: 'object', properties: {}, additionalProperties: false },
    defaultOptions: {},
    messages: {
      noSizeLimit:
        'memory-backed emptyDir "{{volume}}" {{sizeLimitState}}: its tmpfs can grow to {{size}} ({{bound}}), and every byte written to it is RAM counted against the writing container\'s memory ({{mountedBy}}) — {{consequence}}',
      sizeLimitAboveLimits:
        'memory-backed emptyDir "{{volume}}" sizeLimit {{sizeLimit}} is above the pod\'s {{podLimit}} memory limit: the kubelet sizes the tmpfs to {{size}} instead, and the writing container ({{mountedBy}}) is OOM-killed (exit 137) before the volume is ever full',
    },
    docs: `\
## Why it matters

An \`emptyDir\` with \`medium: Memory\` is a tmpfs: its files live in RAM (and cannot be swapped out
on a node without swap). Linux charges tmpfs pages to the memory cgroup of the process that first
writes them, so a log spool, a cache or a scratch directory on such a volume counts against the
writing container's memory limit exactly like its heap. When the volume fills, the container is
OOM-killed (exit 137) — and because the volume belongs to the pod, not to the container, the files
are still there after the restart, their pages now charged to the pod's cgroup: the restarted
container starts with less memory than before and can end in a crash loop.

Without a \`sizeLimit\` nothing stops the volume short of the limits of the pod or of the node, so the
first sign of a runaway writer is an OOM kill or node memory pressure, never a clean \`ENOSPC\`.
A \`sizeLimit\` turns that into a write error at a size you chose, and documents how much of the
memory limit the volume may take.

A \`sizeLimit\` above the pod's memory limit is ignored: the kubelet sizes the tmpfs to the pod's
limit, and the writing container is killed before even that is reached.

## Kubernetes behaviour

- \`pkg/volume/emptydir/empty_dir.go\` (\`calculateEmptyDirMemorySize\`): the tmpfs is mounted with
  \`size=\` the node's **allocatable** memory, lowered to the pod's memory limit when the pod has one
  (computed by \`cm.ResourceConfigForPod\`, the same function that sizes the pod cgroup: the pod-level
  limit, or the sum of the containers' limits when *every* container has one, sidecar-aware), lowered
  again to \`sizeLimit\` when that is positive and not larger. A \`sizeLimit\` of \`0\` is ignored.
- This is feature gate \`SizeMemoryBackedVolumes\` (KEP-1967): alpha in 1.20, beta and on by default
  from 1.22, GA and locked in 1.32, later removed with the behaviour kept. In every version oomguard
  models (1.25+) it is on unless a cluster turned the beta gate off; then (before 1.32) the tmpfs
  gets the Linux default of half the node's RAM whatever the manifest says.
- Memory charged to the container: the kernel's memory controller charges shmem/tmpfs pages like
  anonymous memory (\`memory.stat\` \`shmem\`); they count towards \`memory.max\` and towards the
  working set the kubelet's eviction manager watches (\`pkg/kubelet/eviction/helpers.go\`). Without
  swap they cannot be reclaimed.
- When the pod has no memory limit, the bound reported is the node's allocatable memory when a Node
  was given (\`--node\`), otherwise its capacity (\`--node-memory\`), which overstates it slightly.
- Volumes that no container mounts cannot be written and are not reported. The message lists the
  containers (and init containers and sidecars) that mount the volume.
- The path of a finding is the volume's \`emptyDir\` (\`<pod spec>/volumes/<i>/emptyDir\`); findings are
  about the pod, not one container.

## Examples

### Incorrect

\`\`\`yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: renderer
spec:
  selector:
    matchLabels: {app: renderer}
  template:
    metadata:
      labels: {app: renderer}
    spec:
      containers:
        - name: renderer
          image: example/renderer:2.4
          volumeMounts:
            - {name: scratch, mountPath: /tmp}
          resources:
            requests: {memory: 1Gi}
            limits: {memory: 1Gi}
      volumes:
        - name: scratch
          emptyDir:
            medium: Memory
\`\`\`

\`memory-backed emptyDir "scratch" has no sizeLimit: its tmpfs can grow to 1Gi (the pod's memory
limit), and every byte written to it is RAM counted against the writing container's memory
(container "renderer") — filling it OOM-kills the writer (exit 137), and its files survive the
restart\`

### Correct

\`\`\`yaml
      containers:
        - name: renderer
          image: example/renderer:2.4
          volumeMounts:
            - {name: scratch, mountPath: /tmp}
          resources:
            requests: {memory: 1280Mi}
            limits: {memory: 1280Mi}
      volumes:
        - name: scratch
          emptyDir:
            medium: Memory
            sizeLimit: 256Mi
\`\`\`

The limit now covers the application's 1Gi plus the volume's 256Mi.

## Options

This rule has no options.

## When not to use it

For volumes that are written once with a known small content (a rendered config file) where the
sizeLimit adds nothing; suppress those workloads with the \`oomguard.io/ignore\` annotation.
`,
  },
  check(w, { nodeFit: fit }) {
    const spec = w.pod.spec;
    if (!isMapping(spec) || !Array.isArray(spec.volumes) || !spec.volumes.some(isMemoryVolume)) return [];
    const podLimit = podMemoryLimit(w);
    const reports: RuleReport<MessageIds>[] = [];
    spec.volumes.forEach((volume: unknown, i) => {
      if (!isMemoryVolume(volume)) return;
      const name = typeof volume.name === 'string' ? volume.name : `volumes[${i}]`;
      const mountedBy = listContainers(w, name);
      if (mountedBy.length === 0) return;
      const path = `${podSpecPointer(w)}/volumes/${i}/emptyDir`;
      const base = { volume: name, mountedBy: joinNames(mountedBy) };
      const rawSize = volume.emptyDir.sizeLimit;
      const sizeLimit = parseQuantity(rawSize);
      if (rawSize !== undefined && rawSize !== null && sizeLimit === null) return; // invalid: the API server rejects it
      if (sizeLimit === null || sizeLimit.sign() <= 0) {
        // calculateEmptyDirMemorySize: node allocatable, lowered to the pod limit when 0 < limit <= it.
        const podBound = podLimit !== null && podLimit > 0n && podLimit <= fit.bytes;
        reports.push({
          messageId: 'noSizeLimit',
          data: {
            ...base,
            sizeLimitState: sizeLimit === null ? 'has no sizeLimit' : `has sizeLimit ${String(rawSize)}, which the kubelet ignores`,
            size: formatBytes(podBound ? (podLimit as bigint) : fit.bytes),
            bound: podBound ? 'the pod\'s memory limit' : fit.what === 'allocatable' ? 'the node\'s allocatable memory' : 'the node\'s memory capacity',
            consequence: podBound
              ? 'filling it OOM-kills the writer (exit 137), and its files survive the restart'
              : 'filling it exhausts the node\'s memory: evictions and OOM kills of other pods',
          },
          path,
        });
        return;
      }
      // Exact: the kubelet compares quantities (volumeSizeLimit.Cmp(podMemoryLimit)).
      if (podLimit !== null && sizeLimit.cmp(Quantity.fromBytes(podLimit)) > 0) {
        reports.push({
          messageId: 'sizeLimitAboveLimits',
          data: {
            ...base,
            sizeLimit: formatBytes(sizeLimit.value()),
            podLimit: formatBytes(podLimit),
            size: formatBytes(podLimit <= fit.bytes ? podLimit : fit.bytes),
          },
          path,
        });
      }
    });
    return reports;
  },
});
