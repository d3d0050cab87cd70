// A rule is metadata plus one pure function, as in ESLint: `check` reads an analysed workload
// and reports problems by messageId; the runner (src/engine/lint.ts) turns reports into
// findings with severity, message text and line.
import { nodeFitLimit } from '../src/core/node.js';
import type { NodeFacts } from '../src/core/node.js';
import { formatBytes } from '../src/core/quantity.js';
import type { Workload, Severity, SeverityOrOff, PatchOperation } from '../src/engine/types.js';

export type JSONSchema = Record<string, unknown>;

export interface RuleMeta<Options, MessageId extends string> {
  /** kebab-case, equal to the file name. */
  id: string;
  /** Default severity; `off` rules run only when the config turns them on. */
  severity: SeverityOrOff;
  /** One line, ending with a period. */
  description: string;
  /** What to do about it, one or two sentences ending with a period (kube-linter style). */
  remediation: string;
  /** Markdown: why it matters and the Kubernetes behaviour behind it. Rendered into docs/rules/<id>.md. */
  docs: string;
  /** JSON Schema of the options object (`additionalProperties: false`). */
  options: JSONSchema;
  defaultOptions: Options;
  /** messageId -> template with {{placeholders}}. */
  messages: Record<MessageId, string>;
  /** Whether the rule offers JSON Patch fixes. */
  fixable: boolean;
}

/** What a pod may use on the node: allocatable when known, else capacity. */
export interface NodeFit {
  bytes: bigint;
  /** As messages state it: "15Gi". */
  text: string;
  what: 'allocatable' | 'capacity';
}

/** The node as rules word it, computed once per node (the runner shares it across rules and objects). */
export interface NodeWording {
  /** The node's memory capacity as messages state it: "16Gi". */
  nodeMemory: string;
  nodeFit: NodeFit;
}

export interface RuleContext<Options> extends NodeWording {
  options: Options;
  node: NodeFacts;
  kubernetesVersion: string;
}

export function nodeWording(node: NodeFacts): NodeWording {
  const fit = nodeFitLimit(node);
  return { nodeMemory: formatBytes(node.memoryCapacity), nodeFit: { bytes: fit.bytes, text: formatBytes(fit.bytes), what: fit.what } };
}

export interface RuleReport<MessageId extends string> {
  messageId: MessageId;
  data?: Record<string, string | number>;
  /** JSON Pointer into the original object (the workload's source object). */
  path: string;
  container?: string;
  /** Overrides the configured severity for this report (e.g. warning for plain init containers). */
  severity?: Severity;
  fix?: PatchOperation[];
}

export interface Rule<Options = Record<string, unknown>, MessageId extends string = string> {
  meta: RuleMeta<Options, MessageId>;
  check(workload: Workload, context: RuleContext<Options>): RuleReport<MessageId>[];
}

/** Identity with types: options and messageIds flow from the declaration into `check`. */
export function defineRule<Options, MessageId extends string>(
  rule: Rule<Options, MessageId>,
): Rule<Options, MessageId> {
  return rule;
}

/** Renders a message template: "{{name}}" -> data.name. Unknown placeholders are left visible. */
export function formatMessage(template: string, data: Record<string, string | number> = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) =>
    Object.prototype.hasOwnProperty.call(data, key) ? String(data[key]) : whole,
  );
}

export type MessageFormatter = (data?: Record<string, string | number>) => string;

/**
 * formatMessage with the template parsed once, for a runner that renders the same templates on
 * every object (the webhook, per request): same output, without a regex pass per message.
 */
export function compileMessage(template: string): MessageFormatter {
  const literals: string[] = [];
  const keys: string[] = [];
  const wholes: string[] = [];
  const placeholder = /\{\{\s*(\w+)\s*\}\}/g;
  let last = 0;
  for (let m = placeholder.exec(template); m !== null; m = placeholder.exec(template)) {
    literals.push(template.slice(last, m.index));
    keys.push(m[1]);
    wholes.push(m[0]);
    last = placeholder.lastIndex;
  }
  if (keys.length === 0) return () => template;
  literals.push(template.slice(last));
  return (data = {}) => {
    let out = literals[0];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      out += Object.prototype.hasOwnProperty.call(data, key) ? String(data[key]) : wholes[i];
      out += literals[i + 1];
    }
    return out;
  };
}
