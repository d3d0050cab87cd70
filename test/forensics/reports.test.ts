// Every report in test/fixtures/oom-reports/: the real ones (copied byte for byte from
// ../shared/oom-reports, facts from its README table) and the ones written for each log format.
// Each is read whole, and again in small chunks (the reader must not depend on chunk boundaries).
import t from 'tap';
import type { Test } from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KernelLogReader, readKernelLog } from '../../src/forensics/reader.js';
import { explainReport } from '../../src/forensics/explain.js';
import type { WhodunitEvent } from '../../src/forensics/explain.js';
import type { KernelReport } from '../../src/forensics/types.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'oom-reports');
const ctx = { pods: null, nodeMemory: null, kubernetesVersion: '1.37' };

interface Expected {
  line: number;
  kind: 'memcg' | 'global' | null;
  trigger: { process: string; pid: number | null; oomScoreAdj: number | null } | null;
  victim: { process: string; pid: number; oomScoreAdj: number | null; source?: string };
  memcg: { path: string; limitKiB: number | null } | null;
  pod: { uid: string; qosClass: string | null; containerId: string | null } | null;
  victimCgroup?: string | null;
  role?: WhodunitEvent['victimRole'];
  groupKills?: number[];
  owner?: string;
  explains?: RegExp[];
}

function events(file: string): WhodunitEvent[] {
  const { reports, error } = readKernelLog(readFileSync(path.join(dir, file)), file);
  if (error !== null) throw new Error(error.message);
  return reports.map((r) => explainReport(r, ctx));
}

function chunked(file: string, size: number): KernelReport[] {
  const buf = readFileSync(path.join(dir, file));
  const out: KernelReport[] = [];
  const reader = new KernelLogReader(file, (r) => out.push(r));
  for (let i = 0; i < buf.length; i += size) reader.push(Buffer.from(buf.subarray(i, i + size)));
  reader.end();
  return out;
}

function check(t: Test, file: string, expected: Expected[]) {
  const got = events(file);
  t.equal(got.length, expected.length, `${file}: ${expected.length} event(s)`);
  expected.forEach((x, i) => {
    const e = got[i];
    if (e === undefined) return;
    const at = `${file} #${i + 1}`;
    t.equal(e.line, x.line, `${at}: report line`);
    t.equal(e.kind, x.kind, `${at}: kind`);
    t.same(e.trigger, x.trigger, `${at}: trigger`);
    t.equal(e.victim?.process, x.victim.process, `${at}: victim name`);
    t.equal(e.victim?.pid, x.victim.pid, `${at}: victim pid`);
    t.equal(e.victim?.oomScoreAdj, x.victim.oomScoreAdj, `${at}: victim oom_score_adj`);
    if (x.victim.source !== undefined) t.equal(e.victim?.source, x.victim.source, `${at}: victim source`);
    t.same(e.memcg === null ? null : { path: e.memcg.path, limitKiB: e.memcg.limitKiB }, x.memcg, `${at}: memcg`);
    t.same(e.pod === null ? null : { uid: e.pod.uid, qosClass: e.pod.qosClass, containerId: e.pod.containerId }, x.pod, `${at}: pod`);
    if (x.victimCgroup !== undefined) t.equal(e.victimCgroup, x.victimCgroup, `${at}: victim cgroup`);
    if (x.role !== undefined) t.equal(e.victimRole, x.role, `${at}: victim role`);
    if (x.groupKills !== undefined) t.same(e.groupKills.map((g) => g.pid), x.groupKills, `${at}: memory.oom.group kills`);
    if (x.owner !== undefined) t.equal(e.cgroupOwner?.kind, x.owner, `${at}: cgroup owner`);
    for (const re of x.explains ?? []) t.match(e.explanation, re, `${at}: explanation says ${re}`);
  });
  // The same reports whatever the chunk size (a line, a marker or a CRLF split across chunks).
  const whole = readKernelLog(readFileSync(path.join(dir, file)), file).reports;
  for (const size of [1, 7, 64, 4096]) t.same(chunked(file, size), whole, `${file}: chunks of ${size} bytes give the same reports`);
}

const STRESS_CONTAINER = 'a2ed67c63e828da3849bf9f506ae2b36b4dac5b402a57f2981c9bdc07b23e672';

t.test('real reports (../shared/oom-reports, README facts)', async (t) => {
  check(t, 'real/cgroup-v1-burstable-stress-dmesg-T.log', [
    {
      line: 1,
      kind: 'memcg',
      trigger: { process: 'stress', pid: 32332, oomScoreAdj: 939 },
      victim: { process: 'stress', pid: 32308, oomScoreAdj: 939, source: 'killed-process' },
      memcg: { path: '/kubepods/burstable/podbc001ffa-68fc-11e9-92d7-5ef9efd9374c', limitKiB: 125952 },
      pod: { uid: 'bc001ffa-68fc-11e9-92d7-5ef9efd9374c', qosClass: 'Burstable', containerId: STRESS_CONTAINER },
      victimCgroup: `/kubepods/burstable/podbc001ffa-68fc-11e9-92d7-5ef9efd9374c/${STRESS_CONTAINER}`,
      role: 'child-process',
      explains: [/reached its limit of 125952 kB \(123Mi\)/, /oom_score_adj 939 played no part/, /matches the kernel's `score 1718`/, /invisible OOM kill/, /between 1\.94Gi and 1\.97Gi/],
    },
  ]);
  check(t, 'real/aks-kubepods-limit-besteffort-dotnet-filtered.log', [
    {
      line: 1,
      kind: 'memcg',
      trigger: { process: 'dotnet', pid: null, oomScoreAdj: 1000 },
      victim: { process: 'dotnet', pid: 20341, oomScoreAdj: 1000 },
      memcg: { path: '/kubepods', limitKiB: null },
      pod: { uid: '5f3d2447-f535-4b3d-979c-216d4980cc3f', qosClass: 'BestEffort', containerId: 'f90b24151029555d49a49d82159ec90c4fec53ba8515bd51a5633d1ff45d8f53' },
      role: null,
      explains: [/the cgroup of all pods, reached its limit/, /no `memory: usage/, /its pid is not in the report/],
    },
  ]);
  check(t, 'real/aks-cgroup-v2-besteffort-kubepods-limit-oom-group.log', [
    {
      line: 1,
      kind: 'memcg',
      trigger: { process: 'bash', pid: 7788, oomScoreAdj: 1000 },
      victim: { process: 'bash', pid: 7788, oomScoreAdj: 1000 },
      memcg: { path: '/kubepods.slice', limitKiB: 7464436 },
      pod: { uid: 'a5d8fdd1-1369-469e-8a7d-2c1047529435', qosClass: 'BestEffort', containerId: '9192cb33411ff69d015a3577db136757f5b145064a1703efea3d0e12e8a64987' },
      role: 'whole-container',
      // Nothing the kernel printed is dropped: 7788 is killed a second time by the group.
      groupKills: [7620, 7656, 7657, 7712, 7788],
      explains: [/memory\.oom\.group is set/, /Top: bash \(pid 7788\): 3661214 points/],
    },
  ]);
  check(t, 'real/global-syslog-grep-filtered-three-reports.log', [
    {
      line: 1,
      kind: 'global',
      trigger: { process: 'systemd', pid: null, oomScoreAdj: 0 },
      victim: { process: 'node', pid: 2092, oomScoreAdj: 0 },
      memcg: null,
      pod: null,
      victimCgroup: '/system.slice/pm2-root.service',
      owner: 'systemd-service',
      explains: [/not a Kubernetes pod/],
    },
    {
      line: 7,
      kind: 'global',
      trigger: { process: 'process reaper', pid: null, oomScoreAdj: 0 },
      victim: { process: 'webpack', pid: 633552, oomScoreAdj: 0 },
      memcg: null,
      pod: null,
      owner: 'systemd-service',
    },
    {
      line: 13,
      kind: 'global',
      trigger: { process: 'npm', pid: null, oomScoreAdj: 0 },
      victim: { process: 'node', pid: 11948, oomScoreAdj: 0 },
      memcg: null,
      pod: null,
      owner: 'systemd-scope',
    },
  ]);
  check(t, 'real/kubevirt-harvester-dmesg-T-elided.log', [
    {
      line: 1,
      kind: 'memcg',
      trigger: { process: 'CPU 11/KVM', pid: 70888, oomScoreAdj: 830 },
      victim: { process: 'qemu-system-x86', pid: 70870, oomScoreAdj: 830 },
      memcg: { path: '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podef91e487_dec5_4613_800b_eb23e1a1617d.slice', limitKiB: 67579904 },
      pod: { uid: 'ef91e487-dec5-4613-800b-eb23e1a1617d', qosClass: 'Burstable', containerId: '100093783c22a3ae1a42e21dd887b7c26eef52d56ba44c7273ef54507b6efe7c' },
      explains: [/kubepods-urstable\.slice/],
    },
  ]);
  check(t, 'real/rhel7-syslog-oom-kill-summary-runc-thread.log', [
    {
      line: 1,
      kind: 'memcg',
      trigger: { process: 'runc:[2:INIT]', pid: 12788, oomScoreAdj: 997 },
      victim: { process: 'runc:[2:INIT]', pid: 12788, oomScoreAdj: 997, source: 'killed-process' },
      memcg: { path: '/kubepods/burstable/pod6c4333b3-a663-11ea-b39f-6c92bf85beda', limitKiB: 3145728 },
      pod: { uid: '6c4333b3-a663-11ea-b39f-6c92bf85beda', qosClass: 'Burstable', containerId: 'bbd5e4b5f9c13666dd0ec7ff7afb2c4c2b0ede40a4adf1de43cc31c606f283f5' },
      explains: [/pid 12800, the task the kernel chose/],
    },
  ]);
  check(t, 'real/memcg-oom-group-printk-caller-constraint-none.log', [
    {
      line: 1,
      kind: 'memcg',
      trigger: { process: 'a.out', pid: 9185, oomScoreAdj: 0 },
      // The Killed process line of this 5.0-rc kernel has no oom_score_adj, and there is no task table.
      victim: { process: 'a.out', pid: 9188, oomScoreAdj: null },
      memcg: { path: '/test1', limitKiB: 51200 },
      pod: null,
      owner: 'other',
      groupKills: [1, 9182, 9183, 9184, 9185, 9186, 9187, 9189, 9190, 9191, 9192],
    },
  ]);
});

t.test('reports written for each log format', async (t) => {
  check(t, 'written/dmesg-raw-6.12-global-besteffort-vs-burstable.log', [
    {
      line: 2,
      kind: 'global',
      trigger: { process: 'kworker/u8:3', pid: 412, oomScoreAdj: 0 },
      victim: { process: 'python3', pid: 3012, oomScoreAdj: 1000 },
      memcg: null,
      pod: { uid: '3f1c2a9e-5b7d-4c1e-9a2b-7d8e9f0a1b2c', qosClass: 'BestEffort', containerId: '5e0c7f9a3b1d4e2f8a6c0b9d7e5f3a1c2b4d6e8f0a9c7b5d3e1f2a4c6b8d0e9f7a' },
      // Mem-Info gives totalpages, and with it the node's MemTotal for the prediction.
      explains: [/totalpages 2041661 from the report's Mem-Info/, /python3 used less memory than the runner-up java/, /oomguard predicts oom_score_adj 750 instead of 1000/, /java \(pid 2301, 2244083 points\) would have been chosen instead/],
    },
  ]);
  check(t, 'written/journalctl-k-crio-guaranteed-container-limit-oom-group.log', [
    {
      line: 2,
      kind: 'memcg',
      trigger: { process: 'nginx', pid: 48213, oomScoreAdj: -997 },
      victim: { process: 'nginx', pid: 48213, oomScoreAdj: -997 },
      memcg: { path: '/kubepods.slice/kubepods-pod7c9e1b2a_4d3f_4e5a_8b6c_1d2e3f4a5b6c.slice/crio-8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e.scope', limitKiB: 262144 },
      pod: { uid: '7c9e1b2a-4d3f-4e5a-8b6c-1d2e3f4a5b6c', qosClass: 'Guaranteed', containerId: '8f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e' },
      role: 'whole-container',
      groupKills: [48100, 48213],
      explains: [/reached its own memory limit of 262144 kB \(256Mi\)/],
    },
  ]);
  check(t, 'written/rsyslog-rfc3339-crlf-cgroup-v1-docker-burstable-main-process.log', [
    {
      line: 1,
      kind: 'memcg',
      trigger: { process: 'java', pid: 20402, oomScoreAdj: 969 },
      victim: { process: 'java', pid: 20402, oomScoreAdj: 969 },
      memcg: { path: '/kubepods/burstable/pod9a8b7c6d-5e4f-4a3b-8c1d-0e9f8a7b6c5d/4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c', limitKiB: 524288 },
      pod: { uid: '9a8b7c6d-5e4f-4a3b-8c1d-0e9f8a7b6c5d', qosClass: 'Burstable', containerId: '4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c' },
      role: 'main-process',
    },
  ]);
  check(t, 'written/dmesg-caller-id-interleaved-guaranteed-child.log', [
    {
      line: 1,
      kind: 'memcg',
      trigger: { process: 'gunicorn', pid: 4455, oomScoreAdj: -997 },
      victim: { process: 'gunicorn', pid: 4455, oomScoreAdj: -997 },
      memcg: { path: '/kubepods/pod2b7d4e6f-8a9c-4b1d-9e3f-5a7c9e1b3d5f/c0ffee12ab34cd56ef7890ab12cd34ef56ab78cd90ef12ab34cd56ef7890ab12', limitKiB: 1048576 },
      pod: { uid: '2b7d4e6f-8a9c-4b1d-9e3f-5a7c9e1b3d5f', qosClass: 'Guaranteed', containerId: 'c0ffee12ab34cd56ef7890ab12cd34ef56ab78cd90ef12ab34cd56ef7890ab12' },
      role: 'child-process',
      // Since 5.9 badness may be negative; the lines of other CPUs in the table are not rows.
      explains: [/\(3 in the report's task table\)/, /gunicorn \(pid 4455\): -10701 points/],
    },
  ]);
  check(t, 'written/dmesg-4.9-sacrifice-child-nr-pmds.log', [
    {
      line: 1,
      kind: 'memcg',
      trigger: { process: 'gunicorn', pid: 1340, oomScoreAdj: 912 },
      victim: { process: 'gunicorn', pid: 1340, oomScoreAdj: 912 },
      memcg: { path: '/kubepods/burstable/pod5c1d9e7a-2b4f-4c6e-8a0d-3f5b7d9e1a2c/9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0', limitKiB: 2097152 },
      pod: { uid: '5c1d9e7a-2b4f-4c6e-8a0d-3f5b7d9e1a2c', qosClass: 'Burstable', containerId: '9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0' },
      explains: [/pid 1300, the task the kernel chose/, /matches the kernel's `score 1484`/],
    },
  ]);
  check(t, 'written/centos-dmesg-x-2.6.32-global.log', [
    {
      line: 2,
      kind: 'global',
      trigger: { process: 'java', pid: 2590, oomScoreAdj: 0 },
      victim: { process: 'java', pid: 2582, oomScoreAdj: 0 },
      memcg: null,
      pod: null,
      victimCgroup: null,
      explains: [/matches the kernel's `score 892`/, /does not print the victim's cgroup/],
    },
  ]);
  check(t, 'written/kern-log-two-reports-second-cut.log', [
    {
      line: 2,
      kind: 'global',
      trigger: { process: 'mysqld', pid: 9003, oomScoreAdj: 0 },
      victim: { process: 'mysqld', pid: 9000, oomScoreAdj: 0 },
      memcg: null,
      pod: null,
      explains: [/matches the kernel's `score 699`/],
    },
    {
      line: 18,
      kind: 'memcg',
      trigger: { process: 'node', pid: 31337, oomScoreAdj: 994 },
      // Cut before the Killed process line: the summary names the task, and says so.
      victim: { process: 'node', pid: 31337, oomScoreAdj: null, source: 'oom-kill-summary' },
      memcg: { path: '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod8e2f4a6c_1b3d_4e5f_a7b9_c1d3e5f7a9b1.slice/docker-6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b.scope', limitKiB: 307200 },
      pod: { uid: '8e2f4a6c-1b3d-4e5f-a7b9-c1d3e5f7a9b1', qosClass: 'Burstable', containerId: '6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b' },
      explains: [/has no `Killed process` line/],
    },
  ]);
  check(t, 'written/pasted-quoted-short-monotonic.log', [
    {
      line: 3,
      kind: 'memcg',
      trigger: { process: 'redis-server', pid: 2871, oomScoreAdj: -997 },
      victim: { process: 'redis-server', pid: 2871, oomScoreAdj: -997 },
      memcg: { path: '/kubepods/podd4c3b2a1-0f9e-4d8c-b7a6-5e4d3c2b1a0f/0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e', limitKiB: 4194304 },
      pod: { uid: 'd4c3b2a1-0f9e-4d8c-b7a6-5e4d3c2b1a0f', qosClass: 'Guaranteed', containerId: '0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e' },
      role: 'main-process',
    },
  ]);
});

t.test('the sharing-same-memory kill of kernels before 5.x is kept', async (t) => {
  const { reports } = readKernelLog(readFileSync(path.join(dir, 'written/kern-log-two-reports-second-cut.log')));
  t.same(reports[0].sharedMmKills, [{ pid: 9010, process: 'mysqld_helper' }]);
  t.equal(reports[0].host, 'ip-10-0-1-7');
});

t.test('a file that is not text is bad input, named with its line', async (t) => {
  const { reports, error } = readKernelLog(readFileSync(path.join(dir, 'binary-not-a-log.bin')), 'binary-not-a-log.bin');
  t.equal(reports.length, 0);
  t.same(error, { file: 'binary-not-a-log.bin', line: 1, message: 'binary data (a NUL byte), not a kernel log: file skipped' });
});

t.test('what a manifest change would have done: a request for a Burstable 999, a limit for a BestEffort', async (t) => {
  const text = readFileSync(path.join(dir, 'written/dmesg-raw-6.12-global-besteffort-vs-burstable.log'), 'utf8');
  const best = explainReport(readKernelLog(text).reports[0], ctx);
  t.match(best.explanation, /a memory request and limit of 2000Mi \(its memory at the kill; a limit also confines a leak/);
  const burstable = text
    .replace('         0          1000 python3', '         0           999 python3')
    .replace('oom_score_adj:1000', 'oom_score_adj:999')
    .replace(/kubepods-besteffort/g, 'kubepods-burstable');
  const e = explainReport(readKernelLog(burstable).reports[0], ctx);
  t.equal(e.pod?.qosClass, 'Burstable');
  t.equal(e.victim?.oomScoreAdj, 999);
  t.match(e.explanation, /With a memory request of 2000Mi \(its memory at the kill\), oomguard predicts oom_score_adj 750 instead of 999/);
  t.match(e.explanation, /java \(pid 2301, 2244083 points\) would have been chosen instead/);
});

t.test('cpuset and mempolicy constraints are global OOMs limited to some NUMA nodes', async (t) => {
  const log = [
    '[ 10.0] oom-kill:constraint=CONSTRAINT_CPUSET,nodemask=(null),cpuset=/,mems_allowed=1,task_memcg=/system.slice/db.service,task=db,pid=7,uid=0',
    '[ 10.1] Out of memory: Killed process 7 (db) total-vm:10kB, anon-rss:8kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0',
    '[ 20.0] oom-kill:constraint=CONSTRAINT_MEMORY_POLICY,nodemask=0,cpuset=/,mems_allowed=0-1,task_memcg=/,task=x,pid=8,uid=0',
    '[ 20.1] Out of memory: Killed process 8 (x) total-vm:10kB, anon-rss:8kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:4kB oom_score_adj:0',
  ].join('\n');
  const [a, b] = readKernelLog(log).reports.map((r) => explainReport(r, ctx));
  t.same([a.kind, a.constraint, a.cgroupOwner?.kind], ['global', 'CONSTRAINT_CPUSET', 'systemd-service']);
  t.match(a.explanation, /within its cpuset/);
  t.same([b.kind, b.constraint, b.cgroupOwner?.kind], ['global', 'CONSTRAINT_MEMORY_POLICY', 'root']);
  t.match(b.explanation, /under a memory policy/);
});

t.test('a trigger pid the task table does not list is a thread, maybe of the victim', async (t) => {
  // journalctl -k, kernel 6.1, cgroup v2 with the systemd driver: `CPU: 3 PID: 41234 Comm: java`
  // names a thread; the table's rows are processes (41200 java, 41300 sh).
  const [e] = events('written/journalctl-k-6.1-containerd-v2-trigger-thread.log');
  t.equal(e.kind, 'memcg');
  t.same(e.trigger, { process: 'java', pid: 41234, oomScoreAdj: 969 });
  t.equal(e.victim?.pid, 41200);
  t.equal(e.pod?.uid, '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b');
  t.equal(e.pod?.qosClass, 'Burstable');
  t.match(e.explanation, /a thread the task table does not list \(it lists processes\); with the victim's name it may be a thread of the victim itself/);
  t.notMatch(e.explanation, /it is not the victim/);
});
