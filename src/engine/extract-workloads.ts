// Finds the pod inside any object that holds one: a Pod, a PodTemplate, a CronJob's job
// template, and every kind with a pod template at spec.template (Deployment, StatefulSet,
// DaemonSet, ReplicaSet, ReplicationController, Job, and custom kinds such as Argo Rollouts or
// OpenShift DeploymentConfig).
import type { PodLike } from '../core/types.js';

export interface PodLocation {
  /** JSON Pointer of the pod (template) inside the object. */
  podPointer: string;
  pod: PodLike;
}

/** Kinds whose spec.template is a pod template by definition, even when it is malformed. */
const TEMPLATE_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Job',
  'DeploymentConfig',
  'Rollout',
]);

/**
 * Every kind locatePod finds a pod in by its kind (others only by the shape of spec.template): the
 * parser builds these whole even when it reduces objects without a pod (input/parse.ts).
 */
export const KINDS_WITH_POD: ReadonlySet<string> = new Set(['Pod', 'PodTemplate', 'CronJob', ...TEMPLATE_KINDS]);

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A pod template found by shape: a mapping whose spec has a containers list. */
function looksLikePodTemplate(v: unknown): v is PodLike {
  return isMapping(v) && isMapping(v.spec) && Array.isArray(v.spec.containers);
}

export function locatePod(object: Record<string, unknown>): PodLocation | null {
  const kind = object.kind;
  const spec = object.spec;
  if (kind === 'Pod') return { podPointer: '', pod: object as PodLike };
  if (kind === 'PodTemplate') {
    return isMapping(object.template) ? { podPointer: '/template', pod: object.template as PodLike } : null;
  }
  if (!isMapping(spec)) return null;
  if (kind === 'CronJob') {
    const jobTemplate = spec.jobTemplate;
    const template = isMapping(jobTemplate) && isMapping(jobTemplate.spec) ? jobTemplate.spec.template : undefined;
    return isMapping(template) ? { podPointer: '/spec/jobTemplate/spec/template', pod: template as PodLike } : null;
  }
  const template = spec.template;
  if (typeof kind === 'string' && TEMPLATE_KINDS.has(kind) && isMapping(template) && isMapping(template.spec)) {
    return { podPointer: '/spec/template', pod: template as PodLike };
  }
  if (looksLikePodTemplate(template)) return { podPointer: '/spec/template', pod: template };
  return null;
}
