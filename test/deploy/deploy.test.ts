// deploy/ (kustomize base and overlays) and certs/gen-certs.sh with the real tools.
//
// Renders deploy/base, deploy/overlays/enforce and deploy/overlays/cert-manager with
// `kubectl kustomize` and checks what matters for a safe admission webhook, then lints the
// rendered base with the built CLI. Every kubectl in OOMGUARD_TEST_KUBECTL (a PATH-style list of
// executables; default `kubectl`) is used, and they must all render the same objects: set it to
// a current kubectl and Debian's kubernetes-client one (1.20, kustomize v2.0.3) to check that
// only kustomization fields both understand are used. Skips with a message without kubectl
// (Debian: apt-get install kubernetes-client; .ci/run does) or without openssl.
import t from 'tap';
import type { Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadAll } from 'js-yaml';
import { bin, oomguard, repoRoot } from '../helpers/run-cli.js';

type Obj = Record<string, any>;

function run(cmd: string, args: string[], cwd = repoRoot) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), error: r.error };
}

const kubectls = (process.env.OOMGUARD_TEST_KUBECTL || 'kubectl').split(path.delimiter).filter(Boolean);
const available = kubectls.filter((k) => run(k, ['version', '--client']).code === 0);
const targets = ['deploy/base', 'deploy/overlays/enforce', 'deploy/overlays/cert-manager'];

function render(kubectl: string, dir: string): { text: string; objects: Obj[] } {
  const r = run(kubectl, ['kustomize', dir]);
  if (r.code !== 0) throw new Error(`${kubectl} kustomize ${dir} failed (${r.code}): ${r.stderr}`);
  return { text: r.stdout, objects: (loadAll(r.stdout) as Obj[]).filter((o) => o && typeof o === 'object') };
}

function find(objects: Obj[], kind: string, name = 'oomguard'): Obj {
  const o = objects.find((x) => x.kind === kind && x.metadata?.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in the rendered output`);
  return o;
}

const idOf = (o: Obj) => `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Obj)[k])]));
  }
  return v;
}

const excluded = ['kube-system', 'kube-node-lease', 'oomguard'];

function checkWebhooks(t: Test, objects: Obj[], failurePolicy: 'Ignore' | 'Fail') {
  const expectedPaths: Record<string, string> = { ValidatingWebhookConfiguration: '/validate', MutatingWebhookConfiguration: '/mutate' };
  for (const kind of Object.keys(expectedPaths)) {
    const cfg = find(objects, kind);
    t.equal(cfg.apiVersion, 'admissionregistration.k8s.io/v1', `${kind} is v1`);
    t.ok(Array.isArray(cfg.webhooks) && cfg.webhooks.length > 0, `${kind} has webhooks`);
    for (const w of cfg.webhooks as Obj[]) {
      t.match(w.name, /^[a-z0-9-]+(\.[a-z0-9-]+)+$/, `${kind} webhook name is fully qualified`);
      t.same(w.admissionReviewVersions, ['v1'], `${w.name}: admissionReviewVersions [v1]`);
      t.equal(w.sideEffects, 'None', `${w.name}: sideEffects None`);
      t.ok(typeof w.timeoutSeconds === 'number' && w.timeoutSeconds >= 1 && w.timeoutSeconds <= 10, `${w.name}: timeoutSeconds ${w.timeoutSeconds} in 1..10`);
      t.equal(w.failurePolicy, failurePolicy, `${w.name}: failurePolicy ${failurePolicy}`);
      t.equal(w.matchPolicy, 'Equivalent', `${w.name}: matchPolicy Equivalent`);
      t.match(w.clientConfig, { service: { name: 'oomguard', namespace: 'oomguard', path: expectedPaths[kind], port: 443 } }, `${w.name}: service and path`);
      const ops = new Set<string>();
      const byGroup: Record<string, string[]> = {};
      for (const rule of w.rules as Obj[]) {
        for (const op of rule.operations) ops.add(op);
        for (const res of rule.resources) {
          t.notOk(String(res).includes('/'), `${w.name}: no subresources (${res})`);
          t.not(res, '*', `${w.name}: no wildcard resources`);
        }
        for (const g of rule.apiGroups) (byGroup[`${g}/${rule.apiVersions.join(',')}`] ??= []).push(...rule.resources);
      }
      t.same([...ops].sort(), ['CREATE', 'UPDATE'], `${w.name}: CREATE and UPDATE only (no DELETE, no CONNECT)`);
      t.same(
        Object.fromEntries(Object.entries(byGroup).map(([k, v]) => [k, [...v].sort()])),
        {
          '/v1': ['pods', 'podtemplates', 'replicationcontrollers'],
          'apps/v1': ['daemonsets', 'deployments', 'replicasets', 'statefulsets'],
          'batch/v1': ['cronjobs', 'jobs'],
        },
        `${w.name}: pods and the workload kinds`,
      );
      const notIn = (w.namespaceSelector?.matchExpressions ?? []).find(
        (e: Obj) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'NotIn',
      );
      t.ok(notIn, `${w.name}: namespaceSelector has a NotIn on kubernetes.io/metadata.name`);
      for (const ns of excluded) t.ok(notIn?.values?.includes(ns), `${w.name}: excludes ${ns}`);
      if (kind === 'MutatingWebhookConfiguration') {
        t.same(w.namespaceSelector?.matchLabels, { 'oomguard.io/mutate': 'enabled' }, `${w.name}: namespaces opt in`);
      }
    }
  }
}

if (available.length === 0) {
  t.pass(`skipped: no kubectl (${kubectls.join(', ')}) (Debian: apt-get install kubernetes-client; .ci/run does)`);
} else {
  const renders = new Map<string, Map<string, { text: string; objects: Obj[] }>>();
  for (const k of available) renders.set(k, new Map(targets.map((d) => [d, render(k, d)])));
  const first = renders.get(available[0]!)!;

  t.test('every kubectl renders the same objects', { skip: available.length < 2 ? 'only one kubectl' : false }, async (t) => {
    for (const d of targets) {
      const norm = (objs: Obj[]) => objs.map((o) => [idOf(o), canonical(o)] as const).sort((a, b) => a[0].localeCompare(b[0]));
      const want = norm(first.get(d)!.objects);
      for (const k of available.slice(1)) t.same(norm(renders.get(k)!.get(d)!.objects), want, `${d}: ${k} as ${available[0]}`);
    }
  });

  for (const k of available) {
    t.test(`base, rendered by ${k}`, async (t) => {
      const { objects } = renders.get(k)!.get('deploy/base')!;
      t.same(objects.map((o) => o.kind).sort(), [
        'ClusterRole', 'ClusterRoleBinding', 'Deployment', 'MutatingWebhookConfiguration', 'Namespace',
        'PodDisruptionBudget', 'Service', 'ServiceAccount', 'ValidatingWebhookConfiguration',
      ]);
      for (const o of objects) {
        const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'].includes(o.kind);
        t.equal(o.metadata.namespace, clusterScoped ? undefined : 'oomguard', `${o.kind} namespace`);
      }

      const role = find(objects, 'ClusterRole');
      t.same(role.rules, [{ apiGroups: [''], resources: ['nodes', 'limitranges'], verbs: ['get', 'list', 'watch'] }], 'nodes and limitranges: get, list, watch, nothing more');
      const binding = find(objects, 'ClusterRoleBinding');
      t.match(binding, { roleRef: { kind: 'ClusterRole', name: 'oomguard' }, subjects: [{ kind: 'ServiceAccount', name: 'oomguard', namespace: 'oomguard' }] });

      const dep = find(objects, 'Deployment');
      t.ok(dep.spec.replicas >= 2, 'two or more replicas');
      const pod = dep.spec.template.spec;
      t.equal(pod.serviceAccountName, 'oomguard');
      const anti = pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
      t.ok(anti.some((a: Obj) => a.topologyKey === 'kubernetes.io/hostname'), 'anti-affinity by hostname');
      t.match(pod.securityContext, { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
      t.equal(pod.containers.length, 1);
      const [c] = pod.containers;
      t.equal(c.image, 'ghcr.io/oomguard/oomguard:0.1.0');
      t.match(c.securityContext, {
        runAsNonRoot: true,
        runAsUser: 10001,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      t.notOk(c.securityContext.capabilities.add, 'no capabilities added');
      t.match(c.livenessProbe, { httpGet: { path: '/healthz', port: 8443, scheme: 'HTTPS' } });
      t.match(c.readinessProbe, { httpGet: { path: '/readyz', port: 8443, scheme: 'HTTPS' } });
      t.same(Object.keys(c.resources.limits).sort(), ['cpu', 'memory']);
      t.same(c.resources.requests, c.resources.limits, 'requests equal limits: Guaranteed');
      t.same(c.args, [
        'serve', '--port', '8443', '--tls-cert', '/tls/tls.crt', '--tls-key', '/tls/tls.key', '--metrics-port', '9090',
        '--mode', 'warn', '--failure-policy', 'Ignore', '--mutate', 'requests-equal-limits',
      ]);
      const tlsVolume = pod.volumes.find((v: Obj) => v.secret?.secretName === 'oomguard-tls');
      t.ok(tlsVolume, 'Secret oomguard-tls is a volume');
      t.ok(c.volumeMounts.some((m: Obj) => m.name === tlsVolume?.name && m.mountPath === '/tls'), 'mounted at /tls');

      const pdb = find(objects, 'PodDisruptionBudget');
      t.equal(pdb.spec.minAvailable, 1);
      t.same(pdb.spec.selector.matchLabels, dep.spec.selector.matchLabels, 'PDB selects the Deployment pods');

      const svc = find(objects, 'Service');
      t.same(svc.spec.selector, dep.spec.selector.matchLabels, 'Service selects the Deployment pods');
      const ports = Object.fromEntries(svc.spec.ports.map((p: Obj) => [p.port, p.targetPort]));
      const containerPorts = Object.fromEntries(c.ports.map((p: Obj) => [p.name, p.containerPort]));
      t.equal(containerPorts[ports[443]] ?? ports[443], 8443, '443 -> 8443');
      t.equal(containerPorts[ports[9090]] ?? ports[9090], 9090, 'metrics 9090');

      checkWebhooks(t, objects, 'Ignore');
    });

    t.test(`enforce overlay, rendered by ${k}`, async (t) => {
      const { objects } = renders.get(k)!.get('deploy/overlays/enforce')!;
      checkWebhooks(t, objects, 'Fail');
      const args: string[] = find(objects, 'Deployment').spec.template.spec.containers[0].args;
      t.equal(args[args.indexOf('--mode') + 1], 'enforce');
      t.equal(args[args.indexOf('--failure-policy') + 1], 'Fail');
      t.equal(args.filter((a) => a === '--mode').length, 1, 'one --mode');
    });

    t.test(`cert-manager overlay, rendered by ${k}`, async (t) => {
      const { objects } = renders.get(k)!.get('deploy/overlays/cert-manager')!;
      checkWebhooks(t, objects, 'Ignore');
      for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']) {
        t.equal(find(objects, kind).metadata.annotations?.['cert-manager.io/inject-ca-from'], 'oomguard/oomguard-serving', `${kind} inject-ca-from`);
      }
      const serving = find(objects, 'Certificate', 'oomguard-serving');
      t.equal(serving.metadata.namespace, 'oomguard');
      t.equal(serving.spec.secretName, 'oomguard-tls');
      t.same([...serving.spec.dnsNames].sort(), ['oomguard.oomguard.svc', 'oomguard.oomguard.svc.cluster.local']);
      const caIssuerName = serving.spec.issuerRef.name;
      const caIssuer = find(objects, 'Issuer', caIssuerName);
      const ca = objects.find((o) => o.kind === 'Certificate' && o.spec?.secretName === caIssuer.spec.ca?.secretName);
      t.ok(ca?.spec.isCA, 'the serving certificate is signed by a CA Issuer whose Certificate isCA');
      const selfSigned = find(objects, 'Issuer', ca?.spec.issuerRef.name);
      t.ok(selfSigned.spec.selfSigned, 'the CA comes from a self-signed Issuer');
    });
  }

  t.test('deploy/audit: read-only access for oomguard audit, the same from every kubectl', async (t) => {
    const audits = available.map((k) => render(k, 'deploy/audit').objects);
    const norm = (objs: Obj[]) => objs.map((o) => [idOf(o), canonical(o)] as const).sort((a, b) => a[0].localeCompare(b[0]));
    for (let i = 1; i < audits.length; i++) t.same(norm(audits[i]), norm(audits[0]), `${available[i]} as ${available[0]}`);
    const objects = audits[0];
    t.same(objects.map((o) => o.kind).sort(), ['ClusterRole', 'ClusterRoleBinding', 'Namespace', 'ServiceAccount']);
    const role = find(objects, 'ClusterRole', 'oomguard-audit');
    t.same(
      role.rules,
      [
        { apiGroups: [''], resources: ['pods', 'nodes', 'limitranges'], verbs: ['get', 'list'] },
        { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list'] },
      ],
      'get and list on pods, nodes, limitranges and replicasets: nothing else',
    );
    t.match(find(objects, 'ClusterRoleBinding', 'oomguard-audit'), {
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'oomguard-audit' },
      subjects: [{ kind: 'ServiceAccount', name: 'oomguard-audit', namespace: 'oomguard' }],
    });
    t.equal(find(objects, 'ServiceAccount', 'oomguard-audit').metadata.namespace, 'oomguard');
  });

  t.test('oomguard lint of the rendered manifests: no errors', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'oomguard-deploy-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    for (const d of targets) {
      const file = path.join(dir, `${d.replaceAll('/', '-')}.yaml`);
      writeFileSync(file, first.get(d)!.text);
      const r = oomguard(['lint', file, '--format', 'json']);
      t.equal(r.code, 0, `${d}: exit 0\n${r.stdout}${r.stderr}`);
      const out = JSON.parse(r.stdout);
      const errors = out.objects.flatMap((o: Obj) => o.findings).filter((f: Obj) => f.severity === 'error');
      t.same(errors, [], `${d}: no error findings`);
      const dep = out.objects.find((o: Obj) => o.kind === 'Deployment');
      t.equal(dep?.qosClass, 'Guaranteed', `${d}: oomguard's own pod is Guaranteed`);
    }
  });
}

const openssl = run('openssl', ['version']);
if (openssl.code !== 0) {
  t.pass('skipped: openssl is not installed');
} else {
  t.test('certs/gen-certs.sh makes a CA and a serving certificate that verify', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'oomguard-certs-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const out = path.join(dir, 'out');
    const script = path.join(repoRoot, 'certs', 'gen-certs.sh');
    const r = run('bash', [script, '--namespace', 'webhooks', '--out', out, '--days', '30'], dir);
    t.equal(r.code, 0, r.stderr);
    for (const f of ['ca.crt', 'ca.key', 'tls.crt', 'tls.key']) t.ok(statSync(path.join(out, f)).size > 0, `${f} written`);
    t.equal(statSync(path.join(out, 'tls.key')).mode & 0o077, 0, 'tls.key is private');
    t.equal(statSync(path.join(out, 'ca.key')).mode & 0o077, 0, 'ca.key is private');

    const verify = () => run('openssl', ['verify', '-CAfile', path.join(out, 'ca.crt'), path.join(out, 'tls.crt')]);
    const v = verify();
    t.equal(v.code, 0, v.stdout + v.stderr);
    t.match(v.stdout, /: OK/);

    const san = run('openssl', ['x509', '-noout', '-ext', 'subjectAltName', '-in', path.join(out, 'tls.crt')]);
    t.equal(san.code, 0, san.stderr);
    for (const name of ['DNS:oomguard.webhooks.svc', 'DNS:oomguard.webhooks.svc.cluster.local', 'DNS:localhost', 'IP Address:127.0.0.1']) {
      t.ok(san.stdout.split(/,\s*|\n\s*/).map((x) => x.trim()).includes(name), `SAN ${name}`);
    }
    const pub = (args: string[]) => run('openssl', args).stdout;
    const certKey = pub(['x509', '-noout', '-pubkey', '-in', path.join(out, 'tls.crt')]);
    const keyKey = pub(['pkey', '-pubout', '-in', path.join(out, 'tls.key')]);
    t.ok(certKey.includes('BEGIN PUBLIC KEY'));
    t.equal(certKey, keyKey, 'tls.key matches tls.crt');
    const caExt = pub(['x509', '-noout', '-ext', 'basicConstraints', '-in', path.join(out, 'ca.crt')]);
    t.match(caExt, /CA:TRUE/);
    const leafExt = pub(['x509', '-noout', '-ext', 'basicConstraints,extendedKeyUsage', '-in', path.join(out, 'tls.crt')]);
    t.match(leafExt, /CA:FALSE/);
    t.match(leafExt, /TLS Web Server Authentication/);

    // The caBundle patch it prints carries base64 of ca.crt, for both configurations.
    const caPem = readFileSync(path.join(out, 'ca.crt'), 'utf8');
    t.match(r.stdout, /kubectl -n webhooks create secret tls oomguard-tls/);
    for (const kind of ['validatingwebhookconfiguration', 'mutatingwebhookconfiguration']) {
      const line = r.stdout.split('\n').find((l) => l.startsWith(`kubectl patch ${kind} oomguard --type=json -p '`));
      t.ok(line, `prints the ${kind} patch`);
      const patch = JSON.parse(line!.replace(/^[^']*'/, '').replace(/'$/, ''));
      t.equal(patch[0].path, '/webhooks/0/clientConfig/caBundle');
      t.equal(Buffer.from(patch[0].value, 'base64').toString(), caPem, 'value is base64 of ca.crt');
    }

    // A second run renews the serving certificate with the same CA.
    const caBefore = pub(['x509', '-noout', '-fingerprint', '-sha256', '-in', path.join(out, 'ca.crt')]);
    const leafBefore = pub(['x509', '-noout', '-fingerprint', '-sha256', '-in', path.join(out, 'tls.crt')]);
    const again = run('bash', [script, '--namespace', 'webhooks', '--out', out], dir);
    t.equal(again.code, 0, again.stderr);
    t.equal(pub(['x509', '-noout', '-fingerprint', '-sha256', '-in', path.join(out, 'ca.crt')]), caBefore, 'CA kept');
    t.not(pub(['x509', '-noout', '-fingerprint', '-sha256', '-in', path.join(out, 'tls.crt')]), leafBefore, 'serving certificate renewed');
    t.equal(verify().code, 0, 'the renewed certificate verifies against the same CA');
  });

  t.test('certs/gen-certs.sh refuses bad arguments', async (t) => {
    const script = path.join(repoRoot, 'certs', 'gen-certs.sh');
    t.equal(run('bash', [script, '--out', '/nonexistent/x']).code, 2, 'missing --namespace');
    t.equal(run('bash', [script, '--namespace', 'Bad_NS', '--out', '/nonexistent/x']).code, 2, 'invalid namespace');
    t.equal(run('bash', [script, '--namespace', 'ok', '--out', '/nonexistent/x', '--days', 'ten']).code, 2, 'invalid --days');
  });

  t.test('oomguard serve runs on the generated certificate, trusted through ca.crt', async (t) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'oomguard-certs-serve-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const g = run('bash', [path.join(repoRoot, 'certs', 'gen-certs.sh'), '--namespace', 'oomguard', '--out', dir]);
    t.equal(g.code, 0, g.stderr);
    const port = await new Promise<number>((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const child = spawn(process.execPath, [
      bin, 'serve', '--host', '127.0.0.1', '--port', String(port), '--tls-cert', path.join(dir, 'tls.crt'),
      '--tls-key', path.join(dir, 'tls.key'), '--metrics-port', 'off', '--node-memory', '8Gi', '--shutdown-delay', '0',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (b) => (stderr += b));
    t.teardown(() => { child.kill('SIGKILL'); });
    const ca = readFileSync(path.join(dir, 'ca.crt'));
    const fetch = (servername: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsGet({ host: '127.0.0.1', port, path: '/healthz', ca, servername, agent: false, timeout: 2000 }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
      });
    let first: { status: number; body: string } | undefined;
    for (let i = 0; i < 100 && !first; i++) {
      try {
        first = await fetch('oomguard.oomguard.svc');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ECONNREFUSED' || child.exitCode !== null) throw Object.assign(e as Error, { stderr });
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    t.equal(first?.status, 200, 'the API server\'s name, oomguard.oomguard.svc, verifies against ca.crt');
    t.equal((await fetch('oomguard.oomguard.svc.cluster.local')).status, 200);
    t.equal((await fetch('localhost')).status, 200);
    await t.rejects(fetch('oomguard.other.svc'), /altnames|Hostname/i, 'another name does not verify');
  });
}
