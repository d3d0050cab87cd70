// The options several commands take that read files or the config (parseCommandLine itself is in
// command-line.ts, which loads none of this).
import { UsageError } from './exit-codes.js';
import { rules } from '../../rules/index.js';
import { loadConfig, ConfigError } from '../config/load.js';
import type { LoadedConfig } from '../config/load.js';
import { DEFAULT_KUBERNETES_VERSION, VersionError, parseFeatureGateList, parseKubernetesVersion, resolveFeatureGates } from '../core/versions.js';
import type { FeatureGates } from '../core/types.js';

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

/** --kubernetes-version and --feature-gates, over the config's: what lint, explain, simulate and serve model. */
export interface ModelFlags {
  'kubernetes-version'?: string;
  'feature-gates'?: string;
}

/**
 * The Kubernetes minor and feature gates to model: the flags, else the config, else the default
 * version; the gates are checked against that version (resolveFeatureGates). Throws UsageError.
 */
export function modelSettingsFrom(flags: ModelFlags, config: Pick<LoadedConfig, 'kubernetesVersion' | 'featureGates'>): { kubernetesVersion: string; gates: Partial<FeatureGates> } {
  try {
    const kubernetesVersion = parseKubernetesVersion(flags['kubernetes-version'] ?? config.kubernetesVersion ?? DEFAULT_KUBERNETES_VERSION);
    const gates: Partial<FeatureGates> = { ...(config.featureGates ?? {}), ...(flags['feature-gates'] ? parseFeatureGateList(flags['feature-gates']) : {}) };
    resolveFeatureGates(kubernetesVersion, gates);
    return { kubernetesVersion, gates };
  } catch (err) {
    if (err instanceof VersionError) throw new UsageError(err.message);
    throw err;
  }
}
