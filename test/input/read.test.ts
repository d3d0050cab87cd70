import t from 'tap';
import { chmodSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readInputs } from '../../src/input/read.js';
import type { ReadOptions } from '../../src/input/read.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'input');
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

function options(cwd: string, over: Partial<ReadOptions> = {}): ReadOptions {
  return {
    cwd,
    stdin: async () => {
      throw new Error('stdin not expected');
    },
    maxFileBytes: 1024 * 1024,
    exclude: () => false,
    ...over,
  };
}

const names = (objects: Array<{ object: Record<string, unknown> }>) =>
  objects.map((o) => (o.object.metadata as { name: string }).name);

t.test('a folder is walked recursively in name order, picking *.yaml, *.yml and *.json', async (t) => {
  const root = t.testdir({
    manifests: {
      'b.yaml': cm('b'),
      'a.yml': cm('a'),
      'c.json': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }),
      'd.txt': cm('not-read'),
      'e.YML': cm('e'),
      aa: { 'z.yaml': cm('aa-z'), deeper: { 'y.yaml': cm('aa-deeper-y') } },
      '.git': { 'config.yaml': cm('hidden-dir') },
      '.oomguard.yaml': 'rules: {}\n',
      node_modules: { pkg: { 'chart.yaml': cm('node-modules') } },
      'README.md': '# not a manifest\n',
    },
  });
  const r = await readInputs(['manifests'], options(root));
  t.same(r.errors, []);
  t.same(r.files, ['manifests/a.yml', 'manifests/aa/deeper/y.yaml', 'manifests/aa/z.yaml', 'manifests/b.yaml', 'manifests/c.json', 'manifests/e.YML']);
  t.same(names(r.objects), ['a', 'aa-deeper-y', 'aa-z', 'b', 'c', 'e']);
  t.same(
    r.objects.map((o) => o.file),
    r.files,
  );

  for (const given of ['manifests/', './manifests', 'manifests/aa/..']) {
    const again = await readInputs([given], options(root));
    t.same(again.files, r.files, `${given}: paths joined and normalised`);
  }
  const abs = await readInputs([path.join(root, 'manifests')], options('/'));
  t.same(
    abs.files,
    r.files.map((f) => path.join(root, f)),
    'an absolute folder gives absolute paths',
  );
  const inside = await readInputs(['.'], options(path.join(root, 'manifests', 'aa')));
  t.same(inside.files, ['deeper/y.yaml', 'z.yaml'], '"." gives paths relative to it');
});

t.test('paths are taken in the order given; a file is read whatever its extension; duplicates once', async (t) => {
  const root = t.testdir({
    'one.yaml': cm('one'),
    'two.txt': cm('two'),
    dir: { 'three.yaml': cm('three') },
  });
  const r = await readInputs(['two.txt', 'dir', 'one.yaml', 'dir/three.yaml', './one.yaml'], options(root));
  t.same(r.errors, []);
  t.same(r.files, ['two.txt', 'dir/three.yaml', 'one.yaml']);
  t.same(names(r.objects), ['two', 'three', 'one']);
});

t.test('exclude removes files and whole folders and gets absolute paths', async (t) => {
  const root = t.testdir({
    k8s: {
      'keep.yaml': cm('keep'),
      'drop.yaml': cm('drop'),
      vendor: { 'v.yaml': cm('vendor') },
      sub: { 'also-keep.yaml': cm('also-keep') },
    },
    'explicit.yaml': cm('explicit'),
  });
  const seen: string[] = [];
  const exclude = (file: string) => {
    seen.push(file);
    return file.endsWith(`${path.sep}drop.yaml`) || file.endsWith(`${path.sep}vendor`) || file.endsWith('explicit.yaml');
  };
  const r = await readInputs(['k8s', 'explicit.yaml'], options(root, { exclude }));
  t.same(r.errors, []);
  t.same(r.files, ['k8s/keep.yaml', 'k8s/sub/also-keep.yaml']);
  t.ok(seen.every((f) => path.isAbsolute(f)), 'absolute paths');
  t.notOk(seen.some((f) => f.includes(`vendor${path.sep}`)), 'an excluded folder is not entered');

  const all = await readInputs(['k8s'], options(root, { exclude: (f) => f.endsWith('.yaml') }));
  t.same(all.errors, [], 'a folder whose manifests are all excluded is not an error');
  t.same(all.files, []);
});

t.test('missing paths, folders without manifests, unreadable files', async (t) => {
  const root = t.testdir({
    'good.yaml': cm('good'),
    empty: {},
    docs: { 'README.md': '# hi\n', '.hidden.yaml': cm('hidden') },
  });
  const r = await readInputs(['nope.yaml', 'good.yaml', 'empty', 'docs', 'missing/dir/'], options(root));
  t.same(r.errors, [
    { file: 'nope.yaml', document: null, line: null, message: 'no such file or directory' },
    { file: 'empty', document: null, line: null, message: 'no YAML or JSON files found (looked for *.yaml, *.yml, *.json)' },
    { file: 'docs', document: null, line: null, message: 'no YAML or JSON files found (looked for *.yaml, *.yml, *.json)' },
    { file: 'missing/dir/', document: null, line: null, message: 'no such file or directory' },
  ]);
  t.same(r.files, ['good.yaml'], 'the good file is still read');
  t.same(names(r.objects), ['good']);

  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  t.test('a file without read permission', { skip: isRoot || process.platform === 'win32' ? 'permissions do not apply' : false }, async (t) => {
    const dir = t.testdir({ 'locked.yaml': cm('locked') });
    chmodSync(path.join(dir, 'locked.yaml'), 0o000);
    const locked = await readInputs(['locked.yaml'], options(dir));
    t.same(locked.errors, [{ file: 'locked.yaml', document: null, line: null, message: 'permission denied' }]);
    t.same(locked.files, []);
  });
});

t.test('size cap: larger files are reported without being read', async (t) => {
  const small = cm('small');
  const root = t.testdir({
    dir: { 'big.yaml': cm('big') + '#'.repeat(200) + '\n', 'small.yaml': small },
  });
  const max = Buffer.byteLength(small);
  const bigSize = Buffer.byteLength(cm('big') + '#'.repeat(200) + '\n');
  const r = await readInputs(['dir'], options(root, { maxFileBytes: max }));
  t.same(r.errors, [
    { file: 'dir/big.yaml', document: null, line: null, message: `file is ${bigSize} bytes, over the --max-file-size limit of ${max} bytes` },
  ]);
  t.same(r.files, ['dir/small.yaml'], 'a file of exactly the limit is read');
  t.same(names(r.objects), ['small']);
});

t.test('stdin: read once through opts.stdin, named <stdin>, capped', async (t) => {
  let calls = 0;
  const stdin = async () => {
    calls++;
    return `${cm('from-stdin')}---\nkind: Broken\n`;
  };
  const root = t.testdir({ 'f.yaml': cm('file') });
  const r = await readInputs(['-', 'f.yaml', '-'], options(root, { stdin }));
  t.equal(calls, 1, 'read once even if given twice');
  t.same(r.files, ['<stdin>', 'f.yaml']);
  t.same(
    r.objects.map((o) => [o.file, o.document, (o.object.metadata as { name: string }).name]),
    [
      ['<stdin>', 0, 'from-stdin'],
      ['f.yaml', 0, 'file'],
    ],
  );
  t.match(r.errors, [{ file: '<stdin>', document: 1, line: 6, message: /missing apiVersion/ }]);

  const big = await readInputs(['-'], options(root, { stdin: async () => 'x'.repeat(11), maxFileBytes: 10 }));
  t.same(big.errors, [{ file: '<stdin>', document: null, line: null, message: 'standard input is 11 bytes, over the --max-file-size limit of 10 bytes' }]);
  t.same(big.objects, []);

  const failing = await readInputs(['-'], options(root, { stdin: async () => Promise.reject(new Error('EPIPE: broken pipe\nmore')) }));
  t.same(failing.errors, [{ file: '<stdin>', document: null, line: null, message: 'cannot read standard input: EPIPE: broken pipe' }]);
});

t.test('binary files and encodings', async (t) => {
  const root = t.testdir({
    'nul.yaml': Buffer.from(`${cm('nul')}\0\0\0`),
    'latin1.yaml': Buffer.concat([Buffer.from(cm('latin1')), Buffer.from('data:\n  a: caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
    'image.yaml': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]),
    'bom.yaml': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(cm('utf8-bom'))]),
    'utf16.yaml': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(cm('utf16le').replace(/\n/g, '\r\n'), 'utf16le')]),
    'crlf.yaml': cm('crlf').replace(/\n/g, '\r\n') + 'data:\r\n  k: v\r\n',
  });
  const r = await readInputs(['nul.yaml', 'latin1.yaml', 'image.yaml', 'bom.yaml', 'utf16.yaml', 'crlf.yaml'], options(root));
  t.same(
    r.errors.map((e) => [e.file, e.document, e.line]),
    [
      ['nul.yaml', null, null],
      ['latin1.yaml', null, null],
      ['image.yaml', null, null],
    ],
  );
  for (const e of r.errors) t.match(e.message, /^binary file/, e.file);
  t.same(names(r.objects), ['utf8-bom', 'utf16le', 'crlf']);
  t.same(r.objects[0].object.apiVersion, 'v1', 'BOM stripped');
  t.equal(r.objects[2].lineOf('/data/k'), 6);
  t.same(r.files, ['nul.yaml', 'latin1.yaml', 'image.yaml', 'bom.yaml', 'utf16.yaml', 'crlf.yaml'], 'binary files were read');
});

t.test('symbolic links: followed, loops do not hang, broken links reported', { skip: process.platform === 'win32' }, async (t) => {
  const root = t.testdir({
    tree: {
      'a.yaml': cm('a'),
      sub: { 'b.yaml': cm('b') },
    },
    elsewhere: { 'c.yaml': cm('c') },
  });
  symlinkSync('..', path.join(root, 'tree', 'sub', 'up'));
  symlinkSync(path.join(root, 'tree'), path.join(root, 'tree', 'self'));
  symlinkSync(path.join(root, 'elsewhere'), path.join(root, 'tree', 'linked'));
  symlinkSync(path.join(root, 'elsewhere', 'c.yaml'), path.join(root, 'tree', 'c-link.yaml'));
  symlinkSync(path.join(root, 'nowhere.yaml'), path.join(root, 'tree', 'dangling.yaml'));
  const r = await readInputs(['tree'], options(root));
  t.same(r.files, ['tree/a.yaml', 'tree/c-link.yaml', 'tree/sub/b.yaml'], 'each real file once, loops cut');
  t.same(r.errors, [{ file: 'tree/dangling.yaml', document: null, line: null, message: 'no such file or directory (broken symbolic link)' }]);
});

t.test('parse errors carry the path as given', async (t) => {
  const root = t.testdir({
    k8s: { 'multi.yaml': readFileSync(path.join(fixtures, 'multi.yaml'), 'utf8') },
  });
  writeFileSync(path.join(root, 'k8s', 'tabs.yaml'), 'apiVersion: v1\nkind: ConfigMap\ndata:\n\tk: v\n');
  const r = await readInputs(['k8s/'], options(root));
  t.same(r.files, ['k8s/multi.yaml', 'k8s/tabs.yaml']);
  t.match(r.errors, [
    { file: 'k8s/multi.yaml', document: 4, message: 'bad indentation of a mapping entry' },
    { file: 'k8s/multi.yaml', document: 7 },
    { file: 'k8s/tabs.yaml', document: 0, line: 4, message: 'tab characters must not be used in indentation' },
  ]);
  t.equal(r.objects.length, 4);
});

t.test('Helm charts and kustomizations: left out as no manifests, each once, in order', async (t) => {
  const deploy = (name: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n`;
  const root = t.testdir({
    repo: {
      'a.yaml': cm('a'),
      charts: {
        app: {
          'Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n',
          'values.yaml': 'replicas: 1\n',
          templates: { 'deployment.yaml': 'metadata:\n  name: {{ include "app.fullname" . }}\n' },
        },
      },
      base: {
        'deployment.yaml': deploy('web'),
        // No apiVersion or kind, as kustomizations are often written.
        'kustomization.yaml': 'resources:\n  - deployment.yaml\n',
      },
      overlay: {
        // Before its kustomization in name order, and a JSON patch (a sequence).
        'json-patch.yaml': '- op: add\n  path: /spec/replicas\n  value: 3\n',
        'kustomization.yml': 'resources: [../base, extra.yaml]\npatches:\n  - path: json-patch.yaml\n    target: {kind: Deployment}\n  - path: ../shared/memory.yaml\npatchesStrategicMerge: [smp.yaml]\n',
        'smp.yaml': `${deploy('web')}spec:\n  template:\n    spec:\n      containers:\n        - name: app\n          resources: {limits: {memory: 1Gi}}\n`,
        'extra.yaml': cm('extra'),
      },
      // A patch in another folder, found before the kustomization that names it.
      shared: { 'memory.yaml': deploy('web') },
      broken: { 'kustomization.yaml': 'resources: [\n', 'p.yaml': cm('p') },
    },
  });
  const r = await readInputs(['repo'], options(root));
  t.same(r.errors, []);
  t.same(r.files, ['repo/a.yaml', 'repo/base/deployment.yaml', 'repo/broken/p.yaml', 'repo/overlay/extra.yaml']);
  t.same(r.skipped, [
    { kind: 'kustomization', path: 'repo/base/kustomization.yaml', dir: 'repo/base' },
    { kind: 'kustomization', path: 'repo/broken/kustomization.yaml', dir: 'repo/broken' },
    { kind: 'helm-chart', path: 'repo/charts/app' },
    { kind: 'kustomize-file', path: 'repo/overlay/json-patch.yaml', kustomization: 'repo/overlay/kustomization.yml', dir: 'repo/overlay' },
    { kind: 'kustomization', path: 'repo/overlay/kustomization.yml', dir: 'repo/overlay' },
    { kind: 'kustomize-file', path: 'repo/overlay/smp.yaml', kustomization: 'repo/overlay/kustomization.yml', dir: 'repo/overlay' },
    { kind: 'kustomize-file', path: 'repo/shared/memory.yaml', kustomization: 'repo/overlay/kustomization.yml', dir: 'repo/overlay' },
  ]);

  // Files given one by one (as a pre-commit hook passes them): the chart they are in, once.
  const files = await readInputs(
    ['repo/charts/app/templates/deployment.yaml', 'repo/charts/app/values.yaml', 'repo/overlay/smp.yaml', 'repo/overlay/extra.yaml', 'repo/base/kustomization.yaml'],
    options(root),
  );
  t.same(files.errors, []);
  t.same(files.files, ['repo/overlay/extra.yaml']);
  t.same(files.skipped, [
    { kind: 'helm-chart', path: 'repo/charts/app' },
    { kind: 'kustomize-file', path: 'repo/overlay/smp.yaml', kustomization: 'repo/overlay/kustomization.yml', dir: 'repo/overlay' },
    { kind: 'kustomization', path: 'repo/base/kustomization.yaml', dir: 'repo/base' },
  ]);

  const chartOnly = await readInputs(['repo/charts/app/templates'], options(root));
  t.same([chartOnly.errors, chartOnly.files, chartOnly.skipped], [[], [], [{ kind: 'helm-chart', path: 'repo/charts/app' }]], 'a folder inside a chart: the chart, and no "no YAML files found" error');
  const inside = await readInputs(['.'], options(path.join(root, 'repo', 'charts', 'app')));
  t.same(inside.skipped, [{ kind: 'helm-chart', path: '.' }], 'the chart the current folder is');

  const excluded = await readInputs(['repo'], options(root, { exclude: (abs) => /charts|overlay/.test(abs) }));
  t.notOk(excluded.skipped.some((s) => /charts|overlay/.test(s.path)), 'what is excluded is not noted either');
});
