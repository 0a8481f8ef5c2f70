import { afterAll, describe, expect, it } from "vitest";
import { startDemoRegistrar } from "@uacreg/demo-registrar";
import { registrantRow, startUacregd, stopAllUacregd } from "../support/uacregd.js";

afterAll(stopAllUacregd);

describe("uacregd against the demo registrar", () => {
  it("registers a record, shows it in reg_list, and exits 0 on SIGTERM", async () => {
    const registrar = await startDemoRegistrar({ users: { alice: "secret" }, realm: "reg.test" });
    try {
      const d = await startUacregd({
        rows: [registrantRow({ registrar: `sip:127.0.0.1:${registrar.port}` })],
      });
      const list = await d.waitFor((r) => r[0]?.state === "REGISTERED_STATE", 15_000);
      expect(list[0]).toMatchObject({ AOR: "sip:alice@reg.test", enabled: "yes", expires: 60 });
      expect(Object.keys(list[0]!).slice(0, 8)).toEqual([
        "AOR",
        "expires",
        "state",
        "enabled",
        "last_register_sent",
        "registration_t_out",
        "registrar",
        "binding",
      ]);
      expect(JSON.stringify(list)).not.toContain("secret");
      expect(await d.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    } finally {
      await registrar.close();
    }
  });
});
