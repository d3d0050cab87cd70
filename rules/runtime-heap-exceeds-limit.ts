// A runtime told to use (nearly) all of the container's memory for its heap: the cgroup limit is
// reached before the runtime's own out-of-memory handling, and the kernel kills the container.
import { defineRule } from './define-rule.js';
import type { RuleReport } from './define-rule.js';
import { containerNoun, containerPointer, decimalToFraction, formatBytes, formatRatio, isMapping, rawContainer } from './utils.js';
import type { ContainerResult } from '../src/core/types.js';
import type { Workload } from '../src/engine/types.js';

interface Options {
  minHeadroomPercent: number;
}
type MessageIds = 'heapAtOrAboveLimit' | 'littleHeadroom' | 'invalidSetting';

type Runtime = 'jvm' | 'node' | 'go' | 'dotnet';

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
const JVM_DEFAULT_MAX_HEAP = ((96n * MIB * 13n) / 10n / 8n) * 8n;

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

interface Segment {
  text: string;
  path: string;
  env?: string;
}

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
 * exactly $VAR or ${VAR} is replaced by the words of VAR's value.
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
// Parsers, each after the runtime's own.

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
// What each runtime will use as its heap.

interface HeapSetting {
  runtime: Runtime;
  /** The setting as written, e.g. "-Xmx2g", "GOMEMLIMIT=2GiB". */
  setting: string;
  /** " in JAVA_TOOL_OPTIONS" when the setting came from an env var that the setting text does not name. */
  where: string;
  path: string;
  bytes: bigint;
}

interface InvalidSetting {
  setting: string;
  where: string;
  path: string;
  problem: string;
  severity?: 'info';
}

type Outcome = { heap: HeapSetting } | { invalid: InvalidSetting } | null;

function whereOf(token: Token): string {
  return token.env === undefined ? '' : ` in ${token.env}`;
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
 * last occurrence of a flag wins. -Xmx / -XX:MaxHeapSize decide alone; otherwise, when a RAM
 * percentage or MaxRAM is given, the ergonomics apply to the container limit (what
 * os::physical_memory() returns in a container) or to MaxRAM.
 */
function jvmHeap(words: Token[], limit: bigint): Outcome {
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
          invalid: {
            setting: token.text,
            where: whereOf(token),
            path: token.path,
            problem: `"${m[1]}" is not a JVM size (digits with an optional k, m, g or t suffix, no "b"): the JVM refuses to start ("${error}")`,
          },
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
          invalid: {
            setting: token.text,
            where: whereOf(token),
            path: token.path,
            problem: `${name} must be a number between 0.0 and 100.0: the JVM refuses to start`,
          },
        };
      }
      flags[key] = { value: pct, token };
      break;
    }
  }
  const heap = (token: Token, bytes: bigint): Outcome => ({
    heap: { runtime: 'jvm', setting: token.text, where: whereOf(token), path: token.path, bytes },
  });
  if (flags.maxHeap !== undefined) return flags.maxHeap.value > 0n ? heap(flags.maxHeap.token, flags.maxHeap.value) : null;
  if (flags.maxRamPct === undefined && flags.minRamPct === undefined && flags.maxRam === undefined) return null;
  // set_heap_size(): naming any of these flags sets override_coop_limit, so phys_mem is MaxRAM
  // when given, else the container limit, and the compressed-oops clamp does not apply.
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

/** V8's old-space limit: --max-old-space-size=MiB (dashes or underscores); the last one wins. */
function nodeHeap(words: Token[]): Outcome {
  let found: { token: Token; mib: bigint } | null = null;
  for (const token of words) {
    const m = /^--max[-_]old[-_]space[-_]size=(\d+)$/.exec(token.text);
    if (m) found = { token, mib: BigInt(m[1]) };
  }
  if (found === null || found.mib === 0n) return null;
  return { heap: { runtime: 'node', setting: found.token.text, where: whereOf(found.token), path: found.token.path, bytes: found.mib * MIB } };
}

function goLimit(env: Map<string, EnvVar>): Outcome {
  const v = env.get('GOMEMLIMIT');
  if (v === undefined || v.value === null || v.value === '' || v.value === 'off' || /[$`]/.test(v.value)) return null;
  const setting = `GOMEMLIMIT=${v.value}`;
  const bytes = parseGoByteCount(v.value);
  if (bytes === null) {
    return {
      invalid: {
        setting,
        where: '',
        path: v.path,
        problem: 'GOMEMLIMIT takes a byte count with an optional B, KiB, MiB, GiB or TiB suffix (not Kubernetes\' Gi or M): a Go program exits at startup with "malformed GOMEMLIMIT"',
      },
    };
  }
  return bytes > 0n ? { heap: { runtime: 'go', setting, where: '', path: v.path, bytes } } : null;
}

/** DOTNET_x, else the legacy COMPlus_x (the DOTNET_ prefix wins since .NET 6). */
function clrSetting(env: Map<string, EnvVar>, name: string): EnvVar | undefined {
  for (const prefix of ['DOTNET_', 'COMPlus_']) {
    const v = env.get(`${prefix}${name}`);
    if (v !== undefined && v.value !== null && v.value !== '') return v;
  }
  return undefined;
}

/**
 * The .NET GC heap hard limit (gc.cpp, GCHeap::Initialize / compute_hard_limit): GCHeapHardLimit
 * in bytes wins; else GCHeapHardLimitPercent of the container limit, used only when 0 < pct < 100.
 * Both are read as hexadecimal from the environment. Per-object-heap limits (GCHeapHardLimitSOH,
 * …) replace both; then nothing is checked here.
 */
function dotnetLimit(env: Map<string, EnvVar>, limit: bigint): Outcome {
  for (const oh of ['SOH', 'LOH', 'POH', 'PercentSOH', 'PercentLOH', 'PercentPOH']) {
    if (clrSetting(env, `GCHeapHardLimit${oh}`) !== undefined) return null;
  }
  const hard = clrSetting(env, 'GCHeapHardLimit');
  if (hard !== undefined) {
    const bytes = parseClrHex(hard.value as string);
    if (bytes !== null && bytes > 0n) {
      return { heap: { runtime: 'dotnet', setting: `${hard.name}=${hard.value}`, where: '', path: hard.path, bytes } };
    }
  }
  const percent = clrSetting(env, 'GCHeapHardLimitPercent');
  if (percent === undefined) return null;
  const pct = parseClrHex(percent.value as string);
  if (pct === null || pct === 0n) return null;
  const written = (percent.value as string).trim();
  const setting = `${percent.name}=${percent.value}`;
  const prefixed = /^0[xX]/.test(written);
  if (pct >= 100n) {
    return {
      invalid: {
        setting,
        where: '',
        path: percent.path,
        problem: `${prefixed ? written : `read as hexadecimal, "${written}" is 0x${written.toUpperCase()}, which`} is ${pct}%, not between 1 and 99 (0x1–0x63): the GC ignores it and keeps its default of 75% of the limit`,
        severity: 'info',
      },
    };
  }
  const hex = prefixed ? '' : ` (hexadecimal: 0x${written.toUpperCase()} = ${pct}%)`;
  return { heap: { runtime: 'dotnet', setting: `${setting}${hex}`, where: '', path: percent.path, bytes: (limit * pct) / 100n } };
}

// ---------------------------------------------------------------------------------------------
// Wording.

const HEAP_KIND: Record<Runtime, string> = {
  jvm: 'heap',
  node: 'old-space heap',
  go: 'Go memory limit',
  dotnet: 'GC heap limit',
};

const CONSEQUENCE: Record<Runtime, string> = {
  jvm: 'the JVM will be OOM-killed (exit 137) before it throws OutOfMemoryError',
  node: 'Node.js will be OOM-killed (exit 137) before V8 reports "JavaScript heap out of memory"',
  go: 'the Go garbage collector only works harder as usage nears that limit, so the container is OOM-killed (exit 137) first',
  dotnet: 'the .NET runtime will be OOM-killed (exit 137) before it throws OutOfMemoryException',
};

const NON_HEAP: Record<Runtime, string> = {
  jvm: 'metaspace, thread stacks, the code cache, GC data structures and direct buffers',
  node: 'the young generation, code space, Buffers and native memory',
  go: 'memory the Go runtime does not manage (cgo, mapped files) and the collector\'s overshoot',
  dotnet: 'native memory, thread stacks and JIT-compiled code outside the GC heap',
};

/** Exact bytes, with an approximation when the exact form has no unit: "2040109465 bytes ≈ 1.9Gi". */
function sizeText(bytes: bigint): string {
  const exact = formatBytes(bytes);
  if (!/^\d+$/.test(exact) || bytes < MIB) return exact;
  for (const [size, unit] of [[TIB, 'Ti'], [GIB, 'Gi'], [MIB, 'Mi']] as const) {
    if (bytes < size) continue;
    const tenths = (bytes * 10n + size / 2n) / size;
    return `${exact} bytes ≈ ${tenths / 10n}.${tenths % 10n}${unit}`;
  }
  return exact;
}

/** heap > limit × (100 − minHeadroomPercent) / 100, exactly. */
function headroomTooSmall(heap: bigint, limit: bigint, minHeadroomPercent: number): boolean {
  if (minHeadroomPercent <= 0) return false;
  const { num, den } = decimalToFraction(minHeadroomPercent);
  return heap * 100n * den > limit * (100n * den - num);
}

/**
 * Text without which no setting above can be formed: JVM flags (-Xmx, -XX:MaxHeapSize, -XX:MaxRAM,
 * -XX:MaxRAMPercentage, -XX:MinRAMPercentage) and V8's --max-old-space-size. Case-sensitive, as
 * the parsers are.
 */
const HEAP_TEXT = /Xmx|MaxHeapSize|RAM|old[-_]space/;
/** Env vars read by name rather than from a command line: Go's and .NET's. */
const HEAP_ENV = /^(?:GOMEMLIMIT$|DOTNET_|COMPlus_)/;

/**
 * False only when the container cannot configure a heap: no env var the Go or .NET runtime reads,
 * and no env value, command or args item that holds a `$` (an expansion could assemble a flag) or
 * HEAP_TEXT once shell quotes are dropped (tokens are whitespace-split substrings of one such
 * string, quotes removed). Most containers answer false here, before any tokenising.
 */
export function mayConfigureHeap(raw: Record<string, unknown>): boolean {
  for (const field of ['command', 'args'] as const) {
    const list = raw[field];
    if (Array.isArray(list) && list.some(mentions)) return true;
  }
  if (!Array.isArray(raw.env)) return false;
  return raw.env.some((item: unknown) => isMapping(item) && ((typeof item.name === 'string' && HEAP_ENV.test(item.name)) || mentions(item.value)));
}

function mentions(v: unknown): boolean {
  return typeof v === 'string' && (v.includes('$') || HEAP_TEXT.test(v.includes('"') || v.includes("'") ? v.replace(/["']/g, '') : v));
}

/** One container's reports; `prefilter: false` skips mayConfigureHeap (tests compare the two). */
export function checkContainer(w: Workload, c: ContainerResult, minHeadroomPercent: number, prefilter = true): RuleReport<MessageIds>[] {
  const limit = c.memoryLimit;
  if (limit === null) return [];
  const raw = rawContainer(w, c) as Record<string, unknown> | undefined;
  if (raw === undefined || (prefilter && !mayConfigureHeap(raw))) return [];
  const pointer = containerPointer(w, c);
  const env = readEnv(raw.env, pointer);
  const used = new Set<string>();
  const words = runtimeOptionWords(commandLineTokens(raw, pointer, env, used));
  const fromEnv = (name: string) => {
    const v = env.get(name);
    return v === undefined ? [] : envTokens(v);
  };
  // JAVA_OPTS is a convention of start scripts, not read by the JVM: where the command line does
  // not expand it, the image's entrypoint is assumed to pass it before its own arguments.
  const jvmWords = [
    ...fromEnv('JAVA_TOOL_OPTIONS'),
    ...fromEnv('JDK_JAVA_OPTIONS'),
    ...(used.has('JAVA_OPTS') ? [] : fromEnv('JAVA_OPTS')),
    ...words.jvm,
    ...fromEnv('_JAVA_OPTIONS'),
  ];
  // NODE_OPTIONS is read before the command line, which overrides it.
  const nodeWords = [...fromEnv('NODE_OPTIONS'), ...words.node];

  const outcomes = [jvmHeap(jvmWords, limit), nodeHeap(nodeWords), goLimit(env), dotnetLimit(env, limit)];
  const base = { what: containerNoun(c.type), container: c.name, limit: formatBytes(limit) };
  const reports: RuleReport<MessageIds>[] = [];
  for (const outcome of outcomes) {
    if (outcome === null) continue;
    if ('invalid' in outcome) {
      const { setting, where, path, problem, severity } = outcome.invalid;
      reports.push({
        messageId: 'invalidSetting',
        data: { ...base, setting, where, problem },
        path,
        container: c.name,
        ...(severity !== undefined ? { severity } : {}),
      });
      continue;
    }
    const h = outcome.heap;
    const data = { ...base, setting: h.setting, where: h.where, heap: sizeText(h.bytes), heapKind: HEAP_KIND[h.runtime] };
    if (h.bytes >= limit) {
      reports.push({
        messageId: 'heapAtOrAboveLimit',
        data: { ...data, consequence: CONSEQUENCE[h.runtime] },
        path: h.path,
        container: c.name,
      });
    } else if (headroomTooSmall(h.bytes, limit, minHeadroomPercent)) {
      reports.push({
        messageId: 'littleHeadroom',
        data: {
          ...data,
          percent: formatRatio(h.bytes * 100n, limit),
          headroom: sizeText(limit - h.bytes),
          nonHeap: NON_HEAP[h.runtime],
          minHeadroomPercent: String(minHeadroomPercent),
        },
        path: h.path,
        container: c.name,
      });
    }
  }
  return reports;
}

export default defineRule<Options, MessageIds>({
  meta: {
    id: 'runtime-heap-exceeds-limit',
    severity: 'warning',
    description:
      'Reports JVM, Node.js, Go and .NET heap settings (-Xmx, MaxRAMPercentage, --max-old-space-size, GOMEMLIMIT, GCHeapHardLimit) at or near the container\'s memory limit.',
    remediation:
      'Size the heap below the memory limit with room for the runtime\'s non-heap memory (for the JVM, -XX:MaxRAMPercentage=75 or an -Xmx about 25% below the limit), or raise the memory limit.',
    fixable: false,
    options: {
      type: 'object',
      properties: {
        minHeadroomPercent: {
          type: 'number',
          minimum: 0,
          exclusiveMaximum: 100,
          description:
            'Smallest share of the memory limit, in percent, that must stay outside the heap; 0 reports only heaps at or above the limit.',
        },
      },
      additionalProperties: false,
    },
    defaultOptions: { minHeadroomPercent: 10 },
    messages: {
      heapAtOrAboveLimit:
        '{{what}} "{{container}}" sets {{setting}}{{where}} ({{heap}} {{heapKind}}) at or above its {{limit}} memory limit: {{consequence}}',
      littleHeadroom:
        '{{what}} "{{container}}" sets {{setting}}{{where}} ({{heap}} {{heapKind}}), {{percent}}% of its {{limit}} memory limit: only {{headroom}} is left for {{nonHeap}}, less than the {{minHeadroomPercent}}% minimum — expect OOM kills (exit 137) under load',
      invalidSetting: '{{what}} "{{container}}" sets {{setting}}{{where}}: {{problem}}',
    },
    docs: `\
## Why it matters

A managed runtime sizes its heap from its own settings, not from the container's memory limit.
When the heap may grow to the limit (or past it), the process reaches the cgroup's \`memory.max\`
before the runtime notices that it is out of heap: instead of a clean \`OutOfMemoryError\` with a
heap dump, or a garbage collection that would have freed memory, the kernel's OOM killer sends
SIGKILL. The pod shows \`OOMKilled\`, exit code 137, nothing in the application log, and a restart
loop if the load comes back.

The heap is never the whole process. A JVM also needs metaspace (often 100–300Mi for a Spring Boot
application), a stack per thread (1Mi each by default; 200 Tomcat threads are 200Mi of address
space), the JIT code cache (up to 240Mi), GC data structures (G1's remembered sets are several
percent of the heap) and direct buffers (Netty). V8 keeps its young generation, code and Buffers
outside \`--max-old-space-size\`; .NET keeps native memory and JIT code outside the GC heap. A heap
*at* the limit is therefore always wrong, and one that leaves only a few percent is an OOM kill
waiting for the next traffic peak.

The rule reports:

- \`heapAtOrAboveLimit\`: the heap (or Go's memory limit) is at or above the container's memory
  limit;
- \`littleHeadroom\`: it leaves less than \`minHeadroomPercent\` (default 10%) of the limit for
  everything else;
- \`invalidSetting\`: a value the runtime rejects (\`-Xmx2GB\`, \`-XX:MaxRAMPercentage=150\`,
  \`GOMEMLIMIT=1Gi\`: the process does not start) or ignores (\`DOTNET_GCHeapHardLimitPercent=90\`,
  which is hexadecimal, 0x90 = 144%; reported as info).

## Kubernetes behaviour

- The limit compared against is the container's memory limit after API-server defaulting
  (\`pkg/apis/core/v1/defaults.go\`), which the kubelet writes to the container's cgroup
  (\`memory.max\` on cgroup v2, \`memory.limit_in_bytes\` on v1) through
  \`pkg/kubelet/kuberuntime/kuberuntime_container_linux.go\` (\`generateLinuxContainerResources\`).
  A container without a memory limit is skipped: there is nothing to compare with.
- Exceeding \`memory.max\` triggers a memory-cgroup OOM kill of a process in that container; the
  kubelet reports the container as \`OOMKilled\` with exit code 137 and restarts it according to
  the pod's \`restartPolicy\`. On cgroup v2 the kubelet sets \`memory.oom.group\` (1.28+), so the whole
  container dies, not just the largest process.
- Settings are read from the container's \`env\` (literal \`value\`s only: \`valueFrom\` is unknown and
  skipped; \`envFrom\` cannot override \`env\`), \`command\` and \`args\`. Kubernetes expands \`$(VAR)\`
  references in env values, \`command\` and \`args\` (\`third_party/forked/golang/expansion\`,
  \`pkg/kubelet/kubelet_pods.go\` \`makeEnvironmentVariables\`); the rule does the same, and also follows a
  shell word that is exactly \`$VAR\` or \`\${VAR}\`. Every \`command\`/\`args\` item is split on
  whitespace, so \`sh -c "exec java -Xmx2g -jar app.jar"\` is read like the command line it runs.
  After \`java\` (or \`node\`), only the options before the main class, the \`-jar\` file or the script
  count: \`java -jar app.jar -Xmx4g\` passes \`-Xmx4g\` to the application.
- The finding's path is the env var value (\`…/env/3/value\`) or the \`command\`/\`args\` item where the
  deciding setting is written.

### JVM

- \`-Xmx<size>\` and \`-XX:MaxHeapSize=<size>\` set the same flag; sizes are parsed as HotSpot does
  (\`Arguments::atojulong\`): digits or \`0x\` hex, then an optional \`k\`, \`m\`, \`g\` or \`t\` (binary: KiB,
  MiB, GiB, TiB); no suffix means bytes. \`-Xmx2g\`, \`-Xmx2048m\`, \`-Xmx2G\` and \`-Xmx2147483648\` are all
  2Gi; \`-Xmx2GB\` and \`-Xmx1.5g\` stop the JVM at startup.
- Order: \`JAVA_TOOL_OPTIONS\` is read first, then the launcher's \`JDK_JAVA_OPTIONS\` (JDK 9+), then the
  command line, then \`_JAVA_OPTIONS\`, which overrides everything; the last occurrence of a flag wins.
  \`JAVA_OPTS\` is not read by the JVM but by start scripts (Tomcat's \`catalina.sh\`, most image
  entrypoints): where \`command\`/\`args\` expand it, it counts there; otherwise it is assumed to be
  passed before the command line's own options.
- Without \`-Xmx\`, the heap comes from the ergonomics (\`Arguments::set_heap_size\` in
  \`src/hotspot/share/runtime/arguments.cpp\`), computed here as HotSpot does, in double precision:
  with physical memory P (the cgroup limit, or \`-XX:MaxRAM\` when given), the heap is
  \`P × MinRAMPercentage / 100\` (default 50) when that is below the default MaxHeapSize (≈124.8Mi,
  \`ScaleForWordSize(96M)\`), otherwise \`max(P × MaxRAMPercentage / 100, 124.8Mi)\`. So
  \`-XX:MaxRAMPercentage=100\` on a 2Gi container is a 2Gi heap, but on a 200Mi container the JVM uses
  100Mi (MinRAMPercentage) and nothing is reported. Percentages outside 0–100 stop the JVM.
  Naming a percentage also lifts the compressed-oops clamp (~32Gi), so no clamp is applied.
- Not modelled: \`-Xms\` (an initial heap above the ergonomic maximum raises it), the deprecated
  \`MaxRAMFraction\`, \`@argfiles\`, and the GC's alignment of the final size.

### Node.js

\`--max-old-space-size=<MiB>\` (dashes or underscores) in \`NODE_OPTIONS\` or on the command line; the
command line is parsed after \`NODE_OPTIONS\` and wins. The value is in MiB (V8 multiplies by
1024 × 1024). Only the old generation is limited; the young generation and everything off-heap come
on top.

### Go

\`GOMEMLIMIT\` (Go 1.19+, \`runtime.readGOMEMLIMIT\`) is a soft limit for all memory the Go runtime
manages. Its syntax is \`runtime.parseByteCount\`: an integer with an optional \`B\`, \`KiB\`, \`MiB\`,
\`GiB\` or \`TiB\` suffix; \`off\` disables it. Kubernetes-style \`1Gi\`, \`512M\` or \`1G\` are malformed and
the program dies at startup with \`malformed GOMEMLIMIT\`. At or above the container limit the
collector never gets the chance to act; the Go guide to the GC suggests leaving 5–10% headroom.

### .NET

\`DOTNET_GCHeapHardLimit\` (bytes) and \`DOTNET_GCHeapHardLimitPercent\` (of the container limit), or
their legacy \`COMPlus_\` spellings (\`DOTNET_\` wins). Values read from the environment are
**hexadecimal**, with or without \`0x\` (learn.microsoft.com, "Runtime configuration options for
garbage collection": "for environment variables, specify values as hexadecimal"): \`0xC800000\` and
\`C800000\` are 200Mi, and \`DOTNET_GCHeapHardLimitPercent=50\` means 0x50 = 80%. The GC
(\`src/coreclr/gc/gc.cpp\`) uses the byte limit when set, else the percentage only when
\`0 < percent < 100\`; otherwise, in a container with a limit, it defaults to 75% of it. Per-object-heap
limits (\`GCHeapHardLimitSOH\` and friends) replace both; containers that set them are not checked.

## Examples

### Incorrect

\`\`\`yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: orders
spec:
  selector:
    matchLabels: {app: orders}
  template:
    metadata:
      labels: {app: orders}
    spec:
      containers:
        - name: app
          image: example/orders:3.2.0
          env:
            - name: JAVA_TOOL_OPTIONS
              value: -Xmx2g -XX:+UseG1GC
          resources:
            requests: {cpu: 500m, memory: 2Gi}
            limits: {memory: 2Gi}
\`\`\`

\`container "app" sets -Xmx2g in JAVA_TOOL_OPTIONS (2Gi heap) at or above its 2Gi memory limit: the
JVM will be OOM-killed (exit 137) before it throws OutOfMemoryError\`.

### Correct

\`\`\`yaml
          env:
            - name: JAVA_TOOL_OPTIONS
              value: -XX:MaxRAMPercentage=75 -XX:+UseG1GC
          resources:
            requests: {cpu: 500m, memory: 2Gi}
            limits: {memory: 2Gi}
\`\`\`

A 1536Mi heap, leaving 512Mi for everything else.

## Options

### minHeadroomPercent

A number from 0 to below 100, default \`10\`: the share of the memory limit that must stay outside
the heap. A heap above \`limit × (100 − minHeadroomPercent) / 100\` is reported as \`littleHeadroom\`;
exactly that much is allowed. The comparison is exact (the percentage is read as the decimal you
wrote).

The default of 10 is deliberately lenient: it reports what is almost certainly too tight (a JVM
whose non-heap memory fits in less than a tenth of the limit, a Go limit above the 90% that the Go
documentation and tools such as automemlimit use) and stays quiet on the common 75–90% settings.
Teams that follow the usual JVM guidance (MaxRAMPercentage 75) can set \`25\`; small containers need
proportionally more headroom, because non-heap memory is largely a fixed amount. \`0\` reports only
heaps at or above the limit.

## When not to use it

When the image's entrypoint rewrites these settings at startup (some buildpacks compute -Xmx from the
limit themselves, ignoring what the manifest says), or for runtimes configured through files the
linter cannot see. Prefer suppressing single workloads with the \`oomguard.io/ignore\` annotation.
`,
  },
  check(w, { options }) {
    const minHeadroomPercent = options.minHeadroomPercent ?? 10;
    return w.analysis.containers.flatMap((c) => checkContainer(w, c, minHeadroomPercent));
  },
});
