// Finds, reads and validates .oomguard.yaml. parseConfig is pure (text in, config out) so the
// webhook can reuse it; loadConfig adds discovery and file reading. Every error is a ConfigError
// with a one-line message: "<file>: <field path>: <what is wrong>".
import path from 'node:path';
import { load, YAMLException } from 'js-yaml';
import { createRequire } from 'node:module';
import type picomatchType from 'picomatch';
import type { ErrorObject } from 'ajv';
import type { AnyRule } from '../../rules/index.js';
import type { SeverityOrOff } from '../engine/types.js';
import type { RuleSetting } from '../engine/lint.js';
import type { FeatureGateName, FeatureGates } from '../core/types.js';
import { MODELLED_GATES, VersionError, parseKubernetesVersion } from '../core/versions.js';
import { Quantity, QuantityError } from '../core/quantity.js';
import { CONFIG_FIELDS, SEVERITIES, configValidator } from './schema.js';

// Not `import ... from 'node:fs'`: an ES import of a built-in reads all its exports, and node:fs's
// lazy ones (fs.promises, the stream classes) load some 30 more internal modules at start-up. That
// is paid once for all importers, so it is saved only when no module lint loads imports node:fs so.
const { readFileSync, statSync } = process.getBuiltinModule('node:fs');

/** Names looked for, in this order, in the working directory and then each parent. */
export const CONFIG_FILE_NAMES = ['.oomguard.yaml', '.oomguard.yml', '.oomguard.json'] as const;

export class ConfigError extends Error {
  /** The file as shown in the message (relative to cwd when inside it). */
  readonly file: string;
  /** Dotted field path ("rules.qos-class.options"), or null when the error is about the whole file. */
  readonly field: string | null;

  constructor(file: string, field: string | null, problem: string) {
    super(field === null || field === '' ? `${file}: ${problem}` : `${file}: ${field}: ${problem}`);
    this.name = 'ConfigError';
    this.file = file;
    this.field = field === '' ? null : field;
  }
}

export interface LoadedConfig {
  /** Absolute path of the config file, or null when none was found. */
  path: string | null;
  /** Absolute directory that relative paths in the config (node.file, exclude) are relative to. */
  dir: string;
  /** A supported minor ("1.31"), normalised by parseKubernetesVersion. */
  kubernetesVersion?: string;
  featureGates?: Partial<FeatureGates>;
  node?: {
    /** Node memory capacity as written (validated: a positive quantity). */
    memory?: string;
    /** Absolute path of a Node/NodeList manifest (resolved relative to `dir`; not checked to exist). */
    file?: string;
    /** A provider preset as written, e.g. "gke:16Gi" (core/node-presets.ts; checked where used). */
    preset?: string;
  };
  /** The namespace of objects that set none (validated: a namespace name). */
  namespace?: string;
  /** Absolute paths of LimitRange files (resolved relative to `dir`; not checked to exist). */
  limitRanges?: string[];
  /**
   * Per rule id named in the config. `options` is the rule's defaultOptions with the configured
   * options merged over them (shallow), ready for lintObjects, which does not merge.
   */
  ruleSettings: Map<string, { severity: SeverityOrOff; options: unknown }>;
  /** Whether an absolute path matches an exclude glob (relative to `dir`), itself or through a parent folder. */
  isExcluded(absPath: string): boolean;
}

export interface LoadConfigOptions {
  /** --config: a file to read instead of discovering one (relative to cwd). */
  configPath?: string;
  cwd: string;
  rules: readonly AnyRule[];
}

/** The config used when no file is found. */
export function emptyConfig(dir: string): LoadedConfig {
  return { path: null, dir, ruleSettings: new Map(), isExcluded: () => false };
}

/** A path as shown in messages: relative to cwd when inside it, absolute otherwise. */
export function shownPath(abs: string, cwd: string): string {
  const rel = path.relative(cwd, abs);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return abs;
  return rel;
}

function errnoMessage(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EISDIR') return 'is a directory, not a config file';
  if (e.code === 'EACCES' || e.code === 'EPERM') return 'permission denied';
  return (e.message ?? String(err)).split('\n')[0];
}

function isFile(p: string): boolean {
  try {
    return statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
  } catch {
    return false;
  }
}

/** The config file that applies to cwd: the first directory upward holding one of CONFIG_FILE_NAMES. */
export function findConfigFile(cwd: string): string | null {
  let dir = path.resolve(cwd);
  for (;;) {
    const found = CONFIG_FILE_NAMES.map((name) => path.join(dir, name)).filter(isFile);
    if (found.length > 1) {
      const others = found.slice(1).map((f) => path.basename(f));
      throw new ConfigError(
        shownPath(found[0], cwd),
        null,
        `${others.join(' and ')} ${others.length > 1 ? 'are' : 'is'} in the same directory too: keep one config file`,
      );
    }
    if (found.length === 1) return found[0];
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * Reads the config: the file given as configPath, else the one found upward from cwd, else an
 * empty config (path null, dir cwd). Throws ConfigError.
 */
export function loadConfig(opts: LoadConfigOptions): LoadedConfig {
  const cwd = path.resolve(opts.cwd);
  let file: string | null;
  if (opts.configPath !== undefined) {
    file = path.resolve(cwd, opts.configPath);
  } else {
    file = findConfigFile(cwd);
    if (file === null) return emptyConfig(cwd);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(shownPath(file, cwd), null, errnoMessage(err));
  }
  return parseConfig(text, file, opts.rules, { cwd });
}

export interface ParseConfigOptions {
  /** Base of relative `file`, and of the paths shown in messages (default process.cwd()). */
  cwd?: string;
}

type Json = Record<string, unknown>;

/**
 * Parses and validates config text (YAML or JSON; empty text is an empty config). `file` names the
 * config (relative to cwd, or absolute): relative paths inside it resolve against its directory.
 * Throws ConfigError.
 */
export function parseConfig(
  text: string,
  file: string,
  rules: readonly AnyRule[],
  opts: ParseConfigOptions = {},
): LoadedConfig {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  const abs = path.resolve(cwd, file);
  const shown = shownPath(abs, cwd);
  const dir = path.dirname(abs);
  const fail = (field: string | null, problem: string): never => {
    throw new ConfigError(shown, field, problem);
  };

  const data = parseYaml(text, fail);
  const config: LoadedConfig = { ...emptyConfig(dir), path: abs };
  if (data === null) return config;
  if (typeof data !== 'object' || Array.isArray(data)) {
    return fail(null, `must be a mapping of ${CONFIG_FIELDS.join(', ')} (got ${describeValue(data)})`);
  }

  const validate = configValidator(rules);
  if (!validate(data)) {
    const err = (validate.errors ?? [])[0];
    if (err !== undefined) {
      const [field, problem] = explainAjvError(err, data as Json, rules);
      return fail(field, problem);
    }
    return fail(null, 'invalid config');
  }
  const doc = data as {
    kubernetesVersion?: string;
    featureGates?: Record<string, boolean> | null;
    node?: { memory?: string | number; file?: string; preset?: string } | null;
    namespace?: string;
    limitRanges?: string | string[] | null;
    rules?: Record<string, unknown> | null;
    exclude?: string[] | null;
  };

  if (doc.kubernetesVersion !== undefined) {
    try {
      config.kubernetesVersion = parseKubernetesVersion(doc.kubernetesVersion);
    } catch (err) {
      if (err instanceof VersionError) return fail('kubernetesVersion', err.message);
      throw err;
    }
  }

  if (doc.featureGates != null) {
    // Names and boolean values are checked by the schema; whether a gate exists (or is locked) in
    // the chosen version is checked once flags are merged (resolveFeatureGates).
    const gates: Partial<FeatureGates> = {};
    for (const [name, value] of Object.entries(doc.featureGates)) gates[name as FeatureGateName] = value;
    config.featureGates = gates;
  }

  if (doc.node != null) {
    const { memory, file: nodeFile, preset } = doc.node;
    if ([memory, nodeFile, preset].filter((x) => x !== undefined).length > 1) {
      return fail('node', 'give one of memory, file or preset');
    }
    config.node = {};
    if (memory !== undefined) {
      let bytes: bigint;
      try {
        bytes = Quantity.parse(memory).value();
      } catch (err) {
        if (err instanceof QuantityError) return fail('node.memory', err.message);
        throw err;
      }
      if (bytes <= 0n) return fail('node.memory', `must be positive (got ${memory})`);
      config.node.memory = String(memory);
    }
    if (nodeFile !== undefined) config.node.file = path.resolve(dir, nodeFile);
    // Checked against the Kubernetes version where it is used (AKS's formula depends on it).
    if (preset !== undefined) config.node.preset = preset;
  }

  if (doc.namespace !== undefined) {
    if (!isNamespaceName(doc.namespace)) {
      return fail('namespace', `"${doc.namespace}" is not a namespace name (lower-case letters, digits and "-", at most 63, starting and ending with a letter or digit)`);
    }
    config.namespace = doc.namespace;
  }

  if (doc.limitRanges != null) {
    const files = typeof doc.limitRanges === 'string' ? [doc.limitRanges] : doc.limitRanges;
    config.limitRanges = files.map((f) => path.resolve(dir, f));
  }

  if (doc.rules != null) {
    const byId = new Map(rules.map((r) => [r.meta.id, r]));
    for (const [id, setting] of Object.entries(doc.rules)) {
      const rule = byId.get(id);
      if (rule === undefined) return fail(`rules.${id}`, unknownRule(id, rules)); // the schema already refuses these
      config.ruleSettings.set(id, ruleSetting(rule, setting));
    }
  }

  if (doc.exclude != null && doc.exclude.length > 0) {
    const globs: string[] = [];
    doc.exclude.forEach((glob, i) => {
      const g = glob.replace(/\\/g, '/');
      if (path.posix.isAbsolute(g) || path.win32.isAbsolute(glob) || g === '..' || g.startsWith('../')) {
        fail(`exclude[${i}]`, `"${glob}" must be relative to the config file's directory`);
      }
      globs.push(g.replace(/^(\.\/)+/, ''));
    });
    config.isExcluded = excluder(dir, globs);
  }
  return config;
}

/** A namespace name as the API server requires it: a DNS-1123 label. */
export function isNamespaceName(name: string): boolean {
  return name.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name);
}

/** YAML (or JSON, a subset) to a plain value; null for an empty document. */
function parseYaml(text: string, fail: (field: string | null, problem: string) => never): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // js-yaml refuses empty input; a file of blank lines and comments is an empty config.
  if (/^(?:[ \t]*(?:#[^\r\n]*)?(?:\r?\n|\r|$))*$/.test(body)) return null;
  try {
    return load(body);
  } catch (err) {
    if (err instanceof YAMLException) {
      let reason = err.reason || err.message.split('\n')[0];
      if (err.mark === undefined) return fail(null, reason);
      if (reason === 'duplicated mapping key') {
        const key = keyAt(body, err.mark.position);
        if (key !== null) reason = `duplicated key "${key}"`;
      }
      return fail(null, `line ${err.mark.line + 1}: ${reason}`);
    }
    throw err;
  }
}

/** The mapping key written at a source offset (for duplicate-key messages), if it is easy to read. */
function keyAt(text: string, position: number): string | null {
  const m = /^(?:"((?:[^"\\\r\n]|\\.)*)"|'((?:[^'\r\n]|'')*)'|([^\s:,{}[\]"'#][^:,{}[\]\r\n]*?))\s*:/.exec(text.slice(position));
  if (m === null) return null;
  return m[1] ?? m[2]?.replace(/''/g, "'") ?? m[3] ?? null;
}

function ruleSetting(rule: AnyRule, setting: unknown): RuleSetting {
  let severity: SeverityOrOff = rule.meta.severity;
  let options: unknown;
  if (typeof setting === 'string') {
    severity = setting as SeverityOrOff;
  } else if (Array.isArray(setting)) {
    severity = setting[0] as SeverityOrOff;
    options = setting[1];
  } else if (setting !== null && typeof setting === 'object') {
    const s = setting as { severity?: SeverityOrOff; options?: unknown };
    if (s.severity !== undefined) severity = s.severity;
    options = s.options;
  }
  return { severity, options: mergeOptions(rule.meta.defaultOptions, options) };
}

function isPlainObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Configured options over the rule's defaults, shallow (lintObjects takes options as they are). */
function mergeOptions(defaults: unknown, given: unknown): unknown {
  if (given === undefined) return isPlainObject(defaults) ? { ...defaults } : defaults;
  if (isPlainObject(defaults) && isPlainObject(given)) return { ...defaults, ...given };
  return given;
}

function excluder(dir: string, globs: string[]): (absPath: string) => boolean {
  // picomatch (six modules, some 10 ms) is loaded only for a config that excludes paths: most runs
  // have none, and `oomguard lint one.yaml` pays for every module it loads at start-up.
  const picomatch = createRequire(import.meta.url)('picomatch') as typeof picomatchType;
  const match = picomatch(globs, { dot: true });
  return (absPath: string) => {
    const rel = path.relative(dir, path.resolve(dir, absPath));
    if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return false;
    const parts = rel.split(path.sep);
    // The file itself, then each folder above it: "charts" excludes everything under charts/.
    for (let n = parts.length; n > 0; n--) {
      if (match(parts.slice(0, n).join('/'))) return true;
    }
    return false;
  };
}

// ---------------------------------------------------------------------------------------------
// Wording of ajv errors.

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

const TYPE_NOUNS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};

function typeNoun(type: unknown): string {
  const types = (Array.isArray(type) ? type : [type]).map(String);
  const meaningful = types.length > 1 ? types.filter((t) => t !== 'null') : types;
  return meaningful.map((t) => TYPE_NOUNS[t] ?? t).join(' or ');
}

/** JSON Pointer segments of an ajv instancePath. */
function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Dotted field path ("rules.qos-class[1].minimum"), indexing lists with [n]. */
function dottedPath(data: unknown, segments: string[]): string {
  let out = '';
  let node: unknown = data;
  for (const seg of segments) {
    if (Array.isArray(node)) {
      out += `[${seg}]`;
      node = node[Number(seg)];
    } else {
      out += out === '' ? seg : `.${seg}`;
      node = isPlainObject(node) ? node[seg] : undefined;
    }
  }
  return out;
}

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The closest candidate within a typo's distance, if any. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = levenshtein(name.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function unknownRule(id: string, rules: readonly AnyRule[]): string {
  const suggestion = closest(
    id,
    rules.map((r) => r.meta.id),
  );
  return suggestion !== undefined
    ? `unknown rule (did you mean ${suggestion}?)`
    : 'unknown rule (oomguard rules lists them)';
}

function unknownGate(name: string): string {
  const suggestion = closest(name, MODELLED_GATES);
  return `unknown feature gate (${suggestion !== undefined ? `did you mean ${suggestion}? ` : ''}known: ${MODELLED_GATES.join(', ')})`;
}

/** [dotted field path, problem] for the first ajv error. */
function explainAjvError(err: ErrorObject, data: Json, rules: readonly AnyRule[]): [string, string] {
  const segments = pointerSegments(err.instancePath);
  const field = dottedPath(data, segments);
  const at = (...p: string[]) => segments.length === p.length && p.every((s, i) => s === '*' || s === segments[i]);
  const params = err.params as Record<string, unknown>;

  switch (err.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const inner = dottedPath(data, [...segments, name]);
      if (at('rules')) return [inner, unknownRule(name, rules)];
      if (at('featureGates')) return [inner, unknownGate(name)];
      const props = isPlainObject(err.parentSchema) && isPlainObject(err.parentSchema.properties) ? Object.keys(err.parentSchema.properties) : [];
      if (at()) return [field, `unknown field "${name}" (expected ${CONFIG_FIELDS.join(', ')})`];
      if (props.length === 0) {
        return [field, `unknown field "${name}" (${at('rules', '*', 'options') || at('rules', '*', '1') ? 'the rule takes no options' : 'no fields allowed'})`];
      }
      return [field, `unknown field "${name}" (expected ${props.join(', ')})`];
    }
    case 'type': {
      if (at('kubernetesVersion')) {
        return [
          field,
          typeof err.data === 'number'
            ? 'must be a string like "1.31" (quote it: YAML reads 1.30 as the number 1.3)'
            : 'must be a string like "1.31"',
        ];
      }
      if (at('rules', '*')) {
        return [field, `must be a severity (${SEVERITIES.join(', ')}), [severity, options] or { severity, options } (got ${describeValue(err.data)})`];
      }
      return [field, `must be ${typeNoun(params.type)} (got ${describeValue(err.data)})`];
    }
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues.map(String) : [];
      return [field, `must be one of ${allowed.join(', ')} (got ${describeValue(err.data)})`];
    }
    case 'const':
      return [field, `must be ${describeValue(params.allowedValue)} (got ${describeValue(err.data)})`];
    case 'required':
      return [field, `missing field "${String(params.missingProperty)}"`];
    case 'minItems':
    case 'additionalItems':
    case 'maxItems':
      if (at('rules', '*')) return [field, 'must be [severity] or [severity, options]'];
      return [field, err.message ?? 'wrong number of items'];
    case 'minLength':
      if (params.limit === 1) return [field, 'must not be empty'];
      return [field, err.message ?? 'too short'];
    default:
      return [field, err.message ?? `fails ${err.keyword}`];
  }
}
