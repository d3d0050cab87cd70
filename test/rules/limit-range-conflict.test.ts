// limit-range-conflict: several LimitRanges of one namespace each fill what is still missing, in an
// order Kubernetes does not define (mergeContainerResources in
// plugin/pkg/admission/limitranger/admission.go), so two different defaults for one value leave it open.
import t from 'tap';
import rule from '../../rules/limit-range-conflict.js';
import { ruleTester, yaml } from '../helpers/rule-tester.js';

const defaults = yaml`
  apiVersion: v1
  kind: LimitRange
  metadata: {name: defaults, namespace: team-a}
  spec:
    limits:
      - type: Container
        default: {memory: 512Mi}
`;
const platform = yaml`
  apiVersion: v1
  kind: LimitRange
  metadata: {name: platform-defaults, namespace: team-a}
  spec:
    limits:
      - type: Container
        defaultRequest: {memory: 256Mi}
        default: {memory: 1Gi}
`;
const cpuOnly = yaml`
  apiVersion: v1
  kind: LimitRange
  metadata: {name: cpu, namespace: team-a}
  spec:
    limits:
      - type: Container
        defaultRequest: {cpu: 100m}
`;
const shell = yaml`
  apiVersion: v1
  kind: Pod
  metadata: {name: shell, namespace: team-a}
  spec:
    containers:
      - name: shell
        image: busybox:1.36
`;
const withMemory = yaml`
  apiVersion: v1
  kind: Pod
  metadata: {name: shell, namespace: team-a}
  spec:
    containers:
      - name: shell
        image: busybox:1.36
        resources:
          requests: {memory: 256Mi}
          limits: {memory: 512Mi}
`;

ruleTester.run(t, rule, {
  valid: [
    { name: 'LimitRanges defaulting different resources combine', manifest: `${defaults}---\n${cpuOnly}---\n${shell}` },
    { name: 'the container sets the values itself', manifest: `${defaults}---\n${platform}---\n${withMemory}` },
    { name: 'one LimitRange', manifest: `${platform}---\n${shell}` },
  ],
  invalid: [
    {
      name: 'two LimitRanges default the memory request and limit differently',
      manifest: `${defaults}---\n${platform}---\n${shell}`,
      errors: [
        {
          messageId: 'conflict',
          container: 'shell',
          path: '/spec/containers/0',
          severity: 'warning',
          message:
            'container "shell" has no memory limit: LimitRange team-a/defaults defaults it to 512Mi and LimitRange team-a/platform-defaults to 1Gi, and which one the API server applies is not defined (oomguard used 512Mi, the first in input order)',
        },
        // SetDefaults_LimitRangeItem made 512Mi the first LimitRange's defaultRequest too.
        { messageId: 'conflict', container: 'shell', message: /no memory request: LimitRange team-a\/defaults defaults it to 512Mi and LimitRange team-a\/platform-defaults to 256Mi/ },
      ],
    },
  ],
});
