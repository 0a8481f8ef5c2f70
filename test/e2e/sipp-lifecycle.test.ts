/**
 * Operator actions over a record's life, against a SIPp registrar that answers 200 to everything (reg-200-loop.xml):
 * reg_reload after the table changed (an unchanged record is left exactly as it is, a changed one re-registers, a
 * removed one is unregistered), reg_force_register (refresh at the next visit, same Call-ID), and SIGTERM with
 * unregister_on_shutdown (every registered binding removed before the exit), or without it (nothing sent); 40 records
 * at once; and a registrar that answers from another address.
 */
import { openRepository } from "@uacreg/db";
import { sqliteAdapter } from "@uacreg/db-sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { registers, cseq, until, startRegistrar, startDaemon } from "./sipp-support.js";
import { type Sipp, type SippLoggedMessage, stopAllSipp } from "../support/sipp.js";
import { type RegListRecord, registrantRow, stopAllUacregd } from "../support/uacregd.js";
import { rawHeader, UdpSipPeer } from "../support/udp-sip-peer.js";

afterAll(async () => {
  await stopAllUacregd();
  await stopAllSipp();
});

const T = 10;

/** The REGISTERs SIPp got for one AOR (To header). */
function forAor(sipp: Sipp, aor: string): SippLoggedMessage[] {
  return registers(sipp.messages()).filter((m) => m.header("To") === `<${aor}>`);
}

function row(registrar: string, user: string, over: { expiry?: number } = {}) {
  return registrantRow({
    registrar,
    aor: `sip:${user}@reg.test`,
    binding_URI: `sip:${user}@127.0.0.1:5099`,
    username: null,
    password: null,
    ...over,
  });
}

function byAor(list: RegListRecord[], user: string): RegListRecord | undefined {
  return list.find((r) => r.AOR === `sip:${user}@reg.test`);
}

const allRegistered = (n: number) => (l: RegListRecord[]) =>
  l.length === n && l.every((r) => r.state === "REGISTERED_STATE");

describe.concurrent("uacregd against SIPp: reload, force_register, shutdown", () => {
  it("reg_reload: unchanged stays as it is, changed re-registers, removed is unregistered; reg_force_register; SIGTERM unREGISTERs", async (t) => {
    const sipp = await startRegistrar({ scenario: "reg-200-loop.xml", maxCalls: 20, timeoutS: 80 }, t);
    const registrar = `sip:127.0.0.1:${sipp.port}`;
    const d = await startDaemon(
      {
        rows: [row(registrar, "keep"), row(registrar, "change"), row(registrar, "gone")],
        registrant: { timer_interval: T, unregister_on_shutdown: true },
      },
      t,
    );
    const before = await d.waitFor(allRegistered(3), 20_000);
    const keepBefore = byAor(before, "keep")!;
    const keepRegs = forAor(sipp, "sip:keep@reg.test");
    const changeRegs = forAor(sipp, "sip:change@reg.test");
    const goneRegs = forAor(sipp, "sip:gone@reg.test");
    expect([keepRegs.length, changeRegs.length, goneRegs.length]).toEqual([1, 1, 1]);

    const repo = await openRepository(d.dbUrl, {}, [sqliteAdapter]);
    try {
      await repo.upsert(row(registrar, "change", { expiry: 45 }));
      expect(await repo.delete({ aor: "sip:gone@reg.test", contact: "sip:gone@127.0.0.1:5099", registrar })).toBe(true);
    } finally {
      await repo.close();
    }
    await d.mi("reg_reload");

    // Changed: a REGISTER asking for the new expiry; the registrar grants it.
    const changed = await until(
      () => forAor(sipp, "sip:change@reg.test").find((m) => m.header("Contact")?.endsWith(";expires=45")),
      5_000,
      "the changed record's REGISTER",
    );
    expect(changed.header("Contact")).toBe("<sip:change@127.0.0.1:5099>;expires=45");
    // Removed: the binding is removed at the registrar (same Call-ID, CSeq + 1, expires 0), the record is gone.
    const unreg = await until(
      () => forAor(sipp, "sip:gone@reg.test").find((m) => m.header("Contact")?.endsWith(";expires=0")),
      5_000,
      "the removed record's unREGISTER",
    );
    expect(unreg.header("Call-ID")).toBe(goneRegs[0]!.header("Call-ID"));
    expect(cseq(unreg)).toBe(cseq(goneRegs[0]!) + 1);
    const after = await d.waitFor(
      (l) => l.length === 2 && byAor(l, "change")?.state === "REGISTERED_STATE" && byAor(l, "change")?.expires === 45,
      5_000,
    );
    expect(byAor(after, "gone")).toBeUndefined();
    // Unchanged: nothing sent, nothing reset.
    expect(forAor(sipp, "sip:keep@reg.test")).toHaveLength(1);
    expect(byAor(after, "keep")).toEqual(keepBefore);

    // reg_force_register: the refresh goes out at the next visit (within one period T), same Call-ID, CSeq + 1.
    const forcedAt = Date.now();
    await d.mi("reg_force_register", {
      aor: "sip:keep@reg.test",
      contact: "sip:keep@127.0.0.1:5099",
      registrar,
    });
    const forced = await until(
      () => forAor(sipp, "sip:keep@reg.test")[1],
      (T + 2) * 1000,
      "the forced REGISTER of the unchanged record",
    );
    expect(forced.time - forcedAt).toBeLessThanOrEqual((T + 1) * 1000);
    expect(forced.header("Call-ID")).toBe(keepRegs[0]!.header("Call-ID"));
    expect(cseq(forced)).toBe(cseq(keepRegs[0]!) + 1);
    await d.waitFor(allRegistered(2), 5_000);

    // SIGTERM with unregister_on_shutdown: one unREGISTER per registered binding, then exit 0.
    const seen = registers(sipp.messages()).length;
    expect(await d.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    const last = registers((await sipp.stop()).messages).slice(seen);
    expect(last.map((m) => m.header("Contact")).sort()).toEqual([
      "<sip:change@127.0.0.1:5099>;expires=0",
      "<sip:keep@127.0.0.1:5099>;expires=0",
    ]);
    const keepLast = last.find((m) => m.header("To") === "<sip:keep@reg.test>")!;
    expect(keepLast.header("Call-ID")).toBe(keepRegs[0]!.header("Call-ID"));
    expect(cseq(keepLast)).toBe(cseq(forced) + 1);
  });

  it("SIGTERM without unregister_on_shutdown (the default, as OpenSIPS): nothing is sent, exit 0", async (t) => {
    const sipp = await startRegistrar({ scenario: "reg-200-loop.xml", maxCalls: 5, timeoutS: 40 }, t);
    const d = await startDaemon({ rows: [row(`sip:127.0.0.1:${sipp.port}`, "stay")] }, t);
    await d.waitFor(allRegistered(1), 20_000);
    expect(await d.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    await new Promise((r) => setTimeout(r, 300));
    const regs = registers((await sipp.stop()).messages);
    expect(regs).toHaveLength(1);
    expect(regs[0]!.header("Contact")).toBe("<sip:stay@127.0.0.1:5099>;expires=60");
  });

  it("40 records to one registrar: every one REGISTERED, each with its own Call-ID and From tag", async (t) => {
    const n = 40;
    const sipp = await startRegistrar({ scenario: "reg-200-loop.xml", maxCalls: n + 10, timeoutS: 60 }, t);
    const registrar = `sip:127.0.0.1:${sipp.port}`;
    const d = await startDaemon(
      {
        rows: Array.from({ length: n }, (_, i) => row(registrar, `user${i}`)),
      },
      t,
    );
    const list = await d.waitFor(allRegistered(n), 20_000);
    expect(new Set(list.map((r) => r.AOR)).size).toBe(n);
    for (const r of list) expect(r.expires).toBe(60);
    const regs = registers((await sipp.stop()).messages);
    expect(regs).toHaveLength(n);
    expect(new Set(regs.map((m) => m.header("Call-ID"))).size).toBe(n);
    expect(new Set(regs.map((m) => m.header("From"))).size).toBe(n);
    for (const m of regs) expect(cseq(m)).toBe(1);
    await d.stop();
  });

  it("a 200 sent from another address (multi-homed registrar): accepted; pin and refresh stay where the request went (UdpSipPeer)", async (t) => {
    // SIPp answers from its own socket only, so two hand-written peers: A receives, B (127.0.0.2) answers.
    const a = await UdpSipPeer.open();
    const b = await UdpSipPeer.open("127.0.0.2");
    try {
      const registrar = `sip:127.0.0.1:${a.port}`;
      const d = await startDaemon({ rows: [row(registrar, "alice")] }, t);
      const req = await a.next(15_000);
      expect(req).toBeDefined();
      const ok = [
        "SIP/2.0 200 OK",
        `Via: ${rawHeader(req!, "Via")}`,
        `From: ${rawHeader(req!, "From")}`,
        `To: ${rawHeader(req!, "To")};tag=mh1`,
        `Call-ID: ${rawHeader(req!, "Call-ID")}`,
        `CSeq: ${rawHeader(req!, "CSeq")}`,
        `Contact: ${rawHeader(req!, "Contact")}`,
        "Content-Length: 0",
        "",
        "",
      ].join("\r\n");
      await b.send(ok, d.sipPort, "127.0.0.1");
      const list = await d.waitFor(allRegistered(1), 5_000);
      expect(list[0]).toMatchObject({ dst_IP: "IPv4", ip: "127.0.0.1" });
      await d.mi("reg_force_register", { aor: "sip:alice@reg.test", contact: "sip:alice@127.0.0.1:5099", registrar });
      const [toA, toB] = await Promise.all([a.next((T + 2) * 1000), b.next(500)]);
      expect(toA?.split("\r\n")[0]).toBe(`REGISTER ${registrar} SIP/2.0`);
      expect(rawHeader(toA!, "Call-ID")).toBe(rawHeader(req!, "Call-ID"));
      expect(toB).toBeUndefined();
      await d.stop();
    } finally {
      await a.close();
      await b.close();
    }
  });
});
