// The Dockerfile's promises, read statically (Docker may be absent where tests run; the runtime
// layout itself is exercised by image-layout.test.ts): two stages on node:24 (active LTS), Debian slim,
// production dependencies only in the final one, numeric non-root USER, NODE_ENV=production,
// entrypoint `oomguard serve`, and every COPY source present and not excluded by .dockerignore.
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const text = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
// Instructions, with continuation lines joined and comments dropped.
const instructions = text
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'))
  .map((l) => {
    const [op, ...rest] = l.split(/\s+/);
    return { op: op.toUpperCase(), args: rest.join(' ') };
  });
const froms = instructions.map((ins, i) => ({ ...ins, i })).filter((ins) => ins.op === 'FROM');
const finalStage = instructions.slice(froms[froms.length - 1].i);
const dockerignore = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

t.test('two stages on node:24 (active LTS), Debian slim', async (t) => {
  t.equal(froms.length, 2);
  const arg = instructions.find((ins) => ins.op === 'ARG' && ins.args.startsWith('NODE_IMAGE='));
  t.equal(arg?.args, 'NODE_IMAGE=node:24-trixie-slim');
  for (const f of froms) t.match(f.args, /^\$\{NODE_IMAGE\}/);
  t.match(froms[0].args, /AS build$/);
});

t.test('the final stage: production dependencies, non-root numeric user, serve', async (t) => {
  const runs = finalStage.filter((ins) => ins.op === 'RUN').map((ins) => ins.args).join('\n');
  t.match(runs, /npm ci --omit=dev --ignore-scripts/);
  t.notMatch(runs, /npm run build|tsc/, 'no build in the final stage');
  const user = finalStage.filter((ins) => ins.op === 'USER').pop();
  t.match(user?.args ?? '', /^[1-9]\d*(:\d+)?$/, 'numeric USER');
  t.equal(user?.args.split(':')[0], '10001');
  t.ok(finalStage.some((ins) => ins.op === 'ENV' && /NODE_ENV=production/.test(ins.args)), 'NODE_ENV=production');
  const entrypoint = finalStage.filter((ins) => ins.op === 'ENTRYPOINT').pop();
  t.same(JSON.parse(entrypoint?.args ?? 'null'), ['node', '/app/bin/oomguard.js', 'serve'], 'exec-form entrypoint: oomguard serve');
  const copied = finalStage.filter((ins) => ins.op === 'COPY').map((ins) => ins.args);
  t.ok(copied.some((c) => /^--from=build \/src\/dist /.test(c)), 'dist/ from the build stage');
  t.ok(copied.some((c) => /^bin /.test(c)), 'bin/');
  t.ok(copied.some((c) => /package\.json/.test(c)), 'package.json');
  t.notOk(copied.some((c) => /^(src|rules|test|node_modules)\b/.test(c)), 'no sources, tests or dev node_modules');
});

t.test('COPY sources exist and are in the build context', async (t) => {
  for (const ins of instructions.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))) {
    const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith('--'));
    for (const src of parts.slice(0, -1)) {
      t.ok(existsSync(path.join(repoRoot, src)), `${src} exists`);
      t.notOk(dockerignore.some((p) => p === src || p === `${src}/`), `${src} is not in .dockerignore`);
    }
  }
  for (const p of ['node_modules', 'dist', '.git', 'test']) t.ok(dockerignore.includes(p), `.dockerignore excludes ${p}`);
});
