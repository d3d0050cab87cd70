// Line prefixes of every log format, the kernel messages of the OOM report across versions, and
// cgroup paths of every driver and runtime: table-driven.
import t from 'tap';
import { kernelMessage } from '../../src/forensics/prefix.js';
import { parseMessage } from '../../src/forensics/messages.js';
import { parseTaskRow } from '../../src/forensics/assemble.js';
import { classifyCgroup } from '../../src/forensics/cgroup.js';

const MSG = 'bash invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=1000';

t.test('prefixes: the kernel message, its stamp, host and caller id', async (t) => {
  const cases: Array<[string, string, { stamp: string | null; host: string | null; caller: string | null } | null]> = [
    [`[  139.201253] ${MSG}`, 'dmesg raw', { stamp: '139.201253', host: null, caller: null }],
    [`[Sat Apr 27 22:56:09 2019] ${MSG}`, 'dmesg -T', { stamp: 'Sat Apr 27 22:56:09 2019', host: null, caller: null }],
    [`[Thu May  9 14:52:38 2024] ${MSG}`, 'dmesg -T, day padded', { stamp: 'Thu May  9 14:52:38 2024', host: null, caller: null }],
    [`[   37.052923][ T9185] ${MSG}`, 'printk caller id (task)', { stamp: '37.052923', host: null, caller: 'T9185' }],
    [`[   37.052923] [    C3] ${MSG}`, 'printk caller id (cpu), spaced', { stamp: '37.052923', host: null, caller: 'C3' }],
    [`[  +0.000005] ${MSG}`, 'dmesg -H delta', { stamp: '+0.000005', host: null, caller: null }],
    [`[May 9 14:52] ${MSG}`, 'dmesg -H', { stamp: 'May 9 14:52', host: null, caller: null }],
    [`kern  :warn  : [  139.201253] ${MSG}`, 'dmesg -x', { stamp: '139.201253', host: null, caller: null }],
    [`<4>[  139.201253] ${MSG}`, 'dmesg -r', { stamp: '139.201253', host: null, caller: null }],
    [`2024-05-09T14:52:38,123456+00:00 ${MSG}`, 'dmesg --time-format iso', { stamp: '2024-05-09T14:52:38,123456+00:00', host: null, caller: null }],
    [`May 19 18:14:43 aks-node kernel: [  139.201253] ${MSG}`, 'syslog with a dmesg stamp', { stamp: 'May 19 18:14:43', host: 'aks-node', caller: null }],
    [`Jun  2 03:14:55 ip-10-0-1-7 kernel: ${MSG}`, 'syslog, day padded, no stamp', { stamp: 'Jun  2 03:14:55', host: 'ip-10-0-1-7', caller: null }],
    [`May 19 18:14:43.201253 node-1 kernel: ${MSG}`, 'journalctl -o short-precise', { stamp: 'May 19 18:14:43.201253', host: 'node-1', caller: null }],
    [`2024-02-11T07:42:19.514402+00:00 node-a kernel: ${MSG}`, 'rsyslog RFC 3339', { stamp: '2024-02-11T07:42:19.514402+00:00', host: 'node-a', caller: null }],
    [`2024-02-11T07:42:19+0000 node-a kernel: ${MSG}`, 'journalctl -o short-iso', { stamp: '2024-02-11T07:42:19+0000', host: 'node-a', caller: null }],
    [`[  139.201253] node-a kernel: ${MSG}`, 'journalctl -o short-monotonic', { stamp: '139.201253', host: 'node-a', caller: null }],
    [`${MSG}\r`, 'pasted, CRLF', { stamp: null, host: null, caller: null }],
    [`2024-05-19T18:14:43.201Z kernel: ${MSG}`, 'an export without a host', { stamp: '2024-05-19T18:14:43.201Z', host: null, caller: null }],
    [`2024-05-19T18:14:43.201Z\t[  139.201253] ${MSG}`, 'a tab after the stamp (Loki export)', { stamp: '2024-05-19T18:14:43.201Z', host: null, caller: null }],
    [`kernel: [  139.201253] ${MSG}`, 'syslog with the date cut away', { stamp: '139.201253', host: null, caller: null }],
    [`\u001b[33m[  139.201253]\u001b[0m ${MSG}`, 'dmesg --color=always', { stamp: '139.201253', host: null, caller: null }],
    [`> - [  139.201253] ${MSG}`, 'quoted list item', { stamp: '139.201253', host: null, caller: null }],
    [`1 | - Jan 14 18:01:55 aks kernel: [ 1432.394489] ${MSG} |`, 'markdown table row', { stamp: 'Jan 14 18:01:55', host: 'aks', caller: null }],
  ];
  for (const [line, what, want] of cases) {
    const k = kernelMessage(line);
    t.equal(k?.message, MSG, `${what}: message`);
    t.same(k === null ? null : { stamp: k.stamp, host: k.host, caller: k.caller }, want, `${what}: stamp, host, caller`);
  }
  // Other programs' lines, even when they quote the kernel.
  for (const line of [
    'May 19 18:14:43 aks-node node-problem-detector-startup.sh[4208]: Message:Memory cgroup out of memory: Killed process 7788 (bash)',
    'May 19 18:14:43 aks-node systemd[1]: cri-containerd-9192.scope: A process of this unit has been killed by the OOM killer.',
    'Jan 14 18:02:17 aks kubelet[3044]: I0114 "Killing container with a grace period override"',
    '[  139.201385] ip-10-0-3-44 containerd[820]: time="2025-01-09T11:02:03Z" level=info msg="TaskOOM event"',
    'Jun 17 03:18:17 host-xx dockerd: time="x" level=info msg="Killed process 12 (x)"',
  ]) {
    t.equal(kernelMessage(line), null, `not kernel text: ${line.slice(0, 60)}`);
  }
  t.equal(kernelMessage('2024-05-09T14:52:38,123456+00:00 Hardware name: QEMU')?.message, 'Hardware name: QEMU', 'a kernel "Name: value" line after an ISO stamp stays kernel text');
  t.equal(kernelMessage('2024-05-19T18:14:43Z kernel: CPU: 0 PID: 7788 Comm: bash Not tainted 5.15.0 #1')?.message, 'CPU: 0 PID: 7788 Comm: bash Not tainted 5.15.0 #1', '`kernel: CPU: …` is not a host "kernel:" with an ident "CPU"');
  t.equal(kernelMessage('May 19 18:14:43 kernel kernel: memory: usage 1kB, limit 1kB, failcnt 0')?.message, 'memory: usage 1kB, limit 1kB, failcnt 0', 'a host named kernel');
});

t.test('messages: each fact of the report', async (t) => {
  t.same(parseMessage(MSG), { t: 'invoke', process: 'bash', gfpMask: '0xcc0(GFP_KERNEL)', order: 0, oomScoreAdj: 1000 });
  t.same(parseMessage('process reaper invoked oom-killer: gfp_mask=0x6200ca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0'), {
    t: 'invoke', process: 'process reaper', gfpMask: '0x6200ca(GFP_HIGHUSER_MOVABLE)', order: 0, oomScoreAdj: 0,
  }, 'a name with a space');
  t.same(parseMessage('java invoked oom-killer: gfp_mask=0x201da, order=0, oom_adj=0, oom_score_adj=-17'), { t: 'invoke', process: 'java', gfpMask: '0x201da', order: 0, oomScoreAdj: -17 }, '2.6.32 with oom_adj');
  t.same(parseMessage('CPU: 60 PID: 70888 Comm: CPU 11/KVM Not tainted 5.3.18-150300.59.101-default #1 SLE15-SP3'), { t: 'cpu', pid: 70888, comm: 'CPU 11/KVM', kernel: '5.3.18-150300.59.101-default' });
  t.same(parseMessage('CPU: 2 UID: 0 PID: 412 Comm: kworker/u8:3 Not tainted 6.12.8-200.fc41.x86_64 #1'), { t: 'cpu', pid: 412, comm: 'kworker/u8:3', kernel: '6.12.8-200.fc41.x86_64' }, '6.13+ UID field');
  t.same(parseMessage('CPU: 4 PID: 9185 Comm: a.out Kdump: loaded Not tainted 5.0.0-rc4-next-20190131 #280'), { t: 'cpu', pid: 9185, comm: 'a.out', kernel: '5.0.0-rc4-next-20190131' });
  t.same(parseMessage('CPU: 14 PID: 12788 Comm: runc:[2:INIT] Tainted: G        W  OE  ------------ T 3.10.0-514.16.1.el7.stable.v1.4.x86_64 #1'), { t: 'cpu', pid: 12788, comm: 'runc:[2:INIT]', kernel: '3.10.0-514.16.1.el7.stable.v1.4.x86_64' });
  t.same(parseMessage('Pid: 2590, comm: java Not tainted 2.6.32-754.35.1.el6.x86_64 #1'), { t: 'cpu', pid: 2590, comm: 'java', kernel: '2.6.32-754.35.1.el6.x86_64' });
  t.same(parseMessage('Task in /kubepods/burstable/podX/abc killed as a result of limit of /kubepods/burstable/podX'), { t: 'taskin', task: '/kubepods/burstable/podX/abc', limitOf: '/kubepods/burstable/podX' });
  t.same(parseMessage('memory: usage 125952kB, limit 125952kB, failcnt 3632'), { t: 'memory', usageKiB: 125952, limitKiB: 125952 });
  t.same(parseMessage('memory+swap: usage 0kB, limit 9007199254740988kB, failcnt 0'), { t: 'swap', usageKiB: 0, limitKiB: 9007199254740988 });
  t.same(parseMessage('swap: usage 0kB, limit 0kB, failcnt 0'), { t: 'swap', usageKiB: 0, limitKiB: 0 });
  t.same(parseMessage('2097051 pages RAM'), { t: 'pagesRam', pages: 2097051 });
  t.same(parseMessage('55390 pages reserved'), { t: 'pagesReserved', pages: 55390 });
  t.same(parseMessage('Total swap = 2097148kB'), { t: 'totalSwap', kib: 2097148 });
  t.same(parseMessage('[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name'), {
    t: 'taskHeader', columns: ['uid', 'tgid', 'total_vm', 'rss', 'rss_anon', 'rss_file', 'rss_shmem', 'pgtables_bytes', 'swapents', 'oom_score_adj'],
  });
  t.same(parseMessage('[ 7557] 65535  7557      243        1    28672        0          -998 pause'), { t: 'taskRow', pid: 7557, rest: '65535  7557      243        1    28672        0          -998 pause' });

  // The summary: nodemask and mems_allowed may hold commas; the task name anything.
  const sum = parseMessage('oom-kill:constraint=CONSTRAINT_CPUSET,nodemask=0-1,3,cpuset=/,mems_allowed=0,2,global_oom,task_memcg=/system.slice/a,b.service,task=we,ird=name,pid=77,uid=1000');
  t.equal(sum?.t, 'summary');
  if (sum?.t === 'summary') {
    t.equal(sum.fields.get('constraint'), 'CONSTRAINT_CPUSET');
    t.equal(sum.fields.get('nodemask'), '0-1,3');
    t.equal(sum.fields.get('mems_allowed'), '0,2');
    t.equal(sum.fields.get('task_memcg'), '/system.slice/a,b.service');
    t.equal(sum.globalOom, true);
    t.same([sum.task, sum.pid, sum.uid], ['we,ird=name', 77, 1000]);
  }
  const rhel = parseMessage('oom-kill:,cpuset=bbd5,mems_allowed=0-1,oom_memcg=/kubepods/burstable/podA,task_memcg=/kubepods/burstable/podA/bbd5,task=runc:[2:INIT],pid=12800,uid=0');
  if (rhel?.t === 'summary') {
    t.equal(rhel.fields.has('constraint'), false, 'RHEL 7 backport: no constraint');
    t.equal(rhel.task, 'runc:[2:INIT]');
  } else t.fail('RHEL 7 summary');

  t.same(parseMessage('Memory cgroup out of memory: Kill process 32308 (stress) score 1718 or sacrifice child'), { t: 'kill', kind: 'memcg', pid: 32308, process: 'stress', score: 1718 });
  t.same(parseMessage('Out of memory (oom_kill_allocating_task): Kill process 5 (x) score 0 or sacrifice child'), { t: 'kill', kind: 'global', pid: 5, process: 'x', score: 0 });
  t.same(parseMessage('Kill process 9010 (mysqld_helper) sharing same memory'), { t: 'sharing', pid: 9010, process: 'mysqld_helper' });
  t.same(parseMessage('Tasks in /test1 are going to be killed due to memory.oom.group set'), { t: 'group', path: '/test1' });
  t.same(parseMessage('Out of memory and no killable processes...'), { t: 'noKillable' });
  t.same(parseMessage(' mem_cgroup_out_of_memory+0x13f/0x160'), { t: 'stack', memcg: true });
  t.same(parseMessage('stress cpuset=a2ed67 mems_allowed=0'), { t: 'cpuset', process: 'stress', cpuset: 'a2ed67' });
  t.equal(parseMessage('oom_reaper: reaped process 7788 (bash), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB'), null, 'the reaper is not a kill');
  t.equal(parseMessage('e1000e 0000:00:19.0 enp0s25: NIC Link is Up'), null);
});

t.test('messages: Killed process, with and without its optional fields', async (t) => {
  const none = { totalVm: null, anonRss: null, fileRss: null, shmemRss: null, pgtables: null, uid: null, oomScoreAdj: null };
  const cases: Array<[string, Record<string, unknown>]> = [
    ['Memory cgroup out of memory: Killed process 7788 (bash) total-vm:7169492kB, anon-rss:7165824kB, file-rss:956kB, shmem-rss:0kB, UID:0 pgtables:14076kB oom_score_adj:1000',
      { kind: 'memcg', pid: 7788, process: 'bash', fields: { totalVm: 7169492, anonRss: 7165824, fileRss: 956, shmemRss: 0, pgtables: 14076, uid: 0, oomScoreAdj: 1000 } }],
    ['Killed process 32308 (stress) total-vm:110644kB, anon-rss:99620kB, file-rss:192kB, shmem-rss:0kB',
      { kind: null, pid: 32308, process: 'stress', fields: { ...none, totalVm: 110644, anonRss: 99620, fileRss: 192, shmemRss: 0 } }],
    ['Killed process 12788 (runc:[2:INIT]) total-vm:600736kB, anon-rss:3296kB, file-rss:276kB, shmem-rss:1012kB',
      { kind: null, pid: 12788, process: 'runc:[2:INIT]', fields: { ...none, totalVm: 600736, anonRss: 3296, fileRss: 276, shmemRss: 1012 } }],
    ['Killed process 2582, UID 500, (java) total-vm:8318444kB, anon-rss:7263720kB, file-rss:1044kB',
      { kind: null, pid: 2582, process: 'java', fields: { ...none, totalVm: 8318444, anonRss: 7263720, fileRss: 1044, uid: 500 } }],
    ['Out of memory: Killed process 321 ((sd-pam)) total-vm:1kB, anon-rss:2kB, file-rss:3kB, shmem-rss:4kB, UID:0 pgtables:5kB oom_score_adj:-100',
      { kind: 'global', pid: 321, process: '(sd-pam)', fields: { totalVm: 1, anonRss: 2, fileRss: 3, shmemRss: 4, pgtables: 5, uid: 0, oomScoreAdj: -100 } }],
    ['Killed process 44 (short)', { kind: null, pid: 44, process: 'short', fields: none }],
  ];
  for (const [line, want] of cases) t.same(parseMessage(line), { t: 'killed', ...want }, line.slice(0, 70));
});

t.test('task rows: the columns of every kernel generation', async (t) => {
  const v414 = ['uid', 'tgid', 'total_vm', 'rss', 'pgtables_bytes', 'swapents', 'oom_score_adj'];
  t.same(parseTaskRow(6331, '0  6331  1393044    20814   417792        0           984 ig', v414), {
    pid: 6331, uid: 0, tgid: 6331, totalVmPages: 1393044, rssPages: 20814, pgtablesPages: null, pgtablesBytes: 417792, swapEntries: 0, oomScoreAdj: 984, name: 'ig',
  });
  t.same(parseTaskRow(1, '0 1 9 8 7 6 5 CPU 11/KVM', ['uid', 'tgid', 'total_vm', 'rss', 'nr_ptes', 'swapents', 'oom_score_adj'])?.name, 'CPU 11/KVM', 'a name with a space and a slash');
  const v49 = parseTaskRow(1300, '1000  1300   400000   300000     600       4        0           912 gunicorn', ['uid', 'tgid', 'total_vm', 'rss', 'nr_ptes', 'nr_pmds', 'swapents', 'oom_score_adj']);
  t.equal(v49?.pgtablesPages, 604, 'nr_ptes + nr_pmds');
  const v26 = parseTaskRow(1544, '0  1544    16556      120   0     -17         -1000 sshd', ['uid', 'tgid', 'total_vm', 'rss', 'cpu', 'oom_adj', 'oom_score_adj']);
  t.same([v26?.rssPages, v26?.oomScoreAdj, v26?.pgtablesPages], [120, -1000, null], '2.6.32 cpu/oom_adj columns');
  const noHeader = parseTaskRow(3012, '0  3012   218402   512000   511800      200         0  4259840        0          1000 python3', null);
  t.same([noHeader?.rssPages, noHeader?.pgtablesBytes, noHeader?.oomScoreAdj, noHeader?.name], [512000, 4259840, 1000, 'python3'], 'a 6.x row without its header');
  t.equal(parseTaskRow(1, 'garbage', v414), null);
});

t.test('cgroup paths: drivers, runtimes, QoS classes, and what is not Kubernetes', async (t) => {
  const ID = '9192cb33411ff69d015a3577db136757f5b145064a1703efea3d0e12e8a64987';
  const UID = 'a5d8fdd1-1369-469e-8a7d-2c1047529435';
  const U_ = UID.replace(/-/g, '_');
  const cases: Array<[string, { uid: string; qosClass: string; containerId: string | null; runtime: string | null; driver: string } | null, string]> = [
    [`/kubepods/burstable/pod${UID}/${ID}`, { uid: UID, qosClass: 'Burstable', containerId: ID, runtime: null, driver: 'cgroupfs' }, 'kubernetes-container'],
    [`/kubepods/besteffort/pod${UID}/${ID}`, { uid: UID, qosClass: 'BestEffort', containerId: ID, runtime: null, driver: 'cgroupfs' }, 'kubernetes-container'],
    [`/kubepods/pod${UID}/${ID}`, { uid: UID, qosClass: 'Guaranteed', containerId: ID, runtime: null, driver: 'cgroupfs' }, 'kubernetes-container'],
    [`/kubepods/burstable/pod${UID}`, { uid: UID, qosClass: 'Burstable', containerId: null, runtime: null, driver: 'cgroupfs' }, 'kubernetes-pod'],
    [`/kubepods/burstable/pod${UID}/crio-${ID}`, { uid: UID, qosClass: 'Burstable', containerId: ID, runtime: 'cri-o', driver: 'cgroupfs' }, 'kubernetes-container'],
    [`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${U_}.slice/cri-containerd-${ID}.scope`, { uid: UID, qosClass: 'BestEffort', containerId: ID, runtime: 'containerd', driver: 'systemd' }, 'kubernetes-container'],
    [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${U_}.slice/crio-${ID}.scope`, { uid: UID, qosClass: 'Burstable', containerId: ID, runtime: 'cri-o', driver: 'systemd' }, 'kubernetes-container'],
    [`/kubepods.slice/kubepods-pod${U_}.slice/docker-${ID}.scope`, { uid: UID, qosClass: 'Guaranteed', containerId: ID, runtime: 'docker', driver: 'systemd' }, 'kubernetes-container'],
    [`/kubepods.slice/kubepods-pod${U_}.slice`, { uid: UID, qosClass: 'Guaranteed', containerId: null, runtime: null, driver: 'systemd' }, 'kubernetes-pod'],
    [`/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${U_}.slice/cri-containerd-${ID}.scope`, { uid: UID, qosClass: 'BestEffort', containerId: ID, runtime: 'containerd', driver: 'systemd' }, 'kubernetes-container'],
    [`/docker/0123456789ab/kubepods/burstable/pod${UID}/${ID}`, { uid: UID, qosClass: 'Burstable', containerId: ID, runtime: null, driver: 'cgroupfs' }, 'kubernetes-container'],
    ['/kubepods', null, 'kubernetes-node-allocatable'],
    ['/kubepods.slice', null, 'kubernetes-node-allocatable'],
    ['/kubepods/burstable', null, 'kubernetes-qos-tier'],
    ['/kubepods.slice/kubepods-besteffort.slice', null, 'kubernetes-qos-tier'],
    ['/system.slice/jenkins.service', null, 'systemd-service'],
    ['/user.slice/user-0.slice/session-1.scope', null, 'systemd-scope'],
    [`/system.slice/docker-${ID}.scope`, null, 'docker'],
    [`/docker/${ID}`, null, 'docker'],
    ['/', null, 'root'],
    ['/test1', null, 'other'],
  ];
  for (const [p, pod, owner] of cases) {
    const info = classifyCgroup(p);
    t.same(info.pod === null ? null : { uid: info.pod.uid, qosClass: info.pod.qosClass, containerId: info.pod.containerId, runtime: info.pod.runtime, driver: info.pod.driver }, pod, `${p}: pod`);
    t.equal(info.owner.kind, owner, `${p}: owner`);
  }
  const conmon = classifyCgroup(`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${U_}.slice/crio-conmon-${ID}.scope`);
  t.equal(conmon.pod?.conmon, true, "CRI-O's conmon scope is marked");
  const typo = classifyCgroup(`/kubepods.slice/kubepods-urstable.slice/kubepods-burstable-pod${U_}.slice/cri-containerd-${ID}.scope`);
  t.equal(typo.pod?.qosClass, 'Burstable', 'the pod slice decides the QoS class');
  t.match(typo.pod?.notes.join(' '), /kubepods-urstable\.slice names no QoS class/);
});
