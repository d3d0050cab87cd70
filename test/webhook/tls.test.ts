// The webhook as the API server meets it: a real HTTPS listener on 127.0.0.1 with certificates made
// by openssl at test time (skipped with a message when openssl is absent). TLS 1.2+, reviews over
// TLS, certificate reload through a Kubernetes-style `..data` symlink swap without dropping
// connections, a broken pair rejected, slow clients cut off, metrics on a plain-HTTP port.
import t from 'tap';
import https from 'node:https';
import http from 'node:http';
import tls from 'node:tls';
import { mkdirSync, copyFileSync, symlinkSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hasOpenssl, makeCerts, fixture, listen, nodes16Gi, postReview, request, tmpDir } from './helpers.js';
import type { Certs } from './helpers.js';
import { startServer } from '../../src/webhook/serve.js';
import { applyPatch } from '../../src/engine/fix.js';
import { TlsError, loadTlsPair } from '../../src/webhook/plugins/tls-reload.js';

if (!hasOpenssl()) {
  t.plan(0, 'skipped: openssl is not installed, and the TLS tests make their certificates with it');
} else {
  const certs: Certs = makeCerts(['one', 'two', 'three']);
  t.teardown(() => certs.cleanup());

  t.test('reviews over TLS: validate and mutate answer like the API server expects', async (t) => {
    const server = await listen({ tls: { certFile: certs.pair('one').certFile, keyFile: certs.pair('one').keyFile }, nodes: nodes16Gi(), mode: 'enforce', mutation: 'requests-equal-limits' });
    t.teardown(() => server.close());
    const r = await postReview(server.port, certs.ca, '/validate', fixture('create-prometheus.json'));
    t.equal(r.status, 200);
    t.equal(r.peerCN, 'one.oomguard.test');
    t.equal(r.json.response.allowed, false);
    t.match(r.json.response.status.message, /oom_score_adj 999 on a 16Gi node/);

    const dry = fixture('create-pod-burstable-dryrun.json');
    const m = await postReview(server.port, certs.ca, '/mutate', dry);
    t.equal(m.json.response.uid, 'e911857d-c318-11e8-bbad-025000000001');
    t.equal(m.json.response.patchType, 'JSONPatch');
    const ops = JSON.parse(Buffer.from(m.json.response.patch, 'base64').toString('utf8'));
    const pod = (dry.request as { object: unknown }).object;
    const fixed = applyPatch(pod, ops);
    const again = await postReview(server.port, certs.ca, '/mutate', { ...dry, request: { ...(dry.request as object), object: fixed } });
    t.same(again.json.response, { uid: 'e911857d-c318-11e8-bbad-025000000001', allowed: true }, 'idempotent: no patch the second time');
    const validated = await postReview(server.port, certs.ca, '/validate', { ...dry, request: { ...(dry.request as object), object: fixed } });
    t.equal(validated.json.response.allowed, true, 'the patched pod passes validation');
  });

  t.test('TLS 1.2 and 1.3 only', async (t) => {
    const server = await listen({ tls: { certFile: certs.pair('one').certFile, keyFile: certs.pair('one').keyFile }, nodes: nodes16Gi() });
    t.teardown(() => server.close());
    const v12 = await request({ port: server.port, ca: certs.ca, path: '/healthz', maxVersion: 'TLSv1.2' });
    t.equal(v12.status, 200);
    t.equal(v12.protocol, 'TLSv1.2');
    const v13 = await request({ port: server.port, ca: certs.ca, path: '/healthz' });
    t.equal(v13.protocol, 'TLSv1.3');
    const old = await new Promise<string>((resolve) => {
      const s = tls.connect({ host: '127.0.0.1', port: server.port, ca: certs.ca, servername: 'localhost', minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
      s.on('secureConnect', () => {
        resolve(`connected with ${s.getProtocol()}`);
        s.destroy();
      });
      s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    t.match(old, /PROTOCOL|protocol/, `TLS 1.1 refused (${old})`);
    const plain = await new Promise<number | string>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: server.port, path: '/healthz' }, (res) => resolve(res.statusCode ?? 0));
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      req.end();
    });
    t.not(plain, 200, 'no plain HTTP on the admission port');
  });

  t.test('certificate reload: ..data symlink swap, no dropped connections, broken pairs rejected', async (t) => {
    // The layout kubelet gives a mounted Secret: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>.
    const dir = tmpDir('oomguard-secret-');
    t.teardown(() => import('node:fs').then((fs) => fs.rmSync(dir, { recursive: true, force: true })));
    const version = (name: string, pair: { certFile: string; keyFile: string }) => {
      const v = path.join(dir, `..${name}`);
      mkdirSync(v);
      copyFileSync(pair.certFile, path.join(v, 'tls.crt'));
      copyFileSync(pair.keyFile, path.join(v, 'tls.key'));
      return `..${name}`;
    };
    const swap = (target: string) => {
      symlinkSync(target, path.join(dir, '..data_tmp'));
      renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
    };
    symlinkSync(version('2026_01', certs.pair('one')), path.join(dir, '..data'));
    symlinkSync('..data/tls.crt', path.join(dir, 'tls.crt'));
    symlinkSync('..data/tls.key', path.join(dir, 'tls.key'));

    const server = await listen({ tls: { certFile: path.join(dir, 'tls.crt'), keyFile: path.join(dir, 'tls.key') }, nodes: nodes16Gi(), tlsDebounceMs: 20 });
    t.teardown(() => server.close());
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    t.teardown(() => agent.destroy());
    const first = await request({ port: server.port, ca: certs.ca, path: '/healthz', agent });
    t.equal(first.peerCN, 'one.oomguard.test');

    swap(version('2026_02', certs.pair('two')));
    let cn: string | undefined;
    for (let i = 0; i < 100 && cn !== 'two.oomguard.test'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      cn = (await request({ port: server.port, ca: certs.ca, path: '/healthz' })).peerCN;
    }
    t.equal(cn, 'two.oomguard.test', 'new connections get the new certificate');
    const reused = await request({ port: server.port, ca: certs.ca, path: '/healthz', agent });
    t.equal(reused.status, 200, 'the open keep-alive connection still works');
    t.equal(reused.peerCN, 'one.oomguard.test', 'on its original session');

    // A pair whose key does not match: rejected, the current certificate stays.
    const broken = path.join(dir, '..2026_03');
    mkdirSync(broken);
    copyFileSync(certs.pair('three').certFile, path.join(broken, 'tls.crt'));
    copyFileSync(certs.pair('one').keyFile, path.join(broken, 'tls.key'));
    swap('..2026_03');
    let status;
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await server.app.inject('/readyz')).json().tls;
      if (status.lastError) break;
    }
    t.match(status?.lastError, /does not match/);
    t.equal((await request({ port: server.port, ca: certs.ca, path: '/healthz' })).peerCN, 'two.oomguard.test', 'still serving the last good pair');
    t.match(await server.app.webhook.metrics.registry.metrics(), /oomguard_tls_reloads_total\{result="rejected"\} [1-9]/);

    // Garbage in the files: the same.
    writeFileSync(path.join(broken, 'tls.crt'), 'not a certificate');
    await new Promise((r) => setTimeout(r, 200));
    t.equal((await request({ port: server.port, ca: certs.ca, path: '/healthz' })).peerCN, 'two.oomguard.test');
  });

  t.test('a broken pair at start is refused with a clear error', async (t) => {
    t.throws(() => loadTlsPair({ certFile: certs.pair('one').certFile, keyFile: certs.pair('two').keyFile }), TlsError);
    t.throws(() => loadTlsPair({ certFile: '/nonexistent/tls.crt', keyFile: certs.pair('two').keyFile }), /cannot read certificate/);
  });

  t.test('slow clients are cut off (connectionTimeout, requestTimeout)', async (t) => {
    const server = await listen({ tls: { certFile: certs.pair('one').certFile, keyFile: certs.pair('one').keyFile }, nodes: nodes16Gi(), connectionTimeout: 300, requestTimeout: 600 });
    t.teardown(() => server.close());
    const closedAfter = (dribble: boolean) =>
      new Promise<number>((resolve, reject) => {
        const started = Date.now();
        const s = tls.connect({ host: '127.0.0.1', port: server.port, ca: certs.ca, servername: 'localhost' }, () => {
          s.write('POST /validate?timeout=10s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"apiVersion":');
          if (dribble) {
            const timer = setInterval(() => s.write(' '), 100);
            s.on('close', () => clearInterval(timer));
          }
        });
        s.on('data', () => {});
        s.on('error', () => {});
        s.on('close', () => resolve(Date.now() - started));
        setTimeout(() => reject(new Error('the server never closed the slow connection')), 10_000).unref();
      });
    t.ok((await closedAfter(false)) < 10_000, 'a stalled client is disconnected');
    t.ok((await closedAfter(true)) < 10_000, 'a dribbling client is disconnected');
    const after = await postReview(server.port, certs.ca, '/validate', fixture('create-prometheus.json'));
    t.equal(after.status, 200, 'and the server still answers');
  });

  t.test('keep-alive: each request on a connection gets the whole budget; a later one that dribbles is cut off', async (t) => {
    // requestTimeout 400 ms, a long idle timeout: only the body guard can close the connection.
    const server = await listen({ tls: { certFile: certs.pair('one').certFile, keyFile: certs.pair('one').keyFile }, nodes: nodes16Gi(), connectionTimeout: 60_000, requestTimeout: 400 });
    t.teardown(() => server.close());
    const body = JSON.stringify(fixture('create-prometheus.json'));
    const head = `POST /validate?timeout=10s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const s = tls.connect({ host: '127.0.0.1', port: server.port, ca: certs.ca, servername: 'localhost' });
    s.on('error', () => {});
    let received = '';
    s.on('data', (d) => (received += d));
    const closed = new Promise<number>((resolve) => s.on('close', () => resolve(Date.now())));
    const answers = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const check = setInterval(() => {
          if ((received.match(/HTTP\/1\.1 200/g) ?? []).length >= n) {
            clearInterval(check);
            resolve();
          }
        }, 10);
        setTimeout(() => reject(new Error(`no answer ${n}: ${received.slice(-200)}`)), 5000).unref();
      });
    await new Promise<void>((resolve) => s.once('secureConnect', () => resolve()));
    s.write(head + body);
    await answers(1);
    // Idle for longer than the request budget: a complete request is never cut off.
    await new Promise((r) => setTimeout(r, 700));
    t.notOk(s.destroyed, 'an idle keep-alive connection is left alone');
    s.write(head + body);
    await answers(2);
    t.pass('the second request on the connection is answered');
    // A third request whose body never completes: cut off once its own budget is spent.
    const started = Date.now();
    s.write(head + body.slice(0, 100));
    const timer = setInterval(() => s.write(' '), 100);
    const at = await closed;
    clearInterval(timer);
    t.ok(at - started >= 300 && at - started < 5000, `the dribbling request is cut off after its own budget (${at - started} ms)`);
    t.equal((received.match(/HTTP\/1\.1 200/g) ?? []).length, 2);
  });

  t.test('metrics on a separate plain-HTTP port', async (t) => {
    const running = await startServer({
      host: '127.0.0.1',
      port: 0,
      metricsPort: 0,
      handleSignals: false,
      shutdownDelayMs: 0,
      logger: false,
      tls: { certFile: certs.pair('one').certFile, keyFile: certs.pair('one').keyFile },
      nodes: nodes16Gi(),
      mode: 'warn',
    });
    t.teardown(() => running.shutdown());
    await postReview(running.port, certs.ca, '/validate', fixture('create-prometheus.json'));
    await request({ port: running.port, ca: certs.ca, path: '/validate', body: '{' });
    const get = (p: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        http
          .get({ host: '127.0.0.1', port: running.metricsPort!, path: p }, (res) => {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          })
          .on('error', reject);
      });
    const m = await get('/metrics');
    t.equal(m.status, 200);
    t.match(m.text, /oomguard_admission_reviews_total\{endpoint="validate",decision="warn"\} 1/);
    t.match(m.text, /oomguard_admission_findings_total\{endpoint="validate",rule="memory-request-missing",severity="error"\} 1/);
    t.match(m.text, /oomguard_admission_review_duration_seconds_bucket\{le="0.5",endpoint="validate"\} 1/);
    t.match(m.text, /oomguard_admission_errors_total\{endpoint="validate",reason="bad-request"\} 1/);
    t.match(m.text, /oomguard_node_cache_state\{state="static"\} 1/);
    t.match(m.text, /oomguard_process_cpu_seconds_total/);
    t.equal((await get('/other')).status, 404);
  });
}
