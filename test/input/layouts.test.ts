import t from 'tap';
import { isKustomizationFile, kustomizationNonResources, skippedNotes } from '../../src/input/layouts.js';
import type { SkippedInput } from '../../src/input/layouts.js';

t.test('the names kustomize reads as a kustomization', async (t) => {
  for (const name of ['kustomization.yaml', 'kustomization.yml', 'Kustomization']) t.ok(isKustomizationFile(name), name);
  for (const name of ['Kustomization.yaml', 'kustomization.json', 'my-kustomization.yaml', 'kustomization']) t.notOk(isKustomizationFile(name), name);
});

t.test('kustomizationNonResources: the files a kustomization names that are no resources', async (t) => {
  const cases: Array<[string, unknown, string[]]> = [
    ['not a mapping', ['a.yaml'], []],
    ['empty', null, []],
    ['resources only', { resources: ['deployment.yaml', '../base'] }, []],
    [
      'every kind of reference, in order',
      {
        resources: ['deployment.yaml'],
        patchesStrategicMerge: ['memory.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: inline\n'],
        patchesJson6902: [{ target: { kind: 'Deployment', name: 'web' }, path: 'json-patch.yaml' }],
        patches: [{ path: 'patch.yaml', target: { kind: 'Deployment' } }, { patch: '- op: add\n  path: /x\n  value: 1\n' }],
        replacements: [{ path: 'replacement.yaml' }, { source: { kind: 'ConfigMap' } }],
        configurations: ['transformer.yaml'],
        crds: ['crd-schema.json'],
      },
      ['memory.yaml', 'json-patch.yaml', 'patch.yaml', 'replacement.yaml', 'transformer.yaml', 'crd-schema.json'],
    ],
    ['odd values are ignored', { patches: 'patch.yaml', patchesStrategicMerge: [1, null, ''], patchesJson6902: [{ path: 3 }], configurations: {} }, []],
    ['files elsewhere', { patches: [{ path: '../common/patch.yaml' }] }, ['../common/patch.yaml']],
  ];
  for (const [name, doc, want] of cases) t.strictSame(kustomizationNonResources(doc), want, name);
});

t.test('skippedNotes: a line per chart and per kustomization, with the command that lints what it renders', async (t) => {
  const cases: Array<[string, SkippedInput[], string[]]> = [
    ['nothing', [], []],
    [
      'a chart',
      [{ kind: 'helm-chart', path: 'charts/app' }],
      ['charts/app is a Helm chart, not linted as files: lint what it renders with helm template charts/app | oomguard lint -'],
    ],
    [
      'a kustomization alone',
      [{ kind: 'kustomization', path: 'deploy/base/kustomization.yaml', dir: 'deploy/base' }],
      ['deploy/base/kustomization.yaml is a Kustomize file, not linted: lint what the kustomization renders with kubectl kustomize deploy/base | oomguard lint -'],
    ],
    [
      'a kustomization and its patches, named as it names them; a patch elsewhere keeps its path',
      [
        { kind: 'kustomize-file', path: 'overlay/a.yaml', kustomization: 'overlay/kustomization.yaml', dir: 'overlay' },
        { kind: 'helm-chart', path: 'chart' },
        { kind: 'kustomization', path: 'overlay/kustomization.yaml', dir: 'overlay' },
        { kind: 'kustomize-file', path: 'common/b.yaml', kustomization: 'overlay/kustomization.yaml', dir: 'overlay' },
      ],
      [
        'overlay/kustomization.yaml and the 2 files it names as patches or configuration (a.yaml, common/b.yaml) are not linted: lint what the kustomization renders with kubectl kustomize overlay | oomguard lint -',
        'chart is a Helm chart, not linted as files: lint what it renders with helm template chart | oomguard lint -',
      ],
    ],
    [
      'patches given without their kustomization (a pre-commit hook passes files)',
      [{ kind: 'kustomize-file', path: 'overlay/a.yaml', kustomization: 'overlay/kustomization.yaml', dir: 'overlay' }],
      ['overlay/a.yaml is named in overlay/kustomization.yaml as a patch or configuration, not linted: lint what the kustomization renders with kubectl kustomize overlay | oomguard lint -'],
    ],
    [
      'in the current folder, and paths the shell must quote',
      [
        { kind: 'kustomization', path: 'kustomization.yaml', dir: '.' },
        { kind: 'kustomize-file', path: 'p.yaml', kustomization: 'kustomization.yaml', dir: '.' },
        { kind: 'helm-chart', path: "my chart's" },
      ],
      [
        'kustomization.yaml and the file it names as patches or configuration (p.yaml) are not linted: lint what the kustomization renders with kubectl kustomize . | oomguard lint -',
        `my chart's is a Helm chart, not linted as files: lint what it renders with helm template 'my chart'\\''s' | oomguard lint -`,
      ],
    ],
  ];
  for (const [name, skipped, want] of cases) t.strictSame(skippedNotes(skipped), want, name);
});
