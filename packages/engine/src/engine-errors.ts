/** `reload` / `reloadOne` without a repository (MI answers "Command handler returned null", docs/opensips-behaviour.md §9). */
export class NoRepositoryError extends Error {
  override readonly name = "NoRepositoryError";
  constructor(operation: string) {
    super(`${operation} needs a database: no repository is configured`);
  }
}

/**
 * `setTagState` on an engine whose ownership is not the static one (docs/cluster.md §7: with the `db` backend a tag
 * moves through the lease table, e.g. `LeaseStore.setPreferred`, and reaches the engine as `unitGained`/`unitLost`).
 */
export class NotStaticOwnershipError extends Error {
  override readonly name = "NotStaticOwnershipError";
  constructor() {
    super("sharing tag states are set through the cluster backend, not setTagState (ownership is not static)");
  }
}
