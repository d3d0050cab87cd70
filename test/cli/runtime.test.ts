// The supported runtimes: Node.js 24 (LTS) and 22.19+. package.json's engines and the launcher's
// own check say the same, and an end-of-life Node.js gets one line and exit 2, not a stack trace
// from a dependency that no longer loads there.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { bin, oomguard, repoRoot } from '../helpers/run-cli.js';

const engines = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;

t.test('engines: Node.js 22.19 and newer', async (t) => {
  t.equal(engines, '>=22.19');
  const [major, minor] = process.versions.node.split('.').map(Number);
  t.ok(major > 22 || (major === 22 && minor >= 19), `the tests run on a supported Node.js (${process.versions.node})`);
  const r = oomguard(['--version']);
  t.equal(r.code, 0);
  t.equal(r.stderr, '');
});

/** An old Node.js to try the launcher with: OOMGUARD_TEST_OLD_NODE, else the system's /usr/bin/node when it is older than 22. */
function oldNode(): { path: string; version: string } | null {
  for (const candidate of [process.env.OOMGUARD_TEST_OLD_NODE, '/usr/bin/node', '/usr/local/bin/node']) {
    if (candidate === undefined || candidate === '' || !existsSync(candidate)) continue;
    const r = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    const version = r.stdout?.trim() ?? '';
    if (r.status === 0 && Number(version.split('.')[0]) < 22) return { path: candidate, version };
  }
  return null;
}

const old = oldNode();
t.test('an end-of-life Node.js: one line, exit 2', { skip: old === null ? 'no Node.js older than 22 on this machine (set OOMGUARD_TEST_OLD_NODE)' : false }, async (t) => {
  const r = spawnSync(old!.path, [bin, 'lint', path.join(repoRoot, 'examples')], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  t.equal(r.status, 2);
  t.equal(r.stdout, '');
  t.equal(r.stderr, `oomguard: Node.js ${old!.version} is not supported; use Node.js 24 (LTS) or 22.19 and newer\n`);
});
