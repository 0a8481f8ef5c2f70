import { describe, expect, it } from "vitest";
import { FailoverPlanner, nextAttempt, type PlanSocket } from "./failover-plan.js";
import type { Target } from "./rfc3263-resolver.js";
import { makeSocketSpec } from "./socket-spec.js";

const udp4: PlanSocket = { spec: makeSocketSpec("udp", "127.0.0.1", 5060) };
const udp4b: PlanSocket = { spec: makeSocketSpec("udp", "127.0.0.2", 5060) };
const tcp4: PlanSocket = { spec: makeSocketSpec("tcp", "127.0.0.1", 5060) };
const udp6: PlanSocket = { spec: makeSocketSpec("udp", "::1", 5060) };
const t = (proto: Target["proto"], address: string, port = 5060): Target => ({ proto, address, port });

describe("the RFC 3263 failover plan (pure: targets in, attempts out)", () => {
  const planner = new FailoverPlanner([udp4, udp4b, tcp4, udp6]);

  it("pairs each target with the first socket of its protocol and family, in target order", () => {
    const targets = [t("tcp", "192.0.2.1"), t("udp", "2001:db8::1"), t("udp", "192.0.2.2"), t("tls", "192.0.2.3")];
    const plan = planner.plan(targets, undefined, false);
    expect(plan.map(([target, s]) => `${target.proto}:${target.address} via ${s.spec.canonical}`)).toEqual([
      "tcp:192.0.2.1 via tcp:127.0.0.1:5060",
      "udp:2001:db8::1 via udp:[::1]:5060",
      "udp:192.0.2.2 via udp:127.0.0.1:5060",
    ]);
  });

  it("keeps to a forced socket's targets, and ignores a forced socket that reaches none", () => {
    const targets = [t("udp", "192.0.2.1"), t("tcp", "192.0.2.2")];
    const forced = planner.plan(targets, udp4b, false);
    expect(forced.map(([target, s]) => [target.address, s])).toEqual([["192.0.2.1", udp4b]]);
    expect(planner.forcedIgnored(forced, udp4b)).toBe(false);
    const unreachable = planner.plan([t("udp", "2001:db8::1")], tcp4, false);
    expect(unreachable.map(([, s]) => s)).toEqual([udp6]);
    expect(planner.forcedIgnored(unreachable, tcp4)).toBe(true);
  });

  it("plans a shared target list once", () => {
    const shared = [t("udp", "192.0.2.1")];
    expect(planner.plan(shared, undefined, true)).toBe(planner.plan(shared, undefined, true));
    expect(planner.plan([], undefined, true)).toEqual([]);
  });

  it("keeps the next hop's name on a pinned target (RFC 5922) and the same list while the pin stays", () => {
    const a = planner.pinnedTargets("sip:reg.example.com", { proto: "tls", address: "192.0.2.9", port: 5061 });
    expect(a).toEqual([{ proto: "tls", address: "192.0.2.9", port: 5061, hostname: "reg.example.com" }]);
    expect(planner.pinnedTargets("sip:reg.example.com", { proto: "tls", address: "192.0.2.9", port: 5061 })).toBe(a);
    const moved = planner.pinnedTargets("sip:reg.example.com", { proto: "tls", address: "192.0.2.10", port: 5061 });
    expect(moved[0]!.address).toBe("192.0.2.10");
    expect(planner.pinnedTargets("sip:192.0.2.1", { proto: "udp", address: "192.0.2.1", port: 5060 })[0]).toEqual(
      t("udp", "192.0.2.1"),
    );
  });

  it("moves on after a 503, a timeout or a transport error while targets remain (RFC 3263 §4.3)", () => {
    expect(nextAttempt(0, 3, 503)).toBe(1);
    expect(nextAttempt(1, 3, undefined)).toBe(2);
    expect(nextAttempt(2, 3, 503)).toBeUndefined();
    expect(nextAttempt(0, 3, 200)).toBeUndefined();
    expect(nextAttempt(0, 3, 401)).toBeUndefined();
    expect(nextAttempt(0, 1, undefined)).toBeUndefined();
  });
});
