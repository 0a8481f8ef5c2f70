/**
 * The MI client interface (docs/mi-protocol.md §6) that {@link MiHttpClient} and {@link MiFifoClient} implement, and
 * {@link createMiClient} to pick one from an endpoint.
 */
import type { Clock } from "@uacreg/runtime";
import type { MiCallParams, MiRequestId } from "./mi-call.js";
import { MiFifoClient, type MiFifoClientOptions } from "./mi-fifo-client.js";
import { MiHttpClient, type MiHttpClientOptions } from "./mi-http-client.js";

/** One MI endpoint, over HTTP or the FIFO. */
export interface MiClient {
  /**
   * Calls `method` and resolves with the reply's `result`.
   * @throws MiReplyError for an error reply; another {@link MiClientError} when the MI cannot be reached, sends
   *   nothing ({@link MiEmptyReplyError}) or sends something that is not a JSON-RPC reply
   */
  call(method: string, params?: MiCallParams): Promise<unknown>;
  /**
   * Sends one request body as it is and resolves with the reply text: "" when the server sent none (a
   * notification, or a request it dropped). For tools that need the raw bytes.
   */
  exchange(body: string): Promise<string>;
}

/** What every client takes besides its endpoint. */
export interface MiClientOptions {
  /** Give up waiting for a reply after this long, default 30000 ms. */
  readonly timeoutMs?: number;
  /** The clock of the timeouts (default `systemClock`). */
  readonly clock?: Clock;
  /** The id of each request (default "1", "2", … per client); opensips-cli sends a random string. */
  readonly requestId?: () => MiRequestId;
}

/** The endpoint of {@link createMiClient}. */
export type MiEndpoint =
  | ({ readonly http: string } & Omit<MiHttpClientOptions, "url">)
  | ({ readonly fifo: string } & Omit<MiFifoClientOptions, "path">);

/** `{ http: url }` gives an {@link MiHttpClient}, `{ fifo: path, replyDir }` an {@link MiFifoClient}. */
export function createMiClient(endpoint: MiEndpoint): MiClient {
  if ("http" in endpoint) {
    const { http, ...options } = endpoint;
    return new MiHttpClient({ ...options, url: http });
  }
  const { fifo, ...options } = endpoint;
  return new MiFifoClient({ ...options, path: fifo });
}
