/**
 * The `RecordItem` of the web API (docs/web-api.md §3): what the page shows of one record. Never a password or a
 * username: `passwordSet` only.
 */
import type { RegistrantKey, StateName } from "@uacreg/core";
import { recordId } from "./record-id.js";
import type { HistoryEntry, RecordHistory, WebRecordView } from "./record-source.js";

/** One record of `GET /api/records`. */
export interface RecordItem {
  id: string;
  aor: string;
  contact: string;
  registrar: string;
  proxy?: string;
  state: StateName;
  enabled: boolean;
  since: number | null;
  lastReply: { code: number | null; reason: string } | null;
  expiresAt: number | null;
  binding: string;
  passwordSet: boolean;
  shtag?: string;
}

/** `GET /api/records/:id`: the item and its history, newest last. */
export interface RecordDetail extends RecordItem {
  history: HistoryEntry[];
}

/** When a record registered at the registrar stops being registered there: the last REGISTER sent + the expiry granted. */
export function expiresAtOf(view: WebRecordView): number | null {
  if (view.stateName !== "REGISTERED_STATE" || view.lastRegisterSent <= 0) return null;
  return view.lastRegisterSent + view.expires;
}

/**
 * The last reply as the state change reason carries it: core writes `"<code> <reason phrase>…"` for a reply
 * ("401 Unauthorized, no credentials", "200 OK") and plain text otherwise ("timeout", "MI disable").
 */
export function lastReplyOf(entry: HistoryEntry | undefined): RecordItem["lastReply"] {
  if (entry === undefined) return null;
  const m = /^([1-6]\d\d)(?: (.*))?$/s.exec(entry.reason);
  if (m) return { code: Number(m[1]), reason: m[2] ?? "" };
  return { code: null, reason: entry.reason };
}

/** The item of `view`; `history` gives `since` and the last reply when there is one. */
export function recordItem(view: WebRecordView, history: RecordHistory | undefined): RecordItem {
  const key: RegistrantKey = { aor: view.aor, contact: view.contact, registrar: view.registrar };
  const entries = history?.history(key);
  const last = entries?.[entries.length - 1];
  const item: RecordItem = {
    id: recordId(key),
    aor: view.aor,
    contact: view.contact,
    registrar: view.registrar,
    state: view.stateName,
    enabled: view.enabled,
    since: sinceOf(key, history, last),
    lastReply: lastReplyOf(last),
    expiresAt: expiresAtOf(view),
    binding: view.contact,
    passwordSet: view.passwordSet === true,
  };
  if (view.proxy !== undefined) item.proxy = view.proxy;
  if (view.shtag !== undefined) item.shtag = view.shtag;
  return item;
}

/** When the record entered its state: the history's own answer, else the time of its last change. */
export function sinceOf(key: RegistrantKey, history: RecordHistory | undefined, last?: HistoryEntry): number | null {
  if (history === undefined) return null;
  if (history.since) return history.since(key) ?? null;
  const entry = last ?? history.history(key).at(-1);
  return entry?.at ?? null;
}
