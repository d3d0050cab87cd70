// The Kubernetes version the webhook models, and the judge prepared for it. Given (--kubernetes-
// version or the config), it is fixed. Otherwise it follows the cluster: the minor the nodes'
// kubelets run when they all run one oomguard models (core/versions.ts kubeletVersionOfNodes, as
// `oomguard audit` does), else the newest modelled; so a webhook deployed without the flag judges
// a 1.33 cluster by 1.33's rules (pod-level resources off by default, no 1.37 QoS rewrite), and
// follows the nodes through an upgrade. A judge is prepared once per version.
import { DEFAULT_KUBERNETES_VERSION, VersionError } from '../../core/versions.js';
import type { Judge } from '../admission.js';
import type { Logger } from './cluster-watch.js';
import type { KubeletVersion, NodeView } from './node-cache.js';

export interface ModelledVersion {
  kubernetesVersion: string;
  /** given: --kubernetes-version or the config; nodes: the nodes' kubelets; default: neither. */
  source: 'given' | 'nodes' | 'default';
  /** Why the nodes' version is not modelled (mixed or unmodelled kubelets, gates it does not accept). */
  note: string | null;
}

export class VersionedJudge {
  private readonly judges = new Map<string, Judge>();
  private readonly fixed: Judge | null;
  /** The nodes' answer the current choice was made for (a view returns the same object until its nodes change). */
  private seen: KubeletVersion | null = null;
  private chosen: { judge: Judge; status: ModelledVersion } | null = null;

  /** Prepares the given version's judge (or the default's) now: gates it does not accept throw VersionError. */
  constructor(
    private readonly prepare: (kubernetesVersion: string) => Judge,
    given: string | null,
    private readonly nodes: NodeView,
    private readonly log: () => Logger,
  ) {
    this.fixed = given === null ? null : this.judgeFor(given);
    if (given === null) this.judgeFor(DEFAULT_KUBERNETES_VERSION);
  }

  private judgeFor(version: string): Judge {
    let judge = this.judges.get(version);
    if (judge === undefined) {
      judge = this.prepare(version);
      this.judges.set(version, judge);
    }
    return judge;
  }

  /** The judge for the version modelled now. */
  current(): Judge {
    if (this.fixed !== null) return this.fixed;
    const nodes = this.nodes.kubeletVersion();
    if (nodes !== this.seen || this.chosen === null) this.choose(nodes);
    return this.chosen!.judge;
  }

  status(): ModelledVersion {
    if (this.fixed !== null) return { kubernetesVersion: this.fixed.kubernetesVersion, source: 'given', note: null };
    this.current();
    return this.chosen!.status;
  }

  private choose(nodes: KubeletVersion): void {
    this.seen = nodes;
    let status: ModelledVersion =
      nodes.version !== null ? { kubernetesVersion: nodes.version, source: 'nodes', note: null } : { kubernetesVersion: DEFAULT_KUBERNETES_VERSION, source: 'default', note: nodes.note };
    let judge: Judge;
    try {
      judge = this.judgeFor(status.kubernetesVersion);
    } catch (err) {
      if (!(err instanceof VersionError)) throw err;
      // Feature gates given for another version than the nodes run: judge by the default.
      status = { kubernetesVersion: DEFAULT_KUBERNETES_VERSION, source: 'default', note: `${err.message} (Kubernetes ${status.kubernetesVersion}, the nodes' kubelet minor)` };
      judge = this.judgeFor(DEFAULT_KUBERNETES_VERSION);
    }
    const previous = this.chosen?.status;
    this.chosen = { judge, status };
    if (previous !== undefined && previous.kubernetesVersion === status.kubernetesVersion && previous.note === status.note) return;
    const line = { kubernetesVersion: status.kubernetesVersion, source: status.source, ...(previous !== undefined ? { was: previous.kubernetesVersion } : {}) };
    if (status.note !== null) this.log().warn({ ...line, note: status.note }, `modelling Kubernetes ${status.kubernetesVersion}: ${status.note}`);
    else this.log().info(line, status.source === 'nodes' ? `modelling Kubernetes ${status.kubernetesVersion}, the version the nodes' kubelets run` : `modelling Kubernetes ${status.kubernetesVersion}`);
  }
}
