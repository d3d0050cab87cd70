// AggregateContainerRequests, apart from defaulting (which totals pod-level values with it) and from
// oom_score_adj (which shares the unclaimed pod request with it): both read it, neither owns it.
import { Quantity } from './quantity.js';
import type { Resources } from './pod.js';

/** What aggregation reads of a container: its resources after defaulting, and whether it is a sidecar. */
export interface AggregatedContainer {
  resources: Resources;
  /** Restartable init container, in a version that has sidecars. */
  sidecar: boolean;
}

const ZERO = Quantity.parse('0');

/** A container's request (or limit) for one resource after defaulting; zero when unset. */
export function requestOf(c: AggregatedContainer, name: string, which: 'requests' | 'limits' = 'requests'): Quantity {
  return c.resources[which].get(name) ?? ZERO;
}

function max(a: Quantity, b: Quantity): Quantity {
  return a.cmp(b) >= 0 ? a : b;
}

/**
 * AggregateContainerRequests (k8s.io/component-helpers/resource, KEP-753) for one resource,
 * without overhead: max(sum of containers and sidecars, max over init containers of the init
 * container plus the sidecars started before it). Exact: quantities are summed before rounding.
 */
export function aggregateContainerRequest(
  pod: { containers: readonly AggregatedContainer[]; initContainers: readonly AggregatedContainer[] },
  name: string,
  which: 'requests' | 'limits' = 'requests',
): Quantity {
  let total = ZERO;
  for (const c of pod.containers) total = total.add(requestOf(c, name, which));
  let sidecars = ZERO;
  let initMax = ZERO;
  for (const c of pod.initContainers) {
    const q = requestOf(c, name, which);
    let during: Quantity;
    if (c.sidecar) {
      total = total.add(q);
      sidecars = sidecars.add(q);
      during = sidecars;
    } else {
      during = q.add(sidecars);
    }
    initMax = max(initMax, during);
  }
  return max(total, initMax);
}
