// Which node a pod is judged on: one rule for every caller (lint, explain, fix, simulate, serve,
// audit). The kubelet divides by the capacity of the node the pod runs on, so:
//
//   1. spec.nodeName, when it names one of the given nodes (the scheduler is bypassed);
//   2. else the nodes its nodeSelector and required node affinity allow, judged on the smallest;
//   3. else (nothing constrains it, or nothing matches: the pod would stay Pending) all nodes,
//      judged on the smallest.
//
// A nodeName that is not among the nodes is kept as a fact (reports say it) and the pod is judged
// as unplaced (steps 2 and 3). The matching follows the scheduler's NodeAffinity filter
// (pkg/scheduler/framework/plugins/nodeaffinity, k8s.io/component-helpers/scheduling/corev1/
// nodeaffinity): every nodeSelector label equal, and any one of the required nodeSelectorTerms
// (an empty term matches nothing; within a term every matchExpression on labels and every
// matchField, which only knows metadata.name). Pure: the memoised facts live in the pool object.
import { nodeFactsFromNodes } from './node.js';
import type { NodeFacts, NodeSource } from './node.js';
import type { PodLike } from './types.js';

/** How the node was chosen. `capacity`: no nodes were given, only a capacity (flag, preset, default). */
export type PlacementBasis = 'nodeName' | 'selector' | 'all' | 'capacity';

export interface Placement {
  /** The facts the pod is judged on: one node, or the worst case of the candidates. */
  facts: NodeFacts;
  basis: PlacementBasis;
  /** The node judged on (the smallest candidate; the first given among equals); null without nodes. */
  node: string | null;
  /** How many nodes the pod could land on (1 for nodeName; 0 without nodes). */
  candidates: number;
  /** spec.nodeName when no given node has that name: the pod was judged as unplaced. */
  unknownNodeName: string | null;
  /** The pod's nodeSelector or required node affinity matched none of the nodes: judged on all. */
  noNodeMatches: boolean;
}

/** Places pods on a set of nodes. Each call with the same choice returns the same facts object. */
export interface NodePlacer {
  place(pod: PodLike | null): Placement;
  /** The worst case across every node: what a report states as "the node". */
  readonly all: NodeFacts;
}

/** Every pod on one capacity (--node-memory, a preset, the default): nothing to choose. */
export function fixedPlacement(facts: NodeFacts): Placement {
  return { facts, basis: 'capacity', node: facts.nodeNames.length === 1 ? facts.nodeNames[0] : null, candidates: facts.nodeNames.length, unknownNodeName: null, noNodeMatches: false };
}

export function fixedPlacer(facts: NodeFacts): NodePlacer {
  const placement = fixedPlacement(facts);
  return { place: () => placement, all: facts };
}

interface NodeEntry {
  name: string;
  labels: Record<string, string>;
  object: unknown;
  pointer: string;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The name and labels placement needs; null without metadata.name unless a fallback is given. */
export function nodeEntryOf(object: unknown, pointer = '', fallbackName?: string): NodeEntry | null {
  const meta = isMapping(object) && isMapping(object.metadata) ? object.metadata : null;
  const name = meta !== null && typeof meta.name === 'string' && meta.name !== '' ? meta.name : fallbackName;
  if (name === undefined) return null;
  const labels: Record<string, string> = {};
  if (meta !== null && isMapping(meta.labels)) for (const [k, v] of Object.entries(meta.labels)) labels[k] = String(v);
  return { name, labels, object, pointer };
}

interface Requirement {
  key: string;
  operator: string;
  values?: unknown;
}

/** One NodeSelectorRequirement against a label value (or metadata.name); undefined: absent. */
export function matchesRequirement(value: string | undefined, r: Requirement): boolean {
  const values = Array.isArray(r.values) ? r.values.filter((v): v is string => typeof v === 'string') : [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      // Both sides must parse as integers (labels.Requirement.Matches: strconv.ParseInt), else no match.
      if (value === undefined || values.length !== 1 || !/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0])) return false;
      return r.operator === 'Gt' ? BigInt(value) > BigInt(values[0]) : BigInt(value) < BigInt(values[0]);
    }
    default:
      return false;
  }
}

/** The pod's spec, when it has one. */
function specOf(pod: PodLike | null): Record<string, unknown> | null {
  return pod !== null && isMapping(pod) && isMapping(pod.spec) ? pod.spec : null;
}

/**
 * The scheduler's node filter, as far as the pod spec says: nodeSelector (every label equal) and
 * required node affinity (any term; within a term every expression and field). Null when the pod
 * constrains nothing.
 */
export function nodeFilter(pod: PodLike | null): ((node: { name: string; labels: Record<string, string> }) => boolean) | null {
  const spec = specOf(pod);
  if (spec === null) return null;
  const selector = isMapping(spec.nodeSelector) ? spec.nodeSelector : null;
  const affinity = isMapping(spec.affinity) && isMapping(spec.affinity.nodeAffinity) ? spec.affinity.nodeAffinity : null;
  const required = affinity !== null && isMapping(affinity.requiredDuringSchedulingIgnoredDuringExecution) ? affinity.requiredDuringSchedulingIgnoredDuringExecution : null;
  const terms = required !== null && Array.isArray(required.nodeSelectorTerms) ? required.nodeSelectorTerms.filter(isMapping) : [];
  const selectorEntries = selector === null ? [] : Object.entries(selector);
  if (selectorEntries.length === 0 && terms.length === 0) return null;
  return (n) => {
    // Only strings can equal a label.
    for (const [k, v] of selectorEntries) if (typeof v !== 'string' || n.labels[k] !== v) return false;
    if (terms.length === 0) return true;
    return terms.some((term) => {
      const exprs = Array.isArray(term.matchExpressions) ? (term.matchExpressions.filter(isMapping) as unknown as Requirement[]) : [];
      const fields = Array.isArray(term.matchFields) ? (term.matchFields.filter(isMapping) as unknown as Requirement[]) : [];
      if (exprs.length === 0 && fields.length === 0) return false; // an empty term matches nothing
      return (
        exprs.every((r) => typeof r.key === 'string' && matchesRequirement(n.labels[r.key], r)) &&
        fields.every((r) => r.key === 'metadata.name' && matchesRequirement(n.name, r))
      );
    });
  };
}

/** spec.nodeName when set. */
export function nodeNameOf(pod: PodLike | null): string | null {
  const spec = specOf(pod);
  return spec !== null && typeof spec.nodeName === 'string' && spec.nodeName !== '' ? spec.nodeName : null;
}

/**
 * Places pods on given Node objects (each must have a usable memory capacity: nodeFactsFromNodes
 * throws NodeError otherwise, so build the pool from checked nodes). Memoises the facts of each
 * choice (bounded), so the engine's per-node preparation is reused across pods.
 */
export class NodePool implements NodePlacer {
  readonly entries: readonly NodeEntry[];
  readonly all: NodeFacts;
  private readonly allPlacement: Placement;
  private readonly byName = new Map<string, Placement>();
  private readonly bySelection = new Map<string, { facts: NodeFacts; node: string; candidates: number } | null>();

  constructor(
    nodes: ReadonlyArray<{ object: unknown; pointer?: string }>,
    private readonly source: NodeSource,
  ) {
    if (nodes.length === 0) throw new RangeError('NodePool needs at least one node');
    this.entries = nodes.map((n, i) => nodeEntryOf(n.object, n.pointer ?? '', `(unnamed node ${i + 1})`)!);
    this.all = this.factsOf(this.entries);
    this.allPlacement = { facts: this.all, basis: 'all', node: this.smallest(this.entries), candidates: this.entries.length, unknownNodeName: null, noNodeMatches: false };
  }

  private factsOf(entries: readonly NodeEntry[]): NodeFacts {
    return nodeFactsFromNodes(
      entries.map((e) => ({ object: e.object, pointer: e.pointer })),
      this.source,
    );
  }

  /** The name of the node with the smallest capacity (first among equals). */
  private smallest(entries: readonly NodeEntry[]): string {
    if (entries.length === 1) return entries[0].name;
    const facts = entries.map((e) => this.factsOf([e]).memoryCapacity);
    let best = 0;
    for (let i = 1; i < facts.length; i++) if (facts[i] < facts[best]) best = i;
    return entries[best].name;
  }

  place(pod: PodLike | null): Placement {
    const nodeName = nodeNameOf(pod);
    if (nodeName !== null) {
      const known = this.byName.get(nodeName);
      if (known !== undefined) return known;
      const entry = this.entries.find((e) => e.name === nodeName);
      if (entry !== undefined) {
        const placement: Placement = { facts: this.factsOf([entry]), basis: 'nodeName', node: entry.name, candidates: 1, unknownNodeName: null, noNodeMatches: false };
        if (this.byName.size >= 4096) this.byName.clear();
        this.byName.set(nodeName, placement);
        return placement;
      }
    }
    const unknownNodeName = nodeName;
    const chosen = this.bySelector(pod);
    if (chosen === undefined) return unknownNodeName === null ? this.allPlacement : { ...this.allPlacement, unknownNodeName };
    if (chosen === null) return { ...this.allPlacement, unknownNodeName, noNodeMatches: true };
    return { facts: chosen.facts, basis: 'selector', node: chosen.node, candidates: chosen.candidates, unknownNodeName, noNodeMatches: false };
  }

  /** undefined: the pod constrains nothing; null: its constraints match no node. */
  private bySelector(pod: PodLike | null): { facts: NodeFacts; node: string; candidates: number } | null | undefined {
    const filter = nodeFilter(pod);
    if (filter === null) return undefined;
    const spec = specOf(pod);
    let key: string | null;
    try {
      key = JSON.stringify([spec?.nodeSelector ?? null, isMapping(spec?.affinity) ? (spec.affinity.nodeAffinity ?? null) : null]);
    } catch {
      key = null; // absurdly nested selectors (JSON.stringify recurses): filter without memoising
    }
    if (key !== null && this.bySelection.has(key)) return this.bySelection.get(key)!;
    const matching = this.entries.filter(filter);
    const chosen = matching.length === 0 ? null : { facts: this.factsOf(matching), node: this.smallest(matching), candidates: matching.length };
    if (key !== null) {
      if (this.bySelection.size >= 256) this.bySelection.clear();
      this.bySelection.set(key, chosen);
    }
    return chosen;
  }
}

/** Node objects as given (a node file, the cluster): plain data, so it can be sent to worker threads. */
export interface GivenNodes {
  nodes: ReadonlyArray<{ object: unknown; pointer: string }>;
  source: NodeSource;
}

/** What a command judges on: one capacity (facts), or nodes to place each pod on. */
export type NodeChoice = NodeFacts | GivenNodes;

/** A placer for what a caller judges on: a choice as given, or a placer already made (returned as is). */
export function placerFor(choice: NodeChoice | NodePlacer): NodePlacer {
  if ('place' in choice) return choice;
  return 'nodes' in choice ? new NodePool(choice.nodes, choice.source) : fixedPlacer(choice);
}
