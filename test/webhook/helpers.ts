// Shared by the webhook tests: certificates made with openssl at test time (none are committed),
// AdmissionReview fixtures, an HTTPS client that behaves like the API server, and a server
// started on 127.0.0.1:0.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { buildServer } from '../../src/webhook/build-server.js';
import type { BuildServerOptions, WebhookServer } from '../../src/webhook/build-server.js';
import { StaticNodeView } from '../../src/webhook/plugins/node-cache.js';
import { nodeFactsFromCapacity } from '../../src/core/node.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures', 'webhook');

export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(fixturesDir, name), 'utf8'));
}

export const GI = 1024n * 1024n * 1024n;
export const nodes16Gi = () => new StaticNodeView(nodeFactsFromCapacity(16n * GI, 'flag'));

export function hasOpenssl(): boolean {
  const r = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return r.status === 0;
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

export interface Certs {
  dir: string;
  ca: Buffer;
  /** A serving pair for 127.0.0.1 and localhost, and its files. */
  pair(name: string): { certFile: string; keyFile: string; cert: Buffer; key: Buffer };
  cleanup(): void;
}

/** A throwaway CA and serving pairs (EC P-256, SAN IP:127.0.0.1 and DNS:localhost) in a temp dir. */
export function makeCerts(names: string[]): Certs {
  const dir = mkdtempSync(path.join(tmpdir(), 'oomguard-certs-'));
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=oomguard-test-ca'], dir);
  writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  for (const name of names) {
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}.oomguard.test`], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', 'ext.cnf'], dir);
  }
  return {
    dir,
    ca: readFileSync(path.join(dir, 'ca.crt')),
    pair(name) {
      const certFile = path.join(dir, `${name}.crt`);
      const keyFile = path.join(dir, `${name}.key`);
      return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Subject CN of the certificate the server presented. */
  peerCN?: string;
  protocol?: string | null;
}

export interface RequestOptions {
  port: number;
  ca: Buffer;
  method?: string;
  path?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  agent?: https.Agent;
  minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
}

/** One HTTPS request to 127.0.0.1, verifying the server certificate against the test CA. */
export function request(opts: RequestOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = opts.body;
    const req = https.request(
      {
        host: '127.0.0.1',
        port: opts.port,
        method: opts.method ?? (body !== undefined ? 'POST' : 'GET'),
        path: opts.path ?? '/',
        ca: opts.ca,
        servername: 'localhost',
        agent: opts.agent ?? false,
        minVersion: opts.minVersion,
        maxVersion: opts.maxVersion,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        const socket = res.socket as import('node:tls').TLSSocket;
        const peer = socket.getPeerCertificate?.();
        const protocol = socket.getProtocol?.();
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, peerCN: peer?.subject?.CN as string | undefined, protocol });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** POSTs an AdmissionReview the way the API server does (JSON, ?timeout=10s by default). */
export function postReview(port: number, ca: Buffer, endpoint: string, review: unknown, timeout = '10s'): Promise<Reply> {
  return request({ port, ca, path: `${endpoint}?timeout=${timeout}`, body: JSON.stringify(review) });
}

export interface Running {
  app: WebhookServer;
  port: number;
  close(): Promise<void>;
}

/** buildServer, then listen on 127.0.0.1:0 (what serve.ts does, minus signals). */
export async function listen(opts: BuildServerOptions): Promise<Running> {
  const app = await buildServer({ logger: false, ...opts });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  return { app, port, close: () => app.close() };
}

export function review(object: unknown, req: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid: 'uid-1', operation: 'CREATE', object, dryRun: false, ...req },
  };
}

/** A Deployment with the given containers (under spec.template.spec). */
export function deployment(containers: unknown[], name = 'web', podSpec: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers, ...podSpec } } },
  };
}

const made: string[] = [];
/** A temp dir removed when the process exits. */
export function tmpDir(prefix = 'oomguard-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  if (made.length === 0) process.once('exit', () => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
  made.push(dir);
  return dir;
}

export interface ServeProcess {
  child: ChildProcessByStdio<null, Readable, Readable>;
  port: number;
  /** Everything the process has written so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/**
 * Starts `node ...args` (an entry that runs `oomguard serve`) in its own process and resolves once
 * it logs "oomguard webhook listening", with the port it logged. Killed at teardown if still alive.
 */
export async function spawnServe(t: { teardown(fn: () => unknown): void }, args: string[]): Promise<ServeProcess> {
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (c) => {
      stdout += c;
      const m = /"port":(\d+).*"msg":"oomguard webhook listening"/.exec(stdout);
      if (m) resolve(Number(m[1]));
    });
    exited.then((code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return { child, port, output: () => ({ stdout, stderr }), exited };
}
