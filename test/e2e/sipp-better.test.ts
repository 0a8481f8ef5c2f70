/**
 * Where uacreg deliberately does better than OpenSIPS (docs/decisions.md), seen end to end against SIPp:
 * a repeated non-stale challenge is WRONG_CREDENTIALS (no loop), a stale nonce is answered, 503 Retry-After is
 * honoured, every 2xx is success, a binding granted expires=0 is a failure, OPTIONS pings get 200, a NULL expiry uses
 * default_expires, sharing tags are ignored when clustering is off; plus clustering on (active/backup tags) and
 * forced_socket.
 */
import { afterAll, describe, expect, it } from "vitest";
import { registers, sentStatuses, backoffS, SLACK_S, startRegistrar, startDaemon } from "./sipp-support.js";
import { checkDigestResponse } from "../support/digest-check.js";
import { freePort } from "../support/free-port.js";
import { stopAllSipp } from "../support/sipp.js";
import { registrantRow, stopAllUacregd } from "../support/uacregd.js";

afterAll(async () => {
  await stopAllUacregd();
  await stopAllSipp();
});

const T = 10;

const noAuth = { username: null, password: null } as const;

describe.concurrent("uacregd against SIPp: better than OpenSIPS", () => {
  it("a challenge repeated after the authenticated retry (not stale) → WRONG_CREDENTIALS_STATE, no third attempt", async (t) => {
    const F = 20;
    const sipp = await startRegistrar({ scenario: "reg-401-always.xml", timeoutS: 40 }, t);
    const d = await startDaemon(
      {
        rows: [registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}`, password: "not-the-one" })],
        registrant: { failure_retry_interval: F, timer_interval: T },
      },
      t,
    );
    const list = await d.waitFor((r) => r[0]?.state === "WRONG_CREDENTIALS_STATE", 20_000);
    expect(list[0]).toMatchObject({ state: "WRONG_CREDENTIALS_STATE", enabled: "yes" });
    expect(backoffS(list[0]!)).toBeGreaterThanOrEqual(F - T - SLACK_S);
    expect(backoffS(list[0]!)).toBeLessThanOrEqual(F - T + SLACK_S);
    expect(JSON.stringify(list)).not.toContain("not-the-one");
    await new Promise((r) => setTimeout(r, 1000));
    const r = await sipp.stop();
    const regs = registers(r.messages);
    expect(regs).toHaveLength(2);
    expect(regs[0]!.header("Authorization")).toBeUndefined();
    expect(regs[1]!.header("Authorization")).toBeDefined();
    expect(sentStatuses(r.messages)).toEqual([401, 401]);
    expect(d.logs().join("\n")).not.toContain("not-the-one");
    await d.stop();
  });

  it("a stale=true challenge to the authenticated retry is answered with the new nonce → REGISTERED", async (t) => {
    const sipp = await startRegistrar({ scenario: "reg-401-stale.xml", timeoutS: 40 }, t);
    const d = await startDaemon({ rows: [registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}` })] }, t);
    const list = await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 20_000);
    expect(list[0]).toMatchObject({ state: "REGISTERED_STATE", expires: 60 });
    const r = await sipp.waitExit(10_000);
    expect(r.code, r.stderr).toBe(0);
    expect(sentStatuses(r.messages)).toEqual([401, 401, 200]);
    const regs = registers(r.messages);
    expect(regs).toHaveLength(3);
    const third = checkDigestResponse(regs[2]!.header("Authorization")!, { password: "secret" });
    expect(third.ok).toBe(true);
    expect(third.params.nonce).toMatch(/^nstaleB/);
    expect(third.params.nc).toBe("00000001");
    await d.stop();
  });

  it("503 with Retry-After: no retry before the registrar asked (RT = t + Retry-After), destination unpinned", async (t) => {
    const sipp = await startRegistrar(
      {
        scenario: "reg-503-retry-after.xml",
        keys: { retry_after: 120 },
        timeoutS: 40,
      },
      t,
    );
    const d = await startDaemon({ rows: [registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}`, ...noAuth })] }, t);
    const list = await d.waitFor((r) => r[0]?.state === "REGISTRAR_ERROR_STATE", 20_000);
    // Without Retry-After the back-off would be E − T = 50 s.
    expect(backoffS(list[0]!)).toBeGreaterThanOrEqual(120 - SLACK_S);
    expect(backoffS(list[0]!)).toBeLessThanOrEqual(120 + SLACK_S);
    expect(list[0]).not.toHaveProperty("dst_IP");
    const r = await sipp.waitExit(10_000);
    expect(r.code, r.stderr).toBe(0);
    await d.stop();
  });

  it("202 Accepted is success: REGISTERED with the granted expiry", async (t) => {
    const sipp = await startRegistrar(
      {
        scenario: "reg-202-accepted.xml",
        keys: { expires: 45 },
        timeoutS: 40,
      },
      t,
    );
    const d = await startDaemon({ rows: [registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}`, ...noAuth })] }, t);
    const list = await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 20_000);
    expect(list[0]).toMatchObject({ state: "REGISTERED_STATE", expires: 45 });
    expect(backoffS(list[0]!)).toBeGreaterThanOrEqual(45 - T - SLACK_S);
    expect(backoffS(list[0]!)).toBeLessThanOrEqual(45 - T + SLACK_S);
    const r = await sipp.waitExit(10_000);
    expect(r.code, r.stderr).toBe(0);
    expect(sentStatuses(r.messages)).toEqual([202]);
    await d.stop();
  });

  it("200 OK granting our binding expires=0 is a failure (REGISTRAR_ERROR_STATE), not REGISTERED", async (t) => {
    // reg-401-ok.xml with expires 0: 401 → authenticated REGISTER → 200 OK, Contact: <ours>;expires=0.
    const sipp = await startRegistrar({ scenario: "reg-401-ok.xml", keys: { expires: 0 }, timeoutS: 40 }, t);
    const d = await startDaemon({ rows: [registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}` })] }, t);
    const list = await d.waitFor((r) => r[0]?.state === "REGISTRAR_ERROR_STATE", 20_000);
    expect(list[0]).toMatchObject({ state: "REGISTRAR_ERROR_STATE", enabled: "yes" });
    const r = await sipp.waitExit(10_000);
    expect(r.code, r.stderr).toBe(0);
    await d.stop();
  });

  it("an OPTIONS ping from the registrar to the daemon's socket gets 200 OK", async (t) => {
    const d = await startDaemon({ rows: [] }, t);
    const uac = await startRegistrar(
      { scenario: "uac-options.xml", remote: `127.0.0.1:${d.sipPort}`, timeoutS: 20 },
      t,
    );
    const r = await uac.waitExit(15_000);
    expect(r.code, r.stderr).toBe(0);
    const ok = r.messages.find((m) => m.direction === "received" && m.status === 200)!;
    expect(ok).toBeDefined();
    expect(ok.header("CSeq")).toBe("1 OPTIONS");
    expect(ok.header("Allow")).toContain("OPTIONS");
    await d.stop();
  });

  it("a row with NULL expiry asks for default_expires (OpenSIPS rejects the row)", async (t) => {
    const sipp = await startRegistrar({ scenario: "reg-200-loop.xml", maxCalls: 3, timeoutS: 40 }, t);
    const d = await startDaemon(
      {
        rows: [registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}`, expiry: null, ...noAuth })],
        registrant: { default_expires: 45 },
      },
      t,
    );
    const list = await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 20_000);
    expect(list[0]!.expires).toBe(45);
    const r = await sipp.stop();
    expect(registers(r.messages)[0]!.header("Contact")).toBe("<sip:alice@127.0.0.1:5099>;expires=45");
    await d.stop();
  });

  it("sharing tags with clustering off are ignored (one warning) and the record registers", async (t) => {
    const sipp = await startRegistrar({ scenario: "reg-200-loop.xml", maxCalls: 3, timeoutS: 40 }, t);
    const d = await startDaemon(
      {
        rows: [registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}`, cluster_shtag: "vip/1", ...noAuth })],
      },
      t,
    );
    const list = await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 20_000);
    expect(list[0]).toMatchObject({ shtag: "vip" });
    expect(d.logs().filter((l) => l.includes("cluster_shtag") && l.includes("ignored"))).toHaveLength(1);
    await sipp.stop();
    await d.stop();
  });

  it("clustering on: only the record whose tag is active here registers; the backup one sends nothing", async (t) => {
    const sipp = await startRegistrar({ scenario: "reg-200-loop.xml", maxCalls: 5, timeoutS: 40 }, t);
    const registrar = `sip:127.0.0.1:${sipp.port}`;
    const launched = Date.now();
    const d = await startDaemon(
      {
        rows: [
          registrantRow({ registrar, aor: "sip:active@reg.test", cluster_shtag: "vip/1", ...noAuth }),
          registrantRow({ registrar, aor: "sip:backup@reg.test", cluster_shtag: "other/1", ...noAuth }),
        ],
        registrant: { enable_clustering: true },
        extra: { clustering: { active_tags: ["vip/1"] } },
      },
      t,
    );
    await d.waitFor((r) => r.find((x) => x.AOR === "sip:active@reg.test")?.state === "REGISTERED_STATE", 20_000);
    // Both buckets have been visited once 10 s after start.
    await new Promise((res) => setTimeout(res, Math.max(0, launched + 11_000 - Date.now())));
    const list = await d.list();
    expect(list.find((x) => x.AOR === "sip:backup@reg.test")).toMatchObject({
      state: "NOT_REGISTERED_STATE",
      shtag: "other",
      cluster_id: 1,
    });
    const regs = registers((await sipp.stop()).messages);
    expect(regs.map((m) => m.header("To"))).toEqual(["<sip:active@reg.test>"]);
    await d.stop();
  });

  it("forced_socket: the REGISTER leaves from the forced one of two listening sockets; reg_list shows it", async (t) => {
    const sipp = await startRegistrar({ scenario: "reg-200-loop.xml", maxCalls: 3, timeoutS: 40 }, t);
    const [p1, p2] = [await freePort(), await freePort()];
    const d = await startDaemon(
      {
        rows: [
          registrantRow({ registrar: `sip:127.0.0.1:${sipp.port}`, forced_socket: `udp:127.0.0.1:${p2}`, ...noAuth }),
        ],
        listen: [`udp:127.0.0.1:${p1}`, `udp:127.0.0.1:${p2}`],
      },
      t,
    );
    const list = await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 20_000);
    expect(list[0]).toMatchObject({ socket: `udp:127.0.0.1:${p2}` });
    const reg = registers((await sipp.stop()).messages)[0]!;
    expect(reg.header("Via")).toMatch(new RegExp(`^SIP/2\\.0/UDP 127\\.0\\.0\\.1:${p2};`));
    await d.stop();
  });
});
