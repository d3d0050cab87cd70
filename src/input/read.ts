// Files, folders and stdin → parsed objects. All problems become InputErrors; nothing throws.
//
// File system access is synchronous on purpose: a lint run reads many small files one after the
// other and parses each at once, and sync calls avoid an event-loop round trip per file.
import { closeSync, fstatSync, openSync, readSync, readdirSync, realpathSync, statSync } from 'node:fs';
import type { Dirent, Stats } from 'node:fs';
import path from 'node:path';
import { parseText } from './parse.js';
import type { FileSource, InputError, ReadResult, SourceObject } from './types.js';

export interface ReadOptions {
  /** Relative paths are resolved against this. */
  cwd: string;
  /** Reads all of standard input (called at most once). */
  stdin: () => Promise<string>;
  /** Larger files are reported, not read. */
  maxFileBytes: number;
  /** Absolute path of a file or folder → true to leave it out. */
  exclude: (file: string) => boolean;
  /** Keep each file's text in `ReadResult.sources` (for commands that rewrite files). */
  keepSources?: boolean;
}

export const STDIN_NAME = '<stdin>';
const MANIFEST = /\.(ya?ml|json)$/i;
const SKIPPED_DIRS = new Set(['node_modules']);

interface Found {
  abs: string;
  shown: string;
}

export async function readInputs(paths: string[], opts: ReadOptions): Promise<ReadResult> {
  const result: ReadResult = { objects: [], errors: [], files: [] };
  const fail = (file: string, message: string) => result.errors.push(whole(file, message));
  const seenFiles = new Set<string>();
  const visitedDirs = new Set<string>();
  let stdinRead = false;

  const readOne = (f: Found) => {
    const key = realKey(f.abs);
    if (seenFiles.has(key)) return;
    seenFiles.add(key);
    const read = readCapped(f.abs, opts.maxFileBytes);
    if ('error' in read) {
      fail(f.shown, read.error);
      return;
    }
    result.files.push(f.shown);
    const text = decode(read.bytes);
    if (typeof text !== 'string') {
      fail(f.shown, text.error);
      return;
    }
    if (opts.keepSources) keepSource(result, { file: f.shown, abs: f.abs, text, encoding: encodingOf(read.bytes) });
    addParsed(result, parseText(text, f.shown));
  };

  for (const given of paths) {
    if (given === '-') {
      if (stdinRead) continue;
      stdinRead = true;
      await readStdin(opts, result);
      continue;
    }
    const shown = slashes(given);
    const abs = path.resolve(opts.cwd, given);
    let st: Stats;
    try {
      st = statSync(abs);
    } catch (err) {
      fail(shown, fsMessage(err));
      continue;
    }
    if (opts.exclude(abs)) continue;
    if (!st.isDirectory()) {
      readOne({ abs, shown });
      continue;
    }
    const found: Found[] = [];
    const counts = { manifests: 0 };
    walk(abs, shown, found, counts, visitedDirs, opts.exclude, result.errors);
    if (counts.manifests === 0) fail(shown, 'no YAML or JSON files found (looked for *.yaml, *.yml, *.json)');
    for (const f of found) readOne(f);
  }
  return result;
}

async function readStdin(opts: ReadOptions, result: ReadResult): Promise<void> {
  let text: string;
  try {
    text = await opts.stdin();
  } catch (err) {
    result.errors.push(whole(STDIN_NAME, `cannot read standard input: ${firstLine(err)}`));
    return;
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > opts.maxFileBytes) {
    result.errors.push(whole(STDIN_NAME, tooBig(bytes, opts.maxFileBytes, 'standard input')));
    return;
  }
  result.files.push(STDIN_NAME);
  if (opts.keepSources) keepSource(result, { file: STDIN_NAME, abs: null, text, encoding: 'utf-8' });
  addParsed(result, parseText(text, STDIN_NAME));
}

function addParsed(result: ReadResult, parsed: ReturnType<typeof parseText>): void {
  for (const o of parsed.objects) result.objects.push(o);
  for (const e of parsed.errors) result.errors.push(e);
}

/** The objects of each file, in reading order. */
export function objectsByFile(objects: readonly SourceObject[]): Map<string, SourceObject[]> {
  const byFile = new Map<string, SourceObject[]>();
  for (const o of objects) {
    const list = byFile.get(o.file);
    if (list === undefined) byFile.set(o.file, [o]);
    else list.push(o);
  }
  return byFile;
}

function keepSource(result: ReadResult, source: FileSource): void {
  (result.sources ??= new Map()).set(source.file, source);
}

function encodingOf(bytes: Buffer): FileSource['encoding'] {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 'utf-8-bom' : 'utf-8';
}

function whole(file: string, message: string): InputError {
  return { file, document: null, line: null, message };
}

function slashes(p: string): string {
  return path.sep === '\\' ? p.replace(/\\/g, '/') : p;
}

function byName(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function realKey(abs: string): string {
  try {
    return realpathSync.native(abs);
  } catch {
    return abs;
  }
}

/** Collects manifests under `dir` in name order; skips hidden entries and node_modules. */
function walk(
  dir: string,
  shown: string,
  found: Found[],
  counts: { manifests: number },
  visited: Set<string>,
  exclude: (file: string) => boolean,
  errors: InputError[],
): void {
  const real = realKey(dir);
  if (visited.has(real)) return; // symlink loop, or the same folder given twice
  visited.add(real);
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    errors.push(whole(shown, fsMessage(err)));
    return;
  }
  entries.sort(byName);
  for (const entry of entries) {
    const name = entry.name;
    if (name.startsWith('.') || SKIPPED_DIRS.has(name)) continue;
    const abs = path.join(dir, name);
    const childShown = slashes(path.join(shown, name));
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const st = statSync(abs);
        isDir = st.isDirectory();
        isFile = st.isFile();
      } catch (err) {
        if (MANIFEST.test(name)) {
          counts.manifests++;
          if (!exclude(abs)) errors.push(whole(childShown, `${fsMessage(err)} (broken symbolic link)`));
        }
        continue;
      }
    }
    if (isDir) {
      if (!exclude(abs)) walk(abs, childShown, found, counts, visited, exclude, errors);
    } else if (isFile && MANIFEST.test(name)) {
      counts.manifests++;
      if (!exclude(abs)) found.push({ abs, shown: childShown });
    }
  }
}

function tooBig(size: number, max: number, what = 'file'): string {
  return `${what} is ${size} bytes, over the --max-file-size limit of ${max} bytes`;
}

/** Reads at most `max` bytes; a regular file is measured first and never read when too large. */
function readCapped(abs: string, max: number): { bytes: Buffer } | { error: string } {
  let fd: number;
  try {
    fd = openSync(abs, 'r');
  } catch (err) {
    return { error: fsMessage(err) };
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return { error: 'is a directory' };
    if (st.isFile() && st.size > max) return { error: tooBig(st.size, max) };
    // Devices, pipes and files growing while read are capped as they are read.
    let buf = Buffer.allocUnsafe(Math.min(max + 1, st.isFile() && st.size > 0 ? st.size + 1 : 64 * 1024));
    let length = 0;
    for (;;) {
      if (length === buf.length) {
        if (length > max) break;
        const bigger = Buffer.allocUnsafe(Math.min(max + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, length);
        buf = bigger;
      }
      const n = readSync(fd, buf, length, buf.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > max) return { error: st.isFile() ? tooBig(Math.max(length, st.size), max) : `more than ${max} bytes, over the --max-file-size limit` };
    return { bytes: buf.subarray(0, length) };
  } catch (err) {
    return { error: fsMessage(err) };
  } finally {
    try {
      closeSync(fd);
    } catch {
      // nothing to do
    }
  }
}

/** Bytes → text: UTF-8 (BOM optional) or UTF-16 with a BOM; anything else is a binary file. */
function decode(bytes: Buffer): string | { error: string } {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    try {
      return new TextDecoder(bytes[0] === 0xff ? 'utf-16le' : 'utf-16be', { fatal: true }).decode(bytes);
    } catch {
      return { error: 'binary file (not valid UTF-16 text despite its byte order mark)' };
    }
  }
  if (bytes.indexOf(0) !== -1) return { error: 'binary file (contains NUL bytes); expected YAML or JSON text' };
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { error: 'binary file (not valid UTF-8 text); expected YAML or JSON text' };
  }
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].trim() || 'unknown error';
}

const FS_MESSAGES: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

function fsMessage(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code !== undefined && FS_MESSAGES[code] !== undefined) return FS_MESSAGES[code];
  // Node's own text is "CODE: description, syscall 'path'": keep the description.
  const m = /^[A-Z0-9_]+: ([^,]+)/.exec(firstLine(err));
  return m !== null ? m[1] : firstLine(err);
}
