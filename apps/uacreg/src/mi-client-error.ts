/** A failure to reach the MI or to read its reply (not an MI error reply). */
export class MiTransportError extends Error {
  override readonly name = "MiTransportError";
}
