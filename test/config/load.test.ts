// .oomguard.yaml: the accepted forms, each one-line error, discovery, excludes and options.
import t from 'tap';
import path from 'node:path';
import { defineRule } from '../../rules/define-rule.js';
import type { AnyRule } from '../../rules/index.js';
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load.js';
import { buildConfigSchema, configValidator } from '../../src/config/schema.js';
import { MODELLED_GATES } from '../../src/core/versions.js';

const noop = () => [];

const fakeRules: readonly AnyRule[] = [
  defineRule({
    meta: {
      id: 'memory-limit-missing',
      severity: 'error',
      description: 'x.',
      remediation: 'x.',
      docs: '',
      options: { type: 'object', properties: {}, additionalProperties: false },
      defaultOptions: {},
      messages: { m: 'm' },
      fixable: false,
    },
    check: noop,
  }),
  defineRule({
    meta: {
      id: 'memory-request-missing',
      severity: 'error',
      description: 'x.',
      remediation: 'x.',
      docs: '',
      options: { type: 'object', properties: {}, additionalProperties: false },
      defaultOptions: {},
      messages: { m: 'm' },
      fixable: false,
    },
    check: noop,
  }),
  defineRule<{ maxRatio: number; perPod: boolean }, 'm'>({
    meta: {
      id: 'memory-limit-request-ratio',
      severity: 'warning',
      description: 'x.',
      remediation: 'x.',
      docs: '',
      options: {
        type: 'object',
        properties: { maxRatio: { type: 'number', minimum: 1 }, perPod: { type: 'boolean' } },
        additionalProperties: false,
      },
      defaultOptions: { maxRatio: 2, perPod: true },
      messages: { m: 'm' },
      fixable: false,
    },
    check: noop,
  }),
  defineRule<{ minimum: string }, 'm'>({
    meta: {
      id: 'qos-class',
      severity: 'off',
      description: 'x.',
      remediation: 'x.',
      docs: '',
      options: {
        type: 'object',
        properties: { minimum: { enum: ['Burstable', 'Guaranteed'] } },
        additionalProperties: false,
      },
      defaultOptions: { minimum: 'Burstable' },
      messages: { m: 'm' },
      fixable: false,
    },
    check: noop,
  }),
  defineRule({
    meta: {
      id: 'best-effort-pod',
      severity: 'error',
      description: 'x.',
      remediation: 'x.',
      docs: '',
      options: { type: 'object', properties: {}, additionalProperties: false },
      defaultOptions: {},
      messages: { m: 'm' },
      fixable: false,
    },
    check: noop,
  }),
];

const cwd = path.resolve('/work/project');
const file = path.join(cwd, '.oomguard.yaml');
const parse = (text: string, name: string = file) => parseConfig(text, name, fakeRules, { cwd });
const settings = (text: string) => Object.fromEntries(parse(text).ruleSettings);

t.test('the README example', async (t) => {
  const c = parse(`\
kubernetesVersion: "1.31"        # quote it
featureGates:
  PodLevelResources: true
node:
  memory: 16Gi
namespace: team-a
limitRanges: limitranges.yaml
rules:
  memory-limit-missing: off
  memory-limit-request-ratio: { severity: warning, options: { maxRatio: 4 } }
  qos-class: [error, { minimum: Guaranteed }]
  best-effort-pod: warning
exclude:
  - "charts/**"
`);
  t.equal(c.path, file);
  t.equal(c.dir, cwd);
  t.equal(c.kubernetesVersion, '1.31');
  t.same(c.featureGates, { PodLevelResources: true });
  t.same(c.node, { memory: '16Gi' });
  t.equal(c.namespace, 'team-a');
  t.same(c.limitRanges, [path.join(cwd, 'limitranges.yaml')]);
  t.same(Object.fromEntries(c.ruleSettings), {
    'memory-limit-missing': { severity: 'off', options: {} },
    'memory-limit-request-ratio': { severity: 'warning', options: { maxRatio: 4, perPod: true } },
    'qos-class': { severity: 'error', options: { minimum: 'Guaranteed' } },
    'best-effort-pod': { severity: 'warning', options: {} },
  });
  t.equal(c.isExcluded(path.join(cwd, 'charts/app/templates/deploy.yaml')), true);
  t.equal(c.isExcluded(path.join(cwd, 'apps/deploy.yaml')), false);
});

t.test('rule setting forms and options merged over the defaults', async (t) => {
  const cases: Array<[string, string, { severity: string; options: unknown }]> = [
    ['severity only', 'error', { severity: 'error', options: { maxRatio: 2, perPod: true } }],
    ['info', 'info', { severity: 'info', options: { maxRatio: 2, perPod: true } }],
    ['off', 'off', { severity: 'off', options: { maxRatio: 2, perPod: true } }],
    ['[severity]', '[error]', { severity: 'error', options: { maxRatio: 2, perPod: true } }],
    ['[severity, options]', '[info, { maxRatio: 3 }]', { severity: 'info', options: { maxRatio: 3, perPod: true } }],
    ['{ severity, options }', '{ severity: error, options: { perPod: false } }', { severity: 'error', options: { maxRatio: 2, perPod: false } }],
    ['{ severity }', '{ severity: info }', { severity: 'info', options: { maxRatio: 2, perPod: true } }],
    ['{ options } keeps the default severity', '{ options: { maxRatio: 1.5 } }', { severity: 'warning', options: { maxRatio: 1.5, perPod: true } }],
    ['{} keeps everything', '{}', { severity: 'warning', options: { maxRatio: 2, perPod: true } }],
  ];
  for (const [name, yaml, want] of cases) {
    t.same(settings(`rules:\n  memory-limit-request-ratio: ${yaml}\n`)['memory-limit-request-ratio'], want, name);
  }
  // The defaults object is copied, never handed out (a rule may not see another config's edits).
  const a = settings('rules:\n  memory-limit-request-ratio: error\n')['memory-limit-request-ratio'];
  t.not(a.options, fakeRules[2].meta.defaultOptions);
  t.same(fakeRules[2].meta.defaultOptions, { maxRatio: 2, perPod: true });
  t.same(parse('rules:\n  qos-class: error\n').ruleSettings.size, 1, 'only rules named in the config get a setting');
});

t.test('empty and near-empty files are an empty config', async (t) => {
  for (const text of ['', '\n\n', '# nothing yet\n', '\uFEFF', '---\n', 'null\n', '{}', 'rules:\nexclude:\nfeatureGates:\nnode:\n']) {
    const c = parse(text);
    t.equal(c.path, file, JSON.stringify(text));
    t.equal(c.ruleSettings.size, 0);
    t.equal(c.kubernetesVersion, undefined);
    t.equal(c.isExcluded(path.join(cwd, 'a.yaml')), false);
  }
});

t.test('valid scalar forms', async (t) => {
  t.equal(parse('kubernetesVersion: v1.29.3\n').kubernetesVersion, '1.29', 'normalised by parseKubernetesVersion');
  t.same(parse('featureGates: { SidecarContainers: false, PodLevelResources: true }\n').featureGates, {
    SidecarContainers: false,
    PodLevelResources: true,
  });
  t.same(parse('node: { memory: 17179869184 }\n').node, { memory: '17179869184' }, 'a plain number of bytes');
  t.same(parse('node:\n  file: ../nodes/prod.yaml\n').node, { file: path.resolve(cwd, '../nodes/prod.yaml') });
  t.same(parse('node: { file: /abs/nodes.yaml }\n').node, { file: path.resolve('/abs/nodes.yaml') });
});

t.test('node.file is resolved relative to the config file, not cwd', async (t) => {
  const c = parseConfig('node:\n  file: nodes.yaml\n', 'deploy/.oomguard.yaml', fakeRules, { cwd });
  t.equal(c.path, path.join(cwd, 'deploy/.oomguard.yaml'));
  t.equal(c.dir, path.join(cwd, 'deploy'));
  t.equal(c.node?.file, path.join(cwd, 'deploy/nodes.yaml'));
});

t.test('namespace, and limitRanges relative to the config file', async (t) => {
  const c = parseConfig('namespace: team\nlimitRanges: cluster/limitranges.yaml\n', 'deploy/.oomguard.yaml', fakeRules, { cwd });
  t.equal(c.namespace, 'team');
  t.same(c.limitRanges, [path.join(cwd, 'deploy/cluster/limitranges.yaml')]);
  t.same(parse('limitRanges:\n  - a.yaml\n  - ../b.yaml\n  - /abs/c.yaml\n').limitRanges, [path.join(cwd, 'a.yaml'), path.resolve(cwd, '../b.yaml'), path.resolve('/abs/c.yaml')]);
  t.equal(parse('limitRanges:\n').limitRanges, undefined, 'null: none');
  t.equal(parse('kubernetesVersion: "1.31"\n').namespace, undefined, 'unset: the command line decides (default "default")');
});

t.test('JSON config', async (t) => {
  const c = parse(
    JSON.stringify(
      {
        kubernetesVersion: '1.33',
        rules: { 'qos-class': ['warning', { minimum: 'Guaranteed' }], 'best-effort-pod': 'off' },
        exclude: ['vendor/**'],
      },
      null,
      '\t',
    ),
    path.join(cwd, '.oomguard.json'),
  );
  t.equal(c.kubernetesVersion, '1.33');
  t.same(c.ruleSettings.get('qos-class'), { severity: 'warning', options: { minimum: 'Guaranteed' } });
  t.same(c.ruleSettings.get('best-effort-pod'), { severity: 'off', options: {} });
  t.equal(c.isExcluded(path.join(cwd, 'vendor/x/y.json')), true);
  t.throws(() => parse('{"rules": {}, "rules": {}}', path.join(cwd, '.oomguard.json')), {
    message: '.oomguard.json: line 1: duplicated key "rules"',
  });
});

t.test('each error is one line naming file, field and problem', async (t) => {
  const gates = MODELLED_GATES.join(', ');
  const cases: Array<[string, string]> = [
    // rules
    ['rules:\n  memory-limit-request-ratio: { severity: warning, options: { maxRatio: 0.5 } }\n', 'rules.memory-limit-request-ratio.options.maxRatio: must be >= 1'],
    ['rules:\n  memory-requst-missing: off\n', 'rules.memory-requst-missing: unknown rule (did you mean memory-request-missing?)'],
    ['rules:\n  no-such-thing-at-all: off\n', 'rules.no-such-thing-at-all: unknown rule (oomguard rules lists them)'],
    ['rules:\n  best-effort-pod: warn\n', 'rules.best-effort-pod: must be one of error, warning, info, off (got "warn")'],
    ['rules:\n  best-effort-pod: false\n', 'rules.best-effort-pod: must be a severity (error, warning, info, off), [severity, options] or { severity, options } (got false)'],
    ['rules:\n  qos-class: [error, { minimum: Gold }]\n', 'rules.qos-class[1].minimum: must be one of Burstable, Guaranteed (got "Gold")'],
    ['rules:\n  qos-class: [fatal]\n', 'rules.qos-class[0]: must be one of error, warning, info, off (got "fatal")'],
    ['rules:\n  qos-class: []\n', 'rules.qos-class: must be [severity] or [severity, options]'],
    ['rules:\n  qos-class: [error, {}, {}]\n', 'rules.qos-class: must be [severity] or [severity, options]'],
    ['rules:\n  qos-class: { level: error }\n', 'rules.qos-class: unknown field "level" (expected severity, options)'],
    ['rules:\n  memory-limit-request-ratio: { options: { maxRatoi: 3 } }\n', 'rules.memory-limit-request-ratio.options: unknown field "maxRatoi" (expected maxRatio, perPod)'],
    ['rules:\n  memory-limit-request-ratio: { options: { perPod: "yes" } }\n', 'rules.memory-limit-request-ratio.options.perPod: must be true or false (got "yes")'],
    ['rules:\n  best-effort-pod: [error, { x: 1 }]\n', 'rules.best-effort-pod[1]: unknown field "x" (the rule takes no options)'],
    ['rules:\n  best-effort-pod: { options: { x: 1 } }\n', 'rules.best-effort-pod.options: unknown field "x" (the rule takes no options)'],
    ['rules: [best-effort-pod]\n', 'rules: must be a mapping (got a list)'],
    // kubernetesVersion
    ['kubernetesVersion: 1.30\n', 'kubernetesVersion: must be a string like "1.31" (quote it: YAML reads 1.30 as the number 1.3)'],
    ['kubernetesVersion: [1]\n', 'kubernetesVersion: must be a string like "1.31"'],
    ['kubernetesVersion: "1.24"\n', 'kubernetesVersion: unsupported Kubernetes version "1.24": oomguard models 1.25 to 1.37'],
    ['kubernetesVersion: "latest"\n', 'kubernetesVersion: invalid Kubernetes version "latest": expected a minor version like 1.37'],
    // top level
    ['nodes:\n  memory: 16Gi\n', 'unknown field "nodes" (expected kubernetesVersion, featureGates, node, namespace, limitRanges, rules, exclude)'],
    ['- rules\n', 'must be a mapping of kubernetesVersion, featureGates, node, namespace, limitRanges, rules, exclude (got a list)'],
    ['just text\n', 'must be a mapping of kubernetesVersion, featureGates, node, namespace, limitRanges, rules, exclude (got "just text")'],
    // featureGates
    ['featureGates:\n  PodLevelResource: true\n', `featureGates.PodLevelResource: unknown feature gate (did you mean PodLevelResources? known: ${gates})`],
    ['featureGates:\n  InPlacePodVerticalScaling: true\n', `featureGates.InPlacePodVerticalScaling: unknown feature gate (known: ${gates})`],
    ['featureGates:\n  PodLevelResources: "true"\n', 'featureGates.PodLevelResources: must be true or false (got "true")'],
    ['featureGates: [PodLevelResources]\n', 'featureGates: must be a mapping (got a list)'],
    // node
    ['node:\n  memory: 16Gi\n  file: nodes.yaml\n', 'node: give one of memory, file or preset'],
    ['node:\n  memory: 0\n', 'node.memory: must be positive (got 0)'],
    ['node:\n  memory: 16GB\n', /^node\.memory: invalid quantity "?16GB"?/.source],
    ['node:\n  memory: [16Gi]\n', 'node.memory: must be a string or a number (got a list)'],
    ['node:\n  cpu: 4\n', 'node: unknown field "cpu" (expected memory, file, preset)'],
    ['node:\n  file: ""\n', 'node.file: must not be empty'],
    // namespace and limitRanges
    ['namespace: Team\n', 'namespace: "Team" is not a namespace name (lower-case letters, digits and "-", at most 63, starting and ending with a letter or digit)'],
    ['namespace: -team\n', 'namespace: "-team" is not a namespace name (lower-case letters, digits and "-", at most 63, starting and ending with a letter or digit)'],
    [`namespace: ${'a'.repeat(64)}\n`, /^namespace: "a{64}" is not a namespace name/.source],
    ['namespace: 7\n', 'namespace: must be a string (got 7)'],
    ['limitRanges: 3\n', 'limitRanges: must be a string or a list (got 3)'],
    ['limitRanges: ""\n', 'limitRanges: must not be empty'],
    ['limitRanges:\n  - a.yaml\n  - {file: b.yaml}\n', 'limitRanges[1]: must be a string (got a mapping)'],
    // exclude
    ['exclude: charts/**\n', 'exclude: must be a list (got "charts/**")'],
    ['exclude:\n  - charts/**\n  - 3\n', 'exclude[1]: must be a string (got 3)'],
    ['exclude:\n  - ""\n', 'exclude[0]: must not be empty'],
    ['exclude:\n  - ../other/**\n', 'exclude[0]: "../other/**" must be relative to the config file\'s directory'],
    ['exclude:\n  - /abs/**\n', 'exclude[0]: "/abs/**" must be relative to the config file\'s directory'],
    // YAML
    ['rules:\n  qos-class: off\n  qos-class: error\n', 'line 3: duplicated key "qos-class"'],
    ['rules:\n  qos-class: [error\nexclude: []\n', 'line 3: deficient indentation'],
    ['rules:\n    qos-class: off\n  best-effort-pod: off\n', 'line 3: bad indentation of a mapping entry'],
    ['a: 1\n---\nb: 2\n', 'expected a single document in the stream, but found more'],
  ];
  for (const [text, want] of cases) {
    let err: unknown;
    try {
      parse(text);
    } catch (e) {
      err = e;
    }
    t.type(err, ConfigError, text);
    const message = (err as Error | undefined)?.message ?? '';
    t.notMatch(message, /\n/, `one line: ${text}`);
    if (want.startsWith('^')) t.match(message, new RegExp(`^\\.oomguard\\.yaml: ${want.slice(1)}`), text);
    else t.equal(message, `.oomguard.yaml: ${want}`, text);
  }
});

t.test('ConfigError carries file and field', async (t) => {
  try {
    parse('rules:\n  best-effort-pod: warn\n');
    t.fail('should throw');
  } catch (err) {
    t.type(err, ConfigError);
    t.match(err, { name: 'ConfigError', file: '.oomguard.yaml', field: 'rules.best-effort-pod' });
  }
  try {
    parse('nodes: {}\n');
    t.fail('should throw');
  } catch (err) {
    t.match(err, { file: '.oomguard.yaml', field: null });
  }
});

t.test('paths in messages: relative to cwd inside it, absolute outside', async (t) => {
  t.throws(() => parseConfig('bad: 1\n', path.join(cwd, 'sub/.oomguard.yaml'), fakeRules, { cwd }), {
    message: /^sub\/\.oomguard\.yaml: unknown field "bad"/,
  });
  const outside = path.resolve('/elsewhere/.oomguard.yaml');
  t.throws(() => parseConfig('bad: 1\n', outside, fakeRules, { cwd }), {
    message: new RegExp(`^${outside.replace(/[.\\/]/g, '\\$&')}: unknown field "bad"`),
  });
});

t.test('excludes match relative to the config directory', async (t) => {
  const c = parseConfig(
    'exclude:\n  - "charts/**"\n  - "*.generated.yaml"\n  - "./vendor"\n  - "**/testdata/**"\n',
    path.join(cwd, 'deploy/.oomguard.yaml'),
    fakeRules,
    { cwd },
  );
  const d = (p: string) => path.join(cwd, 'deploy', p);
  const cases: Array<[string, boolean]> = [
    [d('charts/app/values.yaml'), true],
    [d('charts'), true],
    [d('charts/.hidden/x.yaml'), true],
    [d('apps/charts/x.yaml'), false],
    [d('a.generated.yaml'), true],
    [d('apps/a.generated.yaml'), false],
    [d('vendor/lib/x.yaml'), true],
    [d('vendorish/x.yaml'), false],
    [d('apps/testdata/x.yaml'), true],
    [d('apps/deploy.yaml'), false],
    [path.join(cwd, 'charts/app/values.yaml'), false],
    [path.resolve('/elsewhere/charts/x.yaml'), false],
    [d(''), false],
  ];
  for (const [p, want] of cases) t.equal(c.isExcluded(p), want, p);
});

t.test('the schema is compiled once per rules array', async (t) => {
  t.equal(configValidator(fakeRules), configValidator(fakeRules));
  const other = [...fakeRules];
  t.not(configValidator(other), configValidator(fakeRules));
  const schema = buildConfigSchema(fakeRules) as { properties: { rules: { properties: Record<string, unknown> } } };
  t.same(Object.keys(schema.properties.rules.properties), fakeRules.map((r) => r.meta.id));
});

t.test('loadConfig: discovery upward from cwd', async (t) => {
  const root = t.testdir({
    repo: {
      '.oomguard.yaml': 'kubernetesVersion: "1.30"\nexclude: ["charts/**"]\n',
      app: { deep: { 'x.yaml': '' } },
      svc: { '.oomguard.yml': 'kubernetesVersion: "1.28"\n', inner: {} },
      js: { '.oomguard.json': '{"kubernetesVersion": "1.27"}' },
      both: { '.oomguard.yaml': '', '.oomguard.json': '{}', below: {} },
      bad: { '.oomguard.yaml': 'kubernetesVersion: 1.30\n' },
      dirConfig: { '.oomguard.yaml': {} },
    },
    lonely: {},
  });
  const repo = path.join(root, 'repo');

  const deep = loadConfig({ cwd: path.join(repo, 'app/deep'), rules: fakeRules });
  t.equal(deep.path, path.join(repo, '.oomguard.yaml'));
  t.equal(deep.dir, repo);
  t.equal(deep.kubernetesVersion, '1.30');
  t.equal(deep.isExcluded(path.join(repo, 'charts/a.yaml')), true);

  t.equal(loadConfig({ cwd: repo, rules: fakeRules }).kubernetesVersion, '1.30', 'in cwd itself');
  t.equal(loadConfig({ cwd: path.join(repo, 'svc/inner'), rules: fakeRules }).kubernetesVersion, '1.28', 'nearest wins, .yml');
  t.equal(loadConfig({ cwd: path.join(repo, 'js'), rules: fakeRules }).kubernetesVersion, '1.27', '.json');

  t.throws(() => loadConfig({ cwd: path.join(repo, 'both'), rules: fakeRules }), {
    name: 'ConfigError',
    message: '.oomguard.yaml: .oomguard.json is in the same directory too: keep one config file',
  });
  // Above cwd, the file is shown with its absolute path.
  t.throws(() => loadConfig({ cwd: path.join(repo, 'both/below'), rules: fakeRules }), {
    name: 'ConfigError',
    message: `${path.join(repo, 'both/.oomguard.yaml')}: .oomguard.json is in the same directory too: keep one config file`,
  });

  t.throws(() => loadConfig({ cwd: path.join(repo, 'bad'), rules: fakeRules }), {
    message: '.oomguard.yaml: kubernetesVersion: must be a string like "1.31" (quote it: YAML reads 1.30 as the number 1.3)',
  });

  // A directory named .oomguard.yaml is not a config file: discovery goes on upward.
  t.equal(loadConfig({ cwd: path.join(repo, 'dirConfig'), rules: fakeRules }).path, path.join(repo, '.oomguard.yaml'));

  // No config anywhere up to the root (the testdir lives under the repo's test folder, which has
  // none; the check walks to the filesystem root, so only assert when nothing is found above).
  const lonely = loadConfig({ cwd: path.join(root, 'lonely'), rules: fakeRules });
  if (lonely.path === null) {
    t.equal(lonely.dir, path.join(root, 'lonely'));
    t.equal(lonely.ruleSettings.size, 0);
    t.equal(lonely.isExcluded(path.join(root, 'lonely/x.yaml')), false);
  } else {
    t.comment(`a config above the test directory was found: ${lonely.path}`);
  }
});

t.test('loadConfig: --config', async (t) => {
  const root = t.testdir({
    'custom.yaml': 'rules:\n  qos-class: [warning, { minimum: Guaranteed }]\nnode:\n  file: nodes/prod.yaml\n',
    '.oomguard.yaml': 'kubernetesVersion: "1.31"\n',
    sub: {},
  });
  const c = loadConfig({ configPath: 'custom.yaml', cwd: root, rules: fakeRules });
  t.equal(c.path, path.join(root, 'custom.yaml'));
  t.equal(c.kubernetesVersion, undefined, 'the given file replaces discovery');
  t.same(c.ruleSettings.get('qos-class'), { severity: 'warning', options: { minimum: 'Guaranteed' } });
  t.equal(c.node?.file, path.join(root, 'nodes/prod.yaml'));

  const fromSub = loadConfig({ configPath: '../custom.yaml', cwd: path.join(root, 'sub'), rules: fakeRules });
  t.equal(fromSub.node?.file, path.join(root, 'nodes/prod.yaml'), 'relative to the config file, not cwd');

  t.throws(() => loadConfig({ configPath: 'missing.yaml', cwd: root, rules: fakeRules }), {
    name: 'ConfigError',
    message: 'missing.yaml: no such file',
  });
  t.throws(() => loadConfig({ configPath: 'sub', cwd: root, rules: fakeRules }), {
    message: 'sub: is a directory, not a config file',
  });
  t.throws(() => loadConfig({ configPath: path.join(root, 'sub', 'nope.yaml'), cwd: root, rules: fakeRules }), {
    message: 'sub/nope.yaml: no such file',
  });
});
