// --pods: the PodList index, terminations and evictions the pod status records, the kubelet's
// eviction messages (both wordings), the cross-check against oomguard's prediction, and bad JSON.
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonErrorOffset, memoryEvictions, oomTerminations, parseEvictionMessage, readPodList } from '../../src/forensics/pods.js';
import { explainEviction, explainReport, explainTermination } from '../../src/forensics/explain.js';
import { readKernelLog } from '../../src/forensics/reader.js';
import { capacityRangeFor } from '../../src/forensics/predict.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'oom-reports');
const podsText = readFileSync(path.join(dir, 'pods', 'pods.json'), 'utf8');
const KI = 1024n;

t.test('eviction messages, current and pre-1.26 wording', async (t) => {
  t.same(parseEvictionMessage('The node was low on resource: memory. Threshold quantity: 100Mi, available: 91236Ki. Container report was using 1634400Ki, request is 0, has larger consumption of memory. Container b was using 2Gi, request is 1Gi, has larger consumption of memory. '), {
    resource: 'memory',
    threshold: '100Mi',
    available: '91236Ki',
    containers: [{ name: 'report', usage: '1634400Ki', request: '0' }, { name: 'b', usage: '2Gi', request: '1Gi' }],
    admissionCondition: null,
  });
  t.same(parseEvictionMessage('The node was low on resource: memory. Container worker was using 2Gi, which exceeds its request of 512Mi. ').containers, [{ name: 'worker', usage: '2Gi', request: '512Mi' }]);
  t.equal(parseEvictionMessage('The node had condition: [MemoryPressure]. ').admissionCondition, 'MemoryPressure');
  t.equal(parseEvictionMessage('The node was low on resource: ephemeral-storage. ').resource, 'ephemeral-storage');
});

t.test('the PodList: terminations and memory evictions', async (t) => {
  const { index, error } = readPodList(podsText, 'pods.json');
  t.equal(error, null);
  t.equal(index.pods.length, 9);
  const terms = oomTerminations(index);
  t.same(terms.map((x) => [x.pod.name, x.container.name, x.reason, x.exitCode]), [
    ['alloc-mem-leak', 'alloc-mem', 'OOMKilled', 137],
    ['nginx-5d8f7c9b6-kq2xw', 'nginx', 'OOMKilled', 137],
    ['cluster-monitoring-prometheus-d56bb6d46-tzmcj', 'prometheus', 'Error', 137],
  ]);
  const evictions = memoryEvictions(index);
  t.same(evictions.map((e) => e.pod.name), ['report-generator-28911230-9kq7x', 'worker-7f8d9c-abcde'], 'the ephemeral-storage eviction is not a memory eviction');
  const ctx = { pods: index, nodeMemory: null, kubernetesVersion: '1.37' };
  const oomKilled = explainTermination(terms[0], 'pods.json', ctx);
  t.equal(oomKilled.source, 'pod-status');
  t.match(oomKilled.explanation, /no memory limit, so its own cgroup cannot have run out/);
  t.match(explainTermination(terms[1], 'pods.json', ctx).explanation, /memory limit of 256Mi/);
  const error137 = explainTermination(terms[2], 'pods.json', ctx);
  t.match(error137.explanation, /reason Error, not OOMKilled/);
  t.match(error137.explanation, /on cgroup v1 a kill by a global OOM/);
  const ev = explainEviction(evictions[0], 'pods.json');
  t.equal(ev.kind, 'eviction');
  t.match(ev.explanation, /memory\.available 91236Ki against the eviction threshold 100Mi/);
  t.match(ev.explanation, /container report used 1634400Ki against a request of 0/);
  t.same(ev.eviction?.containers, [{ name: 'report', usage: '1634400Ki', request: '0' }]);
  t.match(explainEviction(evictions[1], 'pods.json').explanation, /this pod: 1000/);
});

t.test('cross-check: the kernel oom_score_adj against the prediction for the pod', async (t) => {
  const { index } = readPodList(podsText, 'pods.json');
  const report = (file: string) => readKernelLog(readFileSync(path.join(dir, file)), file).reports[0];

  // The seed's 939: a 123Mi request on a 2041888Ki node.
  const agree = explainReport(report('real/cgroup-v1-burstable-stress-dmesg-T.log'), { pods: index, nodeMemory: 2041888n * KI, kubernetesVersion: '1.37' });
  t.same([agree.pod?.namespace, agree.pod?.name, agree.pod?.container, agree.pod?.matchedBy], ['default', 'sh', 'sh', 'container-id']);
  t.same([agree.crossCheck?.predictedOomScoreAdj, agree.crossCheck?.kernelOomScoreAdj, agree.crossCheck?.agrees], [939, 939, true]);

  // Without a capacity: the range of node sizes that give 939 for that request.
  const range = explainReport(report('real/cgroup-v1-burstable-stress-dmesg-T.log'), { pods: index, nodeMemory: null, kubernetesVersion: '1.37' });
  t.equal(range.crossCheck?.agrees, null);
  t.ok(range.crossCheck?.consistentCapacity !== null && range.crossCheck!.consistentCapacity!.min <= 2041888 * 1024 && 2041888 * 1024 <= range.crossCheck!.consistentCapacity!.max, '2041888Ki is in the range');

  // A pod whose manifest does not give the kernel's value: said, with the reasons.
  const differ = explainReport(report('written/rsyslog-rfc3339-crlf-cgroup-v1-docker-burstable-main-process.log'), { pods: index, nodeMemory: 16n * KI * KI * KI, kubernetesVersion: '1.37' });
  t.same([differ.crossCheck?.predictedOomScoreAdj, differ.crossCheck?.kernelOomScoreAdj, differ.crossCheck?.agrees], [985, 969, false]);
  t.match(differ.crossCheck?.note, /LimitRange, a VPA or a mutating webhook/);

  // The AKS dotnet kill: the killed container is the pod's last terminated one.
  const dotnet = explainReport(report('real/aks-kubepods-limit-besteffort-dotnet-filtered.log'), { pods: index, nodeMemory: null, kubernetesVersion: '1.37' });
  t.same([dotnet.pod?.namespace, dotnet.pod?.name, dotnet.pod?.container, dotnet.crossCheck?.predictedOomScoreAdj, dotnet.crossCheck?.agrees], ['alloc-tests', 'alloc-mem-leak', 'alloc-mem', 1000, true]);

  // A global OOM: Mem-Info gives the node's MemTotal; the BestEffort pod's what-if comes from the core.
  const global = explainReport(report('written/dmesg-raw-6.12-global-besteffort-vs-burstable.log'), { pods: index, nodeMemory: null, kubernetesVersion: '1.37' });
  t.same([global.pod?.name, global.pod?.container, global.crossCheck?.agrees, global.crossCheck?.nodeMemorySource], ['trainer-0', 'trainer', true, 'report']);
  t.match(global.explanation, /oomguard predicts oom_score_adj 750 instead of 1000 on this 8166644Ki node/);
});

t.test('capacity ranges invert the kubelet formula exactly', async (t) => {
  const r = capacityRangeFor(939, 128974848n);
  t.same(r, { min: 2080239484n, max: 2114341770n });
  t.equal(capacityRangeFor(999, 1n), null, '999 is a clamp');
  t.equal(capacityRangeFor(-997, 1n), null);
});

t.test('bad --pods input names the line', async (t) => {
  const broken = readFileSync(path.join(dir, 'pods', 'broken-pods.json'), 'utf8');
  const r = readPodList(broken, 'broken-pods.json');
  t.equal(r.error?.line, 4, 'the trailing comma before ] on line 4');
  t.match(r.error?.message, /not valid JSON/);
  t.equal(jsonErrorOffset('{"a": [1, 2,]}'), 12);
  t.equal(jsonErrorOffset('{"a": 1} x'), 9);
  t.match(readPodList('{"kind":"ConfigMap"}', 'x.json').error?.message, /expected a PodList/);
  t.same(readPodList('[1]', 'x.json').error, { file: 'x.json', line: 1, message: 'expected a PodList (kubectl get pods -A -o json), found no object' });
});

t.test('a pod-level OOM in a pod of several containers: the table order cannot tell the main process', async (t) => {
  const file = 'real/kubevirt-harvester-dmesg-T-elided.log';
  const report = readKernelLog(readFileSync(path.join(dir, file)), file).reports[0];
  const alone = explainReport(report, { pods: null, nodeMemory: null, kubernetesVersion: '1.37' });
  t.equal(alone.victimRole, 'child-process');
  t.match(alone.explanation, /most likely a child process \(if the pod has one container; --pods tells\)/);
  const list = JSON.stringify({
    kind: 'PodList',
    items: [{
      kind: 'Pod',
      metadata: { name: 'virt-launcher-vm1-abcde', namespace: 'default', uid: 'ef91e487-dec5-4613-800b-eb23e1a1617d' },
      spec: { containers: [{ name: 'compute' }, { name: 'guest-console-log' }] },
      status: { qosClass: 'Burstable', containerStatuses: [{ name: 'compute', containerID: 'containerd://100093783c22a3ae1a42e21dd887b7c26eef52d56ba44c7273ef54507b6efe7c' }] },
    }],
  });
  const withPods = explainReport(report, { pods: readPodList(list, 'l.json').index, nodeMemory: null, kubernetesVersion: '1.37' });
  t.same([withPods.pod?.container, withPods.victimRole], ['compute', null]);
  t.match(withPods.explanation, /holds the processes of its 2 containers/);
});
