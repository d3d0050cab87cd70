// `oomguard serve --node FILE`: the nodes of a Node/NodeList manifest as a static view, each pod
// judged on the node it is bound or selected to, else on the worst case, with the same numbers as
// `oomguard lint --node FILE`. Runs the built CLI (like the other test/cli tests) over real TLS.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { capturingIo, oomguard, bin } from '../helpers/run-cli.js';
import { main } from '../../src/cli/main.js';
import { SERVE_HELP, serveSettings } from '../../src/cli/serve.js';
import { shortWarning } from '../../src/webhook/admission.js';
import { hasOpenssl, makeCerts, postReview, request, spawnServe, tmpDir } from '../webhook/helpers.js';

const node = (name: string, pool: string, capacity: string, allocatable: string) => `  - apiVersion: v1
    kind: Node
    metadata:
      name: ${name}
      labels: { pool: ${pool}, kubernetes.io/hostname: ${name} }
    status:
      capacity: { cpu: "4", memory: ${capacity} }
      allocatable: { cpu: 3920m, memory: ${allocatable} }
`;
const SMALL = node('small-1', 'small', '8Gi', '7Gi');
const BIG = node('big-1', 'big', '64Gi', '62Gi');
const nodeList = (...nodes: string[]) => `apiVersion: v1\nkind: NodeList\nitems:\n${nodes.join('')}`;

/** A limit above the small node's allocatable, and a container without memory request: numbers from the node. */
function deployment(podSpec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: 'api' } },
      template: {
        metadata: { labels: { app: 'api' } },
        spec: {
          ...podSpec,
          containers: [
            { name: 'app', image: 'example/api:1', resources: { requests: { memory: '512Mi' }, limits: { memory: '12Gi' } } },
            { name: 'sidecar', image: 'example/proxy:1' },
          ],
        },
      },
    },
  };
}

const dir = tmpDir('oomguard-serve-node-');
const nodesFile = path.join(dir, 'nodes.yaml');
writeFileSync(nodesFile, nodeList(SMALL, BIG));
const bigFile = path.join(dir, 'big.yaml');
writeFileSync(bigFile, nodeList(BIG));

/** `oomguard lint --node FILE` on the object: the warnings the webhook should give in warn mode (sorted: it lists errors first). */
function lintWarnings(object: unknown, nodes: string): string[] {
  const manifest = path.join(dir, `object-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(manifest, JSON.stringify(object));
  const r = oomguard(['lint', manifest, '--node', nodes, '--format', 'json']);
  const report = JSON.parse(r.stdout);
  t.same(report.errors, [], 'lint reads the object');
  const findings: Array<{ severity: string; message: string }> = report.objects[0].findings;
  return findings.filter((f) => f.severity !== 'info').map((f) => shortWarning(f.message)).sort();
}

t.test('flags: --node is read at start-up; problems are one usage line naming the file', async (t) => {
  const tls = ['--tls-cert', 'x.crt', '--tls-key', 'x.key'];
  const s = serveSettings([...tls, '--node', nodesFile], capturingIo().io)!;
  const given = s.staticNodes !== null && 'nodes' in s.staticNodes ? s.staticNodes : null;
  t.equal(given?.source, 'node-file');
  t.equal(given?.nodes.length, 2);
  t.match(SERVE_HELP, /--node FILE/);

  const cases: Array<[string, string | null, RegExp]> = [
    ['missing.yaml', null, /^oomguard: --node .*missing\.yaml: no such file$/],
    ['broken.yaml', 'kind: NodeList\nitems: [\n', /^oomguard: .*broken\.yaml.*line \d+: /],
    ['pods.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\n', /^oomguard: --node .*pods\.yaml: no Node objects found/],
    ['nocap.yaml', 'apiVersion: v1\nkind: Node\nmetadata: { name: n1 }\nstatus: {}\n', /^oomguard: --node .*nocap\.yaml: node n1 has no status\.capacity\.memory$/],
  ];
  for (const [name, text, want] of cases) {
    const file = path.join(dir, name);
    if (text !== null) writeFileSync(file, text);
    const c = capturingIo();
    t.equal(await main(['serve', ...tls, '--node', file], c.io), 2, name);
    const err = c.err.join('');
    t.equal(err.trimEnd().split('\n').length, 1, `${name}: one line`);
    t.match(err.trimEnd(), want, name);
  }
  const both = capturingIo();
  t.equal(await main(['serve', ...tls, '--node', nodesFile, '--node-memory', '8Gi'], both.io), 2);
  t.match(both.err.join(''), /--node-memory and --node are exclusive/);

  // A preset: one cloud node for every pod, no cluster read.
  const preset = serveSettings([...tls, '--node-preset', 'eks:16Gi:58'], capturingIo().io)!;
  const facts = preset.staticNodes !== null && !('nodes' in preset.staticNodes) ? preset.staticNodes : null;
  t.equal(facts?.source, 'preset');
  t.equal(facts?.memoryAllocatable, (16384n - 893n - 100n) * 1024n * 1024n, 'EKS: 11Mi × 58 + 255Mi kube-reserved, 100Mi eviction');
  const badPreset = capturingIo();
  t.equal(await main(['serve', ...tls, '--node-preset', 'gke'], badPreset.io), 2);
  t.match(badPreset.err.join(''), /^oomguard: --node-preset: invalid node preset "gke": /);
});

if (!hasOpenssl()) {
  t.comment('skipping the TLS review: openssl is not installed');
} else {
  t.test('a TLS review is judged on the NodeList like lint --node FILE', async (t) => {
    const certs = makeCerts(['serve']);
    t.teardown(() => certs.cleanup());
    const pair = certs.pair('serve');
    const { child, port, exited } = await spawnServe(t, [bin, 'serve', '--host', '127.0.0.1', '--port', '0', '--metrics-port', 'off', '--tls-cert', pair.certFile, '--tls-key', pair.keyFile, '--mode', 'warn', '--node', nodesFile, '--shutdown-delay', '0']);

    const ready = await request({ port, ca: certs.ca, path: '/readyz' });
    t.equal(ready.status, 200);
    t.match(ready.json.nodes, { state: 'static', nodes: 2 });

    const review = (object: unknown, uid: string) => ({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid, operation: 'CREATE', object } });

    // No constraint: the worst case across both nodes, as lint judges the whole file.
    const free = deployment();
    const a = await postReview(port, certs.ca, '/validate', review(free, 'free'));
    t.equal(a.status, 200);
    t.equal(a.json.response.allowed, true);
    const expected = lintWarnings(free, nodesFile);
    t.ok(expected.length >= 3, 'lint finds something to warn about');
    t.same([...a.json.response.warnings].sort(), expected, 'the same warnings, numbers and all, as lint --node FILE');
    t.match(a.json.response.warnings.join('\n'), /oom_score_adj 999 on an 8Gi node/);
    t.match(a.json.response.warnings.join('\n'), /above the node's 7Gi allocatable/);

    // Selected onto the big pool: that node's numbers (lint on a file of that node alone).
    const pinned = deployment({ nodeSelector: { pool: 'big' } });
    const b = await postReview(port, certs.ca, '/validate', review(pinned, 'pinned'));
    t.same([...b.json.response.warnings].sort(), lintWarnings(pinned, bigFile), 'nodeSelector: judged on big-1, like lint on big-1 alone');
    t.match(b.json.response.warnings.join('\n'), /on a 64Gi node/);
    t.notMatch(b.json.response.warnings.join('\n'), /above the node's/, 'the limit fits big-1');

    // Bound by name.
    const bound = await postReview(port, certs.ca, '/validate', review(deployment({ nodeName: 'big-1' }), 'bound'));
    t.same(bound.json.response.warnings, b.json.response.warnings, 'nodeName: judged on big-1');

    child.kill('SIGTERM');
    t.equal(await exited, 0, 'clean exit');
  });
}
