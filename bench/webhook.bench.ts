// `npm run bench` (second part): the admission webhook over TLS on loopback, as ratios to a bare
// node:https server that parses the same AdmissionReview and echoes its uid with allowed: true.
// Each server is a process of its own: the webhook is the real `oomguard serve` (bin/oomguard.js,
// from dist/: warn mode, --mutate requests-equal-limits, --node-memory 16Gi, info-level logs to
// /dev/null, metrics listener on), the echo server is this file run with --echo-server.
// A third server, fastify's own echo (this file with --fastify-echo-server: the same TLS and body
// settings as oomguard's, no logger, no hooks, a handler that returns the uid), takes its turn in
// every round too: no target, it is the floor of any /validate served through fastify.
//  1. /validate and /mutate with realistic reviews built from the corpus (CREATE, and UPDATE with
//     oldObject), 8 keep-alive connections, measured with wrk where it is installed (one thread, a
//     Lua script cycling through the reviews), else with a Node.js client in this process.
//     Targets: at least 0.8 of the echo server's throughput, p99 under 5 ms. The endpoints take
//     turns (echo, validate, mutate, echo, ...) in short rounds; the ratio is the median of the
//     rounds' ratios and the p99 the median of the rounds' p99s: on a shared 2-core machine the
//     speed drifts by ±15% within seconds, and drift must not decide the ratio.
//     Also each server's main-thread CPU time per request (Linux): what the throughput ratio would
//     be with the servers on cores of their own (here the load client shares them).
//  2. p99 of /validate for a 1 MiB object (one connection, Node.js client), and the echo's.
// Usage: node dist/bench/webhook.bench.js [CORPUS_DIR] (default ../shared/corpus; examples/ when absent)
// Environment: OOMGUARD_BENCH_SECONDS (2), OOMGUARD_BENCH_ROUNDS (5), OOMGUARD_BENCH_WARMUP (2: the
// echo's; /validate warms up 4 times as long and /mutate twice),
// OOMGUARD_BENCH_CLIENT=node to use the Node.js client even where wrk is installed.
import { readFileSync, existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { loadAll } from 'js-yaml';
import { listManifests, median } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// dist/bench/ when built, bench/ when run from source.
const root = existsSync(path.join(here, '..', 'package.json')) ? path.resolve(here, '..') : path.resolve(here, '..', '..');

const CONNECTIONS = 8;
const SECONDS = Number(process.env.OOMGUARD_BENCH_SECONDS ?? 2);
const ROUNDS = Number(process.env.OOMGUARD_BENCH_ROUNDS ?? 5);
const WARMUP_SECONDS = Number(process.env.OOMGUARD_BENCH_WARMUP ?? 2);
const TARGET_RATIO = 0.8;
const TARGET_P99_MS = 5;

interface Certs {
  dir: string;
  ca: string;
  certFile: string;
  keyFile: string;
}

function makeCerts(): Certs | null {
  if (spawnSync('openssl', ['version']).status !== 0) return null;
  const dir = mkdtempSync(path.join(tmpdir(), 'oomguard-bench-'));
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=bench-ca']);
  writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run(['req', ...ec, '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', '/CN=localhost']);
  run(['x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'tls.crt', '-days', '1', '-extfile', 'ext.cnf']);
  return { dir, ca: readFileSync(path.join(dir, 'ca.crt'), 'utf8'), certFile: path.join(dir, 'tls.crt'), keyFile: path.join(dir, 'tls.key') };
}

// ---------------------------------------------------------------------------------------------
// The baseline server (its own process: this file with --echo-server CERT KEY PORT).

function echoServer(certFile: string, keyFile: string, port: number): void {
  const server = https.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), minVersion: 'TLSv1.2' }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let uid: unknown;
      try {
        uid = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request?: { uid?: unknown } })?.request?.uid;
      } catch {
        res.writeHead(400).end();
        return;
      }
      const out = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: typeof uid === 'string' ? uid : '', allowed: true } });
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    });
  });
  server.listen(port, '127.0.0.1');
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

/** fastify answering as the echo server does: what the framework alone costs per review. */
async function fastifyEchoServer(certFile: string, keyFile: string, port: number): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({
    logger: false,
    https: { cert: readFileSync(certFile), key: readFileSync(keyFile), minVersion: 'TLSv1.2' },
    bodyLimit: 7 * 1024 * 1024,
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
  });
  app.post('/validate', (request) => {
    const uid = (request.body as { request?: { uid?: unknown } } | null)?.request?.uid;
    return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: typeof uid === 'string' ? uid : '', allowed: true } };
  });
  app.get('/healthz', () => 'ok');
  await app.listen({ port, host: '127.0.0.1' });
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}

// ---------------------------------------------------------------------------------------------
// Processes.

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

interface Proc {
  name: string;
  child: ChildProcess;
  port: number;
  stderr(): string;
}

function startProcess(name: string, args: string[], port: number): Proc {
  // stdout to /dev/null: the webhook's info-level review lines are written as in production, read by nobody.
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  return { name, child, port, stderr: () => stderr };
}

async function waitUntilUp(p: Proc, ca: string, timeoutMs = 20_000): Promise<void> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    if (p.child.exitCode !== null) throw new Error(`${p.name} exited with ${p.child.exitCode}: ${p.stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const req = https.request({ host: '127.0.0.1', port: p.port, method: 'GET', path: '/healthz', ca, servername: 'localhost', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(true));
      });
      req.on('error', () => resolve(false));
      req.end();
    });
    if (ok) return;
    if (performance.now() > until) throw new Error(`${p.name} did not start: ${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopProcess(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** CPU time of a process's main thread in ns (Linux schedstat), or null where there is none. */
function mainThreadCpuNs(pid: number | undefined): number | null {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Reviews.

const POD_KINDS = new Set(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'ReplicationController']);

function reviewsFrom(dir: string, limit: number): string[] {
  const reviews: string[] = [];
  let n = 0;
  for (const file of listManifests(dir)) {
    let docs: unknown[] = [];
    try {
      docs = loadAll(readFileSync(file, 'utf8')) as unknown[];
    } catch {
      continue; // templated or broken files: not reviews the API server would send
    }
    for (const doc of docs) {
      const o = doc as { kind?: string; apiVersion?: string; metadata?: { name?: string; namespace?: string }; spec?: Record<string, unknown> };
      if (o === null || typeof o !== 'object' || !POD_KINDS.has(o.kind ?? '')) continue;
      const uid = `bench-${n++}`;
      const base = { uid, kind: { group: '', version: 'v1', kind: o.kind }, name: o.metadata?.name, namespace: o.metadata?.namespace ?? 'default', dryRun: false };
      reviews.push(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { ...base, operation: 'CREATE', object: o } }));
      // Every other workload also as an UPDATE (a scale-up), carrying oldObject like the API server.
      if (n % 2 === 0 && o.spec) {
        const scaled = { ...o, spec: { ...o.spec, replicas: 3 } };
        reviews.push(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { ...base, uid: `${uid}-u`, operation: 'UPDATE', object: scaled, oldObject: o } }));
      }
      if (reviews.length >= limit) return reviews;
    }
  }
  return reviews;
}

// ---------------------------------------------------------------------------------------------
// Load: wrk, or the Node.js client.

interface Result {
  rps: number;
  p50: number;
  p99: number;
  n: number;
}

function hasWrk(): boolean {
  if (process.env.OOMGUARD_BENCH_CLIENT === 'node') return false;
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return r.error === undefined && /wrk/.test(`${r.stdout}${r.stderr}`);
}

// Reads the bodies (one JSON document a line) in init, builds every request once, cycles through
// them, and prints the exact figures in done(): latencies in µs, duration in µs.
const WRK_SCRIPT = `
local requests = {}
local n = 0
local i = 0
function init(args)
  for line in io.lines(args[1]) do
    n = n + 1
    requests[n] = wrk.format("POST", nil, { ["Content-Type"] = "application/json" }, line)
  end
end
function request()
  i = i % n + 1
  return requests[i]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("OOMGUARD_WRK %d %d %d %d %d %d %d %.1f %.1f\\n", summary.requests, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
`;

function wrkLoad(script: string, bodiesFile: string, port: number, url: string, seconds: number): Result {
  const r = spawnSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', script, `https://127.0.0.1:${port}${url}`, '--', bodiesFile], {
    encoding: 'utf8',
    timeout: (seconds + 30) * 1000,
  });
  const m = /OOMGUARD_WRK (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+)/.exec(r.stdout ?? '');
  if (r.status !== 0 || m === null) throw new Error(`wrk failed on ${url}: ${r.error?.message ?? ''}${r.stdout}${r.stderr}`);
  const [requests, durationUs, connect, read, write, status, timeout] = m.slice(1, 8).map(Number);
  const errors = connect + read + write + status + timeout;
  if (errors > 0) throw new Error(`wrk on ${url}: ${errors} errors (connect ${connect}, read ${read}, write ${write}, non-2xx ${status}, timeout ${timeout})`);
  return { rps: requests / (durationUs / 1e6), p50: Number(m[8]) / 1000, p99: Number(m[9]) / 1000, n: requests };
}

function post(agent: https.Agent, port: number, ca: string, url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const req = https.request(
      { host: '127.0.0.1', port, method: 'POST', path: url, agent, ca, servername: 'localhost', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.on('data', () => {});
        res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - start) : reject(new Error(`HTTP ${res.statusCode} from ${url}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

async function nodeLoad(port: number, ca: string, url: string, bodies: string[], seconds: number, connections: number): Promise<Result> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) latencies.push(await post(agent, port, ca, url, bodies[next++ % bodies.length]));
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), n: latencies.length };
}

async function fixedCount(port: number, ca: string, url: string, body: string, count: number): Promise<Result> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) latencies.push(await post(agent, port, ca, url, body));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { rps: count / ((performance.now() - started) / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99), n: count };
}

// ---------------------------------------------------------------------------------------------

const ms = (x: number) => `${x.toFixed(2)} ms`;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

async function main(): Promise<void> {
  const certs = makeCerts();
  if (certs === null) {
    console.log('webhook bench skipped: openssl is not installed (needed for the TLS certificates)');
    return;
  }
  const bin = path.join(root, 'bin', 'oomguard.js');
  if (!existsSync(path.join(root, 'dist', 'src', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const corpus = path.resolve(process.argv[2] ?? path.join(root, '..', 'shared', 'corpus'));
  let source = corpus;
  if (!existsSync(corpus)) {
    console.log(`webhook bench: no corpus at ${corpus}; using examples/ instead`);
    source = path.join(root, 'examples');
  }
  const reviews = reviewsFrom(source, 2000);
  if (reviews.length === 0) throw new Error(`no workloads found under ${source}`);
  const useWrk = hasWrk();
  const bodiesFile = path.join(certs.dir, 'reviews.jsonl');
  const script = path.join(certs.dir, 'reviews.lua');
  writeFileSync(bodiesFile, `${reviews.join('\n')}\n`);
  writeFileSync(script, WRK_SCRIPT);

  const [echoPort, fastifyEchoPort, webhookPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const echo = startProcess('echo server', [fileURLToPath(import.meta.url), '--echo-server', certs.certFile, certs.keyFile, String(echoPort)], echoPort);
  const fastifyEcho = startProcess('fastify echo server', [fileURLToPath(import.meta.url), '--fastify-echo-server', certs.certFile, certs.keyFile, String(fastifyEchoPort)], fastifyEchoPort);
  const webhook = startProcess(
    'oomguard serve',
    [bin, 'serve', '--host', '127.0.0.1', '--port', String(webhookPort), '--metrics-port', String(metricsPort), '--tls-cert', certs.certFile, '--tls-key', certs.keyFile, '--node-memory', '16Gi', '--mode', 'warn', '--mutate', 'requests-equal-limits', '--shutdown-delay', '0'],
    webhookPort,
  );
  try {
    await Promise.all([waitUntilUp(echo, certs.ca), waitUntilUp(fastifyEcho, certs.ca), waitUntilUp(webhook, certs.ca)]);
    const big = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'big',
        operation: 'CREATE',
        object: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'big', namespace: 'default', annotations: Object.fromEntries(Array.from({ length: 1050 }, (_, i) => [`example.com/a${i}`, 'x'.repeat(1000)])) },
          spec: { template: { spec: { containers: [{ name: 'app', resources: { limits: { memory: '1Gi' } } }] } } },
        },
      },
    });
    const endpoints = [
      { name: 'echo', proc: echo, url: '/validate?timeout=10s' },
      { name: 'fastifyEcho', proc: fastifyEcho, url: '/validate?timeout=10s' },
      { name: 'validate', proc: webhook, url: '/validate?timeout=10s' },
      { name: 'mutate', proc: webhook, url: '/mutate?timeout=10s' },
    ] as const;
    type Name = (typeof endpoints)[number]['name'];
    const load = (e: (typeof endpoints)[number], seconds: number): Promise<Result> =>
      useWrk ? Promise.resolve(wrkLoad(script, bodiesFile, e.proc.port, e.url, seconds)) : nodeLoad(e.proc.port, certs.ca, e.url, reviews, seconds, CONNECTIONS);
    // Warm-up (JIT, TLS sessions), then rounds in which the endpoints take turns. The webhook's
    // longer: V8 goes on compiling the engine's code for the corpus's many object shapes for some
    // 10 s under load (its worker threads' CPU falls from ~15% of a core to ~1%), and that
    // compiling, on the cores the load client shares, is start-up, not the steady state.
    for (const e of endpoints) await load(e, e.name === 'echo' || e.name === 'fastifyEcho' ? WARMUP_SECONDS : e.name === 'validate' ? 4 * WARMUP_SECONDS : 2 * WARMUP_SECONDS);
    const runs = Object.fromEntries(endpoints.map((e) => [e.name, [] as Array<Result & { cpuUs: number | null }>])) as Record<Name, Array<Result & { cpuUs: number | null }>>;
    for (let round = 0; round < ROUNDS; round++) {
      for (const e of endpoints) {
        const before = mainThreadCpuNs(e.proc.child.pid);
        const r = await load(e, SECONDS);
        const after = mainThreadCpuNs(e.proc.child.pid);
        runs[e.name].push({ ...r, cpuUs: before !== null && after !== null ? (after - before) / 1000 / r.n : null });
      }
    }
    await fixedCount(echo.port, certs.ca, '/validate', big, 20);
    await fixedCount(webhook.port, certs.ca, '/validate', big, 20);
    const bigEcho = await fixedCount(echo.port, certs.ca, '/validate', big, 200);
    const bigValidate = await fixedCount(webhook.port, certs.ca, '/validate', big, 200);

    // Where /validate's extra time goes: the engine itself, in-process on this thread (no HTTP).
    const [{ judgeValidate, parseReview, prepareJudge }, { rules }, { nodeFactsFromCapacity }] = await Promise.all([
      import('../src/webhook/admission.js'),
      import('../rules/index.js'),
      import('../src/core/node.js'),
    ]);
    const node = nodeFactsFromCapacity(16n << 30n, 'flag');
    const settings = prepareJudge({ mode: 'warn', failurePolicy: 'Ignore', kubernetesVersion: '1.37', featureGates: {}, rules });
    // Fresh objects each round, as the server gets them from JSON.parse; the median round.
    const perRound: number[] = [];
    for (let round = 0; round < 10; round++) {
      const parsed = reviews.map((r) => parseReview(JSON.parse(r)));
      const t0 = performance.now();
      for (const r of parsed) judgeValidate(r, () => node, settings);
      perRound.push(((performance.now() - t0) / parsed.length) * 1000);
    }
    const judgeUs = median(perRound.slice(2));

    const avgBytes = Math.round(reviews.reduce((a, r) => a + r.length, 0) / reviews.length);
    const cpuOf = (rs: Array<{ cpuUs: number | null }>) => (rs.every((r) => r.cpuUs !== null) ? median(rs.map((r) => r.cpuUs!)) : null);
    const list = (xs: number[], f: (x: number) => string) => xs.map(f).join(', ');
    const client = useWrk ? `wrk (-t1 -c${CONNECTIONS}, Lua script cycling through the reviews)` : `the Node.js client in the bench process (${process.env.OOMGUARD_BENCH_CLIENT === 'node' ? 'OOMGUARD_BENCH_CLIENT=node' : 'wrk is not installed'})`;
    console.log(`webhook bench: TLS on loopback, load by ${client}, ${ROUNDS} rounds of ${SECONDS}s per endpoint taking turns, ${reviews.length} reviews from ${path.relative(root, source) || source} (avg ${avgBytes} bytes)`);
    console.log(`  servers: oomguard serve (its own process, warn mode, info logs to /dev/null), a bare node:https echo of the uid, and fastify's echo of it (each its own process)`);
    const echoRps = runs.echo.map((r) => r.rps);
    const echoCpu = cpuOf(runs.echo);
    console.log(
      `  echo baseline  ${median(echoRps).toFixed(0)} req/s (rounds ${list(echoRps, (x) => x.toFixed(0))})   p50 ${ms(median(runs.echo.map((r) => r.p50)))}   p99 ${ms(median(runs.echo.map((r) => r.p99)))}${echoCpu !== null ? `   server CPU ${echoCpu.toFixed(0)} us/request` : ''}`,
    );
    {
      const rs = runs.fastifyEcho;
      const ratios = rs.map((r, i) => r.rps / runs.echo[i].rps);
      const cpu = cpuOf(rs);
      console.log(
        `  fastify echo   ${median(rs.map((r) => r.rps)).toFixed(0)} req/s = ${median(ratios).toFixed(2)} x echo (rounds ${list(ratios, (x) => x.toFixed(2))})   p99 ${ms(median(rs.map((r) => r.p99)))}${cpu !== null ? `   server CPU ${cpu.toFixed(0)} us/request` : ''}   (no target: the floor of any route served through fastify)`,
      );
    }
    for (const name of ['validate', 'mutate'] as const) {
      const rs = runs[name];
      // The median of the rounds' ratios: each round's endpoints ran seconds apart.
      const ratios = rs.map((r, i) => r.rps / runs.echo[i].rps);
      const ratio = median(ratios);
      const p99s = rs.map((r) => r.p99);
      const p99 = median(p99s);
      const cpu = cpuOf(rs);
      const ownCores = cpu !== null && echoCpu !== null ? `   server CPU ${cpu.toFixed(0)} us/request (echo's / this = ${(echoCpu / cpu).toFixed(2)}: the ratio on cores of their own)` : '';
      console.log(
        `  /${name.padEnd(8)}      ${median(rs.map((r) => r.rps)).toFixed(0)} req/s = ${ratio.toFixed(2)} x echo (rounds ${list(ratios, (x) => x.toFixed(2))}) target >= ${TARGET_RATIO}: ${verdict(ratio >= TARGET_RATIO)}`,
      );
      console.log(
        `                 p50 ${ms(median(rs.map((r) => r.p50)))}   p99 ${ms(p99)} (rounds ${list(p99s, (x) => x.toFixed(2))}) target < ${TARGET_P99_MS} ms: ${verdict(p99 < TARGET_P99_MS)}${ownCores}`,
      );
    }
    console.log(`  engine         judgeValidate in-process: ${judgeUs.toFixed(0)} us per review (lint of object, and of oldObject on UPDATE; hot caches, unlike in the server)`);
    console.log(`  1 MiB object   /validate p99 ${ms(bigValidate.p99)} (p50 ${ms(bigValidate.p50)}); echo p99 ${ms(bigEcho.p99)} = ${(bigValidate.p99 / bigEcho.p99).toFixed(2)} x   (one connection, ${bigValidate.n} requests, Node.js client; no target)`);
  } finally {
    await Promise.all([stopProcess(echo), stopProcess(fastifyEcho), stopProcess(webhook)]);
    rmSync(certs.dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--echo-server') {
  echoServer(process.argv[3], process.argv[4], Number(process.argv[5]));
} else if (process.argv[2] === '--fastify-echo-server') {
  fastifyEchoServer(process.argv[3], process.argv[4], Number(process.argv[5])).catch((err) => {
    console.error(`fastify echo server failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    console.error(`webhook bench failed: ${(err as Error).stack ?? err}`);
    process.exitCode = 1;
  });
}
