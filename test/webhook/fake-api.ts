// Just enough of kube-apiserver for the webhook's cluster views: a real HTTP server on 127.0.0.1
// answering GET /api/v1/nodes and GET /api/v1/limitranges with the API's JSON (lists, and
// ?watch=true as a chunked stream of watch events), and a kubeconfig pointing at it.
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo, Socket } from 'node:net';

export type Node = {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: { name: string; labels: Record<string, string>; resourceVersion: string };
  status: { capacity: Record<string, string>; allocatable: Record<string, string>; nodeInfo?: { kubeletVersion: string } };
};

export type LimitRangeObject = {
  apiVersion: 'v1';
  kind: 'LimitRange';
  metadata: { name: string; namespace: string; resourceVersion: string };
  spec: { limits: Array<Record<string, unknown>> };
};

type ApiObject = Node | LimitRangeObject;

export function node(name: string, memory: string, labels: Record<string, string> = {}, rv = '1', kubeletVersion?: string): Node {
  const n: Node = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels }, resourceVersion: rv },
    status: { capacity: { cpu: '4', memory, pods: '110' }, allocatable: { cpu: '3900m', memory, pods: '110' } },
  };
  if (kubeletVersion !== undefined) n.status.nodeInfo = { kubeletVersion };
  return n;
}

/** A LimitRange with one Container item, e.g. limitRange('team', 'mem', { defaultRequest: { memory: '256Mi' } }). */
export function limitRange(namespace: string, name: string, container: Record<string, unknown>, rv = '1'): LimitRangeObject {
  return { apiVersion: 'v1', kind: 'LimitRange', metadata: { name, namespace, resourceVersion: rv }, spec: { limits: [{ type: 'Container', ...container }] } };
}

/** One collection the server serves: its objects, list count and open watches. */
class Collection<T extends ApiObject> {
  readonly objects = new Map<string, T>();
  lists = 0;
  readonly watches = new Set<http.ServerResponse>();
  constructor(readonly listKind: string) {}
}

const STATUS = (code: number, reason: string) => JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason });

export class FakeApiServer {
  readonly collections = {
    nodes: new Collection<Node>('NodeList'),
    limitranges: new Collection<LimitRangeObject>('LimitRangeList'),
  };
  /** Nodes by name. */
  readonly nodes = this.collections.nodes.objects;
  /** LimitRanges by "namespace/name". */
  readonly limitRanges = this.collections.limitranges.objects;
  rv = 100;
  port = 0;
  private server: http.Server | null = null;
  private sockets = new Set<Socket>();
  /** Accept connections but never answer (a hung API server). */
  hang = false;
  /** Collections answered with 403 Forbidden (a ClusterRole without them). */
  forbidden = new Set<keyof FakeApiServer['collections']>();

  /** Node lists served. */
  get lists(): number {
    return this.collections.nodes.lists;
  }
  /** Open node watches. */
  get watches(): Set<http.ServerResponse> {
    return this.collections.nodes.watches;
  }

  addLimitRange(lr: LimitRangeObject): void {
    this.limitRanges.set(`${lr.metadata.namespace}/${lr.metadata.name}`, lr);
  }

  async start(port = 0): Promise<void> {
    const server = http.createServer((req, res) => {
      if (this.hang) return;
      const url = new URL(req.url ?? '/', 'http://x');
      const name = /^\/api\/v1\/(nodes|limitranges)$/.exec(url.pathname)?.[1] as keyof FakeApiServer['collections'] | undefined;
      if (req.method !== 'GET' || name === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(STATUS(404, 'NotFound'));
        return;
      }
      if (this.forbidden.has(name)) {
        res.writeHead(403, { 'content-type': 'application/json' }).end(STATUS(403, 'Forbidden'));
        return;
      }
      const c: Collection<ApiObject> = this.collections[name];
      if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        res.write(''); // headers out now, like the API server
        c.watches.add(res);
        res.on('close', () => c.watches.delete(res));
        return;
      }
      c.lists++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: c.listKind, apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) }, items: [...c.objects.values()] }));
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Stores the change and sends it to the watches of its collection. */
  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', o: ApiObject): void {
    this.rv++;
    o.metadata.resourceVersion = String(this.rv);
    const c: Collection<ApiObject> = o.kind === 'Node' ? this.collections.nodes : this.collections.limitranges;
    const key = o.kind === 'Node' ? o.metadata.name : `${o.metadata.namespace}/${o.metadata.name}`;
    if (type === 'DELETED') c.objects.delete(key);
    else c.objects.set(key, o);
    for (const res of c.watches) res.write(`${JSON.stringify({ type, object: o })}\n`);
  }

  /** The API server goes away: listener closed, every connection cut. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  kubeconfig(dir: string): string {
    const file = path.join(dir, 'kubeconfig');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: fake`,
        `  cluster:`,
        `    server: http://127.0.0.1:${this.port}`,
        // client-node refuses plain HTTP unless TLS verification is off (loopback test server).
        '    insecure-skip-tls-verify: true',
        'users:',
        '- name: tester',
        '  user: {}',
        'contexts:',
        '- name: fake',
        '  context:',
        '    cluster: fake',
        '    user: tester',
        'current-context: fake',
        '',
      ].join('\n'),
    );
    return file;
  }
}

/** Polls `check` every 25 ms until it holds; throws after `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}
