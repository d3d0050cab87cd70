// Every manifest kubectl reads, oomguard reads the same way (issue 10).
//
// kubectl reads YAML with go-yaml: `kubectl apply -f` through sigs.k8s.io/yaml (goyaml.v2),
// `kubectl kustomize` / `apply -k` through kyaml (goyaml.v3). Where js-yaml disagrees with it, each
// case below was put to kubectl v1.32 (`kubectl kustomize` on a folder holding the file and a
// kustomization.yaml listing it; `kubectl label --local -f FILE -o json` for the apply path) and
// the expected values are what kubectl printed. The last test repeats that comparison live when
// kubectl is installed.
import t from 'tap';
import type { Test } from 'tap';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';
import { parseText } from '../../src/input/parse.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'input', 'yaml-parity');
const fixture = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');

/** A ConfigMap whose body starts on line 5; `NAME` is replaced by the case's name in the live test. */
const cm = (body: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: NAME\n${body}`;

/** The value at a JSON pointer (no escapes needed here). */
function at(v: unknown, pointer: string): unknown {
  for (const token of pointer.split('/').slice(1)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[token];
  }
  return v;
}

/** 1-based line of the first line of `text` containing `needle`. */
function lineWith(text: string, needle: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(needle));
  if (i < 0) throw new Error(`no line with ${needle}`);
  return i + 1;
}

type Expect = { values: Record<string, unknown> } | { error: RegExp; line: number };
interface Case {
  name: string;
  text: string;
  expect: Expect;
}

// [name, text, expect]; kubectl's verdict is the expectation unless the group says otherwise.
const groups: Record<string, Array<[string, string, Expect]>> = {
  // Continuation lines of quoted scalars and flow collections indented less than YAML asks (the
  // key's column + 1): go-yaml does not look at their indentation, js-yaml said "deficient indentation".
  'flow content indented less than its key': [
    ['single-quoted, less indented', cm("data:\n  a: 'one\n two\n  three'\n"), { values: { '/data/a': 'one two three' } }],
    ['single-quoted, at column 0', cm("data:\n  a: 'one\ntwo'\n"), { values: { '/data/a': 'one two' } }],
    ['single-quoted, a line that looks like a key', cm("data:\n  a: 'one\nb: two'\n"), { values: { '/data/a': 'one b: two', '/data/b': undefined } }],
    ['single-quoted, closing quote at the key column', cm("data:\n  a: 'one\n  two'\n"), { values: { '/data/a': 'one two' } }],
    ['single-quoted, blank line kept as a line break', cm("data:\n  a: 'one\n\n two'\n"), { values: { '/data/a': 'one\ntwo' } }],
    ['single-quoted, two blank lines', cm("data:\n  a: 'one\n\n\n two'\n"), { values: { '/data/a': 'one\n\ntwo' } }],
    ['double-quoted, less indented', cm('data:\n  a: "one\n two"\n'), { values: { '/data/a': 'one two' } }],
    ['double-quoted, escaped line break at column 0', cm('data:\n  a: "one\\\ntwo"\n'), { values: { '/data/a': 'onetwo' } }],
    ['double-quoted, escaped space after the break', cm('data:\n  a: "one\\\n  \\ two"\n'), { values: { '/data/a': 'one two' } }],
    ['double-quoted, trailing spaces folded', cm('data:\n  a: "one   \n two"\n'), { values: { '/data/a': 'one two' } }],
    ['double-quoted, tab-led continuation', cm('data:\n  a: "one\n\ttwo"\n'), { values: { '/data/a': 'one two' } }],
    ['single-quoted, spaces then a tab at the key column', cm("data:\n  a: 'one\n  \ttwo'\n"), { values: { '/data/a': 'one two' } }],
    ['top-level key', cm("b: 'one\ntwo'\n"), { values: { '/b': 'one two' } }],
    ['block sequence item', cm("x:\n- 'one\ntwo'\n"), { values: { '/x': ['one two'] } }],
    ['key inside a sequence item', cm("x:\n- a: '1\n  2'\n  b: 3\n"), { values: { '/x': [{ a: '1 2', b: 3 }] } }],
    ['closing quote alone, then the next key', cm("x: 'a\n' # c\ny: 2\n"), { values: { '/x': 'a ', '/y': 2 } }],
    ['double-quoted closing alone at column 0, then the next key', cm('x: "a\n"\ny: 2\n'), { values: { '/x': 'a ', '/y': 2 } }],
    ['flow sequence closing at the key column', cm('x:\n  a: [\n    1,\n  ]\n'), { values: { '/x/a': [1] } }],
    ['flow sequence at column 0', cm('x:\n  a: [\n1,\n2]\n'), { values: { '/x/a': [1, 2] } }],
    ['flow mapping at column 0', cm('x:\n  a: {\nk: v,\n}\n'), { values: { '/x/a': { k: 'v' } } }],
    ['multi-line plain scalar in a flow sequence', cm('x:\n  a: [one\ntwo]\n'), { values: { '/x/a': ['one two'] } }],
    ['quoted scalar in a flow sequence', cm("x:\n  a: ['one\ntwo']\n"), { values: { '/x/a': ['one two'] } }],
    ['quoted scalar in a flow mapping in a flow sequence', cm("x: [{a: '1\n2'}]\n"), { values: { '/x': [{ a: '1 2' }] } }],
    ['flow sequence after a dash', cm('x:\n- [1,\n2]\n'), { values: { '/x': [[1, 2]] } }],
    ['flow sequence on the line after its key', cm('x:\n [1,\n2]\n'), { values: { '/x': [1, 2] } }],
    ['flow sequence closing, then the next key', cm('x: [1,\n]\ny: 2\n'), { values: { '/x': [1], '/y': 2 } }],
    ['flow mapping of metadata in a block document', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {"name": "NAME",\n"labels": {"a": "b"}}\n', { values: { '/metadata/labels': { a: 'b' } } }],
    [
      'container args, as written in many manifests',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: NAME\nspec:\n  containers:\n  - name: x\n    args: ["a",\n    "b"]\n',
      { values: { '/spec/containers/0/args': ['a', 'b'] } },
    ],
    ['CRLF line endings', cm("data:\n  a: 'one\n two'\n").replace(/\n/g, '\r\n'), { values: { '/data/a': 'one two' } }],
    ['a comment line in a flow sequence at column 0', cm('x:\n  a: [1,\n# hi\n2]\n'), { values: { '/x/a': [1, 2] } }],
  ],

  // Tabs between the tokens of flow content, and after a key's `:`, a tag or an anchor before it:
  // js-yaml counted them as indentation ("deficient indentation").
  'tabs as separation in flow content': [
    ['tab after a comma', cm('x:\n  a: [1,\t2]\n'), { values: { '/x/a': [1, 2] } }],
    ['tab starting a continuation line', cm('x:\n  a: [1,\n\t2]\n'), { values: { '/x/a': [1, 2] } }],
    ['tab between the key and the flow sequence', cm('x:\t[1, 2]\n'), { values: { '/x': [1, 2] } }],
    ['tab after `:` in a flow mapping', cm('x: {a:\t1}\n'), { values: { '/x': { a: 1 } } }],
    ['tab after a tag', cm('x: !!seq\t[1]\n'), { values: { '/x': [1] } }],
    ['tab after an anchor', cm('x: &q\t[1]\ny: *q\n'), { values: { '/x': [1], '/y': [1] } }],
    ['tab after a quoted key', cm('"x":\t[1]\n'), { values: { '/x': [1] } }],
    ['tab inside a plain scalar is kept', cm('x: [a\tb, c]\n'), { values: { '/x': ['a\tb', 'c'] } }],
    ['tab before `,` after a plain scalar', cm('x: [a\t, c]\n'), { values: { '/x': ['a', 'c'] } }],
    ['tab inside a quoted scalar on the first line is kept', cm("x: 'a\tb\n c'\n"), { values: { '/x': 'a\tb c' } }],
  ],

  // A `#` right after a closing quote or bracket, a flow `,`/`[`/`:` or a block scalar indicator
  // starts a comment for go-yaml; js-yaml wanted a blank before it.
  '`#` right after a token': [
    ['after a double-quoted value', cm('data:\n  a: "b"# c\n'), { values: { '/data/a': 'b' } }],
    ['after a single-quoted value', cm("data:\n  a: 'b'# c\n"), { values: { '/data/a': 'b' } }],
    ['after a flow mapping', cm('data: {a: b}# c\n'), { values: { '/data/a': 'b' } }],
    ['after a flow sequence', cm('x: [1]# c\n'), { values: { '/x': [1] } }],
    ['after a quoted item in a flow sequence', cm('x: ["a"# c\n  ]\n'), { values: { '/x': ['a'] } }],
    ['after a quoted sequence item', cm('x:\n- "a"# c\n'), { values: { '/x': ['a'] } }],
    ['after a flow comma', cm('x: [a,#c\n b]\n'), { values: { '/x': ['a', 'b'] } }],
    ['after an opening bracket', cm('x: [#c\n b]\n'), { values: { '/x': ['b'] } }],
    ['after a nested closing bracket', cm('x: [[1]#c\n ]\n'), { values: { '/x': [[1]] } }],
    ['after a JSON-style colon', cm('x: {"a":#c\n  1}\n'), { values: { '/x': { a: 1 } } }],
    ['after a block scalar indicator', cm('x: |#c\n  a\n'), { values: { '/x': 'a\n' } }],
    // Both read these the same way already:
    ['inside a plain scalar: text, not a comment', cm('data:\n  a: b# not a comment\n'), { values: { '/data/a': 'b# not a comment' } }],
    ['inside a flow plain scalar', cm('x: [a:#c 1]\n'), { values: { '/x': ['a:#c 1'] } }],
  ],

  // go-yaml's resolve(): `_` dropped, Go's ParseInt with base prefixes (a leading 0 is octal),
  // ParseUint, then its float pattern. js-yaml's core schema read `0755` as 755 and `1_000` as text.
  'numbers as go-yaml reads them': [
    [
      'integers',
      cm(
        'x:\n  a: 0755\n  b: 0o755\n  c: 0O755\n  d: 0x1F\n  e: 0X1F\n  f: 0b101\n  g: -0b101\n  h: +0x1F\n  i: 010\n  j: -010\n  k: +0755\n  l: 1_000\n  m: 1__0\n  n: 0x_1F\n  o: 0_755\n  p: 1_\n  q: 09\n  r: 08\n  s: 00\n  t: -0\n',
      ),
      {
        values: {
          '/x': { a: 493, b: 493, c: 493, d: 31, e: 31, f: 5, g: -5, h: 31, i: 8, j: -8, k: 493, l: 1000, m: 10, n: 31, o: 493, p: 1, q: 9, r: 8, s: 0, t: 0 },
        },
      },
    ],
    [
      'floats',
      cm('x:\n  a: 1_000.5\n  b: 0.1_0\n  c: 1e3_0\n  d: 1.0e1_0\n  e: 0755.5\n  f: 1e3\n  g: .5\n  h: 1.\n  i: +1.5\n  j: -.5\n  k: 5.5e-3\n  l: 1_2.3_4\n'),
      { values: { '/x': { a: 1000.5, b: 0.1, c: 1e30, d: 1e10, e: 755.5, f: 1000, g: 0.5, h: 1, i: 1.5, j: -0.5, k: 0.0055, l: 12.34 } } },
    ],
    [
      'big integers',
      cm('x:\n  a: 12345678901234567890\n  b: 0xFFFFFFFFFFFFFFFF\n  c: -0x8000000000000000\n  d: 07777777777777777777777\n  e: 18446744073709551616\n'),
      { values: { '/x': { a: 12345678901234567890, b: 18446744073709551615, c: -9223372036854775808, d: 7.777777777777777e21, e: 18446744073709551616 } } },
    ],
    [
      'still text',
      cm('x:\n  a: _1\n  b: 0x\n  c: 0b\n  d: 0o8\n  e: 1:20\n  f: 1e400\n  g: 0x1.8p1\n  h: Infinity\n  i: -0x8000000000000001\n  j: +0x8000000000000000\n  l: 1Gi\n  m: 1e3Mi\n'),
      {
        values: {
          '/x': { a: '_1', b: '0x', c: '0b', d: '0o8', e: '1:20', f: '1e400', g: '0x1.8p1', h: 'Infinity', i: '-0x8000000000000001', j: '+0x8000000000000000', l: '1Gi', m: '1e3Mi' },
        },
      },
    ],
    ['explicit !!int and quoted with !!int', cm('x:\n  a: !!int 0755\n  b: !!int "0755"\n  c: !!str 0755\n  d: !!float 1\n'), { values: { '/x': { a: 493, b: 493, c: '0755', d: 1 } } }],
    [
      'a memory limit written with underscores',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: NAME\nspec:\n  containers:\n  - name: c\n    resources:\n      limits:\n        memory: 1_000\n        cpu: 0x10\n',
      { values: { '/spec/containers/0/resources/limits': { memory: 1000, cpu: 16 } } },
    ],
    ['defaultMode 0400', cm('x:\n  defaultMode: 0400\n'), { values: { '/x/defaultMode': 256 } }],
    // JSON has no infinity or NaN; both of kubectl's readers stop at "json: unsupported value".
    ['.inf', cm('x:\n  a: 1\n  b: .inf\n'), { error: /^\.inf is not a number kubectl can send/, line: 7 }],
    ['-.Inf', cm('x: -.Inf\n'), { error: /^-\.Inf is not a number kubectl can send/, line: 5 }],
    ['+.INF', cm('x: +.INF\n'), { error: /^\+\.INF is not a number kubectl can send/, line: 5 }],
    ['.NaN in a flow sequence', cm('x: [1,\n  .NaN]\n'), { error: /^\.NaN is not a number kubectl can send/, line: 6 }],
    ['!!float .nan', cm('x: !!float .nan\n'), { error: /^\.nan is not a number/, line: 5 }],
    ['quoted .inf is text', cm('x:\n  a: ".inf"\n  b: !!str .nan\n  c: !foo .inf\n  d: .infinite\n'), { values: { '/x': { a: '.inf', b: '.nan', c: '.inf', d: '.infinite' } } }],
  ],

  // go-yaml ignores local tags: a tagged scalar is its text, a tagged collection an ordinary one.
  'local tags': [
    ['on scalars', cm('x:\n  a: !foo 12\n  b: !foo true\n  c: !foo ~\n  d: !foo "12"\n  e: !foo bar\n  f: !foo\n'), { values: { '/x': { a: '12', b: 'true', c: '~', d: '12', e: 'bar', f: '' } } }],
    ['on a mapping, with a merge key', cm('b: &b {a: 1}\nx: !foo\n  <<: *b\n  c: 2\n'), { values: { '/x': { a: 1, c: 2 } } }],
    ['on a sequence', cm('x: !foo [1]\n'), { values: { '/x': [1] } }],
    ['on kind', 'apiVersion: v1\nkind: !k ConfigMap\nmetadata:\n  name: NAME\n', { values: { '/kind': 'ConfigMap' } }],
    ['duplicate keys in a tagged mapping', cm('x: !foo {a: 1, a: 2}\n'), { error: /^duplicated mapping key$/, line: 5 }],
  ],

  // kubectl refuses these too (kustomize always; `apply -f` for all but duplicates, see the report).
  'errors kubectl shares': [
    ['duplicate key', cm('data:\n  a: x\n  a: y\n'), { error: /^duplicated mapping key$/, line: 7 }],
    ['duplicate top-level key', cm('data: {}\ndata: {}\n'), { error: /^duplicated mapping key$/, line: 6 }],
    ['duplicate key in a flow mapping', cm('data: {a: x, a: y}\n'), { error: /^duplicated mapping key$/, line: 5 }],
    ['duplicate key: 1 and "1"', cm('data:\n  1: x\n  "1": y\n'), { error: /^duplicated mapping key$/, line: 7 }],
    ['duplicate key through an anchor', cm('data:\n  &a k: v\n  *a : w\n'), { error: /^duplicated mapping key$/, line: 7 }],
    ['tab indentation', cm('data:\n\ta: b\n'), { error: /^tab characters must not be used in indentation$/, line: 6 }],
    ['tab after the indentation', cm('data:\n  \ta: b\n'), { error: /./, line: 6 }],
    ['tab after `- ` before a flow sequence', cm('x:\n- \t[1]\n'), { error: /deficient indentation/, line: 6 }],
    ['multi-line quoted key', cm('data:\n  "a\nb": 1\n'), { error: /./, line: 7 }],
    ['plain continuation at the key column', cm('data:\n  a: one\n  two\n'), { error: /./, line: 7 }],
    ['plain continuation less indented', cm('data:\n  a: one\n two\n'), { error: /./, line: 7 }],
    ['value on the next line, less indented', cm('data:\n  a:\n b\n'), { error: /./, line: 7 }],
    ['unknown escape', cm('data:\n  a: "\\q"\n'), { error: /unknown escape sequence/, line: 6 }],
    ['two commas', cm('x: [1,,2]\n'), { error: /./, line: 5 }],
    ['merge of a scalar', cm('x:\n  <<: 1\n'), { error: /cannot merge/, line: 6 }],
    ['complex key', cm('data:\n  ? [a, b]\n  : c\n'), { error: /complex keys/, line: 1 }],
    ['character that cannot start a token', cm('x: @foo\n'), { error: /./, line: 5 }],
    ['unterminated quoted scalar', cm("x: 'a\n"), { error: /./, line: 6 }],
    // A deficient line fixed by the lenient reading does not hide a real error after it.
    ['duplicate key after relaxed flow content', cm("data:\n  a: 'one\ntwo'\n  b: 1\n  b: 2\n"), { error: /^duplicated mapping key$/, line: 9 }],
    ['tab indentation after relaxed flow content', cm("data:\n  a: 'one\ntwo'\n\tb: 1\n"), { error: /^tab characters must not be used in indentation$/, line: 8 }],
  ],

  // Both already read these the same way; kept here so a change to either side shows.
  'already the same': [
    ['nulls', cm('x:\n  a: ~\n  b: null\n  c: Null\n  d: NULL\n  e:\n  f: nUll\n'), { values: { '/x': { a: null, b: null, c: null, d: null, e: null, f: 'nUll' } } }],
    ['booleans', cm('x:\n  a: true\n  b: True\n  c: TRUE\n  d: false\n  e: tRue\n'), { values: { '/x': { a: true, b: true, c: true, d: false, e: 'tRue' } } }],
    // kustomize (kyaml) reads YAML 1.1 words as text, as js-yaml does; `apply -f` does not (see the report).
    ['YAML 1.1 words are text', cm('x:\n  a: yes\n  b: No\n  c: ON\n  d: off\n  e: y\n  f: n\n'), { values: { '/x': { a: 'yes', b: 'No', c: 'ON', d: 'off', e: 'y', f: 'n' } } }],
    ['YAML 1.1 words as keys', cm('data:\n  on: x\n  yes: y\n'), { values: { '/data': { on: 'x', yes: 'y' } } }],
    ['BOM', `\uFEFF${cm('data: {}\n')}`, { values: { '/data': {} } }],
    ['trailing blanks after a block scalar indicator', cm('data:\n  a: |   \n    x\n  b: |\t\n    y\n  c: | # c\n    z\n'), { values: { '/data': { a: 'x\n', b: 'y\n', c: 'z\n' } } }],
    ['tab after a key', cm('data:\n  a:\tb\n  c: d\t# e\n  f: g\t\n'), { values: { '/data': { a: 'b', c: 'd', f: 'g' } } }],
    ['tab in a block scalar', cm('data:\n  a: |\n    x\n    \ty\n'), { values: { '/data/a': 'x\n\ty\n' } }],
    ['plain continuation more indented', cm('data:\n  a: one\n     two\n\n     three\n'), { values: { '/data/a': 'one two\nthree' } }],
    ['a tab-led plain continuation', cm('data:\n  c: d\n   \te\n'), { values: { '/data/c': 'd e' } }],
    ['merge keys', cm('b1: &b1 {a: 1}\nb2: &b2 {b: 2}\nx:\n  <<: [*b1, *b2]\n  c: 3\n'), { values: { '/x': { a: 1, b: 2, c: 3 } } }],
    ['explicit key wins over a merged one', cm('x:\n  a: 0\n  <<: {a: 1}\n'), { values: { '/x': { a: 0 } } }],
    ['long line', cm(`data:\n  a: ${'x'.repeat(70000)}\n`), { values: { '/data/a': 'x'.repeat(70000) } }],
    ['flow trailing comma', cm('x: {a: 1,}\n'), { values: { '/x': { a: 1 } } }],
    ['flow implicit pair', cm('x: [a: 1, b]\n'), { values: { '/x': [{ a: 1 }, 'b'] } }],
    ['quoted and unicode escapes', cm('data:\n  a: "\\u00e9\\x41\\e\\0"\n'), { values: { '/data/a': 'éA\u001b\u0000' } }],
  ],
};

const cases: Case[] = Object.entries(groups).flatMap(([group, list]) => list.map(([name, text, expect]) => ({ name: `${group}: ${name}`, text, expect })));

function check(t: Test, c: Case, text: string) {
  const r = parseText(text, 'f.yaml');
  if ('error' in c.expect) {
    t.equal(r.objects.length, 0, `${c.name}: no object`);
    t.equal(r.errors.length, 1, `${c.name}: one error ${JSON.stringify(r.errors)}`);
    const e = r.errors[0];
    t.match(e, { file: 'f.yaml', document: 0, line: c.expect.line }, c.name);
    t.match(e?.message, c.expect.error, c.name);
    t.notMatch(e?.message, /\n/, `${c.name}: one line`);
    return;
  }
  t.same(r.errors, [], `${c.name}: no errors`);
  t.equal(r.objects.length, 1, `${c.name}: one object`);
  for (const [pointer, value] of Object.entries(c.expect.values)) t.same(at(r.objects[0]?.object, pointer), value, `${c.name} ${pointer}`);
}

t.test('disagreements between js-yaml and kubectl, decided by kubectl', async (t) => {
  for (const c of cases) check(t, c, c.text.replace(/NAME/g, 'x'));
});

t.test('the two corpus manifests kubectl runs', async (t) => {
  const pod = fixture('init-container-error-pod.yaml');
  const p = parseText(pod, 'pod.yaml');
  t.same(p.errors, []);
  t.equal(p.objects.length, 1);
  const o = p.objects[0];
  t.equal(
    (o.object as any).metadata.annotations['pod.beta.kubernetes.io/init-containers'],
    '[ { "name": "install", "image": "alpine:3.4", "command": ["/bin/sh", "-c", "exit 1"] } ]',
    'the multi-line single-quoted annotation, as kubectl reads it',
  );
  t.same((o.object as any).spec.containers[0].command, ['/bin/sh', '-c', 'echo Succeeded']);
  t.equal(o.line, lineWith(pod, 'apiVersion: v1'));
  t.equal(o.lineOf('/metadata/annotations/pod.beta.kubernetes.io~1init-containers'), lineWith(pod, 'pod.beta.kubernetes.io/init-containers'));
  t.equal(o.lineOf('/spec/containers/0/image'), lineWith(pod, 'image: alpine:3.4'), 'positions after the relaxed line');
  t.equal(o.lineOf('/spec/restartPolicy'), lineWith(pod, 'restartPolicy'));

  const ds = fixture('spire-agent-daemonset.yaml');
  const d = parseText(ds, 'ds.yaml');
  t.same(d.errors, []);
  t.equal(d.objects.length, 1);
  const spec = (d.objects[0].object as any).spec.template.spec;
  t.equal(d.objects[0].object.kind, 'DaemonSet');
  t.same(spec.containers.map((c: any) => c.name), ['spire-agent', 'spiffe-csi-driver', 'node-driver-registrar']);
  t.same(spec.containers[1].args, ['-workload-api-socket-dir', '/spire-agent-socket', '-csi-socket-path', '/spiffe-csi/csi.sock']);
  t.same(spec.containers[2].args, ['-csi-address', '/spiffe-csi/csi.sock', '-kubelet-registration-path', '/var/lib/kubelet/plugins/csi.spiffe.io/csi.sock']);
  const lines = ds.split('\n');
  const envLine = lines.findIndex((l, i) => i > lineWith(ds, '- name: spiffe-csi-driver') && l.includes('env:')) + 1;
  t.equal(d.objects[0].lineOf('/spec/template/spec/containers/1/env'), envLine, 'the key after the relaxed flow sequence');
  t.equal(d.objects[0].lineOf('/spec/template/spec/containers/2'), lineWith(ds, '- name: node-driver-registrar'));
  t.equal(d.objects[0].lineOf('/spec/template/spec/containers/1/args/3'), lineWith(ds, '"-csi-socket-path", "/spiffe-csi/csi.sock"'));
});

t.test('lineOf inside relaxed flow content', async (t) => {
  const text = cm("data:\n  a: 'one\ntwo'\n  b: [1,\n2,\n    3]\n  c: d\n").replace('NAME', 'x');
  const r = parseText(text, 'f.yaml');
  const o = r.objects[0];
  t.equal(o.lineOf('/data/a'), 6);
  t.equal(o.lineOf('/data/b'), 8);
  t.equal(o.lineOf('/data/b/1'), 9);
  t.equal(o.lineOf('/data/b/2'), 10);
  t.equal(o.lineOf('/data/c'), 11);
});

t.test('a multi-document file: only the document js-yaml refuses is read again', async (t) => {
  const text = [cm('data: {a: "1"}\n'), cm("data:\n  a: 'one\ntwo'\n"), cm('data:\n  a: b\n  a: c\n'), cm('data: {a: 0755}\n')]
    .map((d, i) => d.replace('NAME', `d${i}`))
    .join('---\n');
  const r = parseText(text, 'm.yaml');
  t.same(
    r.objects.map((o) => [o.document, (o.object as any).metadata.name, (o.object as any).data.a]),
    [
      [0, 'd0', '1'],
      [1, 'd1', 'one two'],
      [3, 'd3', 493],
    ],
  );
  t.match(r.errors, [{ document: 2, line: lineWith(text, '  a: c'), message: 'duplicated mapping key' }]);
});

t.test('JSON-looking documents are relaxed too', async (t) => {
  const r = parseText('  {"apiVersion": "v1", "kind": "ConfigMap",\n"metadata": {"name": "x"}, "data": {"a": "one\ntwo"}}\n', 'j.yaml');
  t.same(r.errors, []);
  t.same(r.objects[0]?.object, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'one two' } });
});

// Where the readers still differ, on purpose. kubectl's verdict is in each comment; oomguard keeps
// js-yaml's reading (see the report of issue 10 for why).
t.test('known differences, kept', async (t) => {
  const kept: Array<[string, string, 'object' | 'error']> = [
    // go-yaml refuses tabs at the start of a block line (even a blank or comment-only one) and
    // after `-`, `?` and an explicit `:`: "found character that cannot start any token".
    [cm('x:\n-\tb\n'), 'tab after `-`', 'object'],
    [cm('data:\n  a: "b"\n\t\n  c: d\n'), 'a line holding only a tab', 'object'],
    [cm('data:\n  c: "d"\n\t# hi\n  e: f\n'), 'a tab before a comment line', 'object'],
    [cm('data:\n  ? a\n  :\tb\n'), 'a tab after an explicit `:`', 'object'],
    // go-yaml refuses these; kubectl prints the error.
    [cm(`data:\n  ${'k'.repeat(1030)}: v\n`), 'an implicit key longer than 1024 characters', 'object'],
    [cm('data:\n  ~: a\n'), 'a null key', 'object'],
    [cm('data: {: v}\n'), 'an empty flow key', 'object'],
    [cm('x: {a\n  b: 1}\n'), 'a multi-line implicit key in a flow mapping', 'object'],
    [cm('data:\n  a: "\\/"\n'), 'the JSON escape \\/ in a YAML double-quoted scalar', 'object'],
    [cm('x: &a#c 1\n'), 'a `#` in an anchor name', 'object'],
    [cm('data:\n  a: b\u0085c\n'), 'NEL, a line break for go-yaml', 'object'],
    // Non-string keys: `apply -f` (sigs.k8s.io/yaml) makes them strings, as oomguard does ("493"
    // for 0755); kustomize refuses them ("json: unsupported type: map[interface {}]interface {}").
    [cm('data:\n  0755: a\n  1.5: b\n  true: c\n'), 'non-string keys', 'object'],
    // A flow mapping key without a value: null for `apply -f` and oomguard, "" for kustomize.
    [cm('x: {a, b: 2}\n'), 'a flow mapping key without a value', 'object'],
    // go-yaml accepts these; js-yaml does not know the tags (!!binary is pinned by parse.test.ts).
    [cm('x: !!binary aGVsbG8=\n'), '!!binary (kubectl: "hello")', 'error'],
    [cm('x: !!set {a, b}\n'), '!!set', 'error'],
    [cm('x: !!omap [a: 1]\n'), '!!omap', 'error'],
    [cm('x: !!timestamp 2001-12-14\n'), '!!timestamp', 'error'],
    [cm('x: !!foo bar\n'), 'an unknown !! tag (kubectl: "bar")', 'error'],
  ];
  for (const [text, name, want] of kept) {
    const r = parseText(text.replace('NAME', 'x'), 'k.yaml');
    if (want === 'object') t.same([r.objects.length, r.errors], [1, []], name);
    else t.same([r.objects.length, r.errors.length], [0, 1], name);
  }
});

// -----------------------------------------------------------------------------------------------
// The same cases put to kubectl, when it is installed.

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { maxBuffer: 1 << 26, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => (x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x));

const kubectl = process.env.OOMGUARD_KUBECTL ?? 'kubectl';
const probe = await run(kubectl, ['version', '--client']);
const skip = probe.code === 0 ? false : `kubectl is not installed (${kubectl}); the expected values above were taken from kubectl v1.32`;

t.test('live: kubectl kustomize reads each case as oomguard does', { skip }, async (t) => {
  const root = mkdtempSync(path.join(tmpdir(), 'oomguard-parity-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const named = cases.map((c, i) => ({ ...c, id: `case-${i}`, text: c.text.replace(/NAME/g, `case-${i}`) }));

  const kustomize = async (dir: string, files: Array<{ id: string; text: string }>) => {
    for (const f of files) writeFileSync(path.join(dir, `${f.id}.yaml`), f.text);
    writeFileSync(path.join(dir, 'kustomization.yaml'), `resources:\n${files.map((f) => `- ${f.id}.yaml\n`).join('')}`);
    return run(kubectl, ['kustomize', dir]);
  };

  // Every case oomguard reads, in one kustomization.
  const accepted = named.filter((c) => !('error' in c.expect));
  const dir = mkdtempSync(path.join(root, 'ok-'));
  const all = await kustomize(dir, accepted);
  t.equal(all.code, 0, `kubectl reads every case oomguard reads ${all.stderr.split('\n')[0]}`);
  if (all.code === 0) {
    const byName = new Map<string, unknown>();
    for (const o of loadAll(all.stdout) as any[]) byName.set(o?.metadata?.name, o);
    for (const c of accepted) {
      const mine = parseText(c.text, 'f.yaml').objects[0]?.object;
      t.equal(canonical(mine), canonical(byName.get(c.id)), c.name);
    }
  }

  // Every case oomguard refuses, one kustomization each.
  const refused = named.filter((c) => 'error' in c.expect);
  const results = await Promise.all(refused.map((c) => kustomize(mkdtempSync(path.join(root, 'err-')), [c])));
  refused.forEach((c, i) => t.not(results[i].code, 0, `kubectl refuses it too: ${c.name}`));
});
