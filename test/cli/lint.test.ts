// End-to-end: the built CLI on examples/ and on small fixtures written per test.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { bin, oomguard, plainEnv, repoRoot } from '../helpers/run-cli.js';

const prometheusFile = path.join(repoRoot, 'examples', 'prometheus.yaml');

function lineOf(file: string, needle: string): number {
  return readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(needle)) + 1;
}

t.test('the seed Prometheus Deployment on an 8Gi node: one finding, 999, exit 1', async (t) => {
  const r = oomguard(['lint', 'examples/prometheus.yaml', '--node-memory', '8Gi', '--format', 'json']);
  t.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout);
  t.equal(out.schemaVersion, 1);
  t.equal(out.kubernetesVersion, '1.37');
  t.same(out.node.memoryCapacity, 8589934592);
  t.equal(out.node.source, 'flag');
  const [obj] = out.objects;
  t.match(obj, { file: 'examples/prometheus.yaml', document: 0, kind: 'Deployment', namespace: 'monitoring', name: 'prometheus', qosClass: 'Burstable' });
  t.same(
    obj.containers.map((c: { name: string; oomScoreAdj: number; memoryRequest: number | null }) => [c.name, c.memoryRequest, c.oomScoreAdj]),
    [
      ['prometheus', null, 999],
      ['configmap-reload', 52428800, 994],
    ],
  );
  const missing = obj.findings.filter((f: { rule: string }) => f.rule === 'memory-request-missing');
  t.equal(missing.length, 1);
  t.match(missing[0], {
    severity: 'error',
    container: 'prometheus',
    path: '/spec/template/spec/containers/0',
    line: lineOf(prometheusFile, '- name: prometheus'),
  });
  t.match(missing[0].message, /Burstable/);
  t.match(missing[0].message, /999/);
  t.match(missing[0].message, /BestEffort/);
});

t.test('text report names the node and version and exits 1', async (t) => {
  const r = oomguard(['lint', 'examples/prometheus.yaml', '--node-memory', '8Gi']);
  t.equal(r.code, 1);
  t.match(r.stdout, /examples\/prometheus\.yaml/);
  t.match(r.stdout, /999/);
  t.match(r.stdout, /8Gi/);
  t.match(r.stdout, /1\.37/);
  t.notMatch(r.stdout, /\x1b\[/, 'no colour when not a terminal');
});

t.test('the default node is stated when no node is given', async (t) => {
  const r = oomguard(['lint', 'examples/guaranteed-api.yaml']);
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /16Gi/);
  t.match(r.stdout, /default/i);
});

t.test('stdin with -', async (t) => {
  const r = oomguard(['lint', '-', '--node-memory', '8Gi', '--format', 'json'], { input: readFileSync(prometheusFile, 'utf8') });
  t.equal(r.code, 1);
  const out = JSON.parse(r.stdout);
  t.equal(out.objects[0].file, '<stdin>');
  t.equal(out.objects[0].containers[0].oomScoreAdj, 999);
});

t.test('a reader that stops early (| head): no error, the exit code of the lint', async (t) => {
  // A report of a few MB: far more than a pipe holds, so the CLI is still writing when the pipe closes.
  const many = Array.from({ length: 3000 }, () => readFileSync(prometheusFile, 'utf8')).join('\n---\n');
  const child = spawn(process.execPath, [bin, 'lint', '-', '--format', 'json'], { cwd: repoRoot, env: plainEnv() });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdin.end(many);
  const first = await new Promise<string>((resolve) => child.stdout.once('data', (b: Buffer) => resolve(b.toString('utf8'))));
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  t.match(first, /^\{\n {2}"schemaVersion": 1,/);
  t.equal(stderr, '', 'nothing on stderr (no EPIPE stack trace)');
  t.equal(code, 1, 'the findings still decide the exit code');
});

t.test('stdout that cannot be written (a full disk): one line, exit 2', { skip: existsSync('/dev/full') ? false : 'no /dev/full here' }, async (t) => {
  const full = openSync('/dev/full', 'w');
  try {
    const r = spawnSync(process.execPath, [bin, 'lint', 'examples/', '--format', 'json'], { cwd: repoRoot, env: plainEnv(), stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
    t.equal(r.status, 2);
    t.equal(r.stderr, 'oomguard: cannot write to standard output: ENOSPC: no space left on device, write\n');
  } finally {
    closeSync(full);
  }
});

t.test('a folder: every example is read, recursively', async (t) => {
  const r = oomguard(['lint', 'examples/', '--format', 'json']);
  t.equal(r.code, 1);
  const out = JSON.parse(r.stdout);
  const files = new Set(out.objects.map((o: { file: string }) => o.file));
  t.ok(files.size >= 4, [...files].join(', '));
  t.equal(out.errors.length, 0);
});

t.test('--kubernetes-version changes the sidecar numbers at 1.32', async (t) => {
  const run = (v: string) => {
    const r = oomguard(['lint', 'examples/native-sidecar.yaml', '--node-memory', '8Gi', '--kubernetes-version', v, '--format', 'json']);
    return JSON.parse(r.stdout).objects[0].containers as Array<{ name: string; type: string; oomScoreAdj: number }>;
  };
  const v31 = run('1.31');
  const v32 = run('1.32');
  t.match(v31[0], { name: 'log-shipper', type: 'sidecar', oomScoreAdj: 993 });
  t.match(v32[0], { name: 'log-shipper', type: 'sidecar', oomScoreAdj: 875 });
  t.match(v32[1], { name: 'web', type: 'container', oomScoreAdj: 875 });
});

t.test('bad usage: one line, exit 2, no stack trace', async (t) => {
  for (const args of [
    ['lint', 'examples/', '--kubernetes-version', '1.24'],
    ['lint', 'examples/', '--kubernetes-version', '1.38'],
    ['lint', 'examples/', '--node-memory', '8GB'],
    ['lint', 'examples/', '--feature-gates', 'SidecarContainers=false', '--kubernetes-version', '1.34'],
    ['lint', 'examples/', '--format', 'xml'],
    ['lint', 'examples/', '--bogus'],
    ['lint'],
    ['frobnicate'],
  ]) {
    const r = oomguard(args);
    t.equal(r.code, 2, args.join(' '));
    t.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

t.test('bad input files: exit 2, each named, the good ones still linted', async (t) => {
  const dir = t.testdir({
    'good.yaml': readFileSync(prometheusFile, 'utf8'),
    'broken.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: indent\n',
    'quantity.yaml': [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: web}',
      'spec:',
      '  template:',
      '    spec:',
      '      containers:',
      '        - name: web',
      '          resources:',
      '            limits:',
      '              memory: 1GB',
      '',
    ].join('\n'),
  });
  const r = oomguard(['lint', '.', '--format', 'json'], { cwd: dir });
  t.equal(r.code, 2);
  const out = JSON.parse(r.stdout);
  t.ok(out.objects.some((o: { name: string; qosClass?: string }) => o.name === 'prometheus' && o.qosClass === 'Burstable'));
  const broken = out.errors.find((e: { file: string }) => e.file === 'broken.yaml');
  t.match(broken, { document: 0, line: 5 });
  const quantity = out.errors.find((e: { file: string }) => e.file === 'quantity.yaml');
  t.match(quantity, { document: 0, line: 11 });
  t.match(quantity.message, /spec\.template\.spec\.containers\[0\]\.resources\.limits\.memory/);
  t.match(quantity.message, /1GB/);

  const text = oomguard(['lint', '.'], { cwd: dir });
  t.equal(text.code, 2);
  t.match(text.stdout, /broken\.yaml/);
  t.notMatch(text.stdout + text.stderr, /\n\s+at /);
});

t.test("a repository's Helm charts and kustomizations: noted on stderr, not input errors", async (t) => {
  // The project's own deploy/ (a kustomize base, overlays with JSON patches), as a user would lint a repository.
  const r = oomguard(['lint', 'deploy', '--format', 'json']);
  t.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  t.same(out.errors, [], 'no file of deploy/ is an input error');
  t.ok(out.objects.some((o: { kind: string; qosClass?: string }) => o.kind === 'Deployment' && o.qosClass === 'Guaranteed'), 'the webhook Deployment is linted');
  const notes = r.stderr.trimEnd().split('\n');
  t.ok(notes.length >= 4 && notes.every((line) => line.startsWith('oomguard: note: ')), r.stderr);
  t.ok(
    notes.includes(
      'oomguard: note: deploy/overlays/enforce/kustomization.yaml and the 3 files it names as patches or configuration (deployment-enforce.yaml, mutating-fail.yaml, validating-fail.yaml) are not linted: lint what the kustomization renders with kubectl kustomize deploy/overlays/enforce | oomguard lint -',
    ),
    'one line per kustomization, with the command to lint what it renders',
  );

  const dir = t.testdir({
    chart: { 'Chart.yaml': 'apiVersion: v2\nname: c\nversion: 1.0.0\n', templates: { 'd.yaml': 'metadata:\n  name: {{ .Release.Name }}\n' } },
    'good.yaml': readFileSync(prometheusFile, 'utf8'),
  });
  // Every command that reads folders of manifests.
  for (const args of [['lint', '.'], ['explain', '.', '--format', 'json'], ['fix', '.', '--dry-run'], ['simulate', '.', '--format', 'json']]) {
    const c = oomguard(args, { cwd: dir });
    t.not(c.code, 2, `${args[0]}: not an input error`);
    t.match(c.stderr, /^oomguard: note: chart is a Helm chart, not linted as files: lint what it renders with helm template chart \| oomguard lint -$/m, `${args[0]}: the chart is noted`);
  }
});

t.test('--node with a NodeList: judged on the smallest node, range reported', async (t) => {
  const node = (name: string, capacity: string, allocatable: string) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    status: { capacity: { memory: capacity, cpu: '4' }, allocatable: { memory: allocatable, cpu: '3900m' } },
  });
  const dir = t.testdir({
    'nodes.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [node('a', '8148776Ki', '7522088Ki'), node('b', '16323904Ki', '15697216Ki')] }),
  });
  const r = oomguard(['lint', prometheusFile, '--node', path.join(dir, 'nodes.json'), '--format', 'json']);
  t.equal(r.code, 1);
  const out = JSON.parse(r.stdout);
  t.equal(out.node.source, 'node-file');
  t.equal(out.node.memoryCapacity, 8148776 * 1024);
  // 1000 - 1000*52428800/8344346624 = 1000 - 6
  t.equal(out.objects[0].containers[1].oomScoreAdj, 994);
  const text = oomguard(['lint', prometheusFile, '--node', path.join(dir, 'nodes.json')]);
  t.match(text.stdout, /2 nodes|Nodes: 2/);
});

t.test('--node: each pod judged on its own node (nodeName, selectors), else the smallest', async (t) => {
  const node = (name: string, memory: string, pool: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { pool } }, status: { capacity: { memory }, allocatable: { memory } } });
  const pod = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { ...spec, containers: [{ name: 'app', image: 'app:1', resources: { requests: { memory: '1Gi' }, limits: { memory: '2Gi' } } }] },
  });
  const dir = t.testdir({
    'nodes.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [node('big-1', '64Gi', 'big'), node('small-1', '4Gi', 'small')] }),
    'pods.json': JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [pod('bound', { nodeName: 'big-1' }), pod('selected', { nodeSelector: { pool: 'big' } }), pod('free', {}), pod('lost', { nodeName: 'gone-3' })],
    }),
  });
  const args = ['--node', path.join(dir, 'nodes.json'), path.join(dir, 'pods.json')];
  const r = oomguard(['explain', ...args, '--format', 'json']);
  t.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const adj = (i: number) => out.objects[i].containers[0].oomScoreAdj;
  // 1000 - 1000*1Gi/64Gi = 1000 - 15 (Go integer division) = 985; on the 4Gi node 1000 - 250 = 750.
  t.equal(adj(0), 985, 'nodeName: the 64Gi node');
  t.same(out.objects[0].node, { name: 'big-1', basis: 'nodeName', candidates: 1, memoryCapacity: 64 * 1024 ** 3 });
  t.equal(adj(1), 985, 'nodeSelector: the only matching node');
  t.equal(out.objects[1].node.basis, 'selector');
  t.equal(adj(2), 750, 'unconstrained: the smallest node');
  t.same(out.objects[2].node, { name: 'small-1', basis: 'all', candidates: 2, memoryCapacity: 4 * 1024 ** 3 });
  t.equal(adj(3), 750, 'unknown nodeName: judged as unplaced');
  t.equal(out.objects[3].node.unknownNodeName, 'gone-3');
  t.equal(out.node.memoryCapacity, 4 * 1024 ** 3, 'the report states the worst case');

  const text = oomguard(['explain', ...args]);
  t.match(text.stdout, /Judged on node big-1 \(64Gi\): spec\.nodeName\./);
  t.match(text.stdout, /985 = 1000 − 1000 × 1Gi \/ 64Gi/);
  t.match(text.stdout, /spec\.nodeName gone-3 is not among the given nodes/);
  const lint = oomguard(['lint', ...args]);
  t.match(lint.stdout, /spec\.nodeName "gone-3" is not among the given nodes/);
  t.match(lint.stdout, /node-not-found/);
  for (const concurrency of ['2']) {
    const threaded = oomguard(['explain', ...args, '--format', 'json', '--concurrency', concurrency]);
    t.equal(threaded.stdout, r.stdout, `--concurrency ${concurrency}: the same report`);
  }
});

t.test('--node-preset: a cloud node, its allocatable from the provider formula, stated in the report', async (t) => {
  const r = oomguard(['lint', prometheusFile, '--node-preset', 'eks:16Gi:58', '--format', 'json']);
  t.equal(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout);
  t.equal(out.node.source, 'preset');
  t.equal(out.node.memoryCapacity, 16 * 1024 ** 3);
  // EKS: kube-reserved 11Mi × 58 + 255Mi = 893Mi; eviction 100Mi; allocatable 16384 − 893 − 100 = 15391Mi.
  t.equal(out.node.reservations.kubeReserved, 893 * 1024 ** 2);
  t.equal(out.node.reservations.evictionHard, 100 * 1024 ** 2);
  t.equal(out.node.memoryAllocatable, 15391 * 1024 ** 2);
  t.equal(out.node.reservations.preset, 'eks:16Gi:58');
  t.match(out.node.reservations.source, /amazon-eks-ami/);
  const text = oomguard(['explain', prometheusFile, '--node-preset', 'gke:16Gi']);
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, /Modelled Kubernetes 1\.\d+ on a node with 16Gi memory, \d+Mi allocatable \(--node-preset gke:16Gi: kube-reserved = .*cloud\.google\.com/);

  const bad = oomguard(['lint', prometheusFile, '--node-preset', 'ibm:16Gi']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /^oomguard: --node-preset: invalid node preset "ibm:16Gi": .*\n$/);
  const both = oomguard(['lint', prometheusFile, '--node-preset', 'gke:16Gi', '--node-memory', '8Gi']);
  t.equal(both.code, 2);
  t.match(both.stderr, /--node-memory and --node-preset are exclusive/);

  const dir = t.testdir({
    aks: { '.oomguard.yaml': 'node:\n  preset: aks:8Gi:30\nkubernetesVersion: "1.31"\n' },
    both: { '.oomguard.yaml': 'node:\n  preset: gke:16Gi\n  memory: 8Gi\n' },
  });
  const fromConfig = oomguard(['lint', prometheusFile, '--format', 'json', '--config', path.join(dir, 'aks', '.oomguard.yaml')]);
  const cfg = JSON.parse(fromConfig.stdout);
  // AKS >= 1.29: min(20Mi × 30 + 50Mi, 25% of 8Gi) = 650Mi; eviction 100Mi.
  t.equal(cfg.node.reservations.kubeReserved, 650 * 1024 ** 2);
  t.equal(cfg.node.memoryAllocatable, (8192 - 650 - 100) * 1024 ** 2);
  const conflict = oomguard(['lint', prometheusFile, '--config', path.join(dir, 'both', '.oomguard.yaml')]);
  t.equal(conflict.code, 2);
  t.match(conflict.stderr, /node.*give one of memory, file or preset/);
});

t.test('explain prints the per-container table', async (t) => {
  const r = oomguard(['explain', 'examples/prometheus.yaml', '--node-memory', '8Gi']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /prometheus/);
  t.match(r.stdout, /configmap-reload/);
  t.match(r.stdout, /994/);
  t.match(r.stdout, /999/);
  t.match(r.stdout, /50Mi/);
});

t.test('rules lists every rule', async (t) => {
  const r = oomguard(['rules']);
  t.equal(r.code, 0);
  for (const id of ['memory-request-missing', 'memory-limit-missing', 'best-effort-pod', 'memory-limit-request-ratio', 'memory-exceeds-node', 'memory-quantity-suspicious', 'runtime-heap-exceeds-limit', 'emptydir-memory-unbounded', 'qos-class']) {
    t.match(r.stdout, id);
  }
});

t.test('sarif, junit and github formats', async (t) => {
  const sarif = oomguard(['lint', 'examples/prometheus.yaml', '--node-memory', '8Gi', '--format', 'sarif']);
  t.equal(sarif.code, 1);
  const s = JSON.parse(sarif.stdout);
  t.equal(s.version, '2.1.0');
  const result = s.runs[0].results.find((x: { ruleId: string }) => x.ruleId === 'memory-request-missing');
  t.equal(result.locations[0].physicalLocation.region.startLine, lineOf(prometheusFile, '- name: prometheus'));
  t.ok(s.runs[0].tool.driver.rules.some((x: { id: string }) => x.id === 'memory-request-missing'));

  const junit = oomguard(['lint', 'examples/prometheus.yaml', '--node-memory', '8Gi', '--format', 'junit']);
  t.match(junit.stdout, /^<\?xml/);
  t.match(junit.stdout, /<failure/);

  const gh = oomguard(['lint', 'examples/prometheus.yaml', '--node-memory', '8Gi', '--format', 'github']);
  t.match(gh.stdout, new RegExp(`::error file=examples/prometheus.yaml,line=${lineOf(prometheusFile, '- name: prometheus')}`));
});

t.test('--version and --help', async (t) => {
  const v = oomguard(['--version']);
  t.equal(v.code, 0);
  t.match(v.stdout.trim(), /^\d+\.\d+\.\d+$/);
  const h = oomguard(['lint', '--help']);
  t.equal(h.code, 0);
  t.match(h.stdout, /--node-memory/);
  t.match(h.stdout, /capacity/);
});
