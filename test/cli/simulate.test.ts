// `oomguard simulate` end to end (the built CLI): placement, usage models, the numbers behind each
// step worked by hand, LimitRanges, several nodes, the formats, and bad input.
import t from 'tap';
import type { Test } from 'tap';
import path from 'node:path';
import { oomguard } from '../helpers/run-cli.js';

const Gi = 1024 ** 3;
const Mi = 1024 ** 2;

const pods = `apiVersion: v1
kind: Pod
metadata: {name: be, namespace: shop}
spec:
  containers:
    - name: worker
      image: worker:1
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: api:1
          resources: {requests: {memory: 1Gi}, limits: {memory: 4Gi}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
        - name: db
          image: db:1
          resources: {requests: {memory: 2Gi, cpu: "1"}, limits: {memory: 2Gi, cpu: "1"}}
`;

function setup(t: Test) {
  return t.testdir({
    'pods.yaml': pods,
    'usage.json': JSON.stringify({ 'shop/be/worker': '3Gi', 'shop/api/api': '3Gi', 'shop/db/db': '2Gi' }),
    'spike.json': JSON.stringify({ 'shop/be/worker': '5Gi', 'shop/api/api': '3Gi', 'shop/db/db': '2Gi' }),
    'typo.json': JSON.stringify({ 'shop/be/wrker': '1Gi' }),
    'nodes.yaml': `apiVersion: v1
kind: NodeList
items:
  - {apiVersion: v1, kind: Node, metadata: {name: small-1}, status: {capacity: {memory: 8Gi}, allocatable: {memory: 7Gi}}}
  - {apiVersion: v1, kind: Node, metadata: {name: big-1, labels: {pool: big}}, status: {capacity: {memory: 64Gi}, allocatable: {memory: 62Gi}}}
`,
    'limits.yaml': `apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: shop}
spec:
  limits:
    - type: Container
      default: {memory: 512Mi}
`,
  });
}

t.test('usage from a file: pressure, eviction order and kill order, with the numbers worked by hand', async (t) => {
  const dir = setup(t);
  const r = oomguard(['simulate', path.join(dir, 'pods.yaml'), '--node-memory', '8Gi', '--usage', path.join(dir, 'usage.json'), '--format', 'json']);
  t.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  t.equal(out.schemaVersion, 1);
  // A bare capacity: no reservations, the kubelet's default 100Mi eviction threshold.
  t.same(out.node, { name: '8Gi node', capacity: 8 * Gi, allocatable: 8 * Gi - 100 * Mi, evictionHard: 100 * Mi, kubeReserved: 0, systemReserved: 0, pageSize: 4096 });
  t.equal(out.usage.model, 'file');
  t.equal(out.usage.otherwise.model, 'limit');
  // 3Gi + 3Gi + 2Gi = 8Gi > 8Gi − 100Mi: pressure; be (usage − request 3Gi) before api (2Gi); db at its request, last.
  t.equal(out.pressure.underPressure, true);
  t.same(
    out.eviction.map((e: { name: string; exceedsRequest: boolean; usage: number; request: number }) => [e.name, e.exceedsRequest, e.usage, e.request]),
    [
      ['be', true, 3 * Gi, 0],
      ['api', true, 3 * Gi, 1 * Gi],
      ['db', false, 2 * Gi, 2 * Gi],
    ],
  );
  t.same(out.pressure.evicted, [{ namespace: 'shop', name: 'be' }], 'one eviction relieves the pressure (5Gi left)');
  // totalpages = 8Gi / 4Ki = 2097152, 2097 pages a point. be: 786432 + 1000 × 2097 = 2883432;
  // api (adj 1000 − 1000 × 1Gi / 8Gi = 875): 786432 + 875 × 2097 = 2621307; db: 524288 − 997 × 2097 = −1566421.
  t.same(
    out.oomKill.map((k: { name: string; oomScoreAdj: number; badness: number }) => [k.name, k.oomScoreAdj, k.badness]),
    [
      ['be', 1000, 2883432],
      ['api', 875, 2621307],
      ['db', -997, -1566421],
    ],
  );
  t.equal(out.kernelOom.triggered, false, '8Gi of use is not above the kubepods limit of 8Gi');

  const spike = JSON.parse(oomguard(['simulate', path.join(dir, 'pods.yaml'), '--node-memory', '8Gi', '--usage', path.join(dir, 'spike.json'), '--format', 'json']).stdout);
  t.equal(spike.kernelOom.triggered, true, '10Gi of use: the kubepods cgroup OOMs');
  t.equal(spike.kernelOom.kills, 1, 'killing be (5Gi) brings it to 5Gi');
  t.equal(spike.oomKill[0].name, 'be');

  const text = oomguard(['simulate', path.join(dir, 'pods.yaml'), '--node-memory', '8Gi', '--usage', path.join(dir, 'usage.json')]);
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, /Under pressure: 1 pod evicted/);
  t.match(text.stdout, /1\s+shop\/be\s+worker\s+1000\s+3Gi\s+2883432/);
  t.match(text.stdout, /Assumed: no kube-reserved or system-reserved memory/);
});

t.test('usage models: limit (default), request, a fraction; containers with neither use --default-usage', async (t) => {
  const dir = setup(t);
  const run = (...args: string[]) => JSON.parse(oomguard(['simulate', path.join(dir, 'pods.yaml'), '--node-memory', '16Gi', '--format', 'json', ...args]).stdout);
  const usageOf = (out: { eviction: Array<{ name: string; usage: number }> }) => Object.fromEntries(out.eviction.map((e) => [e.name, e.usage]));
  t.same(usageOf(run()), { be: 256 * Mi, api: 4 * Gi, db: 2 * Gi });
  t.same(usageOf(run('--usage-at', 'request', '--default-usage', '1Gi')), { be: 1 * Gi, api: 1 * Gi, db: 2 * Gi });
  // 0.75 × 4Gi = 3Gi; 0.75 × 2Gi = 1.5Gi.
  const fraction = run('--usage-at', '0.75');
  t.same(usageOf(fraction), { be: 256 * Mi, api: 3 * Gi, db: 1.5 * Gi });
  t.same(fraction.usage, { model: 'fraction', fraction: '0.75', defaultUsage: 256 * Mi });
  // Above the limit: killed by its own cgroup first, counted at its limit.
  const over = run('--usage-at', '1.5');
  t.same(over.memcgOom.map((m: { pod: string; usage: number; limit: number }) => [m.pod, m.usage, m.limit]), [
    ['api', 6 * Gi, 4 * Gi],
    ['db', 3 * Gi, 2 * Gi],
  ]);
});

t.test('LimitRanges act before the simulation, as on lint', async (t) => {
  const dir = setup(t);
  const out = JSON.parse(oomguard(['simulate', path.join(dir, 'pods.yaml'), '--node-memory', '16Gi', '--limit-ranges', path.join(dir, 'limits.yaml'), '--format', 'json']).stdout);
  const be = out.eviction.find((e: { name: string }) => e.name === 'be');
  // default 512Mi is the limit, and (no defaultRequest) the request too.
  t.same([be.request, be.usage], [512 * Mi, 512 * Mi]);
  t.equal(out.oomKill.find((k: { name: string }) => k.name === 'be').oomScoreAdj, 969, '1000 − 1000 × 512Mi / 16Gi = 969: no longer BestEffort');
});

t.test('several nodes: each pod on its node; a preset states its formula', async (t) => {
  const dir = setup(t);
  const bound = pods.replace('    spec:\n      containers:\n        - name: api', '    spec:\n      nodeSelector: {pool: big}\n      containers:\n        - name: api');
  const file = path.join(dir, 'bound.yaml');
  (await import('node:fs')).writeFileSync(file, bound);
  const out = JSON.parse(oomguard(['simulate', file, '--node', path.join(dir, 'nodes.yaml'), '--format', 'json']).stdout);
  t.same(
    out.nodes.map((n: { node: { name: string }; eviction: Array<{ name: string }> }) => [n.node.name, n.eviction.map((e) => e.name)]),
    [
      ['small-1', ['be', 'db']],
      ['big-1', ['api']],
    ],
  );
  // small-1: capacity 8Gi, allocatable 7Gi: 1Gi − 100Mi counted as kube-reserved.
  t.equal(out.nodes[0].node.kubeReserved, 1 * Gi - 100 * Mi);
  const preset = oomguard(['simulate', path.join(dir, 'pods.yaml'), '--node-preset', 'gke:16Gi']);
  t.match(preset.stdout, /kube-reserved = 25% of 4Gi \+ 20% of 4Gi \+ 10% of 8Gi = 2662Mi/);
  t.match(preset.stdout, /cloud\.google\.com/);
});

t.test('svg and html: a picture of the node with the ranks', async (t) => {
  const dir = setup(t);
  const svg = oomguard(['simulate', path.join(dir, 'pods.yaml'), '--node-memory', '8Gi', '--usage', path.join(dir, 'usage.json'), '--format', 'svg']);
  t.equal(svg.code, 0, svg.stderr);
  t.match(svg.stdout, /^<\?xml[^>]*>\n<svg /);
  t.match(svg.stdout, /evict #1/);
  t.match(svg.stdout, /oom_score_adj 875/);
  const html = oomguard(['simulate', path.join(dir, 'pods.yaml'), '--node-memory', '8Gi', '--format', 'html']);
  t.match(html.stdout, /^<!DOCTYPE html>/);
  t.notMatch(html.stdout, /<script/);
  t.match(html.stdout, /Usage: each container at its memory limit/);
  const explain = oomguard(['explain', path.join(dir, 'pods.yaml'), '--node', path.join(dir, 'nodes.yaml'), '--format', 'html']);
  t.equal(explain.code, 0, explain.stderr);
  t.match(explain.stdout, /Node small-1/);
  t.notMatch(explain.stdout, /evict #/, 'explain draws no simulation');
});

t.test('bad input: one line, exit 2', async (t) => {
  const dir = setup(t);
  const cases: Array<[string[], RegExp]> = [
    [['--usage-at', 'most'], /^oomguard: --usage-at: expected request, limit or a positive fraction/],
    [['--usage-at', '0'], /^oomguard: --usage-at: /],
    [['--usage', path.join(dir, 'typo.json')], /^oomguard: --usage .*typo\.json: shop\/be\/wrker matches no container of the inputs/],
    [['--usage', path.join(dir, 'missing.json')], /^oomguard: --usage .*missing\.json: no such file\n$/],
    [['--default-usage', 'lots'], /^oomguard: --default-usage: /],
    [['--format', 'sarif'], /^oomguard: unknown --format "sarif" \(expected text, json, svg, html\)\n$/],
    [['--node-preset', 'gke:16Gi', '--node-memory', '8Gi'], /exclusive/],
  ];
  for (const [args, want] of cases) {
    const r = oomguard(['simulate', path.join(dir, 'pods.yaml'), ...args]);
    t.equal(r.code, 2, args.join(' '));
    t.equal(r.stderr.trimEnd().split('\n').length, 1, `${args.join(' ')}: one line`);
    t.match(r.stderr, want, args.join(' '));
  }
  const help = oomguard(['simulate', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /--usage-at MODEL/);
});
