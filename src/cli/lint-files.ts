// Lint, one file at a time: read and parse a file, lint its objects, keep only what the report
// needs. The main thread and the worker threads (lint-worker.ts) run exactly this, so the results
// cannot depend on which thread linted a file.
//
// One file at a time because a file's parsed objects are dropped as soon as the file is linted:
// a lint of thousands of files holds only their findings and model results, not every parsed
// manifest at once (less memory, and less for the garbage collector to copy and mark).
import { rules } from '../../rules/index.js';
import type { FeatureGates } from '../core/types.js';
import type { NodeFacts } from '../core/node.js';
import { prepareLinter, reportedObject } from '../engine/lint.js';
import type { RuleSetting } from '../engine/lint.js';
import type { ReportedObject } from '../engine/types.js';
import { readInputFile } from '../input/read.js';
import type { FileInput, InputFile } from '../input/read.js';
import type { InputError } from '../input/types.js';
import { countReport } from '../output/common.js';
import type { ReportCounts } from '../output/common.js';
import { objectJsonText } from '../output/json.js';

/** Everything a thread needs to lint files as the command line asked (plain data: it is sent to workers). */
export interface FileLintSettings {
  kubernetesVersion: string;
  featureGates: Partial<FeatureGates>;
  node: NodeFacts;
  ruleSettings: ReadonlyMap<string, RuleSetting>;
  maxFileBytes: number;
  /**
   * `--format json`: render each object's part of the JSON report (objectJsonText) where it is
   * linted and keep only that text, instead of the object for the main thread to render.
   */
  renderJson: boolean;
}

/** What the JSON summary and the exit code need of objects kept only as text. */
export type ObjectCounts = Pick<ReportCounts, 'objects' | 'workloads' | 'errors' | 'warnings' | 'infos'>;

/** One file's part of the report. */
export interface FileOutcome {
  file: string;
  /** Reading and parsing errors: in the report, before every error found while linting. */
  inputErrors: InputError[];
  /** The file's objects; empty with FileLintSettings.renderJson (see objectsJson). */
  objects: ReportedObject[];
  /** With FileLintSettings.renderJson: each object's text in the JSON report; else empty. */
  objectsJson: string[];
  counts: ObjectCounts;
  /** Errors found while modelling the objects (invalid quantities, rule crashes). */
  lintErrors: InputError[];
}

export interface FileLinter {
  /** An input already read and parsed (standard input). */
  lintInput(input: FileInput): FileOutcome;
  /** Reads, parses and lints one file. */
  lintFile(file: InputFile): FileOutcome;
}

export function fileLinter(settings: FileLintSettings): FileLinter {
  const linter = prepareLinter({
    kubernetesVersion: settings.kubernetesVersion,
    featureGates: settings.featureGates,
    rules,
    ruleSettings: settings.ruleSettings,
  });
  const lintInput = (input: FileInput): FileOutcome => {
    const result = linter.lint(input.objects, settings.node);
    const objects = result.objects.map(reportedObject);
    const counts = countReport({ kubernetesVersion: settings.kubernetesVersion, node: settings.node, objects, errors: [] });
    return {
      file: input.file,
      inputErrors: input.errors,
      objects: settings.renderJson ? [] : objects,
      objectsJson: settings.renderJson ? objects.map(objectJsonText) : [],
      counts: { objects: counts.objects, workloads: counts.workloads, errors: counts.errors, warnings: counts.warnings, infos: counts.infos },
      lintErrors: result.errors,
    };
  };
  return {
    lintInput,
    lintFile: (file) => lintInput(readInputFile(file, { maxFileBytes: settings.maxFileBytes })),
  };
}
