// The one placement rule every command uses (src/core/placement.ts): nodeName, else the nodes the
// selectors allow judged on the smallest, else all nodes judged on the smallest; as a table.
import t from 'tap';
import { NodePool, fixedPlacer, nodeFilter, placerFor } from '../../src/core/placement.js';
import { nodeFactsFromCapacity } from '../../src/core/node.js';
import type { PodLike } from '../../src/core/types.js';

const Gi = 1024n ** 3n;

const node = (name: string, capacityGi: number, labels: Record<string, string> = {}) => ({
  object: { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, status: { capacity: { memory: `${capacityGi}Gi` }, allocatable: { memory: `${capacityGi - 1}Gi` } } },
  pointer: '',
});

// Three pools: small (4Gi, gen 3, zone a), mid (16Gi, gen 5, zone b, ssd), big (64Gi, gen 7, zone b).
const NODES = [
  node('big-1', 64, { pool: 'big', gen: '7', zone: 'b' }),
  node('small-1', 4, { pool: 'small', gen: '3', zone: 'a' }),
  node('mid-1', 16, { pool: 'mid', gen: '5', zone: 'b', disk: 'ssd' }),
];

const affinity = (...terms: Array<Record<string, unknown>>) => ({
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } },
});
const expr = (key: string, operator: string, values?: unknown[]) => ({ matchExpressions: [{ key, operator, ...(values === undefined ? {} : { values }) }] });
const pod = (spec: Record<string, unknown>): PodLike => ({ spec: { containers: [{ name: 'c' }], ...spec } as never });

interface Row {
  name: string;
  spec: Record<string, unknown>;
  /** The node judged on, the basis, the number of candidates. */
  want: [string, 'nodeName' | 'selector' | 'all', number];
  unknownNodeName?: string;
  noNodeMatches?: boolean;
}

const TABLE: Row[] = [
  { name: 'nothing constrains it: all nodes, judged on the smallest', spec: {}, want: ['small-1', 'all', 3] },
  { name: 'nodeName binds it to that node', spec: { nodeName: 'big-1' }, want: ['big-1', 'nodeName', 1] },
  { name: 'nodeName wins over selectors', spec: { nodeName: 'big-1', nodeSelector: { pool: 'small' } }, want: ['big-1', 'nodeName', 1] },
  { name: 'nodeName unknown: judged as unplaced on all nodes', spec: { nodeName: 'gone-7' }, want: ['small-1', 'all', 3], unknownNodeName: 'gone-7' },
  { name: 'nodeName unknown with a selector: judged as unplaced by the selector', spec: { nodeName: 'gone-7', nodeSelector: { zone: 'b' } }, want: ['mid-1', 'selector', 2], unknownNodeName: 'gone-7' },
  { name: 'nodeSelector: one label', spec: { nodeSelector: { pool: 'big' } }, want: ['big-1', 'selector', 1] },
  { name: 'nodeSelector: several nodes match, the smallest of them', spec: { nodeSelector: { zone: 'b' } }, want: ['mid-1', 'selector', 2] },
  { name: 'nodeSelector: every label must match', spec: { nodeSelector: { zone: 'b', disk: 'ssd' } }, want: ['mid-1', 'selector', 1] },
  { name: 'nodeSelector matching nothing: all nodes (the pod would stay Pending)', spec: { nodeSelector: { pool: 'gpu' } }, want: ['small-1', 'all', 3], noNodeMatches: true },
  { name: 'nodeSelector with a non-string value matches nothing', spec: { nodeSelector: { gen: 7 } }, want: ['small-1', 'all', 3], noNodeMatches: true },
  { name: 'In', spec: affinity(expr('pool', 'In', ['big', 'mid'])), want: ['mid-1', 'selector', 2] },
  { name: 'NotIn (an absent label is not in)', spec: affinity(expr('pool', 'NotIn', ['small'])), want: ['mid-1', 'selector', 2] },
  { name: 'NotIn on a label no node has: every node', spec: affinity(expr('gpu', 'NotIn', ['a100'])), want: ['small-1', 'selector', 3] },
  { name: 'Exists', spec: affinity(expr('disk', 'Exists')), want: ['mid-1', 'selector', 1] },
  { name: 'DoesNotExist', spec: affinity(expr('disk', 'DoesNotExist')), want: ['small-1', 'selector', 2] },
  { name: 'Gt (integer comparison, not string)', spec: affinity(expr('gen', 'Gt', ['4'])), want: ['mid-1', 'selector', 2] },
  { name: 'Lt', spec: affinity(expr('gen', 'Lt', ['6'])), want: ['small-1', 'selector', 2] },
  { name: 'Gt with a non-integer value matches nothing', spec: affinity(expr('gen', 'Gt', ['four'])), want: ['small-1', 'all', 3], noNodeMatches: true },
  { name: 'Gt needs exactly one value', spec: affinity(expr('gen', 'Gt', ['4', '5'])), want: ['small-1', 'all', 3], noNodeMatches: true },
  { name: 'an unknown operator matches nothing', spec: affinity(expr('pool', 'Bogus', ['big'])), want: ['small-1', 'all', 3], noNodeMatches: true },
  { name: 'terms are ORed', spec: affinity(expr('pool', 'In', ['big']), expr('pool', 'In', ['small'])), want: ['small-1', 'selector', 2] },
  {
    name: 'expressions within a term are ANDed',
    spec: affinity({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }, { key: 'gen', operator: 'Gt', values: ['6'] }] }),
    want: ['big-1', 'selector', 1],
  },
  { name: 'an empty term matches nothing', spec: affinity({}), want: ['small-1', 'all', 3], noNodeMatches: true },
  {
    name: 'matchFields on metadata.name (how DaemonSet pods are bound)',
    spec: affinity({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['big-1'] }] }),
    want: ['big-1', 'selector', 1],
  },
  {
    name: 'matchFields NotIn metadata.name',
    spec: affinity({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['small-1'] }] }),
    want: ['mid-1', 'selector', 2],
  },
  {
    name: 'matchFields knows only metadata.name',
    spec: affinity({ matchFields: [{ key: 'metadata.labels', operator: 'Exists' }] }),
    want: ['small-1', 'all', 3],
    noNodeMatches: true,
  },
  {
    name: 'nodeSelector and affinity must both hold',
    spec: { nodeSelector: { zone: 'b' }, ...affinity(expr('disk', 'DoesNotExist')) },
    want: ['big-1', 'selector', 1],
  },
  {
    name: 'preferred affinity does not constrain',
    spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: expr('pool', 'In', ['big']) }] } } },
    want: ['small-1', 'all', 3],
  },
];

t.test('placement table', async (t) => {
  const pool = new NodePool(NODES, 'node-file');
  for (const row of TABLE) {
    const p = pool.place(pod(row.spec));
    const [nodeName, basis, candidates] = row.want;
    t.same(
      { node: p.node, basis: p.basis, candidates: p.candidates, unknownNodeName: p.unknownNodeName, noNodeMatches: p.noNodeMatches },
      { node: nodeName, basis, candidates, unknownNodeName: row.unknownNodeName ?? null, noNodeMatches: row.noNodeMatches ?? false },
      row.name,
    );
    const capacity = { 'big-1': 64n, 'small-1': 4n, 'mid-1': 16n }[nodeName]!;
    t.equal(p.facts.memoryCapacity, capacity * Gi, `${row.name}: judged on ${nodeName}'s capacity`);
    t.equal(p.facts.nodeNames.length, candidates, `${row.name}: the facts cover the candidates`);
  }
});

t.test('the same choice gives the same facts object (the engine prepares each node once)', async (t) => {
  const pool = new NodePool(NODES, 'node-file');
  t.equal(pool.place(pod({ nodeName: 'big-1' })).facts, pool.place(pod({ nodeName: 'big-1' })).facts);
  t.equal(pool.place(pod({ nodeSelector: { zone: 'b' } })).facts, pool.place(pod({ nodeSelector: { zone: 'b' } })).facts);
  t.equal(pool.place(pod({})).facts, pool.all);
  t.equal(pool.place(null).facts, pool.all, 'no pod: all nodes');
  t.equal(pool.all.memoryCapacity, 4n * Gi);
  t.same(pool.all.nodeNames, ['big-1', 'small-1', 'mid-1']);
});

t.test('no nodes given: one capacity for every pod', async (t) => {
  const facts = nodeFactsFromCapacity(8n * Gi, 'flag');
  const placer = fixedPlacer(facts);
  for (const spec of [{}, { nodeName: 'anything' }, { nodeSelector: { pool: 'big' } }]) {
    const p = placer.place(pod(spec));
    t.equal(p.facts, facts);
    t.equal(p.basis, 'capacity');
    t.equal(p.node, null);
    t.equal(p.unknownNodeName, null, 'a nodeName cannot be unknown when no nodes were given');
  }
  t.equal(placerFor(facts).place(null).facts, facts);
  t.equal(placerFor({ nodes: NODES, source: 'node-file' }).place(pod({ nodeName: 'mid-1' })).node, 'mid-1');
});

t.test('the smallest among equals is the first given; one node is every pod\'s node', async (t) => {
  const pool = new NodePool([node('a', 8), node('b', 8)], 'cluster');
  t.equal(pool.place(pod({})).node, 'a');
  const one = new NodePool([node('only', 32)], 'cluster');
  t.equal(one.place(pod({ nodeName: 'other' })).node, 'only');
  t.equal(one.place(pod({ nodeName: 'other' })).unknownNodeName, 'other');
  t.throws(() => new NodePool([], 'cluster'), RangeError);
});

t.test('nodeFilter tolerates junk', async (t) => {
  const a = { name: 'a', labels: { zone: 'x', gen: '5' } };
  const f = (spec: Record<string, unknown>) => nodeFilter({ spec: spec as never });
  t.equal(f({}), null);
  t.equal(nodeFilter(null), null);
  t.equal(nodeFilter({ spec: null }), null);
  t.equal(f({ nodeSelector: 'zone=x' }), null, 'a nodeSelector that is not a mapping constrains nothing');
  let deep: unknown = ['x'];
  for (let i = 0; i < 50_000; i++) deep = [deep];
  t.notOk(f({ nodeSelector: { zone: deep } })!(a), 'a nested value never equals a label, and does not recurse');
  t.notOk(f(affinity(expr('zone', 'In', [deep])))!(a));
  t.notOk(f(affinity({ matchExpressions: [{ operator: 'Exists' }] }))!(a), 'an expression without a key matches nothing');
  const pool = new NodePool(NODES, 'node-file');
  t.equal(pool.place(pod({ nodeSelector: { zone: deep } })).noNodeMatches, true, 'unmemoisable selectors are still judged');
});
