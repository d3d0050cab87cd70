// Reads a kernel log in chunks, in one pass and in bounded memory, and hands each OOM report to a
// callback as soon as it is complete. Pure: the caller does the I/O and pushes Buffers.
//
// Speed: most lines of a real log have nothing to do with an OOM kill. Between reports the reader
// does not decode or split lines at all: it looks for a few byte markers that every line able to
// open a report carries (`invoked oom-killer` and `oom-kill:` hold "oom-kill", the task-table
// header "oom_score_adj", the group line "oom.group", and "Killed process", "Kill process",
// "ut of memory", "killed as a result") and only counts newlines up to them, which is what a bare
// line count does. Inside a report (from its
// first line to the victim) every line is read, since task-table rows carry no marker.
import { StringDecoder } from 'node:string_decoder';
import { kernelMessage } from './prefix.js';
import { parseMessage } from './messages.js';
import { ReportAssembler } from './assemble.js';
import type { InputProblem, KernelReport } from './types.js';

// Precise enough that words like "room" or "bloom" do not send ordinary lines to the parser.
const MARKERS = ['oom-kill', 'oom_score_adj', 'oom.group', 'Killed process', 'Kill process', 'ut of memory', 'killed as a result'].map((x) => Buffer.from(x, 'latin1'));
/** Longest line read (the kernel's own lines are under 1 KiB; longer ones are cut, still counted). */
export const MAX_LINE_BYTES = 64 * 1024;
const NEWLINE = 10;
const BINARY_CHECK_BYTES = 8192;

export class KernelLogReader {
  private readonly asm: ReportAssembler;
  private lineNo = 0;
  private carry: Buffer[] = [];
  private carryBytes = 0;
  private started = false;
  private failed: InputProblem | null = null;
  /** Set for a UTF-16LE log (a BOM FF FE, as Windows tools save text): chunks are transcoded. */
  private utf16: StringDecoder | null = null;
  private checked = 0;
  private readonly next = new Array<number>(MARKERS.length);

  constructor(
    private readonly file: string,
    onReport: (report: KernelReport) => void,
  ) {
    this.asm = new ReportAssembler(file, onReport);
  }

  /** Lines read so far. */
  get lines(): number {
    return this.lineNo;
  }

  /** Set when the input is not text (a NUL byte near the start): the rest is not read. */
  get error(): InputProblem | null {
    return this.failed;
  }

  push(chunk: Buffer | string): void {
    if (this.failed !== null) return;
    let buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (!this.started) {
      this.started = true;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3); // UTF-8 BOM
      else if (buf[0] === 0xff && buf[1] === 0xfe) {
        this.utf16 = new StringDecoder('utf16le');
        buf = buf.subarray(2);
      }
    }
    if (this.utf16 !== null) {
      buf = Buffer.from(this.utf16.write(buf), 'utf8');
    } else if (this.checked < BINARY_CHECK_BYTES) {
      // Text logs hold no NUL byte; the start of a binary file (or of UTF-16 without a BOM) does.
      const part = buf.subarray(0, BINARY_CHECK_BYTES - this.checked);
      this.checked += part.length;
      const nul = part.indexOf(0);
      if (nul !== -1) {
        let line = this.lineNo + 1;
        for (let i = buf.indexOf(NEWLINE); i !== -1 && i < nul; i = buf.indexOf(NEWLINE, i + 1)) line++;
        this.failed = { file: this.file, line, message: 'binary data (a NUL byte), not a kernel log: file skipped' };
        return;
      }
    }
    let start = 0;
    if (this.carryBytes > 0) {
      const nl = buf.indexOf(NEWLINE);
      if (nl === -1) {
        this.keep(buf);
        return;
      }
      this.keep(buf.subarray(0, nl));
      const line = Buffer.concat(this.carry);
      this.carry = [];
      this.carryBytes = 0;
      this.lineNo++;
      this.handle(line, 0, line.length);
      start = nl + 1;
    }
    const tail = this.scan(buf, start);
    if (tail < buf.length) this.keep(buf.subarray(tail));
  }

  /** The end of the input: the last line without a newline, and the open report. */
  end(): void {
    if (this.failed !== null) return;
    if (this.carryBytes > 0) {
      const line = Buffer.concat(this.carry);
      this.carry = [];
      this.carryBytes = 0;
      this.lineNo++;
      this.handle(line, 0, line.length);
    }
    this.asm.close();
  }

  private keep(part: Buffer): void {
    const room = MAX_LINE_BYTES - this.carryBytes;
    if (room <= 0) return;
    // A copy: the caller may reuse its buffer.
    const piece = Buffer.from(part.subarray(0, room));
    this.carry.push(piece);
    this.carryBytes += piece.length;
  }

  /** Reads the complete lines of `buf` from `pos`; returns where the incomplete last line starts. */
  private scan(buf: Buffer, pos: number): number {
    const n = buf.length;
    this.next.fill(-2);
    while (pos < n) {
      if (!this.asm.needsEveryLine) {
        let m = -1;
        for (let i = 0; i < MARKERS.length; i++) {
          let v = this.next[i];
          if (v !== -1 && v < pos) v = this.next[i] = buf.indexOf(MARKERS[i], pos);
          if (v !== -1 && (m === -1 || v < m)) m = v;
        }
        if (m === -1) {
          let i = pos;
          for (let j = buf.indexOf(NEWLINE, i); j !== -1; j = buf.indexOf(NEWLINE, i)) {
            this.lineNo++;
            i = j + 1;
          }
          return i;
        }
        const lineStart = m === 0 ? 0 : buf.lastIndexOf(NEWLINE, m - 1) + 1;
        for (let j = buf.indexOf(NEWLINE, pos); j !== -1 && j < lineStart; j = buf.indexOf(NEWLINE, j + 1)) this.lineNo++;
        pos = lineStart > pos ? lineStart : pos;
      }
      const end = buf.indexOf(NEWLINE, pos);
      if (end === -1) return pos;
      this.lineNo++;
      this.handle(buf, pos, end);
      pos = end + 1;
    }
    return pos;
  }

  private handle(buf: Buffer, start: number, end: number): void {
    const text = buf.toString('utf8', start, Math.min(end, start + MAX_LINE_BYTES));
    const k = kernelMessage(text);
    if (k === null) {
      this.asm.nothing();
      return;
    }
    const fact = parseMessage(k.message);
    if (fact === null) {
      this.asm.nothing();
      return;
    }
    this.asm.add(fact, this.lineNo, k.stamp, k.host, k.caller);
  }
}

/** Reads a whole text at once (tests, small inputs). */
export function readKernelLog(text: string | Buffer, file = '-'): { reports: KernelReport[]; lines: number; error: InputProblem | null } {
  const reports: KernelReport[] = [];
  const reader = new KernelLogReader(file, (r) => reports.push(r));
  reader.push(text);
  reader.end();
  return { reports, lines: reader.lines, error: reader.error };
}
