// Keeps docs/oom-score-adj.md from drifting:
// - every ```console block runs its `$ npx oomguard ...` commands with the built CLI and must print
//   exactly the output shown. Files come from examples/, or from a ```diff block in the page that
//   patches an example (applied here, written to a temporary folder);
// - every row of the worked-numbers table equals the kubelet formula as the project's own core
//   computes it (analyzePod), and the truncated middle column equals 1000 × request / capacity;
// - every integer expression in the prose (`1000 − 1000 × 52428800 / 8589934592 = 994`) holds,
//   as do quantity-to-bytes conversions (`50Mi` (52428800 bytes)).
// The checks return lists of problems; the last tests feed them broken copies of the page to show
// that they can fail.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyPatch, parsePatch } from 'diff';
import { oomguard, repoRoot } from '../helpers/run-cli.js';
import { analyzePod } from '../../src/core/analyze-pod.js';
import { Quantity } from '../../src/core/quantity.js';
import { DEFAULT_KUBERNETES_VERSION, resolveFeatureGates } from '../../src/core/versions.js';
import type { PodLike } from '../../src/core/types.js';

const PAGE = path.join(repoRoot, 'docs', 'oom-score-adj.md');
const page = readFileSync(PAGE, 'utf8');

interface Fence {
  lang: string;
  body: string[];
  /** 1-based line of the opening fence. */
  line: number;
}

function fences(md: string): Fence[] {
  const out: Fence[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    out.push({ lang: open[1], body, line: start + 1 });
  }
  return out;
}

/** The page without its fenced blocks (prose, lists and tables). */
function prose(md: string): string {
  return md.replace(/^```[^\n]*\n[\s\S]*?^```[ \t]*$/gm, '');
}

// ---------------------------------------------------------------------------------------------
// Console blocks

interface Session {
  line: number;
  args: string[];
  expected: string;
}

function sessions(md: string, problems: string[]): Session[] {
  const out: Session[] = [];
  for (const f of fences(md).filter((x) => x.lang === 'console')) {
    let current: Session | null = null;
    const output: string[] = [];
    const flush = () => {
      if (current) out.push({ ...current, expected: output.join('\n').trimEnd() });
      output.length = 0;
    };
    f.body.forEach((l, i) => {
      if (l.startsWith('$ ')) {
        flush();
        const m = /^\$ npx oomguard (.+)$/.exec(l);
        if (!m) {
          problems.push(`line ${f.line + 1 + i}: console command not checked by this test: ${l}`);
          current = null;
          return;
        }
        current = { line: f.line + 1 + i, args: m[1].trim().split(/\s+/), expected: '' };
      } else if (current) {
        output.push(l);
      } else {
        problems.push(`line ${f.line + 1 + i}: console output without a $ command`);
      }
    });
    flush();
  }
  return out;
}

/** Files made by ```diff blocks: patched copies of files in the repository, by their new name. */
function patchedFiles(md: string, problems: string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const f of fences(md).filter((x) => x.lang === 'diff')) {
    for (const p of parsePatch(f.body.join('\n') + '\n')) {
      const from = p.oldFileName ?? '';
      const to = p.newFileName ?? '';
      if (!from.startsWith('examples/') || to === '' || to.includes('/')) {
        problems.push(`line ${f.line}: a diff must patch a file in examples/ into a plain file name (got ${from} -> ${to})`);
        continue;
      }
      const patched = applyPatch(readFileSync(path.join(repoRoot, from), 'utf8'), p);
      if (patched === false) {
        problems.push(`line ${f.line}: the diff ${from} -> ${to} no longer applies to ${from}`);
        continue;
      }
      files.set(to, patched);
    }
  }
  return files;
}

const isManifest = (a: string) => /\.(ya?ml|json)$/.test(a);

/** Runs every console session; returns the problems and the sessions that ran. */
function checkConsoleBlocks(md: string): { problems: string[]; ran: Session[] } {
  const problems: string[] = [];
  const all = sessions(md, problems);
  const files = patchedFiles(md, problems);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'oomguard-doc-'));
  const ran: Session[] = [];
  try {
    for (const [name, text] of files) writeFileSync(path.join(tmp, name), text);
    for (const s of all) {
      const manifests = s.args.filter(isManifest);
      let cwd: string;
      if (manifests.length > 0 && manifests.every((a) => a.startsWith('examples/'))) {
        cwd = repoRoot;
      } else if (manifests.length > 0 && manifests.every((a) => files.has(a))) {
        cwd = tmp;
      } else {
        problems.push(`line ${s.line}: \`oomguard ${s.args.join(' ')}\` must read files in examples/ or files made by a diff block on the page`);
        continue;
      }
      const r = oomguard(s.args, { cwd });
      ran.push(s);
      if (r.code === null || r.code > 1) {
        problems.push(`line ${s.line}: \`oomguard ${s.args.join(' ')}\` exited ${r.code}: ${r.stderr}`);
      }
      if (r.stdout.trimEnd() !== s.expected) {
        problems.push(
          `line ${s.line}: \`oomguard ${s.args.join(' ')}\` now prints:\n${r.stdout.trimEnd()}\n--- the page shows:\n${s.expected}`,
        );
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { problems, ran };
}

// ---------------------------------------------------------------------------------------------
// Worked-numbers table

interface Row {
  request: string | null;
  truncated: bigint;
  adj: number;
}

function worked(md: string, problems: string[]): { capacity: bigint; rows: Row[] } | null {
  const lines = md.split('\n');
  const head = lines.findIndex((l) => /^\|\s*memory request\s*\|/.test(l));
  if (head < 0) {
    problems.push('no worked-numbers table (a header starting "| memory request |")');
    return null;
  }
  const cap = /1000 × request \/ (\d+(?:Ki|Mi|Gi|Ti))/.exec(lines[head]);
  if (!cap) {
    problems.push(`line ${head + 1}: the table header must name the capacity: "1000 × request / 16Gi"`);
    return null;
  }
  const capacity = Quantity.parse(cap[1]).value();
  const rows: Row[] = [];
  for (let i = head + 2; i < lines.length && lines[i].startsWith('|'); i++) {
    const cells = lines[i].split('|').slice(1, -1).map((c) => c.trim());
    const q = /^`([^`]+)`$/.exec(cells[0]);
    const request = q ? q[1] : /^none\b/.test(cells[0]) ? null : undefined;
    if (request === undefined || !/^\d+$/.test(cells[1]) || !/^-?\d+$/.test(cells[2])) {
      problems.push(`line ${i + 1}: unreadable table row: ${lines[i]}`);
      continue;
    }
    rows.push({ request, truncated: BigInt(cells[1]), adj: Number(cells[2]) });
  }
  return { capacity, rows };
}

/** A single-container Burstable pod: the given memory request, or only a cpu request. */
function burstablePod(request: string | null): PodLike {
  const requests = request === null ? { cpu: '100m' } : { memory: request };
  return { spec: { containers: [{ name: 'app', image: 'x', resources: { requests } }] } };
}

function checkTable(md: string): { problems: string[]; rows: number } {
  const problems: string[] = [];
  const table = worked(md, problems);
  if (table === null) return { problems, rows: 0 };
  const version = DEFAULT_KUBERNETES_VERSION;
  for (const row of table.rows) {
    const label = row.request ?? 'no memory request';
    const result = analyzePod(burstablePod(row.request), {
      version,
      gates: resolveFeatureGates(version, {}),
      memoryCapacity: table.capacity,
    }).result;
    if (result.qosClass !== 'Burstable') problems.push(`${label}: the pod is ${result.qosClass}, not Burstable`);
    const adj = result.containers[0].oomScoreAdj;
    if (adj !== row.adj) problems.push(`${label}: the page says oom_score_adj ${row.adj}, the core computes ${adj}`);
    const bytes = row.request === null ? 0n : Quantity.parse(row.request).value();
    const truncated = (1000n * bytes) / table.capacity;
    if (truncated !== row.truncated) {
      problems.push(`${label}: the page says 1000 × request / capacity = ${row.truncated}, it is ${truncated}`);
    }
  }
  return { problems, rows: table.rows.length };
}

// ---------------------------------------------------------------------------------------------
// Arithmetic and byte counts in the prose

/** Integer arithmetic as Go does it: × and / first, left to right, division truncating. */
function evaluate(expr: string): bigint {
  const tokens: string[] = [...(expr.match(/\d+|[×/+−]/g) ?? [])];
  const terms: Array<{ sign: bigint; value: bigint }> = [];
  let sign = 1n;
  let value = BigInt(tokens[0]);
  for (let i = 1; i < tokens.length; i += 2) {
    const op = tokens[i];
    const n = BigInt(tokens[i + 1]);
    if (op === '×') value *= n;
    else if (op === '/') value /= n;
    else {
      terms.push({ sign, value });
      sign = op === '+' ? 1n : -1n;
      value = n;
    }
  }
  terms.push({ sign, value });
  return terms.reduce((sum, term) => sum + term.sign * term.value, 0n);
}

function checkArithmetic(md: string): { problems: string[]; checked: number } {
  const problems: string[] = [];
  let checked = 0;
  const text = prose(md);
  for (const m of text.matchAll(/(?<![\d.,])(\d+(?:\s*[×/+−]\s*\d+)+)\s*=\s*\**(-?\d+)(?!\d|\.\d)/g)) {
    checked++;
    const got = evaluate(m[1]);
    if (got !== BigInt(m[2])) problems.push(`"${m[0]}": the left side is ${got}`);
  }
  for (const m of text.matchAll(/`?(\d+(?:Ki|Mi|Gi|Ti))`?[^()]{0,20}\((\d+) bytes/g)) {
    checked++;
    const bytes = Quantity.parse(m[1]).value();
    if (bytes !== BigInt(m[2])) problems.push(`"${m[0]}": ${m[1]} is ${bytes} bytes`);
  }
  // "1000 − 1000 × R / C = N … any capacity from LO to HI bytes gives N": the range is exact.
  const range = /1000 − 1000 × (\d+) \/ \d+ = (\d+)[\s\S]{0,400}?capacity from (\d+) to (\d+) bytes gives (\d+)/.exec(text);
  if (range) {
    checked++;
    const [request, lo, hi, adj] = [range[1], range[3], range[4], range[5]].map(BigInt);
    const at = (cap: bigint) => 1000n - (1000n * request) / cap;
    if (at(lo) !== adj || at(hi) !== adj || at(lo - 1n) === adj || at(hi + 1n) === adj) {
      problems.push(`the capacity range ${lo}..${hi} is not exactly the set giving ${adj}`);
    }
  }
  return { problems, checked };
}

// ---------------------------------------------------------------------------------------------

t.test('console blocks: the commands print exactly what the page shows', async (t) => {
  const { problems, ran } = checkConsoleBlocks(page);
  t.same(problems, [], problems.join('\n\n'));
  const commands = ran.map((s) => s.args.join(' '));
  t.ok(commands.some((c) => /^explain examples\/prometheus\.yaml\b/.test(c)), 'the page shows explain on the Prometheus example');
  t.ok(commands.some((c) => /^lint examples\/prometheus\.yaml\b/.test(c)), 'the page shows lint on the Prometheus example');
  t.ok(commands.some((c) => /^explain (?!examples\/)/.test(c)), 'the page shows explain on a fixed copy');
});

t.test('worked numbers: each row equals the kubelet formula computed by the core', async (t) => {
  const { problems, rows } = checkTable(page);
  t.same(problems, [], problems.join('\n'));
  t.ok(rows >= 5, `the table has ${rows} rows`);
});

t.test('arithmetic and byte counts in the prose hold', async (t) => {
  const { problems, checked } = checkArithmetic(page);
  t.same(problems, [], problems.join('\n'));
  t.ok(checked >= 15, `${checked} expressions checked`);
});

t.test('the checks fail on a page with wrong numbers', async (t) => {
  const swap = (from: string, to: string) => {
    t.ok(page.includes(from), `the page contains ${JSON.stringify(from)}`);
    return page.replace(from, to);
  };
  t.not(checkTable(swap('| 985 |', '| 986 |')).problems.length, 0, 'a wrong oom_score_adj in the table');
  t.not(checkTable(swap('| 15 | 985 |', '| 16 | 985 |')).problems.length, 0, 'a wrong truncated share in the table');
  t.not(checkArithmetic(swap('= 1718', '= 1719')).problems.length, 0, 'wrong arithmetic in the prose');
  t.not(checkArithmetic(swap('(52428800 bytes)', '(52428000 bytes)')).problems.length, 0, 'a wrong byte count');

  // Only the Prometheus explain block, with one score changed.
  const block = fences(page).find((f) => f.lang === 'console' && f.body[0].startsWith('$ npx oomguard explain examples/prometheus.yaml'));
  t.ok(block, 'the Prometheus explain block is on the page');
  if (block) {
    const text = ['```console', ...block.body, '```'].join('\n');
    t.same(checkConsoleBlocks(text).problems, [], 'the block alone passes');
    const wrong = text.replace(/Burstable( +)994/, 'Burstable$1995');
    t.not(wrong, text);
    t.not(checkConsoleBlocks(wrong).problems.length, 0, 'a wrong score in an output block');
  }
});
