import type { RegistrantKey } from "@uacreg/core";
import { settle, VirtualClock } from "@uacreg/runtime/testing";
import { describe, expect, it } from "vitest";
import { StateWriter } from "./state-writer.js";

const key: RegistrantKey = { aor: "sip:alice@reg.test", contact: "sip:alice@127.0.0.1", registrar: "sip:reg.test" };
const bob: RegistrantKey = { aor: "sip:bob@reg.test", contact: "sip:bob@127.0.0.1", registrar: "sip:reg.test" };

/** A store that is down for its first `failures` calls, then stores. */
function flakyStore(failures: number) {
  const store = {
    calls: 0,
    attempts: [] as Array<{ aor: string; state: number }>,
    written: [] as Array<{ aor: string; state: number }>,
    async updateState(k: RegistrantKey, state: number): Promise<void> {
      store.calls += 1;
      store.attempts.push({ aor: k.aor, state });
      if (store.calls <= failures) throw new Error("database is down");
      store.written.push({ aor: k.aor, state });
    },
  };
  return store;
}

describe("StateWriter", () => {
  it("chains the writes of one record so the database ends with the last one, and reports failures", async () => {
    const written: number[] = [];
    const releases: Array<() => void> = [];
    const failures: unknown[] = [];
    const store = {
      updateState: (_k: RegistrantKey, state: number) =>
        new Promise<void>((resolve, reject) => {
          releases.push(() => {
            if (state === 2) reject(new Error("down"));
            else {
              written.push(state);
              resolve();
            }
          });
        }),
    };
    const writer = new StateWriter<object>(store, (_k, _s, e) => failures.push(e), { clock: new VirtualClock() });
    const record = {};
    writer.write(record, key, 1);
    writer.write(record, key, 0);
    // The second write waits for the first.
    await Promise.resolve();
    expect(releases).toHaveLength(1);
    releases[0]?.();
    const flushed = writer.flushed();
    await new Promise((r) => setImmediate(r));
    releases[1]?.();
    await flushed;
    expect(written).toEqual([1, 0]);
    expect(failures).toEqual([]);
  });

  it("drops writes without a store", async () => {
    const writer = new StateWriter<object>(undefined, () => {}, { clock: new VirtualClock() });
    writer.write({}, key, 1);
    expect(writer.intendedState(key)).toBeUndefined();
    await writer.flushed();
  });

  it("retries a failed write with doubling back-off on the clock until it lands, never giving up", async () => {
    const clock = new VirtualClock();
    const store = flakyStore(6);
    const failures: number[] = [];
    const writer = new StateWriter<object>(store, (_k, s) => failures.push(s), {
      clock,
      retry: { initialDelayMs: 1000, maxDelayMs: 8000 },
    });
    writer.write({}, key, 1);
    await settle();
    expect(store.calls).toBe(1);
    expect(writer.intendedState(key)).toBe(1);
    // Waits 1, 2, 4, 8, 8 s between the attempts (virtual time): nothing earlier.
    const at: number[] = [];
    for (const wait of [1000, 2000, 4000, 8000, 8000, 8000]) {
      await clock.advance(wait - 1);
      const before = store.calls;
      await clock.advance(1);
      expect(store.calls).toBe(before + 1);
      at.push(clock.now());
    }
    expect(store.calls).toBe(7);
    expect(failures).toEqual([1, 1, 1, 1, 1, 1]);
    expect(store.written).toEqual([{ aor: key.aor, state: 1 }]);
    expect(writer.intendedState(key)).toBeUndefined();
    expect(writer.pending).toBe(0);
    await writer.flushed();
    // Landed: no more attempts.
    await clock.advance(60_000);
    expect(store.calls).toBe(7);
  });

  it("writes the latest intent once the database is back (disable, enable, disable during the outage)", async () => {
    const clock = new VirtualClock();
    const store = flakyStore(1);
    const writer = new StateWriter<object>(store, () => {}, { clock });
    const record = {};
    writer.write(record, key, 1);
    await settle();
    writer.write(record, key, 0);
    writer.write(record, key, 1);
    writer.write(record, bob, 0);
    await settle();
    expect(writer.intendedState(key)).toBe(1);
    expect(writer.intendedState(bob)).toBeUndefined(); // bob's write landed at once: records do not wait for each other
    await clock.advance(999);
    expect(writer.intendedState(key)).toBe(1);
    await clock.advance(1);
    expect(store.attempts.map((a) => `${a.aor}=${a.state}`)).toEqual([`${key.aor}=1`, `${bob.aor}=0`, `${key.aor}=1`]);
    expect(store.written).toEqual([
      { aor: bob.aor, state: 0 },
      { aor: key.aor, state: 1 },
    ]);
    expect(writer.intendedState(key)).toBeUndefined();
  });

  it("writes an intent that changed while a write was in flight right after it, in order", async () => {
    const clock = new VirtualClock();
    const store = flakyStore(0);
    const writer = new StateWriter<object>(store, () => {}, { clock });
    writer.write({}, key, 1);
    writer.write({}, key, 0);
    await writer.flushed();
    expect(store.written.map((w) => w.state)).toEqual([1, 0]);
  });

  it("stops retrying once the record is gone", async () => {
    const clock = new VirtualClock();
    const store = flakyStore(100);
    let exists = true;
    const writer = new StateWriter<object>(store, () => {}, { clock, exists: () => exists });
    writer.write({}, key, 1);
    await clock.advance(1000);
    expect(store.calls).toBe(2);
    exists = false;
    await clock.advance(60_000);
    expect(store.calls).toBe(2);
    expect(writer.intendedState(key)).toBeUndefined();
    await writer.flushed();
  });
});
