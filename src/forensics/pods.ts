// Pods as `kubectl get pods -A -o json` prints them: an index by UID and container ID for the
// kernel's cgroups, and the terminations the pod status itself records (OOMKilled, exit code 137,
// memory evictions with the kubelet's message). Pure: the text is given, nothing is read.
import type { PodLike } from '../core/types.js';
import type { InputProblem } from './types.js';

export interface ContainerRef {
  name: string;
  type: 'container' | 'init' | 'ephemeral';
}

export interface PodRecord {
  uid: string;
  namespace: string | null;
  name: string | null;
  object: PodLike & { status?: Record<string, unknown> | null };
  /** Container IDs (without the runtime:// prefix) of current and last terminated containers. */
  containerIds: Map<string, ContainerRef>;
}

export interface PodIndex {
  pods: PodRecord[];
  byUid: Map<string, PodRecord>;
}

/** The runtime's ID without `containerd://`, `cri-o://`, `docker://`. */
export function bareContainerId(id: unknown): string | null {
  if (typeof id !== 'string' || id === '') return null;
  const i = id.indexOf('://');
  return (i === -1 ? id : id.slice(i + 3)).toLowerCase();
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * Offset of the first JSON syntax error: V8's JSON.parse messages no longer give a position
 * ("Unexpected token ']', …"), and the one-line error must name the line. Called on failure only.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const str = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') i++;
      else if (text.charCodeAt(i) < 0x20) fail();
      i++;
    }
    if (i >= text.length) fail();
    i++;
  };
  const value = (depth: number): void => {
    if (depth > 1000) fail();
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          ws();
          if (text[i] !== '"') fail();
          str();
          ws();
          if (text[i] !== ':') fail();
          i++;
        }
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === close) {
          i++;
          return;
        }
        fail();
      }
    }
    if (c === '"') return str();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (m === null) fail();
    i += m![0].length;
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail();
  } catch (at) {
    if (typeof at === 'number') return at;
    throw at;
  }
  return Math.min(i, text.length);
}

/** 1-based line of an offset. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function statusLists(status: Json | null): Array<[unknown[], ContainerRef['type']]> {
  return [
    [arr(status?.initContainerStatuses), 'init'],
    [arr(status?.containerStatuses), 'container'],
    [arr(status?.ephemeralContainerStatuses), 'ephemeral'],
  ];
}

/** Reads a PodList (or List, or one Pod) from JSON. Problems are one line naming the file and line. */
export function readPodList(text: string, file: string): { index: PodIndex; error: InputProblem | null } {
  const index: PodIndex = { pods: [], byUid: new Map() };
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    const message = (err as Error).message.split('\n')[0].replace(/,?\s*(?:\.\.\.)?"[\s\S]*$/, '').trim();
    return { index, error: { file, line: lineAt(body, jsonErrorOffset(body)), message: `not valid JSON (${message}); give kubectl get pods -A -o json` } };
  }
  const root = obj(doc);
  if (root === null) return { index, error: { file, line: 1, message: 'expected a PodList (kubectl get pods -A -o json), found no object' } };
  const items = root.kind === 'Pod' ? [root] : Array.isArray(root.items) ? root.items : null;
  if (items === null) return { index, error: { file, line: 1, message: `expected a PodList (kubectl get pods -A -o json), found kind ${JSON.stringify(root.kind ?? null)}` } };
  for (const item of items) {
    const pod = obj(item);
    if (pod === null || (pod.kind !== undefined && pod.kind !== 'Pod')) continue;
    const meta = obj(pod.metadata);
    const uid = str(meta?.uid);
    if (uid === null) continue;
    const containerIds = new Map<string, ContainerRef>();
    for (const [list, type] of statusLists(obj(pod.status))) {
      for (const cs of list) {
        const s = obj(cs);
        const name = str(s?.name);
        if (s === null || name === null) continue;
        for (const id of [s.containerID, obj(obj(s.lastState)?.terminated)?.containerID, obj(obj(s.state)?.terminated)?.containerID]) {
          const bare = bareContainerId(id);
          if (bare !== null) containerIds.set(bare, { name, type });
        }
      }
    }
    const record: PodRecord = { uid: uid.toLowerCase(), namespace: str(meta?.namespace), name: str(meta?.name), object: pod as PodRecord['object'], containerIds };
    index.pods.push(record);
    index.byUid.set(record.uid, record);
  }
  return { index, error: null };
}

/** The container a kernel cgroup names: by container ID, else the only container of the pod. */
export function containerOf(pod: PodRecord, containerId: string | null): { ref: ContainerRef; how: 'container-id' | 'only-container' } | null {
  if (containerId !== null) {
    const exact = pod.containerIds.get(containerId);
    if (exact !== undefined) return { ref: exact, how: 'container-id' };
    for (const [id, ref] of pod.containerIds) if (id.startsWith(containerId) || containerId.startsWith(id)) return { ref, how: 'container-id' };
  }
  // A container ID that the status no longer lists (an older instance, or the pod sandbox): a
  // pod with one container can only mean that one, and the caller says how it was matched.
  const containers = arr(pod.object.spec?.containers);
  const name = containers.length === 1 ? str(obj(containers[0])?.name) : null;
  if (containerId !== null && name !== null) return { ref: { name, type: 'container' }, how: 'only-container' };
  return null;
}

export interface Termination {
  pod: PodRecord;
  container: ContainerRef;
  which: 'state' | 'lastState';
  reason: string | null;
  exitCode: number | null;
  signal: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  containerId: string | null;
  restartCount: number | null;
}

/** Every container termination with reason OOMKilled or exit code 137 (SIGKILL), current and last. */
export function oomTerminations(index: PodIndex): Termination[] {
  const out: Termination[] = [];
  for (const pod of index.pods) {
    for (const [list, type] of statusLists(obj(pod.object.status))) {
      for (const cs of list) {
        const s = obj(cs);
        const name = str(s?.name);
        if (s === null || name === null) continue;
        const seen = new Set<string>();
        for (const which of ['lastState', 'state'] as const) {
          const t = obj(obj(s[which])?.terminated);
          if (t === null) continue;
          const reason = str(t.reason);
          const exitCode = typeof t.exitCode === 'number' ? t.exitCode : null;
          if (reason !== 'OOMKilled' && exitCode !== 137) continue;
          const containerId = bareContainerId(t.containerID);
          const key = containerId ?? `${which}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push({
            pod,
            container: { name, type },
            which,
            reason,
            exitCode,
            signal: typeof t.signal === 'number' ? t.signal : null,
            startedAt: str(t.startedAt),
            finishedAt: str(t.finishedAt),
            containerId,
            restartCount: typeof s.restartCount === 'number' ? s.restartCount : null,
          });
        }
      }
    }
  }
  return out;
}

export interface EvictionMessage {
  /** The starved resource (`memory`, `ephemeral-storage`, …). */
  resource: string | null;
  /** `Threshold quantity: 100Mi, available: 68708Ki.` */
  threshold: string | null;
  available: string | null;
  /** Containers the kubelet listed as using more than their request. */
  containers: Array<{ name: string; usage: string; request: string }>;
  /** The pod was refused at admission (`The node had condition: [MemoryPressure].`). */
  admissionCondition: string | null;
}

/**
 * The kubelet's eviction message (pkg/kubelet/eviction/helpers.go, evictionMessage):
 * "The node was low on resource: memory. Threshold quantity: 100Mi, available: 68708Ki.
 * Container app was using 1635244Ki, request is 0, has larger consumption of memory. " — and the
 * wording before 1.26: "Container app was using 1635244Ki, which exceeds its request of 0. ".
 */
export function parseEvictionMessage(message: string): EvictionMessage {
  const resource = /The node was low on resource: ([\w./-]+?)\.(?:\s|$)/.exec(message);
  const threshold = /Threshold quantity: ([^,]+), available: (-?[\d.]+[A-Za-z]*)/.exec(message);
  const containers: EvictionMessage['containers'] = [];
  const re = /Container (\S+) was using (\S+?), (?:request is (\S+?), has larger consumption of [\w./-]+|which exceeds its request of (\S+?))\.(?:\s|$)/g;
  for (let m = re.exec(message); m !== null; m = re.exec(message)) containers.push({ name: m[1], usage: m[2], request: m[3] ?? m[4] });
  const cond = /The node had condition: \[([^\]]*)\]/.exec(message);
  return {
    resource: resource ? resource[1] : null,
    threshold: threshold ? threshold[1].trim() : null,
    available: threshold ? threshold[2] : null,
    containers,
    admissionCondition: cond ? cond[1] : null,
  };
}

export interface Eviction {
  pod: PodRecord;
  message: string;
  parsed: EvictionMessage;
  priority: number | null;
}

/** Pods evicted for memory: status.reason Evicted with a memory message (or a MemoryPressure refusal). */
export function memoryEvictions(index: PodIndex): Eviction[] {
  const out: Eviction[] = [];
  for (const pod of index.pods) {
    const status = obj(pod.object.status);
    if (status?.reason !== 'Evicted') continue;
    const message = str(status.message) ?? '';
    const parsed = parseEvictionMessage(message);
    const memory = parsed.resource === 'memory' || (parsed.admissionCondition !== null && /MemoryPressure/.test(parsed.admissionCondition));
    if (!memory) continue;
    const priority = typeof pod.object.spec?.priority === 'number' ? pod.object.spec.priority : null;
    out.push({ pod, message, parsed, priority });
  }
  return out;
}
