// Command-line parsing shared by the commands: node:util parseArgs with one-line usage errors,
// and the options several commands take.
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { UsageError } from './exit-codes.js';
import { rules } from '../../rules/index.js';
import { loadConfig, ConfigError } from '../config/load.js';
import type { LoadedConfig } from '../config/load.js';

/** parseArgs (strict, positionals allowed) whose errors name the command's --help. */
export function parseCommandLine<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O, command: string) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]} (see oomguard ${command} --help)`);
  }
}

export const DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024;

/** --max-file-size BYTES. */
export function maxFileBytes(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MAX_FILE_BYTES;
  if (!/^\d+$/.test(text)) throw new UsageError('--max-file-size must be a number of bytes');
  return Number(text);
}

/** --config FILE, else .oomguard.yaml found upward from `cwd`; a bad file is a usage error. */
export function loadConfigOption(configPath: string | undefined, cwd: string): LoadedConfig {
  try {
    return loadConfig({ configPath, cwd, rules });
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message.split('\n').join('\noomguard: '));
    throw err;
  }
}
