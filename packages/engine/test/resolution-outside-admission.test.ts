// Issue 10, item 7: resolving a registrar's name does not hold an in-flight slot. On virtual time with the in-memory
// registrar given a resolver whose answer for one name is held: a record whose registrar is an address registers
// meanwhile, even with one slot in all; and stop waits for a lookup still running. Nothing sleeps.
import { afterEach, describe, expect, it } from "vitest";
import type { SendTarget } from "../src/request-sender.js";
import { type Harness, openHarness, row } from "../src/test-support/engine-harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const SLOW = "sip:slow-name.test:5070";

/** A resolution of {@link SLOW} held until the test answers it. */
function held() {
  let answer: (targets: readonly SendTarget[]) => void = () => {};
  let fail: (error: Error) => void = () => {};
  const asked: string[] = [];
  return {
    asked,
    answer: (t: readonly SendTarget[]) => answer(t),
    fail: (e: Error) => fail(e),
    resolve(nextHop: string): Promise<readonly SendTarget[]> {
      asked.push(nextHop);
      return new Promise<readonly SendTarget[]>((ok, ko) => {
        answer = ok;
        fail = ko;
      });
    },
  };
}

async function open(dns: ReturnType<typeof held>): Promise<Harness> {
  const harness = await openHarness({
    rows: (r) => [row({ uri: SLOW }, "alice"), row(r, "bob")],
    engine: { maxInFlight: 1 },
    start: false,
  });
  const address = [{ proto: "udp", address: "127.0.0.1", port: harness.registrar.port }] as const;
  harness.registrar.resolveNow = (hop) => (hop === SLOW ? undefined : address);
  harness.registrar.resolve = (hop) => dns.resolve(hop);
  await harness.engine.start();
  return harness;
}

const registered = (aor: string) => (e: { key: { aor: string }; to: string }) =>
  e.key.aor === aor && e.to === "REGISTERED_STATE";

describe("a registrar name being resolved holds no in-flight slot", () => {
  it("a record whose registrar is an address registers while the name's answer is held; then the name's does", async () => {
    const dns = held();
    h = await open(dns);
    await h.waitEvent(registered("sip:bob@reg.test"));
    expect(dns.asked).toEqual([SLOW]);
    expect(h.events.some(registered("sip:alice@reg.test"))).toBe(false);
    expect(h.registrar.sent.every((r) => r.nextHop !== SLOW)).toBe(true);
    dns.answer([{ proto: "udp", address: "127.0.0.1", port: h.registrar.port }]);
    await h.waitEvent(registered("sip:alice@reg.test"));
    const slow = h.registrar.sent.filter((r) => r.nextHop === SLOW);
    expect(slow.length).toBeGreaterThan(0);
    // The first went out to the targets resolved before admission; the answer to the 401 is pinned to the reply.
    expect(slow[0]?.targets).toEqual([{ proto: "udp", address: "127.0.0.1", port: h.registrar.port }]);
    expect(h.registrar.maxOpen).toBe(1);
  });

  it("a failed resolution is a transport error for the record, with no slot taken or leaked", async () => {
    const dns = held();
    h = await open(dns);
    await h.waitEvent(registered("sip:bob@reg.test"));
    const from = h.events.length;
    dns.fail(new Error("no RFC 3263 target for slow-name.test"));
    const failed = await h.waitEvent((e) => e.key.aor === "sip:alice@reg.test", from);
    expect(failed.to).toBe("INTERNAL_ERROR_STATE");
    await h.settle();
    expect(h.engine.counters().transportErrors).toBe(1);
    expect(h.engine.counters().inFlight).toBe(0);
    expect(h.registrar.sent.every((r) => r.nextHop !== SLOW)).toBe(true);
  });
});

describe("stop waits for next-hop lookups still running", () => {
  it("a shutdown unREGISTER whose lookup is pending goes out once it answers, before stop returns", async () => {
    h = await openHarness({ rows: () => [row({ uri: SLOW }, "alice")], start: false });
    const harness = h;
    // A sender that reports no protocol: no pin is reused, every request's next hop is looked up (1 s on the clock).
    harness.registrar.reportsProtocol = false;
    harness.registrar.resolveNow = () => undefined;
    harness.registrar.resolve = () =>
      new Promise((answer) => {
        harness.clock.setTimer(1000, () => answer([{ proto: "udp", address: "127.0.0.1", port: 5070 }]));
      });
    await harness.engine.start();
    await harness.waitEvent(registered("sip:alice@reg.test"));
    const sent = harness.registrar.received.length;
    let seenAtStop: number | undefined;
    const stopAt = harness.clock.now();
    let stopTook = 0;
    const stopped = harness.engine.stop({ unregister: true, timeoutMs: 5000 }).then(() => {
      seenAtStop = harness.registrar.received.length;
      stopTook = harness.clock.now() - stopAt;
    });
    await harness.clock.runUntil(() => seenAtStop !== undefined, 10_000);
    await stopped;
    expect(seenAtStop).toBeGreaterThan(sent);
    expect(harness.registrar.received.at(-1)?.expires).toBe(0);
    expect(harness.registrar.bindings.get("sip:alice@reg.test")?.size).toBe(0);
    // It waited for the lookup (1 s), not for the time limit.
    expect(stopTook).toBeGreaterThanOrEqual(1000);
    expect(stopTook).toBeLessThan(5000);
  });
});
