// LimitRanges in lint, explain and lint --fix: LimitRange objects among the inputs act on the
// workloads of their namespace in every input file (before or after theirs, in any thread);
// --limit-ranges FILE and the config's limitRanges add more; --namespace (and the config's
// namespace) is where objects without one land. Invalid LimitRanges are one-line errors, exit 2.
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { oomguard, repoRoot } from '../helpers/run-cli.js';
import type { CliResult } from '../helpers/run-cli.js';
import { mayHoldLimitRange } from '../../src/cli/limit-ranges.js';

const fixtures = path.join(repoRoot, 'test', 'fixtures', 'limit-ranges');
const fixture = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');
const rel = (name: string) => path.relative(repoRoot, path.join(fixtures, name));
const MI = 1024 * 1024;

interface JsonContainer {
  name: string;
  memoryRequest: number | null;
  memoryLimit: number | null;
  setByLimitRange?: { requests: Record<string, string>; limits: Record<string, string> };
}
interface JsonObject {
  file: string;
  kind: string;
  name: string;
  namespace: string | null;
  qosClass?: string;
  containers?: JsonContainer[];
  findings: Array<{ rule: string }>;
}
interface JsonReport {
  objects: JsonObject[];
  errors: Array<{ file: string; document: number | null; line: number | null; message: string }>;
}

function json(r: CliResult): JsonReport {
  try {
    return JSON.parse(r.stdout) as JsonReport;
  } catch {
    throw new Error(`not JSON (exit ${r.code}): ${r.stdout.slice(0, 300)} ${r.stderr.slice(0, 300)}`);
  }
}

/** [memoryRequest, memoryLimit] of each container of the object named `kind namespace/name`. */
function memory(report: JsonReport, kind: string, namespace: string | null, name: string): Array<[number | null, number | null]> {
  const o = report.objects.find((x) => x.kind === kind && x.name === name && x.namespace === namespace);
  if (o === undefined) throw new Error(`no ${kind} ${namespace}/${name} in the report`);
  return (o.containers ?? []).map((c) => [c.memoryRequest, c.memoryLimit]);
}

const bareDeployment = (name: string, namespace?: string) =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    ...(namespace !== undefined ? [`  namespace: ${namespace}`] : []),
    'spec:',
    '  selector: {matchLabels: {app: x}}',
    '  template:',
    '    metadata: {labels: {app: x}}',
    '    spec:',
    '      containers:',
    `        - name: ${name}`,
    '          image: example/app:1',
    '',
  ].join('\n');

const limitRange = (name: string, namespace: string | undefined, request: string, limit: string) =>
  [
    'apiVersion: v1',
    'kind: LimitRange',
    'metadata:',
    `  name: ${name}`,
    ...(namespace !== undefined ? [`  namespace: ${namespace}`] : []),
    'spec:',
    '  limits:',
    '    - type: Container',
    `      default: {memory: ${limit}}`,
    `      defaultRequest: {memory: ${request}}`,
    '',
  ].join('\n');

t.test('a LimitRange among the inputs fills the bare containers of its namespace only', async (t) => {
  const r = oomguard(['lint', rel('team.yaml'), '--format', 'json']);
  t.equal(r.stderr, '');
  const out = json(r);
  t.same(memory(out, 'Deployment', 'team', 'web'), [[256 * MI, 512 * MI]], 'team: the LimitRange defaults');
  t.same(memory(out, 'Deployment', 'elsewhere', 'web'), [[null, null]], 'another namespace: nothing');
  const web = out.objects.find((o) => o.namespace === 'team' && o.kind === 'Deployment')!;
  t.same(web.containers![0].setByLimitRange, { requests: { memory: 'team/defaults' }, limits: { memory: 'team/defaults' } });
  t.equal(web.qosClass, 'Burstable');
  t.notOk(web.findings.some((f) => f.rule === 'memory-request-missing'), 'no missing-request finding: the LimitRange sets one');
  const lr = out.objects.find((o) => o.kind === 'LimitRange');
  t.match(lr, { name: 'defaults', namespace: 'team' }, 'the LimitRange is listed as an object');
  t.equal(lr!.qosClass, undefined, 'and is not a workload');
});

t.test('objects without a namespace share "default", or the one --namespace names', async (t) => {
  const dir = t.testdir({
    'a.yaml': `${bareDeployment('loose')}---\n${bareDeployment('placed', 'default')}---\n${bareDeployment('teamed', 'team')}`,
    'b.yaml': limitRange('fallback', undefined, '64Mi', '128Mi'),
    'c.yaml': limitRange('team-defaults', 'team', '100Mi', '200Mi'),
  });
  const plain = json(oomguard(['lint', '.', '--format', 'json'], { cwd: dir }));
  t.same(memory(plain, 'Deployment', null, 'loose'), [[64 * MI, 128 * MI]], 'namespace-less LimitRange and workload: both in default');
  t.same(memory(plain, 'Deployment', 'default', 'placed'), [[64 * MI, 128 * MI]], 'namespace: default is the same namespace');
  t.same(memory(plain, 'Deployment', 'team', 'teamed'), [[100 * MI, 200 * MI]]);

  for (const flag of ['--namespace', '-n']) {
    const moved = json(oomguard(['lint', '.', '--format', 'json', flag, 'team'], { cwd: dir }));
    const loose = moved.objects.find((o) => o.name === 'loose')!;
    t.same(
      loose.containers![0].setByLimitRange,
      { requests: { memory: 'team/fallback' }, limits: { memory: 'team/fallback' } },
      `${flag} team: the namespace-less workload and LimitRange are both in team (the first of team's two in input order fills the value)`,
    );
    t.same(memory(moved, 'Deployment', null, 'loose'), [[64 * MI, 128 * MI]]);
    t.same(memory(moved, 'Deployment', 'default', 'placed'), [[null, null]], `${flag} team: nothing is left in default`);
    t.ok(moved.objects.find((o) => o.name === 'teamed')!.findings.some((f) => f.rule === 'limit-range-conflict'), 'team\'s two LimitRanges disagree');
  }
});

t.test('--namespace must be a namespace name', async (t) => {
  const r = oomguard(['lint', rel('bare.yaml'), '--namespace', 'Team_1']);
  t.equal(r.code, 2);
  t.equal(r.stdout, '');
  t.match(r.stderr, /^oomguard: --namespace: "Team_1" is not a namespace name/);
  t.equal(r.stderr.trim().split('\n').length, 1);
});

t.test('--limit-ranges FILE: the List kubectl get limitranges -A -o yaml prints', async (t) => {
  const without = json(oomguard(['lint', rel('bare.yaml'), '--format', 'json']));
  t.same(memory(without, 'Deployment', 'team', 'api'), [[null, null]]);

  const r = oomguard(['lint', rel('bare.yaml'), '--format', 'json', '--limit-ranges', rel('kubectl-limitranges.yaml')]);
  t.equal(r.stderr, '');
  const out = json(r);
  t.same(memory(out, 'Deployment', 'team', 'api'), [[384 * MI, 1024 * MI]], 'team/mem-defaults');
  t.same(memory(out, 'Job', 'batch', 'report'), [[2048 * MI, 2048 * MI]], 'batch/guaranteed: max alone is the default limit and request');
  t.equal(out.objects.find((o) => o.name === 'report')!.qosClass, 'Guaranteed');
  t.same(memory(out, 'Pod', null, 'loose'), [[null, null]], 'nothing for the default namespace');
  t.notOk(out.objects.some((o) => o.kind === 'LimitRange'), 'the file\'s LimitRanges are not objects of the report');

  // Given twice, and together with the inputs' own copy: each LimitRange counts once.
  const twice = json(oomguard(['lint', rel('bare.yaml'), '--format', 'json', '--limit-ranges', rel('kubectl-limitranges.yaml'), '--limit-ranges', rel('kubectl-limitranges.yaml')]));
  t.same(twice.objects, out.objects, 'the same file twice changes nothing');

  // --limit-ranges - reads standard input when the manifests come from files.
  const stdin = oomguard(['lint', rel('bare.yaml'), '--format', 'json', '--limit-ranges', '-'], { input: fixture('kubectl-limitranges.yaml') });
  t.same(json(stdin).objects, out.objects, '--limit-ranges -');
});

t.test('an input copy of a LimitRange replaces the --limit-ranges copy', async (t) => {
  const dir = t.testdir({
    'app.yaml': `${bareDeployment('api', 'team')}---\n${limitRange('mem-defaults', 'team', '200Mi', '300Mi')}`,
  });
  const out = json(oomguard(['lint', 'app.yaml', '--format', 'json', '--limit-ranges', path.join(fixtures, 'kubectl-limitranges.yaml')], { cwd: dir }));
  t.same(memory(out, 'Deployment', 'team', 'api'), [[200 * MI, 300 * MI]], 'the manifest being applied wins over the cluster\'s copy');
  const c = out.objects.find((o) => o.name === 'api')!.containers![0];
  t.same(c.setByLimitRange, { requests: { memory: 'team/mem-defaults' }, limits: { memory: 'team/mem-defaults' } }, 'the cluster copy\'s cpu defaults are gone with it');
});

t.test('--limit-ranges: what is not a LimitRange file is a usage error (exit 2, one line)', async (t) => {
  const dir = t.testdir({
    'mixed.yaml': `${limitRange('ok', 'team', '64Mi', '128Mi')}---\n${bareDeployment('web', 'team')}`,
    'broken.yaml': 'apiVersion: v1\nkind: LimitRange\nmetadata:\n  name: x\n   bad: indent\n',
    'quantity.yaml': limitRange('typo', 'team', '64MB', '128Mi'),
    'empty-list.yaml': 'apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: ""\n',
    'app.yaml': bareDeployment('web', 'team'),
  });
  const cases: Array<[string, RegExp]> = [
    ['mixed.yaml', /^oomguard: --limit-ranges mixed\.yaml document 2 line 12: Deployment web is not a LimitRange \(expected LimitRange objects or a List of them: kubectl get limitranges -A -o yaml\)$/],
    ['broken.yaml', /^oomguard: --limit-ranges broken\.yaml document 1 line \d+: /],
    ['quantity.yaml', /^oomguard: --limit-ranges quantity\.yaml document 1 line 10: LimitRange typo: spec\.limits\[0\]\.defaultRequest\.memory: .*64MB/],
    ['missing.yaml', /^oomguard: --limit-ranges missing\.yaml: no such file or directory$/],
    [rel('invalid.yaml'), /^oomguard: --limit-ranges .*invalid\.yaml document 1 line 11: LimitRange upside-down: spec\.limits\[0\]\.min\.memory: min value 2Gi is greater than max value 1Gi$/],
  ];
  for (const [file, expected] of cases) {
    const r = oomguard(['lint', 'app.yaml', '--limit-ranges', file.startsWith('test/') ? path.join(repoRoot, file) : file], { cwd: dir });
    t.equal(r.code, 2, file);
    t.equal(r.stdout, '', `${file}: no report`);
    const lines = r.stderr.trimEnd().split('\n');
    t.equal(lines.length, 1, `${file}: one line: ${r.stderr}`);
    t.match(lines[0].replace(path.join(repoRoot, 'test/fixtures/limit-ranges/'), 'test/fixtures/limit-ranges/'), expected, file);
    t.notMatch(r.stderr, /\n\s+at /, `${file}: no stack trace`);
  }
  const empty = oomguard(['lint', 'app.yaml', '--limit-ranges', 'empty-list.yaml', '--format', 'json'], { cwd: dir });
  t.equal(empty.stderr, '', 'an empty List (a cluster without LimitRanges) is fine');
  t.same(memory(json(empty), 'Deployment', 'team', 'web'), [[null, null]]);

  const both = oomguard(['lint', '-', '--limit-ranges', '-'], { cwd: dir, input: '' });
  t.equal(both.code, 2);
  t.match(both.stderr, /cannot both read standard input/);
});

t.test('an invalid LimitRange among the inputs: one input error naming file, line and field; not applied', async (t) => {
  const r = oomguard(['lint', rel('bare.yaml'), rel('invalid.yaml'), '--format', 'json']);
  t.equal(r.code, 2);
  t.equal(r.stderr, '');
  const out = json(r);
  t.same(out.errors, [
    {
      file: rel('invalid.yaml'),
      document: 0,
      line: 11,
      message: 'LimitRange upside-down: spec.limits[0].min.memory: min value 2Gi is greater than max value 1Gi (the API server would refuse this LimitRange: it is not applied)',
    },
  ]);
  t.same(memory(out, 'Deployment', 'team', 'api'), [[null, null]], 'team\'s workloads are judged without it');

  const text = oomguard(['lint', rel('bare.yaml'), rel('invalid.yaml')]);
  t.equal(text.code, 2);
  const line = text.stdout.split('\n').find((l) => l.includes('upside-down'));
  t.match(line, /11:.*LimitRange upside-down: spec\.limits\[0\]\.min\.memory: min value 2Gi is greater than max value 1Gi .*\(document 1\)/);
});

t.test('a LimitRange acts on the files before its own, in every thread, byte for byte the same', async (t) => {
  const dir = t.testdir({
    'a-team.yaml': `${bareDeployment('first', 'team')}---\n${bareDeployment('loose')}`,
    'b-broken.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: indent\n',
    'c-configmap.json': '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}\n',
    nested: {
      'd-team.yaml': bareDeployment('second', 'team'),
      // The kind spelled with a JSON escape: the pre-scan must not miss it.
      'e-escaped.json': JSON.stringify({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'escaped' }, spec: { limits: [{ type: 'Container', defaultRequest: { memory: '32Mi' } }] } }).replace('"LimitRange"', '"Limit\\u0052ange"'),
    },
    'f-invalid.yaml': fixture('invalid.yaml'),
    'z-limitrange.yaml': limitRange('late', 'team', '128Mi', '256Mi'),
  });
  const off = oomguard(['lint', '.', '--format', 'json', '--concurrency', 'off'], { cwd: dir });
  t.equal(off.code, 2, 'exit 2: the broken file and the invalid LimitRange');
  const out = json(off);
  t.same(memory(out, 'Deployment', 'team', 'first'), [[128 * MI, 256 * MI]], 'a file before the LimitRange\'s');
  t.same(memory(out, 'Deployment', 'team', 'second'), [[128 * MI, 256 * MI]], 'a nested file');
  t.same(memory(out, 'Deployment', null, 'loose'), [[32 * MI, null]], 'the escaped kind was found');
  t.equal(out.errors.length, 2);

  for (const concurrency of ['1', '2', '7', 'auto']) {
    const r = oomguard(['lint', '.', '--format', 'json', '--concurrency', concurrency], { cwd: dir, env: { OOMGUARD_DEBUG: '1' } });
    t.equal(r.stdout, off.stdout, `--concurrency ${concurrency}: the same JSON`);
    t.equal(r.code, off.code);
    if (concurrency !== 'auto') t.match(r.stderr, /worker thread/, `--concurrency ${concurrency} used workers`);
  }
  for (const format of ['text', 'sarif']) {
    const a = oomguard(['lint', '.', '--format', format, '--concurrency', 'off'], { cwd: dir });
    const b = oomguard(['lint', '.', '--format', format, '--concurrency', '2'], { cwd: dir });
    t.equal(b.stdout, a.stdout, `--format ${format}: the same`);
  }
  const explainOff = oomguard(['explain', '.', '--concurrency', 'off'], { cwd: dir });
  const explain2 = oomguard(['explain', '.', '--concurrency', '2'], { cwd: dir });
  t.equal(explain2.stdout, explainOff.stdout, 'explain: the same');
});

t.test('standard input: its LimitRanges act on the files, and the files\' on it', async (t) => {
  const dir = t.testdir({ 'app.yaml': bareDeployment('web', 'team') });
  const r = oomguard(['lint', 'app.yaml', '-', '--format', 'json'], { cwd: dir, input: `${limitRange('lr', 'team', '10Mi', '20Mi')}---\n${bareDeployment('piped', 'team')}` });
  t.equal(r.stderr, '');
  const out = json(r);
  t.same(memory(out, 'Deployment', 'team', 'web'), [[10 * MI, 20 * MI]]);
  t.same(memory(out, 'Deployment', 'team', 'piped'), [[10 * MI, 20 * MI]]);
});

t.test('the config file: limitRanges (relative to it) and namespace; flags win', async (t) => {
  const dir = t.testdir({
    '.oomguard.yaml': 'namespace: team\nlimitRanges: cluster/limitranges.yaml\n',
    cluster: { 'limitranges.yaml': fixture('kubectl-limitranges.yaml'), 'other.yaml': limitRange('other', 'team', '1Mi', '2Mi') },
    app: { 'bare.yaml': fixture('bare.yaml') },
  });
  const cwd = path.join(dir, 'app');
  const out = json(oomguard(['lint', 'bare.yaml', '--format', 'json'], { cwd }));
  t.same(memory(out, 'Deployment', 'team', 'api'), [[384 * MI, 1024 * MI]], 'the config\'s file, found from a subfolder');
  t.same(memory(out, 'Pod', null, 'loose'), [[384 * MI, 1024 * MI]], 'namespace: team');

  const flags = json(oomguard(['lint', 'bare.yaml', '--format', 'json', '--limit-ranges', '../cluster/other.yaml', '--namespace', 'default'], { cwd }));
  t.same(memory(flags, 'Deployment', 'team', 'api'), [[1 * MI, 2 * MI]], '--limit-ranges replaces the config\'s');
  t.same(memory(flags, 'Pod', null, 'loose'), [[null, null]], '--namespace wins');

  const listed = t.testdir({
    '.oomguard.yaml': 'limitRanges:\n  - a.yaml\n  - b.yaml\n',
    'a.yaml': limitRange('a', 'team', '5Mi', '6Mi'),
    'b.yaml': 'apiVersion: v1\nkind: LimitRange\nmetadata: {name: b, namespace: team}\nspec:\n  limits:\n    - type: Container\n      defaultRequest: {cpu: 50m}\n',
    'app.yaml': bareDeployment('web', 'team'),
  });
  const both = json(oomguard(['lint', 'app.yaml', '--format', 'json'], { cwd: listed }));
  t.same(both.objects[0].containers![0].setByLimitRange, { requests: { memory: 'team/a', cpu: 'team/b' }, limits: { memory: 'team/a' } }, 'a list of files');

  const missing = oomguard(['lint', 'bare.yaml'], { cwd: t.testdir({ '.oomguard.yaml': 'limitRanges: nowhere.yaml\n', 'bare.yaml': fixture('bare.yaml') }) });
  t.equal(missing.code, 2);
  t.equal(missing.stderr, 'oomguard: limitRanges nowhere.yaml: no such file or directory\n');
  const badNamespace = oomguard(['lint', 'bare.yaml'], { cwd: t.testdir({ '.oomguard.yaml': 'namespace: Team\n', 'bare.yaml': fixture('bare.yaml') }) });
  t.equal(badNamespace.code, 2);
  t.match(badNamespace.stderr, /^oomguard: \.oomguard\.yaml: namespace: "Team" is not a namespace name/);
});

t.test('explain prints the values the LimitRanges fill in, and names them', async (t) => {
  const r = oomguard(['explain', rel('bare.yaml'), '--limit-ranges', rel('kubectl-limitranges.yaml'), '--node-memory', '16Gi']);
  t.equal(r.code, 0, r.stderr);
  const api = r.stdout.split('\n\n').find((block) => block.startsWith('Deployment team/api'))!;
  t.match(api, /api\s+container\s+384Mi\s+1Gi\s+Burstable\s+977/);
  t.match(api, /LimitRange team\/mem-defaults set: cpu request \(api\), memory request \(api\), cpu limit \(api\), memory limit \(api\)/);
  const job = r.stdout.split('\n\n').find((block) => block.startsWith('Job batch/report'))!;
  t.match(job, /report\s+container\s+2Gi\s+2Gi\s+Guaranteed\s+-997/);

  const inInputs = oomguard(['explain', rel('team.yaml')]);
  t.match(inInputs.stdout, /app\s+container\s+256Mi\s+512Mi\s+Burstable/);

  const asJson = json(oomguard(['explain', rel('bare.yaml'), '--limit-ranges', rel('kubectl-limitranges.yaml'), '--format', 'json']));
  t.same(memory(asJson, 'Deployment', 'team', 'api'), [[384 * MI, 1024 * MI]]);
});

t.test('lint --fix: the findings and their fixes are those of the Pods after LimitRanges', async (t) => {
  const burstable = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: {name: burstable, namespace: team}',
    'spec:',
    '  selector: {matchLabels: {app: b}}',
    '  template:',
    '    metadata: {labels: {app: b}}',
    '    spec:',
    '      containers:',
    '        - name: app',
    '          image: example/app:1',
    '          resources:',
    '            requests: {memory: 256Mi}',
    '            limits: {cpu: 500m, memory: 512Mi}',
    '',
  ].join('\n');
  const maxOnly = 'apiVersion: v1\nkind: LimitRange\nmetadata: {name: max, namespace: team}\nspec:\n  limits:\n    - type: Container\n      max: {cpu: "1", memory: 1Gi}\n';
  const files = {
    '.oomguard.yaml': 'rules:\n  qos-class: [error, {minimum: Guaranteed}]\n',
    'a-burstable.yaml': burstable,
    'b-bare.yaml': bareDeployment('bare', 'team'),
    'c-limitrange.yaml': maxOnly,
  };
  const dir = t.testdir(files);
  const r = oomguard(['lint', '.', '--fix', '--format', 'json'], { cwd: dir });
  t.equal(r.code, 0, `no error left: ${r.stdout.slice(0, 500)}`);
  t.match(r.stderr, /fixed 1 finding in 1 file/);
  t.match(readFileSync(path.join(dir, 'a-burstable.yaml'), 'utf8'), /requests: \{memory: 512Mi\}/, 'the Burstable one is fixed');
  t.equal(readFileSync(path.join(dir, 'b-bare.yaml'), 'utf8'), files['b-bare.yaml'], 'the bare one is Guaranteed by the LimitRange: left alone');
  t.equal(readFileSync(path.join(dir, 'c-limitrange.yaml'), 'utf8'), maxOnly, 'the LimitRange is left alone');
  const out = json(r);
  t.equal(out.objects.find((o) => o.name === 'bare')!.qosClass, 'Guaranteed');

  // Without the LimitRange the bare Deployment is BestEffort, which no fix can change.
  const alone = t.testdir({ '.oomguard.yaml': files['.oomguard.yaml'], 'b-bare.yaml': files['b-bare.yaml'] });
  t.equal(oomguard(['lint', '.', '--fix'], { cwd: alone }).code, 1);
});

t.test('the pre-scan: which bytes may hold a LimitRange', async (t) => {
  const may = (text: string | Buffer) => mayHoldLimitRange(typeof text === 'string' ? Buffer.from(text) : text);
  t.ok(may('kind: LimitRange\n'));
  t.ok(may('{"kind":"LimitRange"}'));
  t.ok(may('# mentions LimitRange in a comment\n'), 'a false positive only costs a parse');
  t.ok(may('{"kind":"Limit\\u0052ange"}'), 'JSON \\u escape');
  t.ok(may('kind: "\\x4cimitRange"\n'), 'YAML \\x escape');
  t.ok(may('kind: "LimitRang\\U00000065"\n'), 'YAML \\U escape');
  t.ok(may('kind: "Limit\\\n  Range"\n'), 'escaped line break');
  t.ok(may(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('kind: Pod', 'utf16le')])), 'UTF-16: always parsed');
  t.notOk(may('kind: Deployment\nmetadata: {name: "a\\nb"}\n'), '\\n is not a letter of LimitRange');
  t.notOk(may('{"note":"\\u003cb\\u003e"}'), '\\u003c is not one either');
  t.notOk(may('kind: "\\\\u0052"\n'), 'an escaped backslash');
  t.notOk(may('kind: Limitrange\n'));
  t.notOk(may(''));
});
