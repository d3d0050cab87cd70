// Just enough of kube-apiserver for `oomguard audit`: a real HTTP server on 127.0.0.1 answering
// the lists it makes — pods, nodes, limitranges (core v1) and replicasets (apps/v1), at the
// cluster scope and in a namespace — with the API's JSON, paged as the API server pages them
// (`limit`, then a `continue` token in the list's metadata until the last page), and a
// kubeconfig pointing at it. It records every request, so tests can check the paging, and can
// answer 401 (credentials refused) or 403 (RBAC) instead. test/webhook/fake-api.ts serves the
// webhook's watches; this one serves pages.
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo, Socket } from 'node:net';

type Obj = Record<string, any>;

export type Resource = 'pods' | 'nodes' | 'limitranges' | 'replicasets';

const KINDS: Record<Resource, string> = { pods: 'PodList', nodes: 'NodeList', limitranges: 'LimitRangeList', replicasets: 'ReplicaSetList' };

export interface SeenRequest {
  resource: Resource;
  namespace: string | null;
  limit: string | null;
  continue: string | null;
  labelSelector: string | null;
  authorization: string | null;
}

const status = (code: number, reason: string, message: string) => JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code });

export class AuditApiServer {
  /** The objects of each resource, as `kubectl get -o json` items (apiVersion and kind are dropped from list items, as the API server does). */
  readonly objects: Record<Resource, Obj[]> = { pods: [], nodes: [], limitranges: [], replicasets: [] };
  readonly requests: SeenRequest[] = [];
  /** Resources answered with 403 Forbidden. */
  readonly forbidden = new Set<Resource>();
  /** Answer every request with 401 Unauthorized (an expired token). */
  unauthorized = false;
  port = 0;
  private server: http.Server | null = null;
  private readonly sockets = new Set<Socket>();

  /** Loads `kubectl get … -o json` lists (their items) into the server. */
  load(resource: Resource, list: Obj): void {
    this.objects[resource].push(...(list.items as Obj[]));
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => this.answer(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/(?:api\/v1|apis\/apps\/v1)(?:\/namespaces\/([^/]+))?\/(pods|nodes|limitranges|replicasets)$/.exec(url.pathname);
    const json = (code: number, body: string) => res.writeHead(code, { 'content-type': 'application/json' }).end(body);
    if (req.method !== 'GET' || m === null || (m[2] === 'replicasets') !== url.pathname.startsWith('/apis/apps/v1')) {
      json(404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    const resource = m[2] as Resource;
    const namespace = m[1] === undefined ? null : decodeURIComponent(m[1]);
    const q = url.searchParams;
    this.requests.push({ resource, namespace, limit: q.get('limit'), continue: q.get('continue'), labelSelector: q.get('labelSelector'), authorization: req.headers.authorization ?? null });
    if (this.unauthorized) {
      json(401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    if (this.forbidden.has(resource)) {
      const scope = namespace === null ? 'at the cluster scope' : `in the namespace "${namespace}"`;
      json(403, status(403, 'Forbidden', `${resource} is forbidden: User "system:serviceaccount:oomguard:audit" cannot list resource "${resource}" in API group "${resource === 'replicasets' ? 'apps' : ''}" ${scope}`));
      return;
    }
    let items = this.objects[resource].filter((o) => namespace === null || o.metadata?.namespace === namespace);
    const selector = q.get('labelSelector');
    if (selector !== null) {
      // Equality terms only (a=b,c!=d): enough for the tests.
      const terms = selector.split(',').map((t) => /^([^!=]+)(!?=)(.*)$/.exec(t)!);
      items = items.filter((o) => terms.every(([, k, op, v]) => (o.metadata?.labels?.[k] === v) === (op === '=')));
    }
    const start = q.get('continue') === null ? 0 : Number(Buffer.from(q.get('continue')!, 'base64url').toString());
    const limit = q.get('limit') === null ? items.length : Number(q.get('limit'));
    const page = items.slice(start, start + limit);
    const next = start + limit < items.length ? Buffer.from(String(start + limit)).toString('base64url') : undefined;
    const metadata: Obj = { resourceVersion: '4711' };
    if (next !== undefined) {
      metadata.continue = next;
      metadata.remainingItemCount = items.length - start - limit;
    }
    const strip = ({ apiVersion: _a, kind: _k, ...rest }: Obj) => rest;
    json(200, JSON.stringify({ kind: KINDS[resource], apiVersion: resource === 'replicasets' ? 'apps/v1' : 'v1', metadata, items: page.map(strip) }));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A kubeconfig with one context, "loopback", whose namespace is `namespace` and whose user has a token. */
  kubeconfig(dir: string, namespace = 'shop', port = this.port): string {
    const file = path.join(dir, `kubeconfig-${port}`);
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: loopback',
        '  cluster:',
        `    server: http://127.0.0.1:${port}`,
        // client-node refuses plain HTTP unless TLS verification is off (a loopback test server).
        '    insecure-skip-tls-verify: true',
        'users:',
        '- name: auditor',
        '  user:',
        '    token: audit-token',
        'contexts:',
        '- name: loopback',
        '  context:',
        '    cluster: loopback',
        '    user: auditor',
        `    namespace: ${namespace}`,
        'current-context: loopback',
        '',
      ].join('\n'),
    );
    return file;
  }
}
