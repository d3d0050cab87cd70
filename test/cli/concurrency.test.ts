// `--concurrency`: worker threads must change nothing but the time taken. Every report is compared
// byte for byte with `--concurrency off` (the main thread alone), on fixtures with broken files
// and on the shared corpus (skipped with a message where ../shared is absent).
import t from 'tap';
import type { Test } from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { oomguard, corpusDir, repoRoot } from '../helpers/run-cli.js';
import type { CliResult } from '../helpers/run-cli.js';

const example = (name: string) => readFileSync(path.join(repoRoot, 'examples', name), 'utf8');

const deployment = (name: string, memory: string) =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    `metadata: {name: ${name}, namespace: shop}`,
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    `        - name: ${name}`,
    '          resources:',
    `            limits: {memory: ${memory}}`,
    '',
  ].join('\n');

/** Good files, broken ones of every kind, folders: what a worker must report as the main thread does. */
function fixtures(t: Test): string {
  return t.testdir({
    'a-prometheus.yaml': example('prometheus.yaml'),
    'b-broken.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: indent\n',
    'c-quantity.yaml': deployment('web', '1GB'),
    'd-binary.yaml': Buffer.from([0x61, 0x3a, 0x00, 0x62, 0x0a]),
    'e-multi.yaml': `${deployment('one', '1Gi')}---\nkey: [unclosed\n---\n${deployment('three', '512Mi')}`,
    'f-list.yaml': [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '  - apiVersion: v1',
      '    kind: Pod',
      '    metadata: {name: p}',
      '    spec: {containers: [{name: c, image: busybox}]}',
      '  - just a string',
      '',
    ].join('\n'),
    'g-stream.json': '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}\n{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"b"}}\n',
    'h-too-big.yaml': `# ${'x'.repeat(5000)}\n${deployment('big', '1Gi')}`,
    'i-not-an-object.yaml': '- 1\n- 2\n',
    nested: {
      'java-batch.yaml': example('java-batch.yaml'),
      deeper: { 'native-sidecar.yaml': example('native-sidecar.yaml'), 'guaranteed-api.yaml': example('guaranteed-api.yaml') },
    },
    'empty-folder': { 'README.md': 'no manifests here' },
  });
}

const debugEnv = { OOMGUARD_DEBUG: '1' };

function lint(args: string[], cwd: string, input?: string): CliResult {
  return oomguard(['lint', ...args], { cwd, input, env: debugEnv });
}

/** The debug line that says who linted, and the rest of stderr. */
function splitStderr(stderr: string): { debug: string; rest: string } {
  const lines = stderr.split('\n');
  return {
    debug: lines.filter((l) => l.startsWith('oomguard: debug: ')).join('\n'),
    rest: lines.filter((l) => l !== '' && !l.startsWith('oomguard: debug: ')).join('\n'),
  };
}

function sameAsMainThread(t: Test, off: CliResult, other: CliResult, what: string): void {
  t.equal(other.code, off.code, `${what}: same exit code`);
  t.equal(other.stdout, off.stdout, `${what}: same report, byte for byte`);
  t.equal(splitStderr(other.stderr).rest, splitStderr(off.stderr).rest, `${what}: same stderr besides the debug line`);
}

t.test('worker threads report broken and good files exactly as the main thread does', async (t) => {
  const dir = fixtures(t);
  // Paths in an order that mixes files, folders and errors of the walk itself.
  const paths = ['nested', 'missing.yaml', '.', 'empty-folder', 'a-prometheus.yaml'];
  for (const format of ['json', 'text', 'sarif']) {
    const args = [...paths, '--format', format, '--max-file-size', '4096'];
    const off = lint([...args, '--concurrency', 'off'], dir);
    t.equal(off.code, 2, `${format}: input errors give exit 2`);
    t.match(splitStderr(off.stderr).debug, /linting 12 files in the main thread \(--concurrency off\)/);
    for (const n of ['1', '2', '3']) {
      const threaded = lint([...args, '--concurrency', n], dir);
      t.match(splitStderr(threaded.stderr).debug, new RegExp(`linting 12 files in ${n} worker threads? \\(--concurrency ${n}\\)`), `${format}: forced to ${n}`);
      sameAsMainThread(t, off, threaded, `${format}, --concurrency ${n}`);
    }
    if (format === 'json') {
      const report = JSON.parse(off.stdout) as { errors: Array<{ file: string; document: number | null; line: number | null; message: string }> };
      // Each problem once, in input order: the walk's errors where they were found, then reading
      // and parsing errors in file order, then the errors found while linting.
      t.same(
        report.errors.map((e) => [e.file, e.document, e.line]),
        [
          ['missing.yaml', null, null],
          ['b-broken.yaml', 0, 5],
          ['d-binary.yaml', null, null],
          ['e-multi.yaml', 1, 13],
          ['f-list.yaml', 0, 8],
          ['h-too-big.yaml', null, null],
          ['i-not-an-object.yaml', 0, 1],
          ['empty-folder', null, null],
          ['c-quantity.yaml', 0, 10],
        ],
      );
    }
  }
  // Small inputs stay in the main thread by default: workers would cost more than they save.
  const auto = lint(paths, dir);
  t.match(splitStderr(auto.stderr).debug, /linting 12 files in the main thread \(--concurrency auto\)/);
  sameAsMainThread(t, lint([...paths, '--concurrency', 'off'], dir), auto, 'auto');
});

t.test('never more workers than files', async (t) => {
  const dir = fixtures(t);
  const r = lint(['a-prometheus.yaml', 'c-quantity.yaml', '--concurrency', '8'], dir);
  t.match(splitStderr(r.stderr).debug, /linting 2 files in 2 worker threads/);
  sameAsMainThread(t, lint(['a-prometheus.yaml', 'c-quantity.yaml', '--concurrency', 'off'], dir), r, '8 asked, 2 files');
});

t.test('standard input is linted in the main thread, in its place among the files', async (t) => {
  const dir = fixtures(t);
  const input = `${deployment('from-stdin', '64Mi')}---\nkey: [unclosed\n`;
  const args = ['nested', '-', 'a-prometheus.yaml', '--format', 'json'];
  const off = lint([...args, '--concurrency', 'off'], dir, input);
  const threaded = lint([...args, '--concurrency', '2'], dir, input);
  t.match(splitStderr(threaded.stderr).debug, /linting 4 files in 2 worker threads/, 'stdin is not among the files sent to workers');
  sameAsMainThread(t, off, threaded, 'stdin between files');
  const report = JSON.parse(threaded.stdout) as { objects: Array<{ file: string; name: string }>; errors: Array<{ file: string; line: number }> };
  const files = report.objects.map((o) => o.file);
  t.ok(files.indexOf('<stdin>') > files.lastIndexOf('nested/java-batch.yaml') && files.indexOf('<stdin>') < files.indexOf('a-prometheus.yaml'), 'stdin objects between those of the paths around it');
  t.match(report.errors, [{ file: '<stdin>', line: 13 }]);

  const only = lint(['-', '--concurrency', '2', '--format', 'json'], dir, input);
  t.match(splitStderr(only.stderr).debug, /linting 0 files in the main thread/);
  sameAsMainThread(t, lint(['-', '--concurrency', 'off', '--format', 'json'], dir, input), only, 'stdin alone');
});

t.test('--concurrency usage errors: one line, exit 2, nothing on stdout', async (t) => {
  for (const bad of [['--concurrency', '0'], ['--concurrency', 'abc'], ['--concurrency', '1.5'], ['--concurrency', '10000'], ['--concurrency=-2'], ['--concurrency=']]) {
    const r = oomguard(['lint', 'examples/prometheus.yaml', ...bad]);
    t.equal(r.code, 2, bad.join(' '));
    t.equal(r.stdout, '');
    t.match(r.stderr, /^oomguard: --concurrency must be auto, off or a number of worker threads from 1 to 9999, not ".*"\n$/, bad.join(' '));
  }
  const missing = oomguard(['lint', 'examples/prometheus.yaml', '--concurrency']);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /^oomguard: .*--concurrency.*\(see oomguard lint --help\)\n$/);
  const help = oomguard(['lint', '--help']);
  t.match(help.stdout, /--concurrency auto\|off\|N/);
});

if (!existsSync(corpusDir)) {
  t.pass(`skipped: no corpus at ${corpusDir} (it ships beside the repository in the team's workspace)`);
} else {
  t.test('the corpus: the same report with and without worker threads', async (t) => {
    const off = lint([corpusDir, '--format', 'json', '--concurrency', 'off'], repoRoot);
    t.not(off.code, 3, splitStderr(off.stderr).rest);
    for (const concurrency of [[], ['--concurrency', '2'], ['--concurrency', '3']]) {
      const threaded = lint([corpusDir, '--format', 'json', ...concurrency], repoRoot);
      // On a one-core machine auto lints in the main thread; the report must match either way.
      sameAsMainThread(t, off, threaded, `corpus, ${concurrency.join(' ') || 'default (auto)'}`);
      t.equal(splitStderr(threaded.stderr).rest, '', 'nothing on stderr but the debug line');
    }
    // SARIF is also rendered file by file, each file's results where it is linted.
    const sarifOff = lint([corpusDir, '--format', 'sarif', '--concurrency', 'off'], repoRoot);
    t.not(sarifOff.code, 3, splitStderr(sarifOff.stderr).rest);
    sameAsMainThread(t, sarifOff, lint([corpusDir, '--format', 'sarif', '--concurrency', '2'], repoRoot), 'corpus, sarif, --concurrency 2');
  });
}
