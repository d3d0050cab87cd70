// JSON Schema of .oomguard.yaml, with each rule's options schema inlined under
// rules.<id>.options, and the compiled validator (one per rules array).
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ValidateFunction } from 'ajv';
import type { JSONSchema } from '../../rules/define-rule.js';
import type { AnyRule } from '../../rules/index.js';
import type { SeverityOrOff } from '../engine/types.js';
import { MODELLED_GATES } from '../core/versions.js';

export const SEVERITIES: readonly SeverityOrOff[] = ['error', 'warning', 'info', 'off'];

/** Top-level fields, in the order they are documented (and listed in "unknown field" errors). */
export const CONFIG_FIELDS = ['kubernetesVersion', 'featureGates', 'node', 'namespace', 'limitRanges', 'rules', 'exclude'] as const;

const severitySchema: JSONSchema = { enum: [...SEVERITIES] };

/**
 * A rule's setting, in one of three forms (ESLint-style):
 *   severity | [severity] | [severity, options] | { severity?, options? }
 * Written with if/then/else rather than oneOf so that ajv reports the error of the form that was
 * meant (decided by the value's type), not one error per alternative.
 */
function ruleSettingSchema(rule: AnyRule): JSONSchema {
  const options = rule.meta.options;
  return {
    if: { type: 'string' },
    then: severitySchema,
    else: {
      if: { type: 'array' },
      then: { type: 'array', items: [severitySchema, options], minItems: 1, additionalItems: false },
      else: {
        type: 'object',
        properties: { severity: severitySchema, options },
        additionalProperties: false,
      },
    },
  };
}

/** The config file's JSON Schema (draft-07) for a set of rules. Sections may be null (all commented out). */
export function buildConfigSchema(rules: readonly AnyRule[]): JSONSchema {
  const ruleProps: Record<string, JSONSchema> = {};
  for (const rule of rules) ruleProps[rule.meta.id] = ruleSettingSchema(rule);
  const gateProps: Record<string, JSONSchema> = {};
  for (const gate of MODELLED_GATES) gateProps[gate] = { type: 'boolean' };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'oomguard configuration (.oomguard.yaml)',
    type: 'object',
    properties: {
      kubernetesVersion: {
        type: 'string',
        description: 'Kubernetes minor to model, e.g. "1.31" (quoted: 1.30 as a YAML number is 1.3).',
      },
      featureGates: {
        type: ['object', 'null'],
        description: 'Feature gates that change QoS or oom_score_adj, by name.',
        properties: gateProps,
        additionalProperties: false,
      },
      node: {
        type: ['object', 'null'],
        description: 'The node to judge against: memory capacity, a Node/NodeList manifest, or a cloud provider preset (one of them).',
        properties: {
          memory: { type: ['string', 'number'], description: 'Node memory capacity, e.g. 16Gi.' },
          file: { type: 'string', minLength: 1, description: 'Node or NodeList manifest, relative to the config file.' },
          preset: { type: 'string', minLength: 1, description: 'A cloud node preset, PROVIDER:MEMORY[:MAXPODS] with PROVIDER gke, eks or aks, e.g. gke:16Gi (docs/node-presets.md).' },
        },
        additionalProperties: false,
      },
      namespace: {
        type: 'string',
        description: 'The namespace of objects that set none, as kubectl\'s (default "default").',
      },
      limitRanges: {
        type: ['string', 'array', 'null'],
        description: 'LimitRange files (kubectl get limitranges -A -o yaml) to apply, relative to the config file: one path or a list.',
        minLength: 1,
        items: { type: 'string', minLength: 1 },
      },
      rules: {
        type: ['object', 'null'],
        description: 'Per rule id: a severity, [severity, options] or { severity, options }.',
        properties: ruleProps,
        additionalProperties: false,
      },
      exclude: {
        type: ['array', 'null'],
        description: "Globs of files to skip, relative to the config file's directory.",
        items: { type: 'string', minLength: 1 },
      },
    },
    additionalProperties: false,
  };
}

const validators = new WeakMap<readonly AnyRule[], ValidateFunction>();

/**
 * The compiled validator for a rules array, compiled once per array (the webhook may reload its
 * config often). `verbose` keeps parentSchema and data on errors, used to word them.
 */
export function configValidator(rules: readonly AnyRule[]): ValidateFunction {
  let validate = validators.get(rules);
  if (validate === undefined) {
    // ajv (some 60 modules, 30-40 ms to load) is loaded only when there is a config file to check:
    // most lint runs have none, and it was the largest part of `oomguard lint one.yaml`'s start-up.
    const { Ajv } = createRequire(import.meta.url)('ajv') as { Ajv: typeof AjvClass };
    // strict: false: rule schemas may carry annotation keywords ajv does not know.
    const ajv = new Ajv({ allErrors: false, verbose: true, strict: false });
    validate = ajv.compile(buildConfigSchema(rules));
    validators.set(rules, validate);
  }
  return validate;
}
