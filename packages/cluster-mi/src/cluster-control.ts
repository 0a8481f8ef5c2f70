/**
 * What the cluster MI commands need of this node's clustering: exactly the calls they make. Declared here so the
 * package depends on no concrete backend; the daemon adapts the `static` and `db` backends to it (docs/cluster.md §7).
 */

/** One sharing tag as `clusterer_list_shtags` shows it (docs/cluster.md §5). */
export interface SharingTagState {
  /** The tag name, without the cluster id. */
  readonly tag: string;
  readonly clusterId: number;
  readonly state: "active" | "backup";
}

/** What `clusterer_shtag_set_active` did: the change is stored (db backend) or applied in memory (static). */
export type ActivationResult = "stored" | "applied";

/** `cluster_status` of this node (docs/cluster.md §3): plain JSON values, shown as they are. */
export interface ClusterStatusView {
  readonly node: {
    readonly name: string;
    readonly incarnation: string;
    /** e.g. `member`, `fenced`, `joining`, `draining`, `static`. */
    readonly state: string;
    readonly backend: "static" | "db";
    /** Milliseconds of trust left on this node's monotonic clock (db backend). */
    readonly trustLeftMs?: number;
    /** Database clock minus this node's wall clock at the last snapshot, in ms (db backend; informative only). */
    readonly dbClockOffsetMs?: number;
  };
  readonly members: readonly {
    readonly name: string;
    readonly incarnation: string;
    readonly address: string;
    readonly live: boolean;
  }[];
  readonly leases: readonly {
    readonly unit: string;
    readonly owner?: string;
    readonly epoch: number;
    readonly preferred?: string;
    readonly records: number;
  }[];
}

/** The node's clustering as the MI commands drive it. */
export interface ClusterControl {
  /** Every sharing tag this node knows (configured, or named by a loaded record), in a stable order. */
  sharingTags(): readonly SharingTagState[];
  /** Whether a cluster of this id is known here (a configured or loaded tag names it). */
  hasCluster(clusterId: number): boolean;
  /**
   * Makes the tag active on this node and backup everywhere else. Resolves once the change is stored in the lease
   * table (db backend) or applied (static); rejects when it could not be stored (the MI then answers an error, never
   * "OK" for a change that is neither stored nor going to be).
   */
  activateTag(tag: string, clusterId: number): Promise<ActivationResult>;
  status(): ClusterStatusView;
  /** Hands every unit of this node to the others and takes none until the process restarts; resolves when stored. */
  drain(): Promise<{ readonly released: number }>;
}
