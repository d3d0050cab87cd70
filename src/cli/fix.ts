// `oomguard fix`: rewrites manifests in place with the mutating webhook's own patch
// (requests-equal-limits), keeping everything else in the files as it was.
import path from 'node:path';
import { EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, UsageError } from './exit-codes.js';
import type { Io } from './io.js';
import { loadConfigOption, maxFileBytes, modelSettingsFrom } from './args.js';
import { noteSkipped, parseCommandLine } from './command-line.js';
import { objectsByFile, readInputs, STDIN_NAME } from '../input/read.js';
import type { InputError, SourceObject } from '../input/types.js';
import { locatePod } from '../engine/extract-workloads.js';
import { decidingStanzas, optedOutOfMutation, requestsEqualLimitsPatch, MUTATE_ANNOTATION, MUTATIONS } from '../engine/fix.js';
import { DEFAULT_KUBERNETES_VERSION, kubeletModel, resolveFeatureGates } from '../core/versions.js';
import { describeObject } from '../engine/describe.js';
import { rewriteText, RewriteError } from '../engine/rewrite.js';
import type { ObjectPatch } from '../engine/rewrite.js';
import { objectLabel, plural } from '../output/common.js';
import { createTwoFilesPatch } from 'diff';
import { rewriteFailure, writeSource } from './rewrite-files.js';

const HELP = `Usage: oomguard fix [PATH|-]... [options]

Rewrites manifests in place so that cpu and memory requests equal their limits wherever limits are
set, in the stanzas that decide the QoS class: every container's, or the pod-level spec.resources
alone where it decides (PodLevelResources; container requests are then left as written, which
keeps their total within the pod-level requests as the API server requires). It is the patch the
mutating webhook applies. A workload whose deciding stanzas all have cpu and memory limits becomes
Guaranteed. Comments, key order, quoting and the other documents in each file are kept; a second
run changes nothing. Objects annotated ${MUTATE_ANNOTATION}: "false" (or whose pod template is) are
left alone. With -, reads standard input and prints the fixed text.

Options:
  --mutate MUTATION         The patch to apply: requests-equal-limits (the default, and the only one)
  --dry-run                 Print a unified diff instead of writing; exit 1 when something would change
  --kubernetes-version X.Y  The version whose API server and kubelet decide the stanzas (default: the
                            config's, else ${DEFAULT_KUBERNETES_VERSION})
  --feature-gates LIST      e.g. PodLevelResources=false
  --config FILE             Config file (exclude patterns, version, gates; default: .oomguard.yaml found upward)
  --max-file-size BYTES     Skip larger files with an error (default 8388608)

Exit codes: 0 done (or nothing to do), 1 changes pending with --dry-run, 2 bad usage, invalid input
or a file that could not be rewritten safely (it is left unchanged).`;

interface Change {
  object: SourceObject;
  operations: number;
}

export async function runFix(argv: string[], io: Io): Promise<number> {
  const parsed = parseCommandLine(
    argv,
    {
      mutate: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'kubernetes-version': { type: 'string' },
      'feature-gates': { type: 'string' },
      config: { type: 'string' },
      'max-file-size': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'fix',
  );
  const v = parsed.values;
  if (v.help) {
    io.stdout(`${HELP}\n`);
    return EXIT_OK;
  }
  const mutation = v.mutate ?? 'requests-equal-limits';
  if (!(MUTATIONS as readonly string[]).includes(mutation)) {
    throw new UsageError(`unknown --mutate "${mutation}" (expected ${MUTATIONS.join(', ')})`);
  }
  const maxBytes = maxFileBytes(v['max-file-size']);
  if (parsed.positionals.length === 0) throw new UsageError('no input: give files, folders or - for stdin (see oomguard fix --help)');
  const config = loadConfigOption(v.config, io.cwd);
  const dryRun = v['dry-run'] === true;
  const { kubernetesVersion, gates } = modelSettingsFrom(v, config);
  const model = kubeletModel(kubernetesVersion, resolveFeatureGates(kubernetesVersion, gates));

  const input = await readInputs(parsed.positionals, {
    cwd: io.cwd,
    stdin: io.readStdin,
    maxFileBytes: maxBytes,
    exclude: (file: string) => config.isExcluded(path.resolve(io.cwd, file)),
    keepSources: true,
  });
  const errors: InputError[] = [...input.errors];
  const filesWithErrors = new Set(input.errors.map((e) => e.file));
  const byFile = objectsByFile(input.objects);

  const log: string[] = [];
  let changedFiles = 0;
  let changedObjects = 0;
  for (const file of input.files) {
    const source = input.sources?.get(file);
    if (source === undefined) continue;
    const objects = byFile.get(file) ?? [];
    const patches: ObjectPatch[] = [];
    const changes: Change[] = [];
    for (const object of objects) {
      const located = locatePod(object.object);
      if (located === null) continue;
      if (optedOutOfMutation(object.object, located.pod.metadata)) {
        log.push(`${file}:${object.line}: ${objectLabel(describeObject(object.object))}: skipped (${MUTATE_ANNOTATION}: "false")`);
        continue;
      }
      const ops = requestsEqualLimitsPatch(object.object, located.podPointer, decidingStanzas(object.object, located.podPointer, model));
      if (ops.length === 0) continue;
      patches.push({ source: object, ops });
      changes.push({ object, operations: ops.length });
    }
    if (patches.length === 0) {
      if (source.abs === null) io.stdout(dryRun ? '' : source.text);
      continue;
    }
    // A file that did not parse whole is not rewritten: its broken documents would be lost or kept blindly.
    if (filesWithErrors.has(file)) {
      errors.push({ file, document: null, line: null, message: 'not rewritten because parts of it could not be read' });
      continue;
    }
    let fixed: string;
    try {
      fixed = rewriteText(source.text, file, objects, patches);
    } catch (err) {
      if (err instanceof RewriteError) {
        errors.push(rewriteFailure(file, err, 'apply requests-equal-limits'));
        if (source.abs === null && !dryRun) io.stdout(source.text);
        continue;
      }
      throw err;
    }
    changedFiles++;
    changedObjects += changes.length;
    for (const c of changes) {
      log.push(`${file}:${c.object.line}: ${objectLabel(describeObject(c.object.object))}: requests raised to limits (${plural(c.operations, 'change')})`);
    }
    if (dryRun) io.stdout(unifiedDiff(file, source.text, fixed));
    else if (source.abs === null) io.stdout(fixed);
    else writeSource(source, fixed);
  }

  // The diff or the fixed text owns stdout when it carries them; the account goes to stderr then.
  const account = dryRun || input.sources?.has(STDIN_NAME) ? io.stderr : io.stdout;
  for (const line of log) account(`${line}\n`);
  for (const e of errors) io.stderr(`oomguard: ${e.file}${e.document !== null ? ` document ${e.document + 1}` : ''}${e.line !== null ? ` line ${e.line}` : ''}: ${e.message}\n`);
  noteSkipped(input.skipped, io);
  if (changedObjects === 0) account(`nothing to change: requests already equal limits wherever limits are set\n`);
  else account(`${dryRun ? 'would raise' : 'raised'} requests to limits in ${plural(changedObjects, 'object')} in ${plural(changedFiles, 'file')}\n`);

  if (errors.length > 0) return EXIT_INPUT;
  return dryRun && changedObjects > 0 ? EXIT_FINDINGS : EXIT_OK;
}

/**
 * A unified diff. Relative paths get git's `a/` and `b/` prefixes (for `git apply` or
 * `patch -p1`); absolute paths are shown as they are.
 */
export function unifiedDiff(file: string, before: string, after: string): string {
  const name = file.replace(/^\.\//, '');
  const [from, to] = path.isAbsolute(name) ? [name, name] : [`a/${name}`, `b/${name}`];
  return createTwoFilesPatch(from, to, before, after, undefined, undefined, { context: 3 })
    .split('\n')
    .filter((line) => !line.startsWith('====='))
    .join('\n');
}
