// Text → Kubernetes objects with source positions, and one-line errors for everything else.
//
// How it works:
// - The text is split into YAML documents here (at `---` and `...` lines in column 0, which the
//   YAML spec forbids inside content), so a syntax error in one document loses only that document.
//   Each document is parsed with js-yaml's event parser (`parseEvents`, depth-limited) and built with
//   `constructFromEvents`, after an alias-expansion check on the events (js-yaml does not limit it).
// - Positions are lazy: a SourceObject keeps the document's text and first line. The first
//   `lineOf()` call re-parses that document's events and walks the pointer through them; a small
//   LRU keeps the last few indexes, so the findings of one object cost one re-parse, and parsing
//   thousands of files pays nothing for positions.
import {
  CORE_SCHEMA,
  COLLECTION_STYLE,
  EVENT_ID,
  SCALAR_STYLE,
  YAMLException,
  constructFromEvents,
  getScalarValue,
  mergeTag,
  parseEvents,
} from 'js-yaml';
import type { Event, ScalarEvent, SequenceEvent } from 'js-yaml';
import type { InputError, SourceObject } from './types.js';

/** Collections nested deeper than this are rejected (js-yaml's parser checks it without recursing further). */
export const MAX_DEPTH = 100;
/** A document whose aliases add more nodes than this when expanded is rejected ("billion laughs"). */
export const MAX_ALIAS_EXPANSION = 100_000;

// Merge keys (`<<: *defaults`) are merged as kubectl (go-yaml) does; js-yaml 5's CORE_SCHEMA leaves them out.
const SCHEMA = CORE_SCHEMA.withTags(mergeTag);

export interface ParseResult {
  objects: SourceObject[];
  errors: InputError[];
}

/** A piece of the file holding one YAML document: its text and the 0-based file line it starts on. */
interface Chunk {
  text: string;
  line: number;
}

/** What a SourceObject needs to find positions later. */
interface DocSource {
  text: string;
  /** 0-based file line of the first line of `text`. */
  line: number;
  /** Which document of `text` (always 0 unless the splitter missed a boundary). */
  docInChunk: number;
}

export function parseText(text: string, file: string): ParseResult {
  const out: ParseResult = { objects: [], errors: [] };
  try {
    if (text.indexOf('\0') !== -1) {
      out.errors.push({ file, document: null, line: null, message: 'binary file (contains NUL bytes); expected YAML or JSON text' });
      return out;
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.indexOf('\r') !== -1) text = text.replace(/\r\n?/g, '\n');

    let chunks = splitDocuments(text);
    if (chunks.length === 1 && /^\s*[{[]/.test(chunks[0].text)) {
      // JSON (or flow YAML). If it is not one document, it may be a JSON stream: {...}{...}.
      const parsed = tryParse(chunks[0].text);
      if (!parsed.ok) {
        const stream = splitJsonStream(text);
        if (stream === null) {
          out.errors.push(yamlError(parsed.error, file, 0, chunks[0]));
          return out;
        }
        chunks = stream;
      } else {
        parseChunk(chunks[0], file, 0, out, parsed.events);
        return out;
      }
    }
    let document = 0;
    for (const chunk of chunks) document += parseChunk(chunk, file, document, out);
  } catch (err) {
    out.errors.push({ file, document: null, line: null, message: `internal error while parsing: ${firstLine(err)}` });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Splitting

function isMarker(text: string, pos: number, eol: number, marker: '---' | '...'): boolean {
  if (!text.startsWith(marker, pos)) return false;
  const next = pos + 3;
  if (next === eol) return true;
  const c = text.charCodeAt(next);
  return c === 0x20 || c === 0x09;
}

/**
 * Splits a stream into documents the way js-yaml counts them: `---` always starts a document;
 * `...` ends one; text that is only comments, blank lines or directives is not a document on its own
 * (it joins the next `---` document).
 */
function splitDocuments(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  let start = 0;
  let startLine = 0;
  let explicit = false; // the current piece began with `---`
  let content = false; // the current piece has something besides comments, blanks and directives
  let pos = 0;
  let line = 0;
  const n = text.length;
  while (pos < n) {
    let eol = text.indexOf('\n', pos);
    if (eol === -1) eol = n;
    const c = text.charCodeAt(pos);
    if (c === 0x2d /* - */ && isMarker(text, pos, eol, '---')) {
      if (explicit || content) {
        chunks.push({ text: text.slice(start, pos), line: startLine });
        start = pos;
        startLine = line;
      }
      explicit = true;
      content = false;
    } else if (c === 0x2e /* . */ && isMarker(text, pos, eol, '...')) {
      const next = eol < n ? eol + 1 : n;
      if (explicit || content) chunks.push({ text: text.slice(start, next), line: startLine });
      start = next;
      startLine = line + 1;
      explicit = false;
      content = false;
    } else if (!explicit && !content && c !== 0x25 /* % directive */) {
      for (let i = pos; i < eol; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x20 || d === 0x09) continue;
        if (d !== 0x23 /* # */) content = true;
        break;
      }
    }
    pos = eol + 1;
    line++;
  }
  if ((explicit || content) && start <= n) chunks.push({ text: text.slice(start), line: startLine });
  return chunks;
}

function tryParse(text: string): { ok: true; events: Event[] } | { ok: false; error: unknown } {
  try {
    return { ok: true, events: parseEvents(text, { maxDepth: MAX_DEPTH }) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Top-level JSON objects/arrays one after another; null unless there are at least two. */
function splitJsonStream(text: string): Chunk[] | null {
  const chunks: Chunk[] = [];
  const n = text.length;
  let i = 0;
  let line = 0;
  let lineStart = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) {
      line++;
      lineStart = i + 1;
      i++;
      continue;
    }
    if (c === 0x20 || c === 0x09) {
      i++;
      continue;
    }
    if (c !== 0x7b && c !== 0x5b) return null;
    const startLine = line;
    const column = i - lineStart;
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < n; i++) {
      const d = text.charCodeAt(i);
      if (d === 0x0a) {
        line++;
        lineStart = i + 1;
      }
      if (inString) {
        if (d === 0x5c) i++;
        else if (d === 0x22) inString = false;
      } else if (d === 0x22) inString = true;
      else if (d === 0x7b || d === 0x5b) depth++;
      else if (d === 0x7d || d === 0x5d) {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    // Pad with spaces so columns (and so positions within the line) stay those of the file.
    chunks.push({ text: ' '.repeat(column) + text.slice(start, i), line: startLine });
  }
  return chunks.length >= 2 ? chunks : null;
}

// ---------------------------------------------------------------------------------------------
// One document

/** Parses one chunk; returns how many documents it held (at least 1). */
function parseChunk(chunk: Chunk, file: string, firstDocument: number, out: ParseResult, parsed?: Event[]): number {
  let events: Event[];
  if (parsed !== undefined) events = parsed;
  else {
    const r = tryParse(chunk.text);
    if (!r.ok) {
      out.errors.push(yamlError(r.error, file, firstDocument, chunk));
      return 1;
    }
    events = r.events;
  }
  const starts: number[] = [];
  for (let i = 0; i < events.length; i++) if (events[i].type === EVENT_ID.DOCUMENT) starts.push(i);
  for (let k = 0; k < starts.length; k++) {
    const document = firstDocument + k;
    const from = starts[k];
    const to = k + 1 < starts.length ? starts[k + 1] : events.length;
    const docEvents = starts.length === 1 ? events : events.slice(from, to);
    try {
      parseDocument(docEvents, { text: chunk.text, line: chunk.line, docInChunk: k }, file, document, out);
    } catch (err) {
      out.errors.push(yamlError(err, file, document, chunk));
    }
  }
  return Math.max(1, starts.length);
}

function parseDocument(events: Event[], src: DocSource, file: string, document: number, out: ParseResult): void {
  const root = 1; // events[0] is the DOCUMENT event
  if (events.length < 2 || events[root].type === EVENT_ID.POP) return;

  const aliases = checkAliases(events, src.text);
  if (aliases !== null) {
    out.errors.push({ file, document, line: src.line + lineAt(src.text, aliases.position) + 1, message: aliases.message });
    return;
  }
  let value = constructFromEvents(events, { source: src.text, schema: SCHEMA })[0];
  if (value === null || value === undefined) return; // empty document, comments only, `null`, `~`
  // Aliases make shared (or, for merges, partly shared) subtrees; give every consumer a plain tree.
  if (hasAlias(events)) value = cloneTree(value);

  const line = src.line + lineAt(src.text, nodePosition(events[root])) + 1;
  const problem = objectProblem(value);
  if (problem !== null) {
    out.errors.push({ file, document, line, message: problem });
    return;
  }
  const object = value as Record<string, unknown>;
  const kind = object.kind as string;
  const items = object.items;
  const isList = kind.endsWith('List') && Array.isArray(items);
  if (!isList && kind === 'List' && items !== null && items !== undefined) {
    out.errors.push({ file, document, line, message: `List "items" must be a sequence, found ${describe(items)}` });
    return;
  }
  if (!isList && kind === 'List') return; // `items:` empty or missing: an empty List
  if (!isList) {
    out.objects.push(sourceObject(file, document, '', line, object, src));
    return;
  }
  const lines = itemLines(indexFor(src, events), (items as unknown[]).length);
  (items as unknown[]).forEach((item, i) => {
    const itemPointer = `/items/${i}`;
    const itemLine = src.line + (lines[i] ?? lines[lines.length - 1] ?? 0) + 1;
    const itemProblem = objectProblem(item);
    if (itemProblem !== null) {
      out.errors.push({ file, document, line: itemLine, message: `items[${i}]: ${itemProblem}` });
      return;
    }
    out.objects.push(sourceObject(file, document, itemPointer, itemLine, item as Record<string, unknown>, src));
  });
}

function sourceObject(
  file: string,
  document: number,
  itemPointer: string,
  line: number,
  object: Record<string, unknown>,
  src: DocSource,
): SourceObject {
  return {
    file,
    document,
    itemPointer,
    line,
    object,
    lineOf(pointer: string): number {
      const tokens = pointerTokens(itemPointer + pointer);
      if (tokens === null) return line;
      try {
        const found = locate(indexFor(src), tokens);
        return found < 0 ? line : src.line + found + 1;
      } catch {
        return line;
      }
    },
  };
}

function isMapping(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'a sequence';
  if (typeof v === 'string') return v === '' ? 'an empty string' : 'a string';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  if (isMapping(v)) return 'a mapping';
  return `a ${typeof v}`;
}

/** Why `v` is not a Kubernetes object, or null if it is one. */
function objectProblem(v: unknown): string | null {
  if (!isMapping(v)) return `not a Kubernetes object (expected a mapping with apiVersion and kind, found ${describe(v)})`;
  const missing = (['apiVersion', 'kind'] as const).filter((k) => v[k] === undefined || v[k] === null);
  if (missing.length > 0) {
    return `not a Kubernetes object: missing ${missing.join(' and ')} (every object needs apiVersion and kind)`;
  }
  for (const k of ['apiVersion', 'kind'] as const) {
    if (typeof v[k] !== 'string') return `${k} must be a string, found ${describe(v[k])}`;
    if (v[k] === '') return `${k} is empty`;
  }
  return null;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].trim() || 'unknown error';
}

function yamlError(err: unknown, file: string, document: number, chunk: Chunk): InputError {
  if (err instanceof YAMLException) {
    let message = (err.reason || firstLine(err)).split('\n')[0].trim();
    if (/nesting exceeded maxDepth/.test(message)) message = `nesting deeper than ${MAX_DEPTH} levels`;
    const line = err.mark ? chunk.line + err.mark.line + 1 : null;
    return { file, document, line, message };
  }
  if (err instanceof RangeError) return { file, document, line: null, message: `document too deeply nested or too large (${firstLine(err)})` };
  return { file, document, line: null, message: `cannot parse: ${firstLine(err)}` };
}

// ---------------------------------------------------------------------------------------------
// Guards

function hasAlias(events: Event[]): boolean {
  for (let i = 0; i < events.length; i++) if (events[i].type === EVENT_ID.ALIAS) return true;
  return false;
}

/**
 * Counts the nodes and depth of the document as if every alias were copied in place, without
 * building it. Rejects alias bombs, nesting that is only deep through aliases, and aliases to a node
 * that is still open (which js-yaml would turn into a cycle).
 */
function checkAliases(events: Event[], text: string): { position: number; message: string } | null {
  if (!hasAlias(events)) return null;
  interface Frame {
    size: number;
    height: number;
    anchor: string | null;
  }
  const OPEN = -1;
  const sizes = new Map<string, number>();
  const heights = new Map<string, number>();
  const stack: Frame[] = [{ size: 0, height: 0, anchor: null }];
  let raw = 0;
  let biggest = { size: -1, position: 0 };
  const add = (size: number, height: number) => {
    const top = stack[stack.length - 1];
    top.size += size;
    if (height + 1 > top.height) top.height = height + 1;
  };
  for (const e of events) {
    switch (e.type) {
      case EVENT_ID.SCALAR: {
        raw++;
        if (e.anchorStart >= 0) {
          const name = text.slice(e.anchorStart, e.anchorEnd);
          sizes.set(name, 1);
          heights.set(name, 0);
        }
        add(1, 0);
        break;
      }
      case EVENT_ID.SEQUENCE:
      case EVENT_ID.MAPPING: {
        raw++;
        const anchor = e.anchorStart >= 0 ? text.slice(e.anchorStart, e.anchorEnd) : null;
        if (anchor !== null) sizes.set(anchor, OPEN);
        stack.push({ size: 1, height: 0, anchor });
        break;
      }
      case EVENT_ID.ALIAS: {
        raw++;
        const name = text.slice(e.anchorStart, e.anchorEnd);
        const size = sizes.get(name);
        if (size === undefined) break; // js-yaml reports the unknown alias
        if (size === OPEN) return { position: e.anchorStart - 1, message: `alias *${name} refers to a node that contains it (recursive alias)` };
        if (size > biggest.size) biggest = { size, position: e.anchorStart - 1 };
        add(size, heights.get(name) ?? 0);
        break;
      }
      case EVENT_ID.POP: {
        if (stack.length <= 1) break;
        const frame = stack.pop()!;
        if (frame.anchor !== null) {
          sizes.set(frame.anchor, frame.size);
          heights.set(frame.anchor, frame.height);
        }
        add(frame.size, frame.height);
        break;
      }
      default:
        break;
    }
  }
  const total = stack[0].size;
  if (total - raw > MAX_ALIAS_EXPANSION) {
    return {
      position: biggest.position,
      message: `aliases expand this document to more than ${MAX_ALIAS_EXPANSION} extra nodes (a YAML "billion laughs" alias bomb?)`,
    };
  }
  if (stack[0].height > MAX_DEPTH) {
    return { position: biggest.position, message: `nesting deeper than ${MAX_DEPTH} levels once aliases are expanded` };
  }
  return null;
}

/** A deep copy of a JSON-like tree (depth is bounded by the checks above). */
function cloneTree(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(cloneTree);
  if (isMapping(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const c = cloneTree(v[k]);
      if (k === '__proto__') Object.defineProperty(out, k, { value: c, enumerable: true, writable: true, configurable: true });
      else out[k] = c;
    }
    return out;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Positions

const NONE = -1;

/** Offset where a node starts, its tag or anchor included; -1 for an empty node. */
function nodePosition(e: Event): number {
  let p = NONE;
  const take = (x: number) => {
    if (x >= 0 && (p < 0 || x < p)) p = x;
  };
  switch (e.type) {
    case EVENT_ID.SCALAR:
      take(e.valueStart);
      take(e.anchorStart - 1); // `&name`: anchorStart is after the `&`
      take(e.tagStart);
      break;
    case EVENT_ID.SEQUENCE:
    case EVENT_ID.MAPPING:
      take(e.start);
      take(e.anchorStart - 1);
      take(e.tagStart);
      break;
    case EVENT_ID.ALIAS:
      take(e.anchorStart - 1);
      break;
    default:
      break;
  }
  return p;
}

/** 0-based line of `offset` in `text` (counts; for one-off use). */
function lineAt(text: string, offset: number): number {
  if (offset <= 0) return 0;
  let line = 0;
  let i = text.indexOf('\n');
  while (i !== -1 && i < offset) {
    line++;
    i = text.indexOf('\n', i + 1);
  }
  return line;
}

interface DocIndex {
  text: string;
  events: Event[];
  root: number;
  /** end[i]: index of the event after the node starting at event i (collections: after its POP). */
  end: Int32Array;
  /** For alias events: the index of the anchored node; -1 otherwise. */
  target: Int32Array;
  lineStarts: number[] | null;
  /** Per block sequence (by event index): 0-based line of each item's `-`. */
  dashes: Map<number, number[]>;
}

const CACHE_SIZE = 16;
const cache = new Map<DocSource, DocIndex>();

function indexFor(src: DocSource, events?: Event[]): DocIndex {
  const hit = cache.get(src);
  if (hit !== undefined) {
    cache.delete(src);
    cache.set(src, hit);
    return hit;
  }
  const all = events ?? parseEvents(src.text, { maxDepth: MAX_DEPTH });
  let first = 0;
  if (events === undefined) {
    let seen = -1;
    for (let i = 0; i < all.length; i++) {
      if (all[i].type === EVENT_ID.DOCUMENT && ++seen === src.docInChunk) {
        first = i;
        break;
      }
    }
  }
  const ix = buildIndex(src.text, all, first);
  cache.set(src, ix);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return ix;
}

function buildIndex(text: string, events: Event[], documentEvent: number): DocIndex {
  const n = events.length;
  const end = new Int32Array(n);
  const target = new Int32Array(n).fill(NONE);
  const anchors = new Map<string, number>();
  const open: number[] = [];
  const root = documentEvent + 1;
  for (let i = root; i < n; i++) {
    const e = events[i];
    if (e.type === EVENT_ID.DOCUMENT) break;
    if (e.type === EVENT_ID.POP) {
      if (open.length === 0) break; // the document's own POP
      end[open.pop()!] = i + 1;
      continue;
    }
    if (e.type === EVENT_ID.ALIAS) {
      target[i] = anchors.get(text.slice(e.anchorStart, e.anchorEnd)) ?? NONE;
      end[i] = i + 1;
      continue;
    }
    if (e.anchorStart >= 0) anchors.set(text.slice(e.anchorStart, e.anchorEnd), i);
    if (e.type === EVENT_ID.SCALAR) end[i] = i + 1;
    else open.push(i);
  }
  return { text, events, root, end, target, lineStarts: null, dashes: new Map() };
}

function lineOfOffset(ix: DocIndex, offset: number): number {
  if (ix.lineStarts === null) {
    const starts = [0];
    for (let i = ix.text.indexOf('\n'); i !== -1; i = ix.text.indexOf('\n', i + 1)) starts.push(i + 1);
    ix.lineStarts = starts;
  }
  const s = ix.lineStarts;
  let lo = 0;
  let hi = s.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (s[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** RFC 6901 pointer → reference tokens; null if it is not a pointer. */
function pointerTokens(pointer: string): string[] | null {
  if (pointer === '') return [];
  if (pointer[0] !== '/') return null;
  return pointer
    .slice(1)
    .split('/')
    .map((t) => (t.indexOf('~') === -1 ? t : t.replace(/~1/g, '/').replace(/~0/g, '~')));
}

function deref(ix: DocIndex, node: number): number {
  for (let hops = 0; hops < 8 && node >= 0 && ix.events[node].type === EVENT_ID.ALIAS; hops++) node = ix.target[node];
  return node;
}

function scalarText(ix: DocIndex, node: number): string | null {
  const e = ix.events[node];
  return e.type === EVENT_ID.SCALAR ? getScalarValue(ix.text, e as ScalarEvent) : null;
}

/** The key event and value event of `key` in the mapping at `map`, looking through `<<` merges. */
function findKey(ix: DocIndex, map: number, key: string, depth: number): { key: number; value: number } | null {
  const stop = ix.end[map] - 1; // the mapping's POP
  const merges: number[] = [];
  for (let k = map + 1; k < stop; ) {
    const v = ix.end[k];
    if (v >= stop) break;
    const name = scalarText(ix, k);
    if (name === key) return { key: k, value: v };
    if (name === '<<' && (ix.events[k] as ScalarEvent).style === SCALAR_STYLE.PLAIN) merges.push(v);
    k = ix.end[v];
  }
  if (depth >= 8) return null;
  for (const m of merges) {
    const source = deref(ix, m);
    if (source < 0) continue;
    const sources = ix.events[source].type === EVENT_ID.SEQUENCE ? children(ix, source) : [source];
    for (const s of sources) {
      const mapping = deref(ix, s);
      if (mapping < 0 || ix.events[mapping].type !== EVENT_ID.MAPPING) continue;
      const found = findKey(ix, mapping, key, depth + 1);
      if (found !== null) return found;
    }
  }
  return null;
}

function children(ix: DocIndex, collection: number): number[] {
  const out: number[] = [];
  const stop = ix.end[collection] - 1;
  for (let k = collection + 1; k < stop; k = ix.end[k]) out.push(k);
  return out;
}

function nthChild(ix: DocIndex, collection: number, n: number): number {
  const stop = ix.end[collection] - 1;
  let i = 0;
  for (let k = collection + 1; k < stop; k = ix.end[k]) if (i++ === n) return k;
  return NONE;
}

/** 0-based chunk line of the `-` of each item of the block sequence `seq` (item start line as fallback). */
function dashLines(ix: DocIndex, seq: number): number[] {
  const cached = ix.dashes.get(seq);
  if (cached !== undefined) return cached;
  const items = children(ix, seq);
  const lines: number[] = new Array(items.length);
  const text = ix.text;
  const start = (ix.events[seq] as SequenceEvent).start;
  const firstLine = lineOfOffset(ix, start);
  const column = start - ix.lineStarts![firstLine];
  const starts = ix.lineStarts!;
  let line = firstLine;
  for (let i = 0; i < items.length; i++) {
    const itemPos = nodePosition(ix.events[items[i]]);
    const itemLine = itemPos >= 0 ? lineOfOffset(ix, itemPos) : -1;
    if (i === 0) {
      lines[i] = firstLine;
      line = firstLine + 1;
      continue;
    }
    // The next line with `-` at the sequence's column and only spaces before it.
    let found = -1;
    for (; line < starts.length; line++) {
      if (itemLine >= 0 && line > itemLine) break;
      const p = starts[line] + column;
      if (text.charCodeAt(p) !== 0x2d) continue;
      const after = text.charCodeAt(p + 1);
      if (!(after === 0x20 || after === 0x09 || after === 0x0a || Number.isNaN(after))) continue;
      let spaces = true;
      for (let q = starts[line]; q < p; q++) {
        if (text.charCodeAt(q) !== 0x20) {
          spaces = false;
          break;
        }
      }
      if (spaces) {
        found = line;
        line++;
        break;
      }
    }
    lines[i] = found >= 0 ? found : itemLine >= 0 ? itemLine : lines[i - 1];
  }
  ix.dashes.set(seq, lines);
  return lines;
}

/** 0-based chunk lines of the items of the root's `items` sequence (all at once: Lists can be long). */
function itemLines(ix: DocIndex, count: number): number[] {
  const root = deref(ix, ix.root);
  const hit = root >= 0 && ix.events[root].type === EVENT_ID.MAPPING ? findKey(ix, root, 'items', 0) : null;
  const seq = hit === null ? NONE : deref(ix, hit.value);
  if (seq < 0 || ix.events[seq].type !== EVENT_ID.SEQUENCE) return new Array(count).fill(locate(ix, []));
  if ((ix.events[seq] as SequenceEvent).style === COLLECTION_STYLE.BLOCK) return dashLines(ix, seq);
  return children(ix, seq).map((item) => {
    const p = nodePosition(ix.events[item]);
    return p >= 0 ? lineOfOffset(ix, p) : lineOfOffset(ix, nodePosition(ix.events[seq]));
  });
}

/**
 * 0-based chunk line of the node at `tokens` below the root, or of its nearest existing ancestor.
 * A mapping value is located at its key; a sequence item at its `-` (block) or its first character (flow).
 */
function locate(ix: DocIndex, tokens: string[]): number {
  let node = ix.root;
  const rootPos = nodePosition(ix.events[node]);
  let best = rootPos >= 0 ? lineOfOffset(ix, rootPos) : 0;
  for (const token of tokens) {
    node = deref(ix, node);
    if (node < 0) break;
    const e = ix.events[node];
    if (e.type === EVENT_ID.MAPPING) {
      const hit = findKey(ix, node, token, 0);
      if (hit === null) break;
      const p = nodePosition(ix.events[hit.key]);
      if (p >= 0) best = lineOfOffset(ix, p);
      node = hit.value;
    } else if (e.type === EVENT_ID.SEQUENCE) {
      if (!/^(0|[1-9][0-9]*)$/.test(token)) break;
      const item = nthChild(ix, node, Number(token));
      if (item < 0) break;
      if (e.style === COLLECTION_STYLE.BLOCK) {
        best = dashLines(ix, node)[Number(token)];
      } else {
        const p = nodePosition(ix.events[item]);
        if (p >= 0) best = lineOfOffset(ix, p);
      }
      node = item;
    } else {
      break;
    }
  }
  return best;
}
