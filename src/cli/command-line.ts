// Command-line parsing every command shares, kept free of heavy imports (no rules, config schema
// or YAML parser), so that a command that needs none of them, such as whodunit, loads none of them.
import type { ParseArgsConfig } from 'node:util';
import { UsageError } from './exit-codes.js';
import type { Io } from './io.js';
import { skippedNotes } from '../input/layouts.js';
import type { SkippedInput } from '../input/layouts.js';
import { nodeFactsFromCapacity } from '../core/node.js';
import type { NodeFacts, NodeSource } from '../core/node.js';
import { Quantity, QuantityError } from '../core/quantity.js';

// Not `import { parseArgs } from 'node:util'`: importing a built-in as an ES module builds its
// namespace from all its exports, and reading node:util's lazy ones loads worker_threads, streams,
// the diff algorithm and more, 3-5 ms of `oomguard lint one.yaml`'s start-up. getBuiltinModule
// reads parseArgs alone.
const { parseArgs } = process.getBuiltinModule('node:util');

/** parseArgs (strict, positionals allowed) whose errors name the command's --help. */
export function parseCommandLine<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O, command: string) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]} (see oomguard ${command} --help)`);
  }
}

/** A node memory capacity as written (`what` names the flag or setting). Throws UsageError. */
export function nodeMemoryFacts(text: string, what: string, source: NodeSource): NodeFacts {
  let bytes: bigint;
  try {
    bytes = Quantity.parse(text).value();
  } catch (err) {
    if (err instanceof QuantityError) throw new UsageError(`${what}: ${err.message}`);
    throw err;
  }
  if (bytes <= 0n) throw new UsageError(`${what}: node memory must be positive`);
  return nodeFactsFromCapacity(bytes, source);
}

/** The options of every command that reads manifests and prints a report (lint, explain, simulate, audit). */
export const REPORT_FLAG_OPTIONS = {
  config: { type: 'string' },
  format: { type: 'string', short: 'f' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  'max-file-size': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** --color / --no-color, else what the terminal says. */
export function colorFrom(flags: { color?: boolean; 'no-color'?: boolean }, terminal: boolean): boolean {
  return flags['no-color'] ? false : flags.color ? true : terminal;
}

/**
 * One line on stderr for each input left out as no manifest (a Helm chart, a kustomization file
 * or a patch it names: input/layouts.ts), saying how to lint what it renders to. Not an error:
 * the exit code is the lint's.
 */
export function noteSkipped(skipped: readonly SkippedInput[], io: Pick<Io, 'stderr'>): void {
  for (const note of skippedNotes(skipped)) io.stderr(`oomguard: note: ${note}\n`);
}
