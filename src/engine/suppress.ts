// Suppression by annotation, on the object or on its pod template (which the webhook sees on
// the pods a controller creates): `oomguard.io/ignore: rule-a,rule-b`, or `all`.
export const IGNORE_ANNOTATION = 'oomguard.io/ignore';

export type Suppressed = { all: boolean; rules: Set<string> };

function annotationOf(meta: unknown): string | null {
  if (typeof meta !== 'object' || meta === null) return null;
  const annotations = (meta as { annotations?: unknown }).annotations;
  if (typeof annotations !== 'object' || annotations === null) return null;
  const value = (annotations as Record<string, unknown>)[IGNORE_ANNOTATION];
  return typeof value === 'string' ? value : null;
}

export function suppressedRules(object: Record<string, unknown>, podMetadata: unknown): Suppressed {
  const out: Suppressed = { all: false, rules: new Set() };
  for (const value of [annotationOf(object.metadata), annotationOf(podMetadata)]) {
    if (value === null) continue;
    for (const part of value.split(',')) {
      const id = part.trim();
      if (id === 'all' || id === '*') out.all = true;
      else if (id !== '') out.rules.add(id);
    }
  }
  return out;
}

export function isSuppressed(s: Suppressed, ruleId: string): boolean {
  return s.all || s.rules.has(ruleId);
}
