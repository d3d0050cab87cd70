// editYaml and rewriteText: JSON Patch applied to YAML/JSON text by splicing, so that nothing but
// the patched values changes, and the proof that refuses any rewrite that would change more.
import t from 'tap';
import { editYaml, EditError, renderScalar } from '../../src/engine/yaml-edit.js';
import type { DocumentPatch } from '../../src/engine/yaml-edit.js';
import { rewriteText, RewriteError, fixUntilStable } from '../../src/engine/rewrite.js';
import { parseText } from '../../src/input/parse.js';
import { locatePod } from '../../src/engine/extract-workloads.js';
import { decidingStanzas, requestsEqualLimitsPatch } from '../../src/engine/fix.js';
import { DEFAULT_KUBERNETES_VERSION, kubeletModel, resolveFeatureGates } from '../../src/core/versions.js';
import type { PatchOperation } from '../../src/engine/types.js';

const NEWEST = kubeletModel(DEFAULT_KUBERNETES_VERSION, resolveFeatureGates(DEFAULT_KUBERNETES_VERSION));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

const lines = (...l: string[]) => l.join('\n') + '\n';
const add = (path: string, value: unknown): PatchOperation => ({ op: 'add', path, value });
const replace = (path: string, value: unknown): PatchOperation => ({ op: 'replace', path, value });
const doc0 = (...ops: PatchOperation[]): DocumentPatch[] => [{ document: 0, ops }];

interface Case {
  name: string;
  text: string;
  patches: DocumentPatch[];
  expected: string;
}

const valid: Case[] = [
  {
    name: 'replace a plain scalar, keeping the comment after it',
    text: lines('requests:', '  memory: 256Mi   # low', 'limits:', '  memory: 1Gi'),
    patches: doc0(replace('/requests/memory', '1Gi')),
    expected: lines('requests:', '  memory: 1Gi   # low', 'limits:', '  memory: 1Gi'),
  },
  {
    name: 'replace keeps double and single quoting',
    text: lines('a: "256Mi"', "b: '100m'"),
    patches: doc0(replace('/a', '1Gi'), replace('/b', '1')),
    expected: lines('a: "1Gi"', "b: '1'"),
  },
  {
    name: 'a plain scalar that would read as a number is quoted',
    text: lines('cpu: 250m'),
    patches: doc0(replace('/cpu', '2')),
    expected: lines('cpu: "2"'),
  },
  {
    name: 'a number stays a number',
    text: lines('cpu: 250m'),
    patches: doc0(replace('/cpu', 2)),
    expected: lines('cpu: 2'),
  },
  {
    name: 'add a key to a block mapping at its indentation, after a nested last member',
    text: lines('resources:', '    limits:', '      memory: 1Gi  # one', '    # a comment about what follows', 'next: 1'),
    patches: doc0(add('/resources/requests', { memory: '1Gi' })),
    expected: lines('resources:', '    limits:', '      memory: 1Gi  # one', '    requests:', '      memory: 1Gi', '    # a comment about what follows', 'next: 1'),
  },
  {
    name: 'new keys in one mapping come out in operation order, quoted like their siblings',
    text: lines('requests:', "  ephemeral-storage: '1Gi'", 'x: 1'),
    patches: doc0(add('/requests/cpu', '1'), add('/requests/memory', '1Gi')),
    expected: lines('requests:', "  ephemeral-storage: '1Gi'", "  cpu: '1'", "  memory: '1Gi'", 'x: 1'),
  },
  {
    name: 'a file without a final newline',
    text: 'limits:\n  memory: 1Gi',
    patches: doc0(add('/requests', { memory: '1Gi' })),
    expected: 'limits:\n  memory: 1Gi\nrequests:\n  memory: 1Gi',
  },
  {
    name: 'CRLF line endings are kept',
    text: 'resources:\r\n  limits:\r\n    memory: 1Gi\r\nz: 1\r\n',
    patches: doc0(add('/resources/requests', { cpu: '1', memory: '1Gi' })),
    expected: 'resources:\r\n  limits:\r\n    memory: 1Gi\r\n  requests:\r\n    cpu: "1"\r\n    memory: 1Gi\r\nz: 1\r\n',
  },
  {
    name: 'single-line flow mapping',
    text: lines('resources: {limits: {cpu: 2, memory: 4Gi}, requests: {cpu: 500m}}'),
    patches: doc0(replace('/resources/requests/cpu', 2), add('/resources/requests/memory', '4Gi')),
    expected: lines('resources: {limits: {cpu: 2, memory: 4Gi}, requests: {cpu: 2, memory: 4Gi}}'),
  },
  {
    name: 'empty flow mapping',
    text: lines('requests: {}'),
    patches: doc0(add('/requests/memory', '1Gi')),
    expected: lines('requests: {memory: 1Gi}'),
  },
  {
    name: 'a new mapping inside a flow mapping',
    text: lines('resources: {limits: {memory: 2Gi}}'),
    patches: doc0(add('/resources/requests', { memory: '2Gi' })),
    expected: lines('resources: {limits: {memory: 2Gi}, requests: {memory: 2Gi}}'),
  },
  {
    name: 'pretty-printed JSON gets a JSON member on its own lines',
    text: '{\n  "resources": {\n    "limits": {\n      "memory": "1Gi"\n    }\n  }\n}',
    patches: doc0(add('/resources/requests', { memory: '1Gi' })),
    expected: '{\n  "resources": {\n    "limits": {\n      "memory": "1Gi"\n    },\n    "requests": {\n      "memory": "1Gi"\n    }\n  }\n}',
  },
  {
    name: 'compact JSON stays compact',
    text: '{"resources":{"limits":{"memory":"1Gi"},"requests":{"cpu":"1"}}}',
    patches: doc0(add('/resources/requests/memory', '1Gi')),
    expected: '{"resources":{"limits":{"memory":"1Gi"},"requests":{"cpu":"1", "memory": "1Gi"}}}',
  },
  {
    name: '`requests:` with no value, and `requests: null`',
    text: lines('a:', '  requests:', '  limits: {memory: 1Gi}', 'b:', '  requests: null'),
    patches: doc0(add('/a/requests', { memory: '1Gi' }), add('/b/requests', { cpu: '1' })),
    expected: lines('a:', '  requests: {memory: 1Gi}', '  limits: {memory: 1Gi}', 'b:', '  requests: {cpu: "1"}'),
  },
  {
    name: 'keys that need quoting, and the last of several documents',
    text: lines('a: 1', '---', '# second', 'm:', '  x: 1', '...'),
    patches: [{ document: 1, ops: [add('/m/yes', 'on'), add('/m/a b', '1Gi')] }],
    expected: lines('a: 1', '---', '# second', 'm:', '  x: 1', '  "yes": "on"', '  "a b": 1Gi', '...'),
  },
  {
    name: 'a sequence item is replaced; escaped pointer tokens find their keys',
    text: lines('list:', '- 1', '- 2', 'weird:', '  a/b~c: 1'),
    patches: doc0(replace('/list/1', 3), replace('/weird/a~1b~0c', 2)),
    expected: lines('list:', '- 1', '- 3', 'weird:', '  a/b~c: 2'),
  },
];

for (const c of valid) {
  t.test(c.name, async (t) => {
    t.equal(editYaml(c.text, c.patches), c.expected);
  });
}

const invalid: Array<{ name: string; text: string; patches: DocumentPatch[]; message: RegExp }> = [
  { name: 'remove', text: 'a: 1\n', patches: doc0({ op: 'remove', path: '/a' }), message: /"remove" operations are not supported/ },
  { name: 'through an alias', text: 'x: &r {a: 1}\ny: *r\n', patches: doc0(add('/y/b', 1)), message: /alias \*r/ },
  { name: 'a key from a merge key', text: 'x: &r {a: 1}\ny:\n  <<: *r\n', patches: doc0(replace('/y/a', 2)), message: /merge key/ },
  { name: 'adding next to a merge key', text: 'x: &r {a: 1}\ny:\n  <<: *r\n', patches: doc0(add('/y/b', 2)), message: /merge key/ },
  { name: 'replacing what does not exist', text: 'a: {}\n', patches: doc0(replace('/a/b', 1)), message: /does not exist/ },
  { name: 'inserting into a sequence', text: 'a: [1]\n', patches: doc0(add('/a/-', 2)), message: /sequence/ },
  { name: 'a block scalar', text: 'a: |\n  1Gi\n', patches: doc0(replace('/a', '2Gi')), message: /block scalar/ },
  { name: 'an anchored value', text: 'a: &m 1Gi\nb: *m\n', patches: doc0(replace('/a', '2Gi')), message: /anchor &m/ },
  { name: 'a missing document', text: 'a: 1\n', patches: [{ document: 3, ops: [add('/b', 1)] }], message: /document 4 not found/ },
  { name: 'a broken document', text: 'a: [1\n', patches: doc0(add('/b', 1)), message: /does not parse/ },
  { name: 'overlapping edits', text: 'a: 1\n', patches: doc0(replace('/a', 2), replace('/a', 3)), message: /same text/ },
];

for (const c of invalid) {
  t.test(`refused: ${c.name}`, async (t) => {
    const err = thrown(() => editYaml(c.text, c.patches));
    t.ok(err instanceof EditError, `an EditError: ${String(err)}`);
    t.match((err as Error).message, c.message);
  });
}

t.test('renderScalar: plain only where every YAML version reads the same string', async (t) => {
  const plain = ['1Gi', '500m', '1.5G', '128Mi', 'abc', 'a-b.c'];
  const quoted = ['1', '0.5', '1e3', '1E3', 'yes', 'on', 'Off', 'null', '~', '', ' 1Gi', '1Gi # x', '.inf', 'a: b'];
  for (const s of plain) t.equal(renderScalar(s, 'PLAIN'), s, s);
  for (const s of quoted) t.equal(renderScalar(s, 'PLAIN'), JSON.stringify(s), s);
  t.equal(renderScalar("it's", 'QUOTE_SINGLE'), "'it''s'");
});

// ---------------------------------------------------------------------------------------------
// rewriteText: edits plus the proof.

function patchAll(text: string) {
  const { objects, errors } = parseText(text, 'x.yaml');
  if (errors.length > 0) throw new Error(errors[0].message);
  const patches = objects.flatMap((source) => {
    const located = locatePod(source.object);
    return located === null ? [] : [{ source, ops: requestsEqualLimitsPatch(source.object, located.podPointer, decidingStanzas(source.object, located.podPointer, NEWEST)) }];
  });
  return { objects, patches };
}

t.test('rewriteText makes the patched objects and leaves other documents byte for byte', async (t) => {
  const text = lines(
    '# ConfigMap first',
    'apiVersion: v1',
    'kind: ConfigMap',
    'data: {a: "1"}   # untouched',
    '---',
    'apiVersion: v1',
    'kind: List',
    'items:',
    '- apiVersion: v1',
    '  kind: Pod',
    '  metadata: {name: p}',
    '  spec:',
    '    containers:',
    '    - name: c',
    '      resources:',
    '        limits: {cpu: "1", memory: 1Gi}',
    '        requests: {cpu: 100m}',
  );
  const { objects, patches } = patchAll(text);
  const out = rewriteText(text, 'x.yaml', objects, patches);
  t.equal(out, text.replace('        requests: {cpu: 100m}\n', '        requests: {cpu: "1"}\n'));
  const again = patchAll(out);
  t.same(again.patches.flatMap((p) => p.ops), [], 'a second run has nothing to do');
});

t.test('rewriteText refuses an edit that would change another object through an anchor', async (t) => {
  // Container a owns the anchored stanza; b aliases it. Editing a's copy would change b too.
  const text = lines(
    'apiVersion: v1',
    'kind: Pod',
    'spec:',
    '  containers:',
    '  - name: a',
    '    resources: &r',
    '      limits: {memory: 1Gi}',
    '      requests: {memory: 512Mi}',
    '  - name: b',
    '    resources: {limits: {memory: 2Gi}}',
    '  - name: c',
    '    resources: *r',
  );
  const { objects } = parseText(text, 'x.yaml');
  const onlyA = [{ source: objects[0], ops: [add('/spec/containers/0/resources/requests', { memory: '1Gi' })] }];
  const first = thrown(() => rewriteText(text, 'x.yaml', objects, onlyA));
  t.ok(first instanceof RewriteError);
  t.match((first as Error).message, /change more than the fix/);
  const { patches } = patchAll(text);
  const second = thrown(() => rewriteText(text, 'x.yaml', objects, patches));
  t.ok(second instanceof RewriteError);
  t.match((second as Error).message, /containers\[2\]\.resources.*alias \*r/);
});

t.test('fixUntilStable applies non-overlapping fixes per pass and stops when none is offered', async (t) => {
  const text = lines('apiVersion: v1', 'kind: Pod', 'spec:', '  containers:', '  - name: a', '    resources:', '      limits:', '        memory: 1Gi');
  const { objects } = parseText(text, 'x.yaml');
  let calls = 0;
  // A fake linter offering two fixes on the same path: only the first is applied in a pass; the
  // second is offered again only while the request is still missing.
  const lint = (objs: readonly (typeof objects)[number][]) => {
    calls++;
    return objs.map((source) => {
      const resources = ((source.object.spec as { containers: Array<{ resources: Record<string, unknown> }> }).containers[0]).resources;
      const missing = resources.requests === undefined;
      return {
        source,
        findings: missing
          ? [{ fix: [add('/spec/containers/0/resources/requests', { memory: '1Gi' })] }, { fix: [add('/spec/containers/0/resources/requests', { memory: '2Gi' })] }, {}]
          : [],
      };
    });
  };
  const result = fixUntilStable(text, 'x.yaml', objects, lint);
  t.equal(result.error, null);
  t.equal(result.fixed, 1);
  t.equal(calls, 2, 'one pass that fixes, one that finds nothing');
  t.match(result.text, /\n {4}resources:\n {6}limits:\n {8}memory: 1Gi\n {6}requests:\n {8}memory: 1Gi\n$/);
  t.same((result.objects[0].object.spec as { containers: Array<{ resources: unknown }> }).containers[0].resources, { limits: { memory: '1Gi' }, requests: { memory: '1Gi' } });
});
