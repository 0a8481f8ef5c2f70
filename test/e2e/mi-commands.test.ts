/**
 * The registrant MI commands against the running daemon and the demo registrar (docs/opensips-behaviour.md §8, §9 with
 * docs/decisions.md): reg_list with 3 args, reg_upsert with all 12 params, reg_delete, reg_reload (a changed row applies,
 * an unchanged record keeps its Call-ID and state), reg_force_register, reg_stats, uptime, version, -32000 when the
 * database fails; no reply ever holds a password. Each case runs its own daemon and registrar, concurrently.
 */
import { promises as fsp } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { openRepository } from "@uacreg/db";
import { sqliteAdapter } from "@uacreg/db-sqlite";
import { type DemoRegistrar, startDemoRegistrar } from "@uacreg/demo-registrar";
import type { RegistrantRow } from "@uacreg/engine";
import {
  MiCallError,
  type RegListRecord,
  registrantRow,
  startUacregd,
  stopAllUacregd,
  type Uacregd,
} from "../support/uacregd.js";

const PW = { alice: "Pw-Alice-4471q", bob: "Pw-Bob-9052z", carol: "Pw-Carol-3318k" };
const registrars: DemoRegistrar[] = [];

afterAll(async () => {
  await stopAllUacregd();
  await Promise.all(registrars.map((r) => r.close()));
});

interface Setup {
  reg: DemoRegistrar;
  REG: string;
  d: Uacregd;
  rows: RegistrantRow[];
  /** Every raw MI reply body seen through `call`. */
  replies: string[];
  call<T>(method: string, params?: unknown[] | Record<string, unknown>): Promise<T>;
}

function row(user: "alice" | "bob" | "carol", REG: string, over: Partial<RegistrantRow> = {}): RegistrantRow {
  return registrantRow({
    registrar: REG,
    aor: `sip:${user}@reg.test`,
    username: user,
    password: PW[user],
    binding_URI: `sip:${user}@127.0.0.1:5099`,
    state: 1,
    ...over,
  });
}
const keyOf = (r: RegistrantRow) => [r.aor, r.binding_URI, r.registrar];

/** A registrar and a daemon whose rows start disabled; reg_enable registers each at once. */
async function setup(users: Array<"alice" | "bob" | "carol">, enable = true): Promise<Setup> {
  const reg = await startDemoRegistrar({ users: PW, realm: "reg.test" });
  registrars.push(reg);
  const REG = `sip:127.0.0.1:${reg.port}`;
  const rows = users.map((u) => row(u, REG));
  const d = await startUacregd({ rows });
  const replies: string[] = [];
  let seq = 0;
  const call = async <T>(method: string, params: unknown[] | Record<string, unknown> = {}): Promise<T> => {
    const r = await d.http(JSON.stringify({ jsonrpc: "2.0", method, id: ++seq, params }));
    replies.push(r.body);
    const reply = JSON.parse(r.body) as { result?: T; error?: { code: number; message: string; data?: string } };
    if (reply.error) throw new MiCallError(reply.error);
    return reply.result as T;
  };
  if (enable) {
    for (const r of rows) expect(await call("reg_enable", keyOf(r))).toBe("OK");
    await d.waitFor((l) => l.length === rows.length && l.every((x) => x.state === "REGISTERED_STATE"), 10_000);
  }
  return { reg, REG, d, rows, replies, call };
}

function noPasswords(s: Setup, extra = ""): void {
  const all = s.replies.join("\n") + extra;
  for (const p of Object.values(PW)) expect(all).not.toContain(p);
}

const find = (l: RegListRecord[], aor: string) => l.find((r) => r.AOR === aor);

async function until(pred: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred()) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

describe.concurrent("registrant MI commands", () => {
  it("reg_list with 3 args (positional, named, 4.x alias), reg_stats, uptime, version", async () => {
    const s = await setup(["alice", "bob"]);
    const [alice] = s.rows;
    const all = await s.call<{ Records: RegListRecord[] }>("reg_list");
    const one = await s.call<{ Registrant: RegListRecord }>("reg_list", keyOf(alice!));
    expect(Object.keys(one)).toEqual(["Registrant"]);
    expect(one.Registrant).toEqual(find(all.Records, "sip:alice@reg.test"));
    expect(one.Registrant).toMatchObject({
      AOR: "sip:alice@reg.test",
      expires: 60,
      state: "REGISTERED_STATE",
      enabled: "yes",
      registrar: s.REG,
      binding: "sip:alice@127.0.0.1:5099",
    });
    expect(one.Registrant.last_register_sent).toMatch(/^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}$/);
    const named = await s.call("uac_registrant:list", {
      registrar: s.REG,
      aor: "sip:alice@reg.test",
      contact: "sip:alice@127.0.0.1:5099",
    });
    expect(named).toEqual(one);
    await expect(s.call("reg_list", ["sip:alice@reg.test", "sip:alice@127.0.0.1:5099", "sip:other"])).rejects.toEqual(
      new MiCallError({ code: 404, message: "No such registrant" }),
    );

    const stats = await s.call<{ States: Record<string, number>; Counters: Record<string, number> }>("reg_stats");
    expect(stats.States.REGISTERED_STATE).toBe(2);
    expect(stats.States.NOT_REGISTERED_STATE).toBe(0);
    expect(stats.Counters.registered).toBeGreaterThanOrEqual(2);
    expect(stats.Counters.records).toBe(2);
    expect(await s.call("uac_registrant:stats")).toMatchObject({ States: { REGISTERED_STATE: 2 } });

    const up = await s.call<Record<string, string>>("uptime");
    expect(Object.keys(up)).toEqual(["Now", "Up since", "Up time"]);
    expect(up["Up time"]).toMatch(/^\d+ \[sec\]$/);
    const v = await s.call<{ Server: string }>("version");
    expect(v.Server).toMatch(/^uacreg \d+\.\d+\.\d+/);
    noPasswords(s);
  });

  it("reg_upsert with all 12 params (strings, as opensips-cli sends them): the new record registers", async () => {
    const s = await setup([], false);
    const params = {
      aor: "sip:bob@reg.test",
      contact: "sip:bob@127.0.0.1:5098",
      registrar: s.REG,
      proxy: s.REG,
      third_party_registrant: "sip:boss@reg.test",
      username: "bob",
      password: PW.bob,
      binding_params: ';+sip.instance="<urn:uuid:00000000-0000-0000-0000-000000000001>"',
      expiry: "90",
      forced_socket: `udp:127.0.0.1:${s.d.sipPort}`,
      cluster_shtag: "vip/1",
      state: "0",
    };
    expect(await s.call("reg_upsert", params)).toBe("OK");
    // Positional form of the same call (the 12 values in recipe order) replaces it: still one record.
    expect(await s.call("uac_registrant:upsert", Object.values(params))).toBe("OK");
    // First bucket visit: 5-10 s after start (hash_size 1, timer_interval 10).
    const l = await s.d.waitFor((x) => x[0]?.state === "REGISTERED_STATE", 16_000);
    expect(l).toHaveLength(1);
    expect(l[0]).toMatchObject({
      AOR: "sip:bob@reg.test",
      binding: "sip:bob@127.0.0.1:5098",
      expires: 90,
      enabled: "yes",
      binding_params: params.binding_params,
      proxy: s.REG,
      socket: `udp:127.0.0.1:${s.d.sipPort}`,
    });
    // Every optional field, in the docs/opensips-behaviour.md §9 order; clustering is off, so the tag is shown but not enforced.
    expect(Object.keys(l[0]!)).toEqual([
      "AOR",
      "expires",
      "state",
      "enabled",
      "last_register_sent",
      "registration_t_out",
      "registrar",
      "binding",
      "binding_params",
      "third_party_registrant",
      "socket",
      "proxy",
      "dst_IP",
      "ip",
      "shtag",
      "cluster_id",
    ]);
    expect(l[0]).toMatchObject({
      third_party_registrant: "sip:boss@reg.test",
      dst_IP: "IPv4",
      ip: "127.0.0.1",
      shtag: "vip",
      cluster_id: 1,
    });
    const b = s.reg.bindings("sip:bob@reg.test");
    expect(b.map((x) => x.contact)).toEqual(["sip:bob@127.0.0.1:5098"]);
    expect(b[0]?.expires).toBeGreaterThan(80);

    // A value that fails row validation: 503 Failed Upsert, the record in memory unchanged, no password in the error.
    const bad = s.call("reg_upsert", { ...params, expiry: 5 });
    await expect(bad).rejects.toMatchObject({ error: { code: 503, message: "Failed Upsert" } });
    await expect(s.call("reg_upsert", { ...params, registrar: "sip:user@host" })).rejects.toMatchObject({
      error: { code: 503, message: "Failed Upsert" },
    });
    expect((await s.d.list())[0]).toMatchObject({ expires: 90, state: "REGISTERED_STATE" });
    // Too few params for the one 12-name recipe.
    await expect(s.call("reg_upsert", Object.values(params).slice(0, 11))).rejects.toMatchObject({
      error: { code: -32602, data: "Too few or too many parameters" },
    });
    noPasswords(s, s.d.logs().join("\n"));
  });

  it("reg_delete unregisters the record and removes it; a second delete is 404", async () => {
    const s = await setup(["alice", "bob"]);
    const [alice] = s.rows;
    expect(s.reg.bindings("sip:alice@reg.test")).toHaveLength(1);
    expect(await s.call("reg_delete", keyOf(alice!))).toBe("OK");
    const l = await s.d.list();
    expect(l.map((r) => r.AOR)).toEqual(["sip:bob@reg.test"]);
    await expect(s.call("reg_list", keyOf(alice!))).rejects.toMatchObject({ error: { code: 404 } });
    await expect(s.call("uac_registrant:delete", keyOf(alice!))).rejects.toEqual(
      new MiCallError({ code: 404, message: "No such registrant" }),
    );
    // The unREGISTER reached the registrar: alice's binding is gone, bob's stays.
    const deadline = Date.now() + 5000;
    while (s.reg.bindings("sip:alice@reg.test").length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(s.reg.bindings("sip:alice@reg.test")).toEqual([]);
    expect(s.reg.bindings("sip:bob@reg.test")).toHaveLength(1);
    noPasswords(s);
  });

  it("reg_reload after editing a row: the change applies; the unchanged record keeps its Call-ID and state", async () => {
    const s = await setup(["alice", "carol"]);
    const aliceBefore = s.reg.bindings("sip:alice@reg.test")[0]!;
    const carolBefore = s.reg.bindings("sip:carol@reg.test")[0]!;
    const listBefore = await s.d.list();
    const repo = await openRepository(s.d.dbUrl, {}, [sqliteAdapter]);
    // reg_enable wrote state 0 to the rows; carol's expiry changes.
    await repo.upsert({ ...s.rows[1]!, state: 0, expiry: 120 });
    await repo.close();
    expect(await s.call("reg_reload")).toBe("OK");
    const right = await s.d.list();
    expect(find(right, "sip:alice@reg.test")).toEqual(find(listBefore, "sip:alice@reg.test"));
    const after = await s.d.waitFor((l) => find(l, "sip:carol@reg.test")?.expires === 120, 16_000);
    expect(find(after, "sip:carol@reg.test")?.state).toBe("REGISTERED_STATE");
    const carolAfter = s.reg.bindings("sip:carol@reg.test")[0]!;
    expect(carolAfter.expires).toBeGreaterThan(100);
    expect(carolAfter.cseq).toBeGreaterThan(carolBefore.cseq);
    // alice: not one request more, same Call-ID, same state all along.
    expect(s.reg.bindings("sip:alice@reg.test")[0]).toMatchObject({
      callId: aliceBefore.callId,
      cseq: aliceBefore.cseq,
    });
    expect(find(after, "sip:alice@reg.test")).toEqual(find(listBefore, "sip:alice@reg.test"));

    // Per-record reload: a key with no row is 404 "No such registrant in database" and changes nothing.
    await expect(s.call("reg_reload", ["sip:nobody@reg.test", "sip:n@h", s.REG])).rejects.toEqual(
      new MiCallError({ code: 404, message: "No such registrant in database" }),
    );
    expect(await s.call("uac_registrant:reload", keyOf(s.rows[0]!))).toBe("OK");
    expect(find(await s.d.list(), "sip:alice@reg.test")).toEqual(find(listBefore, "sip:alice@reg.test"));
    noPasswords(s);
  });

  it("reg_force_register: the REGISTER goes out on the next visit, same Call-ID, CSeq + 1", async () => {
    const s = await setup(["alice"]);
    const before = s.reg.bindings("sip:alice@reg.test")[0]!;
    const lBefore = (await s.d.list())[0]!;
    expect(await s.call("reg_force_register", keyOf(s.rows[0]!))).toBe("OK");
    expect(await s.call("uac_registrant:force_register", keyOf(s.rows[0]!))).toBe("OK");
    const deadline = Date.now() + 16_000;
    while ((s.reg.bindings("sip:alice@reg.test")[0]?.cseq ?? 0) <= before.cseq && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = s.reg.bindings("sip:alice@reg.test")[0]!;
    expect(after.callId).toBe(before.callId);
    expect(after.cseq).toBeGreaterThan(before.cseq);
    const l = await s.d.waitFor((x) => x[0]?.state === "REGISTERED_STATE", 5000);
    expect(l[0]!.last_register_sent).not.toBe(lBefore.last_register_sent);
    noPasswords(s);
  });

  it("reg_disable unregisters and writes state 1 to the row; reg_enable registers again and writes 0", async () => {
    const s = await setup(["alice"]);
    const row = s.rows[0]!;
    const key = { aor: row.aor, contact: row.binding_URI, registrar: row.registrar };
    const repo = await openRepository(s.d.dbUrl, {}, [sqliteAdapter]);
    try {
      // setup's reg_enable answered OK with the write of state 0 queued (the state writer stores it shortly after,
      // loading TypeORM at this first write): wait for it, as for the writes below.
      await until(async () => (await repo.findOne(key))?.state === 0, 5000);
      expect((await repo.findOne(key))?.state).toBe(0);
      expect(await s.call("uac_registrant:disable", keyOf(row))).toBe("OK");
      await until(() => s.reg.bindings("sip:alice@reg.test").length === 0, 5000);
      expect(s.reg.bindings("sip:alice@reg.test")).toEqual([]);
      const [off] = await s.d.waitFor((l) => l[0]?.enabled === "no" && l[0].state === "NOT_REGISTERED_STATE", 5000);
      expect(off?.AOR).toBe("sip:alice@reg.test");
      await until(async () => (await repo.findOne(key))?.state === 1, 3000);
      expect((await repo.findOne(key))?.state).toBe(1);
      // Disabling again changes nothing and is still OK.
      expect(await s.call("reg_disable", keyOf(row))).toBe("OK");
      expect(await s.call("reg_enable", keyOf(row))).toBe("OK");
      await s.d.waitFor((l) => l[0]?.state === "REGISTERED_STATE" && l[0].enabled === "yes", 5000);
      expect(s.reg.bindings("sip:alice@reg.test")).toHaveLength(1);
      await until(async () => (await repo.findOne(key))?.state === 0, 3000);
      expect((await repo.findOne(key))?.state).toBe(0);
    } finally {
      await repo.close();
    }
    noPasswords(s);
  });

  it("a record that exists only in memory (reg_upsert) is unregistered and dropped by reg_reload", async () => {
    const s = await setup(["alice"]);
    const bob = ["sip:bob@reg.test", "sip:bob@127.0.0.1:5098", s.REG, "", "", "bob", PW.bob, "", "60", "", "", "1"];
    expect(await s.call("reg_upsert", bob)).toBe("OK");
    expect(await s.call("reg_enable", bob.slice(0, 3))).toBe("OK");
    await s.d.waitFor((l) => l.length === 2 && l.every((r) => r.state === "REGISTERED_STATE"), 5000);
    expect(s.reg.bindings("sip:bob@reg.test")).toHaveLength(1);
    expect(await s.call("reg_reload")).toBe("OK");
    expect((await s.d.list()).map((r) => r.AOR)).toEqual(["sip:alice@reg.test"]);
    await until(() => s.reg.bindings("sip:bob@reg.test").length === 0, 5000);
    expect(s.reg.bindings("sip:bob@reg.test")).toEqual([]);
    expect(s.reg.bindings("sip:alice@reg.test")).toHaveLength(1);
    noPasswords(s);
  });

  it("during a full reload of 300 registered records, none shows as anything but REGISTERED (#168)", async () => {
    const users = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`u${i}`, `Pw-u${i}-x`]));
    const reg = await startDemoRegistrar({ users, realm: "reg.test" });
    registrars.push(reg);
    const REG = `sip:127.0.0.1:${reg.port}`;
    const rows = Object.keys(users).map((u) =>
      registrantRow({
        registrar: REG,
        aor: `sip:${u}@reg.test`,
        username: u,
        password: users[u]!,
        binding_URI: `sip:${u}@127.0.0.1:5099`,
      }),
    );
    const d = await startUacregd({ rows });
    // State 0 rows: the first visits of the two buckets register them all.
    await d.waitFor((l) => l.length === 300 && l.every((r) => r.state === "REGISTERED_STATE"), 20_000);
    const before = await d.list();
    let polling = true;
    const seen: Array<Record<string, number>> = [];
    const poll = (async () => {
      while (polling) seen.push((await d.mi<{ States: Record<string, number> }>("reg_stats")).States);
    })();
    for (let i = 0; i < 10; i++) expect(await d.mi("reg_reload")).toBe("OK");
    polling = false;
    await poll;
    expect(seen.length).toBeGreaterThan(3);
    for (const st of seen) expect(st.REGISTERED_STATE).toBe(300);
    expect(await d.list()).toEqual(before);
    expect(reg.stats().registered).toBe(300);
  });

  it("reg_reload on a database that fails: -32000 Command handler returned null, records kept", async () => {
    const s = await setup(["alice"]);
    const path = s.d.dbUrl.replace(/^sqlite:\/\//, "");
    // Overwrite the file in place: the daemon's open connection now reads garbage.
    await fsp.writeFile(path, Buffer.alloc(8192, 0x5a));
    await expect(s.call("reg_reload")).rejects.toEqual(
      new MiCallError({ code: -32000, message: "Server error", data: "Command handler returned null" }),
    );
    const l = await s.d.list();
    expect(l.map((r) => [r.AOR, r.state])).toEqual([["sip:alice@reg.test", "REGISTERED_STATE"]]);
    expect(s.d.process.exitCode).toBeNull();
    noPasswords(s);
  });
});
