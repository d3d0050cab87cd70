// The baseline process of `npm run bench`: what any linter of these files must at least do.
// Lists the manifests below a folder, reads each and parses it with js-yaml's loadAll, and prints
// the number of documents. Run as a whole `node` process so that it pays what a lint process pays
// (start-up, module loading, JIT warm-up, GC) and shares nothing with what it is compared to.
// Usage: node dist/bench/parse-only.js DIR
import { readFileSync } from 'node:fs';
import { loadAll } from 'js-yaml';
import { listManifests } from './helpers.js';

const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write('usage: node dist/bench/parse-only.js DIR\n');
  process.exit(2);
}
let documents = 0;
for (const file of listManifests(dir)) {
  try {
    loadAll(readFileSync(file, 'utf8'), (doc) => {
      if (doc !== null && doc !== undefined) documents++;
    });
  } catch {
    // Broken files (the corpus has a few) cost the baseline what it parsed before the error.
  }
}
process.stdout.write(`${documents}\n`);
