import { VirtualClock } from "@uacreg/runtime/testing";
import { describe, expect, it } from "vitest";
import { SuccessWindow } from "./success-window.js";

describe("SuccessWindow", () => {
  it("counts registrations and failures over the last five minutes, on the clock", async () => {
    const clock = new VirtualClock();
    const w = new SuccessWindow(clock);
    expect(w.figures()).toEqual({ windowSeconds: 300, ok: 0, failed: 0, ratio: null });
    w.observe("REGISTERED_STATE");
    w.observe("REGISTERED_STATE");
    w.observe("REGISTERING_STATE"); // neither
    w.observe("WRONG_CREDENTIALS_STATE");
    expect(w.figures()).toEqual({ windowSeconds: 300, ok: 2, failed: 1, ratio: 2 / 3 });
    await clock.advance(200_000);
    w.observe("REGISTER_TIMEOUT_STATE");
    expect(w.figures()).toMatchObject({ ok: 2, failed: 2, ratio: 0.5 });
    await clock.advance(100_000); // the first three are 300 s old: out of the window
    expect(w.figures()).toMatchObject({ ok: 0, failed: 1, ratio: 0 });
    await clock.advance(300_000 * 3); // a bucket reused after a full turn of the ring starts empty
    w.observe("REGISTERED_STATE");
    expect(w.figures()).toMatchObject({ ok: 1, failed: 0, ratio: 1 });
  });
});
