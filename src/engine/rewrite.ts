// Rewrites a manifest file's text so that its objects become the patched objects, and proves it:
// the new text is parsed again and every object must equal its original with its operations
// applied (and every other object must be unchanged) before the text is handed back. Pure.
import { parseText } from '../input/parse.js';
import type { SourceObject } from '../input/types.js';
import { applyPatch, jsonEqual, PatchError, pointersOverlap } from './fix.js';
import { editYaml, EditError } from './yaml-edit.js';
import type { DocumentPatch } from './yaml-edit.js';
import { pointerToField } from './pointer.js';
import type { PatchOperation } from './types.js';

/** Operations for one object; paths are relative to `source.object`. */
export interface ObjectPatch {
  source: SourceObject;
  ops: readonly PatchOperation[];
}

/** The file cannot be rewritten safely; it is left as it was. A one-line message. */
export class RewriteError extends Error {
  constructor(
    message: string,
    readonly document: number | null,
  ) {
    super(message);
    this.name = 'RewriteError';
  }
}

/**
 * The file's text with the patches applied. `objects` are all the objects parsed from `text`
 * (in order), `patches` those to change. Throws RewriteError when the edit is not possible or
 * would not give exactly the patched objects.
 */
export function rewriteText(text: string, file: string, objects: readonly SourceObject[], patches: readonly ObjectPatch[]): string {
  const byDocument = new Map<number, PatchOperation[]>();
  const byObject = new Map<SourceObject, PatchOperation[]>();
  for (const p of patches) {
    if (p.ops.length === 0) continue;
    const ops = byDocument.get(p.source.document) ?? [];
    for (const op of p.ops) ops.push({ ...op, path: p.source.itemPointer + op.path });
    byDocument.set(p.source.document, ops);
    byObject.set(p.source, [...(byObject.get(p.source) ?? []), ...p.ops]);
  }
  if (byDocument.size === 0) return text;

  const docPatches: DocumentPatch[] = [...byDocument].map(([document, ops]) => ({ document, ops }));
  let edited: string;
  try {
    edited = editYaml(text, docPatches);
  } catch (err) {
    if (err instanceof EditError) {
      const where = err.path !== null ? `${pointerToField(err.path)}: ` : '';
      throw new RewriteError(`${where}${err.message}`, err.document);
    }
    throw err;
  }

  // The proof: same objects, in the same places, each equal to what the patch makes of it.
  const reparsed = parseText(edited, file);
  if (reparsed.errors.length > 0) {
    const e = reparsed.errors[0];
    throw new RewriteError(`the rewritten text would not parse (${e.message})`, e.document);
  }
  if (reparsed.objects.length !== objects.length) {
    throw new RewriteError(`the rewritten text would hold ${reparsed.objects.length} objects instead of ${objects.length}`, null);
  }
  objects.forEach((before, i) => {
    const after = reparsed.objects[i];
    let expected: unknown = before.object;
    const ops = byObject.get(before);
    if (ops !== undefined) {
      try {
        expected = applyPatch(before.object, ops);
      } catch (err) {
        if (err instanceof PatchError) throw new RewriteError(err.message, before.document);
        throw err;
      }
    }
    if (after.document !== before.document || after.itemPointer !== before.itemPointer || !jsonEqual(after.object, expected)) {
      throw new RewriteError('editing the text would change more than the fix (anchors, aliases or merge keys?)', before.document);
    }
  });
  return edited;
}

/** ESLint's bound: fixes can enable other fixes, but never forever. */
export const MAX_FIX_PASSES = 10;

export interface FixPassResult {
  /** The text after every pass that succeeded (the input text when none did). */
  text: string;
  /** The objects parsed from `text`. */
  objects: readonly SourceObject[];
  /** Findings whose fixes were applied. */
  fixed: number;
  /** Why the last pass could not be applied, if it could not (earlier passes still count). */
  error: RewriteError | null;
}

/**
 * `lint --fix` for one file: lint, apply the fixes the findings offer, parse, and again until no
 * finding offers a fix. Within an object a fix is skipped in a pass when it touches a path an
 * earlier fix of that pass touches; the next pass sees the result and may offer it again.
 */
export function fixUntilStable(
  text: string,
  file: string,
  objects: readonly SourceObject[],
  lint: (objects: readonly SourceObject[]) => ReadonlyArray<{ source: SourceObject; findings: ReadonlyArray<{ fix?: readonly PatchOperation[] }> }>,
): FixPassResult {
  let fixed = 0;
  for (let pass = 0; pass < MAX_FIX_PASSES; pass++) {
    const patches: ObjectPatch[] = [];
    let fixedThisPass = 0;
    for (const report of lint(objects)) {
      const ops: PatchOperation[] = [];
      for (const finding of report.findings) {
        const fix = finding.fix;
        if (fix === undefined || fix.length === 0) continue;
        if (fix.some((op) => ops.some((taken) => pointersOverlap(taken.path, op.path)))) continue;
        ops.push(...fix);
        fixedThisPass++;
      }
      if (ops.length > 0) patches.push({ source: report.source, ops });
    }
    if (patches.length === 0) break;
    try {
      text = rewriteText(text, file, objects, patches);
    } catch (err) {
      if (err instanceof RewriteError) return { text, objects, fixed, error: err };
      throw err;
    }
    fixed += fixedThisPass;
    objects = parseText(text, file).objects;
  }
  return { text, objects, fixed, error: null };
}
