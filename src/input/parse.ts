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
// - What a document means is what kubectl reads (go-yaml, through sigs.k8s.io/yaml and kustomize's
//   kyaml), where js-yaml disagrees:
//   - Numbers resolve as go-yaml resolves them (`0755` is octal, `1_000` is 1000, `0b101` is 5);
//     `.inf` and `.nan` are errors, as JSON (and so kubectl) has no such numbers. Local tags
//     (`!foo`) are ignored, as go-yaml ignores them.
//   - Flow content (quoted scalars, `[...]`, `{...}`) may continue on lines indented less than
//     YAML asks, with tabs as separation, and `#` right after a closing quote or bracket starts a
//     comment. js-yaml refuses these; a document it refuses is read again from a copy with those
//     lines re-indented (see "Lenient re-parse"), which costs nothing on documents it accepts.
import {
  CORE_SCHEMA,
  COLLECTION_STYLE,
  EVENT_ID,
  NOT_RESOLVED,
  SCALAR_STYLE,
  YAMLException,
  constructFromEvents,
  defineMappingTag,
  defineScalarTag,
  defineSequenceTag,
  getScalarValue,
  mapTag,
  mergeTag,
  parseEvents,
  seqTag,
} from 'js-yaml';
import type { Event, ScalarEvent, SequenceEvent } from 'js-yaml';
import type { InputError, SourceObject } from './types.js';
import { KINDS_WITH_POD } from '../engine/extract-workloads.js';

/** Collections nested deeper than this are rejected (js-yaml's parser checks it without recursing further). */
export const MAX_DEPTH = 100;
/** A document whose aliases add more nodes than this when expanded is rejected ("billion laughs"). */
export const MAX_ALIAS_EXPANSION = 100_000;

// ---------------------------------------------------------------------------------------------
// Numbers as go-yaml reads them

/** Thrown while constructing a document holding `.inf` or `.nan`, which kubectl cannot turn into JSON. */
class NonJsonNumber extends Error {}

/** go-yaml's yamlStyleFloat, tried on the text without `_`. */
const GO_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const GO_DOT_FLOAT = /^\.[0-9]+([eE][-+]?[0-9]+)?$/;
const GO_INF_NAN = /^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$/;
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;

function digitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : 99;
}

/**
 * go-yaml's integer resolution: `_` dropped, then Go's strconv.ParseInt(s, 0, 64) (sign, then
 * 0x/0o/0b or a leading 0 for octal), then ParseUint for what fits only unsigned.
 */
function goInt(source: string): number | undefined {
  const s = source.indexOf('_') === -1 ? source : source.replace(/_/g, '');
  const n = s.length;
  let i = 0;
  const sign = s.charCodeAt(0);
  if (sign === 0x2b || sign === 0x2d) i = 1;
  if (i >= n) return undefined;
  let base = 10;
  if (s.charCodeAt(i) === 0x30 /* 0 */) {
    const prefix = n - i >= 3 ? s.charCodeAt(i + 1) | 0x20 : 0;
    if (prefix === 0x62 /* b */) base = 2;
    else if (prefix === 0x6f /* o */) base = 8;
    else if (prefix === 0x78 /* x */) base = 16;
    else base = 8; // a leading 0 alone: octal
    i += base === 8 && prefix !== 0x6f ? 1 : 2;
  }
  for (let k = i; k < n; k++) if (digitValue(s.charCodeAt(k)) >= base) return undefined;
  const digits = s.slice(i);
  if (digits.length === 0) return 0; // "0", "-0"
  const negative = sign === 0x2d;
  if (digits.length <= 12 || (base === 10 && digits.length <= 15)) {
    const v = parseInt(digits, base);
    return negative ? (v === 0 ? 0 : -v) : v;
  }
  const big = BigInt((base === 2 ? '0b' : base === 8 ? '0o' : base === 16 ? '0x' : '') + digits);
  if (negative ? big > INT64_MAX + 1n : big > (sign === 0x2b ? INT64_MAX : UINT64_MAX)) return undefined;
  return Number(negative ? -big : big);
}

/** go-yaml's float resolution of a plain scalar that is not an integer; undefined when it stays a string. */
function goFloat(source: string): number | undefined {
  if (GO_INF_NAN.test(source)) throw new NonJsonNumber(source);
  if (source.charCodeAt(0) === 0x2e /* . */) return GO_DOT_FLOAT.test(source) ? Number(source) : undefined;
  const s = source.indexOf('_') === -1 ? source : source.replace(/_/g, '');
  if (!GO_FLOAT.test(s)) return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined; // Go's ParseFloat fails out of range: a string then
}

const SIGN_AND_DIGITS = ['-', '+', ...'0123456789'];

const goIntTag = defineScalarTag<number>('tag:yaml.org,2002:int', {
  implicit: true,
  implicitFirstChars: SIGN_AND_DIGITS,
  resolve: (source) => goInt(source) ?? NOT_RESOLVED,
  identify: (v) => Number.isInteger(v),
});

const goFloatTag = defineScalarTag<number>('tag:yaml.org,2002:float', {
  implicit: true,
  implicitFirstChars: [...SIGN_AND_DIGITS, '.'],
  resolve: (source, isExplicit) => {
    // go-yaml turns an integer under an explicit !!float into a float; implicitly the int tag took it.
    // (An octal-looking integer too big for 64 bits fails goInt and is read as a decimal float, as in go-yaml.)
    const v = (isExplicit ? goInt(source) : undefined) ?? goFloat(source);
    return v === undefined ? NOT_RESOLVED : v;
  },
  identify: (v) => typeof v === 'number',
});

// Local tags (`!foo`) mean nothing to go-yaml: a tagged scalar is its text, a tagged collection an
// ordinary one. js-yaml refuses them as unknown tags. (`!!` tags it does not know stay errors.)
const localScalarTag = defineScalarTag<string>('!', { matchByTagPrefix: true, resolve: (source) => source, identify: () => false });
const localSequenceTag = defineSequenceTag('!', { matchByTagPrefix: true, create: seqTag.create, addItem: seqTag.addItem, identify: () => false });
const localMappingTag = defineMappingTag('!', {
  matchByTagPrefix: true,
  create: mapTag.create,
  addPair: mapTag.addPair,
  has: mapTag.has,
  keys: mapTag.keys,
  get: mapTag.get,
  identify: () => false,
});

// Merge keys (`<<: *defaults`) are merged as kubectl (go-yaml) does; js-yaml 5's CORE_SCHEMA leaves them out.
const SCHEMA = CORE_SCHEMA.withTags(mergeTag, goIntTag, goFloatTag, localScalarTag, localSequenceTag, localMappingTag);

export interface ParseResult {
  objects: SourceObject[];
  errors: InputError[];
}

export interface ParseOptions {
  /**
   * `whole` (the default): every object as written. `identity`: an object that cannot hold a pod
   * (not a Pod, a template kind, a CronJob or any kind with spec.template) and is neither a
   * LimitRange nor a List keeps only apiVersion, kind and metadata, which is all the linter reads
   * of it. Most of a typical input (ConfigMaps, CRDs, RBAC, Services) is then never built, while
   * every document is still parsed and checked in full: the errors are those of `whole`. A
   * document that anything could make differ (tags, anchors, merge keys, duplicate keys, `.inf`)
   * is built whole.
   */
  objectsWithoutPod?: 'whole' | 'identity';
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
  /**
   * The document's events from the first parse (starting with its DOCUMENT event), kept for
   * positions when the document is small: looking up a finding's line then needs no second parse.
   */
  events?: Event[];
  /** Built by the first position asked of a document that keeps its events (indexFor). */
  index?: DocIndex;
}

/**
 * Documents up to this many characters keep their events for positions (see DocSource.events);
 * larger ones (a PodList of thousands of Pods) are parsed again when a position is asked, so that
 * holding their objects does not also hold several times their size in events.
 */
const KEEP_EVENTS_CHARS = 1024 * 1024;

export function parseText(text: string, file: string, options: ParseOptions = {}): ParseResult {
  const out: ParseResult = { objects: [], errors: [] };
  const identity = options.objectsWithoutPod === 'identity';
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
      const parsed = parseLenient(chunks[0]);
      if (!parsed.ok) {
        const stream = splitJsonStream(text);
        if (stream === null) {
          out.errors.push(yamlError(parsed.error, file, 0, chunks[0]));
          return out;
        }
        chunks = stream;
      } else {
        parseChunk(parsed.chunk, file, 0, out, identity, parsed.events);
        return out;
      }
    }
    let document = 0;
    for (const chunk of chunks) document += parseChunk(chunk, file, document, out, identity);
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
// Lenient re-parse
//
// go-yaml, and so kubectl, reads flow content (quoted scalars, `[...]`, `{...}`) without looking at
// the indentation of its continuation lines, takes tabs as separation anywhere inside it or after a
// key's `:`, and starts a comment at a `#` right after a closing quote or bracket or a block scalar
// indicator. js-yaml refuses all of these ("deficient indentation", "missed comma …", "a line break
// is expected"). When it refuses a document, the document is scanned for flow content, and a copy
// is made with (1) each continuation line of flow content re-indented to the column where that
// content starts, (2) separation tabs on the line where a flow collection starts made spaces, and
// (3) a space put before such a `#`. None of these changes a value (leading white space of a
// continuation line is folded away; separation is separation), and lines stay where they are, so
// positions hold. The copy is parsed, and kept only if every change lies where the parse says flow
// content or separation is; otherwise the first error stands.

/** What the scanner changes: offsets in the original text. */
type RelaxEdit =
  | { kind: 'indent'; at: number; remove: number; column: number }
  | { kind: 'tab'; at: number }
  | { kind: 'hash'; at: number };

interface Relaxed {
  text: string;
  /** Offsets in `text` of the first character of each re-indented line. */
  indented: number[];
  /** Offsets in `text` of the tabs made spaces. */
  tabs: number[];
  /** Offsets in `text` of the spaces put before a `#`. */
  hashes: number[];
}

const isBlank = (c: number) => c === 0x20 || c === 0x09;
const isBreakOrEnd = (c: number) => c === 0x0a || Number.isNaN(c);
const isBlankOrBreak = (c: number) => isBlank(c) || isBreakOrEnd(c);
const isFlowIndicator = (c: number) => c === 0x2c || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d;

/** Scans one document for flow content and returns the edits that let js-yaml read it; null if there are none or the scan gets lost. */
function relaxEdits(text: string): RelaxEdit[] | null {
  const n = text.length;
  const edits: RelaxEdit[] = [];

  /** The line at `start` (after a line break inside flow content): re-indent it to `column` if it needs it; returns the offset of its first non-blank character. */
  const continuation = (start: number, column: number, comments: boolean): number => {
    if ((text.startsWith('---', start) || text.startsWith('...', start)) && isBlankOrBreak(text.charCodeAt(start + 3))) return start;
    let p = start;
    let spaces = 0;
    while (text.charCodeAt(p) === 0x20) {
      p++;
      spaces++;
    }
    while (isBlank(text.charCodeAt(p))) p++;
    const c = text.charCodeAt(p);
    if (isBreakOrEnd(c) || (comments && c === 0x23)) return p; // blank, or a comment line in a collection
    if (spaces < column) edits.push({ kind: 'indent', at: start, remove: p - start, column });
    return p;
  };

  /** A quoted scalar opening at `p`; returns the offset after its closing quote, or -1. */
  const quoted = (p: number, column: number): number => {
    const quote = text.charCodeAt(p);
    let i = p + 1;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === quote) {
        if (quote === 0x27 && text.charCodeAt(i + 1) === 0x27) {
          i += 2;
          continue;
        }
        return i + 1;
      }
      if (c === 0x5c && quote === 0x22) {
        i += text.charCodeAt(i + 1) === 0x0a ? 1 : 2;
        continue;
      }
      if (c === 0x0a) {
        i = continuation(i + 1, column, false);
        continue;
      }
      i++;
    }
    return -1;
  };

  /** A flow collection opening at `p` (column `column`); returns the offset after its closing bracket, or -1. */
  const flow = (p: number, column: number): number => {
    let depth = 0;
    let i = p;
    let openerLine = true;
    let afterToken = false; // a `#` here starts a comment for go-yaml, not for js-yaml
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) {
        openerLine = false;
        afterToken = false;
        i = continuation(i + 1, column, true);
        continue;
      }
      if (isBlank(c)) {
        if (c === 0x09 && openerLine) edits.push({ kind: 'tab', at: i });
        afterToken = false;
        i++;
        continue;
      }
      if (c === 0x23 /* # */) {
        if (afterToken) edits.push({ kind: 'hash', at: i });
        while (i < n && text.charCodeAt(i) !== 0x0a) i++;
        continue;
      }
      afterToken = true;
      if (c === 0x5b || c === 0x7b) {
        depth++;
        i++;
      } else if (c === 0x5d || c === 0x7d) {
        depth--;
        i++;
        if (depth === 0) return i;
      } else if (c === 0x2c /* , */) {
        i++;
      } else if (c === 0x27 || c === 0x22) {
        const line = text.lastIndexOf('\n', i);
        i = quoted(i, column);
        if (i < 0) return -1;
        if (text.lastIndexOf('\n', i) !== line) openerLine = false;
      } else if (c === 0x3a /* : */ && (isBlankOrBreak(text.charCodeAt(i + 1)) || isFlowIndicator(text.charCodeAt(i + 1)) || text.charCodeAt(i - 1) === 0x22 || text.charCodeAt(i - 1) === 0x27)) {
        i++;
      } else if (c === 0x3f /* ? */ && isBlankOrBreak(text.charCodeAt(i + 1))) {
        afterToken = false;
        i++;
      } else if (c === 0x21 || c === 0x26 || c === 0x2a /* ! & * */) {
        while (i < n && !isBlankOrBreak(text.charCodeAt(i)) && !isFlowIndicator(text.charCodeAt(i))) i++;
        afterToken = false;
      } else {
        // A plain scalar: up to a flow indicator, `: `, ` #` or the line's end; inner blanks are its own.
        let end = i + 1;
        let j = i + 1;
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d === 0x0a || isFlowIndicator(d)) break;
          if (d === 0x3a && (isBlankOrBreak(text.charCodeAt(j + 1)) || isFlowIndicator(text.charCodeAt(j + 1)))) break;
          if (isBlank(d)) {
            if (text.charCodeAt(j + 1) === 0x23) break;
            j++;
            continue;
          }
          j++;
          end = j;
        }
        i = end;
        afterToken = false;
      }
    }
    return -1;
  };

  let pos = 0;
  let blockScalar = false;
  let blockParent = 0; // a block scalar's content is indented more than this
  let blockIndent = -1; // its content indentation, once known
  let plainParent = Number.NaN; // a plain scalar value may continue on lines indented more than this
  while (pos < n) {
    let eol = text.indexOf('\n', pos);
    if (eol === -1) eol = n;
    let first = pos;
    while (text.charCodeAt(first) === 0x20) first++;
    const indent = first - pos;
    let rest = first;
    while (rest < eol && isBlank(text.charCodeAt(rest))) rest++;
    const blank = rest >= eol;
    if (blockScalar) {
      if (blank) {
        pos = eol + 1;
        continue;
      }
      if (blockIndent < 0 ? indent > blockParent : indent >= blockIndent) {
        if (blockIndent < 0) blockIndent = indent;
        pos = eol + 1;
        continue;
      }
      blockScalar = false;
    }
    if (blank) {
      pos = eol + 1;
      continue;
    }
    const c0 = text.charCodeAt(first);
    if (c0 === 0x23 /* # */) {
      plainParent = Number.NaN;
      pos = eol + 1;
      continue;
    }
    if (indent > plainParent) {
      pos = eol + 1; // continues a plain scalar
      continue;
    }
    plainParent = Number.NaN;
    if (indent === 0 && c0 === 0x25 /* % directive */) {
      pos = eol + 1;
      continue;
    }

    // One line in block context (a flow construct may carry it over several lines).
    let lineStart = pos;
    let lineEnd = eol;
    let p = first;
    let entry = indent; // column of the entry (key or `-`) whose value comes next
    let nodeStart = true;
    let separation = false; // blanks being skipped follow a key's `:` or a tag or anchor
    let tabs: number[] = [];
    if (indent === 0 && text.startsWith('---', p) && isBlankOrBreak(text.charCodeAt(p + 3))) {
      p += 3;
      entry = -1;
    }
    const moveTo = (q: number) => {
      if (q > lineEnd) {
        lineStart = text.lastIndexOf('\n', q - 1) + 1;
        lineEnd = text.indexOf('\n', q);
        if (lineEnd === -1) lineEnd = n;
        tabs = [];
      }
      p = q;
    };
    /** After a node: a `#` glued to it, and `:` making it a key. */
    const afterNode = (column: number) => {
      if (text.charCodeAt(p) === 0x23) edits.push({ kind: 'hash', at: p });
      let q = p;
      while (isBlank(text.charCodeAt(q))) q++;
      if (text.charCodeAt(q) === 0x3a && isBlankOrBreak(text.charCodeAt(q + 1))) {
        entry = column;
        nodeStart = true;
        separation = true;
        p = q + 1;
      } else {
        nodeStart = false;
        separation = false;
      }
    };
    lineLoop: while (p < lineEnd) {
      const c = text.charCodeAt(p);
      if (isBlank(c)) {
        if (c === 0x09 && separation) tabs.push(p);
        p++;
        continue;
      }
      if (c === 0x23 /* # */) break; // a comment (blanks or the line start precede it here)
      const column = p - lineStart;
      if (!nodeStart) {
        if (c === 0x3a && isBlankOrBreak(text.charCodeAt(p + 1))) {
          nodeStart = true;
          separation = true;
        }
        p++;
        continue;
      }
      const next = text.charCodeAt(p + 1);
      if ((c === 0x2d || c === 0x3f || c === 0x3a) && isBlankOrBreak(next)) {
        if (c !== 0x3a) entry = column;
        separation = false; // go-yaml refuses a tab after `-`, `?` and an explicit `:`
        p++;
        continue;
      }
      if (c === 0x21 || c === 0x26 /* ! & */) {
        while (p < lineEnd && !isBlank(text.charCodeAt(p))) p++;
        separation = true;
        continue;
      }
      if (c === 0x2a /* * */) {
        while (p < lineEnd && !isBlank(text.charCodeAt(p))) p++;
        afterNode(entry);
        continue;
      }
      if (c === 0x7c || c === 0x3e /* | > */) {
        let q = p + 1;
        let explicit = 0;
        for (let d = text.charCodeAt(q); d === 0x2b || d === 0x2d || (d >= 0x31 && d <= 0x39); d = text.charCodeAt(++q)) {
          if (d >= 0x31 && d <= 0x39) explicit = d - 0x30;
        }
        if (text.charCodeAt(q) === 0x23) edits.push({ kind: 'hash', at: q });
        blockScalar = true;
        blockParent = entry;
        blockIndent = explicit > 0 ? entry + explicit : -1;
        break lineLoop;
      }
      if (c === 0x27 || c === 0x22) {
        const end = quoted(p, column);
        if (end < 0) return null;
        moveTo(end);
        afterNode(column);
        continue;
      }
      if (c === 0x5b || c === 0x7b) {
        for (const t of tabs) edits.push({ kind: 'tab', at: t });
        tabs = [];
        const end = flow(p, column);
        if (end < 0) return null;
        moveTo(end);
        afterNode(column);
        continue;
      }
      // A plain scalar in block context: a key if `: ` follows, else a value to the line's end.
      let q = p;
      for (; q < lineEnd; q++) {
        const d = text.charCodeAt(q);
        if (d === 0x3a && isBlankOrBreak(text.charCodeAt(q + 1))) break;
        if (d === 0x23 && isBlank(text.charCodeAt(q - 1))) {
          q = lineEnd + 1; // value, then a comment: no continuation lines
          break;
        }
      }
      if (q === lineEnd) {
        plainParent = entry; // continuation lines are indented more than the entry
        break;
      }
      if (q > lineEnd) break;
      entry = column;
      separation = true;
      p = q + 1;
    }
    pos = lineEnd + 1;
  }
  return edits.length === 0 ? null : edits;
}

/** Applies the edits (sorted by offset, none overlapping); offsets in the result for verification. */
function applyEdits(text: string, edits: RelaxEdit[]): Relaxed {
  edits.sort((a, b) => a.at - b.at);
  const out: string[] = [];
  const relaxed: Relaxed = { text: '', indented: [], tabs: [], hashes: [] };
  let from = 0;
  let shift = 0;
  for (const e of edits) {
    if (e.at < from) continue; // a duplicate (the same line reached twice)
    out.push(text.slice(from, e.at));
    const at = e.at + shift;
    if (e.kind === 'indent') {
      out.push(' '.repeat(e.column));
      relaxed.indented.push(at + e.column);
      shift += e.column - e.remove;
      from = e.at + e.remove;
    } else if (e.kind === 'tab') {
      out.push(' ');
      relaxed.tabs.push(at);
      from = e.at + 1;
    } else {
      out.push(' ');
      relaxed.hashes.push(at);
      shift += 1;
      from = e.at;
    }
  }
  out.push(text.slice(from));
  relaxed.text = out.join('');
  return relaxed;
}

/**
 * Whether every edit lies where the relaxed parse has flow content or separation: re-indented lines
 * inside a quoted scalar or a flow collection; tabs outside scalars, inside a flow collection or
 * before one on its line; spaces before a `#` right after a closing quote or bracket, a flow `,`,
 * `[`, `{` or `:`, or a block scalar indicator.
 */
function verifyRelaxed(r: Relaxed, events: Event[]): boolean {
  const text = r.text;
  const scalars: number[] = []; // [start, end) pairs, quotes included
  const quoted: number[] = [];
  const flows: number[] = [];
  const quoteEnds = new Set<number>();
  const flowEnds = new Set<number>();
  const blockStarts = new Set<number>();
  const stack: Array<{ start: number; bracketed: boolean }> = [];
  let last = 0; // end of the last node seen
  for (const e of events) {
    if (e.type === EVENT_ID.SCALAR) {
      if (e.valueStart < 0) {
        last = Math.max(last, e.tagEnd, e.anchorEnd);
        continue;
      }
      const q = e.style === SCALAR_STYLE.SINGLE_QUOTED || e.style === SCALAR_STYLE.DOUBLE_QUOTED ? 1 : 0;
      scalars.push(e.valueStart - q, e.valueEnd + q);
      if (q === 1) {
        quoted.push(e.valueStart - 1, e.valueEnd + 1);
        quoteEnds.add(e.valueEnd + 1);
      }
      if (e.style === SCALAR_STYLE.LITERAL_BLOCK || e.style === SCALAR_STYLE.FOLDED_BLOCK) blockStarts.add(e.valueStart);
      last = e.valueEnd + q;
    } else if (e.type === EVENT_ID.ALIAS) {
      last = e.anchorEnd;
    } else if (e.type === EVENT_ID.SEQUENCE || e.type === EVENT_ID.MAPPING) {
      const c = text.charCodeAt(e.start);
      const bracketed = e.style === COLLECTION_STYLE.FLOW && (c === 0x5b || c === 0x7b);
      stack.push({ start: e.start, bracketed });
      if (bracketed) last = e.start + 1;
    } else if (e.type === EVENT_ID.POP) {
      const top = stack.pop();
      if (top === undefined || !top.bracketed) continue;
      // The closing bracket: after the last node, past blanks, line breaks, comments, `,` `:` `?`.
      let i = last;
      for (;;) {
        const c = text.charCodeAt(i);
        if (c === 0x5d || c === 0x7d) break;
        if (c === 0x23) {
          while (i < text.length && text.charCodeAt(i) !== 0x0a) i++;
        } else if (isBlankOrBreak(c) || c === 0x2c || c === 0x3a || c === 0x3f) {
          if (Number.isNaN(c)) return false;
          i++;
        } else return false;
      }
      flows.push(top.start, i + 1);
      flowEnds.add(i + 1);
      last = i + 1;
    }
  }
  const within = (spans: number[], x: number, strict: boolean) => {
    for (let k = 0; k < spans.length; k += 2) if ((strict ? spans[k] < x : spans[k] <= x) && x < spans[k + 1]) return true;
    return false;
  };
  for (const f of r.indented) if (!within(quoted, f, true) && !within(flows, f, true)) return false;
  for (const t of r.tabs) {
    if (within(scalars, t, false)) return false;
    if (within(flows, t, true)) continue;
    // Before a flow collection on its line: a key's `:` or a tag or anchor before, the bracket after.
    let q = t;
    for (;;) {
      while (isBlank(text.charCodeAt(q))) q++;
      const c = text.charCodeAt(q);
      if (c !== 0x21 && c !== 0x26) break;
      while (q < text.length && !isBlankOrBreak(text.charCodeAt(q))) q++;
    }
    if (!flows.some((s, k) => k % 2 === 0 && s === q)) return false;
    let b = t - 1;
    while (b >= 0 && isBlank(text.charCodeAt(b))) b--;
    if (b < 0 || text.charCodeAt(b) === 0x0a) return false; // indentation
    const lineStart = text.lastIndexOf('\n', b) + 1;
    const c = text.charCodeAt(b);
    const alone = b === lineStart || isBlank(text.charCodeAt(b - 1));
    if (alone && (c === 0x2d || c === 0x3f)) return false; // after `-` or `?`
    if (c === 0x3a && text.slice(lineStart, b).trim() === '') return false; // after an explicit `:`
  }
  for (const s of r.hashes) {
    if (text.charCodeAt(s + 1) !== 0x23 || within(scalars, s, false)) return false;
    const c = text.charCodeAt(s - 1);
    if (quoteEnds.has(s) || flowEnds.has(s)) continue;
    if (within(flows, s, true) && (c === 0x2c || c === 0x5b || c === 0x7b || c === 0x3a)) continue;
    const eol = text.indexOf('\n', s);
    if (eol !== -1 && blockStarts.has(eol + 1) && /[|>][0-9+-]*$/.test(text.slice(text.lastIndexOf('\n', s) + 1, s))) continue;
    return false;
  }
  return true;
}

type Parsed = { ok: true; events: Event[]; chunk: Chunk } | { ok: false; error: unknown };

/**
 * Parses a chunk. One js-yaml refuses is read again relaxed; that reading is kept if it parses and
 * checks out, and its error is reported instead of the first one when it lies further on.
 */
function parseLenient(chunk: Chunk): Parsed {
  const strict = tryParse(chunk.text);
  if (strict.ok) return { ok: true, events: strict.events, chunk };
  const error = strict.error;
  if (!(error instanceof YAMLException) || /maxDepth/.test(error.reason)) return strict;
  const edits = relaxEdits(chunk.text);
  if (edits === null) return strict;
  const relaxed = applyEdits(chunk.text, edits);
  const again = tryParse(relaxed.text);
  if (!again.ok) {
    const later = again.error instanceof YAMLException && again.error.mark && error.mark && again.error.mark.line > error.mark.line;
    return later ? again : strict;
  }
  if (!verifyRelaxed(relaxed, again.events)) return strict;
  return { ok: true, events: again.events, chunk: { text: relaxed.text, line: chunk.line } };
}

// ---------------------------------------------------------------------------------------------
// One document

/** Parses one chunk; returns how many documents it held (at least 1). */
function parseChunk(chunk: Chunk, file: string, firstDocument: number, out: ParseResult, identity: boolean, parsed?: Event[]): number {
  let events: Event[];
  if (parsed !== undefined) events = parsed;
  else {
    const r = parseLenient(chunk);
    if (!r.ok) {
      out.errors.push(yamlError(r.error, file, firstDocument, chunk));
      return 1;
    }
    events = r.events;
    chunk = r.chunk;
  }
  const starts: number[] = [];
  for (let i = 0; i < events.length; i++) if (events[i].type === EVENT_ID.DOCUMENT) starts.push(i);
  for (let k = 0; k < starts.length; k++) {
    const document = firstDocument + k;
    const from = starts[k];
    const to = k + 1 < starts.length ? starts[k + 1] : events.length;
    const docEvents = starts.length === 1 ? events : events.slice(from, to);
    try {
      parseDocument(docEvents, { text: chunk.text, line: chunk.line, docInChunk: k }, file, document, out, identity);
    } catch (err) {
      out.errors.push(yamlError(err, file, document, chunk));
    }
  }
  return Math.max(1, starts.length);
}

function parseDocument(events: Event[], src: DocSource, file: string, document: number, out: ParseResult, identity: boolean): void {
  const root = 1; // events[0] is the DOCUMENT event
  if (events.length < 2 || events[root].type === EVENT_ID.POP) return;
  if (identity) {
    const brief = identityOf(events, src.text);
    if (brief !== null) {
      out.objects.push(sourceObject(file, document, '', fileLine(src, nodePosition(events[root])), brief, src));
      return;
    }
  }
  if (src.text.length <= KEEP_EVENTS_CHARS) src.events = events;

  const aliases = checkAliases(events, src.text);
  if (aliases !== null) {
    out.errors.push({ file, document, line: fileLine(src, aliases.position), message: aliases.message });
    return;
  }
  let value: unknown;
  try {
    value = constructFromEvents(events, { source: src.text, schema: SCHEMA })[0];
  } catch (err) {
    if (!(err instanceof NonJsonNumber)) throw err;
    const at = nonJsonNumberPosition(events, src.text);
    out.errors.push({
      file,
      document,
      line: fileLine(src, at >= 0 ? at : nodePosition(events[root])),
      message: `${err.message} is not a number kubectl can send (JSON has no infinity or NaN); quote it if it is text`,
    });
    return;
  }
  if (value === null || value === undefined) return; // empty document, comments only, `null`, `~`
  // Aliases make shared (or, for merges, partly shared) subtrees; give every consumer a plain tree.
  if (hasAlias(events)) value = cloneTree(value);

  const line = fileLine(src, nodePosition(events[root]));
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

/** 1-based line in the file of `offset` in the document's text. */
function fileLine(src: DocSource, offset: number): number {
  return src.line + lineAt(src.text, offset) + 1;
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
// Objects without a pod (ParseOptions.objectsWithoutPod: 'identity')

/** What js-yaml's constructor makes of a scalar without tag (constructScalar). */
function untaggedScalar(text: string, e: ScalarEvent): unknown {
  const source = getScalarValue(text, e);
  return e.style === SCALAR_STYLE.PLAIN ? SCHEMA.resolveImplicitScalarTag(source).value : source;
}

/**
 * A plain scalar go-yaml would read as infinity or NaN (goFloat throws NonJsonNumber for it while
 * building): a document holding one is built whole, so that it is reported as usual.
 */
function mayBeInfOrNan(text: string, e: ScalarEvent): boolean {
  if (e.style !== SCALAR_STYLE.PLAIN || e.valueStart < 0) return false;
  const c = text.charCodeAt(e.valueStart);
  return (c === 0x2e || c === 0x2b || c === 0x2d) /* . + - */ && GO_INF_NAN.test(getScalarValue(text, e));
}

const POP_EVENT: Event = { type: EVENT_ID.POP };

/** Mappings with more keys than this check them in a Set (see identityOf). */
const MANY_KEYS = 16;

/**
 * The object `events` (one document) builds to, reduced to apiVersion, kind and metadata, when it
 * cannot hold a pod and building it whole could not fail; null when it must be built whole. One
 * pass over the events checks what js-yaml's constructor would refuse: duplicate keys (compared as
 * js-yaml's map compares them, String() of the resolved key) and plain `.inf`/`.nan`; documents
 * with tags, anchors, aliases, merge keys or non-scalar keys are left to the constructor.
 */
function identityOf(events: Event[], text: string): Record<string, unknown> | null {
  const rootEvent = events[1];
  if (rootEvent.type !== EVENT_ID.MAPPING) return null;
  // Per open collection: whether it is a mapping, whether its next child is a key, and where its
  // keys start in `keyList` (the keys of every open mapping, innermost last). A mapping with many
  // keys gets a Set as well, so that checking them stays linear.
  const isMapping: boolean[] = [];
  const wantsKey: boolean[] = [];
  const keysFrom: number[] = [];
  const keySets: (Set<string> | undefined)[] = [];
  const keyList: string[] = [];
  let rootKey = ''; // at depth 1: the root key whose value comes next
  let apiVersion: ScalarEvent | null = null;
  let kind: ScalarEvent | null = null;
  let metadataFrom = -1;
  let metadataTo = -1;
  let specDepth = 0; // 2 while the root's spec mapping is open
  const order: string[] = []; // apiVersion, kind and metadata in the order written
  for (let i = 1; i < events.length; i++) {
    const e = events[i];
    const depth = isMapping.length;
    if (e.type === EVENT_ID.POP) {
      if (depth === 0) break; // the document's own POP
      isMapping.pop();
      wantsKey.pop();
      keyList.length = keysFrom.pop()!;
      keySets.pop();
      if (depth === specDepth) specDepth = 0;
      if (depth === 2 && metadataFrom >= 0 && metadataTo < 0) metadataTo = i + 1;
      continue;
    }
    if (e.type === EVENT_ID.DOCUMENT || e.type === EVENT_ID.ALIAS || e.tagStart >= 0 || e.anchorStart >= 0) return null;
    if (e.type === EVENT_ID.SCALAR && mayBeInfOrNan(text, e)) return null;
    if (depth > 0 && wantsKey[depth - 1]) {
      // A key: a scalar, compared as js-yaml's map compares keys.
      if (e.type !== EVENT_ID.SCALAR) return null;
      if (e.style === SCALAR_STYLE.PLAIN && e.valueEnd - e.valueStart === 2 && text.startsWith('<<', e.valueStart)) return null;
      const key = String(untaggedScalar(text, e));
      const from = keysFrom[depth - 1];
      const set = keySets[depth - 1];
      if (set !== undefined) {
        if (set.has(key)) return null;
        set.add(key);
      } else {
        for (let k = from; k < keyList.length; k++) if (keyList[k] === key) return null;
        if (keyList.length - from === MANY_KEYS) keySets[depth - 1] = new Set(keyList.slice(from)).add(key);
      }
      keyList.push(key);
      if (depth === specDepth && key === 'template') return null;
      if (depth === 1) rootKey = key;
      wantsKey[depth - 1] = false;
      continue;
    }
    // A value (in a mapping, a key comes next) or a sequence item.
    if (depth > 0 && isMapping[depth - 1]) wantsKey[depth - 1] = true;
    if (depth === 1) {
      if (rootKey === 'apiVersion' || rootKey === 'kind') {
        if (e.type !== EVENT_ID.SCALAR) return null;
        if (rootKey === 'kind') kind = e;
        else apiVersion = e;
        order.push(rootKey);
      } else if (rootKey === 'metadata') {
        order.push(rootKey);
        metadataFrom = i;
        if (e.type === EVENT_ID.SCALAR) metadataTo = i + 1;
      } else if (rootKey === 'spec' && e.type === EVENT_ID.MAPPING) specDepth = 2;
    }
    if (e.type === EVENT_ID.MAPPING || e.type === EVENT_ID.SEQUENCE) {
      const mapping = e.type === EVENT_ID.MAPPING;
      isMapping.push(mapping);
      wantsKey.push(mapping);
      keysFrom.push(keyList.length);
      keySets.push(undefined);
    }
  }
  if (apiVersion === null || kind === null) return null;
  const apiVersionValue = untaggedScalar(text, apiVersion);
  const kindValue = untaggedScalar(text, kind);
  if (typeof apiVersionValue !== 'string' || apiVersionValue === '' || typeof kindValue !== 'string' || kindValue === '') return null;
  // Built whole: kinds that hold a pod by kind, LimitRanges (admission reads them), Lists (items).
  if (KINDS_WITH_POD.has(kindValue) || kindValue === 'LimitRange' || kindValue.endsWith('List')) return null;
  const object: Record<string, unknown> = {};
  for (const key of order) {
    if (key === 'apiVersion') object.apiVersion = apiVersionValue;
    else if (key === 'kind') object.kind = kindValue;
    else object.metadata = constructFromEvents([events[0], ...events.slice(metadataFrom, metadataTo), POP_EVENT], { source: text, schema: SCHEMA })[0];
  }
  return object;
}

// ---------------------------------------------------------------------------------------------
// Guards

/** Offset of the first plain `.inf`/`.nan` the constructor reads as a number (not under `!!str` or `!`); -1 if none. */
function nonJsonNumberPosition(events: Event[], text: string): number {
  for (const e of events) {
    if (e.type !== EVENT_ID.SCALAR || e.style !== SCALAR_STYLE.PLAIN || e.valueStart < 0) continue;
    if (!GO_INF_NAN.test(text.slice(e.valueStart, e.valueEnd))) continue;
    const tag = e.tagStart >= 0 ? text.slice(e.tagStart, e.tagEnd) : '';
    if (tag === '' || /^!(!|<tag:yaml\.org,2002:)(float|int)>?$/.test(tag)) return e.valueStart;
  }
  return -1;
}

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

/**
 * The index of the last document too large to keep its events (see KEEP_EVENTS_CHARS): the
 * findings of its objects (a PodList's items) then cost one parse between them, while no more than
 * one such index is held at a time. A smaller document keeps its index on its DocSource, and so
 * exactly as long as its objects: a cache shared across documents kept the indexes (and events) of
 * the last few documents of earlier files alive, which in a lint of thousands of files made the
 * garbage collector copy and promote them all.
 */
let largeDocIndex: { src: DocSource; index: DocIndex } | null = null;

function indexFor(src: DocSource, events?: Event[]): DocIndex {
  if (src.index !== undefined) return src.index;
  if (largeDocIndex?.src === src) return largeDocIndex.index;
  const all = events ?? src.events ?? parseEvents(src.text, { maxDepth: MAX_DEPTH });
  let first = 0;
  if (all !== events && all !== src.events) {
    let seen = -1;
    for (let i = 0; i < all.length; i++) {
      if (all[i].type === EVENT_ID.DOCUMENT && ++seen === src.docInChunk) {
        first = i;
        break;
      }
    }
  }
  const index = buildIndex(src.text, all, first);
  if (src.events !== undefined) src.index = index;
  else largeDocIndex = { src, index };
  return index;
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
