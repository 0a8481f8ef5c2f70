import { afterEach, describe, expect, it } from "vitest";
import { type Harness, openHarness } from "./test-support/engine-harness.js";
import { row } from "./test-support/registrant-rows.js";
import { LOAD_SLICE_ROWS } from "./table-loader.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const key = (hh: Harness, user: string) => ({
  aor: `sip:${user}@reg.test`,
  contact: `sip:${user}@127.0.0.1:5099`,
  registrar: hh.registrar.uri,
});
const rowState = (hh: Harness, user: string) => hh.repository.rows.find((r) => r.aor === `sip:${user}@reg.test`)?.state;

describe('a full reload while a state write is pending (docs/decisions.md "state writes")', () => {
  it("keeps the operator's reg_disable through the outage and the reload, and stores it once the database is back", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice"), row(r, "bob")] });
    await h.waitEvent((e) => e.to === "REGISTERED_STATE");
    h.repository.failWrites = true;
    expect(h.engine.disable(key(h, "alice"))).toBe(true);
    await h.settle();
    // The write failed (and is still failing ten seconds later): the column says enabled.
    await h.advance(10);
    expect(h.engine.counters().persistFailures).toBeGreaterThan(1);
    expect(rowState(h, "alice")).toBe(0);
    // A reload reads the stale column; the pending write wins over it.
    const report = await h.engine.reload();
    expect(report.loaded).toBe(2);
    expect(h.engine.get(key(h, "alice"))?.enabled).toBe(false);
    expect(h.engine.get(key(h, "bob"))?.enabled).toBe(true);
    // The database comes back: the retry lands, and later reloads read the stored state.
    h.repository.failWrites = false;
    await h.until(() => rowState(h as Harness, "alice") === 1);
    await h.engine.reload();
    expect(h.engine.get(key(h, "alice"))?.enabled).toBe(false);
    expect(h.repository.stateWrites.map((w) => [w.key.aor, w.state])).toEqual([["sip:alice@reg.test", 1]]);
  });

  it("a per-record reload (reg_reload with a key) during the outage keeps the operator's reg_enable too", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice", { state: 1 })] });
    expect(h.engine.get(key(h, "alice"))?.enabled).toBe(false);
    h.repository.failWrites = true;
    expect(h.engine.enable(key(h, "alice"))).toBe(true);
    await h.settle();
    expect(rowState(h, "alice")).toBe(1);
    expect(await h.engine.reloadOne(key(h, "alice"))).toBe("ok");
    expect(h.engine.get(key(h, "alice"))?.enabled).toBe(true);
    h.repository.failWrites = false;
    await h.until(() => rowState(h as Harness, "alice") === 0);
    expect(await h.engine.reloadOne(key(h, "alice"))).toBe("ok");
    expect(h.engine.get(key(h, "alice"))?.enabled).toBe(true);
  });

  it("a reload after the write landed reads the column again (an operator's later edit of the row wins)", async () => {
    h = await openHarness({ rows: (r) => [row(r, "alice")] });
    await h.waitEvent((e) => e.to === "REGISTERED_STATE");
    h.engine.disable(key(h, "alice"));
    await h.settle();
    expect(rowState(h, "alice")).toBe(1);
    const stored = h.repository.rows[0];
    if (stored) stored.state = 0; // the operator enables it in the table
    await h.engine.reload();
    expect(h.engine.get(key(h, "alice"))?.enabled).toBe(true);
  });
});

/**
 * Starts the engine while a probe counts, at every turn of the event loop, how many of `users` are loaded. An MI
 * request's callback stands in as a setImmediate: it runs only when the loader gives the loop a turn.
 */
async function startProbed(hh: Harness, users: readonly string[]) {
  let done = false;
  const seen: number[] = [];
  const probe = (): void => {
    if (done) return;
    seen.push(users.filter((u) => hh.engine.get(key(hh, u)) !== undefined).length);
    setImmediate(probe);
  };
  setImmediate(probe);
  const report = await hh.engine.start();
  done = true;
  return { report, seen };
}

describe("a large load leaves the event loop turns (docs/performance-startup.md)", () => {
  it("runs I/O callbacks (the MI) between slices of rows, seeing the table partly loaded", async () => {
    const total = 5 * LOAD_SLICE_ROWS + 10;
    const users = Array.from({ length: total }, (_, i) => `u${i}`);
    h = await openHarness({ rows: (r) => users.map((u) => row(r, u)), start: false });
    const { report, seen } = await startProbed(h, users);
    expect(report.loaded).toBe(total);
    // One turn per slice: five while loading, each seeing one more slice of records than the one before.
    const partial = seen.filter((n) => n > 0 && n < total);
    expect(partial.length).toBeGreaterThanOrEqual(4);
    expect(partial).toEqual([...partial].sort((a, b) => a - b));
  });

  it("reads a store's pages when it has loadPages (not loadAll), still giving the loop a turn every slice of rows", async () => {
    const total = 5 * LOAD_SLICE_ROWS + 10;
    const users = Array.from({ length: total }, (_, i) => `u${i}`);
    h = await openHarness({ rows: (r) => users.map((u) => row(r, u)), start: false });
    const hh = h;
    const repo = hh.repository;
    const pageSize = 3 * LOAD_SLICE_ROWS; // a page larger than a slice: the turns come from inside the page
    let pagesRead = 0;
    Object.assign(repo, {
      loadAll(): AsyncIterable<never> {
        throw new Error("loadAll must not be used when loadPages is there");
      },
      async *loadPages() {
        for (let i = 0; i < repo.rows.length; i += pageSize) {
          pagesRead++;
          yield repo.rows.slice(i, i + pageSize).map((r) => ({ ...r }));
        }
      },
    });
    const { report, seen } = await startProbed(hh, users);
    expect(report.loaded).toBe(total);
    expect(pagesRead).toBe(2);
    expect(users.every((u) => hh.engine.get(key(hh, u)) !== undefined)).toBe(true);
    const partial = seen.filter((n) => n > 0 && n < total);
    expect(partial.length).toBeGreaterThanOrEqual(4);
    expect(partial).toEqual([...partial].sort((a, b) => a - b));
  });
});

describe("sizing the table from the store's row count (docs/performance-startup.md)", () => {
  const users = Array.from({ length: 2500 }, (_, i) => `u${i}`);

  it.each([
    ["the count fails", () => Promise.reject(new Error("count: connection lost"))],
    ["the count is short", () => Promise.resolve(10)],
    ["the count is far beyond the rows", () => Promise.resolve(1_000_000)],
    ["the count is not a number", () => Promise.resolve(Number.NaN)],
  ])("loads every row all the same when %s, and still refuses a duplicate", async (_, count) => {
    h = await openHarness({
      rows: (r) => [...users.map((u) => row(r, u)), row(r, "u7")],
      start: false,
    });
    const hh = h;
    let asked = 0;
    Object.assign(hh.repository, {
      count: () => {
        asked++;
        return count();
      },
    });
    const report = await hh.engine.start();
    expect(asked).toBe(1);
    expect(report.loaded).toBe(users.length);
    expect(report.rejected.map((r) => r.field)).toEqual(["key"]);
    expect(users.every((u) => hh.engine.get(key(hh, u)) !== undefined)).toBe(true);
    // A reload works on a table that is not empty: no count asked.
    const again = await hh.engine.reload();
    expect(again.loaded).toBe(users.length);
    expect(asked).toBe(1);
  });
});
