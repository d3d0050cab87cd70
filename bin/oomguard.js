#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
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
