// What the input layer hands to the engine: parsed Kubernetes objects with where they came from.
import type { SkippedInput } from './layouts.js';

export interface SourceObject {
  /** Path as given by the user (relative paths kept relative), or "<stdin>". */
  file: string;
  /** 0-based index of the YAML/JSON document in the file. */
  document: number;
  /** For items of a `kind: List` (or *List): JSON Pointer of the item inside the document, e.g. "/items/3"; "" otherwise. */
  itemPointer: string;
  /** 1-based line of the object's start in the file. */
  line: number;
  /** The parsed object (a plain JSON value: a mapping with apiVersion and kind). */
  object: Record<string, unknown>;
  /**
   * 1-based line of the node at `pointer` (relative to `object`), or of its nearest existing
   * ancestor; falls back to `line`.
   */
  lineOf(pointer: string): number;
}

export interface InputError {
  file: string;
  /** null when the error concerns the whole file (unreadable, too large, binary). */
  document: number | null;
  line: number | null;
  message: string;
}

export interface ReadResult {
  objects: SourceObject[];
  errors: InputError[];
  /** Files read, in order. */
  files: string[];
  /** What was left out as no manifest (Helm charts, kustomization files and their patches: layouts.ts), in order. */
  skipped: SkippedInput[];
  /** With `keepSources`: each file's text, by its `file` name. */
  sources?: Map<string, FileSource>;
}

/** A file's text as read (decoded, byte order mark removed), for commands that rewrite it. */
export interface FileSource {
  file: string;
  /** Absolute path; null for standard input. */
  abs: string | null;
  text: string;
  /** How to write it back. */
  encoding: 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be';
}
