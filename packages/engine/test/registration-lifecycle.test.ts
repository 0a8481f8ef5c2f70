import { afterEach, describe, expect, it } from "vitest";
import { type Harness, openHarness, row } from "../src/test-support/engine-harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const alice = (h: Harness) => ({
  aor: "sip:alice@reg.test",
  contact: "sip:alice@127.0.0.1:5099",
  registrar: h.registrar.uri,
});

describe("registration against a digest registrar", () => {
  it.each(["MD5", "SHA-256"] as const)(
    "registers with a %s challenge: 401, then authorized REGISTER, then 200",
    async (algorithm) => {
      h = await openHarness({ rows: (r) => [row(r, "alice")], registrar: { algorithm } });
      const ev = await h.waitEvent((e) => e.to === "REGISTERED_STATE");
      expect(ev.key.aor).toBe("sip:alice@reg.test");
      const [first, second] = h.registrar.received;
      expect(first?.authorization).toBeUndefined();
      expect(second?.authorization).toContain(`algorithm=${algorithm}`);
      expect(second?.authorized).toBe(true);
      expect(second?.callId).toBe(first?.callId);
      expect(second?.cseq).toBe((first?.cseq ?? 0) + 1);
      expect(first?.expires).toBe(60);
      expect(h.events.map((e) => e.to)).toEqual(["REGISTERING_STATE", "AUTHENTICATING_STATE", "REGISTERED_STATE"]);
      const view = h.engine.get(alice(h));
      expect(view?.stateName).toBe("REGISTERED_STATE");
      expect(view?.expires).toBe(60);
      expect(view?.socket).toBe(h.local);
      expect(view?.pinned).toEqual({ family: "IPv4", address: "127.0.0.1", port: h.registrar.port });
      expect(h.engine.stats().REGISTERED_STATE).toBe(1);
      expect(h.engine.stats().NOT_REGISTERED_STATE).toBe(0);
      const c = h.engine.counters();
      expect(c.registerSent).toBe(2);
      expect(c.registered).toBe(1);
      expect(c.authenticatedSent).toBe(1);
    },
  );
});
