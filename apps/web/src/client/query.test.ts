import { describe, expect, it } from "vitest";
import { DEFAULT_QUERY, hashToQuery, nextSort, pageLabel, queryToHash, recordsSearch } from "./query.js";

describe("the records query", () => {
  it("asks the daemon for one page, failing first by default", () => {
    expect(recordsSearch(DEFAULT_QUERY)).toBe("offset=0&limit=100&sort=failing&dir=asc");
  });

  it("sends the search and every state of the filter", () => {
    const failing = new URLSearchParams(recordsSearch({ ...DEFAULT_QUERY, q: " alice ", state: "failing" }));
    expect(failing.get("q")).toBe("alice");
    // The four failure states (core's error states, in their order).
    expect(failing.getAll("state")).toEqual([
      "REGISTER_TIMEOUT_STATE",
      "INTERNAL_ERROR_STATE",
      "WRONG_CREDENTIALS_STATE",
      "REGISTRAR_ERROR_STATE",
    ]);
    const one = new URLSearchParams(recordsSearch({ ...DEFAULT_QUERY, state: "REGISTERED_STATE", offset: 200 }));
    expect(one.getAll("state")).toEqual(["REGISTERED_STATE"]);
    expect(one.get("offset")).toBe("200");
  });

  it("keeps the view in the address and reads it back; a bad address shows the default view", () => {
    const q = { ...DEFAULT_QUERY, q: "trunk 7", state: "REGISTER_TIMEOUT_STATE", sort: "since" as const, offset: 300 };
    expect(hashToQuery(queryToHash(q))).toEqual(q);
    expect(queryToHash(DEFAULT_QUERY)).toBe("");
    expect(hashToQuery("#state=NOPE&sort=drop+table&dir=up&offset=-4")).toEqual(DEFAULT_QUERY);
    expect(hashToQuery("#offset=250").offset).toBe(200);
  });

  it("flips the direction on the same column and starts ascending on another", () => {
    expect(nextSort(DEFAULT_QUERY, "aor")).toEqual({ sort: "aor", dir: "asc" });
    expect(nextSort({ ...DEFAULT_QUERY, sort: "aor" }, "aor")).toEqual({ sort: "aor", dir: "desc" });
  });

  it("labels the page", () => {
    expect(pageLabel(0, 100, 100_000)).toBe("1–100 of 100,000");
    expect(pageLabel(0, 0, 0)).toBe("0 of 0");
  });
});
