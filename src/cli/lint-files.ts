// Lint, one file at a time: read and parse a file, lint its objects, keep only what the report
// needs. The main thread and the worker threads (lint-worker.ts) run exactly this, so the results
// cannot depend on which thread linted a file.
//
// One file at a time because a file's parsed objects are dropped as soon as the file is linted:
// a lint of thousands of files holds only their findings and model results, not every parsed
// manifest at once (less memory, and less for the garbage collector to copy and mark). Only the
// files' bytes are held, between the two passes that LimitRanges need (see "The first pass" below),
// and let go of as files are linted.
import { rules } from '../../rules/index.js';
import type { FeatureGates } from '../core/types.js';
import { placerFor } from '../core/placement.js';
import type { NodeChoice } from '../core/placement.js';
import { prepareLinter, reportedObject } from '../engine/lint.js';
import type { RuleSetting } from '../engine/lint.js';
import type { ReportedObject } from '../engine/types.js';
import { parseFileBytes, readFileBytes, readInputFile, unreadFile } from '../input/read.js';
import type { FileInput, InputFile } from '../input/read.js';
import { admissionContext, limitRangesIn, mayHoldLimitRange } from './limit-ranges.js';
import type { AdmissionData, FoundLimitRange } from './limit-ranges.js';
import type { InputError } from '../input/types.js';
import type { ParseOptions } from '../input/parse.js';
import { countReport } from '../output/common.js';
import type { ReportCounts } from '../output/common.js';
import { objectRunBytes } from '../output/json.js';
import { declareRules, enabledSarifRules, resultRunBytes } from '../output/sarif.js';

/**
 * The linter reads no more of an object without a pod than its identity (apiVersion, kind,
 * metadata), so those objects are not built whole (parse.ts); the errors are the same.
 */
const LINT_PARSE: ParseOptions = { objectsWithoutPod: 'identity' };

/** Everything a thread needs to lint files as the command line asked (plain data: it is sent to workers). */
export interface FileLintSettings {
  kubernetesVersion: string;
  featureGates: Partial<FeatureGates>;
  /** One capacity, or the nodes each pod is placed on (plain data). */
  node: NodeChoice;
  ruleSettings: ReadonlyMap<string, RuleSetting>;
  maxFileBytes: number;
  /**
   * `--format json` or `sarif`: render the file's part of the report where it is linted (json:
   * its objects, objectRunBytes; sarif: its results, resultRunBytes) and keep only that text,
   * instead of the objects for the main thread to render. null: keep the objects.
   */
  render: RenderedPerFile | null;
  /** The namespace of objects that name none, and every LimitRange (files and inputs). */
  admission: AdmissionData;
}

/** The formats whose report is rendered file by file. */
export type RenderedPerFile = 'json' | 'sarif';

/** What the JSON summary and the exit code need of objects kept only as text. */
export type ObjectCounts = Pick<ReportCounts, 'objects' | 'workloads' | 'errors' | 'warnings' | 'infos'>;

/** One file's part of the report. */
export interface FileOutcome {
  file: string;
  /** Reading and parsing errors: in the report, before every error found while linting. */
  inputErrors: InputError[];
  /** The file's objects; empty with FileLintSettings.render (see rendered). */
  objects: ReportedObject[];
  /** With FileLintSettings.render: the file's part of the report, as UTF-8; else null. */
  rendered: Uint8Array | null;
  counts: ObjectCounts;
  /** Errors found while modelling the objects (invalid quantities, rule crashes). */
  lintErrors: InputError[];
}

export interface FileLinter {
  /** An input already read and parsed (standard input). */
  lintInput(input: FileInput): FileOutcome;
  /** Reads, parses and lints one file. */
  lintFile(file: InputFile): FileOutcome;
  /** Lints a file the first pass read (scanFile). */
  lintScanned(file: InputFile, scanned: ScannedFile): FileOutcome;
}

/** `parsed`: the thread's Keeper.parsed, whose files are linted without parsing them again. */
export function fileLinter(settings: FileLintSettings, parsed?: Map<string, FileInput>): FileLinter {
  const linter = prepareLinter({
    kubernetesVersion: settings.kubernetesVersion,
    featureGates: settings.featureGates,
    rules,
    ruleSettings: settings.ruleSettings,
  });
  const admission = admissionContext(settings.admission);
  const placer = placerFor(settings.node);
  const render = renderer(settings);
  const lintInput = (input: FileInput): FileOutcome => {
    const result = linter.lint(input.objects, placer, admission);
    const objects = result.objects.map(reportedObject);
    const counts = countReport({ kubernetesVersion: settings.kubernetesVersion, node: placer.all, objects, errors: [] });
    // Invalid LimitRanges are invalid input, after the file's reading and parsing errors.
    const invalid = limitRangesIn(input.objects, settings.admission.defaultNamespace).errors;
    return {
      file: input.file,
      inputErrors: invalid.length > 0 ? [...input.errors, ...invalid] : input.errors,
      objects: render === null ? objects : [],
      rendered: render === null ? null : render(objects),
      counts: { objects: counts.objects, workloads: counts.workloads, errors: counts.errors, warnings: counts.warnings, infos: counts.infos },
      lintErrors: result.errors,
    };
  };
  const lintFile = (file: InputFile) => lintInput(readInputFile(file, { maxFileBytes: settings.maxFileBytes, parse: LINT_PARSE }));
  return {
    lintInput,
    lintFile,
    lintScanned(file, scanned) {
      if (scanned.error !== null) return lintInput(unreadFile(scanned.error));
      const input = parsed?.get(file.abs);
      if (input !== undefined) {
        parsed!.delete(file.abs);
        return lintInput(input);
      }
      if (scanned.bytes === null) return lintFile(file);
      const b = scanned.bytes;
      return lintInput(parseFileBytes(file, Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength), { parse: LINT_PARSE }));
    },
  };
}

function renderer(settings: FileLintSettings): ((objects: readonly ReportedObject[]) => Uint8Array) | null {
  if (settings.render === 'json') return objectRunBytes;
  if (settings.render === 'sarif') {
    const { index } = declareRules(enabledSarifRules(rules, settings.ruleSettings));
    return (objects) => resultRunBytes(objects, index);
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The first pass. LimitRanges among the inputs act on the workloads of every file, those read
// before theirs too, so every file is read (and only the few that may hold a LimitRange parsed)
// before any is linted. The bytes read are kept for the second pass (up to KEEP_BYTES in all:
// beyond that, files are read again rather than held), so each file is read and parsed once.

/** Bytes kept between the passes, in all threads together; files beyond it are read again. */
export const KEEP_BYTES = 256 * 1024 * 1024;

/** What the first pass needs (plain data: it is sent to workers). */
export interface ScanSettings {
  maxFileBytes: number;
  defaultNamespace: string;
}

/** A file after the first pass (plain data: worker threads send it to the main thread). */
export interface ScannedFile {
  /** Why the file could not be read (then that is its whole report), or null. */
  error: InputError | null;
  /**
   * Its bytes, for the second pass (in shared memory when threads take part); null when it could
   * not be read, or when more than KEEP_BYTES were kept already (then it is read again).
   */
  bytes: Uint8Array | null;
  /** The valid LimitRanges it holds, in order. */
  limitRanges: FoundLimitRange[];
}

/** How a thread keeps the bytes of the first pass. */
export interface Keeper {
  /** Makes the buffer a file is read into, by its size (default Buffer.allocUnsafe). */
  alloc?: (size: number) => Buffer;
  /** What to keep of the bytes read, or null (read the file again). */
  keep(bytes: Buffer): Uint8Array | null;
  /**
   * The files this thread parsed in the first pass (those that may hold a LimitRange), by path:
   * if the same thread lints one of them, it is not parsed again. Never sent between threads.
   */
  parsed?: Map<string, FileInput>;
}

/**
 * Reads a file for the first pass; parses it only when its bytes may hold a LimitRange (invalid
 * ones are reported when it is linted).
 */
export function scanFile(file: InputFile, settings: ScanSettings, keeper: Keeper): ScannedFile {
  const read = readFileBytes(file, settings.maxFileBytes, keeper.alloc);
  if ('error' in read) return { error: read.error, bytes: null, limitRanges: [] };
  if (!mayHoldLimitRange(read.bytes)) return { error: null, bytes: keeper.keep(read.bytes), limitRanges: [] };
  const input = parseFileBytes(file, read.bytes, { parse: LINT_PARSE });
  keeper.parsed?.set(file.abs, input);
  return { error: null, bytes: keeper.keep(read.bytes), limitRanges: limitRangesIn(input.objects, settings.defaultNamespace).found };
}

/** The main thread alone: keeps the buffers read, up to KEEP_BYTES. */
export function localKeeper(): Keeper {
  let kept = 0;
  return { keep: (bytes) => ((kept += bytes.length) <= KEEP_BYTES ? bytes : null), parsed: new Map() };
}
