import { createRecord, parseRegistrantRow } from "@uacreg/core";
import { describe, expect, it } from "vitest";
import { LiveRecord, newClusterSlot } from "./live-record.js";
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

  it("keeps the socket of the last request while the record gains a unit, changes it, and leaves it", () => {
    const l = live();
    l.socket = "udp:127.0.0.1:5060";
    l.cluster = newClusterSlot("1/a");
    expect([l.cluster?.unit, l.socket, l.view().socket]).toEqual(["1/a", "udp:127.0.0.1:5060", "udp:127.0.0.1:5060"]);
    l.socket = "tcp:127.0.0.1:5060";
    expect([l.cluster?.unit, l.socket]).toEqual(["1/a", "tcp:127.0.0.1:5060"]);
    l.cluster = undefined;
    expect([l.cluster, l.socket]).toEqual([undefined, "tcp:127.0.0.1:5060"]);
  });

  it("keeps its flags apart from its socket, with and without a unit, and apart from other records", () => {
    const [a, b] = [live(), live()];
    a.socket = "udp:127.0.0.1:5060";
    b.socket = "udp:127.0.0.1:5060";
    a.proto = "tcp";
    a.deferred = true;
    expect([a.inTable, a.proto, a.deferred, a.socket]).toEqual([true, "tcp", true, "udp:127.0.0.1:5060"]);
    expect([b.inTable, b.proto, b.deferred, b.socket]).toEqual([true, undefined, false, "udp:127.0.0.1:5060"]);
    a.cluster = newClusterSlot("1/a");
    expect([a.proto, a.deferred, a.socket]).toEqual(["tcp", true, "udp:127.0.0.1:5060"]);
    a.deferred = false;
    a.retire(true);
    a.socket = undefined;
    a.cluster = undefined;
    expect([a.inTable, a.retiring, a.proto, a.deferred, a.socket]).toEqual([false, true, "tcp", false, undefined]);
    expect([b.inTable, b.retiring, b.proto, b.deferred]).toEqual([true, false, undefined, false]);
  });
});
