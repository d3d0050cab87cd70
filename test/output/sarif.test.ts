import t from 'tap';
import {
  artifactLocation,
  assembleSarifBytes,
  declareRules,
  enabledSarifRules,
  formatSarif,
  resultRunBytes,
  FINGERPRINT_KEY,
  INPUT_ERROR_RULE_ID,
  type SarifRule,
} from '../../src/output/sarif.js';
import type { LintReport } from '../../src/engine/types.js';
import { prometheusLint, prometheusReport, configMapReport, cleanLint, INPUT_ERROR, PROMETHEUS_MESSAGE } from './fixtures.js';

const RULES: SarifRule[] = [
  {
    id: 'memory-request-missing',
    description: 'A container has no memory request.',
    remediation: 'Set resources.requests.memory to the working set of the container.',
    docs: 'Without a memory request a Burstable container gets oom_score_adj 999.',
    severity: 'error',
  },
  {
    id: 'some-off-rule',
    description: 'An off rule.',
    remediation: 'Nothing.',
    severity: 'off',
  },
];
const TOOL = { name: 'oomguard', version: '0.1.0' } as const;

/**
 * The properties SARIF 2.1.0 requires (and GitHub code scanning relies on), checked by hand;
 * returns the problems found.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function problems(sarif: any): string[] {
  const out: string[] = [];
  const check = (ok: unknown, what: string) => {
    if (!ok) out.push(what);
  };
  const LEVELS = ['none', 'note', 'warning', 'error'];
  check(sarif.$schema === 'https://json.schemastore.org/sarif-2.1.0.json', '$schema');
  check(sarif.version === '2.1.0', 'version');
  check(Array.isArray(sarif.runs) && sarif.runs.length === 1, 'one run');
  const run = sarif.runs?.[0] ?? {};
  const driver = run.tool?.driver ?? {};
  check(typeof driver.name === 'string', 'tool.driver.name');
  check(Array.isArray(driver.rules), 'tool.driver.rules');
  const ids = new Set<string>();
  for (const [i, r] of (driver.rules ?? []).entries()) {
    check(typeof r.id === 'string', `rules[${i}].id`);
    check(!ids.has(r.id), `rules[${i}] declared twice`);
    ids.add(r.id);
    check(typeof r.name === 'string', `rules[${i}].name`);
    check(typeof r.shortDescription?.text === 'string', `rules[${i}].shortDescription.text`);
    check(typeof r.fullDescription?.text === 'string', `rules[${i}].fullDescription.text`);
    check(typeof r.help?.text === 'string' && typeof r.help?.markdown === 'string', `rules[${i}].help`);
    check(LEVELS.includes(r.defaultConfiguration?.level), `rules[${i}].defaultConfiguration.level`);
    check(/^https:\/\//.test(r.helpUri), `rules[${i}].helpUri`);
  }
  check(Array.isArray(run.results), 'results');
  for (const [i, res] of (run.results ?? []).entries()) {
    check(typeof res.message?.text === 'string', `results[${i}].message.text`);
    check(typeof res.ruleId === 'string', `results[${i}].ruleId`);
    check(Number.isInteger(res.ruleIndex) && driver.rules?.[res.ruleIndex]?.id === res.ruleId, `results[${i}].ruleIndex points at ruleId`);
    check(Array.isArray(res.locations) && res.locations.length >= 1, `results[${i}] has a location (GitHub requires one)`);
    check(LEVELS.includes(res.level), `results[${i}].level`);
    const loc = res.locations?.[0]?.physicalLocation;
    check(/^[A-Za-z0-9\-._~%!$&'()*+,;=:@/]+$/.test(loc?.artifactLocation?.uri), `results[${i}] uri is a percent-encoded URI reference`);
    check(
      loc?.artifactLocation?.uriBaseId === undefined || !/^[A-Za-z][A-Za-z0-9+.-]*:|^\//.test(loc.artifactLocation.uri),
      `results[${i}] uri is relative when it has a uriBaseId`,
    );
    check(Number.isInteger(loc?.region?.startLine) && loc.region.startLine >= 1, `results[${i}] startLine >= 1`);
    check(
      typeof res.partialFingerprints === 'object' && Object.values(res.partialFingerprints).every((v) => typeof v === 'string'),
      `results[${i}].partialFingerprints`,
    );
  }
  check(Array.isArray(run.invocations) && run.invocations.length === 1, 'one invocation');
  const invocation = run.invocations?.[0] ?? {};
  check(typeof invocation.executionSuccessful === 'boolean', 'invocations[0].executionSuccessful is required');
  const notifications = invocation.toolExecutionNotifications ?? [];
  check(Array.isArray(notifications), 'toolExecutionNotifications is an array');
  check(invocation.executionSuccessful === (notifications.length === 0), 'executionSuccessful false exactly when input errors');
  const notificationIds = new Set((driver.notifications ?? []).map((d: { id: string }) => d.id));
  for (const [i, n] of notifications.entries()) {
    check(typeof n.message?.text === 'string', `notifications[${i}].message.text`);
    check(LEVELS.includes(n.level), `notifications[${i}].level`);
    check(
      notificationIds.has(n.descriptor?.id) && driver.notifications[n.descriptor.index]?.id === n.descriptor.id,
      `notifications[${i}].descriptor points at tool.driver.notifications`,
    );
    for (const loc of n.locations ?? []) {
      check(/^[A-Za-z0-9\-._~%!$&'()*+,;=:@/]+$/.test(loc.physicalLocation?.artifactLocation?.uri), `notifications[${i}] uri`);
      const region = loc.physicalLocation?.region;
      check(region === undefined || (Number.isInteger(region.startLine) && region.startLine >= 1), `notifications[${i}] startLine`);
    }
  }
  return out;
}

t.test('the Prometheus report', async (t) => {
  const text = formatSarif(prometheusLint(), RULES, TOOL);
  t.ok(text.endsWith('\n'));
  const sarif = JSON.parse(text);
  t.strictSame(problems(sarif), [], 'valid SARIF');
  const run = sarif.runs[0];
  t.strictSame(
    run.tool.driver.rules.map((r: { id: string }) => r.id),
    ['memory-request-missing', 'some-off-rule'],
    'input errors are not rules',
  );
  const rule = run.tool.driver.rules[0];
  t.strictSame(rule, {
    id: 'memory-request-missing',
    name: 'MemoryRequestMissing',
    shortDescription: { text: 'A container has no memory request.' },
    fullDescription: { text: 'A container has no memory request. Set resources.requests.memory to the working set of the container.' },
    help: {
      text:
        'A container has no memory request. Set resources.requests.memory to the working set of the container.\n' +
        'See https://github.com/oomguard/oomguard/blob/main/docs/rules/memory-request-missing.md',
      markdown:
        '**A container has no memory request.**\n\n**Remediation:** Set resources.requests.memory to the working set of the container.\n\n' +
        'Without a memory request a Burstable container gets oom_score_adj 999.\n\n' +
        '[Rule documentation](https://github.com/oomguard/oomguard/blob/main/docs/rules/memory-request-missing.md)',
    },
    helpUri: 'https://github.com/oomguard/oomguard/blob/main/docs/rules/memory-request-missing.md',
    defaultConfiguration: { level: 'error' },
    properties: { tags: ['kubernetes', 'reliability', 'oom'] },
  });
  t.strictSame(run.tool.driver.rules[1].defaultConfiguration, { level: 'none', enabled: false });
  t.equal(run.tool.driver.name, 'oomguard');
  t.equal(run.tool.driver.version, '0.1.0');
  t.equal(run.tool.driver.semanticVersion, '0.1.0');
  t.equal(run.tool.driver.informationUri, 'https://github.com/oomguard/oomguard');

  t.equal(run.results.length, 1, 'the input error is not a result');
  const [finding] = run.results;
  t.equal(finding.ruleId, 'memory-request-missing');
  t.equal(finding.ruleIndex, 0);
  t.equal(finding.level, 'error');
  t.equal(finding.message.text, PROMETHEUS_MESSAGE);
  t.strictSame(finding.locations[0].physicalLocation, {
    artifactLocation: { uri: 'k8s/prometheus.yaml', uriBaseId: '%SRCROOT%' },
    region: { startLine: 20 },
  });
  t.strictSame(finding.locations[0].logicalLocations, [
    { name: 'prometheus', fullyQualifiedName: 'Deployment monitoring/prometheus, container prometheus', kind: 'member' },
  ]);
  t.match(finding.partialFingerprints[FINGERPRINT_KEY], /^[0-9a-f]{64}$/);
  t.notOk('primaryLocationLineHash' in finding.partialFingerprints, 'left to GitHub');
  t.strictSame(finding.properties, { jsonPointer: '/spec/template/spec/containers/0', container: 'prometheus' });

  t.strictSame(run.invocations, [
    {
      executionSuccessful: false,
      toolExecutionNotifications: [
        {
          level: 'error',
          message: { text: 'bad indentation of a mapping entry (document 3)' },
          descriptor: { id: INPUT_ERROR_RULE_ID, index: 0 },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: 'bad.yaml', uriBaseId: '%SRCROOT%' },
                region: { startLine: 7 },
              },
            },
          ],
        },
      ],
    },
  ]);
  t.equal(run.tool.driver.notifications[0].id, 'input-error');
  t.equal(run.tool.driver.notifications[0].defaultConfiguration.level, 'error');
  t.equal(run.properties.kubernetesVersion, '1.34');
  t.equal(run.properties.nodeMemoryCapacity, 8589934592);
});

t.test('levels: warning, note; unknown rules get a descriptor; no rules passed', async (t) => {
  const report = prometheusLint();
  const f = report.objects[0].findings[0];
  const { container: _container, ...withoutContainer } = f;
  report.objects[0].findings.push({ ...f, severity: 'warning', rule: 'unlisted' }, { ...withoutContainer, severity: 'info', rule: 'unlisted' });
  const sarif = JSON.parse(formatSarif(report, [], TOOL));
  t.strictSame(problems(sarif), [], 'valid SARIF');
  const run = sarif.runs[0];
  t.strictSame(run.tool.driver.rules.map((r: { id: string }) => r.id), ['memory-request-missing', 'unlisted']);
  t.strictSame(run.tool.driver.rules[1].defaultConfiguration, { level: 'warning' }, 'from the first finding of the rule');
  t.strictSame(run.results.map((r: { level: string }) => r.level), ['error', 'warning', 'note']);
  t.strictSame(run.results.map((r: { ruleIndex: number }) => r.ruleIndex), [0, 1, 1]);
  t.strictSame(run.results[2].locations[0].logicalLocations, [
    { name: 'prometheus', fullyQualifiedName: 'Deployment monitoring/prometheus', kind: 'object' },
  ]);
});

t.test('fingerprints: stable when lines move, distinct per finding', async (t) => {
  const fp = (r: LintReport) => JSON.parse(formatSarif(r, RULES, TOOL)).runs[0].results.map((x: { partialFingerprints: Record<string, string> }) => x.partialFingerprints[FINGERPRINT_KEY]);
  const a = prometheusLint();
  const b = prometheusLint();
  b.objects[0].findings[0].line = 42;
  b.objects[0].source.line = 5;
  t.strictSame(fp(a), fp(b), 'line numbers are not part of the identity');

  const c = prometheusLint();
  c.objects[0].findings[0].container = 'configmap-reload';
  t.not(fp(c)[0], fp(a)[0], 'another container is another finding');

  const e = prometheusLint();
  e.objects[0].findings[0].path = '/spec/template/spec/containers/3';
  e.objects[0].apiVersion = 'apps/v1beta2';
  e.objects[0].source.itemPointer = '/items/5';
  t.strictSame(fp(e), fp(a), 'container reordering, API version and list position are not part of the identity');

  for (const [what, change] of [
    ['rule', (r: LintReport) => (r.objects[0].findings[0].rule = 'memory-limit-missing')],
    ['file', (r: LintReport) => (r.objects[0].source.file = 'k8s/other.yaml')],
    ['kind', (r: LintReport) => (r.objects[0].kind = 'StatefulSet')],
    ['namespace', (r: LintReport) => (r.objects[0].namespace = null)],
    ['name', (r: LintReport) => (r.objects[0].name = 'prometheus-2')],
    ['API group', (r: LintReport) => (r.objects[0].apiVersion = 'example.com/v1')],
    ['messageId', (r: LintReport) => (r.objects[0].findings[0].messageId = 'other')],
  ] as const) {
    const r = prometheusLint();
    change(r);
    t.not(fp(r)[0], fp(a)[0], `another ${what} is another finding`);
  }

  const p1 = prometheusLint();
  delete p1.objects[0].findings[0].container;
  const p2 = prometheusLint();
  delete p2.objects[0].findings[0].container;
  p2.objects[0].findings[0].path = '/spec/template/spec/volumes/0';
  t.not(fp(p1)[0], fp(p2)[0], 'without a container, the JSON Pointer tells findings apart');

  const d = prometheusLint();
  d.objects[0].findings.push({ ...d.objects[0].findings[0] });
  const prints = fp(d);
  t.equal(new Set(prints).size, prints.length, 'duplicates are told apart');
  t.equal(prints[1], `${prints[0]}:2`);
});

t.test('rendered file by file (a lint of many files): the same bytes as formatSarif', async (t) => {
  // Three files: one with a finding twice (its fingerprints get ":2" within the file), one
  // without findings, one with the same object as the first (another file: no suffix) and a
  // message beyond Latin-1.
  const a1 = prometheusReport();
  a1.findings.push({ ...a1.findings[0] });
  const b = configMapReport();
  b.source = { ...b.source, file: 'k8s/b.yaml' };
  const c = prometheusReport();
  c.source = { ...c.source, file: 'k8s/c.yaml' };
  c.findings[0] = { ...c.findings[0], message: `${c.findings[0].message} — ünïcode ✓`, severity: 'warning' };
  const files = [[a1, configMapReport()], [b], [c]];
  const report: LintReport = { ...prometheusLint(), objects: files.flat(), errors: [INPUT_ERROR] };
  const { index } = declareRules(RULES);
  const whole = formatSarif(report, RULES, TOOL);
  const runs = files.map((objects) => resultRunBytes(objects, index));
  t.equal(runs[1].length, 0, 'a file without findings renders nothing');
  const bytes = assembleSarifBytes({ ...report, rules: RULES, tool: TOOL }, runs);
  t.equal(bytes.toString('utf8'), whole);
  t.same(bytes, Buffer.from(whole), 'byte for byte');
  const prints = JSON.parse(whole).runs[0].results.map((r: { partialFingerprints: Record<string, string> }) => r.partialFingerprints[FINGERPRINT_KEY]);
  t.equal(prints[1], `${prints[0]}:2`, 'the duplicate within a file is told apart');
  t.equal(new Set(prints).size, 3, 'the same object in another file is another finding');
  t.same(assembleSarifBytes({ ...report, rules: RULES, tool: TOOL }, [...runs, resultRunBytes([], index)]), bytes, 'empty runs add nothing');

  const none: LintReport = { ...cleanLint(), errors: [] };
  t.equal(assembleSarifBytes({ ...none, rules: RULES, tool: TOOL }, [resultRunBytes(none.objects, index)]).toString('utf8'), formatSarif(none, RULES, TOOL), 'no results');
  t.throws(() => resultRunBytes(prometheusLint().objects, declareRules([]).index), /rule memory-request-missing .* not among the run's rules/, 'every rule must be declared up front');
});

t.test('enabledSarifRules: the rules a run declares, with their configured severity', async (t) => {
  const meta = (id: string, severity: SarifRule['severity']) => ({ meta: { id, severity, description: `${id}.`, remediation: 'Do it.', docs: 'Docs.' } });
  const registry = [meta('a', 'error'), meta('b', 'off'), meta('c', 'warning'), meta('d', 'info')];
  const settings = new Map([
    ['b', { severity: 'warning' as const }],
    ['c', { severity: 'off' as const }],
  ]);
  t.strictSame(
    enabledSarifRules(registry, settings).map((r) => [r.id, r.severity]),
    [
      ['a', 'error'],
      ['b', 'warning'],
      ['d', 'info'],
    ],
  );
  t.strictSame(enabledSarifRules(registry, new Map())[0], { id: 'a', description: 'a.', remediation: 'Do it.', docs: 'Docs.', severity: 'error' });
  t.strictSame([...declareRules([...RULES, { ...RULES[0], description: 'again' }]).index], [
    ['memory-request-missing', 0],
    ['some-off-rule', 1],
  ], 'a rule passed twice is declared once');
});

t.test('artifact locations are URI references', async (t) => {
  t.strictSame(artifactLocation('k8s/prometheus.yaml'), { uri: 'k8s/prometheus.yaml', uriBaseId: '%SRCROOT%' });
  t.strictSame(artifactLocation('./k8s/my app/[x]#1%.yaml'), { uri: 'k8s/my%20app/%5Bx%5D%231%25.yaml', uriBaseId: '%SRCROOT%' });
  t.strictSame(artifactLocation('k8s\\win\\a.yaml'), { uri: 'k8s/win/a.yaml', uriBaseId: '%SRCROOT%' });
  t.strictSame(artifactLocation('a:b.yaml'), { uri: 'a%3Ab.yaml', uriBaseId: '%SRCROOT%' }, 'no scheme confusion');
  t.strictSame(artifactLocation('../up/ü.yaml'), { uri: '../up/%C3%BC.yaml', uriBaseId: '%SRCROOT%' });
  t.strictSame(artifactLocation('<stdin>'), { uri: '%3Cstdin%3E', uriBaseId: '%SRCROOT%' });
  t.strictSame(artifactLocation('/abs/dir x/a.yaml'), { uri: 'file:///abs/dir%20x/a.yaml' });
  t.strictSame(artifactLocation('C:\\Users\\me\\a.yaml'), { uri: 'file:///C:/Users/me/a.yaml' });
  t.strictSame(artifactLocation('\\\\server\\share\\a.yaml'), { uri: 'file://server/share/a.yaml' });
});

t.test('an empty run is still valid', async (t) => {
  const report = cleanLint();
  const sarif = JSON.parse(formatSarif(report, RULES, { ...TOOL, version: 'dev', informationUri: 'https://example.test/' }));
  t.strictSame(problems(sarif), [], 'valid SARIF');
  t.strictSame(sarif.runs[0].results, []);
  t.strictSame(sarif.runs[0].invocations, [{ executionSuccessful: true }]);
  t.notOk('semanticVersion' in sarif.runs[0].tool.driver);
  t.equal(sarif.runs[0].tool.driver.informationUri, 'https://example.test/');
});

t.test('input errors without a line or document; nothing else', async (t) => {
  const report = cleanLint();
  report.objects = [];
  report.errors = [
    { file: 'big.yaml', document: null, line: null, message: 'file too large' },
    { file: 'k8s/a b.yaml', document: 0, line: 3, message: 'tab character' },
  ];
  const sarif = JSON.parse(formatSarif(report, RULES, TOOL));
  t.strictSame(problems(sarif), [], 'valid SARIF');
  const [inv] = sarif.runs[0].invocations;
  t.equal(inv.executionSuccessful, false);
  t.strictSame(inv.toolExecutionNotifications.map((n: { message: { text: string } }) => n.message.text), [
    'file too large',
    'tab character (document 1)',
  ]);
  t.strictSame(inv.toolExecutionNotifications[0].locations, [
    { physicalLocation: { artifactLocation: { uri: 'big.yaml', uriBaseId: '%SRCROOT%' } } },
  ], 'no region without a line');
  t.strictSame(inv.toolExecutionNotifications[1].locations[0].physicalLocation.region, { startLine: 3 });
  t.equal(inv.toolExecutionNotifications[1].locations[0].physicalLocation.artifactLocation.uri, 'k8s/a%20b.yaml');
  t.strictSame(sarif.runs[0].results, []);
});

t.test('the validator catches what GitHub would reject', async (t) => {
  const good = JSON.parse(formatSarif(prometheusLint(), RULES, TOOL));
  const broken = (mutate: (s: any) => void) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    const copy = structuredClone(good);
    mutate(copy);
    return problems(copy);
  };
  t.strictSame(broken((s) => (s.runs[0].results[0].ruleIndex = 1)), ['results[0].ruleIndex points at ruleId']);
  t.strictSame(broken((s) => (s.runs[0].results[0].locations[0].physicalLocation.region.startLine = 0)), ['results[0] startLine >= 1']);
  t.strictSame(broken((s) => (s.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri = 'k8s/a b.yaml')), [
    'results[0] uri is a percent-encoded URI reference',
  ]);
  t.strictSame(broken((s) => (s.runs[0].invocations[0].executionSuccessful = true)), ['executionSuccessful false exactly when input errors']);
  t.strictSame(broken((s) => delete s.runs[0].tool.driver.rules[0].help), ['rules[0].help']);
  t.strictSame(broken((s) => (s.runs[0].results[0].level = 'info')), ['results[0].level']);
});
