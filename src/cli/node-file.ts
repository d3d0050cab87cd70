// Node files shared by lint and serve: a Node or NodeList manifest (`kubectl get nodes -o yaml`)
// for --node FILE and the config's node.file. `oomguard lint` judges on the smallest node,
// `oomguard serve` keeps the nodes to judge each pod on the node it is bound or selected to. Any
// problem is one usage line naming the flag, setting or file (exit code 2). A memory quantity
// (--node-memory, the config's node.memory) is command-line.ts's nodeMemoryFacts.
import path from 'node:path';
import { UsageError } from './exit-codes.js';
import { NodeError, nodeFactsFromNodes } from '../core/node.js';
import type { NodeFacts, NodeSource } from '../core/node.js';
import { NODE_PRESET_PROVIDERS, NodePresetError, nodeFactsFromPreset, parseNodePreset } from '../core/node-presets.js';
import { parseText } from '../input/parse.js';
import type { NodeChoice } from '../core/placement.js';
import type { LoadedConfig } from '../config/load.js';
import { nodeMemoryFacts } from './command-line.js';

// Not `import { readFileSync } from 'node:fs'`: see config/load.ts.
const { readFileSync } = process.getBuiltinModule('node:fs');

export interface NodeFile {
  /** The Node objects, each with its JSON Pointer in its document ("" or "/items/N"). */
  nodes: Array<{ object: unknown; pointer: string }>;
  /** Facts over all of them (the worst case), as lint judges. */
  facts: NodeFacts;
}

/** `source` is 'node-file' for --node, 'config' for the config's node.file. Throws UsageError. */
export function readNodeFile(file: string, source: NodeSource, cwd: string): NodeFile {
  const shown = path.relative(cwd, file) || file;
  const what = source === 'config' ? `node.file ${shown}` : `--node ${shown}`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${what}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const parsed = parseText(text, shown);
  if (parsed.errors.length > 0) {
    const e = parsed.errors[0];
    throw new UsageError(`${e.file}${e.document !== null ? ` document ${e.document + 1}` : ''}${e.line !== null ? ` line ${e.line}` : ''}: ${e.message}`);
  }
  const nodes = parsed.objects.filter((o) => o.object.kind === 'Node').map((o) => ({ object: o.object as unknown, pointer: o.itemPointer }));
  if (nodes.length === 0) throw new UsageError(`${what}: no Node objects found (use kubectl get nodes -o yaml)`);
  try {
    return { nodes, facts: nodeFactsFromNodes(nodes, source) };
  } catch (err) {
    if (err instanceof NodeError) throw new UsageError(`${what}: ${err.message}`);
    throw err;
  }
}

/** The node flags every judging command takes (lint, explain, serve, simulate). */
export interface NodeFlags {
  'node-memory'?: string;
  node?: string;
  'node-preset'?: string;
}

/** The parseArgs options of NodeFlags. */
export const NODE_FLAG_OPTIONS = {
  'node-memory': { type: 'string' },
  node: { type: 'string' },
  'node-preset': { type: 'string' },
} as const;

/** --help lines of NodeFlags (each command adds what it does without them). */
export const NODE_FLAGS_HELP = `\
  --node-memory QUANTITY      Node memory capacity (status.capacity.memory, what the kubelet
                              divides by; not allocatable), e.g. 16Gi
  --node FILE                 Node or NodeList manifest (kubectl get nodes -o yaml): capacity and
                              allocatable; each pod is judged on its node (spec.nodeName, else
                              the smallest its nodeSelector and node affinity allow, else the
                              smallest)
  --node-preset P:MEM[:PODS]  A cloud node: ${NODE_PRESET_PROVIDERS.map((p) => p.provider).join(', ')} with its memory and max pods,
                              e.g. gke:16Gi or eks:16Gi:58; allocatable from the provider's
                              published reservations (docs/node-presets.md)`;

/** A preset as given (`what` names the flag or setting). Throws UsageError. */
export function nodePresetFacts(text: string, what: string, kubernetesVersion: string): NodeFacts {
  try {
    return nodeFactsFromPreset(parseNodePreset(text, kubernetesVersion));
  } catch (err) {
    if (err instanceof NodePresetError) throw new UsageError(`${what}: ${err.message}`);
    throw err;
  }
}

/**
 * The node to judge on, from the flags, else the config's node: one capacity, or Node objects
 * each pod is placed on (core/placement.ts). Null when neither says (the caller's default: 16Gi,
 * or the cluster's nodes for serve). Throws UsageError.
 */
export function nodeChoiceFrom(flags: NodeFlags, config: Pick<LoadedConfig, 'node'>, cwd: string, kubernetesVersion: string): NodeChoice | null {
  const given = (['node-memory', 'node', 'node-preset'] as const).filter((f) => flags[f] !== undefined);
  if (given.length > 1) throw new UsageError(`${given.map((f) => `--${f}`).join(' and ')} are exclusive: give one`);
  if (flags['node-memory'] !== undefined) return nodeMemoryFacts(flags['node-memory'], '--node-memory', 'flag');
  if (flags.node !== undefined) return { nodes: readNodeFile(path.resolve(cwd, flags.node), 'node-file', cwd).nodes, source: 'node-file' };
  if (flags['node-preset'] !== undefined) return nodePresetFacts(flags['node-preset'], '--node-preset', kubernetesVersion);
  if (config.node?.memory !== undefined) return nodeMemoryFacts(String(config.node.memory), 'node.memory', 'config');
  if (config.node?.file !== undefined) return { nodes: readNodeFile(config.node.file, 'config', cwd).nodes, source: 'config' };
  if (config.node?.preset !== undefined) return nodePresetFacts(config.node.preset, 'node.preset', kubernetesVersion);
  return null;
}
