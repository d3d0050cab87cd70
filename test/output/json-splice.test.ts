// The assembly both large reports use (JSON objects, SARIF results): against JSON.stringify of the
// whole document, byte for byte.
import t from 'tap';
import { itemRunBytes, jsonAtDepth, spliceItemRuns, spliceItems } from '../../src/output/json-splice.js';
import type { ArraySlot } from '../../src/output/json-splice.js';

const items = [{ a: 1, b: [1, { c: 'ü — ✓' }], d: {} }, [], 'text', { nested: { deeper: [null, true] } }];

/** Documents whose array at `slot` holds the list given. */
const DOCUMENTS: Array<[string, ArraySlot, (list: unknown[]) => unknown]> = [
  ['a top-level key', { key: 'objects', depth: 2 }, (list) => ({ schemaVersion: 1, objects: list, summary: { n: 1 } })],
  ['inside runs[0], as SARIF results', { key: 'results', depth: 4 }, (list) => ({ version: '2.1.0', runs: [{ tool: { x: 1 }, results: list, properties: {} }] })],
];

t.test('spliced items give what JSON.stringify of the whole document gives', async (t) => {
  for (const [name, slot, make] of DOCUMENTS) {
    const whole = `${JSON.stringify(make(items), null, 2)}\n`;
    const empty = `${JSON.stringify(make([]), null, 2)}\n`;
    const texts = items.map((i) => jsonAtDepth(i, slot.depth));
    t.equal(spliceItems(empty, slot, texts), whole, `${name}: text`);
    // Runs of any length, empty ones among them.
    const runs = [itemRunBytes([], slot), itemRunBytes(texts.slice(0, 1), slot), itemRunBytes(texts.slice(1, 3), slot), itemRunBytes([], slot), itemRunBytes(texts.slice(3), slot)];
    t.same(spliceItemRuns(empty, slot, runs), Buffer.from(whole), `${name}: runs of UTF-8`);
    t.equal(spliceItems(empty, slot, []), empty, `${name}: no items`);
    t.same(spliceItemRuns(empty, slot, [itemRunBytes([], slot)]), Buffer.from(empty), `${name}: only empty runs`);
  }
});

t.test('jsonAtDepth passes the replacer; a missing slot is an internal error', async (t) => {
  const replacer = (_k: string, v: unknown) => (typeof v === 'bigint' ? Number(v) : v);
  t.equal(jsonAtDepth({ n: 5n }, 2, replacer), '{\n      "n": 5\n    }');
  t.equal(jsonAtDepth({ n: 1 }, 0), '{\n  "n": 1\n}');
  t.throws(() => spliceItems('{\n  "other": []\n}\n', { key: 'objects', depth: 2 }, ['1']), /no empty "objects" array/);
  const bytes = itemRunBytes(['1', '2'], { key: 'x', depth: 2 });
  t.equal(Buffer.from(bytes).toString(), '1,\n    2');
  t.equal((bytes as Buffer).buffer.byteLength, bytes.byteLength, 'a buffer of its own, not a slice of the pool');
});
