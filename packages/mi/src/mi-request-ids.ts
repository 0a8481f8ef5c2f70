/** The default request ids of a client: "1", "2", … (any string or integer is echoed back, docs/mi-protocol.md §3). */
import type { MiRequestId } from "./mi-call.js";

export function sequentialIds(): () => MiRequestId {
  let next = 0;
  return () => String(++next);
}
