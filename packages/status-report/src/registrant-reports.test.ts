import { formatKey, type RegistrantKey, type StateName } from "@uacreg/core";
import { describe, expect, it } from "vitest";
import { REASON_GONE, ReasonTable } from "./reason-table.js";
import { RegistrantReports } from "./registrant-reports.js";

const alice: RegistrantKey = {
  aor: "sip:alice@example.com",
  contact: "sip:alice@10.0.0.1",
  registrar: "sip:reg.example.com",
};
const bob: RegistrantKey = {
  aor: "sip:bob@example.com",
  contact: "sip:bob@10.0.0.1",
  registrar: "sip:reg.example.com",
};

function change(r: RegistrantReports, key: RegistrantKey, from: StateName, to: StateName, at: number, reason = "x") {
  return r.changed({ key, from, to, reason, at });
}

describe("RegistrantReports", () => {
  it("names each record as OpenSIPS does and logs its creation and changes with OpenSIPS's texts", () => {
    const r = new RegistrantReports();
    expect(r.created(alice, 1000)).toBe(true);
    expect(r.created(alice, 1001)).toBe(false);
    change(r, alice, "NOT_REGISTERED_STATE", "REGISTERING_STATE", 1010, "visit");
    change(r, alice, "REGISTERING_STATE", "REGISTERED_STATE", 1011, "200 OK");
    const name = "aor=sip:alice@example.com;contact=sip:alice@10.0.0.1;registrar=sip:reg.example.com";
    expect(r.identifiers()).toEqual([name]);
    expect(r.reports(name)).toEqual([
      { at: 1000, log: "created with state NOT_REGISTERED_STATE\n" },
      { at: 1010, log: "state changed to REGISTERING_STATE\n" },
      { at: 1011, log: "state changed to REGISTERED_STATE\n" },
    ]);
    expect(r.status(name)).toEqual({ status: 1, details: "REGISTERED_STATE" });
  });

  it("maps REGISTERED to READY (1), (un)registering to LOADING (-1) and the rest to NOT_READY (-1)", () => {
    const r = new RegistrantReports();
    const name = formatKey(alice);
    const expected: [StateName, number][] = [
      ["REGISTERING_STATE", -1],
      ["AUTHENTICATING_STATE", -1],
      ["REGISTERED_STATE", 1],
      ["UNREGISTERING_STATE", -1],
      ["AUTHENTICATING_UNREGISTER_STATE", -1],
      ["WRONG_CREDENTIALS_STATE", -1],
      ["NOT_REGISTERED_STATE", -1],
    ];
    let from: StateName = "NOT_REGISTERED_STATE";
    for (const [to, status] of expected) {
      const c = change(r, alice, from, to, 1);
      expect(c.status).toBe(status);
      expect(r.status(name)).toEqual({ status, details: to });
      from = to;
    }
  });

  it("reports the status before and after a change (for E_CORE_SR_STATUS_CHANGED)", () => {
    const r = new RegistrantReports();
    r.created(alice, 1);
    expect(change(r, alice, "NOT_REGISTERED_STATE", "REGISTERING_STATE", 2)).toMatchObject({
      oldStatus: -1,
      status: -1,
    });
    expect(change(r, alice, "REGISTERING_STATE", "REGISTERED_STATE", 3)).toEqual({
      oldStatus: -1,
      status: 1,
      details: "REGISTERED_STATE",
    });
    expect(change(r, alice, "REGISTERED_STATE", "REGISTERING_STATE", 4)).toMatchObject({ oldStatus: 1, status: -1 });
  });

  it("keeps the last 20 reports: the 21st pushes out the oldest (the creation first)", () => {
    const r = new RegistrantReports();
    r.created(alice, 100);
    let from: StateName = "NOT_REGISTERED_STATE";
    for (let i = 1; i <= 20; i++) {
      const to: StateName = i % 2 === 1 ? "REGISTERING_STATE" : "REGISTERED_STATE";
      change(r, alice, from, to, 100 + i, `r${i}`);
      from = to;
    }
    const reports = r.reports(formatKey(alice));
    expect(reports).toHaveLength(20);
    expect(reports[0]).toEqual({ at: 101, log: "state changed to REGISTERING_STATE\n" });
    expect(reports[19]).toEqual({ at: 120, log: "state changed to REGISTERED_STATE\n" });
    const history = r.history(alice);
    expect(history).toHaveLength(20);
    expect(history[19]).toEqual({ at: 120, from: "REGISTERING_STATE", to: "REGISTERED_STATE", reason: "r20" });
    expect(r.since(alice)).toBe(120);
  });

  it("takes a configurable depth and refuses one it cannot hold", () => {
    const r = new RegistrantReports({ depth: 2 });
    r.created(alice, 1);
    change(r, alice, "NOT_REGISTERED_STATE", "REGISTERING_STATE", 2);
    change(r, alice, "REGISTERING_STATE", "REGISTER_TIMEOUT_STATE", 3, "timeout");
    expect(r.reports(formatKey(alice)).map((x) => x.at)).toEqual([2, 3]);
    expect(() => new RegistrantReports({ depth: 0 })).toThrow(RangeError);
    expect(() => new RegistrantReports({ depth: 256 })).toThrow(RangeError);
  });

  it("gives the web page the history without the creation, and since() the time of the current state", () => {
    const r = new RegistrantReports();
    expect(r.history(alice)).toEqual([]);
    expect(r.since(alice)).toBeUndefined();
    r.created(alice, 50);
    expect(r.history(alice)).toEqual([]);
    expect(r.since(alice)).toBe(50);
    change(r, alice, "NOT_REGISTERED_STATE", "REGISTERING_STATE", 60, "visit");
    change(r, alice, "REGISTERING_STATE", "WRONG_CREDENTIALS_STATE", 61, "403 Forbidden");
    expect(r.history(alice)).toEqual([
      { at: 60, from: "NOT_REGISTERED_STATE", to: "REGISTERING_STATE", reason: "visit" },
      { at: 61, from: "REGISTERING_STATE", to: "WRONG_CREDENTIALS_STATE", reason: "403 Forbidden" },
    ]);
    expect(r.since(alice)).toBe(61);
  });

  it("creates the identifier on a record's first change when it was not announced", () => {
    const r = new RegistrantReports();
    change(r, bob, "NOT_REGISTERED_STATE", "REGISTERING_STATE", 7);
    expect(r.reports(formatKey(bob)).map((x) => x.log)).toEqual([
      "created with state NOT_REGISTERED_STATE\n",
      "state changed to REGISTERING_STATE\n",
    ]);
  });

  it("retain() adds the records it is given, removes the others, and reuses their room", async () => {
    const r = new RegistrantReports();
    r.created(alice, 1);
    change(r, alice, "NOT_REGISTERED_STATE", "REGISTERING_STATE", 2);
    expect(await r.retain([alice, bob], 10)).toEqual({ added: 1, removed: 0 });
    expect(r.reports(formatKey(alice))).toHaveLength(2);
    expect(r.reports(formatKey(bob))).toEqual([{ at: 10, log: "created with state NOT_REGISTERED_STATE\n" }]);
    expect(await r.retain([bob], 11)).toEqual({ added: 0, removed: 1 });
    expect(r.identifiers()).toEqual([formatKey(bob)]);
    expect(r.history(alice)).toEqual([]);
    r.created(alice, 20);
    // alice is back in its freed slot (before bob's): still listed newest first.
    expect(r.identifiers()).toEqual([formatKey(alice), formatKey(bob)]);
    expect(r.reports(formatKey(alice))).toEqual([{ at: 20, log: "created with state NOT_REGISTERED_STATE\n" }]);
    expect(r.remove(bob)).toBe(true);
    expect(r.remove(bob)).toBe(false);
    expect(r.size).toBe(1);
  });

  it("keeps an identifier created while an asynchronous retain() reads the records", async () => {
    const r = new RegistrantReports();
    r.created(alice, 1);
    async function* records() {
      yield alice;
      // A state change of a record that was not in the snapshot arrives while the snapshot is read.
      change(r, bob, "NOT_REGISTERED_STATE", "REGISTERING_STATE", 5);
    }
    expect(await r.retain(records(), 9)).toEqual({ added: 0, removed: 0 });
    expect(r.identifiers()).toEqual([formatKey(bob), formatKey(alice)]);
  });

  it("retainPages() takes the keys a page at a time: the same additions and removals as retain()", async () => {
    const keys = Array.from({ length: 2500 }, (_, i) => ({
      aor: `sip:u${i}@example.com`,
      contact: `sip:u${i}@127.0.0.1`,
      registrar: "sip:r",
    }));
    const byKeys = new RegistrantReports();
    const byPages = new RegistrantReports();
    for (const r of [byKeys, byPages]) {
      r.created(alice, 1);
      change(r, keys[3] as RegistrantKey, "NOT_REGISTERED_STATE", "REGISTERING_STATE", 2);
    }
    const pages = async function* () {
      for (let i = 0; i < keys.length; i += 1000) yield keys.slice(i, i + 1000);
    };
    expect(await byKeys.retain(keys, 10)).toEqual({ added: 2499, removed: 1 });
    expect(await byPages.retainPages(pages(), 10)).toEqual({ added: 2499, removed: 1 });
    expect(byPages.identifiers()).toEqual(byKeys.identifiers());
    expect(byPages.reports(formatKey(keys[3] as RegistrantKey))).toHaveLength(2);
    expect(byPages.reports(formatKey(keys[2499] as RegistrantKey))).toEqual([
      { at: 10, log: "created with state NOT_REGISTERED_STATE\n" },
    ]);
    expect(byPages.history(alice)).toEqual([]);
    // Synchronous pages too; a page may be any iterable.
    expect(await byPages.retainPages([new Set(keys.slice(0, 10))], 11)).toEqual({ added: 0, removed: 2490 });
    expect(byPages.size).toBe(10);
  });

  it("keeps an identifier created between two pages of retainPages()", async () => {
    const r = new RegistrantReports();
    r.created(alice, 1);
    async function* pages() {
      yield [alice];
      change(r, bob, "NOT_REGISTERED_STATE", "REGISTERING_STATE", 5);
      yield [];
    }
    expect(await r.retainPages(pages(), 9)).toEqual({ added: 0, removed: 0 });
    expect(r.identifiers()).toEqual([formatKey(bob), formatKey(alice)]);
  });

  it("lists the newest identifier first and finds one without regard to case", () => {
    const r = new RegistrantReports();
    r.created(alice, 1);
    r.created(bob, 2);
    expect(r.identifiers()).toEqual([formatKey(bob), formatKey(alice)]);
    expect(r.find(formatKey(alice).toUpperCase())).toBe(formatKey(alice));
    expect(r.find("aor=nobody")).toBeUndefined();
  });

  it("holds thousands of records across chunks", () => {
    const r = new RegistrantReports({ depth: 3 });
    for (let i = 0; i < 5000; i++) {
      const key = { aor: `sip:u${i}@example.com`, contact: "sip:c@h", registrar: "sip:r" };
      change(r, key, "NOT_REGISTERED_STATE", "REGISTERING_STATE", i, `reason ${i % 7}`);
    }
    expect(r.size).toBe(5000);
    for (let i = 0; i < 5000; i += 2)
      r.remove({ aor: `sip:u${i}@example.com`, contact: "sip:c@h", registrar: "sip:r" });
    expect(r.size).toBe(2500);
    expect(r.history({ aor: "sip:u4320@example.com", contact: "sip:c@h", registrar: "sip:r" })).toEqual([]);
    expect(r.history({ aor: "sip:u4321@example.com", contact: "sip:c@h", registrar: "sip:r" })).toEqual([
      { at: 4321, from: "NOT_REGISTERED_STATE", to: "REGISTERING_STATE", reason: "reason 2" },
    ]);
  });

  it("finds every record and only those after the index grew, with removals and reused slots in between", () => {
    const r = new RegistrantReports({ depth: 2 });
    const key = (i: number) => ({ aor: `sip:u${i}@example.com`, contact: `sip:u${i}@h`, registrar: "sip:r" });
    for (let i = 0; i < 3000; i++) change(r, key(i), "NOT_REGISTERED_STATE", "REGISTERING_STATE", i);
    for (let i = 0; i < 3000; i += 3) r.remove(key(i));
    for (let i = 3000; i < 6000; i++) change(r, key(i), "NOT_REGISTERED_STATE", "REGISTERING_STATE", i);
    expect(r.size).toBe(5000);
    for (let i = 0; i < 6000; i++) {
      const expected = i < 3000 && i % 3 === 0 ? undefined : i;
      expect(r.since(key(i))).toBe(expected);
    }
    expect(r.status(formatKey(key(5999)))).toEqual({ status: -1, details: "REGISTERING_STATE" });
  });
});

describe("RegistrantReports storage (issue 14: room for a few reports, grown when full)", () => {
  const key = (i: number): RegistrantKey => ({
    aor: `sip:u${i}@example.com`,
    contact: `sip:u${i}@10.0.0.1`,
    registrar: `sip:reg${i % 3}.example.com`,
  });
  const states: StateName[] = ["REGISTERING_STATE", "AUTHENTICATING_STATE", "REGISTERED_STATE"];

  it("keeps a record's 4 reports of a first registration, then the last 20 of 29 in order as it grows", () => {
    const r = new RegistrantReports();
    r.created(alice, 100);
    change(r, alice, "NOT_REGISTERED_STATE", "REGISTERING_STATE", 101, "visit");
    change(r, alice, "REGISTERING_STATE", "AUTHENTICATING_STATE", 102, "401 Unauthorized");
    change(r, alice, "AUTHENTICATING_STATE", "REGISTERED_STATE", 103, "200 OK");
    r.created(bob, 100);
    change(r, bob, "NOT_REGISTERED_STATE", "REGISTERING_STATE", 101, "visit");
    expect(r.reports(formatKey(alice)).map((x) => x.at)).toEqual([100, 101, 102, 103]);
    let from: StateName = "REGISTERED_STATE";
    for (let i = 0; i < 25; i++) {
      const to: StateName = from === "REGISTERED_STATE" ? "REGISTERING_STATE" : "REGISTERED_STATE";
      change(r, alice, from, to, 200 + i, `refresh ${i}`);
      from = to;
    }
    const reports = r.reports(formatKey(alice));
    expect(reports.map((x) => x.at)).toEqual(Array.from({ length: 20 }, (_, i) => 205 + i));
    expect(reports[19]).toEqual({ at: 224, log: "state changed to REGISTERING_STATE\n" });
    const history = r.history(alice);
    expect(history).toHaveLength(20);
    expect(history[0]).toEqual({ at: 205, from: "REGISTERING_STATE", to: "REGISTERED_STATE", reason: "refresh 5" });
    expect(r.status(formatKey(alice))).toEqual({ status: -1, details: "REGISTERING_STATE" });
    // The neighbour that did not grow is untouched.
    expect(r.reports(formatKey(bob))).toEqual([
      { at: 100, log: "created with state NOT_REGISTERED_STATE\n" },
      { at: 101, log: "state changed to REGISTERING_STATE\n" },
    ]);
  });

  it("gives every record exactly its own last reports while thousands grow at different rates", () => {
    const depth = 20;
    const r = new RegistrantReports({ depth });
    const expected = new Map<number, number[]>();
    const count = 3000;
    for (let i = 0; i < count; i++) {
      r.created(key(i), i);
      expected.set(i, [i]);
    }
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < count; i++) {
        // Record i changes on one round in (i % 5) + 1: some stay small, some fill their ring.
        if (round % ((i % 5) + 1) !== 0) continue;
        const at = 10_000 + round * count + i;
        change(r, key(i), "NOT_REGISTERED_STATE", states[round % 3] as StateName, at);
        const list = expected.get(i) as number[];
        list.push(at);
        if (list.length > depth) list.shift();
      }
    }
    for (let i = 0; i < count; i++) {
      expect(r.reports(formatKey(key(i))).map((x) => x.at)).toEqual(expected.get(i));
    }
  });

  it("reuses the room of removed records: the same records again take no more memory, with no old report", () => {
    const r = new RegistrantReports();
    const fill = (from: number, to: number, at: number) => {
      for (let i = from; i < to; i++) {
        r.created(key(i), at);
        for (let n = 0; n < 25; n++) change(r, key(i), "REGISTERED_STATE", "REGISTERING_STATE", at + 1 + n);
      }
    };
    fill(0, 2000, 1000);
    const grown = r.storage().bytes;
    for (let i = 0; i < 2000; i++) r.remove(key(i));
    expect(r.size).toBe(0);
    fill(5000, 7000, 50_000);
    expect(r.storage().bytes).toBe(grown);
    expect(r.size).toBe(2000);
    expect(r.reports(formatKey(key(6999))).map((x) => x.at)).toEqual(Array.from({ length: 20 }, (_, n) => 50_006 + n));
    expect(r.history(key(0))).toEqual([]);
  });

  it("keeps every entry's states when 65,536 distinct reasons are in use, and never shows another's reason", () => {
    const r = new RegistrantReports();
    const n = 70_000;
    for (let i = 0; i < n; i++) change(r, key(i), "REGISTERING_STATE", "REGISTRAR_ERROR_STATE", i, `500 phrase ${i}`);
    for (let i = 0; i < n; i += 997) {
      const [entry] = r.history(key(i));
      expect(entry).toMatchObject({ at: i, from: "REGISTERING_STATE", to: "REGISTRAR_ERROR_STATE" });
      expect([`500 phrase ${i}`, REASON_GONE]).toContain(entry?.reason);
    }
    expect(r.history(key(n - 1))[0]?.reason).toBe(REASON_GONE);
    // Once records go, their codes are free again: a new record's reason is shown.
    for (let i = 0; i < 10_000; i++) r.remove(key(i));
    change(r, key(n), "REGISTERING_STATE", "REGISTERED_STATE", n, "200 OK");
    expect(r.history(key(n))).toEqual([{ at: n, from: "REGISTERING_STATE", to: "REGISTERED_STATE", reason: "200 OK" }]);
  });

  it("gives back the small blocks once every record has outgrown them", () => {
    const r = new RegistrantReports();
    for (let i = 0; i < 2000; i++) r.created(key(i), 1);
    const small = r.storage().classes[0];
    expect(small).toMatchObject({ size: 4, inUse: 2000 });
    expect(small?.bytes).toBeGreaterThan(0);
    for (let i = 0; i < 2000; i++) {
      for (let n = 0; n < 20; n++) change(r, key(i), "REGISTERED_STATE", "REGISTERING_STATE", 2 + n);
    }
    expect(r.storage().classes.map((c) => [c.size, c.inUse, c.bytes > 0])).toEqual([
      [4, 0, false],
      [8, 0, false],
      [20, 2000, true],
    ]);
  });
});

describe("ReasonTable", () => {
  it("interns each distinct reason once", () => {
    const t = new ReasonTable(8);
    const a = t.intern("200 OK");
    expect(t.intern("200 OK")).toBe(a);
    expect(t.text(a)).toBe("200 OK");
    expect(t.size).toBe(1);
  });

  it("stays bounded when a registrar sends a new reason phrase each time, and never shows another's reason", () => {
    const t = new ReasonTable(4);
    const first = t.intern("500 phrase 0");
    for (let i = 1; i < 100; i++) t.intern(`500 phrase ${i}`);
    expect(t.size).toBe(4);
    expect(t.text(first)).toBe(REASON_GONE);
    expect(t.text(t.intern("500 phrase 99"))).toBe("500 phrase 99");
  });

  it("cuts very long reasons", () => {
    const t = new ReasonTable();
    const text = t.text(t.intern("x".repeat(10_000)));
    expect(text.length).toBe(200);
    expect(text.endsWith("…")).toBe(true);
  });
});
