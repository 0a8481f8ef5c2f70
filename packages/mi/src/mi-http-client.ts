/**
 * The MI over HTTP, as opensips-cli's urllib client speaks it (docs/mi-protocol.md §5, §6): one POST per request with
 * `Connection: close`; 200 carries the reply, 202 means no reply (a notification).
 */
import { type ClientRequest, request } from "node:http";
import { request as httpsRequest } from "node:https";
import { type Clock, systemClock } from "@uacreg/runtime";
import { buildMiRequest, type MiCallParams, type MiRequestId, readMiReply } from "./mi-call.js";
import type { MiClient, MiClientOptions } from "./mi-client.js";
import {
  MiClientError,
  MiConnectionRefusedError,
  MiEmptyReplyError,
  MiHttpStatusError,
  MiTimeoutError,
} from "./mi-client-error.js";
import { sequentialIds } from "./mi-request-ids.js";

/** Options of {@link MiHttpClient}. */
export interface MiHttpClientOptions extends MiClientOptions {
  /** The MI URL, e.g. `http://127.0.0.1:8888/mi` (http or https). */
  readonly url: string;
}

/** An MI client over HTTP. */
export class MiHttpClient implements MiClient {
  readonly url: string;
  readonly #target: URL;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #nextId: () => MiRequestId;

  /** @throws MiClientError for a URL that is not http(s) */
  constructor(options: MiHttpClientOptions) {
    this.url = options.url;
    let target: URL;
    try {
      target = new URL(options.url);
    } catch {
      throw new MiClientError(`bad MI URL: ${options.url}`);
    }
    if (target.protocol !== "http:" && target.protocol !== "https:") {
      throw new MiClientError(`bad MI URL (http or https only): ${options.url}`);
    }
    this.#target = target;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#clock = options.clock ?? systemClock;
    this.#nextId = options.requestId ?? sequentialIds();
  }

  async call(method: string, params?: MiCallParams): Promise<unknown> {
    const text = await this.exchange(buildMiRequest(this.#nextId(), method, params));
    if (text === "") throw new MiEmptyReplyError(`the MI at ${this.url} sent no reply`);
    return readMiReply(text);
  }

  exchange(body: string): Promise<string> {
    const url = this.url;
    const send = this.#target.protocol === "https:" ? httpsRequest : request;
    const timeoutMs = this.#timeoutMs;
    return new Promise((resolve, reject) => {
      let req: ClientRequest | undefined;
      const timer = this.#clock.setTimer(timeoutMs, () => {
        finish(() =>
          reject(new MiTimeoutError(`cannot reach the MI at ${url}: no reply within ${timeoutMs} ms`, timeoutMs)),
        );
        req?.destroy();
      });
      let settled = false;
      const finish = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        outcome();
      };
      req = send(
        this.#target,
        {
          method: "POST",
          headers: {
            "Content-Type": "application/json",
            "Content-Length": Buffer.byteLength(body),
            Connection: "close",
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", (err) =>
            finish(() => reject(new MiClientError(`reading the reply from ${url}: ${err.message}`))),
          );
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const status = res.statusCode ?? 0;
            if (status === 202) finish(() => resolve(""));
            else if (status === 200) finish(() => resolve(text));
            else {
              const line = `HTTP ${status} ${res.statusMessage ?? ""}`.trim();
              finish(() => reject(new MiHttpStatusError(`${line} from ${url}`, status)));
            }
          });
        },
      );
      req.on("error", (err: NodeJS.ErrnoException) => {
        const error =
          err.code === "ECONNREFUSED"
            ? new MiConnectionRefusedError(`cannot reach the MI at ${url}: connection refused`)
            : new MiClientError(`cannot reach the MI at ${url}: ${err.message}`);
        finish(() => reject(error));
      });
      req.end(body);
    });
  }
}
