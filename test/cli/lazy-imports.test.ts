// What each command loads. Importing @kubernetes/client-node costs about 0.3 s and, in 2.x, undici:
// only `serve` without a static node view (--node-memory, --node) and `audit` without --pods read
// the cluster, so only they may load the library. Start-up of `oomguard lint one.yaml` also depends on loading no server code.
// A resolve hook (module.registerHooks, Node 22.15+) records every package the real CLI loads.
import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bin, oomguard, repoRoot } from '../helpers/run-cli.js';
import { hasOpenssl, makeCerts, spawnServe, tmpDir } from '../webhook/helpers.js';

const dir = tmpDir('oomguard-imports-');
const hook = path.join(dir, 'record-packages.mjs');
// Each resolved file under node_modules is counted by its package name; the list is written at exit.
writeFileSync(
  hook,
  `import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const packages = new Set();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    const m = /\\/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(result.url);
    if (m) packages.add(m[1]);
    return result;
  },
});
const write = () => writeFileSync(process.env.OOMGUARD_TEST_PACKAGES_FILE, [...packages].sort().join('\\n'));
process.on('exit', write);
`,
);
const hookArgs = ['--import', pathToFileURL(hook).href];

function packagesFile(name: string): string {
  return path.join(dir, `${name}.txt`);
}

function loaded(name: string): string[] {
  return readFileSync(packagesFile(name), 'utf8').split('\n').filter(Boolean);
}

const example = path.join(repoRoot, 'examples', 'prometheus.yaml');

t.test('lint, explain, fix, rules, whodunit and audit from files load neither the cluster client nor the server', async (t) => {
  const commands: Record<string, string[]> = {
    lint: ['lint', example, '--node-memory', '8Gi'],
    explain: ['explain', example],
    fix: ['fix', example, '--dry-run'],
    rules: ['rules'],
    whodunit: ['whodunit', path.join(repoRoot, 'test', 'fixtures', 'oom-reports', 'real', 'cgroup-v1-burstable-stress-dmesg-T.log')],
    // audit from files (kubectl get … -o json) reads no cluster.
    audit: ['audit', ...['pods', 'nodes', 'replicasets'].flatMap((f) => [`--${f}`, path.join(repoRoot, 'test', 'fixtures', 'audit', `${f}.json`)])],
  };
  for (const [name, args] of Object.entries(commands)) {
    const r = oomguard([...args], { env: { OOMGUARD_TEST_PACKAGES_FILE: packagesFile(name), NODE_OPTIONS: hookArgs.join(' ') } });
    t.not(r.code, 3, `${name}: no internal error: ${r.stderr}`);
    const packages = loaded(name);
    for (const unwanted of ['@kubernetes/client-node', 'undici', 'fastify', 'prom-client', 'pino']) {
      t.notOk(packages.includes(unwanted), `${name} does not load ${unwanted}`);
    }
  }
  t.ok(loaded('lint').includes('js-yaml'), 'lint loads its YAML parser (the hook is not blind)');
});

t.test('serve loads the cluster client only without a static node view', { skip: hasOpenssl() ? false : 'openssl is not installed (webhook TLS tests need it)' }, async (t) => {
  const certs = makeCerts(['serve']);
  t.teardown(() => certs.cleanup());
  const pair = certs.pair('serve');
  const serve = async (name: string, nodeArgs: string[]) => {
    process.env.OOMGUARD_TEST_PACKAGES_FILE = packagesFile(name);
    try {
      const running = await spawnServe(t, [...hookArgs, bin, 'serve', '--host', '127.0.0.1', '--port', '0', '--metrics-port', 'off', '--tls-cert', pair.certFile, '--tls-key', pair.keyFile, '--shutdown-delay', '0', ...nodeArgs]);
      running.child.kill('SIGTERM');
      t.equal(await running.exited, 0, `${name}: a clean shutdown on SIGTERM`);
    } finally {
      delete process.env.OOMGUARD_TEST_PACKAGES_FILE;
    }
    return loaded(name);
  };
  const staticView = await serve('serve-static', ['--node-memory', '8Gi']);
  t.ok(staticView.includes('fastify'), 'the server is loaded');
  t.notOk(staticView.includes('@kubernetes/client-node'), '--node-memory: no cluster client');
  const staticLimitRanges = await serve('serve-static-limit-ranges', ['--node-memory', '8Gi', '--limit-ranges', path.join(repoRoot, 'test/fixtures/webhook/limit-ranges.yaml')]);
  t.notOk(staticLimitRanges.includes('@kubernetes/client-node'), '--node-memory with --limit-ranges FILE: no cluster client');
  // No static view: the cluster is read (a kubeconfig that does not exist: judged on the default).
  process.env.KUBECONFIG = path.join(dir, 'no-such-kubeconfig');
  t.teardown(() => {
    delete process.env.KUBECONFIG;
  });
  const clusterView = await serve('serve-cluster', []);
  t.ok(clusterView.includes('@kubernetes/client-node'), 'without a static view the cluster client is loaded');
});

t.test('audit loads the cluster client when it reads the cluster', async (t) => {
  // A kubeconfig that does not exist: the client is loaded to read it, and the audit stops there (exit 2).
  const r = oomguard(['audit', '--kubeconfig', path.join(dir, 'no-such-kubeconfig')], {
    env: { OOMGUARD_TEST_PACKAGES_FILE: packagesFile('audit-cluster'), NODE_OPTIONS: hookArgs.join(' ') },
  });
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, /--kubeconfig .*no-such-kubeconfig: no such file/);
  t.ok(loaded('audit-cluster').includes('@kubernetes/client-node'), 'the cluster client is loaded');
  t.notOk(loaded('audit-cluster').includes('fastify'), 'no server');
});
