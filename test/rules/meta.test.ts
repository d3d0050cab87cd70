// Meta-tests over the rule registry (after typescript-eslint's tests/docs.test.ts and
// kube-linter's check-bats-tests.sh): every rule is complete, consistent with its file, tested
// and documented, and its generated page is current. The last part shows that the RuleTester's
// own checks fail when they should.
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { rules } from '../../rules/index.js';
import type { AnyRule } from '../../rules/index.js';
import { defineRule } from '../../rules/define-rule.js';
import type { Rule } from '../../rules/define-rule.js';
import memoryRequestMissing from '../../rules/memory-request-missing.js';
import memoryLimitRequestRatio from '../../rules/memory-limit-request-ratio.js';
import { DOCS_DIR, PLACEHOLDERS, docsStatus, renderIndex, renderRuleDoc, rulePlaceholders, splitSections } from '../../scripts/gen-docs.js';
import { evaluateRuleTests, lintManifest, yaml } from '../helpers/rule-tester.js';
import type { Evaluation, RuleTests } from '../helpers/rule-tester.js';
import { parseText } from '../../src/input/parse.js';
import type { GivenNodes } from '../../src/core/placement.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const NOT_RULES = new Set(['define-rule.ts', 'index.ts', 'utils.ts']);
const KEBAB = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const CAMEL = /^[a-z][a-zA-Z0-9]*$/;
/** A Kubernetes source path, a staged repository path or a KEP. */
const KUBERNETES_SOURCE = /`(?:pkg|staging|cmd|plugin)\/[\w./-]+`|k8s\.io\/[\w./-]+|KEP-\d+/;
const STALE = 'is stale: run `npm run docs` to regenerate docs/rules/';

t.test('registry', async (t) => {
  const ids = rules.map((r) => r.meta.id);
  t.same(ids, [...ids].sort(), 'rules/index.ts lists the rules sorted by id');
  t.equal(new Set(ids).size, ids.length, 'no id is listed twice');
  const files = readdirSync(path.join(root, 'rules'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !NOT_RULES.has(f))
    .map((f) => f.slice(0, -'.ts'.length))
    .sort();
  t.same(ids, files, 'every rules/<id>.ts is in the registry, and every registry entry has its file');
  for (const id of ids) {
    const mod = (await import(`../../rules/${id}.js`)) as { default?: AnyRule };
    t.equal(mod.default, rules.find((r) => r.meta.id === id), `rules/${id}.ts default-exports the rule whose id is "${id}"`);
  }
  const tests = readdirSync(path.join(root, 'test', 'rules'))
    .filter((f) => f.endsWith('.test.ts') && f !== 'meta.test.ts')
    .map((f) => f.slice(0, -'.test.ts'.length));
  t.same(tests.filter((id) => !ids.includes(id)), [], 'every test/rules/<id>.test.ts tests a rule of the registry');
});

/** Full manifests (apiVersion and kind at the top level) in the YAML blocks of a docs section. */
function yamlBlocks(lines: string[]): string[] {
  const blocks: string[] = [];
  let current: string[] | null = null;
  for (const line of lines) {
    if (current === null && /^```ya?ml\s*$/.test(line)) current = [];
    else if (current !== null && /^```\s*$/.test(line)) {
      blocks.push(`${current.join('\n')}\n`);
      current = null;
    } else if (current !== null) current.push(line);
  }
  return blocks.filter((b) => /^apiVersion:/m.test(b) && /^kind:/m.test(b));
}

/** The ### subsections of the docs' "Examples" section, by title. */
function examples(docs: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const section = splitSections(docs).find((s) => s.title?.toLowerCase() === 'examples');
  if (!section) return out;
  let title: string | null = null;
  for (const line of section.lines) {
    const m = /^### +(.+?)\s*$/.exec(line);
    if (m) {
      title = m[1].toLowerCase();
      out.set(title, []);
    } else if (title !== null) out.get(title)!.push(line);
  }
  return out;
}

/** Backtick spans outside code fences that read like a finding (40+ characters), whitespace collapsed. */
function quotedMessages(lines: string[]): string[] {
  const prose: string[] = [];
  let inFence = false;
  for (const line of lines) {
    if (/^```/.test(line)) inFence = !inFence;
    else if (!inFence) prose.push(line);
  }
  return [...prose.join('\n').matchAll(/(?<!`)`([^`]{40,})`(?!`)/g)].map((m) => m[1].replace(/\s+/g, ' ').trim());
}

for (const rule of rules) {
  const m = rule.meta;
  t.test(m.id, async (t) => {
    t.match(m.id, KEBAB, 'id is kebab-case');
    t.ok(existsSync(path.join(root, 'test', 'rules', `${m.id}.test.ts`)), `has a test file test/rules/${m.id}.test.ts`);
    t.ok(['error', 'warning', 'info', 'off'].includes(m.severity), `severity "${m.severity}" is error, warning, info or off`);
    t.equal(typeof m.fixable, 'boolean', 'fixable is a boolean');

    t.ok(m.description.length > 0 && !m.description.includes('\n'), 'description is one line');
    t.match(m.description, /^\S.*\.$/, 'description ends with a period');
    t.ok(m.remediation.trim().length > 0, 'remediation is not empty');
    t.match(m.remediation, /\.$/, 'remediation ends with a period (kube-linter)');
    t.ok(m.docs.trim().length > 0, 'docs are not empty');
    t.match(m.docs, KUBERNETES_SOURCE, 'docs name the Kubernetes source of the behaviour (a pkg/… path, k8s.io/… or a KEP)');

    // Options: a JSON Schema that ajv compiles strictly, closed, with valid defaults.
    t.equal(m.options.type, 'object', 'options schema is an object schema');
    t.equal(m.options.additionalProperties, false, 'options schema has additionalProperties: false');
    const ajv = new Ajv({ strict: true, allErrors: true });
    let validate;
    try {
      validate = ajv.compile(m.options);
    } catch (err) {
      t.fail(`options schema does not compile with ajv (strict): ${(err as Error).message}`);
    }
    if (validate) t.ok(validate(m.defaultOptions), `defaultOptions validate: ${ajv.errorsText(validate.errors)}`);
    const props = (m.options.properties ?? {}) as Record<string, Record<string, unknown>>;
    for (const [name, schema] of Object.entries(props)) {
      t.equal(typeof schema.description, 'string', `option ${name} has a description (shown in the docs table)`);
    }

    // Messages: camelCase ids, every placeholder documented.
    const messages = m.messages as Record<string, string>;
    t.ok(Object.keys(messages).length > 0, 'has at least one message');
    for (const [id, template] of Object.entries(messages)) {
      t.match(id, CAMEL, `messageId ${id} is camelCase`);
      t.ok(template.trim().length > 0, `message ${id} is not empty`);
    }
    const undocumented = rulePlaceholders(rule).filter((p) => !Object.prototype.hasOwnProperty.call(PLACEHOLDERS, p));
    t.same(undocumented, [], 'every message placeholder is documented in PLACEHOLDERS (scripts/gen-docs.ts)');

    // The docs' own examples: complete Incorrect manifests report, complete Correct ones do not,
    // and a finding quoted in backticks is one the example really produces.
    const ex = examples(m.docs);
    const incorrect = ex.get('incorrect') ?? [];
    const node = /On an? (\d+[KMGTP]i) node/.exec(incorrect.join('\n'))?.[1];
    // A block of Node objects in the Incorrect section is the `--node` the examples are linted with.
    const nodeBlocks = yamlBlocks(incorrect).filter((b) => /^kind: (Node|NodeList)$/m.test(b) && !/^kind: (?!Node|NodeList)/m.test(b));
    const givenNodes = nodeBlocks.length === 0 ? undefined : nodesOf(nodeBlocks[0]);
    const nodeOption = givenNodes !== undefined ? { node: givenNodes } : node ? { nodeMemory: node } : {};
    const incorrectManifests = yamlBlocks(incorrect).filter((b) => !nodeBlocks.includes(b));
    t.ok(incorrectManifests.length > 0, 'docs have an "### Incorrect" example with a complete manifest');
    const produced: string[] = [];
    for (const manifest of incorrectManifests) {
      const { parsed, result } = lintManifest([rule], { manifest, ...nodeOption });
      t.same([...parsed.errors, ...result.errors].map((e) => e.message), [], 'the Incorrect example is valid input');
      const found = result.objects.flatMap((o) => o.findings);
      t.ok(found.length > 0, `the Incorrect example is reported${node ? ` (on a ${node} node)` : ''}`);
      produced.push(...found.map((f) => f.message));
    }
    for (const quoted of quotedMessages(incorrect)) {
      t.ok(produced.includes(quoted), `the message quoted in the docs is what the example produces: ${quoted}`, { found: produced });
    }
    for (const manifest of yamlBlocks(ex.get('correct') ?? [])) {
      const { parsed, result } = lintManifest([rule], { manifest, ...nodeOption });
      t.same([...parsed.errors, ...result.errors].map((e) => e.message), [], 'the Correct example is valid input');
      t.same(result.objects.flatMap((o) => o.findings).map((f) => f.message), [], 'the Correct example reports nothing');
    }

    // The generated page.
    const page = path.join(root, DOCS_DIR, `${m.id}.md`);
    t.ok(existsSync(page), `${DOCS_DIR}/${m.id}.md exists (run \`npm run docs\`)`);
    if (existsSync(page)) t.ok(readFileSync(page, 'utf8') === renderRuleDoc(rule), `${DOCS_DIR}/${m.id}.md ${STALE}`);
  });
}

/** The Node objects of a YAML block, as `--node` gives them. */
function nodesOf(block: string): GivenNodes {
  const parsed = parseText(block, 'nodes.yaml');
  return { nodes: parsed.objects.filter((o) => o.object.kind === 'Node').map((o) => ({ object: o.object, pointer: o.itemPointer })), source: 'node-file' };
}

t.test('docs/rules/README.md and no orphaned pages', async (t) => {
  const index = path.join(root, DOCS_DIR, 'README.md');
  t.ok(existsSync(index) && readFileSync(index, 'utf8') === renderIndex(rules), `${DOCS_DIR}/README.md ${STALE}`);
  const { stale, orphaned } = docsStatus(root, rules);
  t.same(stale, [], `no stale page (${STALE})`);
  t.same(orphaned, [], 'no generated page of a rule that no longer exists (run `npm run docs`)');
  const pages = readdirSync(path.join(root, DOCS_DIR)).filter((f) => f.endsWith('.md') && f !== 'README.md');
  t.same(pages.map((f) => f.slice(0, -3)).filter((id) => !rules.some((r) => r.meta.id === id)), [], 'every page documents a rule');
});

t.test('the rendered page', async (t) => {
  const page = renderRuleDoc(memoryLimitRequestRatio);
  const headings = page.split('\n').filter((l) => /^## /.test(l));
  t.same(headings, ['## Rule details', '## Options', '## Messages', '## How to fix', '## Configuration'], 'sections in order');
  t.match(page, /^# memory-limit-request-ratio$/m);
  t.match(page, /^- \*\*Default severity:\*\* `warning`$/m);
  t.match(page, /^\| `maxRatio` \| number \(≥ 1\) \| `2` \| Largest allowed memory limit \/ request ratio; 1 requires limit == request\. \|$/m);
  t.match(page, /^### Why it matters$/m, 'the rule docs nest one level down');
  t.notMatch(page, /^## Why it matters$/m);
  t.match(page, /^- `\{\{maxRatio\}\}`: the `maxRatio` option$/m, 'placeholders are explained');
  t.match(page, /rules:\n {2}memory-limit-request-ratio:\n {4}severity: warning\n {4}options:\n {6}maxRatio: 2\n/);
  t.equal(page.match(/This rule has no options/g), null);
  const noOptions = renderRuleDoc(memoryRequestMissing);
  t.equal(noOptions.match(/This rule has no options\./g)?.length, 1, 'the no-options sentence appears once');
  t.match(noOptions, /rules:\n {2}memory-request-missing: error\n/);
});

// ---------------------------------------------------------------------------------------------
// The RuleTester's checks, each shown to fail (ESLint tests its RuleTester the same way).

const pod = yaml`
  apiVersion: v1
  kind: Pod
  metadata:
    name: app
  spec:
    containers:
      - name: app
        image: example/app:1.0
`;
const podWithRequest = yaml`
  apiVersion: v1
  kind: Pod
  metadata:
    name: app
  spec:
    containers:
      - name: app
        image: example/app:1.0
        resources:
          requests: {memory: 1Gi}
`;

function problemsOf(e: Evaluation): string[] {
  return [...e.setup.map((p) => p.message), ...e.cases.flatMap((c) => c.problems.map((p) => `${c.name}: ${p.message}`))];
}

function check<O, M extends string>(rule: Rule<O, M>, tests: RuleTests<O, M>): string[] {
  return problemsOf(evaluateRuleTests(rule, tests));
}

type FakeOptions = { size: number };
/** A rule for the tester's own tests: reports each container without a memory request. */
function fakeRule(over: {
  fixable?: boolean;
  report?: (container: string, pointer: string) => Record<string, unknown>;
  mutate?: boolean;
  messages?: Record<string, string>;
}) {
  return defineRule<FakeOptions, string>({
    meta: {
      id: 'fake-rule',
      severity: 'warning',
      description: 'A fake rule.',
      remediation: 'Nothing.',
      docs: 'None.',
      options: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } }, additionalProperties: false },
      defaultOptions: { size: 1 },
      messages: over.messages ?? { missing: '"{{container}}" has no request' },
      fixable: over.fixable ?? false,
    },
    check(w) {
      if (over.mutate) (w.pod.metadata as Record<string, unknown>).name = 'changed';
      return w.analysis.containers
        .filter((c) => c.memoryRequest === null)
        .map((c) => {
          const pointer = `${w.podPointer}/spec${c.specPointer}`;
          return {
            messageId: 'missing',
            data: { container: c.name },
            path: pointer,
            container: c.name,
            ...(over.report ? over.report(c.name, pointer) : {}),
          } as never;
        });
    },
  });
}

t.test('RuleTester: each check fails when it should', async (t) => {
  const rule = memoryRequestMissing;
  const expectProblem = (problems: string[], re: RegExp, what: string) =>
    t.ok(problems.some((p) => re.test(p)), what, { found: problems });

  expectProblem(check(rule, { valid: [{ manifest: pod }], invalid: [{ manifest: podWithRequest, errors: [{ messageId: 'bestEffort' }] }] }),
    /should report nothing, reported 1/, 'a valid case that reports');
  expectProblem(check(rule, { valid: [{ manifest: podWithRequest }], invalid: [{ manifest: podWithRequest, name: 'x', errors: [{ messageId: 'bestEffort' }] }] }),
    /should report 1 error\(s\), reported 0/, 'an invalid case that reports nothing');
  expectProblem(check(rule, { valid: [{ manifest: podWithRequest }], invalid: [{ manifest: pod, errors: [{ messageId: 'bestEffort' }, { messageId: 'bestEffort' }] }] }),
    /should report 2 error\(s\), reported 1/, 'a count mismatch');
  expectProblem(check(rule, { valid: [{ manifest: podWithRequest }], invalid: [{ manifest: pod, errors: [{ messageId: 'burstable' }] }] }),
    /messageId differs/, 'another messageId');
  expectProblem(check(rule, { valid: [{ manifest: podWithRequest }], invalid: [{ manifest: pod, errors: [{ messageId: 'noSuchMessage' as 'burstable' }] }] }),
    /expected messageId "noSuchMessage" does not exist/, 'an unknown expected messageId');
  expectProblem(check(rule, { valid: [{ manifest: podWithRequest }], invalid: [{ manifest: pod, errors: [{ messageId: 'bestEffort', path: '/spec/containers/1' }] }] }),
    /path differs/, 'another path');
  expectProblem(check(rule, { valid: [{ manifest: podWithRequest }], invalid: [{ manifest: pod, errors: [{ messageId: 'bestEffort', line: 1 }] }] }),
    /line differs/, 'another line');
  expectProblem(check(rule, { valid: [{ manifest: podWithRequest }], invalid: [{ manifest: pod, errors: [{ messageId: 'bestEffort', severity: 'warning' }] }] }),
    /severity differs/, 'another severity');
  expectProblem(check(rule, { valid: [{ manifest: podWithRequest }], invalid: [{ manifest: pod, errors: [{ messageId: 'bestEffort', message: /Guaranteed/ }] }] }),
    /message differs/, 'a message pattern that does not match');
  expectProblem(check(rule, { valid: [{ manifest: podWithRequest }], invalid: [{ manifest: pod, errors: [{ messageId: 'bestEffort', data: { what: 'container', container: 'app', nodeMemory: '8Gi', aNodeMemory: 'an 8Gi' } }] }] }),
    /message \(from data\) differs/, 'data that renders another message');
  expectProblem(check(rule, { valid: [{ manifest: podWithRequest }], invalid: [{ manifest: pod, errors: [{ messageId: 'bestEffort', data: { what: 'container' } }] }] }),
    /`data` leaves a placeholder/, 'incomplete data');
  expectProblem(check(rule, { valid: [{ manifest: podWithRequest }, { manifest: podWithRequest, name: 'again' }], invalid: [{ manifest: pod, errors: [{ messageId: 'bestEffort' }] }] }),
    /duplicate case: same input/, 'a duplicate case');
  expectProblem(check(rule, { valid: [{ manifest: podWithRequest, name: 'n' }, { manifest: pod, name: 'n', nodeMemory: '8Gi' }], invalid: [{ manifest: pod, errors: [{ messageId: 'bestEffort' }] }] }),
    /duplicate case name "n"/, 'a duplicate name');
  expectProblem(check(rule, { valid: [{ manifest: 'kind: Pod\n  bad: [\n' }], invalid: [{ manifest: pod, errors: [{ messageId: 'bestEffort' }] }] }),
    /manifest does not parse/, 'YAML that does not parse');
  expectProblem(check(rule, { valid: [{ manifest: podWithRequest.replace('1Gi', '1GB') }], invalid: [{ manifest: pod, errors: [{ messageId: 'bestEffort' }] }] }),
    /lint error: .*1GB/, 'an invalid quantity (an input error)');
  expectProblem(check(rule, { valid: [{ manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {}\n' }], invalid: [{ manifest: pod, errors: [{ messageId: 'bestEffort' }] }] }),
    /must hold at least one object\(s\) with a pod, found 0/, 'a case with nothing to analyse');
  expectProblem(check(rule, { valid: [], invalid: [{ manifest: pod, errors: [{ messageId: 'bestEffort' }] }] }), /no valid cases/, 'an empty valid table');
  expectProblem(check(rule, { valid: [{ manifest: podWithRequest }], invalid: [{ manifest: pod, errors: [{ messageId: 'bestEffort' }] }] }),
    /no invalid case expects messageId\(s\): burstable, burstableCapped, nodeCritical, noRequest/, 'messageIds no case covers');
  expectProblem(check(rule, { valid: [{ manifest: podWithRequest, kubernetesVersion: '1.99' }], invalid: [{ manifest: pod, errors: [{ messageId: 'bestEffort' }] }] }),
    /kubernetesVersion "1\.99": unsupported Kubernetes version/, 'an unsupported Kubernetes version');
  expectProblem(check(rule, { valid: [{ manifest: podWithRequest, featureGates: { SidecarContainers: false } }], invalid: [{ manifest: pod, errors: [{ messageId: 'bestEffort' }] }] }),
    /the pipeline threw: .*SidecarContainers/, 'a feature gate the version does not have');
  expectProblem(check(memoryLimitRequestRatio, { valid: [{ manifest: podWithRequest, options: { maxRatio: 0.5 } }], invalid: [] }),
    /options do not match the rule's schema: data\/maxRatio must be >= 1/, 'options the schema rejects');
  expectProblem(check(rule, { valid: [{ manifest: podWithRequest, nodeMemory: '8Gi', node: lintManifest([], { manifest: pod }).node }], invalid: [] }),
    /give `node` or `nodeMemory`, not both/, 'node and nodeMemory together');
});

t.test('RuleTester: messages, fixes and purity', async (t) => {
  const expectProblem = (problems: string[], re: RegExp, what: string) =>
    t.ok(problems.some((p) => re.test(p)), what, { found: problems });
  const invalid = [{ manifest: pod, errors: [{ messageId: 'missing' }] }];
  const valid = [{ manifest: podWithRequest }];

  t.same(check(fakeRule({}), { valid, invalid }), [], 'the fake rule passes its own table');
  expectProblem(check(fakeRule({ messages: { missing: '"{{container}}" has {{what}}' } }), { valid, invalid }),
    /unrendered placeholder in message: "app" has \{\{what\}\}/, 'a placeholder without data');
  expectProblem(check(fakeRule({ report: () => ({ messageId: 'other' }) }), { valid, invalid: [{ manifest: pod, errors: [{ messageId: 'missing' }] }] }),
    /reported messageId "other" does not exist/, 'a reported messageId that is not in meta.messages');
  expectProblem(check(fakeRule({ report: () => ({ path: 'spec/containers/0' }) }), { valid, invalid }), /path is not a JSON Pointer/, 'a path that is no JSON Pointer');
  expectProblem(check(fakeRule({ mutate: true }), { valid, invalid }), /mutated the parsed input/, 'a rule that mutates its input');

  const addRequest = (_c: string, pointer: string) => ({ fix: [{ op: 'add', path: `${pointer}/resources`, value: { requests: { memory: '1Gi' } } }] });
  expectProblem(check(fakeRule({ report: addRequest }), { valid, invalid }), /not fixable .* but returned a fix/, 'a fix from a rule that is not fixable');
  expectProblem(check(fakeRule({}), { valid, invalid: [{ ...invalid[0], output: {} }] }), /rule is not fixable .*remove `output`/, '`output` for a rule that is not fixable');
  const fixable = fakeRule({ fixable: true, report: addRequest });
  expectProblem(check(fixable, { valid, invalid }), /rule fixed the manifest: assert the result with `output`/, 'a fix nobody asserted');
  const fixed = lintManifest([], { manifest: podWithRequest }).parsed.objects[0].object;
  t.same(check(fixable, { valid, invalid: [{ ...invalid[0], output: fixed }] }), [], 'the right `output` passes');
  t.same(
    check(fixable, { valid, invalid: [{ ...invalid[0], fix: [{ op: 'add', path: '/spec/containers/0/resources', value: { requests: { memory: '1Gi' } } }] }] }),
    [],
    'the right `fix` passes',
  );
  expectProblem(check(fixable, { valid, invalid: [{ ...invalid[0], output: { ...fixed, kind: 'Other' } }] }), /output differs/, 'another `output`');
  expectProblem(check(fixable, { valid, invalid: [{ ...invalid[0], output: null }] }), /expected no fix/, '`output: null` when a fix is offered');
  expectProblem(check(fixable, { valid, invalid: [{ ...invalid[0], fix: [] }] }), /fix operations differ/, 'other operations');
  const badPath = fakeRule({ fixable: true, report: () => ({ fix: [{ op: 'replace', path: '/spec/nothing/here', value: 1 }] }) });
  expectProblem(check(badPath, { valid, invalid: [{ ...invalid[0], output: fixed }] }), /the fix does not apply/, 'a fix that does not apply');
  // A fix that does not remove the cause is offered again on the fixed object.
  const notIdempotent = fakeRule({ fixable: true, report: (_c, pointer) => ({ fix: [{ op: 'add', path: `${pointer}/image`, value: 'example/app:1.1' }] }) });
  const bumped = lintManifest([], { manifest: pod.replace('example/app:1.0', 'example/app:1.1') }).parsed.objects[0].object;
  expectProblem(check(notIdempotent, { valid, invalid: [{ ...invalid[0], output: bumped }] }), /fix is not idempotent/, 'a fix offered again after applying it');
});
