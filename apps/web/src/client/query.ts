/**
 * What the records table shows (search, state filter, sort, page) and how it maps to `GET /api/records` and to the
 * page's address (the hash, so a reload or a shared link shows the same view). Pure functions, unit-tested.
 */
import { FAILURE_STATES, STATE_NAMES } from "./types.js";

export const SORT_KEYS = ["failing", "aor", "registrar", "state", "since", "expires"] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDir = "asc" | "desc";

/** The state filter: every state, the failure states, or one state by name. */
export type StateFilter = "all" | "failing" | string;

export interface ListQuery {
  q: string;
  state: StateFilter;
  sort: SortKey;
  dir: SortDir;
  offset: number;
  limit: number;
}

export const PAGE_SIZE = 100;

export const DEFAULT_QUERY: ListQuery = {
  q: "",
  state: "all",
  sort: "failing",
  dir: "asc",
  offset: 0,
  limit: PAGE_SIZE,
};

/** The state names a filter sends as `state=` parameters (none for "all"). */
export function filterStates(filter: StateFilter): readonly string[] {
  if (filter === "all") return [];
  if (filter === "failing") return FAILURE_STATES;
  return [filter];
}

/** The query string of `GET /api/records`. */
export function recordsSearch(query: ListQuery): string {
  const p = new URLSearchParams();
  p.set("offset", String(query.offset));
  p.set("limit", String(query.limit));
  if (query.q.trim() !== "") p.set("q", query.q.trim());
  for (const s of filterStates(query.state)) p.append("state", s);
  p.set("sort", query.sort);
  p.set("dir", query.dir);
  return p.toString();
}

/** The page address's hash for a query; the default query is the empty hash. */
export function queryToHash(query: ListQuery): string {
  const p = new URLSearchParams();
  if (query.q !== "") p.set("q", query.q);
  if (query.state !== "all") p.set("state", query.state);
  if (query.sort !== DEFAULT_QUERY.sort) p.set("sort", query.sort);
  if (query.dir !== DEFAULT_QUERY.dir) p.set("dir", query.dir);
  if (query.offset !== 0) p.set("offset", String(query.offset));
  const s = p.toString();
  return s === "" ? "" : `#${s}`;
}

/** Reads a hash back; anything unknown or malformed falls back to the default, so a bad link still shows a page. */
export function hashToQuery(hash: string): ListQuery {
  const p = new URLSearchParams(hash.replace(/^#/, ""));
  const sort = p.get("sort");
  const dir = p.get("dir");
  const state = p.get("state");
  const offset = Number(p.get("offset") ?? 0);
  return {
    q: p.get("q") ?? "",
    state:
      state === "failing" || (state !== null && (STATE_NAMES as readonly string[]).includes(state)) ? state : "all",
    sort: (SORT_KEYS as readonly string[]).includes(sort ?? "") ? (sort as SortKey) : DEFAULT_QUERY.sort,
    dir: dir === "asc" || dir === "desc" ? dir : DEFAULT_QUERY.dir,
    offset: Number.isInteger(offset) && offset > 0 ? offset - (offset % PAGE_SIZE) : 0,
    limit: PAGE_SIZE,
  };
}

/**
 * The next sort when a column header is clicked: the same column flips its direction; another column starts
 * ascending (names A→Z, `since` oldest first = longest in its state, `expires` soonest first).
 */
export function nextSort(query: ListQuery, key: SortKey): Pick<ListQuery, "sort" | "dir"> {
  if (query.sort === key) return { sort: key, dir: query.dir === "asc" ? "desc" : "asc" };
  return { sort: key, dir: "asc" };
}

/** "1–100 of 4,321" (or "0 of 0"). */
export function pageLabel(offset: number, shown: number, total: number): string {
  if (total === 0 || shown === 0) return `0 of ${total.toLocaleString("en-US")}`;
  return `${(offset + 1).toLocaleString("en-US")}–${(offset + shown).toLocaleString("en-US")} of ${total.toLocaleString("en-US")}`;
}
