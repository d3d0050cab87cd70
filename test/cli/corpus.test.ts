// The whole shared corpus of real public manifests: no crash, sensible counts.
// Skipped with a message where ../shared is absent (a user's fresh clone).
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { oomguard, corpusDir } from '../helpers/run-cli.js';

if (!existsSync(corpusDir)) {
  t.pass(`skipped: no corpus at ${corpusDir} (it ships beside the repository in the team's workspace)`);
} else {
  t.test('lint the whole corpus', async (t) => {
    const stats = JSON.parse(readFileSync(path.join(corpusDir, 'stats.json'), 'utf8')) as {
      files: number;
      objects: number;
      objects_by_kind: Record<string, number>;
    };
    for (const version of ['1.37', '1.25']) {
      const r = oomguard(['lint', corpusDir, '--format', 'json', '--kubernetes-version', version]);
      t.not(r.code, 3, `no internal error (${version}): ${r.stderr.slice(0, 500)}`);
      t.equal(r.stderr, '', 'nothing on stderr');
      const out = JSON.parse(r.stdout) as {
        objects: Array<{ kind: string; qosClass?: string; containers?: Array<{ oomScoreAdj: number }>; findings: Array<{ rule: string; line: number }> }>;
        errors: Array<{ file: string; message: string }>;
        summary: Record<string, number>;
      };
      t.notOk(out.errors.some((e) => /internal error/.test(e.message)), 'no rule crashed');
      // Every object is listed (List items separately); only invalid quantities may fail to analyse.
      t.ok(out.objects.length >= stats.objects - out.errors.length - 10, `objects: ${out.objects.length} of ${stats.objects}`);
      const workloads = out.objects.filter((o) => o.qosClass !== undefined);
      const expectedWorkloads = ['Deployment', 'Pod', 'Job', 'ReplicationController', 'StatefulSet', 'DeploymentConfig', 'DaemonSet', 'CronJob']
        .map((k) => stats.objects_by_kind[k] ?? 0)
        .reduce((a, b) => a + b, 0);
      t.ok(workloads.length >= expectedWorkloads * 0.95, `workloads: ${workloads.length} (>= 95% of ${expectedWorkloads})`);
      for (const w of workloads) {
        for (const c of w.containers ?? []) {
          if (!(c.oomScoreAdj >= -997 && c.oomScoreAdj <= 1000)) t.fail(`adj out of range: ${c.oomScoreAdj}`);
        }
        for (const f of w.findings) if (!(f.line >= 1)) t.fail(`finding without a line: ${JSON.stringify(f)}`);
      }
      const findings = out.objects.reduce((n, o) => n + o.findings.length, 0);
      t.ok(findings > workloads.length / 2, `findings: ${findings}`);
      t.ok(out.errors.length < 50, `input errors: ${out.errors.length}: ${out.errors.slice(0, 5).map((e) => `${e.file}: ${e.message}`).join(' | ')}`);
    }
  });
}
