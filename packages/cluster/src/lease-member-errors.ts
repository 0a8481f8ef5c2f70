/**
 * Start-up refused (docs/cluster.md §3.1): a live session of this node's name runs under another incarnation, so
 * another process uses the name.
 */
export class NodeNameInUseError extends Error {
  override readonly name = "NodeNameInUseError";
  constructor(
    readonly node: string,
    /** The live incarnation that holds the name. */
    readonly incarnation: string,
    /** How long that session stays live without a renew, ms of database time. */
    readonly expiresInMs: number,
  ) {
    super(
      `cluster: node name ${JSON.stringify(node)} is in use by live incarnation ${incarnation} ` +
        `(its session expires in ${Math.max(0, Math.round(expiresInMs))} ms unless renewed): another process runs under this name`,
    );
  }
}
