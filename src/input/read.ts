// Files, folders and stdin → parsed objects. All problems become InputErrors; nothing throws.
//
// File system access is synchronous on purpose: a lint run reads many small files one after the
// other and parses each at once, and sync calls avoid an event-loop round trip per file.
import type { Dirent, Stats } from 'node:fs';
import path from 'node:path';
import { parseText } from './parse.js';
import type { ParseOptions } from './parse.js';
import type { FileSource, InputError, ReadResult, SourceObject } from './types.js';
import { load } from 'js-yaml';
import { HELM_CHART_FILE, isKustomizationFile, KUSTOMIZATION_FILES, kustomizationNonResources } from './layouts.js';
import type { SkippedInput } from './layouts.js';

// Not `import ... from 'node:fs'` (or 'node:buffer'): an ES import of a built-in reads all its
// exports, and node:fs's lazy ones (fs.promises, the stream classes) load some 30 more internal
// modules, a few milliseconds of `oomguard lint one.yaml`'s start-up (see config/load.ts).
const { closeSync, fstatSync, openSync, readSync, readdirSync, realpathSync, statSync } = process.getBuiltinModule('node:fs');
const { isUtf8 } = process.getBuiltinModule('node:buffer');

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

/** A manifest file to read: where it is, and how reports name it. */
export interface InputFile {
  abs: string;
  /** As given by the user (relative paths kept relative, forward slashes). */
  shown: string;
}

/**
 * What the paths given name, in report order: files to read, standard input, errors found while
 * looking (missing paths, unreadable or empty folders, broken links), and what is left out because
 * it is not a manifest as written (Helm charts, kustomization files and their patches: layouts.ts).
 * Reading each file is a separate step (readInputFile), so that files can be read and parsed by
 * different threads while the report keeps this order.
 */
export type InputItem = { kind: 'file'; file: InputFile } | { kind: 'stdin' } | { kind: 'error'; error: InputError } | { kind: 'skipped'; skipped: SkippedInput };
export type { SkippedInput };

export type CollectOptions = Pick<ReadOptions, 'cwd' | 'exclude'>;

interface Found extends InputFile {
  /** The file's real path, to read each file once however it is named. */
  key: string;
}

/** Resolves paths (files, folders, "-") to the files to read, in order, each file once. */
export function collectInputs(paths: readonly string[], opts: CollectOptions): InputItem[] {
  const items: InputItem[] = [];
  const fail = (file: string, message: string) => items.push({ kind: 'error', error: whole(file, message) });
  const seenFiles = new Set<string>();
  const visitedDirs = new Set<string>();
  const layouts = new Layouts(opts.cwd);
  let stdinSeen = false;
  const add = (f: Found | SkippedInput) => {
    if ('kind' in f) {
      if (!layouts.skippedPaths.has(f.path)) items.push({ kind: 'skipped', skipped: f });
      layouts.skippedPaths.add(f.path);
      return;
    }
    if (seenFiles.has(f.key)) return;
    seenFiles.add(f.key);
    items.push({ kind: 'file', file: { abs: f.abs, shown: f.shown } });
  };

  for (const given of paths) {
    if (given === '-') {
      if (!stdinSeen) items.push({ kind: 'stdin' });
      stdinSeen = true;
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
    // Inside a Helm chart (the folder given, or a folder above it or above the file given).
    const chart = layouts.chartAround(st.isDirectory() ? abs : path.dirname(abs));
    if (chart !== null) {
      add({ kind: 'helm-chart', path: chart });
      continue;
    }
    if (!st.isDirectory()) {
      const dir = path.dirname(abs);
      layouts.readKustomization(dir, layouts.display(dir));
      if (isKustomizationFile(path.basename(abs))) add({ kind: 'kustomization', path: shown, dir: layouts.display(dir) });
      else add({ abs, shown, key: realKey(abs) });
      continue;
    }
    const w: Walk = { found: [], manifests: 0, visited: visitedDirs, exclude: opts.exclude, errors: [], layouts };
    walk(abs, realKey(abs), shown, w);
    for (const error of w.errors) items.push({ kind: 'error', error });
    if (w.manifests === 0) fail(shown, 'no YAML or JSON files found (looked for *.yaml, *.yml, *.json)');
    for (const f of w.found) add(f);
  }
  // Files a kustomization names as patches (or other configuration) are no manifests, wherever
  // they were found: the kustomization may come later in the walk, or in another folder given.
  return layouts.patches.size === 0
    ? items
    : items.flatMap((item): InputItem[] => {
        if (item.kind !== 'file') return [item];
        const patch = layouts.patches.get(item.file.abs);
        return patch === undefined ? [item] : [{ kind: 'skipped', skipped: { kind: 'kustomize-file', path: item.file.shown, ...patch } }];
      });
}

/** Helm charts and kustomizations met while collecting inputs (layouts.ts), looked up once per folder. */
class Layouts {
  /** Absolute path of a folder → whether it holds a Chart.yaml. */
  private readonly chartFile = new Map<string, boolean>();
  /** Folders whose kustomization was looked for. */
  private readonly kustomized = new Set<string>();
  /** Absolute path of a file a kustomization names as a patch → that kustomization, and its folder, as shown. */
  readonly patches = new Map<string, { kustomization: string; dir: string }>();
  readonly skippedPaths = new Set<string>();
  constructor(private readonly cwd: string) {}

  /** A path as reports show one found by looking around (relative to cwd when inside it). */
  display(abs: string): string {
    const rel = path.relative(this.cwd, abs);
    return slashes(rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel);
  }

  hasChartFile(dir: string): boolean {
    let has = this.chartFile.get(dir);
    if (has === undefined) {
      try {
        has = statSync(path.join(dir, HELM_CHART_FILE)).isFile();
      } catch {
        has = false;
      }
      this.chartFile.set(dir, has);
    }
    return has;
  }

  /** The chart `dir` is in (itself or the nearest folder above with a Chart.yaml), as shown; null if none. */
  chartAround(dir: string): string | null {
    for (let d = dir; ; ) {
      if (this.hasChartFile(d)) return this.display(d);
      const up = path.dirname(d);
      if (up === d) return null;
      d = up;
    }
  }

  /** Reads `dir`'s kustomization, if any, and records the files it names that are no resources. */
  readKustomization(dir: string, dirShown: string, names?: readonly string[]): void {
    if (this.kustomized.has(dir)) return;
    this.kustomized.add(dir);
    for (const name of KUSTOMIZATION_FILES) {
      if (names !== undefined && !names.includes(name)) continue;
      const file = path.join(dir, name);
      const read = readCapped(file, KUSTOMIZATION_MAX_BYTES);
      if ('error' in read) continue;
      // Not text, or not YAML: kustomize would refuse it too; its files are linted as they are.
      const text = decode(read.bytes);
      if (typeof text !== 'string') return;
      let doc: unknown;
      try {
        doc = load(text);
      } catch {
        return;
      }
      const kustomization = dirShown === '.' ? name : `${dirShown}/${name}`;
      for (const ref of kustomizationNonResources(doc)) this.patches.set(path.resolve(dir, ref), { kustomization, dir: dirShown });
      return;
    }
  }
}

/** Kustomizations are short; a larger one is not read for its patches. */
const KUSTOMIZATION_MAX_BYTES = 1024 * 1024;

/** One file read and parsed: its objects and its errors, or the error that kept it from being read. */
export interface FileInput {
  file: string;
  /** False when the file could not be read at all (it does not count among ReadResult.files). */
  read: boolean;
  objects: SourceObject[];
  errors: InputError[];
  /** With `keepSource`: the text as read. */
  source?: FileSource;
}

export interface ReadFileOptions {
  maxFileBytes: number;
  keepSource?: boolean;
  /** How to parse (parse.ts); the default builds every object whole. */
  parse?: ParseOptions;
}

/** Reads, decodes and parses one file. Never throws: problems become its errors. */
export function readInputFile(f: InputFile, opts: ReadFileOptions): FileInput {
  const read = readFileBytes(f, opts.maxFileBytes);
  if ('error' in read) return unreadFile(read.error);
  return parseFileBytes(f, read.bytes, opts);
}

/**
 * The first half of readInputFile: a file's bytes, or the error that kept it from being read (for
 * callers that look at the bytes before parsing them, or parse them in another thread). `alloc`
 * makes the buffers read into (e.g. in shared memory); the bytes are a view of the last one.
 */
export function readFileBytes(f: InputFile, maxFileBytes: number, alloc?: (size: number) => Buffer): { bytes: Buffer } | { error: InputError } {
  const read = readCapped(f.abs, maxFileBytes, alloc);
  return 'error' in read ? { error: whole(f.shown, read.error) } : read;
}

/** The FileInput of a file readFileBytes could not read. */
export function unreadFile(error: InputError): FileInput {
  return { file: error.file, read: false, objects: [], errors: [error] };
}

/** The second half of readInputFile: decodes and parses bytes read from `f`. Never throws. */
export function parseFileBytes(f: InputFile, bytes: Buffer, opts: Omit<ReadFileOptions, 'maxFileBytes'>): FileInput {
  const text = decode(bytes);
  if (typeof text !== 'string') return { file: f.shown, read: true, objects: [], errors: [whole(f.shown, text.error)] };
  const parsed = parseText(text, f.shown, opts.parse);
  const out: FileInput = { file: f.shown, read: true, objects: parsed.objects, errors: parsed.errors };
  if (opts.keepSource) out.source = { file: f.shown, abs: f.abs, text, encoding: encodingOf(bytes) };
  return out;
}

/** Reads standard input (through `stdin`) and parses it. Never throws. */
export async function readStdinInput(stdin: () => Promise<string>, opts: ReadFileOptions): Promise<FileInput> {
  let text: string;
  try {
    text = await stdin();
  } catch (err) {
    return { file: STDIN_NAME, read: false, objects: [], errors: [whole(STDIN_NAME, `cannot read standard input: ${firstLine(err)}`)] };
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > opts.maxFileBytes) {
    return { file: STDIN_NAME, read: false, objects: [], errors: [whole(STDIN_NAME, tooBig(bytes, opts.maxFileBytes, 'standard input'))] };
  }
  const parsed = parseText(text, STDIN_NAME);
  const out: FileInput = { file: STDIN_NAME, read: true, objects: parsed.objects, errors: parsed.errors };
  if (opts.keepSource) out.source = { file: STDIN_NAME, abs: null, text, encoding: 'utf-8' };
  return out;
}

/** Every input read and parsed, in order (for commands that need all objects at once). */
export async function readInputs(paths: string[], opts: ReadOptions): Promise<ReadResult> {
  const result: ReadResult = { objects: [], errors: [], files: [], skipped: [] };
  const fileOptions: ReadFileOptions = { maxFileBytes: opts.maxFileBytes, keepSource: opts.keepSources };
  for (const item of collectInputs(paths, opts)) {
    if (item.kind === 'error') {
      result.errors.push(item.error);
      continue;
    }
    if (item.kind === 'skipped') {
      result.skipped.push(item.skipped);
      continue;
    }
    const input = item.kind === 'stdin' ? await readStdinInput(opts.stdin, fileOptions) : readInputFile(item.file, fileOptions);
    if (input.read) result.files.push(input.file);
    if (input.source !== undefined) (result.sources ??= new Map()).set(input.source.file, input.source);
    for (const o of input.objects) result.objects.push(o);
    for (const e of input.errors) result.errors.push(e);
  }
  return result;
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

/** What a walk of one given folder collects. */
interface Walk {
  /** Files to read, and what is left out as no manifest, in order. */
  found: Array<Found | SkippedInput>;
  manifests: number;
  /** Real paths of the folders walked so far (shared by every folder given). */
  visited: Set<string>;
  exclude: (file: string) => boolean;
  errors: InputError[];
  layouts: Layouts;
}

/**
 * `path.join(p, name)` for any entry name of a folder (no separator, not "." or ".."): the join
 * with a placeholder name, less that name. Computed once per folder instead of joining (and
 * normalising) every entry's path three times, which made the walk twice as slow as listing.
 */
function joinPrefix(p: string): string {
  return path.join(p, '_').slice(0, -1);
}

/**
 * Collects manifests under `dir` in name order; skips hidden entries and node_modules. `real` is
 * the folder's real path: a subfolder or file that is not a symbolic link is that path plus its
 * name, so realpath is called only for what was given and for links.
 */
function walk(dir: string, real: string, shown: string, w: Walk): void {
  if (w.visited.has(real)) return; // symlink loop, or the same folder given twice
  w.visited.add(real);
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    w.errors.push(whole(shown, fsMessage(err)));
    return;
  }
  entries.sort(byName);
  // A Helm chart is left out whole; a kustomization's patches are known before its files are met.
  if (entries.some((e) => e.name === HELM_CHART_FILE && !e.isDirectory())) {
    w.manifests++;
    w.found.push({ kind: 'helm-chart', path: shown });
    return;
  }
  const kustomizations = entries.filter((e) => isKustomizationFile(e.name)).map((e) => e.name);
  if (kustomizations.length > 0) w.layouts.readKustomization(dir, shown, kustomizations);
  const absPrefix = joinPrefix(dir);
  const realPrefix = joinPrefix(real);
  const shownPrefix = slashes(joinPrefix(shown));
  for (const entry of entries) {
    const name = entry.name;
    if (name.startsWith('.') || SKIPPED_DIRS.has(name)) continue;
    const abs = absPrefix + name;
    const childShown = shownPrefix + name;
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    const isLink = entry.isSymbolicLink();
    if (isLink) {
      try {
        const st = statSync(abs);
        isDir = st.isDirectory();
        isFile = st.isFile();
      } catch (err) {
        if (MANIFEST.test(name)) {
          w.manifests++;
          if (!w.exclude(abs)) w.errors.push(whole(childShown, `${fsMessage(err)} (broken symbolic link)`));
        }
        continue;
      }
    }
    if (isDir) {
      if (!w.exclude(abs)) walk(abs, isLink ? realKey(abs) : realPrefix + name, childShown, w);
    } else if (isFile && MANIFEST.test(name)) {
      w.manifests++;
      if (w.exclude(abs)) continue;
      if (isKustomizationFile(name)) w.found.push({ kind: 'kustomization', path: childShown, dir: shown });
      else w.found.push({ abs, shown: childShown, key: isLink ? realKey(abs) : realPrefix + name });
    }
  }
}

function tooBig(size: number, max: number, what = 'file'): string {
  return `${what} is ${size} bytes, over the --max-file-size limit of ${max} bytes`;
}

/** Reads at most `max` bytes; a regular file is measured first and never read when too large. */
function readCapped(abs: string, max: number, alloc: (size: number) => Buffer = Buffer.allocUnsafe): { bytes: Buffer } | { error: string } {
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
    let buf = alloc(Math.min(max + 1, st.isFile() && st.size > 0 ? st.size + 1 : 64 * 1024));
    let length = 0;
    for (;;) {
      if (length === buf.length) {
        if (length > max) break;
        const bigger = alloc(Math.min(max + 1, buf.length * 2));
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
  // isUtf8 accepts exactly what a fatal UTF-8 TextDecoder accepts, without setting up a decoder
  // per file (which was most of the cost of decoding); like the decoder, drop a byte order mark.
  if (!isUtf8(bytes)) return { error: 'binary file (not valid UTF-8 text); expected YAML or JSON text' };
  const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  return bytes.toString('utf8', bom ? 3 : 0);
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
