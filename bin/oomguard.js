#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
// It checks the runtime first, in syntax any Node.js parses: on an end-of-life Node.js the CLI
// would fail later, and less clearly (client-node 2.x and undici 8 do not even load on Node 20).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`oomguard: Node.js ${process.versions.node} is not supported; use Node.js 24 (LTS) or 22.19 and newer\n`);
  process.exitCode = 2;
} else {
  // A young generation that stays at its first size instead of doubling whenever much of it
  // survives a scavenge: the lint of many files allocates a file's parse at a time, and V8 read that
  // as a reason to grow its semi-spaces to 16 MB and more, memory that is then touched once and out
  // of cache. Kept small, a corpus lint runs about 13% faster with 90 MB less peak memory (the
  // same effect as `node --max-semi-space-size=4`, which a launcher cannot pass to its own process).
  // V8 reads this flag each time it would grow the space, so setting it now, before any module
  // loads, is enough. Only for the V8 versions known to have the flag (Node.js 22 to 24 and the
  // next): an unknown flag would print an error on stderr. Not for `serve`: a server's requests
  // are small and many, V8's own sizing suits them, and its p99 latency rose with this.
  const v8Major = Number(process.versions.v8.split('.')[0]);
  if (v8Major >= 12 && v8Major <= 14 && process.argv[2] !== 'serve') process.getBuiltinModule('node:v8').setFlagsFromString('--semi-space-growth-factor=1');
  // V8's code cache for the CLI's modules (Node.js's compile cache, in the OS temp folder unless
  // NODE_COMPILE_CACHE names another; NODE_DISABLE_COMPILE_CACHE=1 turns it off): later runs do
  // not compile their top-level code again, 6-12 ms of `oomguard lint one.yaml`'s start-up. Without
  // it (a folder that cannot be written, say) the CLI only starts slower. Enabled synchronously
  // (getBuiltinModule) so that it covers every module main.js loads.
  try {
    process.getBuiltinModule('node:module').enableCompileCache?.();
  } catch {
    // No cache.
  }
  import('../dist/src/cli/main.js')
    .then((m) => m.main(process.argv.slice(2)))
    .then((code) => { process.exitCode = code; })
    .catch((err) => {
      if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/src/cli/main.js')) {
        process.stderr.write('oomguard: not built yet; run `npm run build` (npm ci does it through the prepare script)\n');
      } else {
        process.stderr.write(`oomguard: internal error: ${err && err.message ? err.message : String(err)}\n`);
      }
      process.exitCode = 3;
    });
}
