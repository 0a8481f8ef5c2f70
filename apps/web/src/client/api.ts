/**
 * The page's calls to the status API (docs/web-api.md). Relative URLs, so the page also works behind a reverse proxy
 * under a path prefix. Authentication is the `uacreg_session` cookie set by `POST api/login`: the browser sends it on
 * every call and on the event stream (an EventSource cannot send an Authorization header).
 */
import type { ActionReply, RecordAction, RecordDetail, RecordPage, Summary } from "./types.js";

/** 401: the daemon wants a token (none given yet, or the session cookie is no longer accepted). */
export class UnauthorizedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnauthorizedError";
  }
}

/** Any other refusal or failure, with the HTTP status and the daemon's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** The message of an error body `{"error":{"code","message"}}` or `{"ok":false,"message"}`, else the status text. */
async function errorMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown }; message?: unknown };
    const m = body.error?.message ?? body.message;
    if (typeof m === "string" && m !== "") return m;
  } catch {
    // not JSON: fall through
  }
  return text.trim() !== "" && text.length < 300 ? text.trim() : `${res.status} ${res.statusText}`;
}

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { credentials: "same-origin", cache: "no-store", ...init });
  } catch (e) {
    throw new ApiError(0, `the daemon did not answer (${e instanceof Error ? e.message : String(e)})`);
  }
  if (res.status === 401) throw new UnauthorizedError(await errorMessage(res));
  if (!res.ok) throw new ApiError(res.status, await errorMessage(res));
  return (await res.json()) as T;
}

function post<T>(path: string, body: unknown): Promise<T> {
  return call<T>(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

export const api = {
  summary: () => call<Summary>("api/summary"),
  records: (search: string, signal?: AbortSignal) =>
    call<RecordPage>(`api/records?${search}`, signal ? { signal } : undefined),
  record: (id: string) => call<RecordDetail>(`api/records/${encodeURIComponent(id)}`),
  action: (id: string, action: RecordAction) =>
    post<ActionReply>(`api/records/${encodeURIComponent(id)}/${action}`, {}),
  reloadAll: () => post<ActionReply>("api/reload", {}),
  /** Exchanges the token for the session cookie; a wrong token is an UnauthorizedError. */
  login: (token: string) => post<unknown>("api/login", { token }),
};
