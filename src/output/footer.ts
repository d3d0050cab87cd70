// The line every human format (text, explain) ends with: the Kubernetes version and the node
// memory the numbers were computed for, and where that memory came from. Every oom_score_adj of
// a Burstable container depends on both, so a report never omits them.
//
//   Modelled Kubernetes 1.34 on a node with 8Gi memory (--node-memory).
//   Modelled Kubernetes 1.37 on a node with 16Gi memory (default: pass --node-memory, --node or --node-preset).
//   Modelled Kubernetes 1.34 on node worker-1 with 8Gi memory, 7.5Gi allocatable (--node).
//   Modelled Kubernetes 1.34 on 3 nodes with 8Gi–16Gi memory, each pod judged on its own node (nodeName, selectors), else on the smallest (--node).
//   Modelled Kubernetes 1.35 on 2 nodes with 8Gi memory each (from the cluster).
//
// "memory" is the node's memory capacity (status.capacity.memory), what the kubelet divides by.
// Kept apart from common.ts because it needs formatBytes: the machine formats (json, sarif,
// junit, github) print bytes and do not depend on it.
import { formatBytes } from '../core/quantity.js';
import type { NodeFacts } from '../core/node.js';
import { oneLine } from './common.js';

const SOURCE_TEXT: Record<NodeFacts['source'], string> = {
  flag: '--node-memory',
  'node-file': '--node',
  config: 'node in the config file',
  cluster: 'from the cluster',
  default: 'default: pass --node-memory, --node or --node-preset',
  preset: '--node-preset',
};

export function nodeFooter(node: NodeFacts, kubernetesVersion: string): string {
  const source = SOURCE_TEXT[node.source] ?? oneLine(String(node.source));
  const { min, max } = node.capacityRange;
  const several = node.nodeNames.length > 1 || min !== max;
  let where: string;
  if (several) {
    const count = Math.max(node.nodeNames.length, 2);
    const memory = min === max ? `${formatBytes(min)} memory each` : `${formatBytes(min)}–${formatBytes(max)} memory, each pod judged on its own node (nodeName, selectors), else on the smallest`;
    const alloc = node.memoryAllocatable === null ? '' : `; smallest allocatable ${formatBytes(node.memoryAllocatable)}`;
    where = `on ${count} nodes with ${memory}${alloc}`;
  } else {
    const name = node.nodeNames.length === 1 ? `node ${oneLine(node.nodeNames[0])}` : 'a node';
    const alloc = node.memoryAllocatable === null ? '' : `, ${formatBytes(node.memoryAllocatable)} allocatable`;
    where = `on ${name} with ${formatBytes(node.memoryCapacity)} memory${alloc}`;
  }
  const r = node.reservations;
  if (r !== undefined) {
    // A preset: say which, and the provider's formula behind the allocatable.
    return `Modelled Kubernetes ${oneLine(kubernetesVersion)} ${where} (--node-preset ${oneLine(r.preset)}: ${oneLine(r.formula)}; ${oneLine(r.source)}).`;
  }
  return `Modelled Kubernetes ${oneLine(kubernetesVersion)} ${where} (${source}).`;
}
