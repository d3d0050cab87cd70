#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
// It checks the runtime first, in syntax any Node.js parses: on an end-of-life Node.js the CLI
// would fail later, and less clearly (client-node 2.x and undici 8 do not even load on Node 20).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(`oomguard: Node.js ${process.versions.node} is not supported; use Node.js 24 (LTS) or 22.19 and newer\n`);
  process.exitCode = 2;
} else {
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
