// How an object is named in reports: kind, name (or generateName*), namespace.

export interface ObjectIdentity {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | null;
}

export function describeObject(object: Record<string, unknown>): ObjectIdentity {
  const meta = (typeof object.metadata === 'object' && object.metadata !== null ? object.metadata : {}) as Record<string, unknown>;
  const name = typeof meta.name === 'string' ? meta.name : typeof meta.generateName === 'string' ? `${meta.generateName}*` : '(unnamed)';
  return {
    apiVersion: typeof object.apiVersion === 'string' ? object.apiVersion : '',
    kind: typeof object.kind === 'string' ? object.kind : '',
    name,
    namespace: typeof meta.namespace === 'string' ? meta.namespace : null,
  };
}
