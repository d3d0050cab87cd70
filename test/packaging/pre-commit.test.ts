// The pre-commit hook (.pre-commit-hooks.yaml) with the real client: a snapshot of this working
// tree committed to a temp git repository is the hook repository; `pre-commit try-repo` runs the
// `oomguard` hook in a sample repository on a bad manifest (fails) and a good one (passes).
// pre-commit's node language installs the hook repository with npm (`npm install`, which builds
// through the prepare script, then `npm pack` and `npm install -g` of the tarball) into a node env
// with language_version system (pre-commit's default where node is on PATH): nothing is
// downloaded when npm's cache is warm (npm ci has just filled it); npm_config_prefer_offline makes
// npm use it. npm_config_loglevel=silent keeps npm's lifecycle banners out of `npm pack`'s stdout,
// which pre-commit < 4.3 reads as the tarball's name (pre-commit/pre-commit#3460).
// Skips with a message where pre-commit or git is not installed (.ci/run installs the Debian
// package) or where npm cannot install offline.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import type { SpawnSyncOptions } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  return { code: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), error: r.error };
}

const preCommit = run('pre-commit', ['--version']);
const git = run('git', ['--version']);
if (preCommit.code !== 0 || git.code !== 0) {
  t.pass(`skipped: ${preCommit.code !== 0 ? 'pre-commit' : 'git'} is not installed (Debian: apt-get install pre-commit; .ci/run does)`);
} else {
  t.setTimeout(300000); // two npm installs of the hook (try-repo's and the config's)
  const work = mkdtempSync(path.join(tmpdir(), 'oomguard-pre-commit-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  const gitId = ['-c', 'user.email=test@oomguard.invalid', '-c', 'user.name=oomguard test', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main'];

  // The hook repository: this working tree as it would be pushed (no build output, no installs).
  const hookRepo = path.join(work, 'hook');
  const skip = new Set(['node_modules', 'dist', '.git', '.tap', 'test', 'coverage']);
  cpSync(repoRoot, hookRepo, {
    recursive: true,
    filter: (src) => {
      const rel = path.relative(repoRoot, src);
      return rel === '' || !skip.has(rel.split(path.sep)[0]);
    },
  });
  for (const args of [['init', '-q'], ['add', '-A'], ['commit', '-q', '--no-verify', '-m', 'snapshot']]) {
    const r = run('git', [...gitId, ...args], { cwd: hookRepo });
    if (r.code !== 0) throw new Error(`git ${args[0]} in the hook snapshot: ${r.stderr}`);
  }

  // The sample repository that uses the hook.
  const sample = path.join(work, 'sample');
  mkdirSync(sample);
  cpSync(path.join(repoRoot, 'examples', 'prometheus.yaml'), path.join(sample, 'bad.yaml'));
  cpSync(path.join(repoRoot, 'examples', 'guaranteed-api.yaml'), path.join(sample, 'good.yaml'));
  const fixable = [
    'apiVersion: v1',
    'kind: Pod',
    'metadata: {name: fixable}',
    'spec:',
    '  containers:',
    '  - name: app   # sized by hand',
    '    resources:',
    '      limits: {cpu: "1", memory: 1Gi}',
    '      requests: {cpu: 250m, memory: 512Mi}',
    '',
  ].join('\n');
  writeFileSync(path.join(sample, 'fixable.yaml'), fixable);
  writeFileSync(path.join(sample, 'notes.txt'), 'not a manifest\n');
  writeFileSync(path.join(sample, 'package.json'), '{"name": "sample", "private": true}\n');
  for (const args of [['init', '-q'], ['add', '-A']]) run('git', [...gitId, ...args], { cwd: sample });

  // pre-commit's node hooks run on the "system" Node.js through nodeenv, which takes `nodejs` from
  // PATH before `node`: Debian's /usr/bin/nodejs would win over the Node.js running these tests
  // (the registry's Node.js packages ship only `node`). Both names go first on PATH, pointing here.
  const nodeBin = path.join(work, 'node-bin');
  mkdirSync(nodeBin);
  for (const name of ['node', 'nodejs']) symlinkSync(process.execPath, path.join(nodeBin, name));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${nodeBin}${path.delimiter}${process.env.PATH ?? '/usr/bin:/bin'}`,
    PRE_COMMIT_HOME: path.join(work, 'cache'),
    PRE_COMMIT_COLOR: 'never',
    npm_config_prefer_offline: 'true',
    npm_config_loglevel: 'silent',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    NO_COLOR: '1',
  };
  // The test runner's NODE_OPTIONS hooks must not reach the hook's node.
  delete env.NODE_OPTIONS;
  const tryRepo = (files: string[]) => run('pre-commit', ['try-repo', hookRepo, 'oomguard', '--files', ...files], { cwd: sample, env });

  // try-repo installs into a throwaway store on every call (~40 s here): once, on the bad manifest.
  const bad = tryRepo(['bad.yaml']);
  const installLog = `${bad.stdout}\n${bad.stderr}`;
  if (/An unexpected error has occurred/.test(installLog) && /ENOTCACHED|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|network/i.test(installLog)) {
    t.pass(`skipped: npm could not install the hook offline (cold npm cache?): ${installLog.slice(-600)}`);
  } else {
    t.test('try-repo: a bad manifest fails the hook', async (t) => {
      t.equal(bad.code, 1, 'exit 1');
      if (bad.code !== 1) t.comment(installLog.slice(-3000));
      t.match(bad.stdout, /oomguard.*Failed/);
      t.match(bad.stdout, /memory-request-missing/);
      t.match(bad.stdout, /bad\.yaml/);
    });

    // The documented .pre-commit-config.yaml (docs/ci.md), pinned to the snapshot's commit, with
    // language_version: system; its environment is installed once and reused.
    const rev = run('git', ['rev-parse', 'HEAD'], { cwd: hookRepo }).stdout.trim();
    writeFileSync(path.join(sample, '.pre-commit-config.yaml'), [
      'repos:',
      `  - repo: ${hookRepo}`,
      `    rev: ${rev}`,
      '    hooks:',
      '      - id: oomguard',
      '        language_version: system',
      "        args: ['--node-memory', '8Gi']",
      '      - id: oomguard-fix',
      '        language_version: system',
      '',
    ].join('\n'));
    run('git', [...gitId, 'add', '-A'], { cwd: sample });
    const runHook = (files: string[]) => run('pre-commit', ['run', 'oomguard', '--files', ...files], { cwd: sample, env });

    t.test('config: a good manifest passes; other files are not passed', async (t) => {
      const good = runHook(['good.yaml', 'notes.txt']);
      t.equal(good.code, 0, 'exit 0');
      if (good.code !== 0) t.comment(`${good.stdout}\n${good.stderr}`.slice(-3000));
      t.match(good.stdout, /oomguard.*Passed/);
    });

    t.test('config: the node env is language_version system', async (t) => {
      const cache = path.join(work, 'cache');
      const envs: string[] = [];
      for (const d of existsSync(cache) ? readdirSync(cache, { withFileTypes: true }) : []) {
        if (d.isDirectory()) envs.push(...readdirSync(path.join(cache, d.name)).filter((e) => e.startsWith('node_env-')));
      }
      t.same(envs, ['node_env-system'], `node envs: ${envs.join(', ')}`);
    });

    t.test('config: the bad manifest fails, with the hook\'s args', async (t) => {
      const r = runHook(['bad.yaml', 'good.yaml']);
      t.equal(r.code, 1, 'exit 1');
      if (r.code !== 1) t.comment(`${r.stdout}\n${r.stderr}`.slice(-3000));
      t.match(r.stdout, /oom_score_adj 999 on an 8Gi node/);
    });

    t.test('config: oomguard-fix rewrites a Burstable manifest, fails the run, and then passes', async (t) => {
      const first = run('pre-commit', ['run', 'oomguard-fix', '--files', 'fixable.yaml', 'good.yaml'], { cwd: sample, env });
      t.equal(first.code, 1, 'exit 1: files were modified');
      t.match(first.stdout, /oomguard fix.*Failed/);
      t.match(first.stdout, /files were modified by this hook/);
      t.equal(readFileSync(path.join(sample, 'fixable.yaml'), 'utf8'), fixable.replace('{cpu: 250m, memory: 512Mi}', '{cpu: "1", memory: 1Gi}'));
      run('git', [...gitId, 'add', '-A'], { cwd: sample });
      const second = run('pre-commit', ['run', 'oomguard-fix', '--files', 'fixable.yaml', 'good.yaml'], { cwd: sample, env });
      t.equal(second.code, 0, 'exit 0 once fixed');
      if (second.code !== 0) t.comment(`${second.stdout}\n${second.stderr}`.slice(-3000));
    });

    t.test('config: only non-manifest files (incl. the excluded YAML/JSON ones): the hook is skipped', async (t) => {
      const none = runHook(['notes.txt', 'package.json', '.pre-commit-config.yaml']);
      t.equal(none.code, 0, 'exit 0');
      if (none.code !== 0) t.comment(none.stdout);
      t.match(none.stdout, /oomguard.*Skipped/);
    });
  }
}
