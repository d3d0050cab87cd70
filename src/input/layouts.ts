// Folders that hold YAML which is not a manifest as written: Helm charts and Kustomize
// kustomizations. Their files would otherwise be read as manifests and reported as input errors
// (a Go template does not parse; a kustomization.yaml or a JSON patch has no kind), or worse,
// linted as workloads (a strategic-merge patch looks like a Deployment with half a pod). What
// they mean is what `helm template` or `kustomize build` makes of them, which oomguard does not
// run: such files are left out, each chart and each such file with a note that says how to lint
// what they render to. Pure: the I/O is read.ts's.

/** The file that makes a folder a Helm chart (Helm accepts no other name). */
export const HELM_CHART_FILE = 'Chart.yaml';

/** The names kustomize looks for in a folder, in its order (api/konfig/general.go). */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const;

export function isKustomizationFile(name: string): boolean {
  return (KUSTOMIZATION_FILES as readonly string[]).includes(name);
}

/** An input left out because it is not a manifest as written. */
export type SkippedInput =
  /** A Helm chart's folder, as shown. */
  | { kind: 'helm-chart'; path: string }
  /** A kustomization file (`dir`: its folder, as shown). */
  | { kind: 'kustomization'; path: string; dir: string }
  /** A file a kustomization names as a patch or configuration (`kustomization`: its path, as shown). */
  | { kind: 'kustomize-file'; path: string; kustomization: string; dir: string };

/** A path as a POSIX shell word. */
function quoteArg(p: string): string {
  return /^[\w./@:+,=-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`;
}

/**
 * What to tell the user of the inputs left out: a line for each Helm chart, and one for each
 * kustomization with the files it names, each with the command that lints what they render to.
 */
export function skippedNotes(skipped: readonly SkippedInput[]): string[] {
  interface Kustomization {
    path: string;
    dir: string;
    /** The kustomization file itself, when it was among the inputs. */
    listed: boolean;
    /** The files it names that were among the inputs, as shown. */
    named: string[];
  }
  const notes: Array<string | Kustomization> = [];
  const kustomizations = new Map<string, Kustomization>();
  for (const s of skipped) {
    if (s.kind === 'helm-chart') {
      notes.push(`${s.path} is a Helm chart, not linted as files: lint what it renders with helm template ${quoteArg(s.path)} | oomguard lint -`);
      continue;
    }
    const path = s.kind === 'kustomization' ? s.path : s.kustomization;
    let k = kustomizations.get(path);
    if (k === undefined) {
      k = { path, dir: s.dir, listed: false, named: [] };
      kustomizations.set(path, k);
      notes.push(k);
    }
    if (s.kind === 'kustomization') k.listed = true;
    else k.named.push(s.path);
  }
  return notes.map((note) => {
    if (typeof note === 'string') return note;
    const render = `lint what the kustomization renders with kubectl kustomize ${quoteArg(note.dir)} | oomguard lint -`;
    const n = note.named.length;
    if (!note.listed) {
      return `${note.named.join(', ')} ${n === 1 ? 'is' : 'are'} named in ${note.path} as ${n === 1 ? 'a patch or configuration' : 'patches or configuration'}, not linted: ${render}`;
    }
    if (n === 0) return `${note.path} is a Kustomize file, not linted: ${render}`;
    // Beside the kustomization, its files are named as it names them.
    const prefix = note.dir === '.' ? '' : `${note.dir}/`;
    const names = note.named.map((name) => (prefix !== '' && name.startsWith(prefix) ? name.slice(prefix.length) : name));
    return `${note.path} and the ${n === 1 ? 'file' : `${n} files`} it names as patches or configuration (${names.join(', ')}) are not linted: ${render}`;
  });
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The files a kustomization names that are not resources: patches (patchesStrategicMerge,
 * patchesJson6902, patches), replacements, transformer configurations and CRD schemas, as written
 * (relative to the kustomization's folder). Inline patches (text with a line break) name no file.
 */
export function kustomizationNonResources(doc: unknown): string[] {
  if (!isMapping(doc)) return [];
  const out: string[] = [];
  const file = (v: unknown) => {
    if (typeof v === 'string' && v !== '' && !v.includes('\n')) out.push(v);
  };
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  for (const p of list(doc.patchesStrategicMerge)) file(p);
  for (const key of ['patchesJson6902', 'patches', 'replacements'] as const) {
    for (const p of list(doc[key])) if (isMapping(p)) file(p.path);
  }
  for (const key of ['configurations', 'crds'] as const) for (const p of list(doc[key])) file(p);
  return out;
}
