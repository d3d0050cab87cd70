import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import { MAX_ALIAS_EXPANSION, parseText } from '../../src/input/parse.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'input');
const fixture = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');

/** 1-based line of the `nth` (0-based) line of `text` that contains `needle` (or matches it). */
function lineWith(text: string, needle: string | RegExp, nth = 0): number {
  const lines = text.split(/\r?\n/);
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    const hit = typeof needle === 'string' ? lines[i].includes(needle) : needle.test(lines[i]);
    if (hit && seen++ === nth) return i + 1;
  }
  throw new Error(`no line ${nth} with ${JSON.stringify(needle)}`);
}

t.test('lineOf on block YAML, flow YAML and JSON', async (t) => {
  // [pointer, needle of the expected line, occurrence]
  type Case = [string, string | RegExp, number?];
  const tables: Record<string, Case[]> = {
    'deployment.yaml': [
      ['', 'apiVersion: apps/v1'],
      ['/kind', 'kind: Deployment'],
      ['/metadata/name', 'name: prometheus'],
      ['/spec/template/spec/containers/0', '- name: prometheus'],
      ['/spec/template/spec/containers/0/image', 'image: prom/prometheus'],
      ['/spec/template/spec/containers/0/args/0', '- --storage.tsdb'],
      ['/spec/template/spec/containers/1', '- name: configmap-reload'],
      ['/spec/template/spec/containers/1/resources/limits/memory', 'memory: 1.5Gi'],
      ['/spec/template/spec/containers/1/resources/requests', 'requests:'],
      // missing nodes: the nearest existing ancestor
      ['/spec/template/spec/containers/0/resources', '- name: prometheus'],
      ['/spec/template/spec/containers/0/resources/limits/memory', '- name: prometheus'],
      ['/spec/template/spec/containers/7', 'containers:'],
      ['/spec/template/spec/containers/x', 'containers:'],
      ['/spec/template/spec/containers/01', 'containers:'],
      ['/spec/template/spec/containers/0/image/deeper', 'image: prom/prometheus'],
      ['/status', 'apiVersion: apps/v1'],
      // RFC 6901 escapes: ~1 is "/", ~0 is "~"
      ['/metadata/annotations/example.com~1owner', 'example.com/owner: platform'],
      ['/metadata/annotations/odd~0key', 'odd~key:'],
      // not a pointer at all
      ['spec', 'apiVersion: apps/v1'],
    ],
    'deployment.json': [
      ['', '{'],
      ['/kind', '"kind": "Deployment"'],
      ['/metadata/annotations/example.com~1owner', '"example.com/owner"'],
      ['/spec/template/spec/containers/0', /^ {10}\{$/, 0],
      ['/spec/template/spec/containers/0/image', '"image"'],
      ['/spec/template/spec/containers/1', /^ {10}\{$/, 1],
      ['/spec/template/spec/containers/1/resources/limits/memory', '"limits"'],
      ['/spec/template/spec/containers/0/resources', /^ {10}\{$/, 0],
      ['/spec/template/spec/containers/9', '"containers"'],
    ],
    'flow.yaml': [
      ['/metadata/annotations/example.com~1owner', 'metadata: {name: prometheus'],
      ['/spec/template/spec/containers', 'containers: ['],
      ['/spec/template/spec/containers/0', '{name: prometheus, image'],
      ['/spec/template/spec/containers/1', '{name: configmap-reload'],
      ['/spec/template/spec/containers/1/resources/limits/memory', 'resources: {limits: {memory: 100Mi}}'],
      ['/spec/template/spec/containers/0/resources', '{name: prometheus, image'],
    ],
  };
  for (const [file, cases] of Object.entries(tables)) {
    const text = fixture(file);
    const r = parseText(text, file);
    t.same(r.errors, [], `${file}: no errors`);
    t.equal(r.objects.length, 1, `${file}: one object`);
    const o = r.objects[0];
    t.equal(o.lineOf(''), o.line, `${file}: the empty pointer is the object's line`);
    for (const [pointer, needle, nth] of cases) {
      t.equal(o.lineOf(pointer), lineWith(text, needle, nth ?? 0), `${file} ${JSON.stringify(pointer)} → ${needle}`);
    }
  }
});

t.test('block sequence items are located at their dash, whatever follows it', async (t) => {
  const text = fixture('sequences.yaml');
  const r = parseText(text, 'sequences.yaml');
  t.same(r.errors, []);
  const o = r.objects[0];
  const cases: Array<[string, string | RegExp]> = [
    ['/spec/containers', 'containers: &cs !!seq'],
    ['/spec/containers/0', '- name: a'],
    ['/spec/containers/0/command/2', '- |'],
    ['/spec/containers/1', '- name: b'],
    ['/spec/containers/1/args/1', 'y]'],
    ['/spec/containers/2', '-   name: c'],
    ['/spec/containers/3', '- - nested'],
    ['/spec/containers/3/1', '- seq'],
    ['/spec/containers/4', /^  -$/],
    ['/spec/containers/4/name', /^  -$/],
    ['/spec/containers/5', '- >-'],
    ['/spec/containers/6', '- plain'],
    ['/spec/containers/7', '- name: last'],
    ['/spec/containers/8', 'containers: &cs !!seq'],
  ];
  for (const [pointer, needle] of cases) t.equal(o.lineOf(pointer), lineWith(text, needle), pointer);
});

t.test('unexpected exceptions from js-yaml become InputErrors', async (t) => {
  const real = await import('js-yaml');
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['constructor throws a TypeError', { constructFromEvents: () => { throw new TypeError('boom\nsecond line'); } }, /^cannot parse: boom$/],
    ['parser overflows the stack', { parseEvents: () => { throw new RangeError('Maximum call stack size exceeded'); } }, /too deeply nested/],
  ];
  for (const [name, override, message] of cases) {
    const { parseText: mocked } = await t.mockImport<typeof import('../../src/input/parse.js')>('../../src/input/parse.js', {
      'js-yaml': { ...real, ...override },
    });
    const r = mocked('apiVersion: v1\nkind: ConfigMap\n', 'x.yaml');
    t.equal(r.objects.length, 0, name);
    t.match(r.errors, [{ file: 'x.yaml', document: 0, line: null, message }], name);
  }
});

t.test('objects are what js-yaml gives: quantities are not converted', async (t) => {
  const text = fixture('deployment.yaml');
  const r = parseText(text, 'deployment.yaml');
  t.same(r.objects[0].object, loadAll(text)[0]);
  const resources = (r.objects[0].object as any).spec.template.spec.containers[1].resources;
  t.equal(resources.limits.memory, '1.5Gi');
  t.equal(resources.limits.cpu, 0.5);
  t.equal(resources.requests.memory, 1000);
  t.same(parseText(fixture('deployment.json'), 'd.json').objects[0].object, JSON.parse(fixture('deployment.json')));
});

t.test('multi-document file: empty documents skipped, indexes kept, broken one reported, others survive', async (t) => {
  const text = fixture('multi.yaml');
  const r = parseText(text, 'multi.yaml');
  t.same(
    r.objects.map((o) => [o.document, (o.object as any).metadata.name, o.line]),
    [
      [0, 'first', lineWith(text, 'apiVersion: v1', 0)],
      [5, 'after-broken', lineWith(text, 'apiVersion: v1', 2)],
      [6, 'flow-on-marker-line', lineWith(text, 'flow-on-marker-line')],
      [8, 'last', lineWith(text, 'apiVersion: v1', 4)],
    ],
  );
  t.same(r.errors, [
    { file: 'multi.yaml', document: 4, line: lineWith(text, 'indented: wrong'), message: 'bad indentation of a mapping entry' },
    {
      file: 'multi.yaml',
      document: 7,
      line: lineWith(text, '- a sequence'),
      message: 'not a Kubernetes object (expected a mapping with apiVersion and kind, found a sequence)',
    },
  ]);
  const last = r.objects[3];
  t.equal(last.lineOf('/metadata/name'), lineWith(text, 'name: last'));
});

t.test('document indexes are those of js-yaml loadAll', async (t) => {
  const obj = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
  const streams = [
    obj('a'),
    `---\n${obj('a')}`,
    `# lead\n---\n${obj('a')}---\n${obj('b')}`,
    `${obj('a')}---\n---\n${obj('b')}---\n`,
    `${obj('a')}...\n${obj('b')}...\n---\n${obj('c')}`,
    `${obj('a')}...\n# comment\n...\n---\n---\n${obj('b')}`,
    `%YAML 1.2\n---\n${obj('a')}...\n%YAML 1.2\n---\n${obj('b')}`,
    `--- !!map\n${obj('a')}--- # comment\n${obj('b')}---    \n${obj('c')}`,
    `data: |\n  ---not a marker\n  --- nor this\napiVersion: v1\nkind: ConfigMap\n`,
    `---\nnull\n---\n~\n---\n# nothing\n---\n${obj('a')}`,
    `--- |\n  a block scalar\n--- >\n  folded\n...\n${obj('a')}`,
  ];
  for (const text of streams) {
    const expected: number[] = [];
    loadAll(text).forEach((d, i) => {
      if (d !== null && typeof d === 'object' && !Array.isArray(d)) expected.push(i);
    });
    const r = parseText(text, 's.yaml');
    t.same(
      r.objects.map((o) => o.document),
      expected,
      JSON.stringify(text),
    );
  }
});

t.test('List and *List kinds: one object per item, with its line and pointer', async (t) => {
  const text = fixture('list.yaml');
  const r = parseText(text, 'list.yaml');
  t.same(
    r.objects.map((o) => [o.itemPointer, (o.object as any).metadata.name, o.line]),
    [
      ['/items/0', 'web-1', lineWith(text, '- apiVersion: v1', 0)],
      ['/items/1', 'web-2', lineWith(text, '- apiVersion: v1', 1)],
      ['/items/3', 'web', lineWith(text, /^-$/)],
    ],
  );
  t.ok(r.objects.every((o) => o.document === 0 && o.object.kind !== 'List'), 'the List itself is not emitted');
  t.same(r.errors, [
    {
      file: 'list.yaml',
      document: 0,
      line: lineWith(text, '"not an object"'),
      message: 'items[2]: not a Kubernetes object (expected a mapping with apiVersion and kind, found a string)',
    },
  ]);
  const [, web2, svc] = r.objects;
  t.equal(web2.lineOf('/spec/containers/0'), lineWith(text, '- name: web', 1), 'pointers are relative to the item');
  t.equal(web2.lineOf('/spec/containers/0/resources/requests/memory'), lineWith(text, 'memory: 64Mi'));
  t.equal(web2.lineOf(''), web2.line);
  t.equal(svc.lineOf('/metadata/name'), lineWith(text, /^    name: web$/));
  t.equal(svc.lineOf('/spec'), svc.line, 'missing field in an item → the item');

  const cml = fixture('configmaplist.yaml');
  const c = parseText(cml, 'configmaplist.yaml');
  t.same(c.errors, []);
  t.same(
    c.objects.map((o) => [o.itemPointer, o.object.kind, (o.object as any).metadata.name, o.line]),
    [
      ['/items/0', 'ConfigMap', 'one', lineWith(cml, '- apiVersion: v1', 0)],
      ['/items/1', 'ConfigMap', 'two', lineWith(cml, '- apiVersion: v1', 1)],
    ],
  );
  t.equal(c.objects[0].lineOf('/data/a'), lineWith(cml, 'data: {a: "1"}'));

  const pl = fixture('podlist.json');
  const p = parseText(pl, 'podlist.json');
  t.same(p.errors, []);
  t.same(
    p.objects.map((o) => [o.itemPointer, (o.object as any).metadata.name, o.line]),
    [
      ['/items/0', 'a', lineWith(pl, /^    \{$/, 0)],
      ['/items/1', 'b', lineWith(pl, /^    \{$/, 1)],
    ],
  );
  t.equal(p.objects[1].lineOf('/metadata/name'), lineWith(pl, '"metadata": { "name": "b" }'));
});

t.test('List edge cases', async (t) => {
  const cases: Array<[string, string, { objects: number; errors: RegExp[] }]> = [
    ['empty items', 'apiVersion: v1\nkind: List\nitems: []\n', { objects: 0, errors: [] }],
    ['no items', 'apiVersion: v1\nkind: List\n', { objects: 0, errors: [] }],
    ['items not a sequence', 'apiVersion: v1\nkind: List\nitems: {a: 1}\n', { objects: 0, errors: [/items.*must be a sequence/] }],
    ['item without kind', 'apiVersion: v1\nkind: PodList\nitems:\n- apiVersion: v1\n  metadata: {}\n', { objects: 0, errors: [/^items\[0\]: .*missing kind/] }],
    ['null item', 'apiVersion: v1\nkind: List\nitems:\n-\n- apiVersion: v1\n  kind: Pod\n', { objects: 1, errors: [/^items\[0\]: .*found null/] }],
    ['*List kind without items is an ordinary object', 'apiVersion: example.com/v1\nkind: AllowList\nspec: {}\n', { objects: 1, errors: [] }],
  ];
  for (const [name, text, want] of cases) {
    const r = parseText(text, 'l.yaml');
    t.equal(r.objects.length, want.objects, `${name}: objects`);
    t.equal(r.errors.length, want.errors.length, `${name}: errors ${JSON.stringify(r.errors)}`);
    want.errors.forEach((re, i) => t.match(r.errors[i]?.message, re, name));
  }
  const r = parseText('apiVersion: v1\nkind: List\nitems:\n-\n- apiVersion: v1\n  kind: Pod\n', 'l.yaml');
  t.equal(r.errors[0].line, 4, 'an empty item is located at its dash');
  t.equal(r.objects[0].line, 5);
});

t.test('guards: each bad input is one InputError with a one-line message', async (t) => {
  const deep = (n: number) => 'apiVersion: v1\nkind: ConfigMap\ndata: ' + '['.repeat(n) + ']'.repeat(n) + '\n';
  const deepBlock = (n: number) => {
    let s = 'apiVersion: v1\nkind: ConfigMap\ndata:\n';
    for (let i = 0; i < n; i++) s += `${' '.repeat(2 * (i + 1))}k${i}:\n`;
    return s;
  };
  // Aliases that only nest deeply once expanded.
  let aliasDeep = 'apiVersion: v1\nkind: ConfigMap\na0: &a0 [' + '['.repeat(40) + ']'.repeat(40) + ']\n';
  for (let i = 1; i <= 5; i++) aliasDeep += `a${i}: &a${i} [${'['.repeat(40)}*a${i - 1}${']'.repeat(40)}]\n`;

  const cases: Array<[string, string, { document: number | null; line: number | null; message: RegExp }]> = [
    ['tab indentation', 'apiVersion: v1\nkind: ConfigMap\ndata:\n\tkey: value\n', { document: 0, line: 4, message: /^tab characters must not be used in indentation$/ }],
    ['duplicate keys', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n', { document: 0, line: 5, message: /^duplicated mapping key$/ }],
    ['truncated JSON', '{"apiVersion": "v1",', { document: 0, line: 1, message: /unexpected end of the stream/ }],
    ['truncated JSON with a newline', '{\n  "apiVersion": "v1",\n  "kind": "Pod",\n', { document: 0, line: 4, message: /unexpected end of the stream/ }],
    ['scalar document', 'just a string\n', { document: 0, line: 1, message: /not a Kubernetes object \(expected a mapping with apiVersion and kind, found a string\)/ }],
    ['number document', '---\n42\n', { document: 0, line: 2, message: /found a number/ }],
    ['sequence document', '- apiVersion: v1\n  kind: Pod\n', { document: 0, line: 1, message: /found a sequence/ }],
    ['missing kind', 'apiVersion: v1\nmetadata: {}\n', { document: 0, line: 1, message: /missing kind/ }],
    ['missing apiVersion', '\n\nkind: Pod\n', { document: 0, line: 3, message: /missing apiVersion/ }],
    ['missing both', 'metadata: {name: x}\n', { document: 0, line: 1, message: /missing apiVersion and kind/ }],
    ['kind not a string', 'apiVersion: v1\nkind: [Pod]\n', { document: 0, line: 1, message: /kind must be a string, found a sequence/ }],
    ['NUL byte', 'apiVersion: v1\nkind: Pod\0\n', { document: null, line: null, message: /^binary file/ }],
    ['billion laughs', fixture('billion-laughs.yaml'), { document: 0, line: 14, message: new RegExp(`more than ${MAX_ALIAS_EXPANSION}.*alias bomb`) }],
    ['recursive alias', 'apiVersion: v1\nkind: ConfigMap\ndata: &d\n  self: *d\n', { document: 0, line: 4, message: /recursive alias/ }],
    ['nesting through aliases', aliasDeep, { document: 0, line: null, message: /nesting deeper than 100 levels once aliases are expanded/ }],
    ['10000-deep flow nesting', deep(10000), { document: 0, line: 3, message: /^nesting deeper than 100 levels$/ }],
    ['10000-deep unclosed flow nesting', '['.repeat(10000), { document: 0, line: 1, message: /^nesting deeper than 100 levels$/ }],
    ['deep block nesting', deepBlock(150), { document: 0, line: null, message: /^nesting deeper than 100 levels$/ }],
    ['unknown alias', 'apiVersion: v1\nkind: ConfigMap\ndata: *nope\n', { document: 0, line: 3, message: /unidentified alias/ }],
    ['unknown tag', 'apiVersion: v1\nkind: ConfigMap\ndata: !!binary aGVsbG8=\n', { document: 0, line: 3, message: /unknown .*tag/ }],
    ['non-printable character', 'apiVersion: v1\nkind: ConfigMap\ndata: a\u0001b\n', { document: 0, line: 3, message: /non-printable characters/ }],
    ['control character in a JSON string', '{"apiVersion": "v1", "kind": "ConfigMap", "data": "\u0001"}', { document: 0, line: 1, message: /./ }],
  ];
  for (const [name, text, want] of cases) {
    const r = parseText(text, 'bad.yaml');
    t.equal(r.objects.length, 0, `${name}: no objects`);
    t.equal(r.errors.length, 1, `${name}: one error ${JSON.stringify(r.errors)}`);
    const e = r.errors[0];
    t.equal(e.file, 'bad.yaml', name);
    t.equal(e.document, want.document, `${name}: document`);
    if (want.line !== null || want.document === null) t.equal(e.line, want.line, `${name}: line`);
    else t.type(e.line, 'number', `${name}: has a line`);
    t.match(e.message, want.message, name);
    t.notMatch(e.message, /\n/, `${name}: one line`);
  }
});

t.test('merge keys and aliases', async (t) => {
  const text = fixture('merge.yaml');
  const r = parseText(text, 'merge.yaml');
  t.same(r.errors, []);
  const o = r.objects[0];
  const containers = (o.object as any).spec.template.spec.containers;
  t.same(containers[0], { image: 'example/app:1.0', resources: { limits: { memory: '256Mi' } }, name: 'app' });
  t.same(containers[1].resources, { limits: { memory: '512Mi' } }, 'explicit keys win over merged ones');
  t.not(containers[0].resources, (o.object as any)['x-container'].resources, 'aliased subtrees are copies, not shared');
  containers[0].resources.limits.memory = '1Gi';
  t.equal((o.object as any)['x-container'].resources.limits.memory, '256Mi');

  t.equal(o.lineOf('/spec/template/spec/containers/0'), lineWith(text, '- <<: *container', 0));
  t.equal(o.lineOf('/spec/template/spec/containers/0/name'), lineWith(text, 'name: app'));
  t.equal(o.lineOf('/spec/template/spec/containers/0/image'), lineWith(text, 'image: example/app'), 'merged key → where it is written');
  t.equal(o.lineOf('/spec/template/spec/containers/1/resources/limits/memory'), lineWith(text, 'memory: 512Mi'));
  t.equal(o.lineOf('/spec/template/spec/containers/0/resources/requests'), lineWith(text, 'resources:', 0));
});

t.test('BOM, CRLF and lone CR line endings', async (t) => {
  const lf = fixture('deployment.yaml');
  for (const [name, text] of [
    ['BOM', `\uFEFF${lf}`],
    ['CRLF', lf.replace(/\n/g, '\r\n')],
    ['BOM + CRLF', `\uFEFF${lf.replace(/\n/g, '\r\n')}`],
    ['CR', lf.replace(/\n/g, '\r')],
  ] as const) {
    const r = parseText(text, 'd.yaml');
    t.same(r.errors, [], name);
    t.equal(r.objects.length, 1, name);
    const o = r.objects[0];
    t.equal(o.object.apiVersion, 'apps/v1', `${name}: no BOM or CR in values`);
    t.equal((o.object as any).metadata.name, 'prometheus', name);
    t.equal(o.line, lineWith(lf, 'apiVersion: apps/v1'), name);
    t.equal(o.lineOf('/spec/template/spec/containers/1'), lineWith(lf, '- name: configmap-reload'), name);
  }
  const broken = 'apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: a\r\n  name: b\r\n';
  t.match(parseText(broken, 'b.yaml').errors, [{ line: 5, message: 'duplicated mapping key' }], 'CRLF error lines');
  const json = `\uFEFF${fixture('deployment.json').replace(/\n/g, '\r\n')}`;
  const j = parseText(json, 'd.json');
  t.same(j.errors, []);
  t.equal(j.objects[0].lineOf('/kind'), 3);
});

t.test('JSON: tab-indented, and a stream of concatenated objects', async (t) => {
  const tabbed = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'x\ty' } }, null, '\t');
  const r = parseText(tabbed, 't.json');
  t.same(r.errors, []);
  t.same(r.objects[0].object, { apiVersion: 'v1', kind: 'ConfigMap', data: { a: 'x\ty' } });
  t.equal(r.objects[0].lineOf('/data/a'), 5);

  const stream = '{"apiVersion":"v1","kind":"A"}{"apiVersion":"v1","kind":"B"}\n{\n  "apiVersion": "v1",\n  "kind": "C"\n}\n{"apiVersion": "v1",\n';
  const s = parseText(stream, 's.json');
  t.same(
    s.objects.map((o) => [o.document, o.object.kind, o.line]),
    [
      [0, 'A', 1],
      [1, 'B', 1],
      [2, 'C', 2],
    ],
  );
  t.equal(s.objects[2].lineOf('/kind'), 4);
  t.match(s.errors, [{ document: 3, message: /unexpected end of the stream/ }]);

  const notStream = parseText('{"a": 1} trailing', 'n.json');
  t.equal(notStream.errors.length, 1, 'garbage after JSON is an error');
  t.equal(notStream.errors[0].document, 0);
});

t.test('nothing to lint is not an error', async (t) => {
  for (const text of ['', '\n\n', '# just a comment\n', '---\n', '---\n...\n', 'null\n', '~', '\uFEFF']) {
    t.same(parseText(text, 'e.yaml'), { objects: [], errors: [] }, JSON.stringify(text));
  }
});

t.test('lineOf is lazy and survives many documents being parsed in between', async (t) => {
  const docs: string[] = [];
  for (let i = 0; i < 50; i++) docs.push(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  k: v${i}\n`);
  const text = docs.join('---\n');
  const files = [0, 1, 2].map((i) => parseText(text, `f${i}.yaml`));
  for (const r of files) {
    t.equal(r.objects.length, 50);
    for (const i of [49, 0, 25, 0, 49]) {
      const o = r.objects[i];
      t.equal(o.document, i);
      t.equal(o.line, 7 * i + 1);
      t.equal(o.lineOf('/data/k'), 7 * i + 6);
      t.equal(o.lineOf('/metadata/name'), 7 * i + 4);
    }
  }
});

t.test('a kubectl-sized List', async (t) => {
  const items = Array.from({ length: 2000 }, (_, i) => `- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: p${i}\n`);
  const text = `apiVersion: v1\nkind: List\nitems:\n${items.join('')}`;
  const r = parseText(text, 'big.yaml');
  t.equal(r.objects.length, 2000);
  t.equal(r.objects[1999].line, 4 + 4 * 1999);
  t.equal(r.objects[1999].lineOf('/metadata/name'), 4 + 4 * 1999 + 3);
});
