// The container image's runtime layout without Docker: the Dockerfile's final stage is
// package.json + package-lock.json + `npm ci --omit=dev --ignore-scripts` + bin/ + dist/, run as
// USER 10001 with a read-only root filesystem. This reproduces it in a temp dir (from the dist/
// that `npm test` builds first), makes the tree read-only (and, when the test runs as root, runs
// the CLI as uid 10001 like the image, since root ignores file modes), then runs
// `oomguard --version`, `lint` and `serve`. It catches a runtime import of a devDependency, a file
// missing from the layout, and a write at start-up.
// Skips with a message where npm cannot install offline or openssl is missing (serve only).
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import type { SpawnSyncOptions } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
// The image's USER; only possible (and only needed) when the test runs as root.
const runAs = asRoot ? { uid: 10001, gid: 10001 } : {};
const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production', HOME: '/nonexistent', NO_COLOR: '1', KUBECONFIG: '/nonexistent/kubeconfig' };
// Through `env -i`: the image's clean environment, and none of the test runner's NODE_OPTIONS
// hooks (they write under .tap/, which the image's user cannot).
const nodeCmd = (args: string[]): [string, string[]] => ['env', ['-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), process.execPath, ...args]];

function run(cmd: string, args: string[], opts: SpawnSyncOptions) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  return { code: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), error: r.error };
}

function setMode(dir: string, mode: 'read-only' | 'writable'): void {
  // chmod -R: a-w (keeping r and x for everyone, as in an image layer owned by root), or u+w to clean up.
  run('chmod', ['-R', mode === 'read-only' ? 'a-w,a+rX' : 'u+w', dir], {});
}

const work = mkdtempSync(path.join(tmpdir(), 'oomguard-image-'));
chmodSync(work, 0o755);
t.teardown(() => {
  setMode(work, 'writable');
  rmSync(work, { recursive: true, force: true });
});

const app = path.join(work, 'app');

function install(): string | null {
  if (!existsSync(path.join(repoRoot, 'dist', 'src', 'cli', 'main.js'))) return 'dist/ is missing: run `npm run build` (npm test does it first)';
  mkdirSync(app);
  for (const f of ['package.json', 'package-lock.json']) cpSync(path.join(repoRoot, f), path.join(app, f));
  cpSync(path.join(repoRoot, 'bin'), path.join(app, 'bin'), { recursive: true });
  cpSync(path.join(repoRoot, 'dist'), path.join(app, 'dist'), { recursive: true });
  const base = ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'];
  const npmEnv = { ...process.env, NODE_ENV: 'production' };
  let r = run('npm', [...base, '--offline'], { cwd: app, env: npmEnv });
  if (r.code !== 0) r = run('npm', [...base, '--prefer-offline'], { cwd: app, env: npmEnv });
  if (r.code !== 0) return `npm ci --omit=dev could not install here (no network and no cached tarballs?): ${(r.error?.message ?? r.stderr).slice(-400)}`;
  return null;
}

const skipReason = install();
if (skipReason !== null) {
  t.pass(`skipped: ${skipReason}`);
} else {
  // The example and certificates live beside the app, readable by the image's user.
  const examples = path.join(work, 'examples');
  cpSync(path.join(repoRoot, 'examples'), examples, { recursive: true });
  setMode(work, 'read-only');

  const cli = (args: string[]) => run(...nodeCmd([path.join(app, 'bin', 'oomguard.js'), ...args]), { cwd: app, ...runAs });

  t.test('production install: no dev-only packages', async (t) => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
    const lock = JSON.parse(readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    for (const dev of Object.keys(pkg.devDependencies ?? {})) {
      // Some (e.g. @types/node) are also dependencies of production packages: only dev-only ones must be absent.
      if (lock.packages[`node_modules/${dev}`]?.dev !== true) continue;
      t.notOk(existsSync(path.join(app, 'node_modules', dev, 'package.json')), `${dev} not installed`);
    }
    t.ok(existsSync(path.join(app, 'node_modules', 'fastify')), 'fastify installed');
  });

  t.test('the tree is read-only for the user that runs it', async (t) => {
    const r = run(...nodeCmd(['-e', `require('fs').writeFileSync(${JSON.stringify(path.join(app, 'probe'))}, 'x')`]), { ...runAs });
    t.match(r.stderr, /EACCES|EROFS|EPERM/, 'refused by the file system');
    t.not(r.code, 0, 'a write into the app dir fails');
  });

  t.test('oomguard --version', async (t) => {
    const r = cli(['--version']);
    t.equal(r.code, 0, r.stderr);
    const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    t.match(r.stdout, version);
  });

  t.test('oomguard lint examples/prometheus.yaml on an 8Gi node: exit 1, oom_score_adj 999', async (t) => {
    const r = cli(['lint', path.join(examples, 'prometheus.yaml'), '--node-memory', '8Gi', '--format', 'json']);
    t.equal(r.code, 1, r.stderr);
    t.equal(r.stderr, '');
    const out = JSON.parse(r.stdout) as { objects: Array<{ containers: Array<{ name: string; oomScoreAdj: number }>; findings: Array<{ rule: string }> }> };
    t.equal(out.objects[0].containers.find((c) => c.name === 'prometheus')?.oomScoreAdj, 999);
    t.ok(out.objects[0].findings.some((f) => f.rule === 'memory-request-missing'), 'memory-request-missing reported');
  });

  t.test('oomguard fix --dry-run (the yaml and diff runtime dependencies load)', async (t) => {
    const r = cli(['fix', '--dry-run', path.join(examples, 'prometheus.yaml')]);
    t.equal(r.code, 1, r.stderr);
    t.match(r.stdout, /^\+\s+memory: 100Mi/m, 'configmap-reload\'s memory request raised to its limit');
  });

  const openssl = run('openssl', ['version'], {});
  if (openssl.code !== 0) {
    t.pass('skipped serve: openssl is not installed (the certificates are made at test time)');
  } else {
    t.test('oomguard serve: starts, answers /healthz and /metrics, exits 0 on SIGTERM', async (t) => {
      const certs = path.join(work, 'certs');
      setMode(work, 'writable');
      mkdirSync(certs);
      const o = run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'tls.key', '-out', 'tls.crt', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { cwd: certs });
      t.equal(o.code, 0, 'openssl made a certificate');
      if (o.code !== 0) t.comment(o.stderr);
      setMode(work, 'read-only');
      // No --node-memory: the cluster node view (@kubernetes/client-node) is loaded too; with no
      // kubeconfig it judges on the default capacity.
      // env -i execs node (no shell in between), so SIGTERM reaches node directly.
      const child = spawn(...nodeCmd([
        path.join(app, 'bin', 'oomguard.js'), 'serve', '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0',
        '--tls-cert', path.join(certs, 'tls.crt'), '--tls-key', path.join(certs, 'tls.key'), '--shutdown-delay', '0',
      ]), { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], ...runAs });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => { stdout += d; });
      child.stderr.on('data', (d) => { stderr += d; });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });

      const ports = await new Promise<{ port: number; metricsPort: number } | null>((resolve) => {
        const deadline = setTimeout(() => resolve(null), 20000);
        const check = () => {
          for (const line of stdout.split('\n')) {
            if (!line.includes('oomguard webhook listening')) continue;
            const j = JSON.parse(line) as { port: number; metricsPort: number };
            clearTimeout(deadline);
            resolve(j);
            return;
          }
        };
        child.stdout.on('data', check);
        void exited.then(() => { clearTimeout(deadline); resolve(null); });
      });
      if (ports === null) {
        t.fail(`serve did not start: stdout: ${stdout.slice(-1000)} stderr: ${stderr.slice(-1000)}`);
        return;
      }
      const ca = readFileSync(path.join(certs, 'tls.crt'));
      const health = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        https.get({ host: '127.0.0.1', port: ports.port, path: '/healthz', ca, servername: 'localhost' }, (res) => {
          let body = '';
          res.on('data', (d) => { body += d; });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        }).on('error', reject);
      });
      t.equal(health.status, 200, `/healthz: ${health.body}`);
      const metrics = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: ports.metricsPort, path: '/metrics' }, (res) => {
          let body = '';
          res.on('data', (d) => { body += d; });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        }).on('error', reject);
      });
      t.equal(metrics.status, 200, '/metrics answers');
      t.match(metrics.body, /# TYPE /, 'Prometheus text format');
      child.kill('SIGTERM');
      t.equal(await exited, 0, `exit 0 after SIGTERM; stderr: ${stderr.slice(-1000)}`);
      t.notMatch(stdout + stderr, /EROFS|EACCES|EPERM/, 'no failed write');
    });
  }
}
