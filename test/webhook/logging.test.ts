// Review log lines: one per review at info, none built below it (errors always), and pino's
// asynchronous destination `oomguard serve` writes them through.
import t from 'tap';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import type { Test } from 'tap';
import { buildServer } from '../../src/webhook/build-server.js';
import { closeLogDestination, openLogDestination } from '../../src/webhook/plugins/log-destination.js';
import { rules } from '../../rules/index.js';
import type { AnyRule } from '../../rules/index.js';
import { defineRule } from '../../rules/define-rule.js';
import { deployment, nodes16Gi, repoRoot, review, tmpDir } from './helpers.js';

const noRequest = deployment([{ name: 'app', image: 'x' }]);

async function linesAt(t: Test, level: string, extraRules: AnyRule[] = []): Promise<Array<Record<string, unknown>>> {
  const text: string[] = [];
  const app = await buildServer({ logger: { level, stream: { write: (s: string) => void text.push(s) } }, nodes: nodes16Gi(), mode: 'warn', rules: [...rules, ...extraRules] });
  t.teardown(() => app.close());
  const res = await app.inject({ method: 'POST', url: '/validate?timeout=10s', payload: review(noRequest) });
  t.equal(res.statusCode, 200);
  return text.join('').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

t.test('info: one line per review; warn: none; a review that cannot be decided: always', async (t) => {
  const info = await linesAt(t, 'info');
  t.match(info.filter((l) => l.msg === 'validate'), [{ uid: 'uid-1', decision: 'warn', kind: 'Deployment', object: 'default/web' }]);
  const warn = await linesAt(t, 'warn');
  t.same(warn.filter((l) => l.msg === 'validate'), [], 'no review lines below info');
  const crashing = defineRule({ ...rules[0], meta: { ...rules[0].meta, id: 'always-throws' }, check: () => { throw new Error('boom'); } });
  const failed = await linesAt(t, 'warn', [crashing]);
  t.match(failed.filter((l) => l.msg === 'validate: could not decide'), [{ uid: 'uid-1', decision: 'fail-open' }]);
  const debug = await linesAt(t, 'debug');
  t.ok(debug.some((l) => l.msg === 'validate: findings'), 'finding messages at debug');
});

t.test('the asynchronous destination: lines gathered and written in order, on the periodic flush and at close', async (t) => {
  const dir = tmpDir('oomguard-logs-');
  const file = path.join(dir, 'serve.log');
  const dest = openLogDestination({ dest: file, minLength: 4096, flushEveryMs: 20 });
  await once(dest, 'ready');
  const read = () => readFileSync(file, 'utf8');
  dest.write('a\n');
  dest.write('b\n');
  t.equal(read(), '', 'nothing written while below minLength');
  const until = performance.now() + 2000;
  while (read() === '' && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
  t.equal(read(), 'a\nb\n', 'a quiet server\'s lines go out on the periodic flush, in one write');
  const big = `${'x'.repeat(5000)}\n`;
  dest.write(big);
  dest.write('c\n');
  dest.write('d\n');
  await closeLogDestination(dest);
  t.equal(read(), `a\nb\n${big}c\nd\n`, 'close writes what is pending; order kept');
  await closeLogDestination(dest); // idempotent
});

t.test('a pino logger on it: every review line arrives once the destination is closed', async (t) => {
  const dir = tmpDir('oomguard-logs-');
  const file = path.join(dir, 'serve.log');
  const dest = openLogDestination({ dest: file, flushEveryMs: 60_000 });
  const app = await buildServer({ logger: { level: 'info', stream: dest }, nodes: nodes16Gi(), mode: 'warn' });
  const n = 50;
  for (let i = 0; i < n; i++) {
    const res = await app.inject({ method: 'POST', url: '/validate?timeout=10s', payload: review(noRequest, { uid: `uid-${i}` }) });
    t.equal(res.statusCode, 200);
  }
  await app.close();
  await closeLogDestination(dest);
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  t.same(lines.filter((l) => l.msg === 'validate').map((l) => l.uid), Array.from({ length: n }, (_, i) => `uid-${i}`), 'all lines, in order');
});

t.test('a crash or process.exit still writes the pending lines (pino flushes at exit)', async (t) => {
  const dir = tmpDir('oomguard-logs-');
  const loader = process.execArgv.filter((a) => a.includes('@tapjs/typescript'));
  const module = pathToFileURL(path.join(repoRoot, 'src', 'webhook', 'plugins', 'log-destination.ts')).href;
  for (const [name, end, code] of [
    ['crash', "setImmediate(() => { throw new Error('boom'); })", 1],
    ['exit', 'process.exit(3)', 3],
  ] as const) {
    const file = path.join(dir, `${name}.log`);
    const script = `const { openLogDestination } = await import(${JSON.stringify(module)});
const d = openLogDestination({ dest: ${JSON.stringify(file)}, flushEveryMs: 60000 });
d.on('ready', () => { d.write('pending line\\n'); ${end}; });`;
    const r = spawnSync(process.execPath, [...loader, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    t.equal(r.status, code, `${name}: exit code`);
    t.equal(readFileSync(file, 'utf8'), 'pending line\n', `${name}: the line below minLength was written`);
  }
});
