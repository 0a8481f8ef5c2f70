/** `reload` / `reloadOne` without a repository (MI answers "Command handler returned null", reference §9). */
export class NoRepositoryError extends Error {
  override readonly name = "NoRepositoryError";
  constructor(operation: string) {
    super(`${operation} needs a database: no repository is configured`);
  }
}

/** `setTagState` with a tag that is not `name/cluster_id` (reference §7). */
export class SharingTagError extends Error {
  override readonly name = "SharingTagError";
  constructor(
    readonly tag: string,
    reason: string,
  ) {
    super(`sharing tag ${JSON.stringify(tag)}: ${reason}`);
  }
}
