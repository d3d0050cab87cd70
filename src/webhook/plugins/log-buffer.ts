// The log destination of `oomguard serve`: lines go out in batches, one write every few
// milliseconds. pino's default destination writes each line synchronously, one write(2) per
// review at info level, which costs about as much as judging the review; batching keeps every
// line and its order. Flushed after `delayMs`, when a batch grows large, on close and at exit
// (a crash too); only a SIGKILL loses the last few milliseconds.

export interface LogBufferOptions {
  /** Where the text goes (default process.stdout: synchronous for files, pipes and terminals on Linux). */
  sink?: (text: string) => void;
  /** Flush at once past this many characters of pending text (default 64 Ki). */
  maxPending?: number;
  /** Longest a line waits (default 10 ms). */
  delayMs?: number;
}

export class LogBuffer {
  private pending: string[] = [];
  private pendingLength = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly sink: (text: string) => void;
  private readonly maxPending: number;
  private readonly delayMs: number;
  private readonly onExit = () => this.flush();

  constructor(opts: LogBufferOptions = {}) {
    this.sink = opts.sink ?? ((text) => void process.stdout.write(text));
    this.maxPending = opts.maxPending ?? 64 * 1024;
    this.delayMs = opts.delayMs ?? 10;
    process.on('exit', this.onExit);
  }

  /** pino calls this with one serialised line (newline included). */
  write(line: string): boolean {
    this.pending.push(line);
    this.pendingLength += line.length;
    if (this.pendingLength >= this.maxPending) this.flush();
    else if (this.timer === null) {
      // Unreferenced: it never keeps the process alive (the exit handler flushes instead).
      this.timer = setTimeout(() => this.flush(), this.delayMs).unref();
    }
    return true;
  }

  /** Writes everything pending now. */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? this.pending[0] : this.pending.join('');
    this.pending = [];
    this.pendingLength = 0;
    this.sink(text);
  }

  /** Flushes and stops listening for the process exit. */
  close(): void {
    this.flush();
    process.off('exit', this.onExit);
  }
}
