// Takes one log line and returns the kernel's message without what the log format put before it:
// dmesg stamps (raw `[  139.201253]`, `-T` `[Sat Apr 27 22:56:09 2019]`, `-H` `[May 9 14:52]` and
// `[  +0.000005]`, `--time-format iso`), the printk caller id (`[ T9185]`, CONFIG_PRINTK_CALLER),
// dmesg -x facility/level, `<4>` levels, syslog and journalctl headers (`May 19 18:14:43 host
// kernel: `, RFC 3339 stamps, `short-monotonic`), ANSI colour, CR, and the list or table markers
// that pasted reports carry. A line that a syslog header attributes to another program
// (kubelet[3044], containerd, node-problem-detector, systemd[1]) is not kernel text: null.
// Pure.

export interface KernelLine {
  message: string;
  /** The stamp as printed (without brackets), or null. */
  stamp: string | null;
  host: string | null;
  /** printk caller id (`T9185` for a task, `C3` for a CPU), or null. */
  caller: string | null;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;
// Leading list or table markers of pasted reports: "1 | - Jan 14 …", "> ", "* ", "| ".
const PASTE = /^\s*(?:\d+\s*\|\s*)?(?:[-*>|+]\s+)*/;
const TRAILING_PIPE = /\s*\|\s*$/;
// Syslog and journalctl dates: `May  9 14:52:38`, `May 19 18:14:43.201253`, RFC 3339 / ISO 8601
// (rsyslog, journalctl -o short-iso[-precise], dmesg --time-format iso with its comma).
// journalctl -o short-full (`Sun 2024-05-19 18:14:43 UTC`) and RFC 5424 (`<4>1 2024-…`) too.
const DATE =
  /^(?:<\d{1,3}>(?:1 )?)?(?:(?:[A-Z][a-z]{2} )?[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d(?:\.\d+)?(?: \d{4})?|(?:[A-Z][a-z]{2} )?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d| [A-Z]{2,5})?)[ \t]+/;
// RFC 5424 after its stamp: `host kernel - - - ` (app-name, procid, msgid, structured data).
const RFC5424_REST = /^(\S+) (\S+) (\S+) \S+ (?:-|\[.*?\]) /;
// /dev/kmsg as `cat /dev/kmsg` prints it: `6,1234,5678901,-;message` (level, sequence, µs, flags).
const KMSG = /^(\d+),(\d+),(\d+),[^;]*;/;
// After a date: `host ident[pid]: ` or `host ident: ` (or, without a host, `ident: `).
const HOST_IDENT = /^(\S+) ([^\s:[\]]+)(\[\d+\])?: ?/;
const IDENT_ONLY = /^(kernel|klogd)(\[\d+\])?: ?/;
// dmesg -x: "kern  :warn  : ".
const FACILITY = /^(?:kern|user|mail|daemon|auth|syslog|lpr|news|uucp|cron|authpriv|ftp|local[0-7])\s*:\s*(?:emerg|alert|crit|err|warn|notice|info|debug)\s*: /;
const LEVEL = /^<\d{1,3}>/;
// Bracketed stamps: seconds since boot (dmesg, journalctl -o short-monotonic), deltas (-H, -d),
// ctime (-T), -H's `[May 9 14:52]`, and anything date-like in brackets.
const BRACKET_STAMP =
  /^\[\s*(?:[+-]?\d+\.\d+(?:\s*<\s*[\d.]+>)?|[A-Z][a-z]{2} [A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d:\d\d \d{4}|[A-Z][a-z]{2} {1,2}\d{1,2} \d\d:\d\d(?::\d\d)?|\d{4}-\d\d-\d\d[T ][\d:.,+-]+)\s*\] ?/;
const CALLER = /^\[\s*([TC]\d+)\s*\] ?/;
// journalctl -o short-monotonic puts the host and ident after the stamp.
const MONO_HOST = /^(\S+) (kernel)(\[\d+\])?: ?/;
const MONO_OTHER = /^\S+ [^\s:[\]]+\[\d+\]: /;

/** Returns the kernel message of a line, or null when the line belongs to another program. */
export function kernelMessage(raw: string): KernelLine | null {
  let s = raw;
  if (s.endsWith('\r')) s = s.replace(/\r+$/, '');
  if (s.includes('\u001b')) s = s.replace(ANSI, '');
  if (s.charCodeAt(0) === 0x7b /* { */) return jsonLine(s);
  const kmsg = KMSG.exec(s);
  if (kmsg !== null) return { message: s.slice(kmsg[0].length), stamp: (Number(kmsg[3]) / 1e6).toFixed(6), host: null, caller: null };
  let host: string | null = null;
  let stamp: string | null = null;

  let m = PASTE.exec(s);
  const pasted = m !== null && m[0].includes('|');
  if (m !== null && m[0].length > 0) s = s.slice(m[0].length);
  if (pasted) s = s.replace(TRAILING_PIPE, '');

  m = DATE.exec(s);
  if (m !== null) {
    stamp = m[0].trim().replace(/^<\d+>(?:1 )?/, '');
    s = s.slice(m[0].length);
    const r5424 = /^<\d+>1 /.test(m[0]) ? RFC5424_REST.exec(s) : null;
    if (r5424 !== null) {
      if (r5424[2] !== 'kernel') return null;
      return finish(s.slice(r5424[0].length), stamp, r5424[1]);
    }
    const io = IDENT_ONLY.exec(s);
    const hi = io === null ? HOST_IDENT.exec(s) : null;
    if (io !== null) {
      // `kernel: …` without a host (CloudWatch, some exports).
      s = s.slice(io[0].length);
    } else if (hi !== null) {
      const ident = hi[2];
      if (ident === 'kernel' || ident === 'klogd') {
        host = hi[1];
        s = s.slice(hi[0].length);
      } else if (hi[3] !== undefined || !looksLikeKernelText(s)) {
        // Another program's line (kubelet[3044]:, containerd[2758]:, systemd[1]:, dockerd:).
        return null;
      }
    }
  } else {
    // `kernel: …` with the date cut away (`cut -d' ' -f5-`, some shippers).
    const io = IDENT_ONLY.exec(s);
    if (io !== null) s = s.slice(io[0].length);
  }
  return finish(s, stamp, host);
}

/** The part after a syslog header: dmesg facility/level, stamps and caller id. */
function finish(text: string, stampIn: string | null, hostIn: string | null): KernelLine | null {
  let s = text;
  let stamp = stampIn;
  let host = hostIn;
  let caller: string | null = null;
  let m: RegExpExecArray | null;
  m = FACILITY.exec(s);
  if (m !== null) s = s.slice(m[0].length);
  m = LEVEL.exec(s);
  if (m !== null) s = s.slice(m[0].length);

  m = BRACKET_STAMP.exec(s);
  if (m !== null) {
    const inner = m[0].trim().slice(1, -1).trim();
    if (stamp === null) stamp = inner;
    s = s.slice(m[0].length);
    m = CALLER.exec(s);
    if (m !== null) {
      caller = m[1];
      s = s.slice(m[0].length);
    }
    const mono = MONO_HOST.exec(s);
    if (mono !== null) {
      host ??= mono[1];
      s = s.slice(mono[0].length);
    } else if (MONO_OTHER.test(s)) {
      return null;
    }
    // A second stamp after a syslog header (`kernel: [  139.201253]`) was handled by the order
    // above; a caller id may also stand alone after a syslog header.
  } else {
    m = CALLER.exec(s);
    if (m !== null) {
      caller = m[1];
      s = s.slice(m[0].length);
    }
  }
  return { message: s, stamp, host, caller };
}

/**
 * One JSON object per line: journalctl -o json (MESSAGE, SYSLOG_IDENTIFIER or _TRANSPORT=kernel,
 * _HOSTNAME, __REALTIME_TIMESTAMP in µs), and shippers' records (message, log, textPayload; the
 * latter may still carry a dmesg or syslog prefix, which is read as usual).
 */
function jsonLine(s: string): KernelLine | null {
  let o: unknown;
  try {
    o = JSON.parse(s);
  } catch {
    return { message: s, stamp: null, host: null, caller: null };
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return null;
  const r = o as Record<string, unknown>;
  const ident = r.SYSLOG_IDENTIFIER ?? r.syslog_identifier;
  if (typeof r.MESSAGE === 'string') {
    if ((typeof ident === 'string' && ident !== 'kernel') || (r._TRANSPORT !== undefined && r._TRANSPORT !== 'kernel' && ident !== 'kernel')) return null;
    const us = typeof r.__REALTIME_TIMESTAMP === 'string' ? Number(r.__REALTIME_TIMESTAMP) : NaN;
    const stamp = Number.isFinite(us) ? new Date(us / 1000).toISOString() : null;
    const inner = kernelMessage(r.MESSAGE);
    return inner === null ? null : { ...inner, stamp: stamp ?? inner.stamp, host: typeof r._HOSTNAME === 'string' ? r._HOSTNAME : inner.host };
  }
  for (const key of ['message', 'log', 'textPayload', 'msg']) {
    const v = r[key];
    if (typeof v === 'string') {
      if (typeof ident === 'string' && ident !== 'kernel') return null;
      return kernelMessage(v.replace(/\n$/, ''));
    }
  }
  return null;
}

// Messages of the OOM report that `HOST_IDENT` could mistake for `host ident: ` after a dmesg
// --time-format iso stamp (no syslog header follows such a stamp): keep them as kernel text.
function looksLikeKernelText(s: string): boolean {
  return /^(?:Hardware name|Memory cgroup|Out of memory|Call Trace|Tasks state|Mem-Info|Node \d|CPU|Comm)\b/.test(s);
}
