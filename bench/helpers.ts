// What both benches need: the manifests under a folder, and the median of repeated timings.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Every .yaml, .yml and .json file below `dir`, in a stable order. */
export function listManifests(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) listManifests(p, out);
    else if (/\.(ya?ml|json)$/.test(name)) out.push(p);
  }
  return out;
}

/** The middle value (the upper of the two middle ones for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
