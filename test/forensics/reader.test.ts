// The streaming reader: line numbers equal a plain count, whatever the chunking; CRLF; a line far
// longer than the bound; reports between thousands of unrelated lines; report boundaries.
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KernelLogReader, MAX_LINE_BYTES, readKernelLog } from '../../src/forensics/reader.js';
import { MAX_SILENT_LINES } from '../../src/forensics/assemble.js';
import type { KernelReport } from '../../src/forensics/types.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'oom-reports');
const stress = readFileSync(path.join(dir, 'real', 'cgroup-v1-burstable-stress-dmesg-T.log'), 'utf8');

function feed(text: string, size: number): { reports: KernelReport[]; lines: number } {
  const reports: KernelReport[] = [];
  const reader = new KernelLogReader('x', (r) => reports.push(r));
  const buf = Buffer.from(text);
  for (let i = 0; i < buf.length; i += size) reader.push(buf.subarray(i, i + size));
  reader.end();
  return { reports, lines: reader.lines };
}

t.test('reports among many unrelated lines, in any chunking, with exact line numbers', async (t) => {
  const filler = Array.from({ length: 5000 }, (_, i) => `[ ${1000 + i}.000000] eth0: link status ${i} (room ${i})`).join('\n');
  const text = `${filler}\n${stress}${filler}\n${stress.replace(/32308/g, '41000')}${filler}`;
  const stressLines = stress.split('\n').length - 1;
  for (const size of [13, 4096, 1 << 20]) {
    const { reports, lines } = feed(text, size);
    t.equal(lines, 5000 * 3 + stressLines * 2, `lines counted (chunks of ${size})`);
    t.same(reports.map((r) => [r.line, r.victim?.pid]), [[5001, 32308], [5000 + stressLines + 5000 + 1, 41000]], `two reports at their lines (chunks of ${size})`);
  }
});

t.test('CRLF and a last line without a newline', async (t) => {
  const crlf = stress.replace(/\n/g, '\r\n').replace(/\r\n$/, '');
  const { reports, lines } = feed(crlf, 5);
  t.equal(lines, stress.split('\n').length - 1);
  t.equal(reports[0].victim?.pid, 32308);
  t.equal(reports[0].victim?.process, 'stress', 'no CR left in names');
});

t.test('a line beyond the bound is cut, still counted, and memory stays bounded', async (t) => {
  const huge = `[  1.0] ${'x'.repeat(3 * MAX_LINE_BYTES)}`;
  const { reports, lines } = feed(`${huge}\n${stress}`, 1000);
  t.equal(lines, 1 + stress.split('\n').length - 1);
  t.equal(reports[0].line, 2);
});

t.test('a report with no victim ends after a long silence or at the next report', async (t) => {
  const opened = '[ 1.0] a invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n';
  const silence = Array.from({ length: MAX_SILENT_LINES + 5 }, () => '[ 2.0] unrelated').join('\n');
  const { reports } = readKernelLog(`${opened}${silence}\n${stress}`);
  t.same(reports.map((r) => [r.line, r.trigger?.process, r.victim?.pid ?? null]), [[1, 'a', null], [MAX_SILENT_LINES + 7, 'stress', 32308]]);
  const two = readKernelLog(`${opened}${opened}`).reports;
  t.equal(two.length, 2, 'each invoking line opens a report');
});

t.test('a bare Killed process line, as `grep Killed` leaves it, is an event of unknown kind', async (t) => {
  const { reports } = readKernelLog('Jun 17 03:18:17 host kernel: Killed process 12788 (runc:[2:INIT]) total-vm:600736kB, anon-rss:3296kB, file-rss:276kB, shmem-rss:1012kB\nJun 17 03:18:18 host kernel: Killed process 12790 (x) total-vm:1kB, anon-rss:1kB, file-rss:1kB, shmem-rss:0kB\n');
  t.same(reports.map((r) => [r.line, r.victim?.pid, r.killLineKind]), [[1, 12788, null], [2, 12790, null]], 'two kills outside memory.oom.group are two events');
});

t.test('more formats: /dev/kmsg, journalctl -o json, shippers\' JSON, RFC 5424, short-full, UTF-16', async (t) => {
  const body = stress.split('\n').filter((l) => l !== '').map((l) => l.replace(/^\[[^\]]*\] /, ''));
  const kmsg = body.map((m, i) => `${i % 2 ? 4 : 6},${1000 + i},${1432394489 + i},-;${m}`).join('\n');
  const journalJson = body.map((m, i) => JSON.stringify({ __REALTIME_TIMESTAMP: String(1556405769000000 + i), _HOSTNAME: 'k3s', SYSLOG_IDENTIFIER: 'kernel', _TRANSPORT: 'kernel', MESSAGE: m })).join('\n')
    + `\n${JSON.stringify({ _HOSTNAME: 'k3s', SYSLOG_IDENTIFIER: 'kubelet', MESSAGE: 'Killed process 1 (init) total-vm:1kB' })}`;
  const shipper = stress.split('\n').filter((l) => l !== '').map((l) => JSON.stringify({ log: `${l}\n`, stream: 'stdout', time: '2019-04-27T22:56:09Z' })).join('\n');
  const rfc5424 = body.map((m) => `<4>1 2019-04-27T22:56:09.000000+00:00 k3s kernel - - - ${m}`).join('\n');
  const shortFull = body.map((m) => `Sat 2019-04-27 22:56:09 UTC k3s kernel: ${m}`).join('\n');
  for (const [what, text] of [['kmsg', kmsg], ['journalctl -o json', journalJson], ['shipper JSON', shipper], ['RFC 5424', rfc5424], ['short-full', shortFull]] as const) {
    const { reports, error } = readKernelLog(text);
    t.equal(error, null, what);
    t.same(reports.map((r) => [r.line, r.victim?.pid, r.trigger?.pid, r.oomMemcg, r.tasks.length]), [[1, 32308, 32332, '/kubepods/burstable/podbc001ffa-68fc-11e9-92d7-5ef9efd9374c', 6]], what);
  }
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(stress.replace(/\n/g, '\r\n'), 'utf16le')]);
  const reports: KernelReport[] = [];
  const reader = new KernelLogReader('x', (r) => reports.push(r));
  for (let i = 0; i < utf16.length; i += 3) reader.push(utf16.subarray(i, i + 3));
  reader.end();
  t.same(reports.map((r) => [r.line, r.victim?.pid]), [[1, 32308]], 'UTF-16LE with a BOM, odd chunk sizes');
  const bin: KernelReport[] = [];
  const r2 = new KernelLogReader('b', (r) => bin.push(r));
  for (const c of ['ab\n', 'c', '\u0000d\n']) r2.push(c);
  r2.end();
  t.same(r2.error, { file: 'b', line: 2, message: 'binary data (a NUL byte), not a kernel log: file skipped' }, 'a NUL byte in a later small chunk');
});

t.test('a WARN from another CPU inside a report neither splits it nor changes the trigger', async (t) => {
  const lines = stress.split('\n');
  const at = lines.findIndex((l) => l.includes('[25218]'));
  const warn = [
    '[Sat Apr 27 22:56:09 2019] WARNING: CPU: 1 PID: 0 at kernel/time/tick-sched.c:123 tick_nohz_idle_enter+0x5c/0x70',
    '[Sat Apr 27 22:56:09 2019] CPU: 1 PID: 0 Comm: swapper/1 Not tainted 4.15.0-46-generic #49-Ubuntu',
    '[Sat Apr 27 22:56:09 2019] Call Trace:',
    '[Sat Apr 27 22:56:09 2019]  do_idle+0x7e/0x1f0',
  ];
  const text = [...lines.slice(0, at), ...warn, ...lines.slice(at)].join('\n');
  const { reports } = readKernelLog(text);
  t.equal(reports.length, 1);
  t.same([reports[0].trigger?.pid, reports[0].tasks.length, reports[0].victim?.pid], [32332, 6, 32308]);

  // With caller ids, a line of another task or CPU is ignored whatever it says.
  const tagged = readFileSync(path.join(dir, 'written', 'dmesg-caller-id-interleaved-guaranteed-child.log'), 'utf8')
    .replace('[ 8812.101220][    C2] e1000e', '[ 8812.101220][    C2] CPU: 2 PID: 0 Comm: swapper/2 Not tainted 5.10.0-28-cloud-amd64 #1\n[ 8812.101221][    C2] e1000e');
  const r = readKernelLog(tagged).reports;
  t.same(r.map((x) => [x.trigger?.pid, x.tasks.length, x.victim?.pid]), [[4455, 3, 4455]]);
});


t.test('with caller ids, a kill by another task after a report is its own event', async (t) => {
  const log = [
    '[   37.128158][ T9185] Memory cgroup out of memory: Killed process 9188 (a.out) total-vm:14456kB, anon-rss:10324kB, file-rss:504kB, shmem-rss:0kB',
    '[   37.132710][ T9185] Tasks in /test1 are going to be killed due to memory.oom.group set',
    '[   37.135498][ T9185] Memory cgroup out of memory: Killed process 1 (systemd) total-vm:43400kB, anon-rss:1228kB, file-rss:3992kB, shmem-rss:0kB',
    '[   52.000001][ T7001] Memory cgroup out of memory: Killed process 7002 (b.out) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB',
  ].join('\n');
  const { reports } = readKernelLog(log);
  t.same(reports.map((r) => [r.line, r.victim?.pid, r.groupKills.map((g) => g.pid)]), [[1, 9188, [1]], [4, 7002, []]]);
});
