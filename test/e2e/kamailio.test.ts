/**
 * End-to-end: the real daemon (apps/uacregd) against real Kamailio 5.6 registrars (issue 6). Kamailio verifies each
 * digest against its `subscriber` table (one instance per algorithm: MD5 and SHA-256) and writes the bindings through
 * to its `location` table, which is what the checks read: contact = our binding, expiry = what we asked within
 * Kamailio's min/max, Call-ID = the one uacreg sent, kept across the refresh; reg_disable removes the row.
 *
 * Some records go through a "tap" (the row's proxy): a UDP relay that logs each REGISTER uacreg sends and forwards it
 * to Kamailio unchanged (and the replies back). The tap makes the sent Call-ID and the preemptive Authorization
 * (nonce reuse, nc=00000002) visible.
 *
 * Timing: hash_size 1, timer_interval 10; the rows start disabled and reg_enable sends the first REGISTER at once.
 * A 30 s binding is refreshed 10–20 s after its 200 (E − T … E − 2T with P = 100).
 */
import { type Socket, createSocket } from "node:dgram";
import { writeFileSync } from "node:fs";
import type { RegistrantRow } from "@uacreg/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDigestResponse } from "../support/digest-check.js";
import { type Kamailio, type KamailioBinding, startKamailio, stopAllKamailio } from "../support/kamailio.js";
import { type RegListRecord, type Uacregd, registrantRow, startUacregd, stopAllUacregd } from "../support/uacregd.js";

/** One REGISTER as uacreg sent it, seen by the tap. */
interface TappedRequest {
  time: number;
  text: string;
  header(name: string): string | undefined;
}

/**
 * A relay in front of Kamailio: logs each request and forwards it unchanged; forwards Kamailio's replies back to the
 * request's sender (uacreg's Via carries rport, so Kamailio answers the relay's address).
 */
class RegisterTap {
  readonly requests: TappedRequest[] = [];
  readonly replies: TappedRequest[] = [];
  private client: { address: string; port: number } | undefined;
  private constructor(
    private readonly socket: Socket,
    readonly port: number,
  ) {}

  static async open(targetPort: number): Promise<RegisterTap> {
    const socket = createSocket("udp4");
    await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
    const tap = new RegisterTap(socket, socket.address().port);
    socket.on("message", (msg, from) => {
      const text = msg.toString("utf8");
      const entry: TappedRequest = {
        time: Date.now(),
        text,
        header: (name) => new RegExp(`^${name}:[ \\t]*(.*?)\\r?$`, "im").exec(text)?.[1],
      };
      if (from.port === targetPort) {
        tap.replies.push(entry);
        if (tap.client) socket.send(msg, tap.client.port, tap.client.address);
        return;
      }
      tap.client = { address: from.address, port: from.port };
      tap.requests.push(entry);
      socket.send(msg, targetPort, "127.0.0.1");
    });
    return tap;
  }

  /** The requests, one per CSeq (a retransmission repeats its CSeq). */
  sent(): TappedRequest[] {
    const seen = new Set<string>();
    return this.requests.filter((r) => {
      const cseq = r.header("CSeq") ?? "";
      if (seen.has(cseq)) return false;
      seen.add(cseq);
      return true;
    });
  }

  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}

const kamailioUri = (k: Kamailio) => `sip:127.0.0.1:${k.port}`;
const keyOf = (r: RegistrantRow) => ({ aor: r.aor, contact: r.binding_URI, registrar: r.registrar });
/**
 * Waits (bounded) until `done()` holds. Kamailio writes its location table before its log line reaches us and before
 * its 200 has crossed the tap, so under load what the table shows is ahead of the log and the tap by a moment.
 */
async function eventually(done: () => boolean, limitMs = 10_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
}

const challengesFor = (k: Kamailio, aor: string) =>
  k.log.split("\n").filter((l) => l.includes(`REGISTER ${aor} from`) && l.includes("challenging")).length;

afterAll(async () => {
  await stopAllUacregd();
  await stopAllKamailio();
});

type KamName = "MD5" | "SHA-256" | "stale" | "min423" | "minRaise";
const KAM_NAMES: KamName[] = ["MD5", "SHA-256", "stale", "min423", "minRaise"];
const describeKam: Record<KamName, string> = {
  MD5: "MD5, min_expires 10, max_expires 600",
  "SHA-256": "SHA-256, min_expires 10, max_expires 600",
  stale: "MD5, nonce_expire 5 s",
  min423: "SHA-256, min_expires 45 (423 below it)",
  minRaise: "MD5, min_expires 45 (raised silently)",
};

describe("uacregd against Kamailio registrars with digest verification (MD5 and SHA-256)", () => {
  const subscribers = [
    { username: "alice", domain: "reg.test", password: "alice-pw" },
    { username: "bob", domain: "reg.test", password: "bob-pw" },
    { username: "mallory", domain: "reg.test", password: "mallory-pw" },
  ];
  const kams: Partial<Record<KamName, Kamailio>> = {};
  const taps: Record<"MD5" | "SHA-256" | "stale", RegisterTap | undefined> = {
    MD5: undefined,
    "SHA-256": undefined,
    stale: undefined,
  };
  /** Per instance: the records and their expected grant. */
  const plan: Array<{
    kam: KamName;
    row: RegistrantRow;
    granted?: number;
    tapped?: boolean;
    wrong?: boolean;
  }> = [];
  let d: Uacregd;
  const firstSeen = new Map<string, KamailioBinding & { seenAt: number }>();

  const K = (name: KamName): Kamailio => {
    const k = kams[name];
    if (!k) throw new Error(`kamailio ${name} not started`);
    return k;
  };
  const T = (name: KamName): RegisterTap => {
    const t = name === "min423" || name === "minRaise" ? undefined : taps[name];
    if (!t) throw new Error(`tap ${name} not open`);
    return t;
  };
  const recordOf = (list: RegListRecord[], row: RegistrantRow) =>
    list.find((r) => r.AOR === row.aor && r.binding === row.binding_URI && r.registrar === row.registrar);

  beforeAll(async () => {
    const [md5, sha, stale, min423, minRaise] = await Promise.all([
      startKamailio({ subscribers, algorithm: "MD5", minExpires: 10, maxExpires: 600 }),
      startKamailio({ subscribers, algorithm: "SHA-256", minExpires: 10, maxExpires: 600 }),
      // nonces live 5 s: the preemptive refresh (10–20 s later) carries an expired nonce
      startKamailio({ subscribers, algorithm: "MD5", nonceExpire: 5 }),
      // a REGISTER asking 20 s: 423 with Min-Expires 45, or 45 granted silently
      startKamailio({ subscribers, algorithm: "SHA-256", minExpires: 45, rejectBelowMinExpires: true }),
      startKamailio({ subscribers, algorithm: "MD5", minExpires: 45, rejectBelowMinExpires: false }),
    ]);
    Object.assign(kams, { MD5: md5, "SHA-256": sha, stale, min423, minRaise });
    const [t1, t2, t3] = await Promise.all([
      RegisterTap.open(md5.port),
      RegisterTap.open(sha.port),
      RegisterTap.open(stale.port),
    ]);
    taps.MD5 = t1;
    taps["SHA-256"] = t2;
    taps.stale = t3;

    let contactPort = 5100;
    for (const name of ["MD5", "SHA-256"] as const) {
      const k = K(name);
      const base = { registrar: kamailioUri(k), state: 1 };
      const contact = (user: string) => `sip:${user}@127.0.0.1:${++contactPort}`;
      plan.push(
        // refreshed during the test, through the tap
        {
          kam: name,
          tapped: true,
          granted: 30,
          row: registrantRow({
            ...base,
            aor: "sip:alice@reg.test",
            username: "alice",
            password: "alice-pw",
            binding_URI: contact("alice"),
            proxy: `sip:127.0.0.1:${T(name).port}`,
            expiry: 30,
          }),
        },
        // a second binding of the same AOR: Kamailio's 200 lists both contacts
        {
          kam: name,
          granted: 120,
          row: registrantRow({
            ...base,
            aor: "sip:alice@reg.test",
            username: "alice",
            password: "alice-pw",
            binding_URI: contact("alice"),
            expiry: 120,
          }),
        },
        // asks more than max_expires: Kamailio grants 600
        {
          kam: name,
          granted: 600,
          row: registrantRow({
            ...base,
            aor: "sip:bob@reg.test",
            username: "bob",
            password: "bob-pw",
            binding_URI: contact("bob"),
            expiry: 3600,
          }),
        },
        {
          kam: name,
          wrong: true,
          row: registrantRow({
            ...base,
            aor: "sip:mallory@reg.test",
            username: "mallory",
            password: "not-mallorys-password",
            binding_URI: contact("mallory"),
            expiry: 60,
          }),
        },
      );
    }
    plan.push({
      kam: "stale",
      tapped: true,
      granted: 30,
      row: registrantRow({
        registrar: kamailioUri(K("stale")),
        proxy: `sip:127.0.0.1:${T("stale").port}`,
        state: 1,
        aor: "sip:alice@reg.test",
        username: "alice",
        password: "alice-pw",
        binding_URI: "sip:alice@127.0.0.1:5199",
        expiry: 30,
      }),
    });
    for (const name of ["min423", "minRaise"] as const) {
      plan.push({
        kam: name,
        granted: 45,
        row: registrantRow({
          registrar: kamailioUri(K(name)),
          state: 1,
          aor: "sip:bob@reg.test",
          username: "bob",
          password: "bob-pw",
          binding_URI: `sip:bob@127.0.0.1:${name === "min423" ? 5301 : 5302}`,
          expiry: 20,
        }),
      });
    }
    d = await startUacregd({ rows: plan.map((p) => p.row) });
  }, 30_000);

  afterAll(async () => {
    await Promise.all(Object.values(taps).map((t) => t?.close()));
  });

  it("registers 3 records per algorithm; each binding is in Kamailio's location table with the granted expiry", async () => {
    const enabledAt = Date.now() / 1000;
    await Promise.all(plan.map((p) => d.mi("reg_enable", keyOf(p.row))));
    const good = plan.filter((p) => !p.wrong);
    const list = await d.waitFor((l) => good.every((p) => recordOf(l, p.row)?.state === "REGISTERED_STATE"), 10_000);
    for (const name of KAM_NAMES) {
      const mine = good.filter((p) => p.kam === name);
      const rows = await K(name).waitForLocations((r) => r.length === mine.length, 5_000);
      for (const p of mine) {
        const b = rows.find((r) => r.contact === p.row.binding_URI);
        expect(b, `${name} ${p.row.binding_URI}`).toBeDefined();
        if (!b) continue;
        firstSeen.set(p.row.binding_URI, { ...b, seenAt: Date.now() });
        expect(b.username).toBe(/sip:(\w+)@/.exec(p.row.aor)?.[1]);
        // expires = what we asked, clamped to max_expires (600) or raised to min_expires (45), counted from when
        // Kamailio saved the binding: after reg_enable and before we read it (±2 s: Kamailio keeps whole seconds of its
        // own clock and the location table's time loses the fraction again; the grants differ by ≥ 15 s, so a wrong
        // grant still fails)
        const readAt = Date.now() / 1000;
        expect(b.expiresAt).toBeGreaterThanOrEqual(enabledAt + (p.granted ?? 0) - 2);
        expect(b.expiresAt).toBeLessThanOrEqual(readAt + (p.granted ?? 0) + 2);
        expect(b.callId).not.toBe("");
        expect(b.userAgent).toMatch(/^uacreg\//);
        // reg_list shows what Kamailio granted
        expect(recordOf(list, p.row)?.expires, p.row.binding_URI).toBe(p.granted);
      }
      // one Call-ID per record
      expect(new Set(rows.map((r) => r.callId)).size).toBe(rows.length);
    }
    // the tapped records: the Call-ID in Kamailio's table is the one uacreg sent, and the digest was right
    for (const p of good.filter((x) => x.tapped)) {
      const sent = T(p.kam).sent();
      const b = firstSeen.get(p.row.binding_URI);
      expect(sent.map((r) => r.header("Call-ID"))).toEqual(sent.map(() => b?.callId));
      expect(sent.map((r) => r.header("Contact"))).toEqual(sent.map(() => `<${p.row.binding_URI}>;expires=30`));
      expect(sent).toHaveLength(2); // no credentials → 401 → with credentials → 200
      const auth = sent[1]?.header("Authorization") ?? "";
      const check = checkDigestResponse(auth, { password: "alice-pw" });
      expect(check.ok).toBe(true);
      expect(check.params).toMatchObject({
        username: "alice",
        realm: "reg.test",
        uri: p.row.registrar,
        nc: "00000001",
        algorithm: K(p.kam).algorithm,
      });
      expect(Number(/^(\d+)/.exec(sent[1]?.header("CSeq") ?? "")?.[1])).toBe(b?.cseq);
    }
    expect(JSON.stringify(list)).not.toMatch(/-pw|not-mallorys/);
  });

  it("wrong passwords end in WRONG_CREDENTIALS_STATE with no binding at Kamailio", async () => {
    const wrong = plan.filter((p) => p.wrong);
    await d.waitFor((l) => wrong.every((p) => recordOf(l, p.row)?.state === "WRONG_CREDENTIALS_STATE"), 10_000);
    for (const p of wrong) {
      expect(K(p.kam).locations("mallory")).toEqual([]);
      // challenged twice: the first REGISTER without credentials, then the wrong answer
      expect(challengesFor(K(p.kam), p.row.aor)).toBe(2);
    }
  });

  it("refresh keeps the Call-ID at Kamailio, reuses the nonce with nc=2, and Kamailio accepts it", async () => {
    const refreshed = plan.filter((p) => p.tapped && p.kam !== "stale");
    const rows = await Promise.all(
      refreshed.map((p) =>
        K(p.kam).waitForLocations((r) => {
          const b = r.find((x) => x.contact === p.row.binding_URI);
          return b !== undefined && b.cseq > (firstSeen.get(p.row.binding_URI)?.cseq ?? 0);
        }, 25_000),
      ),
    );
    for (const [i, p] of refreshed.entries()) {
      const before = firstSeen.get(p.row.binding_URI);
      const after = rows[i]?.find((x) => x.contact === p.row.binding_URI);
      expect(after?.callId).toBe(before?.callId);
      // preemptive: one request, no new challenge
      expect(after?.cseq).toBe((before?.cseq ?? 0) + 1);
      expect(challengesFor(K(p.kam), p.row.aor)).toBe(2); // the two alice records' first REGISTERs only
      const sent = T(p.kam).sent();
      expect(sent).toHaveLength(3);
      const first = checkDigestResponse(sent[1]?.header("Authorization") ?? "", { password: "alice-pw" });
      const refresh = checkDigestResponse(sent[2]?.header("Authorization") ?? "", { password: "alice-pw" });
      expect(refresh.ok).toBe(true);
      expect(refresh.params.nonce).toBe(first.params.nonce);
      expect(refresh.params.nc).toBe("00000002");
      expect(refresh.params.algorithm).toBe(K(p.kam).algorithm);
      // Kamailio's 200 lists both alice bindings (30 s and 120 s): reg_list took the expiry of ours
      const isOk = (r: { text: string; header(name: string): string | undefined }) =>
        r.text.startsWith("SIP/2.0 200") && r.header("CSeq") === sent[2]?.header("CSeq");
      await eventually(() => T(p.kam).replies.some(isOk));
      const ok = T(p.kam).replies.find(isOk);
      expect(ok?.text.match(/<sip:alice@127\.0\.0\.1:\d+>;expires=\d+/g)?.length).toBe(2);
      // E=30, T=10: refreshed 10–20 s after the 200 (±1 s)
      const gap = ((sent[2]?.time ?? 0) - (sent[1]?.time ?? 0)) / 1000;
      expect(gap).toBeGreaterThanOrEqual(9);
      expect(gap).toBeLessThanOrEqual(21);
      expect((after?.expiresAt ?? 0) - (before?.expiresAt ?? 0)).toBeGreaterThanOrEqual(gap - 2);
    }
    const list = await d.list();
    for (const p of refreshed) expect(recordOf(list, p.row)).toMatchObject({ state: "REGISTERED_STATE", expires: 30 });
  }, 30_000);

  it("an expired nonce on the preemptive refresh is challenged again; uacreg answers and stays REGISTERED", async () => {
    const p = plan.find((x) => x.kam === "stale");
    if (!p) throw new Error("no stale record");
    const before = firstSeen.get(p.row.binding_URI);
    const rows = await K("stale").waitForLocations((r) => (r[0]?.cseq ?? 0) > (before?.cseq ?? 0), 25_000);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.callId).toBe(before?.callId);
    // preemptive REGISTER (old nonce, nc=2) → 401 → REGISTER with the new nonce (nc=1) → 200
    expect(rows[0]?.cseq).toBe((before?.cseq ?? 0) + 2);
    await eventually(() => challengesFor(K("stale"), p.row.aor) >= 2);
    expect(challengesFor(K("stale"), p.row.aor)).toBe(2);
    const sent = T("stale").sent();
    expect(sent).toHaveLength(4);
    const old = checkDigestResponse(sent[1]?.header("Authorization") ?? "", { password: "alice-pw" });
    const pre = checkDigestResponse(sent[2]?.header("Authorization") ?? "", { password: "alice-pw" });
    const fresh = checkDigestResponse(sent[3]?.header("Authorization") ?? "", { password: "alice-pw" });
    expect(pre.params).toMatchObject({ nonce: old.params.nonce, nc: "00000002" });
    expect(fresh.ok).toBe(true);
    expect(fresh.params.nonce).not.toBe(old.params.nonce);
    expect(fresh.params.nc).toBe("00000001");
    const list = await d.waitFor((l) => recordOf(l, p.row)?.state === "REGISTERED_STATE", 3_000);
    expect(recordOf(list, p.row)?.expires).toBe(30);
  }, 30_000);

  it("reg_disable removes the binding from Kamailio's location table (and only that one)", async () => {
    const off = plan.filter((p) => !p.wrong && !p.tapped);
    await Promise.all(off.map((p) => d.mi("reg_disable", keyOf(p.row))));
    for (const name of KAM_NAMES) {
      const gone = off.filter((p) => p.kam === name).map((p) => p.row.binding_URI);
      const rows = await K(name).waitForLocations((r) => r.every((b) => !gone.includes(b.contact)), 5_000);
      // the tapped alice binding of the same AOR stays
      expect(rows.map((r) => r.contact)).toEqual(
        plan.filter((p) => p.kam === name && p.tapped).map((p) => p.row.binding_URI),
      );
    }
    const list = await d.waitFor((l) => off.every((p) => recordOf(l, p.row)?.state === "NOT_REGISTERED_STATE"), 5_000);
    for (const p of off) expect(recordOf(list, p.row)?.enabled).toBe("no");

    const final = await d.mi<{ Records: RegListRecord[] }>("reg_list");
    const json = JSON.stringify(final, null, 2);
    expect(json).not.toMatch(/-pw|not-mallorys/);
    const legend = KAM_NAMES.map((n) => `${kamailioUri(K(n))} = ${describeKam[n]}`).join("\n  ");
    console.log(`reg_list against Kamailio 5.6 registrars:\n  ${legend}\n(proxy = the test's relay)\n${json}`);
    const out = process.env.UACREG_KAMAILIO_REG_LIST_OUT;
    if (out) writeFileSync(out, `${json}\n`);
  });

  it("reg_disable of a refreshed record: unREGISTER with its Call-ID and preemptive credentials; the row goes", async () => {
    const on = plan.filter((p) => p.tapped);
    const before = on.map((p) => T(p.kam).sent().length);
    await Promise.all(on.map((p) => d.mi("reg_disable", keyOf(p.row))));
    await Promise.all(on.map((p) => K(p.kam).waitForLocations((r) => r.length === 0, 5_000)));
    await d.waitFor((l) => on.every((p) => recordOf(l, p.row)?.state === "NOT_REGISTERED_STATE"), 5_000);
    for (const [i, p] of on.entries()) {
      const sent = T(p.kam).sent();
      // the last request carries the binding with expires=0 (on the 5 s-nonce instance it may be challenged first)
      const unreg = sent.slice(before[i] ?? 0);
      const last = unreg[unreg.length - 1];
      expect(last?.header("Contact")).toBe(`<${p.row.binding_URI}>;expires=0`);
      expect(last?.header("Call-ID")).toBe(firstSeen.get(p.row.binding_URI)?.callId);
      const auth = checkDigestResponse(last?.header("Authorization") ?? "", { password: "alice-pw" });
      expect(auth.ok).toBe(true);
      if (p.kam !== "stale") {
        expect(unreg).toHaveLength(1);
        expect(auth.params.nc).toBe("00000003");
      }
    }
  });
});
