// `oomguard fix` and `oomguard lint --fix`, end to end with the built CLI on files in a temporary
// folder: the rewrite, what it leaves alone, --dry-run, stdin, refusals, and the corpus.
import t from 'tap';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { oomguard, repoRoot, corpusDir } from '../helpers/run-cli.js';

function tempDir(t: { teardown(fn: () => unknown): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'oomguard-fix-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const BURSTABLE = `# The API: limits everywhere, requests below them.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api   # keep this comment
  namespace: shop
spec:
  replicas: 3
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: "registry.example/api:1.4"
          resources:
            requests:
              cpu: 250m      # was sized by hand
              memory: '512Mi'
            limits:
              cpu: "1"
              memory: 1Gi
        - name: proxy
          image: envoy
          resources:
            limits: {cpu: 200m, memory: 128Mi}
---
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  ports: [{port: 80}]
`;

const GUARANTEED_TEXT = BURSTABLE.replace(
  `            requests:
              cpu: 250m      # was sized by hand
              memory: '512Mi'`,
  `            requests:
              cpu: "1"      # was sized by hand
              memory: '1Gi'`,
);

function qosOf(file: string, cwd: string): string {
  const r = oomguard(['lint', file, '--format', 'json'], { cwd });
  return JSON.parse(r.stdout).objects.find((o: { kind: string }) => o.kind === 'Deployment').qosClass;
}

t.test('fix makes a Burstable Deployment Guaranteed and changes nothing else', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'api.yaml');
  writeFileSync(file, BURSTABLE);
  t.equal(qosOf('api.yaml', dir), 'Burstable');

  const r = oomguard(['fix', 'api.yaml'], { cwd: dir });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '');
  t.match(r.stdout, /^api\.yaml:2: Deployment shop\/api: requests raised to limits \(2 changes\)$/m);
  t.match(r.stdout, /raised requests to limits in 1 object in 1 file/);
  t.equal(readFileSync(file, 'utf8'), GUARANTEED_TEXT, 'only the requests changed, in the file\'s own style');
  t.equal(qosOf('api.yaml', dir), 'Guaranteed');

  const again = oomguard(['fix', 'api.yaml'], { cwd: dir });
  t.equal(again.code, 0);
  t.match(again.stdout, /nothing to change/);
  t.equal(readFileSync(file, 'utf8'), GUARANTEED_TEXT, 'a second run changes nothing');
});

t.test('--dry-run prints a unified diff that git applies, exits 1, and writes nothing', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'api.yaml');
  writeFileSync(file, BURSTABLE);
  const r = oomguard(['fix', '--dry-run', 'api.yaml'], { cwd: dir });
  t.equal(r.code, 1, r.stderr);
  t.equal(readFileSync(file, 'utf8'), BURSTABLE, 'the file is untouched');
  t.match(r.stdout, /^--- a\/api\.yaml\n\+\+\+ b\/api\.yaml\n@@ /);
  t.match(r.stdout, /^-\s+cpu: 250m {6}# was sized by hand$/m);
  t.match(r.stdout, /^\+\s+cpu: "1" {6}# was sized by hand$/m);
  t.match(r.stderr, /would raise requests to limits in 1 object in 1 file/);

  const git = spawnSync('git', ['--version']);
  if (git.status !== 0) {
    t.comment('skipped the git apply check: git is not installed');
    return;
  }
  writeFileSync(path.join(dir, 'fix.diff'), r.stdout);
  const applied = spawnSync('git', ['apply', 'fix.diff'], { cwd: dir, encoding: 'utf8' });
  t.equal(applied.status, 0, applied.stderr);
  t.equal(readFileSync(file, 'utf8'), GUARANTEED_TEXT, 'the diff is exactly the fix');
});

t.test('stdin: - prints the fixed text', async (t) => {
  const r = oomguard(['fix', '-'], { input: BURSTABLE });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, GUARANTEED_TEXT);
  t.match(r.stderr, /<stdin>:2: Deployment shop\/api: requests raised to limits/);
  const same = oomguard(['fix', '-'], { input: GUARANTEED_TEXT });
  t.equal(same.stdout, GUARANTEED_TEXT, 'compliant input passes through unchanged');
});

t.test('pod-level resources: spec.resources alone where it decides, per --kubernetes-version and --feature-gates', async (t) => {
  const pod = `apiVersion: v1
kind: Pod
metadata: {name: shared}
spec:
  resources:
    requests: {cpu: "1", memory: 1Gi}
    limits: {cpu: "2", memory: 2Gi}
  containers:
    - name: app
      resources:
        requests: {cpu: 500m, memory: 512Mi}
        limits: {cpu: "2", memory: 2Gi}
    - name: side
      resources:
        requests: {cpu: 100m, memory: 128Mi}
        limits: {cpu: "1", memory: 1Gi}
`;
  const newest = oomguard(['fix', '-'], { input: pod });
  t.equal(newest.code, 0, newest.stderr);
  t.equal(newest.stdout, pod.replace('requests: {cpu: "1", memory: 1Gi}', 'requests: {cpu: "2", memory: 2Gi}'), 'the pod-level requests only: the containers keep theirs');
  for (const args of [['--kubernetes-version', '1.33'], ['--feature-gates', 'PodLevelResources=false']]) {
    const containers = oomguard(['fix', '-', ...args], { input: pod });
    t.equal(containers.code, 0, containers.stderr);
    t.match(containers.stdout, /requests: \{cpu: "1", memory: 1Gi\}\n/, `${args.join(' ')}: spec.resources untouched (the API server drops it)`);
    t.match(containers.stdout, /requests: \{cpu: "2", memory: 2Gi\}\n\s+limits: \{cpu: "2", memory: 2Gi\}/, `${args.join(' ')}: container requests raised`);
  }
  t.equal(oomguard(['fix', '-', '--kubernetes-version', '2.0'], { input: pod }).code, 2, 'a version it does not model is a usage error');
});

t.test('JSON, CRLF and a byte order mark are kept', async (t) => {
  const dir = tempDir(t);
  const json = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    // Pod-level limits without a request: the request is written (it would default to the
    // containers' aggregate, not to the limit).
    spec: { resources: { limits: { memory: '1Gi' } }, containers: [{ name: 'c', resources: { limits: { memory: '1Gi' } } }] },
  };
  writeFileSync(path.join(dir, 'pod.json'), `${JSON.stringify(json, null, 4)}\n`);
  const crlf = BURSTABLE.replace(/\n/g, '\r\n');
  writeFileSync(path.join(dir, 'crlf.yaml'), `\ufeff${crlf}`);
  const r = oomguard(['fix', '.'], { cwd: dir });
  t.equal(r.code, 0, r.stderr);
  const fixedJson = readFileSync(path.join(dir, 'pod.json'), 'utf8');
  t.same(JSON.parse(fixedJson).spec.resources, { limits: { memory: '1Gi' }, requests: { memory: '1Gi' } });
  t.match(fixedJson, /\n {12}\},\n {12}"requests": \{\n {16}"memory": "1Gi"\n {12}\}\n/, 'JSON keeps its 4-space layout');
  const fixedCrlf = readFileSync(path.join(dir, 'crlf.yaml'), 'utf8');
  t.equal(fixedCrlf, `\ufeff${GUARANTEED_TEXT.replace(/\n/g, '\r\n')}`);
});

t.test('what fix leaves alone: opt-outs, pods without limits, other kinds', async (t) => {
  const dir = tempDir(t);
  const optedOut = BURSTABLE.replace('  namespace: shop\n', '  namespace: shop\n  annotations:\n    oomguard.io/mutate: "false"\n');
  writeFileSync(path.join(dir, 'opted-out.yaml'), optedOut);
  const noLimits = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    resources: {requests: {memory: 1Gi}}\n';
  writeFileSync(path.join(dir, 'no-limits.yaml'), noLimits);
  const r = oomguard(['fix', '.'], { cwd: dir });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /opted-out\.yaml:2: Deployment shop\/api: skipped \(oomguard\.io\/mutate: "false"\)/);
  t.match(r.stdout, /nothing to change/);
  t.equal(readFileSync(path.join(dir, 'opted-out.yaml'), 'utf8'), optedOut);
  t.equal(readFileSync(path.join(dir, 'no-limits.yaml'), 'utf8'), noLimits);
});

t.test('refusals leave the file as it was and exit 2 with one line naming file and document', async (t) => {
  const dir = tempDir(t);
  const aliased = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: {name: first}',
    '---',
    'apiVersion: v1',
    'kind: Pod',
    'metadata: {name: p}',
    'spec:',
    '  containers:',
    '  - name: a',
    '    resources: &r',
    '      limits: {memory: 1Gi}',
    '      requests: {memory: 512Mi}',
    '  - name: b',
    '    resources: *r',
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'aliased.yaml'), aliased);
  const broken = `${BURSTABLE}---\nkind: [unclosed\n`;
  writeFileSync(path.join(dir, 'broken.yaml'), broken);
  writeFileSync(path.join(dir, 'good.yaml'), BURSTABLE);
  const r = oomguard(['fix', '.'], { cwd: dir });
  t.equal(r.code, 2);
  t.match(r.stderr, /^oomguard: aliased\.yaml document 2: cannot apply requests-equal-limits: spec\.containers\[1\]\.resources\.requests\.memory: the path goes through the alias \*r; edit the anchored node by hand; the file is left unchanged$/m);
  t.match(r.stderr, /^oomguard: broken\.yaml document 3 line \d+: /m);
  t.match(r.stderr, /^oomguard: broken\.yaml: not rewritten because parts of it could not be read$/m);
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  t.equal(readFileSync(path.join(dir, 'aliased.yaml'), 'utf8'), aliased);
  t.equal(readFileSync(path.join(dir, 'broken.yaml'), 'utf8'), broken);
  t.equal(readFileSync(path.join(dir, 'good.yaml'), 'utf8'), GUARANTEED_TEXT, 'the other files are still fixed');
});

t.test('usage errors', async (t) => {
  t.equal(oomguard(['fix']).code, 2);
  const bad = oomguard(['fix', '--mutate', 'everything', 'x.yaml']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /unknown --mutate "everything" \(expected requests-equal-limits\)/);
  const help = oomguard(['fix', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /Usage: oomguard fix/);
});

t.test('lint --fix applies the fixes failing rules offer, then reports what remains', async (t) => {
  const dir = tempDir(t);
  writeFileSync(path.join(dir, '.oomguard.yaml'), 'rules:\n  qos-class: [error, { minimum: Guaranteed }]\n');
  writeFileSync(path.join(dir, 'api.yaml'), BURSTABLE);
  const noLimits = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    resources: {requests: {memory: 1Gi}}\n';
  writeFileSync(path.join(dir, 'no-limits.yaml'), noLimits);

  const before = oomguard(['lint', '.', '--format', 'json'], { cwd: dir });
  t.equal(before.code, 1);
  const r = oomguard(['lint', '.', '--fix', '--format', 'json'], { cwd: dir });
  t.equal(r.code, 1, 'the Pod without limits still fails: choosing limits is not a fix');
  t.match(r.stderr, /^oomguard: fixed 1 finding in 1 file$/m);
  const report = JSON.parse(r.stdout);
  const api = report.objects.find((o: { name: string }) => o.name === 'api');
  t.equal(api.qosClass, 'Guaranteed');
  t.same(api.findings.filter((f: { rule: string }) => f.rule === 'qos-class'), []);
  const pod = report.objects.find((o: { name: string }) => o.name === 'p');
  t.ok(pod.findings.some((f: { rule: string }) => f.rule === 'qos-class'));
  t.equal(readFileSync(path.join(dir, 'no-limits.yaml'), 'utf8'), noLimits);
  const api2 = readFileSync(path.join(dir, 'api.yaml'), 'utf8');
  t.same(oomguard(['lint', 'api.yaml', '--format', 'json'], { cwd: dir }).code, 0);
  t.match(api2, /# keep this comment/);

  const stdin = oomguard(['lint', '-', '--fix'], { input: BURSTABLE });
  t.equal(stdin.code, 2);
  t.match(stdin.stderr, /--fix rewrites files and cannot rewrite standard input/);
});

if (!existsSync(corpusDir)) {
  t.pass(`skipped the corpus run: no corpus at ${corpusDir}`);
} else {
  t.test('the corpus: every fixable file is rewritten or refused cleanly, and a second run is a no-op', async (t) => {
    const dir = tempDir(t);
    // Copy the manifests (never edit the corpus), flattening names.
    const copy = (from: string) => {
      for (const entry of readdirSync(from, { withFileTypes: true })) {
        const abs = path.join(from, entry.name);
        if (entry.isDirectory()) copy(abs);
        else if (/\.(ya?ml|json)$/i.test(entry.name)) copyFileSync(abs, path.join(dir, path.relative(corpusDir, abs).replace(/[\\/]/g, '__')));
      }
    };
    copy(corpusDir);
    const r = oomguard(['fix', '.'], { cwd: dir });
    t.not(r.code, 3, r.stderr.slice(0, 500));
    t.notMatch(r.stderr, /internal error/);
    const refused = r.stderr.split('\n').filter((l) => /cannot apply/.test(l));
    t.ok(refused.length <= 5, `refused: ${refused.join(' | ')}`);
    const changed = /raised requests to limits in (\d+) objects? in (\d+) files?/.exec(r.stdout);
    t.ok(changed !== null && Number(changed[2]) >= 50, `files fixed: ${changed?.[2]}`);
    const again = oomguard(['fix', '.'], { cwd: dir });
    t.match(again.stdout, /nothing to change/, 'idempotent over the whole corpus');
    // And the rewritten corpus parses and lints as before, minus the failing findings fix removes.
    const lint = oomguard(['lint', '.', '--format', 'json'], { cwd: dir });
    t.not(lint.code, 3);
  });
}

t.test('the README example manifest can be fixed', async (t) => {
  const dir = tempDir(t);
  copyFileSync(path.join(repoRoot, 'examples', 'guaranteed-api.yaml'), path.join(dir, 'g.yaml'));
  const before = readFileSync(path.join(dir, 'g.yaml'), 'utf8');
  const r = oomguard(['fix', 'g.yaml'], { cwd: dir });
  t.equal(r.code, 0);
  t.equal(readFileSync(path.join(dir, 'g.yaml'), 'utf8'), before, 'an already Guaranteed workload is untouched');
});
