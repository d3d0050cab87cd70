// `npm run bench` (audit): auditing 10,000 running Pods from a file as a ratio to linting the same
// Pods as manifests, both whole processes in the same run, taking turns, median over the rounds.
//  (a) `oomguard audit --pods pods.json --nodes nodes.json --replicasets replicasets.json
//      --format json` vs `oomguard lint pods.json --node nodes.json --format json`: target <= 1.5x.
//      Both parse the same file and judge every Pod with the same engine on its own node; audit
//      adds the owners, the template comparison and the status.qosClass check.
//  (b) peak RSS of the audit process (information: the file is parsed whole; from the cluster
//      the audit holds a page at a time).
// The PodList is generated, as `kubectl get pods -A -o json` prints it (4-space indentation,
// uids, timestamps, conditions, container statuses), from the pod templates of examples/ and,
// when present, of the corpus (../shared/corpus): 10,000 Pods of Deployments (each with its
// ReplicaSet; a third of them with an injected istio-proxy their template lacks), StatefulSets,
// DaemonSets (one Pod per node) and Jobs (some Succeeded), spread over 24 nodes of four sizes.
// Usage: node dist/bench/audit.bench.js [PODS] (default 10000)
//   OOMGUARD_BENCH_AUDIT_ROUNDS (default 5).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { loadAll } from 'js-yaml';
import { listManifests, median } from './helpers.js';
import { analyzePod } from '../src/core/analyze-pod.js';
import { resolveFeatureGates } from '../src/core/versions.js';

type Obj = Record<string, any>;

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const bin = path.join(root, 'bin', 'oomguard.js');
const reportPeakRss = path.join(here, 'report-peak-rss.js');
const PODS = Number(process.argv[2] ?? 10_000);
const ROUNDS = Number(process.env.OOMGUARD_BENCH_AUDIT_ROUNDS ?? 5);
const VERSION = '1.33';
const GATES = resolveFeatureGates(VERSION);

/** Pod templates (spec.template, or a Pod's own metadata and spec) from manifests. */
function templatesFrom(files: readonly string[], limit: number): Obj[] {
  const out: Obj[] = [];
  for (const file of files) {
    let docs: unknown[];
    try {
      docs = loadAll(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    for (const d of docs as Obj[]) {
      if (d === null || typeof d !== 'object') continue;
      const t = d.kind === 'Pod' ? { metadata: d.metadata ?? {}, spec: d.spec } : d.spec?.template ?? d.spec?.jobTemplate?.spec?.template;
      if (!Array.isArray(t?.spec?.containers) || t.spec.containers.length === 0) continue;
      // Only templates the model accepts (the corpus has a few broken ones on purpose).
      try {
        analyzePod({ metadata: {}, spec: t.spec }, { version: VERSION, gates: GATES, memoryCapacity: 16n << 30n });
      } catch {
        continue;
      }
      out.push({ metadata: { labels: {}, ...(t.metadata ?? {}) }, spec: t.spec });
      if (out.length >= limit) return out;
    }
  }
  return out;
}

/** What the API server does to a Pod's resources: a limit without a request gets request = limit. */
function defaulted(c: Obj): Obj {
  const limits = c.resources?.limits ?? {};
  const requests = { ...(c.resources?.requests ?? {}) };
  for (const [k, v] of Object.entries(limits)) if (!(k in requests)) requests[k] = v;
  return { ...c, resources: { ...(c.resources ?? {}), ...(Object.keys(requests).length > 0 ? { requests } : {}) }, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' };
}

const ISTIO = {
  name: 'istio-proxy',
  image: 'docker.io/istio/proxyv2:1.24.0',
  args: ['proxy', 'sidecar', '--domain', '$(POD_NAMESPACE).svc.cluster.local', '--proxyLogLevel=warning'],
  ports: [{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }],
  resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2', memory: '1Gi' } },
  readinessProbe: { httpGet: { path: '/healthz/ready', port: 15021 }, periodSeconds: 15 },
  securityContext: { runAsUser: 1337, runAsGroup: 1337, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false },
};

const NODE_SIZES = ['8Gi', '16Gi', '32Gi', '64Gi'];

function generate(dir: string): { pods: number; owners: number; bytes: number } {
  const corpus = path.join(root, '..', 'shared', 'corpus');
  const examples = listManifests(path.join(root, 'examples'));
  const templates = [...templatesFrom(examples, 10), ...(existsSync(corpus) ? templatesFrom(listManifests(corpus), 80) : [])];
  const nodes = Array.from({ length: 24 }, (_, i) => {
    const memory = NODE_SIZES[i % NODE_SIZES.length];
    const name = `ip-10-0-${i}-${17 + i}.eu-west-1.compute.internal`;
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, uid: `node-uid-${i}`, labels: { 'kubernetes.io/hostname': name, 'node.kubernetes.io/instance-type': `m5.${memory}`, 'topology.kubernetes.io/zone': `eu-west-1${'abc'[i % 3]}` } },
      status: {
        capacity: { cpu: '8', memory, pods: '110' },
        allocatable: { cpu: '7910m', memory, pods: '110' },
        nodeInfo: { kubeletVersion: `v${VERSION}.4`, containerRuntimeVersion: 'containerd://1.7.22', osImage: 'Amazon Linux 2023' },
      },
    };
  });
  const pods: Obj[] = [];
  const replicaSets: Obj[] = [];
  let owners = 0;
  let serial = 0;
  const stamp = '2025-05-19T18:14:43Z';
  const makePod = (t: Obj, namespace: string, name: string, owner: Obj, labels: Obj, node: string, extra: Obj[] = [], phase = 'Running'): Obj => {
    const spec = structuredClone(t.spec);
    spec.containers = [...spec.containers, ...extra].map(defaulted);
    if (Array.isArray(spec.initContainers)) spec.initContainers = spec.initContainers.map(defaulted);
    const pod: Obj = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace,
        uid: `6f1c${String(serial++).padStart(8, '0')}-4d3f-4e5a-8b6c-1d2e3f4a5b6c`,
        resourceVersion: String(100000 + serial),
        creationTimestamp: stamp,
        labels: { ...(t.metadata.labels ?? {}), ...labels },
        annotations: { 'kubectl.kubernetes.io/restartedAt': stamp, ...(extra.length > 0 ? { 'sidecar.istio.io/status': '{"containers":["istio-proxy"]}' } : {}) },
        ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, uid: `uid-${owner.name}`, controller: true, blockOwnerDeletion: true }],
      },
      spec: { ...spec, nodeName: node, dnsPolicy: 'ClusterFirst', enableServiceLinks: true, schedulerName: 'default-scheduler', serviceAccountName: 'default', terminationGracePeriodSeconds: 30, tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] },
      status: {},
    };
    let qosClass = 'BestEffort';
    try {
      qosClass = analyzePod(pod, { version: VERSION, gates: GATES, memoryCapacity: 16n << 30n }).result.qosClass;
    } catch {
      // keep BestEffort
    }
    pod.status = {
      phase,
      qosClass,
      hostIP: '10.0.1.17',
      podIP: `10.244.${serial % 250}.${serial % 200}`,
      startTime: stamp,
      conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastTransitionTime: stamp })),
      containerStatuses: spec.containers.map((c: Obj) => ({ name: c.name, image: c.image, imageID: `${c.image}@sha256:0f1e2d3c`, containerID: `containerd://${String(serial).padStart(64, 'a')}`, ready: true, restartCount: 0, started: true, state: { running: { startedAt: stamp } } })),
    };
    return pod;
  };

  for (let i = 0; pods.length < PODS; i++) {
    const t = templates[i % templates.length];
    const namespace = `team-${i % 37}`;
    const base = `svc-${i}`;
    owners++;
    switch (i % 10) {
      case 7: {
        // A DaemonSet: one Pod per node.
        for (const n of nodes) pods.push(makePod(t, namespace, `${base}-${n.metadata.uid.slice(-4)}`, { apiVersion: 'apps/v1', kind: 'DaemonSet', name: base }, { 'controller-revision-hash': '5c7b9d' }, n.metadata.name));
        break;
      }
      case 8: {
        // A StatefulSet of 3.
        for (let r = 0; r < 3; r++) pods.push(makePod(t, namespace, `${base}-${r}`, { apiVersion: 'apps/v1', kind: 'StatefulSet', name: base }, { 'statefulset.kubernetes.io/pod-name': `${base}-${r}` }, nodes[(i + r) % nodes.length].metadata.name));
        break;
      }
      case 9: {
        // A Job: one Pod running, one that ended.
        pods.push(makePod(t, namespace, `${base}-run`, { apiVersion: 'batch/v1', kind: 'Job', name: base }, { 'job-name': base }, nodes[i % nodes.length].metadata.name));
        pods.push(makePod(t, namespace, `${base}-done`, { apiVersion: 'batch/v1', kind: 'Job', name: base }, { 'job-name': base }, nodes[(i + 1) % nodes.length].metadata.name, [], 'Succeeded'));
        break;
      }
      default: {
        // A Deployment: its ReplicaSet, and 2 to 60 replicas; every third one istio-injected.
        const hash = (0x5d8f7c9b6 + i).toString(16).slice(-9);
        const rs = `${base}-${hash}`;
        const labels = { app: base, 'pod-template-hash': hash };
        replicaSets.push({
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: { name: rs, namespace, uid: `uid-${rs}`, labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: base, uid: `uid-${base}`, controller: true }] },
          spec: { replicas: 2 + (i % 59), selector: { matchLabels: labels }, template: { metadata: { labels: { ...(t.metadata.labels ?? {}), ...labels } }, spec: t.spec } },
          status: { replicas: 2 + (i % 59) },
        });
        const sidecar = i % 3 === 0 ? [ISTIO] : [];
        for (let r = 0; r < 2 + (i % 59); r++) {
          pods.push(makePod(t, namespace, `${rs}-${(r * 7919).toString(36).padStart(5, 'x')}`, { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs }, labels, nodes[(i * 7 + r) % nodes.length].metadata.name, sidecar));
        }
      }
    }
  }
  pods.length = PODS;
  const list = (items: Obj[]) => JSON.stringify({ apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } }, null, 4);
  const text = list(pods);
  writeFileSync(path.join(dir, 'pods.json'), text);
  writeFileSync(path.join(dir, 'nodes.json'), list(nodes));
  writeFileSync(path.join(dir, 'replicasets.json'), list(replicaSets));
  return { pods: pods.length, owners, bytes: Buffer.byteLength(text) };
}

interface ProcessRun {
  ms: number;
  peakRssKb: number | null;
}

function runNode(args: string[]): ProcessRun {
  const start = performance.now();
  const r = spawnSync(process.execPath, ['--import', reportPeakRss, ...args], { cwd: root, stdio: ['ignore', 'ignore', 'pipe', 'pipe'], encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const ms = performance.now() - start;
  if (r.error !== undefined) throw r.error;
  // Both exit 1 (error findings); anything on stderr, or 2 or 3, means the run did not measure.
  if (r.status === null || r.status >= 2 || String(r.stderr) !== '') throw new Error(`node ${args.join(' ')} failed (${r.status ?? r.signal}): ${String(r.stderr).slice(0, 500)}`);
  const reported = Number.parseInt(String(r.output[3] ?? ''), 10);
  return { ms, peakRssKb: Number.isFinite(reported) ? reported : null };
}

const verdict = (pass: boolean) => (pass ? 'PASS' : 'MISS');
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)} ms`;

if (!existsSync(path.join(root, 'dist', 'src', 'cli', 'main.js'))) {
  throw new Error('dist/ is missing: run `npm run build` (npm run bench does it first)');
}
const dir = mkdtempSync(path.join(tmpdir(), 'oomguard-audit-bench-'));
try {
  const g = generate(dir);
  const file = (name: string) => path.join(dir, name);
  const maxSize = ['--max-file-size', String(1 << 30)];
  const sides = {
    lint: () => runNode([bin, 'lint', file('pods.json'), '--node', file('nodes.json'), '--format', 'json', ...maxSize]),
    audit: () => runNode([bin, 'audit', '--pods', file('pods.json'), '--nodes', file('nodes.json'), '--replicasets', file('replicasets.json'), '--format', 'json', ...maxSize]),
  };
  console.log(`audit: ${g.pods} pods of ${g.owners} owners on 24 nodes, ${(g.bytes / 1e6).toFixed(1)} MB of kubectl JSON; ${ROUNDS} rounds, medians`);
  sides.lint();
  sides.audit();
  const times = { lint: [] as number[], audit: [] as number[] };
  const peaks: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of round % 2 === 0 ? (['lint', 'audit'] as const) : (['audit', 'lint'] as const)) {
      const r = sides[side]();
      times[side].push(r.ms);
      if (side === 'audit' && r.peakRssKb !== null) peaks.push(r.peakRssKb);
    }
  }
  const lint = median(times.lint);
  const audit = median(times.audit);
  console.log(`  lint PODS --node NODES --format json:  ${lint.toFixed(0)} ms (${spread(times.lint)})`);
  console.log(`  audit --pods PODS --nodes NODES …:     ${audit.toFixed(0)} ms (${spread(times.audit)})`);
  const a = audit / lint;
  console.log(`  (a) audit / lint of the same pods: ${a.toFixed(2)}x   target <= 1.50x   ${verdict(a <= 1.5)}`);
  if (peaks.length > 0) console.log(`  (b) peak RSS, audit: ${(Math.max(...peaks) / 1024).toFixed(0)} MB (largest of ${peaks.length} runs)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
