// Review log lines: one per review at info, none built below it (errors always), and the batched
// destination `oomguard serve` writes them through.
import t from 'tap';
import type { Test } from 'tap';
import { buildServer } from '../../src/webhook/build-server.js';
import { LogBuffer } from '../../src/webhook/plugins/log-buffer.js';
import { rules } from '../../rules/index.js';
import type { AnyRule } from '../../rules/index.js';
import { defineRule } from '../../rules/define-rule.js';
import { deployment, nodes16Gi, review } from './helpers.js';

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

t.test('LogBuffer: lines batched in order, flushed after the delay, when large, and on close', async (t) => {
  const writes: string[] = [];
  const buf = new LogBuffer({ sink: (s) => void writes.push(s), delayMs: 1, maxPending: 100 });
  t.teardown(() => buf.close());
  buf.write('a\n');
  buf.write('b\n');
  t.same(writes, [], 'nothing written while the batch waits');
  await new Promise((r) => setTimeout(r, 20)); // the 1 ms flush timer fires first
  t.same(writes, ['a\nb\n'], 'one write for the batch');
  buf.write('x'.repeat(150));
  t.same(writes.length, 2, 'a batch past maxPending goes at once');
  buf.write('c\n');
  buf.close();
  t.same(writes, ['a\nb\n', 'x'.repeat(150), 'c\n'], 'close flushes; order kept');
});
