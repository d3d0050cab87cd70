// The log destination of `oomguard serve`: pino's asynchronous destination (sonic-boom). pino's
// default writes each line synchronously, one write(2) per review at info level, which costs
// about as much as judging a small review; sonic-boom gathers lines and writes them in one
// asynchronous write once `minLength` bytes are pending, keeping every line and its order.
// Not more than a few KiB, though: sonic-boom (4.2) measures the UTF-8 length of its pending
// string on every line it is given (Buffer.byteLength of the last chunk, up to maxWrite, which
// also flattens it), so a line costs in proportion to what is pending. With 32 KiB batches that
// was the largest cost of logging a review; 4 KiB batches (some 15 lines a write) took 5-7 us
// of CPU off each review in the server, the extra writes included.
// A quiet server's lines go out on a periodic flush; close() writes what is left at shutdown, and
// pino itself flushes an asynchronous destination synchronously at process exit (a crash too);
// only a SIGKILL loses the last lines.
import pino from 'pino';

export type LogDestination = ReturnType<typeof pino.destination>;

export interface LogDestinationOptions {
  /** A file descriptor or a file path (default 1, stdout). */
  dest?: number | string;
  /** Bytes gathered before a write (default 4 KiB: some 15 review lines). */
  minLength?: number;
  /** Longest a line waits on a quiet server, ms (default 100). */
  flushEveryMs?: number;
}

export function openLogDestination(opts: LogDestinationOptions = {}): LogDestination {
  return pino.destination({
    dest: opts.dest ?? 1,
    sync: false,
    // An asynchronous write (a libuv request handed to its thread pool, the completion callback,
    // sonic-boom's bookkeeping) costs about as much for 4 KiB as for 48 KiB, so each write should
    // carry many lines; but each line given to sonic-boom costs in proportion to the pending
    // bytes (see above). Measured per line at a server's pace (pino's formatting aside): about
    // 2 us at 4 and 8 KiB, 3 at 16, 5 at 32, and more again at 1 KiB (a write per few lines).
    // maxWrite (sonic-boom's largest single write) must stay above minLength; lines that arrive
    // while a write is in flight gather in chunks of up to maxWrite.
    minLength: opts.minLength ?? 4 * 1024,
    maxWrite: 16 * 1024,
    // sonic-boom's own unreferenced timer (it never keeps the process alive). When nothing is
    // pending it costs an empty write per tick, nothing next to a review.
    periodicFlush: opts.flushEveryMs ?? 100,
  });
}

/**
 * Writes everything pending and closes the destination (stdout itself stays open). Resolves when
 * done, or after `timeoutMs` when the destination cannot finish (a reader that went away: pino
 * then drops lines rather than fail).
 */
export function closeLogDestination(dest: LogDestination, timeoutMs = 2000): Promise<void> {
  if ((dest as { destroyed?: boolean }).destroyed === true) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    dest.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      dest.end();
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}
