/**
 * `GET /api/records`: the query parameters, checked (docs/web-api.md §4), and the page they select. Nothing is kept
 * between requests: each request walks the engine's snapshot once, keeps the matching indices and the sort keys in
 * typed arrays (plus the strings it sorts on, by reference), sorts the indices, and makes items for one page only
 * (issue 13: no parallel per-record structure; the daemon stays under 1 KiB per record).
 */
import { STATE_NAMES, type RegistrantKey, type StateName } from "@uacreg/core";
import { type RecordItem, expiresAtOf, recordItem } from "./record-item.js";
import type { RecordHistory, RecordList, WebRecordView } from "./record-source.js";
import { WebApiError } from "./web-errors.js";

/** The sort orders of `sort=`. */
export const RECORD_SORTS = ["failing", "aor", "registrar", "state", "since", "expires"] as const;
export type RecordSort = (typeof RECORD_SORTS)[number];

/** At most this many items per page. */
export const MAX_PAGE = 500;
/** Items per page when `limit` is absent. */
export const DEFAULT_PAGE = 100;
/** The longest `q` accepted (characters). */
export const MAX_QUERY_LENGTH = 256;

/** A checked `GET /api/records` query. */
export interface RecordQuery {
  offset: number;
  limit: number;
  /** Case-insensitive substring of the AOR or the registrar; empty matches all. */
  q: string;
  /** The states to keep; empty keeps all. */
  states: readonly StateName[];
  sort: RecordSort;
  dir: "asc" | "desc";
}

/** One page of records. */
export interface RecordPage {
  total: number;
  offset: number;
  items: RecordItem[];
}

const KNOWN = new Set(["offset", "limit", "q", "state", "sort", "dir"]);

function integer(params: URLSearchParams, name: string, def: number, min: number, max: number): number {
  const raw = params.get(name);
  if (raw === null) return def;
  if (!/^\d{1,9}$/.test(raw)) throw WebApiError.badParameter(name, `must be an integer from ${min} to ${max}`);
  const n = Number(raw);
  if (n < min || n > max) throw WebApiError.badParameter(name, `must be an integer from ${min} to ${max}`);
  return n;
}

/** Checks the query string; a {@link WebApiError} (400) names the first bad parameter. */
export function parseRecordQuery(params: URLSearchParams): RecordQuery {
  for (const name of params.keys()) {
    if (!KNOWN.has(name)) throw WebApiError.badParameter(name, "unknown parameter");
  }
  for (const name of ["offset", "limit", "q", "sort", "dir"]) {
    if (params.getAll(name).length > 1) throw WebApiError.badParameter(name, "given more than once");
  }
  const q = params.get("q") ?? "";
  if (q.length > MAX_QUERY_LENGTH) throw WebApiError.badParameter("q", `longer than ${MAX_QUERY_LENGTH} characters`);
  const states: StateName[] = [];
  for (const s of params.getAll("state")) {
    if (!(STATE_NAMES as readonly string[]).includes(s)) {
      throw WebApiError.badParameter("state", `unknown state ${JSON.stringify(s.slice(0, 64))}`);
    }
    states.push(s as StateName);
  }
  const sort = params.get("sort") ?? "failing";
  if (!(RECORD_SORTS as readonly string[]).includes(sort)) {
    throw WebApiError.badParameter("sort", `must be one of ${RECORD_SORTS.join(", ")}`);
  }
  const dir = params.get("dir") ?? "asc";
  if (dir !== "asc" && dir !== "desc") throw WebApiError.badParameter("dir", "must be asc or desc");
  return {
    offset: integer(params, "offset", 0, 0, 1_000_000_000),
    limit: integer(params, "limit", DEFAULT_PAGE, 1, MAX_PAGE),
    q,
    states,
    sort: sort as RecordSort,
    dir,
  };
}

/**
 * The rank of a record in the `failing` order: the failure states first, in the order of docs/web-api.md §4
 * (WRONG_CREDENTIALS, REGISTER_TIMEOUT, REGISTRAR_ERROR, INTERNAL_ERROR), then the records not registered or with a
 * request in flight, then the registered ones, and the disabled records last (an operator's choice, not a fault).
 */
export function failingRank(view: Pick<WebRecordView, "state" | "enabled">): number {
  if (!view.enabled && view.state === 0) return 7;
  return FAILING_RANK[view.state] ?? 6;
}
// Indexed by state number: 0 NOT_REGISTERED, 1 REGISTERING, 2 AUTHENTICATING, 3 REGISTERED, 4 REGISTER_TIMEOUT,
// 5 INTERNAL_ERROR, 6 WRONG_CREDENTIALS, 7 REGISTRAR_ERROR, 8 UNREGISTERING, 9 AUTHENTICATING_UNREGISTER.
const FAILING_RANK = [4, 5, 5, 6, 1, 3, 0, 2, 5, 5];

/** A sort key that is missing (since unknown, not registered): always after the known ones, in both directions. */
const MISSING = Number.POSITIVE_INFINITY;

/** Records visited between two pauses: ~10 ms of work, so SIP timers and replies keep their turn at 1,000,000 records. */
export const QUERY_SLICE = 16_384;

/** Lets the other work of the event loop run (the end of this turn; docs/architecture.md allows setImmediate). */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Runs `query` over `records` (a snapshot): filter, sort, one page of items. The walk over the records, the history
 * lookups and the first-page selection pause every {@link QUERY_SLICE} records (`pause`), so a large table does not
 * hold the event loop for the whole request; only a deep page's full sort runs in one go.
 */
export async function queryRecords(
  records: RecordList,
  query: RecordQuery,
  history: RecordHistory | undefined,
  pause: () => Promise<void> = nextTurn,
): Promise<RecordPage> {
  const n = records.length;
  const pattern = query.q === "" ? undefined : new RegExp(escapeRegExp(query.q), "i");
  const stateFilter = query.states.length
    ? new Set<number>(query.states.map((s) => STATE_NAMES.indexOf(s)))
    : undefined;
  const matches = new Uint32Array(n);
  const needsNumber = query.sort === "failing" || query.sort === "since" || query.sort === "expires";
  const rank = query.sort === "failing" || query.sort === "state" ? new Uint8Array(n) : undefined;
  const num = needsNumber ? new Float64Array(n) : undefined;
  // The AOR breaks ties in every order; the registrar is the key of `sort=registrar`.
  const aor: string[] = new Array<string>(n);
  const registrar: string[] | undefined = query.sort === "registrar" ? new Array<string>(n) : undefined;
  // `failing` looks up `since` (a history lookup per record) only in the ranks the page falls in: done after this pass.
  const sinceLater = query.sort === "failing";
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (i % QUERY_SLICE === QUERY_SLICE - 1) await pause();
    const v = records.view(i);
    if (stateFilter && !stateFilter.has(v.state)) continue;
    if (pattern && !pattern.test(v.aor) && !pattern.test(v.registrar)) continue;
    matches[m] = i;
    aor[i] = v.aor;
    if (registrar) registrar[i] = v.registrar;
    if (rank) rank[i] = query.sort === "state" ? (STATE_ORDER[v.state] ?? 0) : failingRank(v);
    if (num && !sinceLater) {
      if (query.sort === "expires") num[i] = expiresAtOf(v) ?? MISSING;
      else num[i] = sinceValue(v, history);
    }
    m++;
  }
  let candidates: Uint32Array = matches.subarray(0, m);
  let offset = query.offset;
  if (sinceLater && rank && num) {
    ({ candidates, offset } = ranksOfPage(candidates, rank, offset, query.limit, query.dir));
    for (let k = 0; k < candidates.length; k++) {
      if (k % QUERY_SLICE === QUERY_SLICE - 1) await pause();
      const i = candidates[k] as number;
      num[i] = sinceValue(records.view(i), history);
    }
  }
  const sign = query.dir === "desc" ? -1 : 1;
  const byNumber = (a: number, b: number, x: Float64Array): number => {
    const va = x[a] as number;
    const vb = x[b] as number;
    if (va === vb) return 0;
    if (va === MISSING) return 1;
    if (vb === MISSING) return -1;
    return va < vb ? -1 : 1;
  };
  const byString = (sa: string, sb: string): number => (sa === sb ? 0 : sa < sb ? -1 : 1);
  const tie = (a: number, b: number): number => byString(aor[a] as string, aor[b] as string) || a - b;
  let compare: (a: number, b: number) => number;
  switch (query.sort) {
    case "failing":
      compare = (a, b) =>
        sign * ((rank?.[a] as number) - (rank?.[b] as number)) ||
        sign * byNumber(a, b, num as Float64Array) ||
        tie(a, b);
      break;
    case "state":
      compare = (a, b) => sign * ((rank?.[a] as number) - (rank?.[b] as number)) || tie(a, b);
      break;
    case "since":
    case "expires":
      compare = (a, b) => {
        const x = num as Float64Array;
        if (x[a] === MISSING || x[b] === MISSING) return byNumber(a, b, x) || tie(a, b);
        return sign * byNumber(a, b, x) || tie(a, b);
      };
      break;
    case "aor":
      compare = (a, b) => sign * byString(aor[a] as string, aor[b] as string) || a - b;
      break;
    case "registrar":
      compare = (a, b) =>
        sign * byString((registrar as string[])[a] as string, (registrar as string[])[b] as string) || tie(a, b);
      break;
  }
  const page = await selectPage(candidates, offset, query.limit, compare, pause);
  const items: RecordItem[] = [];
  for (const i of page) items.push(recordItem(records.view(i), history));
  return { total: m, offset: query.offset, items };
}

/**
 * The records of the ranks that positions [offset, offset + limit) of the rank order fall in, and the offset
 * within them: the records of the ranks before are counted, not sorted; those of the ranks after are left out.
 */
function ranksOfPage(
  indices: Uint32Array,
  rank: Uint8Array,
  offset: number,
  limit: number,
  dir: "asc" | "desc",
): { candidates: Uint32Array; offset: number } {
  const counts = new Array<number>(256).fill(0);
  for (const i of indices) counts[rank[i] as number] = (counts[rank[i] as number] as number) + 1;
  const wanted = new Uint8Array(256);
  let before = 0;
  let position = 0;
  for (let k = 0; k < 256; k++) {
    const r = dir === "asc" ? k : 255 - k;
    const c = counts[r] as number;
    if (c === 0) continue;
    if (position + c <= offset) before += c;
    else if (position < offset + limit) wanted[r] = 1;
    position += c;
  }
  const out = new Uint32Array(indices.length);
  let k = 0;
  for (const i of indices) if (wanted[rank[i] as number]) out[k++] = i;
  return { candidates: out.subarray(0, k), offset: offset - before };
}

/**
 * The indices of positions [offset, offset + limit) of `indices` sorted by `compare`. A first page of a large
 * result is chosen by a bounded selection (one pass, a sorted buffer of offset + limit) instead of sorting it all.
 */
export async function selectPage(
  indices: Uint32Array,
  offset: number,
  limit: number,
  compare: (a: number, b: number) => number,
  pause: () => Promise<void> = nextTurn,
): Promise<number[]> {
  const want = offset + limit;
  if (offset >= indices.length) return [];
  if (want * 8 < indices.length) {
    // Keep the `want` smallest in a sorted buffer; most indices are rejected by one comparison with its last.
    const best: number[] = [];
    for (let k = 0; k < indices.length; k++) {
      if (k % QUERY_SLICE === QUERY_SLICE - 1) await pause();
      const i = indices[k] as number;
      if (best.length === want && compare(i, best[want - 1] as number) >= 0) continue;
      let lo = 0;
      let hi = best.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (compare(best[mid] as number, i) <= 0) lo = mid + 1;
        else hi = mid;
      }
      best.splice(lo, 0, i);
      if (best.length > want) best.pop();
    }
    return best.slice(offset);
  }
  return Array.from(indices.sort(compare).subarray(offset, want));
}

/** `sort=state`: by the state's name (alphabetical), the order a reader of the table expects. */
const STATE_ORDER = (() => {
  const sorted = [...STATE_NAMES].sort();
  return STATE_NAMES.map((name) => sorted.indexOf(name));
})();

function sinceValue(v: WebRecordView, history: RecordHistory | undefined): number {
  if (history === undefined) return MISSING;
  const key: RegistrantKey = { aor: v.aor, contact: v.contact, registrar: v.registrar };
  const s = history.since ? history.since(key) : history.history(key).at(-1)?.at;
  return s ?? MISSING;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
