/**
 * A sharing tag that is not `name/cluster_id` (docs/opensips-behaviour.md §7): given to
 * {@link SharingTagOwnership.setState}, or in the active tags of the configuration.
 */
export class SharingTagError extends Error {
  override readonly name = "SharingTagError";
  constructor(
    readonly tag: string,
    reason: string,
  ) {
    super(`sharing tag ${JSON.stringify(tag)}: ${reason}`);
  }
}
