// What heap a container's managed runtimes will use, read from its env, command and args as the
// runtimes themselves read them: the JVM (-Xmx, -XX:MaxHeapSize, -XX:MaxRAM, RAM percentages),
// Node.js (--max-old-space-size), Go (GOMEMLIMIT) and .NET (GCHeapHardLimit, …Percent).
// Pure and synchronous: a container object in, facts out; the wording of findings is the rule's
// (rules/runtime-heap-exceeds-limit.ts).

export type Runtime = 'jvm' | 'node' | 'go' | 'dotnet';

/** Where a setting is written, and the env var it came from when its text does not name it. */
interface SettingOrigin {
  runtime: Runtime;
  /** The setting as written, e.g. "-Xmx2g", "GOMEMLIMIT=2GiB". */
  setting: string;
  /**
   * The env var whose value holds the setting, when the setting's text does not name it (a JVM
   * flag in JAVA_TOOL_OPTIONS); absent for "GOMEMLIMIT=…", which names itself.
   */
  inEnv?: string;
  /** JSON Pointer of the env var value or command/args item where the setting is written. */
  path: string;
}

/** The heap (for Go: the soft memory limit) a runtime will use, in bytes. */
export interface HeapSize extends SettingOrigin {
  kind: 'heap';
  bytes: bigint;
}

/** A value the runtime refuses (it does not start) or ignores. */
export interface InvalidHeapSetting extends SettingOrigin {
  kind: 'invalid';
  /** Why, in words fit for a message: "… is not a JVM size …: the JVM refuses to start". */
  problem: string;
  /** The runtime ignores the value and keeps its default (rather than refusing to start). */
  ignoredByRuntime: boolean;
}

export type HeapConfiguration = HeapSize | InvalidHeapSetting;

const KIB = 1024n;
const MIB = 1024n * KIB;
const GIB = 1024n * MIB;
const TIB = 1024n * GIB;
const MAX_INT64 = (1n << 63n) - 1n;
const MAX_UINT64 = (1n << 64n) - 1n;

/**
 * HotSpot's default MaxHeapSize on 64-bit platforms, ScaleForWordSize(96*M):
 * align_down(96 MiB * 13 / 10, HeapWordSize) = 130862280 bytes (≈124.8 MiB). The heap
 * ergonomics use it both as the "small memory" threshold and as a floor.
 */
export const JVM_DEFAULT_MAX_HEAP = ((96n * MIB * 13n) / 10n / 8n) * 8n;

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------
// Values, each after the runtime's own parser.

/** HotSpot's memory sizes (Arguments::atojulong): decimal or 0x-hex digits, optional k/m/g/t (binary). */
export function parseJvmSize(text: string): bigint | null {
  const m = /^(?:0[xX]([0-9a-fA-F]+)|([0-9]+))([kKmMgGtT]?)$/.exec(text);
  if (!m) return null;
  const n = m[1] !== undefined ? BigInt(`0x${m[1]}`) : BigInt(m[2]);
  const unit = { '': 1n, k: KIB, m: MIB, g: GIB, t: TIB }[m[3].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const bytes = n * unit;
  return bytes > MAX_UINT64 ? null : bytes;
}

/** A HotSpot double flag (strtod over the whole value), or null. */
function parseJvmDouble(text: string): number | null {
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) return null;
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}

/** Go's GOMEMLIMIT (runtime.parseByteCount): ^[0-9]+(([KMGT]i)?B)?$, at most MaxInt64. */
export function parseGoByteCount(text: string): bigint | null {
  const m = /^([0-9]+)(?:([KMGT])i)?(B)?$/.exec(text);
  if (!m || (m[2] !== undefined && m[3] === undefined)) return null;
  const unit = m[2] === undefined ? 1n : { K: KIB, M: MIB, G: GIB, T: TIB }[m[2] as 'K' | 'M' | 'G' | 'T'];
  const bytes = BigInt(m[1]) * unit;
  return bytes > MAX_INT64 ? null : bytes;
}

/** CLRConfig numbers from the environment: always hexadecimal, with or without 0x. */
export function parseClrHex(text: string): bigint | null {
  const m = /^(?:0[xX])?([0-9a-fA-F]+)$/.exec(text.trim());
  return m ? BigInt(`0x${m[1]}`) : null;
}

// ---------------------------------------------------------------------------------------------
// Reading the container: env (literal values), command and args, with Kubernetes' $(VAR)
// expansion and shell $VAR / ${VAR} references resolved where the value is known.

/** A word of the container's command line (or of an env var's value), with where it was written. */
interface Token {
  text: string;
  /** JSON Pointer of the env var value or command/args item the word starts in. */
  path: string;
  /** The env var the word came from, when it came from one. */
  env?: string;
}

interface EnvVar {
  name: string;
  /** After $(VAR) expansion; null when the value is not a literal (valueFrom). */
  value: string | null;
  path: string;
}

/** A piece of text and where it was written: `Token` before splitting into words. */
type Segment = Token;

/**
 * Kubernetes' $(VAR) expansion (third_party/forked/golang/expansion/expand.go), keeping track of
 * which parts came from which env var: "$$" is a literal "$", "$(NAME)" is replaced by the value of
 * NAME when it is known, and anything else (unknown or unclosed references) stays as written.
 */
function expandSegments(input: string, path: string, lookup: (name: string) => EnvVar | undefined, used?: Set<string>): Segment[] {
  const out: Segment[] = [];
  let literal = '';
  const flush = () => {
    if (literal !== '') out.push({ text: literal, path });
    literal = '';
  };
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      literal += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      literal += '$';
      i += 1;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close === -1) {
        literal += '$(';
        i += 1;
        continue;
      }
      const name = input.slice(i + 2, close);
      const v = lookup(name);
      if (v !== undefined && v.value !== null) {
        flush();
        used?.add(name);
        out.push({ text: v.value, path: v.path, env: name });
      } else {
        literal += `$(${name})`;
      }
      i = close;
    } else {
      literal += `$${next}`;
      i += 1;
    }
  }
  flush();
  return out;
}

function expandString(input: string, lookup: (name: string) => EnvVar | undefined): string {
  return expandSegments(input, '', lookup)
    .map((s) => s.text)
    .join('');
}

/**
 * The container's env as the kubelet builds it (makeEnvironmentVariables): in order, each value
 * expanded against the variables defined before it; a later entry with the same name wins.
 */
function readEnv(raw: unknown, pointer: string): Map<string, EnvVar> {
  const env = new Map<string, EnvVar>();
  if (!Array.isArray(raw)) return env;
  raw.forEach((item: unknown, i) => {
    if (!isMapping(item) || typeof item.name !== 'string') return;
    const path = `${pointer}/env/${i}/value`;
    let value: string | null;
    if (item.valueFrom !== undefined && item.valueFrom !== null) value = null;
    else if (typeof item.value === 'string') value = expandString(item.value, (n) => env.get(n));
    else if (item.value === undefined || item.value === null) value = '';
    else value = String(item.value);
    env.set(item.name, { name: item.name, value, path });
  });
  return env;
}

/** Splits segments into whitespace-separated words; a word keeps the origin of its first character. */
function tokenize(segments: Segment[]): Token[] {
  const tokens: Token[] = [];
  let current: Token | null = null;
  for (const seg of segments) {
    for (const ch of seg.text) {
      if (/\s/.test(ch)) {
        if (current !== null) tokens.push(current);
        current = null;
        continue;
      }
      if (current === null) current = { text: '', path: seg.path, ...(seg.env !== undefined ? { env: seg.env } : {}) };
      current.text += ch;
    }
  }
  if (current !== null) tokens.push(current);
  // Shell quoting does not change what the runtime sees: -Xmx"2g" is -Xmx2g.
  return tokens.map((t) => ({ ...t, text: t.text.replace(/["']/g, '') })).filter((t) => t.text !== '');
}

function envTokens(v: EnvVar): Token[] {
  if (v.value === null) return [];
  return tokenize([{ text: v.value, path: v.path, env: v.name }]);
}

const SHELL_REF = /^\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-=+?][^}]*)?\})$/;

/**
 * command ++ args as words: every item is split on whitespace (so `sh -c "java -Xmx2g -jar app.jar"`
 * reads like the command line it runs), $(VAR) references are expanded, and a shell word that is
 * exactly $VAR or ${VAR} is replaced by the words of VAR's value. Names expanded are added to `used`.
 */
function commandLineTokens(container: Record<string, unknown>, pointer: string, env: Map<string, EnvVar>, used: Set<string>): Token[] {
  const tokens: Token[] = [];
  for (const field of ['command', 'args'] as const) {
    const list = container[field];
    if (!Array.isArray(list)) continue;
    list.forEach((item: unknown, i) => {
      if (typeof item !== 'string' && typeof item !== 'number') return;
      const segments = expandSegments(String(item), `${pointer}/${field}/${i}`, (n) => env.get(n), used);
      for (const token of tokenize(segments)) {
        const ref = SHELL_REF.exec(token.text);
        const name = ref?.[1] ?? ref?.[2];
        const v = name === undefined ? undefined : env.get(name);
        if (name !== undefined && v !== undefined && v.value !== null) {
          used.add(name);
          tokens.push(...envTokens(v));
        } else {
          tokens.push(token);
        }
      }
    });
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Which words a runtime reads: after `java` (or `node`), options run up to the main class, the
// -jar file or the script; what follows belongs to the application, until a shell separator.

const JAVA_OPTIONS_WITH_VALUE = new Set([
  '-cp',
  '-classpath',
  '--class-path',
  '-p',
  '--module-path',
  '--upgrade-module-path',
  '--add-modules',
  '--limit-modules',
  '--add-reads',
  '--add-exports',
  '--add-opens',
  '--patch-module',
  '--enable-native-access',
  '-d',
  '--describe-module',
]);
const JAVA_OPTIONS_ENDING_WITH_VALUE = new Set(['-jar', '-m', '--module']);
const NODE_OPTIONS_WITH_VALUE = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions', '--env-file']);
const NODE_OPTIONS_ENDING_WITH_VALUE = new Set(['-e', '--eval', '-p', '--print']);
const PACKAGE_MANAGERS = new Set(['npm', 'npx', 'yarn', 'pnpm', 'corepack']);
const SEPARATORS = new Set([';', '&&', '||', '|', '&']);

function basename(word: string): string {
  return word.slice(word.lastIndexOf('/') + 1);
}

/** The words of a command line that the JVM and Node.js read as their own options, in order. */
function runtimeOptionWords(tokens: Token[]): { jvm: Token[]; node: Token[] } {
  const jvm: Token[] = [];
  const node: Token[] = [];
  // none: no java/node seen (args-only containers: the image's entrypoint decides), so any
  // recognised option counts; java/node: their options; app: arguments of the program.
  let mode: 'none' | 'java' | 'node' | 'app' = 'none';
  let skipNext = false;
  let endAfterSkip = false;
  for (const raw of tokens) {
    let text = raw.text;
    let separatorAfter = false;
    if (SEPARATORS.has(text)) {
      mode = 'none';
      skipNext = false;
      continue;
    }
    if (text.endsWith(';') || text.endsWith('&&')) {
      text = text.replace(/(;|&&)$/, '');
      separatorAfter = true;
    }
    const token = { ...raw, text };
    if (skipNext) {
      skipNext = false;
      if (endAfterSkip) mode = 'app';
    } else if (mode === 'app') {
      // arguments of the program
    } else if (basename(text) === 'java') {
      mode = 'java';
    } else if (basename(text) === 'node' || basename(text) === 'nodejs') {
      mode = 'node';
    } else if (PACKAGE_MANAGERS.has(basename(text))) {
      mode = 'app';
    } else if (mode === 'java') {
      if (!text.startsWith('-')) mode = 'app';
      else if (JAVA_OPTIONS_WITH_VALUE.has(text) || JAVA_OPTIONS_ENDING_WITH_VALUE.has(text)) {
        skipNext = true;
        endAfterSkip = JAVA_OPTIONS_ENDING_WITH_VALUE.has(text);
      } else jvm.push(token);
    } else if (mode === 'node') {
      if (!text.startsWith('-')) mode = 'app';
      else if (NODE_OPTIONS_WITH_VALUE.has(text) || NODE_OPTIONS_ENDING_WITH_VALUE.has(text)) {
        skipNext = true;
        endAfterSkip = NODE_OPTIONS_ENDING_WITH_VALUE.has(text);
      } else node.push(token);
    } else if (text.startsWith('-')) {
      jvm.push(token);
      node.push(token);
    }
    if (separatorAfter) {
      mode = 'none';
      skipNext = false;
    }
  }
  return { jvm, node };
}

// ---------------------------------------------------------------------------------------------
// What each runtime will use as its heap.

function origin(runtime: Runtime, token: Token): SettingOrigin {
  return { runtime, setting: token.text, ...(token.env !== undefined ? { inEnv: token.env } : {}), path: token.path };
}

interface JvmFlag<T> {
  value: T;
  token: Token;
}

const JVM_SIZE_FLAGS: Array<[RegExp, 'maxHeap' | 'maxRam', string]> = [
  [/^-Xmx(.*)$/, 'maxHeap', 'Invalid maximum heap size'],
  [/^-XX:MaxHeapSize=(.*)$/, 'maxHeap', 'Improperly specified VM option'],
  [/^-XX:MaxRAM=(.*)$/, 'maxRam', 'Improperly specified VM option'],
];
const JVM_PERCENT_FLAGS: Array<[RegExp, 'maxRamPct' | 'minRamPct', string]> = [
  [/^-XX:MaxRAMPercentage=(.*)$/, 'maxRamPct', 'MaxRAMPercentage'],
  [/^-XX:MinRAMPercentage=(.*)$/, 'minRamPct', 'MinRAMPercentage'],
];

/**
 * The JVM's maximum heap (Arguments::set_heap_size) from its options in processing order:
 * JAVA_TOOL_OPTIONS, the launcher's JDK_JAVA_OPTIONS, the command line, then _JAVA_OPTIONS; the
 * last occurrence of a flag wins, and the first invalid value stops the JVM. -Xmx /
 * -XX:MaxHeapSize decide alone; otherwise, when a RAM percentage or MaxRAM is given, the
 * ergonomics apply to the container limit (what os::physical_memory() returns in a container) or
 * to MaxRAM. Without any of these flags the JVM's defaults (at most half the limit) are not reported.
 */
function jvmHeap(words: Token[], limit: bigint): HeapConfiguration | null {
  const flags: {
    maxHeap?: JvmFlag<bigint>;
    maxRam?: JvmFlag<bigint>;
    maxRamPct?: JvmFlag<number>;
    minRamPct?: JvmFlag<number>;
  } = {};
  for (const token of words) {
    for (const [re, key, error] of JVM_SIZE_FLAGS) {
      const m = re.exec(token.text);
      if (!m) continue;
      if (/[$`]/.test(m[1])) break; // an unexpanded variable: unknown
      const bytes = parseJvmSize(m[1]);
      if (bytes === null) {
        return {
          kind: 'invalid',
          ...origin('jvm', token),
          problem: `"${m[1]}" is not a JVM size (digits with an optional k, m, g or t suffix, no "b"): the JVM refuses to start ("${error}")`,
          ignoredByRuntime: false,
        };
      }
      flags[key] = { value: bytes, token };
      break;
    }
    for (const [re, key, name] of JVM_PERCENT_FLAGS) {
      const m = re.exec(token.text);
      if (!m) continue;
      if (/[$`]/.test(m[1])) break;
      const pct = parseJvmDouble(m[1]);
      if (pct === null || pct < 0 || pct > 100) {
        return {
          kind: 'invalid',
          ...origin('jvm', token),
          problem: `${name} must be a number between 0.0 and 100.0: the JVM refuses to start`,
          ignoredByRuntime: false,
        };
      }
      flags[key] = { value: pct, token };
      break;
    }
  }
  const heap = (token: Token, bytes: bigint): HeapSize => ({ kind: 'heap', ...origin('jvm', token), bytes });
  if (flags.maxHeap !== undefined) return flags.maxHeap.value > 0n ? heap(flags.maxHeap.token, flags.maxHeap.value) : null;
  if (flags.maxRamPct === undefined && flags.minRamPct === undefined && flags.maxRam === undefined) return null;
  // set_heap_size(): naming any of these flags sets override_coop_limit, so phys_mem is MaxRAM
  // when given, else the container limit, and the compressed-oops clamp does not apply. The
  // products are computed in double precision and truncated, as HotSpot does.
  const phys = flags.maxRam?.value ?? limit;
  const percentOf = (pct: number) => BigInt(Math.trunc((Number(phys) * pct) / 100));
  const reasonableMin = percentOf(flags.minRamPct?.value ?? 50);
  if (reasonableMin < JVM_DEFAULT_MAX_HEAP) {
    // "Small physical memory": MinRAMPercentage of it, whatever MaxRAMPercentage says.
    const source = flags.minRamPct?.token ?? flags.maxRam?.token;
    return source === undefined ? null : heap(source, reasonableMin);
  }
  const fromMax = percentOf(flags.maxRamPct?.value ?? 25);
  const source = flags.maxRamPct?.token ?? flags.maxRam?.token;
  if (source === undefined) return null;
  return heap(source, fromMax > JVM_DEFAULT_MAX_HEAP ? fromMax : JVM_DEFAULT_MAX_HEAP);
}

/**
 * V8's old-space limit: --max-old-space-size=MiB (V8 accepts dashes or underscores in flag
 * names); the last one wins. 0 leaves V8's default, which is not reported.
 */
function nodeHeap(words: Token[]): HeapConfiguration | null {
  let found: { token: Token; mib: bigint } | null = null;
  for (const token of words) {
    const m = /^--max[-_]old[-_]space[-_]size=(\d+)$/.exec(token.text);
    if (m) found = { token, mib: BigInt(m[1]) };
  }
  if (found === null || found.mib === 0n) return null;
  return { kind: 'heap', ...origin('node', found.token), bytes: found.mib * MIB };
}

/** Go's soft memory limit (runtime.readGOMEMLIMIT): unset, empty and "off" mean none. */
function goLimit(env: Map<string, EnvVar>): HeapConfiguration | null {
  const v = env.get('GOMEMLIMIT');
  if (v === undefined || v.value === null || v.value === '' || v.value === 'off' || /[$`]/.test(v.value)) return null;
  const at = { runtime: 'go' as const, setting: `GOMEMLIMIT=${v.value}`, path: v.path };
  const bytes = parseGoByteCount(v.value);
  if (bytes === null) {
    return {
      kind: 'invalid',
      ...at,
      problem: 'GOMEMLIMIT takes a byte count with an optional B, KiB, MiB, GiB or TiB suffix (not Kubernetes\' Gi or M): a Go program exits at startup with "malformed GOMEMLIMIT"',
      ignoredByRuntime: false,
    };
  }
  return bytes > 0n ? { kind: 'heap', ...at, bytes } : null;
}

/** DOTNET_x, else the legacy COMPlus_x (the DOTNET_ prefix wins since .NET 6); empty means unset. */
function clrSetting(env: Map<string, EnvVar>, name: string): (EnvVar & { value: string }) | undefined {
  for (const prefix of ['DOTNET_', 'COMPlus_']) {
    const v = env.get(`${prefix}${name}`);
    if (v !== undefined && v.value !== null && v.value !== '') return { ...v, value: v.value };
  }
  return undefined;
}

/**
 * The .NET GC heap hard limit (gc.cpp, GCHeap::Initialize / compute_hard_limit): GCHeapHardLimit
 * in bytes wins; else GCHeapHardLimitPercent of the container limit, used only when 0 < pct < 100.
 * Both are read as hexadecimal from the environment ("for environment variables, specify values as
 * hexadecimal", learn.microsoft.com, runtime configuration options for garbage collection).
 * Per-object-heap limits (GCHeapHardLimitSOH, …) replace both; then nothing is read here.
 */
function dotnetLimit(env: Map<string, EnvVar>, limit: bigint): HeapConfiguration | null {
  for (const oh of ['SOH', 'LOH', 'POH', 'PercentSOH', 'PercentLOH', 'PercentPOH']) {
    if (clrSetting(env, `GCHeapHardLimit${oh}`) !== undefined) return null;
  }
  const hard = clrSetting(env, 'GCHeapHardLimit');
  if (hard !== undefined) {
    const bytes = parseClrHex(hard.value);
    if (bytes !== null && bytes > 0n) {
      return { kind: 'heap', runtime: 'dotnet', setting: `${hard.name}=${hard.value}`, path: hard.path, bytes };
    }
  }
  const percent = clrSetting(env, 'GCHeapHardLimitPercent');
  if (percent === undefined) return null;
  const pct = parseClrHex(percent.value);
  if (pct === null || pct === 0n) return null;
  const written = percent.value.trim();
  const setting = `${percent.name}=${percent.value}`;
  const prefixed = /^0[xX]/.test(written);
  if (pct >= 100n) {
    return {
      kind: 'invalid',
      runtime: 'dotnet',
      setting,
      path: percent.path,
      problem: `${prefixed ? written : `read as hexadecimal, "${written}" is 0x${written.toUpperCase()}, which`} is ${pct}%, not between 1 and 99 (0x1–0x63): the GC ignores it and keeps its default of 75% of the limit`,
      ignoredByRuntime: true,
    };
  }
  // Unprefixed, the value reads like a decimal percentage; the setting says how the GC reads it.
  const hex = prefixed ? '' : ` (hexadecimal: 0x${written.toUpperCase()} = ${pct}%)`;
  return { kind: 'heap', runtime: 'dotnet', setting: `${setting}${hex}`, path: percent.path, bytes: (limit * pct) / 100n };
}

/**
 * Environment variables whose value the start scripts of common images put on the java command
 * line, in the order they put them where one image reads several: JAVA_OPTS (most entrypoints;
 * Tomcat's catalina.sh, then its CATALINA_OPTS), JAVA_OPTS_APPEND (Red Hat's run-java.sh and
 * Keycloak's kc.sh, after the options they generate), ES_JAVA_OPTS (Elasticsearch), OPENSEARCH_JAVA_OPTS
 * (OpenSearch) and LS_JAVA_OPTS (Logstash), each read after the product's jvm.options, which they
 * override, KAFKA_HEAP_OPTS (Kafka's kafka-run-class.sh) and SOLR_JAVA_MEM (Solr's bin/solr). The
 * name says whose JVM the options are for, so they are read whatever the image.
 */
const START_SCRIPT_JVM_OPTIONS = ['JAVA_OPTS', 'CATALINA_OPTS', 'JAVA_OPTS_APPEND', 'ES_JAVA_OPTS', 'OPENSEARCH_JAVA_OPTS', 'LS_JAVA_OPTS', 'KAFKA_HEAP_OPTS', 'SOLR_JAVA_MEM'];

/**
 * Every heap setting of a container (at JSON Pointer `pointer`, for the paths) that its runtimes
 * will act on: at most one per runtime, in the order JVM, Node.js, Go, .NET. `memoryLimit` is the
 * container's memory limit in bytes: the JVM's RAM percentages and .NET's percentage apply to it,
 * as both runtimes read the cgroup limit as the machine's memory.
 */
export function readHeapConfigurations(container: Record<string, unknown>, pointer: string, memoryLimit: bigint): HeapConfiguration[] {
  const env = readEnv(container.env, pointer);
  const used = new Set<string>();
  const words = runtimeOptionWords(commandLineTokens(container, pointer, env, used));
  const fromEnv = (name: string) => {
    const v = env.get(name);
    return v === undefined ? [] : envTokens(v);
  };
  // Start-script variables are not read by the JVM: where the command line does not expand one,
  // the image's entrypoint is assumed to pass it before the command line's own arguments.
  const jvmWords = [
    ...fromEnv('JAVA_TOOL_OPTIONS'),
    ...fromEnv('JDK_JAVA_OPTIONS'),
    ...START_SCRIPT_JVM_OPTIONS.flatMap((name) => (used.has(name) ? [] : fromEnv(name))),
    ...words.jvm,
    ...fromEnv('_JAVA_OPTIONS'),
  ];
  // NODE_OPTIONS is read before the command line, which overrides it.
  const nodeWords = [...fromEnv('NODE_OPTIONS'), ...words.node];
  const found = [jvmHeap(jvmWords, memoryLimit), nodeHeap(nodeWords), goLimit(env), dotnetLimit(env, memoryLimit)];
  return found.filter((c): c is HeapConfiguration => c !== null);
}

// ---------------------------------------------------------------------------------------------
// A cheap pre-filter: most containers configure no heap, and tokenising every one is the
// costliest part of the rule on large inputs.

/**
 * Text without which no setting above can be formed: JVM flags (-Xmx, -XX:MaxHeapSize, -XX:MaxRAM,
 * -XX:MaxRAMPercentage, -XX:MinRAMPercentage) and V8's --max-old-space-size. Case-sensitive, as
 * the parsers are.
 */
const HEAP_TEXT = /Xmx|MaxHeapSize|RAM|old[-_]space/;
/** Env vars read by name rather than from a command line: Go's and .NET's. */
const HEAP_ENV = /^(?:GOMEMLIMIT$|DOTNET_|COMPlus_)/;

/**
 * False only when readHeapConfigurations finds nothing whatever the limit: no env var the Go or
 * .NET runtime reads, and no env value, command or args item that holds a `$` (an expansion could
 * assemble a flag) or HEAP_TEXT once shell quotes are dropped (tokens are whitespace-split
 * substrings of one such string, quotes removed). Most containers answer false here, before any
 * tokenising.
 */
export function mayConfigureHeap(container: Record<string, unknown>): boolean {
  for (const field of ['command', 'args'] as const) {
    const list = container[field];
    if (Array.isArray(list) && list.some(mentions)) return true;
  }
  if (!Array.isArray(container.env)) return false;
  return container.env.some((item: unknown) => isMapping(item) && ((typeof item.name === 'string' && HEAP_ENV.test(item.name)) || mentions(item.value)));
}

function mentions(v: unknown): boolean {
  return typeof v === 'string' && (v.includes('$') || HEAP_TEXT.test(v.includes('"') || v.includes("'") ? v.replace(/["']/g, '') : v));
}
