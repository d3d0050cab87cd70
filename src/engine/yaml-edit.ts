// Applies JSON Patch operations to YAML or JSON *text*, touching only the bytes the operations
// change: comments, key order, quoting, indentation, line endings and the other documents stay as
// they were. The `yaml` library's concrete syntax tree gives every node's exact source range; the
// edits are splices at those ranges. Pure: text in, text out.
//
// Supported: `add` and `replace` of a mapping member (a new key is appended after the mapping's
// last entry, in the mapping's own style: block lines at its indentation, or flow `k: v` pairs,
// JSON-quoted in JSON files) and `replace` of a sequence item. That covers every fix oomguard
// offers. Anything else (a path through an alias or a merge key, `remove`, inserting into a
// sequence) is an EditError, never a guess: callers re-parse the result and compare it with the
// patched objects before writing anything.
import { parseAllDocuments, isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { Document, Node as YamlNode, Pair, Scalar, YAMLMap } from 'yaml';
import { pointerTokens } from './pointer.js';
import type { PatchOperation } from './types.js';

export class EditError extends Error {
  constructor(
    message: string,
    /** 0-based document index, when the error concerns one document. */
    readonly document: number | null,
    /** The JSON Pointer (into the document) the failing operation targets. */
    readonly path: string | null,
  ) {
    super(message);
    this.name = 'EditError';
  }
}

/** Operations for one document of a stream; paths are JSON Pointers from the document's root. */
export interface DocumentPatch {
  document: number;
  ops: readonly PatchOperation[];
}

interface Splice {
  start: number;
  end: number;
  text: string;
  /** Order among splices at the same position: the operations' order. */
  seq: number;
}

type Style = 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE';

/** Everything an edit needs to know about where it lands. */
interface Ctx {
  text: string;
  eol: string;
  /** The document is JSON (flow mappings with double-quoted keys): new text is JSON too. */
  json: boolean;
}

export function editYaml(text: string, patches: readonly DocumentPatch[]): string {
  if (patches.every((p) => p.ops.length === 0)) return text;
  const docs = parseAllDocuments(text, { merge: true, prettyErrors: false, uniqueKeys: false });
  if (!Array.isArray(docs)) throw new EditError('no YAML document to edit', null, null);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const splices: Splice[] = [];
  let seq = 0;
  for (const patch of patches) {
    if (patch.ops.length === 0) continue;
    const doc = docs[patch.document];
    if (doc === undefined) throw new EditError(`document ${patch.document + 1} not found`, patch.document, null);
    if (doc.errors.length > 0) throw new EditError(`document ${patch.document + 1} does not parse: ${doc.errors[0].message.split('\n')[0]}`, patch.document, null);
    const ctx: Ctx = { text, eol, json: isJsonDocument(doc) };
    for (const op of patch.ops) {
      splices.push({ ...spliceFor(doc, op, ctx, patch.document), seq: seq++ });
    }
  }
  checkDisjoint(splices);
  // Apply from the end so earlier offsets stay valid. At one position a replacement goes first,
  // then the insertions, the last operation's first, so they read in operation order.
  splices.sort((a, b) => b.start - a.start || b.end - a.end || b.seq - a.seq);
  let out = text;
  for (const s of splices) out = out.slice(0, s.start) + s.text + out.slice(s.end);
  return out;
}

function isJsonDocument(doc: Document): boolean {
  const root = doc.contents;
  return isMap(root) && root.flow === true && root.items.length > 0 && isScalar(root.items[0].key) && root.items[0].key.type === 'QUOTE_DOUBLE';
}

/** Two operations rewriting overlapping text cannot both be honoured by splicing. */
function checkDisjoint(splices: readonly Splice[]): void {
  const sorted = [...splices].sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    const cur = sorted[i];
    if (cur.start < prev.end) {
      throw new EditError('two operations rewrite the same text', null, null);
    }
  }
}

function spliceFor(doc: Document, op: PatchOperation, ctx: Ctx, document: number): Omit<Splice, 'seq'> {
  const fail = (message: string): never => {
    throw new EditError(message, document, op.path);
  };
  if (op.op !== 'add' && op.op !== 'replace') fail(`"${op.op}" operations are not supported when editing text`);
  const value = (op as { value: unknown }).value;
  const tokens = pointerTokens(op.path);
  if (tokens.length === 0) fail('cannot replace a whole document');
  const parent = nodeAt(doc.contents as YamlNode | null, tokens.slice(0, -1), fail);
  const last = tokens[tokens.length - 1];

  if (isSeq(parent)) {
    if (op.op !== 'replace') fail('inserting into a sequence is not supported');
    const index = /^(0|[1-9]\d*)$/.test(last) ? Number(last) : -1;
    const item = parent.items[index] as YamlNode | undefined;
    if (item === undefined) fail(`no item ${last}`);
    return replaceNode(item as YamlNode, value, ctx, fail);
  }
  if (!isMap(parent)) return fail('the parent is not a mapping');
  const map = parent as YAMLMap;
  const pair = findPair(map, last);
  if (pair !== undefined) return replaceValue(pair, value, ctx, fail);
  if (hasMergeKey(map)) fail('the mapping uses a merge key (<<); edit it by hand');
  if (op.op === 'replace') fail('the member to replace does not exist');
  return appendPair(map, last, value, ctx, fail);
}

function keyText(pair: Pair): string | null {
  const k = pair.key;
  if (isScalar(k) && (typeof k.value === 'string' || typeof k.value === 'number' || typeof k.value === 'boolean')) return String(k.value);
  return null;
}

function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => keyText(p as Pair) === key) as Pair | undefined;
}

/** `<<: *defaults` (the library keys merges with a symbol). */
function hasMergeKey(map: YAMLMap): boolean {
  return map.items.some((p) => isScalar(p.key) && (typeof p.key.value === 'symbol' || p.key.value === '<<'));
}

function nodeAt(root: YamlNode | null, tokens: readonly string[], fail: (m: string) => never): YamlNode {
  let cur: unknown = root;
  for (const token of tokens) {
    if (isAlias(cur)) fail(`the path goes through the alias *${cur.source}; edit the anchored node by hand`);
    if (isMap(cur)) {
      const pair = findPair(cur as YAMLMap, token);
      if (pair === undefined) fail(hasMergeKey(cur as YAMLMap) ? `"${token}" comes from a merge key (<<); edit it by hand` : `no member "${token}"`);
      cur = pair!.value;
    } else if (isSeq(cur)) {
      const item = /^(0|[1-9]\d*)$/.test(token) ? cur.items[Number(token)] : undefined;
      if (item === undefined) fail(`no item ${token}`);
      cur = item;
    } else {
      fail(`no member "${token}"`);
    }
  }
  if (isAlias(cur)) fail(`the path leads to the alias *${(cur as { source: string }).source}; edit the anchored node by hand`);
  return cur as YamlNode;
}

// ---------------------------------------------------------------------------------------------
// Replacing

function replaceValue(pair: Pair, value: unknown, ctx: Ctx, fail: (m: string) => never): Omit<Splice, 'seq'> {
  const node = pair.value as YamlNode | null;
  if (node === null || (isScalar(node) && node.range![0] === node.range![1])) {
    // `key:` with nothing after it: write the value after the colon.
    const keyEnd = (pair.key as YamlNode).range![1];
    const colon = ctx.text.indexOf(':', keyEnd);
    if (colon === -1) fail('cannot find the key\'s colon');
    const indent = lineIndent(ctx.text, (pair.key as YamlNode).range![0]);
    return { start: colon + 1, end: colon + 1, text: ` ${inlineValue(value, 'PLAIN', ctx, indent)}` };
  }
  return replaceNode(node, value, ctx, fail);
}

function replaceNode(node: YamlNode, value: unknown, ctx: Ctx, fail: (m: string) => never): Omit<Splice, 'seq'> {
  if (isAlias(node)) fail('the value is an alias; edit the anchored node by hand');
  const [start, end] = node.range!;
  const style = isScalar(node) ? scalarStyle(node) : 'PLAIN';
  if (isScalar(node) && (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED')) fail('the value is a block scalar; edit it by hand');
  if (node.anchor !== undefined) fail(`the value carries the anchor &${node.anchor}; edit it by hand`);
  return { start, end, text: inlineValue(value, style, ctx, lineIndent(ctx.text, start)) };
}

function scalarStyle(node: Scalar): Style {
  return node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? node.type : 'PLAIN';
}

// ---------------------------------------------------------------------------------------------
// Appending a member

function appendPair(map: YAMLMap, key: string, value: unknown, ctx: Ctx, fail: (m: string) => never): Omit<Splice, 'seq'> {
  const style = styleHint(map);
  const items = map.items as Pair[];
  if (map.flow === true) {
    const [start, end] = map.range!;
    if (ctx.text[start] !== '{' || ctx.text[end - 1] !== '}') fail('cannot find the flow mapping\'s braces');
    if (items.length === 0) {
      return { start: start + 1, end: start + 1, text: `${renderKey(key, ctx)}: ${inlineValue(value, style, ctx, lineIndent(ctx.text, start))}` };
    }
    const lastItem = items[items.length - 1];
    const after = nodeEnd(lastItem);
    const firstKeyStart = (items[0].key as YamlNode).range![0];
    if (lineOf(ctx.text, firstKeyStart) !== lineOf(ctx.text, start)) {
      // One member per line (pretty-printed JSON): a new line at the members' column.
      const column = columnOf(ctx.text, (lastItem.key as YamlNode).range![0]);
      const pad = ' '.repeat(column);
      return { start: after, end: after, text: `,${ctx.eol}${pad}${renderKey(key, ctx)}: ${multilineFlowValue(value, style, ctx, pad, stepOf(ctx, column, start))}` };
    }
    return { start: after, end: after, text: `, ${renderKey(key, ctx)}: ${inlineValue(value, style, ctx, lineIndent(ctx.text, start))}` };
  }

  if (items.length === 0) fail('cannot append to an empty block mapping');
  const column = columnOf(ctx.text, (items[0].key as YamlNode).range![0]);
  const lastItem = items[items.length - 1];
  const end = nodeEnd(lastItem);
  // After the line holding the last member's end (a comment on that line stays where it is).
  let at: number;
  let lead = '';
  if (end > 0 && ctx.text[end - 1] === '\n') at = end;
  else {
    const nl = ctx.text.indexOf('\n', end);
    if (nl === -1) {
      at = ctx.text.length;
      lead = ctx.eol;
    } else at = nl + 1;
  }
  const pad = ' '.repeat(column);
  // A mapping whose sibling mappings are written in flow style (`limits: {memory: 1Gi}`) gets the same.
  const flowSiblings = (map.items as Pair[]).some((p) => isMap(p.value) && p.value.flow === true);
  const body = flowSiblings && isPlainObject(value)
    ? `${pad}${renderKey(key, ctx)}: ${inlineValue(value, style, ctx, pad)}`
    : blockMember(key, value, style, ctx, pad, blockStep(map, column, ctx));
  return { start: at, end: at, text: lead === '' ? `${body}${ctx.eol}` : `${lead}${body}` };
}

/** Where a member's text ends: its value's end (before trailing comments), or its key's. */
function nodeEnd(pair: Pair): number {
  const v = pair.value as YamlNode | null;
  if (v !== null && v.range) return v.range[1];
  return (pair.key as YamlNode).range![1];
}

/** The indentation step of the nested block mappings around here (2 when none shows it). */
function blockStep(map: YAMLMap, column: number, ctx: Ctx): number {
  for (const p of map.items as Pair[]) {
    const v = p.value;
    if (isMap(v) && v.flow !== true && v.items.length > 0) {
      const step = columnOf(ctx.text, ((v.items[0] as Pair).key as YamlNode).range![0]) - column;
      if (step > 0) return step;
    }
  }
  return 2;
}

function stepOf(ctx: Ctx, column: number, braceAt: number): number {
  const step = column - lineIndent(ctx.text, braceAt).length;
  return step > 0 ? step : 2;
}

/** The quoting of the string scalars already in this mapping, so a new one matches its siblings. */
function styleHint(map: YAMLMap): Style {
  for (const p of map.items as Pair[]) {
    if (isScalar(p.value) && typeof p.value.value === 'string') return scalarStyle(p.value);
  }
  return 'PLAIN';
}

// ---------------------------------------------------------------------------------------------
// Rendering

function blockMember(key: string, value: unknown, style: Style, ctx: Ctx, pad: string, step: number): string {
  const head = `${pad}${renderKey(key, ctx)}:`;
  if (isPlainObject(value) && Object.keys(value).length > 0) {
    const inner = pad + ' '.repeat(step);
    return [head, ...Object.entries(value).map(([k, v]) => blockMember(k, v, style, ctx, inner, step))].join(ctx.eol);
  }
  return `${head} ${inlineValue(value, style, ctx, pad)}`;
}

function multilineFlowValue(value: unknown, style: Style, ctx: Ctx, pad: string, step: number): string {
  if (!isPlainObject(value) || Object.keys(value).length === 0) return inlineValue(value, style, ctx, pad);
  const inner = pad + ' '.repeat(step);
  const members = Object.entries(value).map(([k, v]) => `${inner}${renderKey(k, ctx)}: ${multilineFlowValue(v, style, ctx, inner, step)}`);
  return `{${ctx.eol}${members.join(`,${ctx.eol}`)}${ctx.eol}${pad}}`;
}

function inlineValue(value: unknown, style: Style, ctx: Ctx, pad: string): string {
  if (Array.isArray(value)) return `[${value.map((v) => inlineValue(v, style, ctx, pad)).join(', ')}]`;
  if (isPlainObject(value)) {
    return `{${Object.entries(value).map(([k, v]) => `${renderKey(k, ctx)}: ${inlineValue(v, style, ctx, pad)}`).join(', ')}}`;
  }
  return renderScalar(value, ctx.json ? 'QUOTE_DOUBLE' : style);
}

function renderKey(key: string, ctx: Ctx): string {
  if (!ctx.json && /^[A-Za-z_][A-Za-z0-9_.\/-]*$/.test(key) && !YAML_KEYWORDS.has(key.toLowerCase())) return key;
  return JSON.stringify(key);
}

// Words YAML 1.1 (go-yaml, kubectl) or 1.2 read as something other than a string.
const YAML_KEYWORDS = new Set(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null', '~']);

/**
 * A scalar in the given quoting. Plain only where no YAML version reads it as anything but this
 * string: quantities with a suffix ("1Gi", "500m") and identifier-like words; numbers as strings
 * ("2", "1e3") must be quoted or they become numbers.
 */
export function renderScalar(value: unknown, style: Style): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const s = String(value);
  if (style === 'QUOTE_SINGLE') return `'${s.replace(/'/g, "''")}'`;
  if (style === 'PLAIN' && isSafePlain(s)) return s;
  return JSON.stringify(s);
}

function isSafePlain(s: string): boolean {
  if (/^[0-9][0-9.]*[A-Za-z]+$/.test(s)) return true;
  return /^[A-Za-z_][A-Za-z0-9_.\/-]*$/.test(s) && !YAML_KEYWORDS.has(s.toLowerCase()) && !/^\.(inf|nan)$/i.test(s);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------------------------------------
// Positions

function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

function columnOf(text: string, pos: number): number {
  return pos - lineStart(text, pos);
}

function lineOf(text: string, pos: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** The leading whitespace of the line holding `pos`. */
function lineIndent(text: string, pos: number): string {
  const start = lineStart(text, pos);
  let i = start;
  while (text[i] === ' ') i++;
  return text.slice(start, i);
}
