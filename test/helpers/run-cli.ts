// Runs the real, built CLI (bin/oomguard.js -> dist/) as a user would, or main() in this process.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Io } from '../../src/cli/io.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const bin = path.join(repoRoot, 'bin', 'oomguard.js');
export const sharedDir = path.resolve(repoRoot, '..', 'shared');
export const corpusDir = path.join(sharedDir, 'corpus');

/** What the CLI wrote through Io.stdout or Io.stderr (text, or UTF-8 bytes), as text. */
export function writtenText(s: string | Uint8Array): string {
  return typeof s === 'string' ? s : Buffer.from(s.buffer, s.byteOffset, s.byteLength).toString('utf8');
}

/**
 * An Io for main() in this process that keeps what is written (as text, one entry per write):
 * `out` and `err`, and the Io writing to them.
 */
export function capturingIo(): { out: string[]; err: string[]; io: Io } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (s) => void out.push(writtenText(s)), stderr: (s) => void err.push(s), readStdin: async () => '', cwd: repoRoot, color: false, env: {} } };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment for a child CLI: no colour. FORCE_COLOR is removed rather than emptied: Node 22+
 * warns on stderr when NO_COLOR and FORCE_COLOR are both set, and the tests forbid stderr noise.
 */
export function plainEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  if (!('FORCE_COLOR' in extra)) delete env.FORCE_COLOR;
  return env;
}

export function oomguard(args: string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  if (!existsSync(path.join(repoRoot, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  }
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: opts.cwd ?? repoRoot,
    input: opts.input ?? '',
    encoding: 'utf8',
    env: plainEnv(opts.env),
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
