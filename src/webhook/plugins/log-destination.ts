// The log destination of `oomguard serve`: pino's asynchronous destination (sonic-boom). pino's
// default writes each line synchronously, one write(2) per review at info level, which costs
// about as much as judging a small review; sonic-boom gathers lines and writes them in one
// asynchronous write once `minLength` bytes are pending, keeping every line and its order.
// A quiet server's lines go out on a periodic flush; close() writes what is left at shutdown, and
// pino itself flushes an asynchronous destination synchronously at process exit (a crash too);
// only a SIGKILL loses the last lines.
import pino from 'pino';

export type LogDestination = ReturnType<typeof pino.destination>;

export interface LogDestinationOptions {
  /** A file descriptor or a file path (default 1, stdout). */
  dest?: number | string;
  /** Bytes gathered before a write (default 32 KiB: some 110 review lines). */
  minLength?: number;
  /** Longest a line waits on a quiet server, ms (default 100). */
  flushEveryMs?: number;
}

export function openLogDestination(opts: LogDestinationOptions = {}): LogDestination {
  return pino.destination({
    dest: opts.dest ?? 1,
    sync: false,
    // An asynchronous write costs about the same for 4 KiB as for 48 KiB (a libuv request handed
    // to its thread pool, the completion callback, sonic-boom's bookkeeping; some 25-60 us of CPU
    // here): the more lines a write carries, the cheaper each line. maxWrite (sonic-boom's largest
    // single write, 16 KiB by default) must stay above minLength.
    minLength: opts.minLength ?? 32 * 1024,
    maxWrite: 64 * 1024,
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
