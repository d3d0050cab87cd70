// A runtime told to use (nearly) all of the container's memory for its heap: the cgroup limit is
// reached before the runtime's own out-of-memory handling, and the kernel kills the container.
// What each runtime will use is src/core/runtime-heap.ts's to say; this rule compares it with the
// container's memory limit and words the findings.
import { defineRule } from './define-rule.js';
import type { RuleReport } from './define-rule.js';
import { containerNoun, containerPointer, decimalToFraction, formatBytes, formatRatio, rawContainer } from './utils.js';
import { mayConfigureHeap, readHeapConfigurations } from '../src/core/runtime-heap.js';
import type { Runtime } from '../src/core/runtime-heap.js';
import type { ContainerResult } from '../src/core/types.js';
import type { Workload } from '../src/engine/types.js';

interface Options {
  minHeadroomPercent: number;
}
type MessageIds = 'heapAtOrAboveLimit' | 'littleHeadroom' | 'invalidSetting';

const HEAP_KIND: Record<Runtime, string> = {
  jvm: 'heap',
  node: 'old-space heap',
  go: 'Go memory limit',
  dotnet: 'GC heap limit',
};

const CONSEQUENCE: Record<Runtime, string> = {
  jvm: 'the JVM will be OOM-killed (exit 137) before it throws OutOfMemoryError',
  node: 'Node.js will be OOM-killed (exit 137) before V8 reports "JavaScript heap out of memory"',
  go: 'the Go garbage collector only works harder as usage nears that limit, so the container is OOM-killed (exit 137) first',
  dotnet: 'the .NET runtime will be OOM-killed (exit 137) before it throws OutOfMemoryException',
};

const NON_HEAP: Record<Runtime, string> = {
  jvm: 'metaspace, thread stacks, the code cache, GC data structures and direct buffers',
  node: 'the young generation, code space, Buffers and native memory',
  go: 'memory the Go runtime does not manage (cgo, mapped files) and the collector\'s overshoot',
  dotnet: 'native memory, thread stacks and JIT-compiled code outside the GC heap',
};

/** Exact bytes, with an approximation when the exact form has no unit: "2040109465 bytes ≈ 1.9Gi". */
function sizeText(bytes: bigint): string {
  const exact = formatBytes(bytes);
  if (!/^\d+$/.test(exact) || bytes < 1n << 20n) return exact;
  for (const [size, unit] of [[1n << 40n, 'Ti'], [1n << 30n, 'Gi'], [1n << 20n, 'Mi']] as const) {
    if (bytes < size) continue;
    const tenths = (bytes * 10n + size / 2n) / size;
    return `${exact} bytes ≈ ${tenths / 10n}.${tenths % 10n}${unit}`;
  }
  return exact;
}

/** heap > limit × (100 − minHeadroomPercent) / 100, exactly. */
function headroomTooSmall(heap: bigint, limit: bigint, minHeadroomPercent: number): boolean {
  if (minHeadroomPercent <= 0) return false;
  const { num, den } = decimalToFraction(minHeadroomPercent);
  return heap * 100n * den > limit * (100n * den - num);
}

/** One container's reports; `prefilter: false` skips mayConfigureHeap (tests compare the two). */
export function checkContainer(w: Workload, c: ContainerResult, minHeadroomPercent: number, prefilter = true): RuleReport<MessageIds>[] {
  const limit = c.memoryLimit;
  if (limit === null) return [];
  const raw = rawContainer(w, c) as Record<string, unknown> | undefined;
  if (raw === undefined || (prefilter && !mayConfigureHeap(raw))) return [];
  const base = { what: containerNoun(c.type), container: c.name, limit: formatBytes(limit) };
  return readHeapConfigurations(raw, containerPointer(w, c), limit).flatMap((found): RuleReport<MessageIds>[] => {
    const where = found.inEnv === undefined ? '' : ` in ${found.inEnv}`;
    const at = { path: found.path, container: c.name };
    if (found.kind === 'invalid') {
      const data = { ...base, setting: found.setting, where, problem: found.problem };
      return [{ messageId: 'invalidSetting', data, ...at, ...(found.ignoredByRuntime ? { severity: 'info' as const } : {}) }];
    }
    const data = { ...base, setting: found.setting, where, heap: sizeText(found.bytes), heapKind: HEAP_KIND[found.runtime] };
    if (found.bytes >= limit) {
      return [{ messageId: 'heapAtOrAboveLimit', data: { ...data, consequence: CONSEQUENCE[found.runtime] }, ...at }];
    }
    if (!headroomTooSmall(found.bytes, limit, minHeadroomPercent)) return [];
    const headroom = {
      percent: formatRatio(found.bytes * 100n, limit),
      headroom: sizeText(limit - found.bytes),
      nonHeap: NON_HEAP[found.runtime],
      minHeadroomPercent: String(minHeadroomPercent),
    };
    return [{ messageId: 'littleHeadroom', data: { ...data, ...headroom }, ...at }];
  });
}

export default defineRule<Options, MessageIds>({
  meta: {
    id: 'runtime-heap-exceeds-limit',
    severity: 'warning',
    description:
      'Reports JVM, Node.js, Go and .NET heap settings (-Xmx, MaxRAMPercentage, --max-old-space-size, GOMEMLIMIT, GCHeapHardLimit) at or near the container\'s memory limit.',
    remediation:
      'Size the heap below the memory limit with room for the runtime\'s non-heap memory (for the JVM, -XX:MaxRAMPercentage=75 or an -Xmx about 25% below the limit), or raise the memory limit.',
    fixable: false,
    options: {
      type: 'object',
      properties: {
        minHeadroomPercent: {
          type: 'number',
          minimum: 0,
          exclusiveMaximum: 100,
          description:
            'Smallest share of the memory limit, in percent, that must stay outside the heap; 0 reports only heaps at or above the limit.',
        },
      },
      additionalProperties: false,
    },
    defaultOptions: { minHeadroomPercent: 10 },
    messages: {
      heapAtOrAboveLimit:
        '{{what}} "{{container}}" sets {{setting}}{{where}} ({{heap}} {{heapKind}}) at or above its {{limit}} memory limit: {{consequence}}',
      littleHeadroom:
        '{{what}} "{{container}}" sets {{setting}}{{where}} ({{heap}} {{heapKind}}), {{percent}}% of its {{limit}} memory limit: only {{headroom}} is left for {{nonHeap}}, less than the {{minHeadroomPercent}}% minimum — expect OOM kills (exit 137) under load',
      invalidSetting: '{{what}} "{{container}}" sets {{setting}}{{where}}: {{problem}}',
    },
    docs: `\
## Why it matters

A managed runtime sizes its heap from its own settings, not from the container's memory limit.
When the heap may grow to the limit (or past it), the process reaches the cgroup's \`memory.max\`
before the runtime notices that it is out of heap: instead of a clean \`OutOfMemoryError\` with a
heap dump, or a garbage collection that would have freed memory, the kernel's OOM killer sends
SIGKILL. The pod shows \`OOMKilled\`, exit code 137, nothing in the application log, and a restart
loop if the load comes back.

The heap is never the whole process. A JVM also needs metaspace (often 100–300Mi for a Spring Boot
application), a stack per thread (1Mi each by default; 200 Tomcat threads are 200Mi of address
space), the JIT code cache (up to 240Mi), GC data structures (G1's remembered sets are several
percent of the heap) and direct buffers (Netty). V8 keeps its young generation, code and Buffers
outside \`--max-old-space-size\`; .NET keeps native memory and JIT code outside the GC heap. A heap
*at* the limit is therefore always wrong, and one that leaves only a few percent is an OOM kill
waiting for the next traffic peak.

The rule reports:

- \`heapAtOrAboveLimit\`: the heap (or Go's memory limit) is at or above the container's memory
  limit;
- \`littleHeadroom\`: it leaves less than \`minHeadroomPercent\` (default 10%) of the limit for
  everything else;
- \`invalidSetting\`: a value the runtime rejects (\`-Xmx2GB\`, \`-XX:MaxRAMPercentage=150\`,
  \`GOMEMLIMIT=1Gi\`: the process does not start) or ignores (\`DOTNET_GCHeapHardLimitPercent=90\`,
  which is hexadecimal, 0x90 = 144%; reported as info).

## Kubernetes behaviour

- The limit compared against is the container's memory limit after API-server defaulting
  (\`pkg/apis/core/v1/defaults.go\`), which the kubelet writes to the container's cgroup
  (\`memory.max\` on cgroup v2, \`memory.limit_in_bytes\` on v1) through
  \`pkg/kubelet/kuberuntime/kuberuntime_container_linux.go\` (\`generateLinuxContainerResources\`).
  A container without a memory limit is skipped: there is nothing to compare with.
- Exceeding \`memory.max\` triggers a memory-cgroup OOM kill of a process in that container; the
  kubelet reports the container as \`OOMKilled\` with exit code 137 and restarts it according to
  the pod's \`restartPolicy\`. On cgroup v2 the kubelet sets \`memory.oom.group\` (1.28+), so the whole
  container dies, not just the largest process.
- Settings are read from the container's \`env\` (literal \`value\`s only: \`valueFrom\` is unknown and
  skipped; \`envFrom\` cannot override \`env\`), \`command\` and \`args\`. Kubernetes expands \`$(VAR)\`
  references in env values, \`command\` and \`args\` (\`third_party/forked/golang/expansion\`,
  \`pkg/kubelet/kubelet_pods.go\` \`makeEnvironmentVariables\`); the rule does the same, and also follows a
  shell word that is exactly \`$VAR\` or \`\${VAR}\`. Every \`command\`/\`args\` item is split on
  whitespace, so \`sh -c "exec java -Xmx2g -jar app.jar"\` is read like the command line it runs.
  After \`java\` (or \`node\`), only the options before the main class, the \`-jar\` file or the script
  count: \`java -jar app.jar -Xmx4g\` passes \`-Xmx4g\` to the application.
- The finding's path is the env var value (\`…/env/3/value\`) or the \`command\`/\`args\` item where the
  deciding setting is written.

### JVM

- \`-Xmx<size>\` and \`-XX:MaxHeapSize=<size>\` set the same flag; sizes are parsed as HotSpot does
  (\`Arguments::atojulong\`): digits or \`0x\` hex, then an optional \`k\`, \`m\`, \`g\` or \`t\` (binary: KiB,
  MiB, GiB, TiB); no suffix means bytes. \`-Xmx2g\`, \`-Xmx2048m\`, \`-Xmx2G\` and \`-Xmx2147483648\` are all
  2Gi; \`-Xmx2GB\` and \`-Xmx1.5g\` stop the JVM at startup.
- Order: \`JAVA_TOOL_OPTIONS\` is read first, then the launcher's \`JDK_JAVA_OPTIONS\` (JDK 9+), then the
  command line, then \`_JAVA_OPTIONS\`, which overrides everything; the last occurrence of a flag wins.
  \`JAVA_OPTS\` is not read by the JVM but by start scripts (Tomcat's \`catalina.sh\`, most image
  entrypoints): where \`command\`/\`args\` expand it, it counts there; otherwise it is assumed to be
  passed before the command line's own options. So are the variables of well-known images, in this
  order: Tomcat's \`CATALINA_OPTS\`, \`JAVA_OPTS_APPEND\` (Red Hat's \`run-java.sh\`, Keycloak),
  Elasticsearch's \`ES_JAVA_OPTS\`, OpenSearch's \`OPENSEARCH_JAVA_OPTS\`, Logstash's \`LS_JAVA_OPTS\`,
  Kafka's \`KAFKA_HEAP_OPTS\` and Solr's \`SOLR_JAVA_MEM\`.
- Without \`-Xmx\`, the heap comes from the ergonomics (\`Arguments::set_heap_size\` in
  \`src/hotspot/share/runtime/arguments.cpp\`), computed here as HotSpot does, in double precision:
  with physical memory P (the cgroup limit, or \`-XX:MaxRAM\` when given), the heap is
  \`P × MinRAMPercentage / 100\` (default 50) when that is below the default MaxHeapSize (≈124.8Mi,
  \`ScaleForWordSize(96M)\`), otherwise \`max(P × MaxRAMPercentage / 100, 124.8Mi)\`. So
  \`-XX:MaxRAMPercentage=100\` on a 2Gi container is a 2Gi heap, but on a 200Mi container the JVM uses
  100Mi (MinRAMPercentage) and nothing is reported. Percentages outside 0–100 stop the JVM.
  Naming a percentage also lifts the compressed-oops clamp (~32Gi), so no clamp is applied.
- Not modelled: \`-Xms\` (an initial heap above the ergonomic maximum raises it), the deprecated
  \`MaxRAMFraction\`, \`@argfiles\`, and the GC's alignment of the final size.

### Node.js

\`--max-old-space-size=<MiB>\` (dashes or underscores) in \`NODE_OPTIONS\` or on the command line; the
command line is parsed after \`NODE_OPTIONS\` and wins. The value is in MiB (V8 multiplies by
1024 × 1024). Only the old generation is limited; the young generation and everything off-heap come
on top.

### Go

\`GOMEMLIMIT\` (Go 1.19+, \`runtime.readGOMEMLIMIT\`) is a soft limit for all memory the Go runtime
manages. Its syntax is \`runtime.parseByteCount\`: an integer with an optional \`B\`, \`KiB\`, \`MiB\`,
\`GiB\` or \`TiB\` suffix; \`off\` disables it. Kubernetes-style \`1Gi\`, \`512M\` or \`1G\` are malformed and
the program dies at startup with \`malformed GOMEMLIMIT\`. At or above the container limit the
collector never gets the chance to act; the Go guide to the GC suggests leaving 5–10% headroom.

### .NET

\`DOTNET_GCHeapHardLimit\` (bytes) and \`DOTNET_GCHeapHardLimitPercent\` (of the container limit), or
their legacy \`COMPlus_\` spellings (\`DOTNET_\` wins). Values read from the environment are
**hexadecimal**, with or without \`0x\` (learn.microsoft.com, "Runtime configuration options for
garbage collection": "for environment variables, specify values as hexadecimal"): \`0xC800000\` and
\`C800000\` are 200Mi, and \`DOTNET_GCHeapHardLimitPercent=50\` means 0x50 = 80%. The GC
(\`src/coreclr/gc/gc.cpp\`) uses the byte limit when set, else the percentage only when
\`0 < percent < 100\`; otherwise, in a container with a limit, it defaults to 75% of it. Per-object-heap
limits (\`GCHeapHardLimitSOH\` and friends) replace both; containers that set them are not checked.

## Examples

### Incorrect

\`\`\`yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  selector:
    matchLabels: {app: orders}
  template:
    metadata:
      labels: {app: orders}
    spec:
      containers:
        - name: app
          image: example/orders:3.2.0
          env:
            - name: JAVA_TOOL_OPTIONS
              value: -Xmx2g -XX:+UseG1GC
          resources:
            requests: {cpu: 500m, memory: 2Gi}
            limits: {memory: 2Gi}
\`\`\`

\`container "app" sets -Xmx2g in JAVA_TOOL_OPTIONS (2Gi heap) at or above its 2Gi memory limit: the
JVM will be OOM-killed (exit 137) before it throws OutOfMemoryError\`.

### Correct

\`\`\`yaml
          env:
            - name: JAVA_TOOL_OPTIONS
              value: -XX:MaxRAMPercentage=75 -XX:+UseG1GC
          resources:
            requests: {cpu: 500m, memory: 2Gi}
            limits: {memory: 2Gi}
\`\`\`

A 1536Mi heap, leaving 512Mi for everything else.

## Options

### minHeadroomPercent

A number from 0 to below 100, default \`10\`: the share of the memory limit that must stay outside
the heap. A heap above \`limit × (100 − minHeadroomPercent) / 100\` is reported as \`littleHeadroom\`;
exactly that much is allowed. The comparison is exact (the percentage is read as the decimal you
wrote).

The default of 10 is deliberately lenient: it reports what is almost certainly too tight (a JVM
whose non-heap memory fits in less than a tenth of the limit, a Go limit above the 90% that the Go
documentation and tools such as automemlimit use) and stays quiet on the common 75–90% settings.
Teams that follow the usual JVM guidance (MaxRAMPercentage 75) can set \`25\`; small containers need
proportionally more headroom, because non-heap memory is largely a fixed amount. \`0\` reports only
heaps at or above the limit.

## When not to use it

When the image's entrypoint rewrites these settings at startup (some buildpacks compute -Xmx from the
limit themselves, ignoring what the manifest says), or for runtimes configured through files the
linter cannot see. Prefer suppressing single workloads with the \`oomguard.io/ignore\` annotation.
`,
  },
  check(w, { options }) {
    const minHeadroomPercent = options.minHeadroomPercent ?? 10;
    return w.analysis.containers.flatMap((c) => checkContainer(w, c, minHeadroomPercent));
  },
});
