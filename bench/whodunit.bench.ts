// `npm run bench` (whodunit): reading a 100 MB kernel log as a ratio to a bare line count of the
// same file, both whole processes in the same run, taking turns, median over the rounds.
//  (a) `oomguard whodunit LOG --format json` vs a process that only counts the file's newlines
//      (the same 1 MiB reads, Buffer.indexOf): target <= 2x.
//  (b) peak RSS of the whodunit process: bounded, not growing with the file: target < 200 MB.
// The log is generated: syslog lines of the kubelet, containerd and the kernel (including words
// with "oom" in them, which the reader's marker search must reject), with a real OOM report
// (the AKS cgroup v2 one, 112 lines with its task table) every ~10,000 lines.
// Usage: node dist/bench/whodunit.bench.js [MEGABYTES] (default 100)
//   OOMGUARD_BENCH_WHODUNIT_ROUNDS (default 5).
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { median } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const bin = path.join(root, 'bin', 'oomguard.js');
const MB = Number(process.argv[2] ?? 100);
const ROUNDS = Number(process.env.OOMGUARD_BENCH_WHODUNIT_ROUNDS ?? 5);

const COUNT_LINES = `
const fs = require('node:fs');
const s = fs.createReadStream(process.argv[1], { highWaterMark: 1 << 20 });
let n = 0;
s.on('data', (b) => { for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) n++; });
s.on('end', () => process.stdout.write(n + '\\n'));
`;
// Peak RSS of a child, written to stderr at exit (a data: URL module, so no file is needed).
const REPORT_RSS = 'data:text/javascript,process.on("exit",()=>process.stderr.write("maxrss-kb "+process.resourceUsage().maxRSS+"\\n"))';

function generate(file: string, bytes: number): { lines: number; reports: number } {
  const report = readFileSync(path.join(root, 'test', 'fixtures', 'oom-reports', 'real', 'aks-cgroup-v2-besteffort-kubepods-limit-oom-group.log'), 'utf8');
  const reportLines = report.split('\n').length - 1;
  const fd = openSync(file, 'w');
  let written = 0;
  let lines = 0;
  let reports = 0;
  let t = 0;
  try {
    while (written < bytes) {
      const block: string[] = [];
      for (let i = 0; i < 10_000; i++) {
        t++;
        const stamp = `May 19 18:${String(Math.floor(t / 60) % 60).padStart(2, '0')}:${String(t % 60).padStart(2, '0')} aks-np0cas-14924781-vmss000008`;
        switch (i % 5) {
          case 0:
            block.push(`${stamp} kubelet[2901]: I0519 18:14:43.465831    2901 kubelet.go:2459] "SyncLoop (PLEG): event for pod" pod="shop/api-${t % 97}" event={"Type":"ContainerStarted"}`);
            break;
          case 1:
            block.push(`${stamp} containerd[2723]: time="2025-05-19T18:14:43.465831620Z" level=info msg="ImageCreate event name:\\"mcr.microsoft.com/oss/kubernetes/pause:3.6\\" labels:{key:\\"io.cri-containerd.image\\" value:\\"managed\\"}"`);
            break;
          case 2:
            block.push(`${stamp} kernel: [ ${(t / 10).toFixed(6)}] IPv6: ADDRCONF(NETDEV_CHANGE): azv${t % 1000}: link becomes ready`);
            break;
          case 3:
            block.push(`${stamp} kernel: [ ${(t / 10).toFixed(6)}] audit: type=1400 audit(1747649683.${t % 1000}:${t}): apparmor="ALLOWED" operation="open" profile="zoom-room-bloom" name="/proc/${t}/status"`);
            break;
          default:
            block.push(`${stamp} systemd[1]: Started cri-containerd-${(t * 2654435761 % 2 ** 32).toString(16).padStart(8, '0')}.scope - libcontainer container.`);
        }
      }
      block.push(report.trimEnd());
      reports++;
      const text = `${block.join('\n')}\n`;
      writeSync(fd, text);
      written += Buffer.byteLength(text);
      lines += 10_000 + reportLines;
    }
  } finally {
    closeSync(fd);
  }
  return { lines, reports };
}

function run(args: string[]): { ms: number; stdout: string; stderr: string } {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: '1' } });
  const ms = performance.now() - start;
  // whodunit exits 0 when it finds a kill (every generated log has some); the line count always 0.
  if (r.status !== 0) throw new Error(`node ${args.slice(-4).join(' ')} exited ${r.status}: ${r.stderr.slice(0, 500)}`);
  return { ms, stdout: r.stdout, stderr: r.stderr };
}

function main(): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'oomguard-whodunit-bench-'));
  const log = path.join(dir, 'kern.log');
  try {
    const gen = generate(log, MB * 1e6);
    const size = statSync(log).size;
    console.log(`whodunit: generated ${(size / 1e6).toFixed(1)} MB, ${gen.lines} lines, ${gen.reports} OOM reports; ${ROUNDS} rounds, medians`);
    const count: number[] = [];
    const whodunit: number[] = [];
    const ratios: number[] = [];
    const rss: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const c = run(['-e', COUNT_LINES, log]);
      if (Number(c.stdout.trim()) !== gen.lines) throw new Error(`line count ${c.stdout.trim()} != ${gen.lines}`);
      const w = run(['--import', REPORT_RSS, bin, 'whodunit', log, '--format', 'json']);
      const j = JSON.parse(w.stdout) as { events: unknown[]; summary: { logs: Array<{ lines: number }> } };
      if (j.events.length !== gen.reports || j.summary.logs[0].lines !== gen.lines) {
        throw new Error(`whodunit found ${j.events.length} reports in ${j.summary.logs[0].lines} lines; expected ${gen.reports} in ${gen.lines}`);
      }
      const m = /maxrss-kb (\d+)/.exec(w.stderr);
      if (m !== null) rss.push(Number(m[1]) / 1024);
      count.push(c.ms);
      whodunit.push(w.ms);
      ratios.push(w.ms / c.ms);
    }
    const ratio = median(ratios);
    const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
    console.log(`  bare line count:            ${median(count).toFixed(0)} ms (${Math.min(...count).toFixed(0)}–${Math.max(...count).toFixed(0)})`);
    console.log(`  oomguard whodunit --format json: ${median(whodunit).toFixed(0)} ms (${Math.min(...whodunit).toFixed(0)}–${Math.max(...whodunit).toFixed(0)}); every report found, lines agree`);
    console.log(`  (a) whodunit / line count: ${ratio.toFixed(2)}x (median of the rounds' ratios)   target <= 2.00x   ${verdict(ratio <= 2)}`);
    if (rss.length > 0) {
      const peak = Math.max(...rss);
      console.log(`  (b) peak RSS of whodunit: ${peak.toFixed(0)} MB for a ${(size / 1e6).toFixed(0)} MB log   target < 200 MB   ${verdict(peak < 200)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
