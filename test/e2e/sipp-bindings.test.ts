/**
 * Binding management against SIPp registrars: unique-binding enforcement with reg-id/+sip.instance (a 200 listing two
 * bindings → wildcard unREGISTER → REGISTER on a new Call-ID, capture f), and reg_disable / reg_enable (unREGISTER on
 * the same Call-ID, the row's `state` column written, REGISTER at once on a new Call-ID, capture g), also while a
 * request is in flight (reg-slow-200-loop.xml).
 */
import { openRepository } from "@uacreg/db";
import { sqliteAdapter } from "@uacreg/db-sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { AT_ONCE_MS, registers, cseq, sentStatuses, startRegistrar, startDaemon, until } from "./sipp-support.js";
import { checkDigestResponse } from "../support/digest-check.js";
import { stopAllSipp } from "../support/sipp.js";
import { registrantRow, stopAllUacregd } from "../support/uacregd.js";

afterAll(async () => {
  await stopAllUacregd();
  await stopAllSipp();
});

/** The `state` column of the row, read from the daemon's database file as another client would. */
async function rowState(dbUrl: string, key: { aor: string; contact: string; registrar: string }): Promise<number> {
  const repo = await openRepository(dbUrl, {}, [sqliteAdapter]);
  try {
    const row = await repo.findOne(key);
    if (!row) throw new Error(`row ${JSON.stringify(key)} not found`);
    return row.state;
  } finally {
    await repo.close();
  }
}

const BINDING = "sip:alice@127.0.0.1:5099";
const INSTANCE = ';reg-id=1;+sip.instance="<urn:uuid:00000000-0000-1000-8000-00000000000f>"';

describe.concurrent("uacregd against SIPp: bindings", () => {
  it.for([true, false])(
    "200 listing two bindings with reg-id/+sip.instance → wildcard unREGISTER → new Call-ID → REGISTERED (preemptive_auth %s)",
    async (preemptive, t) => {
      const sipp = await startRegistrar({ scenario: "reg-force-single.xml", maxCalls: 2, timeoutS: 40 }, t);
      const d = await startDaemon(
        {
          rows: [registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}`, binding_params: INSTANCE })],
          registrant: { preemptive_auth: preemptive },
        },
        t,
      );
      const r = await sipp.waitExit(25_000);
      expect(r.killed).toBe(false);
      // 0: the wildcard form and the expiry 0 were checked by SIPp, every Authorization verified.
      expect(r.code, r.stderr).toBe(0);
      const list = await d.waitFor((l) => l[0]?.state === "REGISTERED_STATE", 5_000);
      expect(list[0]).toMatchObject({
        state: "REGISTERED_STATE",
        expires: 60,
        binding: BINDING,
        binding_params: INSTANCE,
      });

      const regs = registers(r.messages);
      const first = regs[0]!;
      expect(first.header("Contact")).toBe(`<${BINDING}>${INSTANCE};expires=60`);
      // The request answered by the two-binding 200, then the wildcard unREGISTER on the same Call-ID, CSeq + 1.
      const twoOk = r.messages.find((m) => m.direction === "sent" && m.status === 200)!;
      expect(twoOk.header("Contact")).toContain("sip:stale@192.0.2.99:5060");
      const wildcard = regs.find((m) => m.header("Contact") === "*")!;
      expect(wildcard).toBeDefined();
      expect(wildcard.header("Expires")).toBe("0");
      expect(wildcard.header("Call-ID")).toBe(first.header("Call-ID"));
      const before = regs[regs.indexOf(wildcard) - 1]!;
      expect(cseq(wildcard)).toBe(cseq(before) + 1);
      expect(wildcard.time).toBeGreaterThanOrEqual(twoOk.time);
      expect(wildcard.time - twoOk.time).toBeLessThan(AT_ONCE_MS);
      const unregs = regs.filter((m) => m.header("Call-ID") === first.header("Call-ID")).slice(regs.indexOf(wildcard));
      if (preemptive) {
        // Credentials for the cached nonce on the first try: one transaction.
        expect(wildcard.header("Authorization")).toBeDefined();
        expect(unregs).toHaveLength(1);
      } else {
        // Challenged: the authenticated retry (CSeq + 1) still asks for expiry 0 (SIPp checked; either form).
        expect(wildcard.header("Authorization")).toBeUndefined();
        expect(unregs).toHaveLength(2);
        const retry = unregs[1]!;
        expect(cseq(retry)).toBe(cseq(wildcard) + 1);
        expect(retry.header("Authorization")).toBeDefined();
        const form = retry.header("Contact") === "*" ? retry.header("Expires") : retry.header("Contact");
        expect(["0", `<${BINDING}>${INSTANCE};expires=0`]).toContain(form);
      }
      // After the unREGISTER completes: a REGISTER on a new Call-ID, with CSeq 1, at once.
      const fresh = regs.find((m) => m.header("Call-ID") !== first.header("Call-ID"))!;
      expect(fresh).toBeDefined();
      expect(fresh.time).toBeGreaterThan(wildcard.time);
      expect(cseq(fresh)).toBe(1);
      expect(fresh.header("Contact")).toBe(`<${BINDING}>${INSTANCE};expires=60`);
      // Every credential sent verifies.
      for (const m of regs) {
        const auth = m.header("Authorization");
        if (auth) expect(checkDigestResponse(auth, { password: "secret" }).ok).toBe(true);
      }
      expect(sentStatuses(r.messages).at(-1)).toBe(200);
      await d.stop();
    },
  );

  it.for([true, false])(
    "reg_disable unREGISTERs on the same Call-ID and writes state 1; reg_enable registers at once and writes 0 (preemptive_auth %s)",
    async (preemptive, t) => {
      const sipp = await startRegistrar({ scenario: "reg-disable.xml", maxCalls: 2, timeoutS: 50 }, t);
      const registrar = `sip:127.0.0.1:${sipp.port}`;
      const key = { aor: "sip:alice@reg.test", contact: BINDING, registrar };
      const d = await startDaemon(
        {
          rows: [registrantRow({ registrar })],
          registrant: { preemptive_auth: preemptive },
        },
        t,
      );
      await d.waitFor((l) => l[0]?.state === "REGISTERED_STATE", 20_000);
      expect(await rowState(d.dbUrl, key)).toBe(0);
      const registeredRegs = registers(sipp.messages());
      const lastReg = registeredRegs.at(-1)!;

      await d.mi("reg_disable", key);
      const off = await d.waitFor((l) => l[0]?.state === "NOT_REGISTERED_STATE", 5_000);
      expect(off[0]).toMatchObject({ state: "NOT_REGISTERED_STATE", enabled: "no" });
      expect(off[0]!.registration_t_out).toBe("Thu Jan  1 00:00:00 1970");
      expect(await rowState(d.dbUrl, key)).toBe(1);
      const afterDisable = registers(sipp.messages());
      const unreg = afterDisable[registeredRegs.length]!;
      expect(unreg).toBeDefined();
      expect(unreg.header("Call-ID")).toBe(lastReg.header("Call-ID"));
      expect(unreg.header("From")).toBe(lastReg.header("From"));
      expect(cseq(unreg)).toBe(cseq(lastReg) + 1);
      expect(unreg.header("Contact")).toBe(`<${BINDING}>;expires=0`);
      expect(unreg.header("Expires")).toBeUndefined();
      const unregs = afterDisable.slice(registeredRegs.length);
      // Preemptive: one transaction with credentials; otherwise 401 and the authenticated retry (CSeq + 1).
      expect(unregs).toHaveLength(preemptive ? 1 : 2);
      expect(unreg.header("Authorization") !== undefined).toBe(preemptive);
      for (const [i, m] of unregs.entries()) {
        expect(m.header("Call-ID")).toBe(lastReg.header("Call-ID"));
        expect(m.header("Contact")).toBe(`<${BINDING}>;expires=0`);
        expect(cseq(m)).toBe(cseq(unreg) + i);
      }

      const enabledAt = Date.now();
      await d.mi("reg_enable", key);
      const on = await d.waitFor((l) => l[0]?.state === "REGISTERED_STATE", 5_000);
      expect(on[0]).toMatchObject({ state: "REGISTERED_STATE", enabled: "yes", expires: 60 });
      expect(await rowState(d.dbUrl, key)).toBe(0);
      const r = await sipp.waitExit(5_000);
      expect(r.killed).toBe(false);
      expect(r.code, r.stderr).toBe(0);
      const all = registers(r.messages);
      const again = all[afterDisable.length]!;
      expect(again).toBeDefined();
      expect(again.header("Call-ID")).not.toBe(lastReg.header("Call-ID"));
      expect(again.header("From")).not.toBe(lastReg.header("From"));
      expect(cseq(again)).toBe(1);
      expect(again.header("Contact")).toBe(`<${BINDING}>;expires=60`);
      // At once, not at the next timer visit.
      expect(again.time - enabledAt).toBeLessThan(AT_ONCE_MS);
      await d.stop();
    },
  );

  it("reg_disable / reg_enable while a request is in flight: the last command wins once the reply comes", async (t) => {
    // 100 Trying at once, 200 OK 2 s later: each command below lands while a request waits for its answer.
    const sipp = await startRegistrar({ scenario: "reg-slow-200-loop.xml", maxCalls: 10, timeoutS: 60 }, t);
    const registrar = `sip:127.0.0.1:${sipp.port}`;
    const key = { aor: "sip:alice@reg.test", contact: BINDING, registrar };
    const d = await startDaemon({ rows: [registrantRow({ registrar, username: null, password: null, state: 1 })] }, t);
    const wire = () => registers(sipp.messages());

    // 1. Disabled during the REGISTER: after its 200, the binding is removed on the same Call-ID.
    await d.mi("reg_enable", key);
    const reg = await until(() => wire()[0], 2_000, "the REGISTER after reg_enable");
    await d.mi("reg_disable", key);
    expect((await d.list())[0]).toMatchObject({ enabled: "no", state: "REGISTERING_STATE" });
    const off = await d.waitFor((l) => l[0]?.state === "NOT_REGISTERED_STATE", 8_000);
    expect(off[0]!.enabled).toBe("no");
    expect(await rowState(d.dbUrl, key)).toBe(1);
    const unreg = wire()[1]!;
    expect(unreg.header("Call-ID")).toBe(reg.header("Call-ID"));
    expect(cseq(unreg)).toBe(cseq(reg) + 1);
    expect(unreg.header("Contact")).toBe(`<${BINDING}>;expires=0`);
    expect(wire()).toHaveLength(2);

    // 2. Registered again, then enabled back during the unREGISTER: after its 200, it registers again.
    await d.mi("reg_enable", key);
    await d.waitFor((l) => l[0]?.state === "REGISTERED_STATE", 8_000);
    const count = wire().length;
    await d.mi("reg_disable", key);
    await until(() => wire()[count], 2_000, "the unREGISTER after reg_disable");
    await d.mi("reg_enable", key);
    const back = await until(() => wire()[count + 1], 8_000, "the REGISTER after the unREGISTER's 200");
    expect(wire()[count]!.header("Contact")).toBe(`<${BINDING}>;expires=0`);
    expect(back.header("Contact")).toBe(`<${BINDING}>;expires=60`);
    const on = await d.waitFor((l) => l[0]?.state === "REGISTERED_STATE", 8_000);
    expect(on[0]!.enabled).toBe("yes");
    expect(await rowState(d.dbUrl, key)).toBe(0);
    await d.stop();
  });

  it("unique-binding enforcement is per row: a row without reg-id accepts a 200 listing two bindings as is", async (t) => {
    const single = await startRegistrar({ scenario: "reg-force-single.xml", maxCalls: 2, timeoutS: 40 }, t);
    // maxCalls 2 keeps it listening after its one call: a wildcard unREGISTER would be logged as a dead-call message.
    const plain = await startRegistrar(
      {
        scenario: "reg-200-two-contacts.xml",
        keys: { expires: 77 },
        maxCalls: 2,
        timeoutS: 40,
      },
      t,
    );
    const a = { aor: "sip:alice@reg.test", contact: BINDING, registrar: `sip:127.0.0.1:${single.port}` };
    const b = { aor: "sip:bob@reg.test", contact: "sip:bob@127.0.0.1:5099", registrar: `sip:127.0.0.1:${plain.port}` };
    const d = await startDaemon(
      {
        rows: [
          registrantRow({ registrar: a.registrar, binding_params: INSTANCE, state: 1 }),
          registrantRow({
            registrar: b.registrar,
            aor: b.aor,
            binding_URI: b.contact,
            username: null,
            password: null,
            state: 1,
          }),
        ],
      },
      t,
    );
    // The reg-id row first, through its whole wildcard cleanup; then the plain row.
    await d.mi("reg_enable", a);
    expect((await single.waitExit(10_000)).code).toBe(0);
    await d.waitFor((l) => l.find((r) => r.AOR === a.aor)?.state === "REGISTERED_STATE", 5_000);
    await d.mi("reg_enable", b);
    const list = await d.waitFor((l) => l.find((r) => r.AOR === b.aor)?.state === "REGISTERED_STATE", 5_000);
    expect(list.find((r) => r.AOR === b.aor)!.expires).toBe(77);
    await new Promise((res) => setTimeout(res, 500));
    const r = await plain.stop();
    expect(r.errors).toBe("");
    // One REGISTER, no wildcard unREGISTER for the plain row.
    expect(registers(r.messages)).toHaveLength(1);
    expect(r.messages.filter((m) => m.direction === "received" && m.deadCall)).toHaveLength(0);
    await d.stop();
  });
});
