import type { RegistrantKey } from "@uacreg/core";
import { describe, expect, it } from "vitest";
import { StateWriter } from "./state-writer.js";

const key: RegistrantKey = { aor: "sip:alice@reg.test", contact: "sip:alice@127.0.0.1", registrar: "sip:reg.test" };

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
    const writer = new StateWriter<object>(store, (_k, _s, e) => failures.push(e));
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
    const writer = new StateWriter<object>(undefined, () => {});
    writer.write({}, key, 1);
    await writer.flushed();
  });
});
