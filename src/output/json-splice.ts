// A large JSON document assembled from parts rendered elsewhere (the items of one array: the JSON
// report's objects, the SARIF log's results), byte for byte what JSON.stringify(document, null, 2)
// gives. Each item is stringified at the depth it has in the document and cut out as one flat
// string (jsonAtDepth); the document is stringified with that array empty and split where the
// items go (spliceItems, spliceItemRuns). A lint of many files renders each file's items where it
// lints the file, possibly in a worker thread, and keeps them as UTF-8 (itemRunBytes) until the
// document is written.

/** Where an array's items go in a document: its key, a key of an object `depth - 1` levels deep. */
export interface ArraySlot {
  key: string;
  /** The nesting depth of the items (2 for the items of a top-level key). */
  depth: number;
}

const indent = (depth: number) => '  '.repeat(depth);

/** What JSON.stringify of a value nested in `depth` arrays puts before and after the value. */
function nestedAffixes(depth: number): { prefix: string; suffix: string } {
  let prefix = '';
  let suffix = '';
  for (let i = 0; i < depth; i++) {
    prefix += `${indent(i)}[\n`;
    suffix = `\n${indent(i)}]${suffix}`;
  }
  return { prefix: prefix + indent(depth), suffix };
}

/**
 * JSON.stringify(value, replacer, 2) as the value stands at `depth` in a document stringified the
 * same way, without its first line's indentation or a separating comma: stringified nested in
 * `depth` arrays and cut out, one flat string. (Indenting each line afterwards would build a rope
 * of two strings per line, which a lint of many files holds until the document is written.)
 */
export function jsonAtDepth(value: unknown, depth: number, replacer?: (key: string, value: unknown) => unknown): string {
  let nested: unknown = value;
  for (let i = 0; i < depth; i++) nested = [nested];
  const a = nestedAffixes(depth);
  const text = JSON.stringify(nested, replacer, 2);
  return text.slice(a.prefix.length, text.length - a.suffix.length);
}

/** What separates two items at `slot` in the document. */
export function itemSeparator(slot: ArraySlot): string {
  return `,\n${indent(slot.depth)}`;
}

/**
 * The document text (stringified with an empty array at `slot`, followed by another key) split
 * where the items go: what comes before the first and after the last. The slot's key is the only
 * line with its indentation and `"key": [],` (deeper keys are indented further, and strings hold
 * no raw line breaks).
 */
function aroundItems(text: string, slot: ArraySlot): { before: string; after: string } {
  const keyIndent = indent(slot.depth - 1);
  const empty = `\n${keyIndent}"${slot.key}": [],\n`;
  const at = text.indexOf(empty);
  if (at < 0) throw new Error(`json-splice: no empty "${slot.key}" array followed by another key at depth ${slot.depth}`);
  return {
    before: `${text.slice(0, at)}\n${keyIndent}"${slot.key}": [\n${indent(slot.depth)}`,
    after: `\n${keyIndent}],\n${text.slice(at + empty.length)}`,
  };
}

/** The document with `items` (each jsonAtDepth at the slot's depth) in the empty array at `slot`. */
export function spliceItems(text: string, slot: ArraySlot, items: readonly string[]): string {
  if (items.length === 0) return text;
  const { before, after } = aroundItems(text, slot);
  return `${before}${items.join(itemSeparator(slot))}${after}`;
}

/**
 * spliceItems from runs of items already rendered as UTF-8 (itemRunBytes), in order, as one
 * buffer: the same bytes as Buffer.from(spliceItems(...)), without joining thousands of strings into
 * one (a two-byte string as soon as one holds a character beyond Latin-1) only to encode it again.
 */
export function spliceItemRuns(text: string, slot: ArraySlot, runs: readonly Uint8Array[]): Buffer {
  const nonEmpty = runs.filter((run) => run.length > 0);
  if (nonEmpty.length === 0) return Buffer.from(text);
  const { before, after } = aroundItems(text, slot);
  const separator = Buffer.from(itemSeparator(slot));
  const pieces: Uint8Array[] = [Buffer.from(before)];
  nonEmpty.forEach((run, i) => {
    if (i > 0) pieces.push(separator);
    pieces.push(run);
  });
  pieces.push(Buffer.from(after));
  return Buffer.concat(pieces);
}

/**
 * Items as they follow each other at `slot`, as UTF-8 in a buffer of its own: not a slice of
 * Node.js's shared pool, because a worker thread sends it to the main thread, and sending a slice
 * sends its whole pool. Empty for no items.
 */
export function itemRunBytes(items: readonly string[], slot: ArraySlot): Uint8Array {
  const text = items.join(itemSeparator(slot));
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  bytes.write(text);
  return bytes;
}
