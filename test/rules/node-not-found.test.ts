// node-not-found: a pod bound to a node outside the given nodes, or whose selectors match none of
// them, is judged as unplaced (src/core/placement.ts); the rule says so.
import t from 'tap';
import rule from '../../rules/node-not-found.js';
import { ruleTester, yaml } from '../helpers/rule-tester.js';
import type { GivenNodes } from '../../src/core/placement.js';

const node = (name: string, memory: string, labels: Record<string, string>) => ({
  object: { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, status: { capacity: { memory }, allocatable: { memory } } },
  pointer: '',
});
const NODES: GivenNodes = { nodes: [node('small-1', '4Gi', { pool: 'small' }), node('big-1', '64Gi', { pool: 'big' })], source: 'node-file' };

const pod = (spec: string) => yaml`
  apiVersion: v1
  kind: Pod
  metadata: {name: cache}
  spec:
    ${spec}
    containers:
      - name: cache
        image: redis:7
        resources:
          requests: {memory: 1Gi}
          limits: {memory: 2Gi}
`;
const deployment = (spec: string) => yaml`
  apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web}
  spec:
    selector: {matchLabels: {app: web}}
    template:
      metadata: {labels: {app: web}}
      spec:
        ${spec}
        containers:
          - name: web
            image: nginx:1.27
`;

ruleTester.run(t, rule, {
  valid: [
    { name: 'nodeName among the nodes', manifest: pod('nodeName: big-1'), node: NODES },
    { name: 'a selector matching a node', manifest: deployment('nodeSelector: {pool: big}'), node: NODES },
    { name: 'nothing constrains the pod', manifest: deployment('restartPolicy: Always'), node: NODES },
    { name: 'only a capacity given: nothing to match', manifest: pod('nodeName: big-7'), nodeMemory: '8Gi' },
  ],
  invalid: [
    {
      name: 'nodeName not among the nodes',
      manifest: pod('nodeName: big-7'),
      node: NODES,
      errors: [
        {
          messageId: 'unknownNodeName',
          path: '/spec/nodeName',
          message: 'spec.nodeName "big-7" is not among the given nodes: the pod is judged as unplaced, on node small-1 (4Gi), not on the node it runs on',
        },
      ],
    },
    {
      name: 'unknown nodeName with a selector: judged by the selector',
      manifest: pod('nodeName: big-7\n    nodeSelector: {pool: big}'),
      node: NODES,
      errors: [{ messageId: 'unknownNodeName', path: '/spec/nodeName', data: { nodeName: 'big-7', judgedOn: 'big-1', capacity: '64Gi' } }],
    },
    {
      name: 'a nodeSelector matching no node',
      manifest: deployment('nodeSelector: {pool: gpu}'),
      node: NODES,
      errors: [
        {
          messageId: 'noMatchingNode',
          path: '/spec/template/spec/nodeSelector',
          message:
            'the nodeSelector and required node affinity match none of the 2 given nodes: the scheduler would leave the pod Pending; it is judged on node small-1 (4Gi), the smallest',
        },
      ],
    },
    {
      name: 'required node affinity matching no node',
      manifest: deployment(
        'affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: pool, operator: In, values: [gpu]}]}]}}}',
      ),
      node: NODES,
      errors: [{ messageId: 'noMatchingNode', path: '/spec/template/spec/affinity' }],
    },
  ],
});
