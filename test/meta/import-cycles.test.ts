// No module of src/ or rules/ imports one that imports it back, through any number of files.
// A cycle makes load order decide what a module sees (a binding read before its module has run
// is undefined or throws), ties layers together that are meant to be apart, and defeats the lazy
// `import()` of the CLI. Every kind of edge counts: static imports, `import type` and
// `export … from` (a type-only cycle still couples the two files), and `import('./x.js')`, in
// code or in a type. The specifiers come from the TypeScript parser, so text in comments and
// strings is never mistaken for an import.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCANNED_DIRS = ['src', 'rules'];

type ImportKind = 'import' | 'import type' | 'export from' | 'dynamic import' | 'type import()';

interface ImportRef {
  specifier: string;
  kind: ImportKind;
  /** 1-based line of the import in its file. */
  line: number;
}

/** A module specifier that is not a string literal (`import(name)`): its target is unknown. */
interface ComputedImport {
  file: string;
  line: number;
  text: string;
}

/** Every module specifier of one file, found by walking its syntax tree. */
function findImports(fileName: string, text: string): { imports: ImportRef[]; computed: Array<Omit<ComputedImport, 'file'>> } {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const imports: ImportRef[] = [];
  const computed: Array<Omit<ComputedImport, 'file'>> = [];
  const lineOf = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const add = (node: ts.Node, specifier: ts.Expression | undefined, kind: ImportKind) => {
    if (specifier !== undefined && ts.isStringLiteralLike(specifier)) imports.push({ specifier: specifier.text, kind, line: lineOf(node) });
    else if (specifier !== undefined) computed.push({ line: lineOf(node), text: specifier.getText(sf) });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.importClause?.isTypeOnly === true ? 'import type' : 'import');
    } else if (ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier, 'export from');
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], 'dynamic import');
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node, node.argument.literal as ts.Expression, 'type import()');
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { imports, computed };
}

interface ImportGraph {
  /** Repository-relative paths of every file scanned. */
  files: string[];
  /** file -> imported file -> the imports that make the edge. */
  edges: Map<string, Map<string, ImportRef[]>>;
  /** Relative specifiers that name no scanned file. */
  unresolved: Array<{ file: string } & ImportRef>;
  computed: ComputedImport[];
}

/**
 * The import graph over `sources` (repository-relative path -> text). Relative specifiers are
 * resolved as NodeNext does for TypeScript sources: "./x.js" names x.ts (.mjs/.cjs likewise);
 * packages and node: builtins are outside the graph.
 */
function buildImportGraph(sources: ReadonlyMap<string, string>): ImportGraph {
  const graph: ImportGraph = { files: [...sources.keys()].sort(), edges: new Map(), unresolved: [], computed: [] };
  for (const file of graph.files) {
    const { imports, computed } = findImports(file, sources.get(file)!);
    graph.computed.push(...computed.map((c) => ({ file, ...c })));
    const targets = new Map<string, ImportRef[]>();
    for (const ref of imports) {
      if (!ref.specifier.startsWith('./') && !ref.specifier.startsWith('../')) continue;
      const joined = path.posix.join(path.posix.dirname(file), ref.specifier);
      const target = joined.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts').replace(/\.cjs$/, '.cts');
      if (!sources.has(target)) {
        graph.unresolved.push({ file, ...ref });
        continue;
      }
      targets.set(target, [...(targets.get(target) ?? []), ref]);
    }
    graph.edges.set(file, targets);
  }
  return graph;
}

/** Tarjan's strongly connected components; the ones that hold a cycle (2+ files, or a file importing itself). */
function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of [...(graph.edges.get(v)?.keys() ?? [])].sort()) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.edges.get(v)?.has(v) === true) cycles.push(component.sort());
  };
  for (const file of graph.files) if (!index.has(file)) connect(file);
  return cycles.sort((a, b) => a[0].localeCompare(b[0]));
}

/**
 * One shortest cycle through the first file of a component, an import per line:
 *   src/a.ts:3 import './b.js'
 *   src/b.ts:1 export from './a.js'
 * and, when the component is larger than that cycle, the other files in it.
 */
function describeCycle(graph: ImportGraph, component: string[]): string {
  const members = new Set(component);
  const start = component[0];
  // Breadth-first from start back to start, inside the component (strongly connected: it exists).
  const previous = new Map<string, string>();
  const queue = [start];
  let last: string | undefined;
  while (queue.length > 0 && last === undefined) {
    const v = queue.shift()!;
    for (const w of [...(graph.edges.get(v)?.keys() ?? [])].sort()) {
      if (!members.has(w)) continue;
      if (w === start) {
        last = v;
        break;
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  const cycle = [last!];
  while (cycle[0] !== start) cycle.unshift(previous.get(cycle[0])!);
  const lines = cycle.map((file, i) => {
    const next = cycle[(i + 1) % cycle.length];
    const ref = graph.edges.get(file)!.get(next)![0];
    return `  ${file}:${ref.line} ${ref.kind} '${ref.specifier}'`;
  });
  const others = component.filter((f) => !cycle.includes(f));
  if (others.length > 0) lines.push(`  (the same cycle also runs through ${others.join(', ')})`);
  return lines.join('\n');
}

function readTree(dirs: string[]): Map<string, string> {
  const sources = new Map<string, string>();
  for (const dir of dirs) {
    for (const entry of readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.(?:ts|mts|cts)$/.test(entry.name) || entry.name.endsWith('.d.ts')) continue;
      const rel = path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
      sources.set(rel, readFileSync(path.join(root, rel), 'utf8'));
    }
  }
  return sources;
}

t.test('the detector, on small in-memory graphs', async (t) => {
  t.test('a cycle through a static import, an export-from and a dynamic import', async (t) => {
    const graph = buildImportGraph(
      new Map([
        ['src/a.ts', "import { b } from './b.js';\nexport const a = b;\n"],
        ['src/b.ts', "export * from '../lib/c.js';\nexport const b = 1;\n"],
        ['lib/c.ts', "export async function load() {\n  return import('../src/a.js');\n}\n"],
        ['lib/d.ts', "import '../src/a.js';\n"],
      ]),
    );
    const cycles = importCycles(graph);
    t.same(cycles, [['lib/c.ts', 'src/a.ts', 'src/b.ts']], 'one cycle of three files; lib/d.ts only imports into it');
    t.equal(
      describeCycle(graph, cycles[0]),
      ["  lib/c.ts:2 dynamic import '../src/a.js'", "  src/a.ts:1 import './b.js'", "  src/b.ts:1 export from '../lib/c.js'"].join('\n'),
      'the cycle is printed an import per line, with file, line, kind and specifier',
    );
  });

  t.test('type-only imports make cycles too', async (t) => {
    const graph = buildImportGraph(
      new Map([
        ['context.ts', "import type { Server } from './server.js';\nexport interface Context { server: Server }\n"],
        ['server.ts', "export type Server = { context: import('./context.js').Context };\n"],
      ]),
    );
    const cycles = importCycles(graph);
    t.same(cycles, [['context.ts', 'server.ts']]);
    t.equal(describeCycle(graph, cycles[0]), "  context.ts:1 import type './server.js'\n  server.ts:1 type import() './context.js'");
  });

  t.test('a file that imports itself', async (t) => {
    t.same(importCycles(buildImportGraph(new Map([['self.ts', "export * from './self.js';\n"]]))), [['self.ts']]);
  });

  t.test('a larger component names the files off the printed cycle', async (t) => {
    const graph = buildImportGraph(
      new Map([
        ['a.ts', "import './b.js';\nimport './c.js';\n"],
        ['b.ts', "import './a.js';\n"],
        ['c.ts', "import './b.js';\n"],
      ]),
    );
    const cycles = importCycles(graph);
    t.same(cycles, [['a.ts', 'b.ts', 'c.ts']]);
    t.equal(describeCycle(graph, cycles[0]), "  a.ts:1 import './b.js'\n  b.ts:1 import './a.js'\n  (the same cycle also runs through c.ts)");
  });

  t.test('no cycle: a diamond, comments, strings, packages and re-exports without a source', async (t) => {
    const graph = buildImportGraph(
      new Map([
        ['top.ts', "import './left.js';\nimport './right.js';\n"],
        ['left.ts', "import { x } from './bottom.js';\nexport { x };\n"],
        ['right.ts', "import type { X } from './bottom.js';\nexport type { X };\n"],
        [
          'bottom.ts',
          [
            "import ts from 'typescript';",
            "import { readFileSync } from 'node:fs';",
            "// import './top.js';",
            "/* export * from './left.js'; */",
            "const text = \"import('./top.js')\";",
            'export const x = 1;',
            'export type X = typeof ts | typeof readFileSync | typeof text;',
          ].join('\n'),
        ],
      ]),
    );
    t.same(importCycles(graph), []);
    t.same([...graph.edges.get('bottom.ts')!.keys()], [], 'nothing in comments or strings, and no package, is an edge');
    t.same([...graph.edges.get('top.ts')!.keys()], ['left.ts', 'right.ts']);
  });

  t.test('what the graph cannot follow is reported, not skipped', async (t) => {
    const graph = buildImportGraph(
      new Map([['main.ts', "import './missing.js';\nconst name = './main.js';\nexport const load = () => import(name);\n"]]),
    );
    t.same(graph.unresolved.map((u) => [u.file, u.specifier, u.line]), [['main.ts', './missing.js', 1]]);
    t.same(graph.computed, [{ file: 'main.ts', line: 3, text: 'name' }]);
  });
});

t.test('src/ and rules/ have no import cycles', async (t) => {
  const graph = buildImportGraph(readTree(SCANNED_DIRS));
  const edges = [...graph.edges.values()].flatMap((targets) => [...targets.values()].flat());
  // Not vacuous: the whole tree was read, and every kind of edge was seen in it.
  t.ok(graph.files.length >= 60, `${graph.files.length} files scanned`);
  t.ok(edges.length >= 150, `${edges.length} relative imports followed`);
  for (const kind of ['import', 'import type', 'export from', 'dynamic import'] as const) {
    t.ok(edges.some((e) => e.kind === kind), `the tree has ${kind} edges, and they are followed`);
  }
  // Nothing the graph cannot follow, or a cycle could hide behind it.
  t.same(graph.unresolved.map((u) => `${u.file}:${u.line} '${u.specifier}'`), [], 'every relative specifier names a scanned file');
  t.same(graph.computed.map((c) => `${c.file}:${c.line} import(${c.text})`), [], 'every specifier is a string literal');

  const cycles = importCycles(graph);
  for (const component of cycles) t.fail(`import cycle among ${component.length} file(s):\n${describeCycle(graph, component)}`);
  if (cycles.length === 0) t.pass(`no import cycle among ${graph.files.length} files`);
});
