// `oomguard serve` as a process: flags, the listening server, and a graceful SIGTERM that finishes
// the review in flight. The child runs the TypeScript sources through tap's own loader.
import t from 'tap';
import https from 'node:https';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { readServeLimitRanges, serveSettings } from '../../src/cli/serve.js';
import { fixturesDir, fixture, hasOpenssl, makeCerts, request, spawnServe } from './helpers.js';
import { capturingIo } from '../helpers/run-cli.js';

t.test('flags: usage errors exit 2 with one line, --help exits 0', async (t) => {
  const a = capturingIo();
  t.equal(await main(['serve'], a.io), 2);
  t.match(a.err.join(''), /--tls-cert and --tls-key are required/);
  const b = capturingIo();
  t.equal(await main(['serve', '--tls-cert', 'a', '--tls-key', 'b', '--mode', 'block'], b.io), 2);
  t.match(b.err.join(''), /--mode must be one of enforce, warn, audit/);
  const c = capturingIo();
  t.equal(await main(['serve', '--tls-cert', 'a', '--tls-key', 'b', '--failure-policy', 'ignore'], c.io), 2);
  t.match(c.err.join(''), /Ignore, Fail/);
  const d = capturingIo();
  t.equal(await main(['serve', '--tls-cert', 'a', '--tls-key', 'b', '--node-memory', '8GB'], d.io), 2);
  const e = capturingIo();
  t.equal(await main(['serve', '--tls-cert', '/nonexistent.crt', '--tls-key', '/nonexistent.key', '--port', '0', '--metrics-port', 'off', '--node-memory', '8Gi'], e.io), 2);
  t.match(e.err.join(''), /cannot read certificate/);
  const h = capturingIo();
  t.equal(await main(['serve', '--help'], h.io), 0);
  t.match(h.out.join(''), /--failure-policy/);
  const s = serveSettings(['--tls-cert', 'x.crt', '--tls-key', 'x.key', '--mode', 'enforce', '--mutate', 'requests-equal-limits', '--metrics-port', 'off', '--kubernetes-version', '1.31'], capturingIo().io)!;
  t.match(s, { port: 8443, metricsPort: null, mode: 'enforce', mutation: 'requests-equal-limits', failurePolicy: 'Ignore', kubernetesVersion: '1.31', staticNode: null });
});

t.test('--limit-ranges FILE: LimitRanges read as the API server stores them, or one usage line', async (t) => {
  const base = ['--tls-cert', 'x.crt', '--tls-key', 'x.key', '--node-memory', '16Gi'];
  const read = (...args: string[]) => readServeLimitRanges(serveSettings([...base, ...args], capturingIo().io)!, capturingIo().io);
  const lrs = (await read('--limit-ranges', path.join(fixturesDir, 'limit-ranges.yaml')))!;
  t.same(lrs.map((lr) => lr.id), ['team/mem', 'default/bounds'], 'a List; no namespace: "default"');
  t.equal(lrs[1].items[0].default.get('memory')?.toString(), '1Gi', 'max becomes the default limit (SetDefaults_LimitRangeItem)');
  t.equal(lrs[1].items[0].defaultRequest.get('memory')?.toString(), '1Gi');
  t.equal(await read(), null, 'none given: null (the cluster, or none with a static node view)');
  t.same(await read('--limit-ranges', path.join(fixturesDir, 'limit-ranges-empty.yaml')), [], 'an empty List: none');
  const twice = (await read('--limit-ranges', path.join(fixturesDir, 'limit-ranges.yaml'), '--limit-ranges', path.join(fixturesDir, 'limit-ranges.yaml')))!;
  t.equal(twice.length, 2, 'given more than once: a LimitRange counts once');

  const invalid = capturingIo();
  t.equal(await main(['serve', ...base, '--limit-ranges', path.join(fixturesDir, 'limit-ranges-invalid.yaml')], invalid.io), 2);
  t.match(invalid.err.join(''), /--limit-ranges .*limit-ranges-invalid\.yaml.* line 10: LimitRange upside-down: spec\.limits\[0\]\.min\.memory: min value 2Gi is greater than max value 1Gi/);
  const other = capturingIo();
  t.equal(await main(['serve', ...base, '--limit-ranges', path.join(fixturesDir, 'create-configmap.json')], other.io), 2);
  t.match(other.err.join(''), /is not a LimitRange/);
  const missing = capturingIo();
  t.equal(await main(['serve', ...base, '--limit-ranges', 'no-such.yaml'], missing.io), 2);
  t.match(missing.err.join(''), /--limit-ranges no-such\.yaml/);
});

if (!hasOpenssl()) {
  t.comment('skipping the process test: openssl is not installed');
} else {
  t.test('SIGTERM: readiness off, the in-flight review is answered, then a clean exit', async (t) => {
    const certs = makeCerts(['serve']);
    t.teardown(() => certs.cleanup());
    const pair = certs.pair('serve');
    const loader = process.execArgv.filter((a) => a.includes('@tapjs/typescript'));
    const { child, port, exited, output } = await spawnServe(t, [...loader, path.join(fixturesDir, 'serve-entry.ts'), 'serve', '--host', '127.0.0.1', '--port', '0', '--metrics-port', '0', '--tls-cert', pair.certFile, '--tls-key', pair.keyFile, '--mode', 'enforce', '--node-memory', '16Gi', '--limit-ranges', path.join(fixturesDir, 'limit-ranges.yaml'), '--shutdown-delay', '1.5']);
    const ready = await request({ port, ca: certs.ca, path: '/readyz' });
    t.equal(ready.status, 200);
    t.match(ready.json, { checks: { limitRanges: 'ok' }, limitRanges: { state: 'static', source: 'file', limitRanges: 2, namespaces: 2 } }, '--limit-ranges: static, from the file');
    // Review lines gathered by the asynchronous log destination: all of them must be out by the exit.
    const earlier = 20;
    for (let i = 0; i < earlier; i++) {
      const r = await request({ port, ca: certs.ca, path: '/validate?timeout=10s', body: JSON.stringify({ ...fixture('create-prometheus.json'), request: { ...(fixture('create-prometheus.json').request as object), uid: `early-${i}` } }) });
      t.equal(r.status, 200);
    }

    // A review whose body is half sent when SIGTERM arrives.
    const body = JSON.stringify(fixture('create-prometheus.json'));
    const half = Math.floor(body.length / 2);
    const answer = new Promise<{ status: number; json: any }>((resolve, reject) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      const req = https.request(
        { host: '127.0.0.1', port, method: 'POST', path: '/validate?timeout=10s', ca: certs.ca, servername: 'localhost', agent: false, headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, half));
      setTimeout(() => {
        child.kill('SIGTERM');
        setTimeout(async () => {
          try {
            const ready = await request({ port, ca: certs.ca, path: '/readyz' });
            t.equal(ready.status, 503, 'readiness is off during the shutdown delay');
          } catch (err) {
            t.fail(`readyz during shutdown: ${(err as Error).message}`);
          }
          req.end(body.slice(half));
        }, 200);
      }, 200);
    });
    const r = await answer;
    t.equal(r.status, 200, 'the in-flight review is answered');
    t.equal(r.json.response.uid, '705ab4f5-6393-11e8-b7cc-42010a800002');
    t.equal(r.json.response.allowed, false);
    t.equal(await exited, 0, 'exit code 0');
    const { stdout } = output();
    t.match(stdout, /"msg":"stopped"/);
    await t.rejects(request({ port, ca: certs.ca, path: '/healthz' }), 'nothing listens any more');
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    t.ok(lines.every((l) => typeof l.level === 'number' && typeof l.msg === 'string'), 'structured JSON logs');
    t.same(lines.filter((l) => l.msg === 'validate').map((l) => l.uid).slice(0, earlier), Array.from({ length: earlier }, (_, i) => `early-${i}`), 'every review line written, in order');
    t.equal(lines.at(-1)?.msg, 'stopped', 'the last line is written before the exit');
    const review = lines.find((l) => l.msg === 'validate' && l.uid === '705ab4f5-6393-11e8-b7cc-42010a800002');
    t.match(review, { uid: '705ab4f5-6393-11e8-b7cc-42010a800002', decision: 'deny', kind: 'Deployment', object: 'monitoring/prometheus' });
    t.notMatch(stdout, /prom\/prometheus:v2\.14\.0|storage\.tsdb|has no memory request/, 'no object contents or finding text at info level');
  });
}
