/**
 * The HTTP side of `uacreg mi`: one POST per request, like opensips-cli's urllib client (mi-protocol.md §6).
 */
import { request } from "node:http";
import { request as httpsRequest } from "node:https";
import { MiTransportError } from "./mi-client-error.js";

/** POSTs `body` to `url`; resolves with the reply text, or null for 202 (a notification). */
export function postMiRequest(url: string, body: string, timeoutMs: number): Promise<string | null> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new MiTransportError(`bad MI URL: ${url}`));
  }
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    return Promise.reject(new MiTransportError(`bad MI URL (http or https only): ${url}`));
  }
  const send = target.protocol === "https:" ? httpsRequest : request;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "Content-Length": Buffer.byteLength(body),
          Connection: "close",
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (err) => reject(new MiTransportError(`reading the reply from ${url}: ${err.message}`)));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if (res.statusCode === 202) resolve(null);
          else if (res.statusCode === 200) resolve(text);
          else reject(new MiTransportError(`HTTP ${res.statusCode} ${res.statusMessage ?? ""} from ${url}`.trim()));
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no reply within ${timeoutMs} ms`)));
    req.on("error", (err: NodeJS.ErrnoException) => {
      const why = err.code === "ECONNREFUSED" ? "connection refused. Is uacregd running?" : err.message;
      reject(new MiTransportError(`cannot reach the MI at ${url}: ${why}`));
    });
    req.end(body);
  });
}
