// What `oomguard fix` and `oomguard lint --fix` share: writing a rewritten manifest back in its
// own encoding, and the one-line message for a file that could not be rewritten.
import { writeFileSync } from 'node:fs';
import type { FileSource, InputError } from '../input/types.js';
import type { RewriteError } from '../engine/rewrite.js';

/** Writes the new text over the file, in the encoding (and byte order mark) it was read in. */
export function writeSource(source: FileSource, text: string): void {
  if (source.abs === null) throw new Error('standard input cannot be rewritten');
  writeFileSync(source.abs, encode(text, source.encoding));
}

function encode(text: string, encoding: FileSource['encoding']): Buffer {
  switch (encoding) {
    case 'utf-8':
      return Buffer.from(text, 'utf8');
    case 'utf-8-bom':
      return Buffer.from(`\ufeff${text}`, 'utf8');
    case 'utf-16le':
      return Buffer.from(`\ufeff${text}`, 'utf16le');
    case 'utf-16be':
      return Buffer.from(`\ufeff${text}`, 'utf16le').swap16();
  }
}

/** A file that could not be rewritten, as an input error naming the document. */
export function rewriteFailure(file: string, err: RewriteError, what: string): InputError {
  return { file, document: err.document, line: null, message: `cannot ${what}: ${err.message}; the file is left unchanged` };
}
