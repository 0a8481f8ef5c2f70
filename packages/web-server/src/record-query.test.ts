import { describe, expect, it } from "vitest";
import { parseRecordQuery, QUERY_SLICE, queryRecords, selectPage } from "./record-query.js";
import type { RecordList } from "./record-source.js";
import { FixtureHistory, view } from "./test-support/fixture-records.js";
import { WebApiError } from "./web-errors.js";

const q = (s: string) => parseRecordQuery(new URLSearchParams(s));
const list = (views: ReturnType<typeof view>[]): RecordList => ({
  length: views.length,
  view: (i) => views[i] as never,
});

function badParameter(s: string): string | undefined {
  try {
    q(s);
  } catch (e) {
    if (e instanceof WebApiError && e.status === 400) return e.parameter;
    throw e;
  }
  return undefined;
}

describe("parseRecordQuery", () => {
  it("fills the defaults: first 100, failing first", () => {
    expect(q("")).toEqual({ offset: 0, limit: 100, q: "", states: [], sort: "failing", dir: "asc" });
  });

  it("names the bad parameter (400)", () => {
    expect(badParameter("limit=0")).toBe("limit");
    expect(badParameter("limit=501")).toBe("limit");
    expect(badParameter("limit=ten")).toBe("limit");
    expect(badParameter("offset=-1")).toBe("offset");
    expect(badParameter("state=REGISTERED")).toBe("state");
    expect(badParameter("sort=password")).toBe("sort");
    expect(badParameter("dir=up")).toBe("dir");
    expect(badParameter("limit=1&limit=2")).toBe("limit");
    expect(badParameter(`q=${"x".repeat(257)}`)).toBe("q");
    expect(badParameter("sortt=aor")).toBe("sortt");
  });

  it("takes several states", () => {
    expect(q("state=REGISTERED_STATE&state=WRONG_CREDENTIALS_STATE").states).toEqual([
      "REGISTERED_STATE",
      "WRONG_CREDENTIALS_STATE",
    ]);
  });
});

describe("queryRecords", () => {
  const views = [
    view("sip:alice@a.test", "sip:reg-one.test", "REGISTERED_STATE"),
    view("sip:bob@a.test", "sip:reg-two.test", "WRONG_CREDENTIALS_STATE"),
    view("sip:carol@b.test", "sip:reg-one.test", "REGISTER_TIMEOUT_STATE"),
    view("sip:dave@b.test", "sip:reg-two.test", "NOT_REGISTERED_STATE", { enabled: false }),
    view("sip:erin@b.test", "sip:REG-three.test", "WRONG_CREDENTIALS_STATE"),
    view("sip:frank@b.test", "sip:reg-one.test", "REGISTERING_STATE"),
  ];
  const history = new FixtureHistory();
  for (const [i, when] of [100, 300, 200, 50, 150, 400].entries()) {
    const v = views[i] as ReturnType<typeof view>;
    history.observe({ key: v, from: "NOT_REGISTERED_STATE", to: v.stateName, reason: "401 Unauthorized", at: when });
  }
  const aors = async (s: string) =>
    (await queryRecords(list(views), q(s), history)).items.map((i) => i.aor.slice(4, -7));

  it("puts the failing records first, the longest in that state first; the disabled last", async () => {
    // erin (WRONG_CREDENTIALS since 150) before bob (since 300); then carol (timeout), frank, alice, dave (disabled).
    expect(await aors("")).toEqual(["erin", "bob", "carol", "frank", "alice", "dave"]);
    expect(await aors("dir=desc")).toEqual(["dave", "alice", "frank", "carol", "bob", "erin"]);
  });

  it("filters by a case-insensitive substring of the AOR or the registrar, and by state", async () => {
    expect(await aors("q=reg-THREE")).toEqual(["erin"]);
    expect(await aors("q=B.TEST&sort=aor")).toEqual(["carol", "dave", "erin", "frank"]);
    expect(await aors("state=WRONG_CREDENTIALS_STATE&state=REGISTERED_STATE&sort=aor")).toEqual([
      "alice",
      "bob",
      "erin",
    ]);
    expect(await aors("q=.*")).toEqual([]);
    expect((await queryRecords(list(views), q("q=reg-one"), history)).total).toBe(3);
  });

  it("sorts by aor, registrar, state, since and expires in both directions", async () => {
    expect(await aors("sort=aor&dir=desc")).toEqual(["frank", "erin", "dave", "carol", "bob", "alice"]);
    expect(await aors("sort=registrar")).toEqual(["erin", "alice", "carol", "frank", "bob", "dave"]);
    expect(await aors("sort=since")).toEqual(["dave", "alice", "erin", "carol", "bob", "frank"]);
    // By the state's name: NOT_REGISTERED, REGISTERED, REGISTERING, REGISTER_TIMEOUT, WRONG_CREDENTIALS.
    expect(await aors("sort=state")).toEqual(["dave", "alice", "frank", "carol", "bob", "erin"]);
    // Only alice is registered: she has an expiry; the others have none and come last in both directions.
    expect((await aors("sort=expires"))[0]).toBe("alice");
    expect((await aors("sort=expires&dir=desc"))[0]).toBe("alice");
  });

  it("pages: total after the filter, the slice asked for", async () => {
    const page = await queryRecords(list(views), q("sort=aor&offset=2&limit=2"), history);
    expect(page.total).toBe(6);
    expect(page.offset).toBe(2);
    expect(page.items.map((i) => i.aor)).toEqual(["sip:carol@b.test", "sip:dave@b.test"]);
    expect((await queryRecords(list(views), q("offset=10"), history)).items).toEqual([]);
  });

  it("shows since, the last reply and the expiry, never a password", async () => {
    const [bob] = (await queryRecords(list(views), q("q=bob"), history)).items;
    expect(bob).toMatchObject({
      state: "WRONG_CREDENTIALS_STATE",
      since: 300,
      lastReply: { code: 401, reason: "Unauthorized" },
      expiresAt: null,
      passwordSet: true,
      binding: bob?.contact,
    });
    expect(JSON.stringify(bob)).not.toMatch(/password"|username/);
    const [alice] = (await queryRecords(list(views), q("q=alice"), history)).items;
    expect(alice?.expiresAt).toBe(1_767_225_600 + 3600);
  });
});

describe("selectPage", () => {
  it("gives the same page as a full sort, for first pages and later ones", async () => {
    const n = 5000;
    const values = Array.from({ length: n }, (_, i) => (i * 7919) % 1013);
    const compare = (a: number, b: number) => (values[a] as number) - (values[b] as number) || a - b;
    const all = Array.from({ length: n }, (_, i) => i).sort(compare);
    for (const [offset, limit] of [
      [0, 100],
      [100, 100],
      [4990, 100],
      [2000, 500],
    ] as const) {
      const indices = Uint32Array.from({ length: n }, (_, i) => i);
      expect(await selectPage(indices, offset, limit, compare)).toEqual(all.slice(offset, offset + limit));
    }
  });
});

describe("failing order over many records", () => {
  it("gives every page as the full order would, both directions, with since looked up only where needed", async () => {
    const states = [
      "REGISTERED_STATE",
      "WRONG_CREDENTIALS_STATE",
      "REGISTER_TIMEOUT_STATE",
      "NOT_REGISTERED_STATE",
    ] as const;
    const views = Array.from({ length: 1200 }, (_, i) =>
      view(`sip:u${String(i).padStart(4, "0")}@x.test`, "sip:r.test", states[(i * 7) % 4] as (typeof states)[number], {
        enabled: i % 50 !== 0,
      }),
    );
    const history = new FixtureHistory();
    for (const [i, v] of views.entries()) {
      if (i % 3 !== 0)
        history.observe({ key: v, from: "REGISTERING_STATE", to: v.stateName, reason: "x", at: (i * 37) % 500 });
    }
    let lookups = 0;
    const counting = {
      history: (k: Parameters<typeof history.history>[0]) => history.history(k),
      since: (k: Parameters<typeof history.since>[0]) => {
        lookups++;
        return history.since(k);
      },
    };
    const all = async (dir: string) => {
      const pages = [];
      for (const offset of [0, 500, 1000]) {
        pages.push(...(await queryRecords(list(views), q(`limit=500&offset=${offset}&dir=${dir}`), counting)).items);
      }
      return pages.map((i) => i.aor);
    };
    for (const dir of ["asc", "desc"]) {
      const full = await all(dir);
      expect(new Set(full).size).toBe(1200);
      for (const [offset, limit] of [
        [0, 10],
        [290, 20],
        [599, 3],
        [1190, 50],
      ] as const) {
        const page = await queryRecords(list(views), q(`offset=${offset}&limit=${limit}&dir=${dir}`), counting);
        expect(page.items.map((i) => i.aor)).toEqual(full.slice(offset, offset + limit));
      }
    }
    lookups = 0;
    // The first page: the 300 WRONG_CREDENTIALS records are ordered by since, then the 10 items show theirs.
    await queryRecords(list(views), q("limit=10"), counting);
    expect(lookups).toBe(300 + 10);
  });
});

describe("a large table", () => {
  it("is walked in slices: the query pauses every QUERY_SLICE records and gives the same page", async () => {
    const n = QUERY_SLICE * 2 + 10;
    const many = Array.from({ length: n }, (_, i) =>
      view(`sip:u${i}@x.test`, "sip:r.test", i % 97 === 0 ? "REGISTRAR_ERROR_STATE" : "REGISTERED_STATE"),
    );
    let pauses = 0;
    const page = await queryRecords(list(many), q("limit=5"), undefined, async () => {
      pauses++;
    });
    expect(pauses).toBeGreaterThanOrEqual(2);
    expect(page.total).toBe(n);
    expect(page.items.every((i) => i.state === "REGISTRAR_ERROR_STATE")).toBe(true);
  });
});
