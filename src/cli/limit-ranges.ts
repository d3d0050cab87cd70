// LimitRanges for lint and explain: the LimitRanger admission plugin fills missing container
// requests and limits from the LimitRanges of a Pod's namespace, and refuses Pods out of their
// bounds. They come from two places:
// - LimitRange objects among the linted inputs: they act on the workloads of their namespace in
//   every input file, the files before theirs included;
// - --limit-ranges FILE (or the config's limitRanges): LimitRange objects or a List of them, as
//   `kubectl get limitranges -A -o yaml` prints them.
// An object without metadata.namespace is in --namespace (kubectl's namespace: "default" unless
// given), LimitRanges and workloads alike. A LimitRange given twice (same namespace and name) counts
// once: the inputs' copy over the file's (applying the manifests replaces the cluster's object), a
// later copy over an earlier one, in the place of the first.
//
// They travel between threads as plain data (FoundLimitRange: the object as written), and each
// thread parses them again (admissionContext): parsed LimitRanges hold Quantity instances, which
// structured clone would turn into plain objects.
import { UsageError } from './exit-codes.js';
import path from 'node:path';
import { isNamespaceName, shownPath } from '../config/load.js';
import { limitRangesByNamespace, parseLimitRange } from '../core/limit-range.js';
import { SpecError } from '../core/pod.js';
import { QuantityError } from '../core/quantity.js';
import type { LimitRange } from '../core/types.js';
import type { AdmissionContext } from '../engine/lint.js';
import { describeObject } from '../engine/describe.js';
import { pointerToField } from '../engine/pointer.js';
import { readInputFile, readStdinInput } from '../input/read.js';
import type { FileInput } from '../input/read.js';
import type { InputError, SourceObject } from '../input/types.js';

/** A valid LimitRange as written, with the "namespace/name" it has once its namespace is resolved. */
export interface FoundLimitRange {
  id: string;
  object: Record<string, unknown>;
}

/** What a thread needs to build the admission context: plain data (it is sent to worker threads). */
export interface AdmissionData {
  /** The namespace of objects that name none (--namespace, else "default"). */
  defaultNamespace: string;
  /** --limit-ranges files first, then the inputs', in input order. */
  limitRanges: FoundLimitRange[];
}

export const DEFAULT_NAMESPACE = 'default';

/** The core v1 LimitRange (a kind of that name in another API group is someone else's). */
export function isLimitRangeObject(object: Record<string, unknown>): boolean {
  return object.kind === 'LimitRange' && object.apiVersion === 'v1';
}

/** A namespace name: a DNS-1123 label, as the API server requires. Throws UsageError. */
export function parseNamespace(text: string, what: string): string {
  if (!isNamespaceName(text)) {
    throw new UsageError(`${what}: "${text}" is not a namespace name (lower-case letters, digits and "-", at most 63, starting and ending with a letter or digit)`);
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// The pre-scan: which files to parse for LimitRanges before any file is linted.

const NEEDLE = Buffer.from('LimitRange');
/** Code points of the letters of "LimitRange": what an escape must produce to spell it. */
const LETTERS = new Set([...'LimitRange'].map((c) => c.charCodeAt(0)));

/**
 * Whether a file's bytes may hold a LimitRange, without parsing them: every object's kind is a
 * string, so a LimitRange's text spells "LimitRange", unless a double-quoted YAML or JSON string
 * writes one of its letters as an escape (\x4c, \u0069, \U00000052) or breaks the word with an
 * escaped line break. False positives (the word in a comment, another escape) only cost parsing
 * that file a second time; UTF-16 files (rare) are always parsed.
 */
export function mayHoldLimitRange(bytes: Uint8Array): boolean {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 2 && ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff))) return true;
  if (b.indexOf(NEEDLE) !== -1) return true;
  for (let i = b.indexOf(0x5c); i !== -1; i = b.indexOf(0x5c, i + 1)) {
    const next = b[i + 1];
    if (next === 0x5c) {
      i++; // an escaped backslash: what follows it is not an escape
      continue;
    }
    if (next === 0x0a || next === 0x0d) return true;
    const digits = next === 0x78 ? 2 : next === 0x75 ? 4 : next === 0x55 ? 8 : 0; // x, u, U
    if (digits === 0 || i + 2 + digits > b.length) continue;
    const hex = b.toString('latin1', i + 2, i + 2 + digits);
    if (/^[0-9a-fA-F]+$/.test(hex) && LETTERS.has(Number.parseInt(hex, 16))) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// LimitRanges among parsed objects.

/** "document 2 line 7" parts of a position, as the other one-line errors write them. */
function position(e: { document: number | null; line: number | null }): string {
  return `${e.document !== null ? ` document ${e.document + 1}` : ''}${e.line !== null ? ` line ${e.line}` : ''}`;
}

type Checked = { ok: true; found: FoundLimitRange } | { ok: false; error: InputError };

/** Parses one LimitRange object as the API server would store it. */
function checkLimitRange(o: SourceObject, defaultNamespace: string): Checked {
  try {
    const lr = parseLimitRange(o.object, defaultNamespace);
    return { ok: true, found: { id: lr.id, object: o.object } };
  } catch (err) {
    if (!(err instanceof SpecError || err instanceof QuantityError)) throw err;
    const pointer = err.path ?? '';
    return {
      ok: false,
      error: {
        file: o.file,
        document: o.document,
        line: o.lineOf(pointer),
        message: `LimitRange ${describeObject(o.object).name}: ${pointerToField(o.itemPointer + pointer)}: ${err.message}`,
      },
    };
  }
}

/**
 * The LimitRanges among a file's objects: the valid ones, and a one-line error for each invalid
 * one (the API server would refuse to store it, so it acts on nothing).
 */
export function limitRangesIn(objects: readonly SourceObject[], defaultNamespace: string): { found: FoundLimitRange[]; errors: InputError[] } {
  const found: FoundLimitRange[] = [];
  const errors: InputError[] = [];
  for (const o of objects) {
    if (!isLimitRangeObject(o.object)) continue;
    const checked = checkLimitRange(o, defaultNamespace);
    if (checked.ok) found.push(checked.found);
    else errors.push({ ...checked.error, message: `${checked.error.message} (the API server would refuse this LimitRange: it is not applied)` });
  }
  return { found, errors };
}

/** The engine's admission context from plain data: LimitRanges parsed and grouped by namespace. */
export function admissionContext(data: AdmissionData): AdmissionContext {
  const byId = new Map<string, Record<string, unknown>>();
  for (const f of data.limitRanges) byId.set(f.id, f.object);
  const parsed = [...byId.values()].map((object) => parseLimitRange(object, data.defaultNamespace));
  return { defaultNamespace: data.defaultNamespace, limitRanges: limitRangesByNamespace(parsed) };
}

// ---------------------------------------------------------------------------------------------
// --limit-ranges FILE and the config's limitRanges.

export interface LimitRangeFile {
  /** Absolute path, or "-" for standard input. */
  path: string;
  /** As messages name it. */
  shown: string;
  /** "--limit-ranges" or "limitRanges" (the config's setting). */
  what: string;
}

/**
 * The LimitRange files a command reads: --limit-ranges (paths relative to the working directory,
 * - for standard input, once), else the config's limitRanges (absolute already).
 */
export function limitRangeFilesFrom(given: readonly string[] | undefined, fromConfig: readonly string[] | undefined, cwd: string): LimitRangeFile[] {
  if (given === undefined) return (fromConfig ?? []).map((abs) => ({ path: abs, shown: shownPath(abs, cwd), what: 'limitRanges' }));
  if (given.filter((p) => p === '-').length > 1) throw new UsageError('--limit-ranges - can be given once');
  return given.map((p) => ({ path: p === '-' ? '-' : path.resolve(cwd, p), shown: p, what: '--limit-ranges' }));
}

export interface LimitRangeFileOptions {
  defaultNamespace: string;
  maxFileBytes: number;
  readStdin: () => Promise<string>;
}

/**
 * Reads LimitRange files: LimitRange objects, or a List of them (`kubectl get limitranges -A -o
 * yaml`; an empty List is no LimitRanges). Anything else in such a file is a mistake (the wrong
 * file, or a `kubectl get all`), and so is a LimitRange the API server would refuse: each is one
 * usage line naming the option, file, document, line and field (exit code 2).
 */
export async function readLimitRangeFiles(files: readonly LimitRangeFile[], opts: LimitRangeFileOptions): Promise<FoundLimitRange[]> {
  const out: FoundLimitRange[] = [];
  for (const f of files) {
    const input: FileInput =
      f.path === '-'
        ? await readStdinInput(opts.readStdin, { maxFileBytes: opts.maxFileBytes })
        : readInputFile({ abs: f.path, shown: f.shown }, { maxFileBytes: opts.maxFileBytes });
    const shown = f.path === '-' ? 'standard input' : f.shown;
    if (input.errors.length > 0) {
      const e = input.errors[0];
      throw new UsageError(`${f.what} ${shown}${position(e)}: ${e.message}`);
    }
    for (const o of input.objects) {
      if (!isLimitRangeObject(o.object)) {
        const d = describeObject(o.object);
        throw new UsageError(
          d.kind === 'LimitRange'
            ? `${f.what} ${shown}${position(o)}: LimitRange ${d.name}: apiVersion must be v1, not "${d.apiVersion}"`
            : `${f.what} ${shown}${position(o)}: ${d.kind} ${d.name} is not a LimitRange (expected LimitRange objects or a List of them: kubectl get limitranges -A -o yaml)`,
        );
      }
      const checked = checkLimitRange(o, opts.defaultNamespace);
      if (!checked.ok) throw new UsageError(`${f.what} ${shown}${position(checked.error)}: ${checked.error.message}`);
      out.push(checked.found);
    }
  }
  return out;
}
