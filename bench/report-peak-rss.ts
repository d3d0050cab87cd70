// Preloaded by `npm run bench` (node --import) into the processes it measures: when the process
// exits, writes its peak resident set size in KB (maxRSS, which covers every thread of the
// process, worker threads included) to file descriptor 3, which the bench opens as a pipe.
import { writeSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

// Worker threads run the preload too (they inherit execArgv); only the process's end counts.
if (isMainThread) {
  process.on('exit', () => {
    try {
      writeSync(3, `${process.resourceUsage().maxRSS}\n`);
    } catch {
      // Run without the bench's pipe on fd 3: nothing to report to.
    }
  });
}
