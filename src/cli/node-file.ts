// Node files shared by lint and serve: a Node or NodeList manifest (`kubectl get nodes -o yaml`)
// for --node FILE and the config's node.file. `oomguard lint` judges on the smallest node,
// `oomguard serve` keeps the nodes to judge each pod on the node it is bound or selected to. Any
// problem is one usage line naming the flag, setting or file (exit code 2). A memory quantity
// (--node-memory, the config's node.memory) is command-line.ts's nodeMemoryFacts.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from './exit-codes.js';
import { NodeError, nodeFactsFromNodes } from '../core/node.js';
import type { NodeFacts, NodeSource } from '../core/node.js';
import { parseText } from '../input/parse.js';

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

/** The worst-case facts of a node file (what `oomguard lint --node FILE` judges on). */
export function resolveNodeFromFile(file: string, source: NodeSource, cwd: string): NodeFacts {
  return readNodeFile(file, source, cwd).facts;
}
