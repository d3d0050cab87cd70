// Hand-built LintReports for the output adapter tests (no parser, no core: only the types).
import type { NodeFacts } from '../../src/core/node.js';
import { fixedPlacement } from '../../src/core/placement.js';
import type { Placement } from '../../src/core/placement.js';
import type { ContainerResult, PodResult } from '../../src/core/types.js';
import type { Finding, LintReport, ObjectReport, Workload } from '../../src/engine/types.js';
import type { InputError, SourceObject } from '../../src/input/types.js';

export const GiB = 1024n ** 3n;
export const MiB = 1024n ** 2n;

export function node(capacity: bigint = 8n * GiB, source: NodeFacts['source'] = 'flag'): NodeFacts {
  return {
    memoryCapacity: capacity,
    memoryAllocatable: null,
    source,
    nodeNames: [],
    capacityRange: { min: capacity, max: capacity },
    allocatableRange: null,
  };
}

export function source(
  file: string,
  document: number,
  line: number,
  object: Record<string, unknown>,
  lines: Record<string, number> = {},
  itemPointer = '',
): SourceObject {
  return {
    file,
    document,
    itemPointer,
    line,
    object,
    lineOf: (pointer: string) => lines[pointer] ?? line,
  };
}

export function container(
  name: string,
  index: number,
  memoryRequest: bigint | null,
  memoryLimit: bigint | null,
  oomScoreAdj: number,
  type: ContainerResult['type'] = 'container',
): ContainerResult {
  return {
    name,
    type,
    index,
    specPointer: `/${type === 'container' ? 'containers' : 'initContainers'}/${index}`,
    memoryRequest,
    memoryLimit,
    cpuRequest: null,
    cpuLimit: null,
    memoryRequestDefaulted: false,
    setByLimitRange: null,
    oomScoreAdj,
  };
}

export function podResult(qosClass: PodResult['qosClass'], containers: ContainerResult[], extra: Partial<PodResult> = {}): PodResult {
  return {
    qosClass,
    qosSource: 'computed',
    nodeCritical: false,
    podLevelResources: false,
    qosFromPodLevel: false,
    podMemoryRequest: null,
    podMemoryLimit: null,
    containers,
    effectiveMemoryRequest: containers.reduce((s, c) => s + (c.memoryRequest ?? 0n), 0n),
    guaranteedOomScoreAdj: -997,
    limitRanges: { conflicts: [], refusals: [] },
    ...extra,
  };
}

/** An object report for a workload (a Deployment unless kind says otherwise). */
export function workloadReport(opts: {
  file: string;
  document?: number;
  line?: number;
  kind?: string;
  apiVersion?: string;
  namespace?: string | null;
  name: string;
  analysis: PodResult;
  findings?: Finding[];
  itemPointer?: string;
  placement?: Placement;
}): ObjectReport {
  const kind = opts.kind ?? 'Deployment';
  const apiVersion = opts.apiVersion ?? 'apps/v1';
  const namespace = opts.namespace === undefined ? 'default' : opts.namespace;
  const object = { apiVersion, kind, metadata: { name: opts.name, ...(namespace === null ? {} : { namespace }) }, spec: {} };
  const src = source(opts.file, opts.document ?? 0, opts.line ?? 1, object, {}, opts.itemPointer ?? '');
  const workload: Workload = {
    source: src,
    apiVersion,
    kind,
    name: opts.name,
    namespace,
    podPointer: kind === 'Pod' ? '' : '/spec/template',
    pod: {},
    defaultedPod: {},
    analysis: opts.analysis,
    placement: opts.placement ?? fixedPlacement(node()),
  };
  return { source: src, apiVersion, kind, name: opts.name, namespace, workload, findings: opts.findings ?? [] };
}

export const PROMETHEUS_MESSAGE =
  'container prometheus has no memory request: oom_score_adj 999 on an 8Gi node: killed before every Guaranteed and most Burstable containers';

export function prometheusFinding(): Finding {
  return {
    rule: 'memory-request-missing',
    severity: 'error',
    messageId: 'missing',
    message: PROMETHEUS_MESSAGE,
    container: 'prometheus',
    path: '/spec/template/spec/containers/0',
    line: 20,
  };
}

export function prometheusReport(): ObjectReport {
  return workloadReport({
    file: 'k8s/prometheus.yaml',
    document: 0,
    line: 1,
    namespace: 'monitoring',
    name: 'prometheus',
    analysis: podResult('Burstable', [
      container('prometheus', 0, null, null, 999),
      container('configmap-reload', 1, 50n * MiB, 100n * MiB, 994),
    ]),
    findings: [prometheusFinding()],
  });
}

export function configMapReport(): ObjectReport {
  const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'prometheus-config', namespace: 'monitoring' }, data: {} };
  return {
    source: source('k8s/prometheus.yaml', 1, 52, object),
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name: 'prometheus-config',
    namespace: 'monitoring',
    findings: [],
  };
}

export const INPUT_ERROR: InputError = {
  file: 'bad.yaml',
  document: 2,
  line: 7,
  message: 'bad indentation of a mapping entry',
};

/** The Prometheus case: one Burstable Deployment with an error finding, a ConfigMap, one input error. */
export function prometheusLint(): LintReport {
  return {
    kubernetesVersion: '1.34',
    node: node(),
    objects: [prometheusReport(), configMapReport()],
    errors: [{ ...INPUT_ERROR }],
  };
}

/** Same objects, no findings, no input errors. */
export function cleanLint(): LintReport {
  const report = prometheusLint();
  report.objects[0].findings = [];
  report.errors = [];
  return report;
}
