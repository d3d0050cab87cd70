// `oomguard whodunit` end to end with the built CLI: files and stdin, --pods, the JSON shape the
// issue fixes, text, and the exit codes (0 a kill, 1 none, 2 bad input naming file and line).
import t from 'tap';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { oomguard, repoRoot } from '../helpers/run-cli.js';

const fx = path.join(repoRoot, 'test', 'fixtures', 'oom-reports');
const rel = (...p: string[]) => path.relative(repoRoot, path.join(fx, ...p));
const STRESS = rel('real', 'cgroup-v1-burstable-stress-dmesg-T.log');
const DOTNET = rel('real', 'aks-kubepods-limit-besteffort-dotnet-filtered.log');
const PODS = rel('pods', 'pods.json');

interface Json {
  schemaVersion: number;
  events: Array<Record<string, unknown> & { line: number | null; kind: string | null; explanation: string; victim: Record<string, unknown> | null; pod: Record<string, unknown> | null }>;
  errors: Array<{ file: string; line: number | null; message: string }>;
  summary: Record<string, unknown>;
}

t.test('JSON: the issue\'s shape, one entry per kill, in log order', async (t) => {
  const r = oomguard(['whodunit', STRESS, DOTNET, '--format', 'json']);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '');
  const j = JSON.parse(r.stdout) as Json;
  t.equal(j.schemaVersion, 1);
  t.equal(j.events.length, 2);
  const [stress, dotnet] = j.events;
  t.same(Object.keys(stress).slice(0, 8), ['file', 'line', 'kind', 'trigger', 'victim', 'memcg', 'pod', 'explanation']);
  t.same(stress.trigger, { process: 'stress', pid: 32332, oomScoreAdj: 939 });
  t.match(stress.victim, { process: 'stress', pid: 32308, oomScoreAdj: 939, totalVmKiB: 110644, anonRssKiB: 99620, fileRssKiB: 192, shmemRssKiB: 0 });
  t.match(stress.memcg, { path: '/kubepods/burstable/podbc001ffa-68fc-11e9-92d7-5ef9efd9374c', limitKiB: 125952 });
  t.same(stress.pod, {
    uid: 'bc001ffa-68fc-11e9-92d7-5ef9efd9374c', qosClass: 'Burstable', containerId: 'a2ed67c63e828da3849bf9f506ae2b36b4dac5b402a57f2981c9bdc07b23e672',
    namespace: null, name: null, container: null, runtime: null, matchedBy: null, memoryRequestBytes: null, memoryLimitBytes: null,
  });
  // Fields the kernel did not print are null.
  t.same(dotnet.trigger, { process: 'dotnet', pid: null, oomScoreAdj: 1000 });
  t.match(dotnet.memcg, { path: '/kubepods', limitKiB: null });
  t.equal(dotnet.kernelVersion, null);
  t.match(j.summary, { kills: 2, kernelReports: 2, inputErrors: 0 });
});

t.test('stdin, text, and the seed\'s 939 with --pods and --node-memory', async (t) => {
  const r = oomguard(['whodunit', '-', '--pods', PODS, '--node-memory', '2041888Ki'], { input: readFileSync(path.join(repoRoot, STRESS), 'utf8') });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /<stdin>:1 \[Sat Apr 27 22:56:09 2019\]  memcg OOM  stress \(pid 32308\) killed  default\/sh sh Burstable/);
  t.match(r.stdout.replace(/\s+/g, ' '), /oomguard predicts oom_score_adj 939 for container sh \(Burstable, memory request 123Mi\) on a node of 2041888Ki \(--node-memory\): the kernel's 939 agrees/);
  t.match(r.stdout, /✖ \d+ kills found in <stdin> \(42 lines\); pods from /);
  t.notMatch(r.stdout, /\u001b\[/, 'no colour without a terminal');
  const colour = oomguard(['whodunit', STRESS, '--color']);
  t.match(colour.stdout, /\u001b\[1mmemcg OOM/, '--color: the headline in bold');
  t.match(colour.stdout, /\u001b\[31m {4}32308 {2}stress/, '--color: the victim\'s row in red');
});

t.test('--pods alone explains terminations and evictions; a log may come on stdin instead', async (t) => {
  const r = oomguard(['whodunit', '--pods', '-', '--format', 'json'], { input: readFileSync(path.join(repoRoot, PODS), 'utf8') });
  t.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as Json;
  t.same(j.events.map((e) => [e.kind, (e.pod as { name: string }).name]), [
    [null, 'alloc-mem-leak'],
    [null, 'nginx-5d8f7c9b6-kq2xw'],
    [null, 'cluster-monitoring-prometheus-d56bb6d46-tzmcj'],
    ['eviction', 'report-generator-28911230-9kq7x'],
    ['eviction', 'worker-7f8d9c-abcde'],
  ]);
  t.ok(j.events.every((e) => e.source === 'pod-status' && e.line === null && e.file === '<stdin>'));
});

t.test('exit 1 when nothing was killed', async (t) => {
  const quiet = oomguard(['whodunit', '-'], { input: '[ 1.0] eth0: link up\n[ 2.0] zoom room bloom\n' });
  t.equal(quiet.code, 1);
  t.match(quiet.stdout, /✔ no OOM kill found in <stdin> \(2 lines\)/);
  const healthy = oomguard(['whodunit', '--pods', rel('pods', 'healthy-pods.json'), '--format', 'json']);
  t.equal(healthy.code, 1);
  t.same((JSON.parse(healthy.stdout) as Json).events, []);
});

t.test('exit 2 on bad input, one line naming the file and line, the rest still read', async (t) => {
  const r = oomguard(['whodunit', rel('binary-not-a-log.bin'), 'no-such.log', STRESS, '--pods', rel('pods', 'broken-pods.json'), '--format', 'json']);
  t.equal(r.code, 2);
  const lines = r.stderr.trim().split('\n');
  t.same(lines, [
    `oomguard: ${rel('pods', 'broken-pods.json')}:4: not valid JSON (Unexpected token ']'); give kubectl get pods -A -o json`,
    `oomguard: ${rel('binary-not-a-log.bin')}:1: binary data (a NUL byte), not a kernel log: file skipped`,
    'oomguard: no-such.log: no such file',
  ]);
  const j = JSON.parse(r.stdout) as Json;
  t.equal(j.events.length, 1, 'the good log is still read');
  t.equal(j.errors.length, 3);
  const dirErr = oomguard(['whodunit', rel('real')]);
  t.equal(dirErr.code, 2);
  t.match(dirErr.stderr, /is a directory/);
});

t.test('usage errors', async (t) => {
  for (const [args, re] of [
    [['whodunit'], /no input/],
    [['whodunit', '-', '--pods', '-'], /standard input \(-\) can be read once/],
    [['whodunit', STRESS, '--format', 'sarif'], /unknown --format "sarif"/],
    [['whodunit', STRESS, '--node-memory', '1GB'], /--node-memory/],
    [['whodunit', STRESS, '--kubernetes-version', '1.99'], /1\.99/],
    [['whodunit', STRESS, '--bogus'], /see oomguard whodunit --help/],
  ] as Array<[string[], RegExp]>) {
    const r = oomguard(args);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.stderr, re, args.join(' '));
  }
  const help = oomguard(['whodunit', '--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /Usage: oomguard whodunit/);
  t.match(oomguard(['--help']).stdout, /whodunit \[LOG\|-\]\.\.\./);
});
