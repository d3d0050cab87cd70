// ParseOptions.objectsWithoutPod: 'identity' (what lint parses with) must report exactly what the
// whole parse reports: the same errors, the same objects at the same places, every object that
// holds a pod (and every LimitRange and List item) built whole, and the others reduced to
// apiVersion, kind and metadata, equal to the whole object's.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseText } from '../../src/input/parse.js';
import { collectInputs } from '../../src/input/read.js';
import type { ParseResult } from '../../src/input/parse.js';
import { locatePod } from '../../src/engine/extract-workloads.js';
import { corpusDir } from '../helpers/run-cli.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** Whether an object must be built whole: it holds a pod, is a LimitRange, or is a List's item. */
const builtWhole = (o: ParseResult['objects'][number]) => o.itemPointer !== '' || o.object.kind === 'LimitRange' || locatePod(o.object) !== null;

const identityKeys = new Set(['apiVersion', 'kind', 'metadata']);

/** Both parses of `text`, compared: what differs (empty when nothing does), and how many objects were reduced. */
function compare(text: string, file: string): { differences: string[]; reduced: number } {
  const whole = parseText(text, file);
  const brief = parseText(text, file, { objectsWithoutPod: 'identity' });
  const differences: string[] = [];
  const differ = (what: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) differences.push(`${file}: ${what}: ${JSON.stringify(a)} instead of ${JSON.stringify(b)}`);
  };
  differ('errors', brief.errors, whole.errors);
  differ('number of objects', brief.objects.length, whole.objects.length);
  let reduced = 0;
  whole.objects.forEach((w, i) => {
    const b = brief.objects[i];
    if (b === undefined) return;
    differ(`object ${i}: place`, [b.document, b.itemPointer, b.line], [w.document, w.itemPointer, w.line]);
    if (builtWhole(w) || Object.keys(b.object).length === Object.keys(w.object).length) {
      differ(`object ${i} (${String(w.object.kind)}), built whole`, b.object, w.object);
      return;
    }
    reduced++;
    const picked: Record<string, unknown> = {};
    for (const k of Object.keys(w.object)) if (identityKeys.has(k)) picked[k] = w.object[k];
    differ(`object ${i}, reduced to its identity`, b.object, picked);
  });
  return { differences, reduced };
}

/** Every manifest below `dir`, as lint lists them. */
function manifestsBelow(dir: string): string[] {
  return collectInputs([dir], { cwd: dir, exclude: () => false }).flatMap((item) => (item.kind === 'file' ? [item.file.abs] : []));
}

const cm = (body: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n${body}`;

t.test('documents that are built whole, and the errors that stay the same', async (t) => {
  // [name, text, whether its one object is reduced]
  const cases: Array<[string, string, boolean]> = [
    ['a ConfigMap', cm('data:\n  a: "1"\n  b: |\n    text\n'), true],
    ['duplicate key deep inside', cm('data:\n  a: x\n  b: y\n  a: z\n'), false],
    ['duplicate key among many (a Set checks them)', cm(`data:\n${Array.from({ length: 40 }, (_, i) => `  k${i}: v\n`).join('')}  k7: again\n`), false],
    ['keys equal once resolved (1 and "1")', cm('data:\n  1: a\n  "1": b\n'), false],
    ['keys equal once resolved (null and ~)', cm('data:\n  null: a\n  ~: b\n'), false],
    ['keys equal once resolved ("true" and True)', cm('data:\n  "true": a\n  True: b\n'), false],
    ['.inf as a value', cm('spec:\n  ratio: .inf\n'), false],
    ['-.Inf in a sequence', cm('spec:\n  - -.Inf\n'), false],
    ['.nan as a key', cm('data:\n  .nan: x\n'), false],
    ['quoted .inf is text', cm('data:\n  a: ".inf"\n'), true],
    ['a tag', cm('data:\n  a: !!str 1\n'), false],
    ['a local tag', cm('data: !custom\n  a: b\n'), false],
    ['an anchor and an alias', cm('data:\n  a: &x y\n  b: *x\n'), false],
    ['a merge key', cm('base: &b\n  x: 1\ndata:\n  <<: *b\n'), false],
    ['a complex key', cm('data:\n  ? [a, b]\n  : c\n'), false],
    ['a flow mapping', '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "n"}, "spec": {"ports": [{"port": 80}]}}', true],
    ['metadata empty', 'apiVersion: v1\nkind: Namespace\nmetadata:\nspec: {}\n', true],
    ['metadata a string', 'apiVersion: v1\nkind: Namespace\nmetadata: oops\nspec: {}\n', true],
    ['no metadata', 'apiVersion: v1\nkind: Namespace\nspec: {}\n', true],
    ['a custom kind with a pod template', 'apiVersion: x/v1\nkind: Thing\nspec:\n  template:\n    spec:\n      containers: []\n', false],
    ['a custom kind with spec.template of another shape', 'apiVersion: x/v1\nkind: Thing\nspec:\n  template: 3\n', false],
    ['template elsewhere', 'apiVersion: x/v1\nkind: Thing\nspec:\n  other:\n    template: 3\ntemplate: 4\n', true],
    ['a Pod', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: []\n', false],
    ['a CronJob', 'apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  schedule: x\n', false],
    ['a LimitRange', 'apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: l\nspec:\n  limits: []\n', false],
    ['a List', 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n  data: {}\n', false],
    ['a ServiceList without items', 'apiVersion: v1\nkind: ServiceList\nmetadata: {}\n', false],
    ['kind not a string', 'apiVersion: v1\nkind: 3\nmetadata:\n  name: x\n', false],
    ['kind a mapping', 'apiVersion: v1\nkind: {a: 1}\n', false],
    ['apiVersion empty', 'apiVersion: ""\nkind: ConfigMap\n', false],
    ['kind missing', 'apiVersion: v1\nmetadata:\n  name: x\n', false],
    ['not a mapping', '- a\n- b\n', false],
    ['several documents', `${cm('data: {}\n')}---\n${cm('data:\n  a: 1\n  a: 2\n')}---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n`, true],
  ];
  for (const [name, text, reduced] of cases) {
    t.test(name, async (t) => {
      const r = compare(text, `${name}.yaml`);
      t.same(r.differences, [], 'both parses agree');
      t.equal(r.reduced > 0, reduced, reduced ? 'reduced' : 'built whole');
    });
  }
});

t.test('every fixture', async (t) => {
  const files = manifestsBelow(fixtures);
  t.ok(files.length > 20, `${files.length} fixtures`);
  const differences = files.flatMap((f) => compare(readFileSync(f, 'utf8'), path.relative(fixtures, f)).differences);
  t.same(differences, [], 'both parses agree on every fixture');
});

t.test('every manifest of the corpus', { skip: existsSync(corpusDir) ? false : `no corpus at ${corpusDir} (../shared is absent)` }, async (t) => {
  const files = manifestsBelow(corpusDir);
  let reduced = 0;
  const differences: string[] = [];
  for (const f of files) {
    const r = compare(readFileSync(f, 'utf8'), path.relative(corpusDir, f));
    reduced += r.reduced;
    differences.push(...r.differences);
  }
  t.same(differences, [], 'both parses agree on every manifest');
  t.ok(reduced > 1000, `${reduced} objects without a pod reduced, in ${files.length} files`);
});
