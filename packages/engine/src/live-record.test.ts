import { createRecord, parseRegistrantRow } from "@uacreg/core";
import { describe, expect, it } from "vitest";
import { LiveRecord } from "./live-record.js";
import { row } from "./test-support/registrant-rows.js";

const live = () => {
  const config = parseRegistrantRow(row({ uri: "sip:127.0.0.1:5070" }, "alice"), {
    timerInterval: 10,
    defaultExpires: 3600,
  });
  return new LiveRecord(createRecord(config, (n) => new Uint8Array(n)));
};

describe("LiveRecord", () => {
  it("keeps the protocol of the last outcome and the table flags apart in one integer", () => {
    const l = live();
    expect([l.inTable, l.retiring, l.proto]).toEqual([true, false, undefined]);
    l.proto = "tls";
    expect([l.inTable, l.retiring, l.proto]).toEqual([true, false, "tls"]);
    l.retire(true);
    expect([l.inTable, l.retiring, l.proto]).toEqual([false, true, "tls"]);
    l.proto = "tcp";
    l.retire(false);
    expect([l.inTable, l.retiring, l.proto]).toEqual([false, false, "tcp"]);
    l.proto = undefined;
    expect(l.proto).toBeUndefined();
  });

  it("shows the socket the last request left from when the row forces none", () => {
    const l = live();
    expect(l.view().socket).toBeUndefined();
    l.socket = "udp:127.0.0.1:5060";
    expect(l.view().socket).toBe("udp:127.0.0.1:5060");
    expect(l.view().aor).toBe("sip:alice@reg.test");
  });
});
