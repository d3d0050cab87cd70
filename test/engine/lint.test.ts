// The lint pipeline (src/engine/lint.ts): a linter prepared once gives what lintObjects gives,
// with the node per call; rule exceptions come back as data next to their report lines; message
// templates parsed once render exactly as formatMessage does.
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { lintObjects, prepareLinter } from '../../src/engine/lint.js';
import type { RuleSetting } from '../../src/engine/lint.js';
import { parseText } from '../../src/input/parse.js';
import { nodeFactsFromCapacity } from '../../src/core/node.js';
import { VersionError } from '../../src/core/versions.js';
import { rules } from '../../rules/index.js';
import type { AnyRule } from '../../rules/index.js';
import { compileMessage, defineRule, formatMessage } from '../../rules/define-rule.js';
import { repoRoot } from '../helpers/run-cli.js';

const GI = 1024n * 1024n * 1024n;
const node8 = nodeFactsFromCapacity(8n * GI, 'flag');
const node64 = nodeFactsFromCapacity(64n * GI, 'flag');
const examples = parseText(readFileSync(path.join(repoRoot, 'examples', 'prometheus.yaml'), 'utf8'), 'examples/prometheus.yaml');

const pod = (resources: unknown) =>
  parseText(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'x', resources }] } }), 'pod.json');

const throwing = (id: string, thrown: unknown): AnyRule =>
  defineRule({
    meta: {
      id,
      severity: 'error',
      description: 'Throws.',
      remediation: 'None.',
      docs: '',
      options: { type: 'object', additionalProperties: false },
      defaultOptions: {},
      messages: { x: 'never' },
      fixable: false,
    },
    check() {
      throw thrown;
    },
  });

/** Everything but the functions (lineOf) and the shared source objects. */
function plain(result: ReturnType<typeof lintObjects>) {
  return JSON.parse(JSON.stringify({ ...result, objects: result.objects.map(({ source, ...o }) => ({ file: source.file, ...o })) }, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
}

t.test('a prepared linter gives what lintObjects gives, the node per call', async (t) => {
  const ruleSettings = new Map<string, RuleSetting>([
    ['memory-limit-missing', { severity: 'off', options: {} }],
    ['memory-limit-request-ratio', { severity: 'error', options: { maxRatio: 4 } }],
  ]);
  const linter = prepareLinter({ kubernetesVersion: '1.31', rules, ruleSettings });
  t.equal(linter.kubernetesVersion, '1.31');
  t.equal(linter.gates.PodLevelResources, false, 'gates resolved for the version once');
  for (const n of [node8, node64, node8]) {
    t.same(plain(linter.lint(examples.objects, n)), plain(lintObjects(examples.objects, { kubernetesVersion: '1.31', node: n, rules, ruleSettings })));
  }
  const on8 = linter.lint(examples.objects, node8).objects[0].findings.map((f) => f.message).join('\n');
  const on64 = linter.lint(examples.objects, node64).objects[0].findings.map((f) => f.message).join('\n');
  t.match(on8, /on an 8Gi node/);
  t.match(on64, /on a 64Gi node/);
  t.notMatch(on8 + on64, /memory-limit-missing/, 'a rule set off is not run');
  const one = linter.lintOne(examples.objects[0], node8);
  t.same(plain({ objects: [one.report], errors: one.errors, ruleCrashes: one.ruleCrashes }), plain(linter.lint([examples.objects[0]], node8)));
});

t.test('feature gates the version refuses are refused when preparing', async (t) => {
  t.throws(() => prepareLinter({ kubernetesVersion: '1.30', featureGates: { PodLevelResources: true }, rules }), VersionError);
  t.throws(() => lintObjects([], { kubernetesVersion: '1.30', featureGates: { PodLevelResources: true }, rules, node: node8 }), VersionError);
});

t.test('rule crashes: a report line in errors, and data in ruleCrashes', async (t) => {
  const boom = new Error('boom');
  const linter = prepareLinter({ kubernetesVersion: '1.37', rules: [...rules, throwing('throws-error', boom), throwing('throws-string', 'plain')] });
  const bad = pod({ limits: { memory: '1GB' } }); // invalid input: the API server rejects "1GB"
  const good = pod({ requests: { memory: '1Gi' }, limits: { memory: '1Gi' } });
  const r = linter.lint([...bad.objects, ...good.objects], node8);
  t.equal(r.ruleCrashes.length, 2, 'both rules crashed on the valid pod (the invalid one is never checked)');
  t.same(
    r.ruleCrashes.map((c) => [c.rule, c.object]),
    [
      ['throws-error', 1],
      ['throws-string', 1],
    ],
  );
  t.equal(r.ruleCrashes[0].error, boom, 'what the rule threw, as thrown');
  t.equal(r.ruleCrashes[1].error, 'plain');
  for (const c of r.ruleCrashes) t.ok(r.errors.includes(c.entry), 'its line is one of errors (the CLI reports it)');
  t.match(r.ruleCrashes[0].entry.message, /internal error in rule throws-error: boom/);
  t.match(r.ruleCrashes[1].entry.message, /internal error in rule throws-string: plain/);
  const invalid = r.errors.filter((e) => !r.ruleCrashes.some((c) => c.entry === e));
  t.equal(invalid.length, 1, 'the invalid quantity is the one error that is not a crash');
  t.match(invalid[0].message, /1GB/);
  t.same(linter.lint(good.objects, node8).ruleCrashes.map((c) => c.object), [0, 0], 'per call, not accumulated');
});

t.test('compiled message templates render exactly as formatMessage', async (t) => {
  const templates = [
    ...rules.flatMap((r) => Object.values(r.meta.messages as Record<string, string>)),
    'no placeholders',
    '{{a}}{{b}}',
    '{{ a }} and {{a}} and {{   b}}',
    'unknown {{missing}} stays',
    '{{a}',
    '{{}}',
    '{{a-b}}',
    '{{ __proto__ }} {{constructor}} {{toString}}',
    '',
  ];
  const data: Array<Record<string, string | number> | undefined> = [
    undefined,
    {},
    { a: '$&', b: '$1', container: 'x', request: '1Gi', limit: 2, node: '8Gi' },
    { a: 0, b: '', __proto__: 'p' } as unknown as Record<string, string | number>,
    Object.fromEntries(templates.flatMap((tpl) => [...tpl.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => [m[1], `v-${m[1]}`]))),
  ];
  let n = 0;
  for (const template of templates) {
    const compiled = compileMessage(template);
    for (const d of data) {
      t.equal(compiled(d), formatMessage(template, d), JSON.stringify(template));
      n++;
    }
  }
  t.ok(n > 50);
});
