// Unit slips in memory quantities: valid to the API server, absurd for a container.
import { defineRule } from './define-rule.js';
import type { RuleReport } from './define-rule.js';
import type { Quantity } from '../src/core/quantity.js';
import type { Workload } from '../src/engine/types.js';
import { containerLabel, containerPointer, escapeToken, formatBytes, isMapping, parseQuantity, rawContainer, rawResourceList } from './utils.js';

type Options = Record<string, never>;
type MessageIds = 'milliBytes' | 'subMilliBytes' | 'noUnit' | 'fractionalBytes' | 'limitTooSmall' | 'tooLarge';

const MI = 1024n * 1024n;
/** Below this a container cannot start: runc's init runs inside the cgroup. */
export const MIN_MEMORY_LIMIT = 4n * MI;
/** Above this no machine exists (the largest servers have tens of TiB). */
export const MAX_PLAUSIBLE_MEMORY = 1024n ** 5n; // 1Pi

const SUFFIX_NAMES: Record<string, string> = { u: 'micro', n: 'nano' };

/** Splits a quantity's text into its number and suffix; exponents ("1e3") count as no suffix. */
export function quantitySuffix(text: string): string {
  const m = /^[+-]?(?:\d+\.?\d*|\.\d+)(.*)$/.exec(text.trim());
  if (!m) return '';
  return /^[eE][+-]?\d+$/.test(m[1]) ? '' : m[1];
}

/** "1 byte", "512 bytes". */
function byteCount(bytes: bigint): string {
  return bytes === 1n ? '1 byte' : `${bytes} bytes`;
}

/** Whole MiB (or KiB below 1Mi), rounded up: the suggestion for a fractional value, with a unit. */
function roundedSuggestion(bytes: bigint): string {
  if (bytes >= MI) return `${(bytes + MI - 1n) / MI}Mi`;
  return `${(bytes + 1023n) / 1024n}Ki`;
}

interface Site {
  owner: string;
  field: 'memory request' | 'memory limit';
  path: string;
  container?: string;
}

const FIELD = { requests: 'memory request', limits: 'memory limit' } as const;

/**
 * Calls `visit` with every written memory quantity and a function describing where it is; the
 * description (label and pointer strings) is only built for the few quantities that are slips.
 */
function eachMemoryQuantity(w: Workload, visit: (raw: unknown, which: 'requests' | 'limits', site: () => Site) => void): void {
  for (const c of w.analysis.containers) {
    const raw = rawContainer(w, c);
    for (const which of ['requests', 'limits'] as const) {
      const list = rawResourceList(raw, which);
      if (list === null || !('memory' in list)) continue;
      visit(list.memory, which, () => ({
        owner: containerLabel(c),
        field: FIELD[which],
        path: `${containerPointer(w, c)}/resources/${which}/memory`,
        container: c.name,
      }));
    }
  }
  const spec = w.pod.spec;
  for (const which of ['requests', 'limits'] as const) {
    const list = isMapping(spec) ? rawResourceList(spec, which) : null;
    if (list === null || !('memory' in list)) continue;
    visit(list.memory, which, () => ({
      owner: 'pod-level',
      field: FIELD[which],
      path: `${w.podPointer}/spec/resources/${which}/${escapeToken('memory')}`,
    }));
  }
}

/** The first slip in one quantity, or null. Order matters: the most specific explanation wins. */
export function classify(q: Quantity, which: 'requests' | 'limits'): { messageId: MessageIds; data: Record<string, string> } | null {
  if (q.sign() <= 0) return null;
  const text = q.original.trim();
  const suffix = quantitySuffix(text);
  const bytes = q.value();
  const value = text;
  if (suffix === 'm') {
    const number = text.slice(0, -1);
    return { messageId: 'milliBytes', data: { value, bytes: byteCount(bytes), suggestion: `${number}Mi` } };
  }
  if (suffix === 'u' || suffix === 'n') {
    return { messageId: 'subMilliBytes', data: { value, suffix, suffixName: SUFFIX_NAMES[suffix], bytes: byteCount(bytes) } };
  }
  if (suffix === '' && bytes < MI) {
    const suggestion = /^\d+(\.\d+)?$/.test(text) ? `${text}Mi` : `${bytes}Mi`;
    return { messageId: 'noUnit', data: { value, bytes: byteCount(bytes), suggestion } };
  }
  if (q.isFractional()) {
    return { messageId: 'fractionalBytes', data: { value, bytes: byteCount(bytes), suggestion: roundedSuggestion(bytes) } };
  }
  if (which === 'limits' && bytes < MIN_MEMORY_LIMIT) {
    return { messageId: 'limitTooSmall', data: { value, bytes: formatBytes(bytes) } };
  }
  if (bytes > MAX_PLAUSIBLE_MEMORY) {
    return { messageId: 'tooLarge', data: { value, bytes: formatBytes(bytes) } };
  }
  return null;
}

export default defineRule<Options, MessageIds>({
  meta: {
    id: 'memory-quantity-suspicious',
    severity: 'error',
    description: 'Reports memory quantities that are valid but almost certainly unit slips, such as 100m (0.1 byte) or a bare 512 (bytes).',
    remediation:
      'Write memory with a binary unit, e.g. 512Mi or 2Gi: "m" means milli (1/1000), not mega, and a number without a unit is bytes.',
    fixable: false,
    options: { type: 'object', properties: {}, additionalProperties: false },
    defaultOptions: {},
    messages: {
      milliBytes:
        '{{owner}} {{field}} "{{value}}" is in millibytes ("m" is 1/1000, not mega): {{bytes}} after rounding up — did you mean "{{suggestion}}"?',
      subMilliBytes:
        '{{owner}} {{field}} "{{value}}" uses the {{suffixName}} suffix "{{suffix}}": {{bytes}} after rounding up — write it in Mi or Gi',
      noUnit:
        '{{owner}} {{field}} "{{value}}" has no unit, so it is {{bytes}} — did you mean "{{suggestion}}"?',
      fractionalBytes:
        '{{owner}} {{field}} "{{value}}" is not a whole number of bytes: it is rounded up to {{bytes}} and stored in millibytes — write "{{suggestion}}"',
      limitTooSmall:
        '{{owner}} memory limit "{{value}}" is {{bytes}}, under 4Mi: the runtime cannot start a container in it ("container init was OOM-killed")',
      tooLarge:
        '{{owner}} {{field}} "{{value}}" is {{bytes}}, over 1Pi — more memory than any node has; check the unit',
    },
    docs: `\
## Why it matters

Kubernetes quantities accept SI and binary suffixes, and several valid spellings mean something no
one intends for memory. The API server accepts them, the pod runs, and the mistake shows up later
as a container that cannot start, a request of a few bytes (oom_score_adj 999, nothing reserved),
or a limit that is never reached.

## Kubernetes behaviour

Quantities follow \`k8s.io/apimachinery/pkg/api/resource/quantity.go\`: suffixes \`n u m "" k M G T P E\`
(powers of 1000), \`Ki Mi Gi Ti Pi Ei\` (powers of 1024) and \`e\`/\`E\` exponents. For memory the kubelet
and the scheduler use \`Quantity.Value()\`, whole bytes rounded **up**. Values that are not whole
bytes are canonicalised to millibytes: \`1.3Gi\` is stored as \`1395864371200m\`.

The rule reads every memory request and limit as written (container, sidecar, init container and
pod-level \`spec.resources\`) and reports the first matching slip of each, in this order:

| messageId | when | example | severity |
|---|---|---|---|
| \`milliBytes\` | suffix \`m\` (milli: 1/1000) | \`memory: 100m\` is 0.1 byte, rounded up to 1 | error |
| \`subMilliBytes\` | suffix \`u\` or \`n\` | \`memory: 500u\` | error |
| \`noUnit\` | no unit (or only an exponent) and under 1Mi | \`memory: 512\` is 512 bytes; meant \`512Mi\` | error |
| \`fractionalBytes\` | not a whole number of bytes | \`1.3Gi\`, \`0.1Ki\` (102.4 bytes) | warning |
| \`limitTooSmall\` | a memory **limit** under 4Mi | \`limits: {memory: 1Mi}\` | error |
| \`tooLarge\` | over 1Pi | \`memory: 10Pi\`, \`memory: 2E\` | error |

Notes:

- \`limitTooSmall\`: the runtime's own init process (\`runc init\`) runs inside the container's cgroup
  before the workload starts; with a limit of a few MiB it is OOM-killed and container creation fails
  with \`container init was OOM-killed (memory limit too low?)\` (runc \`libcontainer/process_linux.go\`).
  Docker refused limits under 6MB for the same reason. Requests are not held to this bound.
- \`noUnit\` stops at 1Mi: \`memory: 1073741824\` (1Gi in bytes) is a legitimate spelling.
- Decimal units (\`512M\`, \`1G\`) are not reported: they are about 5% and 7% smaller than \`Mi\`/\`Gi\`, which
  is rarely a problem. Invalid spellings (\`1GB\`, \`1gi\`) are rejected as input errors before any rule runs.
- Zero and negative values are left to \`memory-request-missing\` and API validation.

## Examples

### Incorrect

\`\`\`yaml
apiVersion: v1
kind: Pod
metadata:
  name: cache
spec:
  containers:
    - name: cache
      image: example/cache:1.0
      resources:
        requests: {memory: 100m}
        limits: {memory: 512}
\`\`\`

### Correct

\`\`\`yaml
apiVersion: v1
kind: Pod
metadata:
  name: cache
spec:
  containers:
    - name: cache
      image: example/cache:1.0
      resources:
        requests: {memory: 512Mi}
        limits: {memory: 1Gi}
\`\`\`

## Options

This rule has no options.

## When not to use it

Hardly ever: each reported value is either wrong or easily rewritten. Tiny limits in deliberate
failure-injection tests can be suppressed with \`oomguard.io/ignore: memory-quantity-suspicious\`.
`,
  },
  check(w) {
    const reports: RuleReport<MessageIds>[] = [];
    eachMemoryQuantity(w, (raw, which, describe) => {
      const q = parseQuantity(raw);
      if (q === null) return;
      const slip = classify(q, which);
      if (slip === null) return;
      const site = describe();
      reports.push({
        messageId: slip.messageId,
        data: { owner: site.owner, field: site.field, ...slip.data },
        path: site.path,
        ...(site.container !== undefined ? { container: site.container } : {}),
        ...(slip.messageId === 'fractionalBytes' ? { severity: 'warning' as const } : {}),
      });
    });
    return reports;
  },
});
