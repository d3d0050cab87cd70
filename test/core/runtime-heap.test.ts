// src/core/runtime-heap.ts: which heap a container's JVM, Node.js, Go and .NET runtimes will use,
// read from env, command and args as the runtimes read them. Tables of inputs and the exact
// configurations found, including what is deliberately not read; the rule that words these
// (rules/runtime-heap-exceeds-limit.ts) has its own tests.
import t from 'tap';
import {
  JVM_DEFAULT_MAX_HEAP,
  mayConfigureHeap,
  parseClrHex,
  parseGoByteCount,
  parseJvmSize,
  readHeapConfigurations,
} from '../../src/core/runtime-heap.js';
import type { HeapConfiguration, Runtime } from '../../src/core/runtime-heap.js';

const MI = 1n << 20n;
const GI = 1n << 30n;
/** The container's JSON Pointer in every case: paths below are relative to it. */
const C = '/c';

type Container = Record<string, unknown>;

function env(...pairs: Array<[string, unknown]>): Array<Record<string, unknown>> {
  return pairs.map(([name, value]) => ({ name, value }));
}

function heap(runtime: Runtime, setting: string, path: string, bytes: bigint, inEnv?: string): HeapConfiguration {
  return { kind: 'heap', runtime, setting, ...(inEnv !== undefined ? { inEnv } : {}), path: `${C}${path}`, bytes };
}

function invalid(runtime: Runtime, setting: string, path: string, problem: string, opts: { inEnv?: string; ignoredByRuntime?: boolean } = {}): HeapConfiguration {
  return {
    kind: 'invalid',
    runtime,
    setting,
    ...(opts.inEnv !== undefined ? { inEnv: opts.inEnv } : {}),
    path: `${C}${path}`,
    problem,
    ignoredByRuntime: opts.ignoredByRuntime ?? false,
  };
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const child of Object.values(v)) deepFreeze(child);
    Object.freeze(v);
  }
  return v;
}

t.test('parseJvmSize follows HotSpot (Arguments::atojulong): k/m/g/t are binary, no suffix is bytes', async (t) => {
  const table: Array<[string, bigint | null]> = [
    ['2g', 2n * GI],
    ['2G', 2n * GI],
    ['2048m', 2n * GI],
    ['2048M', 2n * GI],
    ['2097152k', 2n * GI],
    ['2147483648', 2n * GI],
    ['0x80000000', 2n * GI],
    ['0X80000000', 2n * GI],
    ['0x1g', GI],
    ['1t', 1n << 40n],
    ['0', 0n],
    ['16777215t', 16777215n << 40n],
    ['16777216t', null], // 2^64 bytes: does not fit a julong
    ['2GB', null],
    ['2gb', null],
    ['1.5g', null],
    ['2 g', null],
    ['-1g', null],
    ['+1g', null],
    ['g', null],
    ['0x', null],
    ['', null],
  ];
  for (const [text, bytes] of table) t.equal(parseJvmSize(text), bytes, JSON.stringify(text));
});

t.test('parseGoByteCount follows runtime.parseByteCount: ^[0-9]+(([KMGT]i)?B)?$, at most MaxInt64', async (t) => {
  const table: Array<[string, bigint | null]> = [
    ['512MiB', 512n * MI],
    ['1GiB', GI],
    ['1KiB', 1024n],
    ['1TiB', 1n << 40n],
    ['1073741824', GI],
    ['1073741824B', GI],
    ['0', 0n],
    ['9223372036854775807', (1n << 63n) - 1n],
    ['9223372036854775808', null],
    ['8589934591GiB', 8589934591n * GI],
    ['8589934592GiB', null], // 2^63
    ['1Gi', null], // Kubernetes' suffix: "malformed GOMEMLIMIT"
    ['1G', null],
    ['1GB', null],
    ['1gib', null],
    ['1iB', null],
    ['B', null],
    [' 1GiB', null],
    ['1.5GiB', null],
    ['', null],
  ];
  for (const [text, bytes] of table) t.equal(parseGoByteCount(text), bytes, JSON.stringify(text));
});

t.test('parseClrHex: CLRConfig reads numbers from the environment as hexadecimal, 0x optional', async (t) => {
  const table: Array<[string, bigint | null]> = [
    ['0xC800000', 200n * MI],
    ['C800000', 200n * MI],
    ['c800000', 200n * MI],
    ['0XC800000', 200n * MI],
    ['90', 0x90n],
    [' 64 ', 100n],
    ['0', 0n],
    ['2G', null],
    ['0x', null],
    ['', null],
  ];
  for (const [text, value] of table) t.equal(parseClrHex(text), value, JSON.stringify(text));
});

interface Case {
  name: string;
  container: Container;
  /** The container's memory limit; default 2Gi. */
  limit?: bigint;
  expected: HeapConfiguration[];
}

const JVM_SIZE_PROBLEM = (value: string, error: string) =>
  `"${value}" is not a JVM size (digits with an optional k, m, g or t suffix, no "b"): the JVM refuses to start ("${error}")`;
const GO_PROBLEM =
  'GOMEMLIMIT takes a byte count with an optional B, KiB, MiB, GiB or TiB suffix (not Kubernetes\' Gi or M): a Go program exits at startup with "malformed GOMEMLIMIT"';

const cases: Case[] = [
  // --- The JVM's flags and the order it reads them in.
  {
    name: '-Xmx on a java command line',
    container: { command: ['java', '-Xmx1g', '-jar', 'app.jar'] },
    expected: [heap('jvm', '-Xmx1g', '/command/1', GI)],
  },
  {
    name: '-Xmx and -XX:MaxHeapSize set one flag: the last wins',
    container: { args: ['-XX:MaxHeapSize=512m', '-Xmx1536m'] },
    expected: [heap('jvm', '-Xmx1536m', '/args/1', 1536n * MI)],
  },
  {
    name: 'a hexadecimal size',
    container: { args: ['-Xmx0x40000000'] },
    expected: [heap('jvm', '-Xmx0x40000000', '/args/0', GI)],
  },
  {
    name: 'JDK_JAVA_OPTIONS is read after JAVA_TOOL_OPTIONS',
    container: { env: env(['JAVA_TOOL_OPTIONS', '-Xmx1g'], ['JDK_JAVA_OPTIONS', '-Xmx1200m']) },
    expected: [heap('jvm', '-Xmx1200m', '/env/1/value', 1200n * MI, 'JDK_JAVA_OPTIONS')],
  },
  {
    name: 'JAVA_OPTS (for start scripts) is taken to come after JDK_JAVA_OPTIONS',
    container: { env: env(['JAVA_OPTS', '-Xmx1300m'], ['JDK_JAVA_OPTIONS', '-Xmx1200m']) },
    expected: [heap('jvm', '-Xmx1300m', '/env/0/value', 1300n * MI, 'JAVA_OPTS')],
  },
  {
    name: "Tomcat's CATALINA_OPTS comes after JAVA_OPTS (catalina.sh)",
    container: { env: env(['CATALINA_OPTS', '-Xmx1100m'], ['JAVA_OPTS', '-Xmx1300m']) },
    expected: [heap('jvm', '-Xmx1100m', '/env/0/value', 1100n * MI, 'CATALINA_OPTS')],
  },
  {
    name: 'JAVA_OPTS_APPEND (run-java.sh, Keycloak) comes after JAVA_OPTS',
    container: { env: env(['JAVA_OPTS_APPEND', '-XX:MaxRAMPercentage=80'], ['JAVA_OPTS', '-XX:MaxRAMPercentage=50']) },
    expected: [heap('jvm', '-XX:MaxRAMPercentage=80', '/env/0/value', (2n * GI * 80n) / 100n, 'JAVA_OPTS_APPEND')],
  },
  ...(
    [
      ['ES_JAVA_OPTS', 'Elasticsearch'],
      ['OPENSEARCH_JAVA_OPTS', 'OpenSearch'],
      ['LS_JAVA_OPTS', 'Logstash'],
      ['KAFKA_HEAP_OPTS', 'Kafka'],
      ['SOLR_JAVA_MEM', 'Solr'],
    ] as const
  ).map(([name, product]) => ({
    name: `${product}'s ${name} is read as the start script passes it`,
    container: { env: env(['TZ', 'UTC'], [name, '-Xms1g -Xmx1g']) },
    expected: [heap('jvm', '-Xmx1g', '/env/1/value', GI, name)],
  })),
  {
    name: 'ES_JAVA_OPTS expanded by the command line counts there, before its -Xmx',
    container: { command: ['java', '$(ES_JAVA_OPTS)', '-Xmx1400m', '-jar', 'app.jar'], env: env(['ES_JAVA_OPTS', '-Xmx1g']) },
    expected: [heap('jvm', '-Xmx1400m', '/command/2', 1400n * MI)],
  },
  {
    name: 'the command line comes after JAVA_OPTS',
    container: { command: ['java', '-Xmx1400m', '-jar', 'app.jar'], env: env(['JAVA_OPTS', '-Xmx1300m']) },
    expected: [heap('jvm', '-Xmx1400m', '/command/1', 1400n * MI)],
  },
  {
    name: '_JAVA_OPTIONS comes last, wherever it is in env',
    container: { command: ['java', '-Xmx1400m', '-jar', 'app.jar'], env: env(['_JAVA_OPTIONS', '-Xmx1500m'], ['JAVA_TOOL_OPTIONS', '-Xmx1g']) },
    expected: [heap('jvm', '-Xmx1500m', '/env/0/value', 1500n * MI, '_JAVA_OPTIONS')],
  },
  {
    name: 'JAVA_OPTS expanded by $(JAVA_OPTS) counts where it is expanded, after -Xmx1400m',
    container: { command: ['java', '-Xmx1400m', '$(JAVA_OPTS)', '-jar', 'app.jar'], env: env(['JAVA_OPTS', '-Xmx1g']) },
    expected: [heap('jvm', '-Xmx1g', '/env/0/value', GI, 'JAVA_OPTS')],
  },
  {
    name: 'JAVA_OPTS expanded before -Xmx1400m is overridden by it',
    container: { command: ['java', '$(JAVA_OPTS)', '-Xmx1400m', '-jar', 'app.jar'], env: env(['JAVA_OPTS', '-Xmx1g']) },
    expected: [heap('jvm', '-Xmx1400m', '/command/2', 1400n * MI)],
  },

  // --- Kubernetes' $(VAR) expansion and shell variables.
  {
    name: 'a shell word that is exactly $VAR',
    container: { command: ['sh', '-c', 'java $JAVA_OPTS -jar /app.jar'], env: env(['TZ', 'UTC'], ['JAVA_OPTS', '-Xmx1g']) },
    expected: [heap('jvm', '-Xmx1g', '/env/1/value', GI, 'JAVA_OPTS')],
  },
  {
    name: 'a shell word that is exactly ${VAR:-default}',
    container: { command: ['sh', '-c', 'exec java ${HEAP_OPTS:-} -jar /app.jar'], env: env(['HEAP_OPTS', '-Xmx1g']) },
    expected: [heap('jvm', '-Xmx1g', '/env/0/value', GI, 'HEAP_OPTS')],
  },
  {
    name: '$(VAR) inside a word: the word is where it starts, in the command',
    container: { command: ['java', '-Xmx$(HEAP)', '-jar', 'app.jar'], env: env(['HEAP', '1g']) },
    expected: [heap('jvm', '-Xmx1g', '/command/1', GI)],
  },
  {
    name: '$(VAR) that starts a word: the word is in the env var',
    container: { args: ['$(HEAP_FLAG)'], env: env(['HEAP_FLAG', '-Xmx1g']) },
    expected: [heap('jvm', '-Xmx1g', '/env/0/value', GI, 'HEAP_FLAG')],
  },
  {
    name: '$$ is a literal $: -Xmx$$(HEAP) is not expanded',
    container: { args: ['-Xmx$$(HEAP)'], env: env(['HEAP', '1g']) },
    expected: [],
  },
  {
    name: '$$VAR becomes the shell\'s $VAR',
    container: { command: ['sh', '-c', 'exec java $$HEAP_OPTS -jar app.jar'], env: env(['HEAP_OPTS', '-Xmx1g']) },
    expected: [heap('jvm', '-Xmx1g', '/env/0/value', GI, 'HEAP_OPTS')],
  },
  {
    name: 'an unclosed $( stays as written',
    container: { env: env(['JAVA_TOOL_OPTIONS', '-Xmx1g -Dgreeting=$(']) },
    expected: [heap('jvm', '-Xmx1g', '/env/0/value', GI, 'JAVA_TOOL_OPTIONS')],
  },
  {
    name: 'an undefined $(VAR) stays as written: the size is unknown',
    container: { args: ['-Xmx$(HEAP)'] },
    expected: [],
  },
  {
    name: 'a variable inside a shell word is unknown',
    container: { command: ['sh', '-c', 'java -Xmx${HEAP} -jar app.jar'], env: env(['HEAP', '1g']) },
    expected: [],
  },
  {
    name: 'env values expand variables defined before them',
    container: { env: env(['HEAP', '1g'], ['JAVA_TOOL_OPTIONS', '-Xmx$(HEAP)']) },
    expected: [heap('jvm', '-Xmx1g', '/env/1/value', GI, 'JAVA_TOOL_OPTIONS')],
  },
  {
    name: 'env values do not expand variables defined after them',
    container: { env: env(['JAVA_TOOL_OPTIONS', '-Xmx$(HEAP)'], ['HEAP', '1g']) },
    expected: [],
  },
  {
    name: 'a later env entry with the same name wins',
    container: { env: env(['JAVA_TOOL_OPTIONS', '-Xmx1g'], ['JAVA_TOOL_OPTIONS', '-Xmx1500m']) },
    expected: [heap('jvm', '-Xmx1500m', '/env/1/value', 1500n * MI, 'JAVA_TOOL_OPTIONS')],
  },
  {
    name: 'valueFrom is unknown, and so is a reference to it',
    container: {
      args: ['-Xmx$(HEAP)'],
      env: [
        { name: 'JAVA_TOOL_OPTIONS', valueFrom: { configMapKeyRef: { name: 'jvm', key: 'options' } } },
        { name: 'HEAP', valueFrom: { configMapKeyRef: { name: 'jvm', key: 'heap' } } },
      ],
    },
    expected: [],
  },
  {
    name: 'shell quotes are dropped, inside a word too',
    container: { command: ['sh', '-c', 'java "-Xmx1g" -X"mx"1200m -jar app.jar'] },
    expected: [heap('jvm', '-Xmx1200m', '/command/2', 1200n * MI)],
  },

  // --- Which words the JVM reads as its own options.
  {
    name: 'after -jar <file>, options belong to the application',
    container: { command: ['java', '-jar', 'app.jar', '-Xmx4g'] },
    expected: [],
  },
  {
    name: 'after the main class, options belong to the application',
    container: { command: ['/usr/bin/java', 'com.example.Main', '-Xmx4g'] },
    expected: [],
  },
  {
    name: 'options with a value (-cp, --add-opens) are skipped with it; -m <module> ends the options',
    container: { command: ['java', '-cp', '/lib/*', '--add-opens', 'java.base/java.lang=ALL-UNNAMED', '-Xmx1g', '-m', 'app/app.Main', '-Xmx4g'] },
    expected: [heap('jvm', '-Xmx1g', '/command/5', GI)],
  },
  {
    name: 'a shell separator ends the application\'s arguments: ";" attached to a word',
    container: { command: ['sh', '-c', 'java -jar tool.jar -Xmx4g; java -Xmx1g -jar app.jar'] },
    expected: [heap('jvm', '-Xmx1g', '/command/2', GI)],
  },
  {
    name: 'a shell separator ends the application\'s arguments: "||" as a word',
    container: { command: ['sh', '-c', 'java -jar migrate.jar -Xmx4g || exec java -Xmx1g -jar app.jar'] },
    expected: [heap('jvm', '-Xmx1g', '/command/2', GI)],
  },
  {
    name: 'args without java or node (the image\'s entrypoint runs them): any option counts',
    container: { args: ['-Xmx1g', '--max-old-space-size=1024'] },
    expected: [heap('jvm', '-Xmx1g', '/args/0', GI), heap('node', '--max-old-space-size=1024', '/args/1', GI)],
  },

  // --- JVM ergonomics (Arguments::set_heap_size), against the container limit or MaxRAM.
  {
    name: 'MaxRAMPercentage=75 of 2Gi',
    container: { env: env(['JAVA_TOOL_OPTIONS', '-XX:MaxRAMPercentage=75.0 -XX:+UseG1GC']) },
    expected: [heap('jvm', '-XX:MaxRAMPercentage=75.0', '/env/0/value', 1536n * MI, 'JAVA_TOOL_OPTIONS')],
  },
  {
    name: 'MaxRAMPercentage=95.0 of 4Gi, truncated from a double as HotSpot does',
    container: { args: ['-XX:MaxRAMPercentage=95.0'] },
    limit: 4n * GI,
    expected: [heap('jvm', '-XX:MaxRAMPercentage=95.0', '/args/0', 4080218931n)],
  },
  {
    name: 'MaxRAMPercentage in strtod\'s exponent form',
    container: { args: ['-XX:MaxRAMPercentage=1e2'] },
    expected: [heap('jvm', '-XX:MaxRAMPercentage=1e2', '/args/0', 2n * GI)],
  },
  {
    name: 'MaxRAMPercentage=10 of 1Gi: raised to the default MaxHeapSize (≈124.8Mi)',
    container: { args: ['-XX:MaxRAMPercentage=10'] },
    limit: GI,
    expected: [heap('jvm', '-XX:MaxRAMPercentage=10', '/args/0', JVM_DEFAULT_MAX_HEAP)],
  },
  {
    name: 'MaxRAMPercentage=95 of 200Mi: small memory, MinRAMPercentage (default 50) decides, nothing set',
    container: { args: ['-XX:MaxRAMPercentage=95'] },
    limit: 200n * MI,
    expected: [],
  },
  {
    name: 'MinRAMPercentage=100 of 100Mi: small memory',
    container: { args: ['-XX:MinRAMPercentage=100'] },
    limit: 100n * MI,
    expected: [heap('jvm', '-XX:MinRAMPercentage=100', '/args/0', 100n * MI)],
  },
  {
    name: 'MaxRAM=8g replaces the container limit: 25% of 8Gi',
    container: { args: ['-XX:MaxRAM=8g'] },
    expected: [heap('jvm', '-XX:MaxRAM=8g', '/args/0', 2n * GI)],
  },
  {
    name: 'MaxRAM=200m: small memory, 50% of it',
    container: { args: ['-XX:MaxRAM=200m'] },
    expected: [heap('jvm', '-XX:MaxRAM=200m', '/args/0', 100n * MI)],
  },
  {
    name: '-Xmx decides over the RAM percentages',
    container: { args: ['-Xmx1g', '-XX:MaxRAMPercentage=100'] },
    expected: [heap('jvm', '-Xmx1g', '/args/0', GI)],
  },

  // --- Values that stop the JVM: the first one decides.
  {
    name: '-Xmx2GB',
    container: { args: ['-Xmx2GB', '-Xmx1g'] },
    expected: [invalid('jvm', '-Xmx2GB', '/args/0', JVM_SIZE_PROBLEM('2GB', 'Invalid maximum heap size'))],
  },
  {
    name: '-XX:MaxHeapSize=1.5g in JAVA_TOOL_OPTIONS',
    container: { env: env(['JAVA_TOOL_OPTIONS', '-XX:MaxHeapSize=1.5g']) },
    expected: [invalid('jvm', '-XX:MaxHeapSize=1.5g', '/env/0/value', JVM_SIZE_PROBLEM('1.5g', 'Improperly specified VM option'), { inEnv: 'JAVA_TOOL_OPTIONS' })],
  },
  {
    name: 'MaxRAMPercentage=150',
    container: { args: ['-XX:MaxRAMPercentage=150'] },
    expected: [invalid('jvm', '-XX:MaxRAMPercentage=150', '/args/0', 'MaxRAMPercentage must be a number between 0.0 and 100.0: the JVM refuses to start')],
  },
  {
    name: 'MinRAMPercentage=half',
    container: { args: ['-XX:MinRAMPercentage=half'] },
    expected: [invalid('jvm', '-XX:MinRAMPercentage=half', '/args/0', 'MinRAMPercentage must be a number between 0.0 and 100.0: the JVM refuses to start')],
  },

  // --- JVM settings deliberately not read.
  {
    name: '-Xmx0 sets no size to compare',
    container: { args: ['-Xmx0'] },
    expected: [],
  },
  {
    name: 'not modelled: -Xms, the deprecated MaxRAMFraction, @argfiles',
    container: { command: ['java', '-Xms4g', '-XX:MaxRAMFraction=1', '@/etc/jvm.args', '-jar', 'app.jar'] },
    expected: [],
  },
  {
    name: 'flags are case-sensitive, as the JVM\'s are',
    container: { args: ['-xmx1g', '-XX:maxramPercentage=100'] },
    expected: [],
  },

  // --- Node.js (V8's --max-old-space-size, in MiB).
  {
    name: 'node with underscores in the flag name',
    container: { command: ['node', '--max_old_space_size=1024', 'server.js'] },
    expected: [heap('node', '--max_old_space_size=1024', '/command/1', GI)],
  },
  {
    name: 'NODE_OPTIONS alone',
    container: { env: env(['NODE_ENV', 'production'], ['NODE_OPTIONS', '--enable-source-maps --max-old-space-size=1536']) },
    expected: [heap('node', '--max-old-space-size=1536', '/env/1/value', 1536n * MI, 'NODE_OPTIONS')],
  },
  {
    name: 'the command line overrides NODE_OPTIONS',
    container: { command: ['/usr/local/bin/node', '--max-old-space-size=1024', 'server.js'], env: env(['NODE_OPTIONS', '--max-old-space-size=4096']) },
    expected: [heap('node', '--max-old-space-size=1024', '/command/1', GI)],
  },
  {
    name: 'node options with a value (-r) are skipped with it',
    container: { command: ['node', '-r', 'dotenv/config', '--max-old-space-size=1024', 'server.js'] },
    expected: [heap('node', '--max-old-space-size=1024', '/command/3', GI)],
  },
  {
    name: 'after -e <script> and after the script, options belong to the program',
    container: { command: ['node', '-e', 'require("./server")', '--max-old-space-size=1024'], args: ['--max-old-space-size=2048'] },
    expected: [],
  },
  {
    name: 'nodejs is node: after its script, options belong to the program',
    container: { command: ['nodejs', 'server.js', '--max-old-space-size=4096'] },
    expected: [],
  },
  {
    name: 'arguments after a package manager belong to the script',
    container: { command: ['npm', 'start', '--', '--max-old-space-size=8192'] },
    expected: [],
  },
  {
    name: '--max-old-space-size=0 leaves V8\'s default',
    container: { command: ['node', '--max-old-space-size=0', 'server.js'] },
    expected: [],
  },

  // --- Go (GOMEMLIMIT, read from the environment only).
  {
    name: 'GOMEMLIMIT in MiB',
    container: { env: env(['GOGC', '50'], ['GOMEMLIMIT', '1800MiB']) },
    expected: [heap('go', 'GOMEMLIMIT=1800MiB', '/env/1/value', 1800n * MI)],
  },
  {
    name: 'GOMEMLIMIT from a variable defined before it',
    container: { env: env(['LIMIT', '1GiB'], ['GOMEMLIMIT', '$(LIMIT)']) },
    expected: [heap('go', 'GOMEMLIMIT=1GiB', '/env/1/value', GI)],
  },
  {
    name: 'GOMEMLIMIT in Kubernetes\' units does not start',
    container: { env: env(['GOMEMLIMIT', '900Mi']) },
    expected: [invalid('go', 'GOMEMLIMIT=900Mi', '/env/0/value', GO_PROBLEM)],
  },
  ...(['off', '', '0', '$(LIMIT)'] as const).map((value) => ({
    name: `GOMEMLIMIT=${JSON.stringify(value)} sets no limit to compare`,
    container: { env: env(['GOMEMLIMIT', value]) },
    expected: [],
  })),
  {
    name: 'GOMEMLIMIT on a command line is not read (the runtime reads its environment)',
    container: { command: ['sh', '-c', 'GOMEMLIMIT=4GiB exec /server'] },
    expected: [],
  },

  // --- .NET (GCHeapHardLimit and GCHeapHardLimitPercent, hexadecimal).
  {
    name: 'DOTNET_GCHeapHardLimit with 0x',
    container: { env: env(['DOTNET_GCHeapHardLimit', '0xC800000']) },
    expected: [heap('dotnet', 'DOTNET_GCHeapHardLimit=0xC800000', '/env/0/value', 200n * MI)],
  },
  {
    name: 'COMPlus_GCHeapHardLimit without 0x',
    container: { env: env(['COMPlus_GCHeapHardLimit', 'C800000']) },
    expected: [heap('dotnet', 'COMPlus_GCHeapHardLimit=C800000', '/env/0/value', 200n * MI)],
  },
  {
    name: 'DOTNET_ wins over COMPlus_, wherever they are in env',
    container: { env: env(['DOTNET_GCHeapHardLimit', '0x60000000'], ['COMPlus_GCHeapHardLimit', '0x80000000']) },
    expected: [heap('dotnet', 'DOTNET_GCHeapHardLimit=0x60000000', '/env/0/value', 1536n * MI)],
  },
  {
    name: 'an empty DOTNET_ value leaves COMPlus_ in force',
    container: { env: env(['DOTNET_GCHeapHardLimit', ''], ['COMPlus_GCHeapHardLimit', '0x40000000']) },
    expected: [heap('dotnet', 'COMPlus_GCHeapHardLimit=0x40000000', '/env/1/value', GI)],
  },
  {
    name: 'GCHeapHardLimitPercent=0x50 is 80% of the limit',
    container: { env: env(['DOTNET_GCHeapHardLimitPercent', '0x50']) },
    expected: [heap('dotnet', 'DOTNET_GCHeapHardLimitPercent=0x50', '/env/0/value', 1717986918n)],
  },
  {
    name: 'an unprefixed percentage is hexadecimal too, and the setting says so',
    container: { env: env(['DOTNET_GCHeapHardLimitPercent', '4B']) },
    expected: [heap('dotnet', 'DOTNET_GCHeapHardLimitPercent=4B (hexadecimal: 0x4B = 75%)', '/env/0/value', 1536n * MI)],
  },
  {
    name: 'a decimal-looking 90 is 0x90 = 144%: ignored by the GC',
    container: { env: env(['DOTNET_GCHeapHardLimitPercent', '90']) },
    expected: [
      invalid(
        'dotnet',
        'DOTNET_GCHeapHardLimitPercent=90',
        '/env/0/value',
        'read as hexadecimal, "90" is 0x90, which is 144%, not between 1 and 99 (0x1–0x63): the GC ignores it and keeps its default of 75% of the limit',
        { ignoredByRuntime: true },
      ),
    ],
  },
  {
    name: 'GCHeapHardLimitPercent=0x64 is 100%: ignored by the GC',
    container: { env: env(['COMPlus_GCHeapHardLimitPercent', '0x64']) },
    expected: [
      invalid(
        'dotnet',
        'COMPlus_GCHeapHardLimitPercent=0x64',
        '/env/0/value',
        '0x64 is 100%, not between 1 and 99 (0x1–0x63): the GC ignores it and keeps its default of 75% of the limit',
        { ignoredByRuntime: true },
      ),
    ],
  },
  {
    name: 'the byte limit wins over the percentage',
    container: { env: env(['DOTNET_GCHeapHardLimitPercent', '0x50'], ['DOTNET_GCHeapHardLimit', '0x40000000']) },
    expected: [heap('dotnet', 'DOTNET_GCHeapHardLimit=0x40000000', '/env/1/value', GI)],
  },
  {
    name: 'an unreadable byte limit leaves the percentage in force',
    container: { env: env(['DOTNET_GCHeapHardLimit', '2G'], ['DOTNET_GCHeapHardLimitPercent', '0x32']) },
    expected: [heap('dotnet', 'DOTNET_GCHeapHardLimitPercent=0x32', '/env/1/value', GI)],
  },
  {
    name: 'a zero byte limit leaves the percentage in force',
    container: { env: env(['COMPlus_GCHeapHardLimit', '0'], ['COMPlus_GCHeapHardLimitPercent', '0x32']) },
    expected: [heap('dotnet', 'COMPlus_GCHeapHardLimitPercent=0x32', '/env/1/value', GI)],
  },
  {
    name: 'per-object-heap limits replace both: nothing read',
    container: { env: env(['DOTNET_GCHeapHardLimit', '0x40000000'], ['DOTNET_GCHeapHardLimitSOH', '0x10000000']) },
    expected: [],
  },
  {
    name: 'a zero or unreadable percentage sets nothing',
    container: { env: env(['DOTNET_GCHeapHardLimitPercent', '0'], ['COMPlus_GCHeapHardLimitPercent', 'zz']) },
    expected: [],
  },

  // --- Several runtimes, and malformed containers.
  {
    name: 'one configuration per runtime, in the order JVM, Node.js, Go, .NET',
    container: {
      env: env(
        ['DOTNET_GCHeapHardLimit', '0x40000000'],
        ['GOMEMLIMIT', '1GiB'],
        ['NODE_OPTIONS', '--max-old-space-size=1024'],
        ['JAVA_TOOL_OPTIONS', '-Xmx1g'],
      ),
    },
    expected: [
      heap('jvm', '-Xmx1g', '/env/3/value', GI, 'JAVA_TOOL_OPTIONS'),
      heap('node', '--max-old-space-size=1024', '/env/2/value', GI, 'NODE_OPTIONS'),
      heap('go', 'GOMEMLIMIT=1GiB', '/env/1/value', GI),
      heap('dotnet', 'DOTNET_GCHeapHardLimit=0x40000000', '/env/0/value', GI),
    ],
  },
  {
    name: 'env and command that are not lists are ignored',
    container: { env: { JAVA_TOOL_OPTIONS: '-Xmx1g' }, command: 'java -Xmx1g -jar app.jar' },
    expected: [],
  },
  {
    name: 'env entries without a name, and non-string items, are skipped; numbers are text',
    container: {
      env: [null, 'JAVA_TOOL_OPTIONS=-Xmx2g', { value: '-Xmx2g' }, { name: 'JAVA_TOOL_OPTIONS', value: 42 }],
      args: [{ flag: '-Xmx2g' }, '-Xmx1g', 5556],
    },
    expected: [heap('jvm', '-Xmx1g', '/args/1', GI)],
  },
];

t.test('readHeapConfigurations', async (t) => {
  const names = new Set<string>();
  for (const c of cases) {
    t.notOk(names.has(c.name), `case names are unique: ${c.name}`);
    names.add(c.name);
    deepFreeze(c.container); // a mutation would throw: ES modules are strict
    const found = readHeapConfigurations(c.container, C, c.limit ?? 2n * GI);
    t.strictSame(found, c.expected, c.name);
    t.strictSame(readHeapConfigurations(c.container, C, c.limit ?? 2n * GI), found, `${c.name}: the same answer twice`);
  }
  t.ok(cases.some((c) => c.expected.length === 0) && cases.some((c) => c.expected.length > 0), 'the table has cases with and without configurations');
});

t.test('mayConfigureHeap: false only where no heap can be configured', async (t) => {
  const table: Array<[string, Container, boolean]> = [
    ['an empty container', {}, false],
    ['nginx', { command: ['nginx', '-g', 'daemon off;'], env: env(['TZ', 'UTC']) }, false],
    ['NODE_OPTIONS without a heap flag (read from its value, not its name)', { env: env(['NODE_OPTIONS', '--enable-source-maps']) }, false],
    ['JAVA_TOOL_OPTIONS from valueFrom', { env: [{ name: 'JAVA_TOOL_OPTIONS', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }, false],
    ['lower-case -xmx (the JVM ignores it too)', { args: ['-xmx1g'] }, false],
    ['numbers', { args: [1024], env: env(['PORT', 8080]) }, false],
    ['GOMEMLIMIT by name, whatever its value', { env: [{ name: 'GOMEMLIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } }] }, true],
    ['a DOTNET_ variable', { env: env(['DOTNET_gcServer', '1']) }, true],
    ['a COMPlus_ variable', { env: env(['COMPlus_GCgen0size', '0x1000000']) }, true],
    ['-Xmx on the command line', { command: ['java', '-Xmx1g'] }, true],
    ['old_space with underscores', { args: ['--max_old_space_size=1'] }, true],
    ['a RAM flag the parser does not read (a false "maybe" is allowed)', { args: ['-XX:MaxRAMFraction=2'] }, true],
    ['a $ in args: an expansion could assemble a flag', { args: ['$(OPTS)'] }, true],
    ['a $ in an env value', { env: env(['OPTS', '$(BASE) -server']) }, true],
    ['quotes inside the flag', { args: ['-X"mx"1g'] }, true],
  ];
  for (const [name, container, expected] of table) t.equal(mayConfigureHeap(deepFreeze(container)), expected, name);

  // The pre-filter's promise, on every case of the table above: where it says no, nothing is found.
  for (const c of cases) {
    if (c.expected.length > 0) t.ok(mayConfigureHeap(c.container), `pre-filter lets through: ${c.name}`);
  }
});
