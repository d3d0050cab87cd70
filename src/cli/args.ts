// The options several commands take that read files or the config (parseCommandLine itself is in
// command-line.ts, which loads none of this).
import { UsageError } from './exit-codes.js';
import { rules } from '../../rules/index.js';
import { loadConfig, ConfigError } from '../config/load.js';
import type { LoadedConfig } from '../config/load.js';

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
