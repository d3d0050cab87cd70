// action.yml (the GitHub composite action): its shape, that every input, step id, file and
// oomguard flag it uses exists, and its shell steps run for real here (bash with a fake
// GITHUB_OUTPUT) on the Prometheus example: SARIF written, exit code captured, step failed or not
// per fail-on-error. GitHub's own actions (setup-node, upload-sarif) are not run.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
  'working-directory'?: string;
}
interface Action {
  name: string;
  description: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: Step[] };
}

const text = readFileSync(path.join(repoRoot, 'action.yml'), 'utf8');
const action = load(text) as Action;
const steps = action.runs.steps;
const lintHelp = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'oomguard.js'), 'lint', '--help'], { encoding: 'utf8' }).stdout;

t.test('shape: a composite action with the documented inputs', async (t) => {
  t.ok(action.name && action.description, 'name and description');
  t.equal(action.runs.using, 'composite');
  for (const input of ['paths', 'node-memory', 'kubernetes-version', 'namespace', 'limit-ranges', 'config', 'sarif-file', 'fail-on-error']) {
    t.ok(action.inputs[input], `input ${input}`);
    t.ok(action.inputs[input]?.description, `input ${input} is described`);
  }
  t.equal(action.inputs['sarif-file'].default, 'oomguard.sarif');
  t.equal(action.inputs['fail-on-error'].default, 'true');
  for (const s of steps) if (s.run !== undefined) t.ok(s.shell, `run step "${s.name}" has a shell (required in composite actions)`);
  const setupNode = steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
  t.equal(String(setupNode?.with?.['node-version']), '24', 'Node 24');
  t.match(setupNode?.uses ?? '', /^actions\/setup-node@v([6-9]|\d{2,})/, 'a setup-node major that itself runs on the node24 action runtime');
  const install = steps.find((s) => s.run?.includes('npm ci'));
  t.equal(install?.['working-directory'], '${{ github.action_path }}', 'npm ci in the action path');
  const upload = steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'));
  t.ok(upload, 'uploads SARIF');
  t.equal(upload?.uses, 'github/codeql-action/upload-sarif@v4');
  t.equal(upload?.with?.sarif_file, '${{ inputs.sarif-file }}');
  t.match(upload?.if ?? '', /always\(\)/, 'uploaded even after a failing step');
});

t.test('references: inputs, step ids, files and flags exist', async (t) => {
  for (const m of text.matchAll(/inputs\.([A-Za-z0-9_-]+)/g)) t.ok(action.inputs[m[1]], `inputs.${m[1]} is declared`);
  const ids = new Set(steps.map((s) => s.id).filter(Boolean));
  for (const m of text.matchAll(/steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)/g)) {
    t.ok(ids.has(m[1]), `step ${m[1]} exists`);
    t.equal(m[2], 'exit-code', 'the lint step writes exit-code');
  }
  for (const m of text.matchAll(/github\.action_path \}\}\/([\w./-]+)/g)) t.ok(existsSync(path.join(repoRoot, m[1])), `${m[1]} exists`);
  const lint = steps.find((s) => s.id === 'lint');
  t.ok(lint?.run, 'a lint step');
  const flags = new Set([...(lint?.run ?? '').matchAll(/(?<![\w-])(--[a-z][a-z-]+)/g)].map((m) => m[1]));
  t.ok(flags.has('--format'), 'passes --format');
  t.match(lint?.run ?? '', /--format sarif/);
  for (const flag of flags) t.match(lintHelp, new RegExp(`(^|\\s)${flag}(\\s|,|$)`, 'm'), `${flag} is an option of oomguard lint`);
});

// Runs a step's script as GitHub would (bash -e, env from the step with inputs substituted).
function runStep(step: Step, inputs: Record<string, string>, extra: Record<string, string>, cwd: string) {
  const out = path.join(cwd, `github-output-${Math.random().toString(36).slice(2)}`);
  writeFileSync(out, '');
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', GITHUB_OUTPUT: out, NO_COLOR: '1' };
  for (const [k, v] of Object.entries(step.env ?? {})) {
    env[k] = v
      .replace(/\$\{\{ github\.action_path \}\}/g, repoRoot)
      .replace(/\$\{\{ inputs\.([\w-]+) \}\}/g, (_, name: string) => inputs[name] ?? action.inputs[name]?.default ?? '')
      .replace(/\$\{\{ steps\.lint\.outputs\.exit-code \}\}/g, extra.exitCode ?? '');
  }
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run ?? ''], { cwd, env, encoding: 'utf8' });
  const outputs = Object.fromEntries(readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => l.split('=', 2) as [string, string]));
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, outputs };
}

t.test('the lint and result steps, run with bash on the examples', async (t) => {
  const work = mkdtempSync(path.join(tmpdir(), 'oomguard-action-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const lint = steps.find((s) => s.id === 'lint') as Step;
  const result = steps[steps.length - 1];
  const examples = path.join(repoRoot, 'examples');

  const bad = runStep(lint, { paths: `${path.join(examples, 'prometheus.yaml')}\n${path.join(examples, 'guaranteed-api.yaml')}`, 'node-memory': '8Gi', 'kubernetes-version': '1.31', 'sarif-file': 'reports/oomguard.sarif' }, {}, work);
  t.equal(bad.code, 0, `the lint step itself succeeds: ${bad.stderr}`);
  t.equal(bad.outputs['exit-code'], '1', 'error findings: exit code 1 captured');
  const sarif = JSON.parse(readFileSync(path.join(work, 'reports', 'oomguard.sarif'), 'utf8')) as { version: string; runs: Array<{ results: Array<{ ruleId: string }> }> };
  t.equal(sarif.version, '2.1.0');
  t.ok(sarif.runs[0].results.some((r) => r.ruleId === 'memory-request-missing'), 'the finding is in the SARIF report');

  t.equal(runStep(result, { 'fail-on-error': 'true' }, { exitCode: '1' }, work).code, 1, 'fail-on-error true: the step fails');
  t.equal(runStep(result, { 'fail-on-error': 'false' }, { exitCode: '1' }, work).code, 0, 'fail-on-error false: it passes');
  t.equal(runStep(result, { 'fail-on-error': 'false' }, { exitCode: '2' }, work).code, 1, 'exit code 2 always fails');

  const good = runStep(lint, { paths: path.join(examples, 'guaranteed-api.yaml') }, {}, work);
  t.equal(good.outputs['exit-code'], '0', `clean manifest: exit 0 (${good.stderr})`);
  t.equal(runStep(result, {}, { exitCode: '0' }, work).code, 0);

  // LimitRanges: a memory defaultRequest gives the Prometheus container a request, so the
  // example's only error finding goes away — where the LimitRange is in its namespace. This one
  // names none: it lands in the namespace input (kubectl's -n), else in default.
  const limitRanges = path.join(work, 'limitranges.yaml');
  writeFileSync(
    limitRanges,
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'defaults' }, spec: { limits: [{ type: 'Container', defaultRequest: { memory: '1Gi' } }] } }] }),
  );
  const prometheus = { paths: path.join(examples, 'prometheus.yaml'), 'node-memory': '8Gi', 'limit-ranges': limitRanges, 'sarif-file': 'lr.sarif' };
  const inMonitoring = runStep(lint, { ...prometheus, namespace: 'monitoring' }, {}, work);
  t.equal(inMonitoring.outputs['exit-code'], '0', `limit-ranges and namespace: the request comes from the LimitRange (${inMonitoring.stderr})`);
  const inDefault = runStep(lint, prometheus, {}, work);
  t.equal(inDefault.outputs['exit-code'], '1', 'without the namespace input the LimitRange is in default: not Prometheus\'s');

  const usage = runStep(lint, { paths: path.join(examples, 'guaranteed-api.yaml'), 'kubernetes-version': 'banana' }, {}, work);
  t.equal(usage.outputs['exit-code'], '2', 'bad input: exit 2');
});
