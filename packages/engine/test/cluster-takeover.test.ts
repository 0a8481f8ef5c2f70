import { afterEach, describe, expect, it } from "vitest";
import { type Harness, keyOf, openHarness, row } from "../src/test-support/engine-harness.js";
import { MemoryDialogMarks, MemoryOwnership } from "../src/test-support/memory-cluster.js";

/**
 * The engine's side of clustering (docs/cluster.md §4, §6) on a virtual clock against the in-memory registrar: a
 * test plays the cluster driver (which units are held, at which epoch) and the dialog table.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const UNIT = "unit:all";

function clustered(users: string[], extra: { dialogs?: boolean; takeoverRate?: number } = {}) {
  const ownership = new MemoryOwnership();
  const dialogs = extra.dialogs === true ? new MemoryDialogMarks(ownership) : undefined;
  const engine = {
    ownership,
    ...(dialogs && { dialogs }),
    ...(extra.takeoverRate && { takeoverRate: extra.takeoverRate }),
  };
  return { ownership, dialogs, engine, rows: (r: { uri: string }) => users.map((u) => row(r, u)) };
}

const callIdOf = (h: Harness, user: string) =>
  h.registrar.received.filter((r) => r.request.getHeader("to")?.includes(`${user}@`)).map((r) => r.callId);

describe("takeover (docs/cluster.md §4)", () => {
  it("registers a gained unit's records at once, at most takeoverRate per virtual second, and reports its duration", async () => {
    const users = Array.from({ length: 2500 }, (_, i) => `u${i}`);
    const c = clustered(users, { takeoverRate: 1000 });
    h = await openHarness({ rows: c.rows, engine: c.engine, registrar: { challenge: false } });
    const sentAt: number[] = [];
    const hh = h;
    hh.registrar.failSend = () => {
      sentAt.push(hh.clock.now());
      return undefined;
    };
    await hh.advance(60); // many walk periods: nothing is held, nothing registers
    expect(sentAt).toEqual([]);
    const durations: number[] = [];
    hh.engine.onTakeover((e) => durations.push(e.durationMs));
    const t0 = hh.clock.now();
    c.ownership.held.set(UNIT, 1);
    expect(await hh.engine.unitGained(UNIT, 1)).toBe(true);
    await hh.until(() => hh.engine.stats().REGISTERED_STATE === 2500);
    // At once: the first REGISTERs leave at the gain, not at the next bucket visit (5 s here).
    expect(sentAt[0]).toBe(t0);
    const perSecond = new Map<number, number>();
    for (const at of sentAt)
      perSecond.set(Math.floor((at - t0) / 1000), (perSecond.get(Math.floor((at - t0) / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(1000 + 20); // rate + the 20 ms burst
    expect([...perSecond.keys()].sort()).toEqual([0, 1, 2]);
    const counters = hh.engine.counters();
    expect(counters.takeovers).toBe(1);
    expect(counters.takeoverRecords).toBe(2500);
    expect(durations).toHaveLength(1);
    expect(durations[0]).toBeGreaterThanOrEqual(2400);
    expect(durations[0]).toBeLessThan(2600);
    expect(counters.lastTakeoverMs).toBe(durations[0]);
    expect(c.ownership.unitsSeen).toEqual(new Set([UNIT]));
  });

  it("adopts the stored Call-ID/From-tag after reserving the unit's block, and continues at the old mark + 1", async () => {
    const c = clustered(["alice", "bob"], { dialogs: true });
    h = await openHarness({ rows: c.rows, engine: c.engine });
    const dialogs = c.dialogs as MemoryDialogMarks;
    const alice = keyOf(h.registrar, "alice");
    dialogs.put(UNIT, { key: alice, callId: "inheritedcallid0123456789ab", fromTag: "f00d1", cseqMark: 150 });
    c.ownership.held.set(UNIT, 7);
    await h.engine.unitGained(UNIT, 7);
    await h.until(() => h?.engine.stats().REGISTERED_STATE === 2);
    expect(dialogs.calls[0]).toBe(`reserve ${UNIT}@7`);
    const first = h.registrar.received.find((r) => r.request.getHeader("to")?.includes("alice@"));
    expect(first?.callId).toBe("inheritedcallid0123456789ab");
    expect(first?.cseq).toBe(151); // old mark 150 (reserved to 250) + 1
    expect(first?.fromTag).toBe("f00d1");
    expect(dialogs.get(alice)?.cseqMark).toBe(250);
    // bob had no row: one was stored (fenced) before his first REGISTER, with his own Call-ID.
    const bob = dialogs.get(keyOf(h.registrar, "bob"));
    expect(bob?.callId).toBe(callIdOf(h, "bob")[0]);
    expect(bob?.cseqMark).toBe(100); // CSeq 1 + block 100 − 1
    expect(dialogs.calls.indexOf(`save sip:bob@reg.test ${bob?.callId} 100`)).toBeGreaterThan(0);
  });

  it("sends nothing for a gained unit until its block is reserved: no walk visit or MI command registers under a Call-ID of its own meanwhile", async () => {
    const c = clustered(["alice"], { dialogs: true });
    h = await openHarness({ rows: c.rows, engine: c.engine, registrar: { challenge: false } });
    const dialogs = c.dialogs as MemoryDialogMarks;
    const alice = keyOf(h.registrar, "alice");
    dialogs.put(UNIT, { key: alice, callId: "inheritedcallid0123456789ab", fromTag: "f00d1", cseqMark: 150 });
    let release = () => {};
    dialogs.hold = new Promise<void>((r) => {
      release = r;
    });
    c.ownership.held.set(UNIT, 7);
    const gained = h.engine.unitGained(UNIT, 7);
    await h.advance(60); // several walk periods while the database is slow to answer
    h.engine.forceRegister(alice);
    h.engine.enable(alice);
    await h.settle();
    expect(h.registrar.received).toHaveLength(0);
    expect(dialogs.get(alice)?.callId).toBe("inheritedcallid0123456789ab");
    release();
    expect(await gained).toBe(true);
    await h.until(() => h?.engine.stats().REGISTERED_STATE === 1);
    expect(callIdOf(h, "alice")).toEqual(["inheritedcallid0123456789ab"]);
    expect(dialogs.get(alice)?.callId).toBe("inheritedcallid0123456789ab");
  });

  it("stores the next block before a send passes the mark", async () => {
    const c = clustered(["carol"], { dialogs: true });
    h = await openHarness({ rows: c.rows, engine: { ...c.engine, cseqBlock: 3 }, registrar: { challenge: false } });
    c.ownership.held.set(UNIT, 1);
    await h.engine.unitGained(UNIT, 1);
    const carol = keyOf(h.registrar, "carol");
    await h.until(() => (h?.registrar.received.length ?? 0) >= 5); // refreshes
    const dialogs = c.dialogs as MemoryDialogMarks;
    expect(dialogs.calls.filter((x) => x.startsWith("save"))).toEqual([
      `save sip:carol@reg.test ${dialogs.get(carol)?.callId} 3`,
      `save sip:carol@reg.test ${dialogs.get(carol)?.callId} 6`,
    ]);
    expect(h.registrar.received.map((r) => r.cseq)).toEqual([1, 2, 3, 4, 5]);
  });

  it("a refused reservation makes the gain void: nothing is sent", async () => {
    const c = clustered(["alice"], { dialogs: true });
    h = await openHarness({ rows: c.rows, engine: c.engine });
    (c.dialogs as MemoryDialogMarks).refuse = true;
    c.ownership.held.set(UNIT, 1);
    expect(await h.engine.unitGained(UNIT, 1)).toBe(false);
    expect(h.engine.counters().takeoversRefused).toBe(1);
    expect(h.registrar.sent).toHaveLength(0);
  });

  it("a refused mark write drops the send: the record stays NOT_REGISTERED, nothing reaches the registrar", async () => {
    const c = clustered(["alice"], { dialogs: true });
    h = await openHarness({ rows: c.rows, engine: c.engine });
    (c.dialogs as MemoryDialogMarks).refuseSaves = true; // the reservation passes, the record's first save does not
    c.ownership.held.set(UNIT, 1);
    expect(await h.engine.unitGained(UNIT, 1)).toBe(true);
    await h.settle();
    await h.advance(1);
    expect(h.registrar.sent).toHaveLength(0);
    expect(h.engine.counters().dialogSaveRefused).toBeGreaterThanOrEqual(1);
    expect(h.engine.get(keyOf(h.registrar, "alice"))?.stateName).toBe("NOT_REGISTERED_STATE");
  });

  it("takes a new Call-ID once when the registrar refuses the inherited one (4xx), stores it, and registers", async () => {
    const c = clustered(["alice"], { dialogs: true });
    h = await openHarness({ rows: c.rows, engine: c.engine });
    const dialogs = c.dialogs as MemoryDialogMarks;
    const alice = keyOf(h.registrar, "alice");
    dialogs.put(UNIT, { key: alice, callId: "inheritedcallid0123456789ab", fromTag: "f00d1", cseqMark: 10 });
    h.registrar.script = (r) =>
      r.callId === "inheritedcallid0123456789ab" ? { status: 400, reason: "Bad Request" } : "default";
    c.ownership.held.set(UNIT, 1);
    await h.engine.unitGained(UNIT, 1);
    await h.waitEvent((e) => e.to === "REGISTERED_STATE");
    const ids = callIdOf(h, "alice");
    expect(ids[0]).toBe("inheritedcallid0123456789ab");
    expect(new Set(ids.slice(1)).size).toBe(1);
    expect(ids[1]).not.toBe(ids[0]);
    expect(dialogs.get(alice)?.callId).toBe(ids[1]);
    expect(h.engine.counters().callIdResets).toBe(1);
  });
});

describe("unit loss and the send guard (docs/cluster.md §6)", () => {
  it("a lost unit's records go NOT_REGISTERED with no unREGISTER; a request in flight is not retransmitted", async () => {
    const c = clustered(["alice", "bob"]);
    h = await openHarness({ rows: c.rows, engine: c.engine, registrar: { challenge: false } });
    c.ownership.held.set(UNIT, 1);
    await h.engine.unitGained(UNIT, 1);
    await h.until(() => h?.engine.stats().REGISTERED_STATE === 2);
    const hh = h;
    hh.registrar.script = () => "drop";
    await hh.until(() => hh.registrar.open === 2); // both refreshes out, unanswered
    const sent = hh.registrar.sent.length;
    c.ownership.held.delete(UNIT);
    hh.engine.unitLost(UNIT, "taken");
    expect(hh.engine.stats().NOT_REGISTERED_STATE).toBe(2);
    await hh.advance(60);
    expect(hh.registrar.sent).toHaveLength(sent); // no unREGISTER, no new REGISTER
    expect(hh.registrar.fenced).toBe(2); // the next Timer E copy of each was suppressed
    expect(hh.engine.counters().sendsFenced).toBe(2);
    expect(hh.engine.counters().unregisterSent).toBe(0);
  });

  it("stop() never unregisters when the ownership says another node takes the records over (§3.8)", async () => {
    const c = clustered(["alice"]);
    h = await openHarness({ rows: c.rows, engine: c.engine, params: { unregisterOnShutdown: true } });
    c.ownership.held.set(UNIT, 1);
    await h.engine.unitGained(UNIT, 1);
    await h.until(() => h?.engine.stats().REGISTERED_STATE === 1);
    c.ownership.othersTakeOver = true;
    const stopped = h.engine.stop({ unregister: true, timeoutMs: 100 });
    await h.advance(0.1);
    await stopped;
    expect(h.engine.counters().unregisterSent).toBe(0);
  });

  it("static ownership: a tag turned active registers its records at once, not at the next visit", async () => {
    h = await openHarness({
      rows: (r) => [row(r, "alice", { cluster_shtag: "vip/1" })],
      params: { enableClustering: true, hashSize: 1, timerInterval: 50 }, // a bucket visit every 25 s
    });
    await h.advance(30);
    expect(h.registrar.sent).toHaveLength(0);
    h.engine.setTagState("vip/1", "active");
    await h.settle(); // no time passes: the REGISTER (and its answer to the 401) went out at the change
    expect(h.registrar.sent.length).toBeGreaterThan(0);
  });
});
