// A running Pod against its template after defaulting and the LimitRanges: what differs, and who
// made it (a LimitRange, or admission: a mutating webhook, VPA, …).
import t from 'tap';
import { analyzePod } from '../../src/core/analyze-pod.js';
import { parseLimitRange } from '../../src/core/limit-range.js';
import { resolveFeatureGates } from '../../src/core/versions.js';
import type { LimitRange, PodLike } from '../../src/core/types.js';
import { diffTemplate } from '../../src/audit/template-diff.js';

const version = '1.33';
const gates = resolveFeatureGates(version);
const GI = 1024n ** 3n;
const MI = 1024n ** 2n;

type Container = { name: string; resources?: Record<string, Record<string, string>>; restartPolicy?: string };

function result(containers: Container[], limitRanges: LimitRange[] = [], initContainers: Container[] = []) {
  const pod: PodLike = { metadata: { name: 'p', namespace: 'shop' }, spec: { containers, initContainers } };
  return analyzePod(pod, { version, gates, memoryCapacity: 8n * GI, limitRanges }).result;
}

const istio: Container = { name: 'istio-proxy', resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '1Gi' } } };
const defaults = parseLimitRange(
  { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'defaults', namespace: 'shop' }, spec: { limits: [{ type: 'Container', defaultRequest: { memory: '256Mi' }, default: { memory: '512Mi' } }] } },
  'default',
);

t.test('an injected sidecar the template lacks: the seed\'s Prometheus case, invisible in the manifest', async (t) => {
  const d = diffTemplate(result([{ name: 'app' }, istio]), result([{ name: 'app' }]));
  t.equal(d.numbersDiffer, true);
  t.same(d.template, { qosClass: 'BestEffort', containers: [{ name: 'app', type: 'container', oomScoreAdj: 1000 }] });
  t.equal(d.differences.length, 1);
  t.match(d.differences[0], { change: 'container-added', container: 'istio-proxy', containerType: 'container', by: 'admission' });
  t.match(d.differences[0].message, /istio-proxy added at admission.*memory request 128Mi, limit 1Gi; cpu request 100m/);
});

t.test('a native sidecar injected among the init containers', async (t) => {
  const proxy = { ...istio, restartPolicy: 'Always' };
  const d = diffTemplate(result([{ name: 'app' }], [], [proxy]), result([{ name: 'app' }]));
  t.match(d.differences, [{ change: 'container-added', container: 'istio-proxy', containerType: 'sidecar' }]);
});

t.test('values a LimitRange set are attributed to it, not to admission', async (t) => {
  const running = result([{ name: 'app', resources: { requests: { memory: '256Mi' }, limits: { memory: '512Mi' } } }]);
  const d = diffTemplate(running, result([{ name: 'app' }], [defaults]));
  t.equal(d.numbersDiffer, false, 'the template with the LimitRange gives the same numbers');
  t.match(d.differences, [
    { change: 'value', container: 'app', field: 'memoryRequest', running: 256n * MI, template: 256n * MI, by: 'limit-range', limitRange: 'shop/defaults' },
    { change: 'value', container: 'app', field: 'memoryLimit', running: 512n * MI, by: 'limit-range', limitRange: 'shop/defaults' },
  ]);
  t.match(d.differences[0].message, 'memory request of app: 256Mi, set by LimitRange shop/defaults (the template has none)');
});

t.test('a request changed at admission (VPA)', async (t) => {
  const d = diffTemplate(
    result([{ name: 'cart', resources: { requests: { memory: '200Mi' }, limits: { memory: '256Mi' } } }]),
    result([{ name: 'cart', resources: { requests: { memory: '128Mi' }, limits: { memory: '256Mi' } } }]),
  );
  t.equal(d.numbersDiffer, true);
  t.match(d.differences, [{ field: 'memoryRequest', running: 200n * MI, template: 128n * MI, by: 'admission', limitRange: null }]);
  t.match(d.differences[0].message, /200Mi in the Pod, 128Mi in the template: changed at admission \(a mutating webhook, VPA, …\)/);
});

t.test('a value added at admission where the template (and no LimitRange) has none; a cpu limit counts too', async (t) => {
  const d = diffTemplate(
    result([{ name: 'app', resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } } }]),
    result([{ name: 'app', resources: { requests: { memory: '1Gi' }, limits: { memory: '1Gi' } } }]),
  );
  t.equal(d.numbersDiffer, true, 'cpu made the Pod Guaranteed');
  t.equal(d.template.qosClass, 'Burstable');
  t.match(d.differences.map((x) => [x.field, x.by]), [['cpuRequest', 'admission'], ['cpuLimit', 'admission']]);
  t.match(d.differences[0].message, /cpu request of app: 1 in the Pod, none in the template: added at admission/);
});

t.test('a LimitRange newer than the Pod: the template with it gives a value the Pod lacks', async (t) => {
  const d = diffTemplate(result([{ name: 'app' }]), result([{ name: 'app' }], [defaults]));
  t.match(d.differences, [
    { field: 'memoryRequest', running: null, template: 256n * MI, by: 'admission', limitRange: 'shop/defaults' },
    { field: 'memoryLimit', running: null, by: 'admission', limitRange: 'shop/defaults' },
  ]);
  t.match(d.differences[0].message, /the LimitRange is newer than the Pod/);
});

t.test('a template container missing from the Pod', async (t) => {
  const d = diffTemplate(result([{ name: 'app' }]), result([{ name: 'app' }, { name: 'helper' }]));
  t.match(d.differences, [{ change: 'container-removed', container: 'helper', by: 'admission' }]);
});

t.test('the same Pod: no differences', async (t) => {
  const c = [{ name: 'app', resources: { limits: { memory: '1Gi' } } }];
  const d = diffTemplate(result(c), result(c));
  t.same(d.differences, []);
  t.equal(d.numbersDiffer, false);
});
