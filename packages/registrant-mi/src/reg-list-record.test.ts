import { describe, expect, it } from "vitest";
import { regListRecord } from "./reg-list-record.js";
import { recordView } from "./test-support/in-memory-registrant-service.js";

const KEY = { aor: "sip:alice@reg.test", contact: "sip:alice@10.0.0.1:5099", registrar: "sip:reg.test" };

describe("the reg_list record (docs/opensips-behaviour.md §9)", () => {
  it("has the mandatory fields in OpenSIPS's order, times in ctime text", () => {
    const rec = regListRecord(recordView(KEY, { expires: 600, lastRegisterSent: 1769611907 }), true);
    expect(Object.keys(rec)).toEqual([
      "AOR",
      "expires",
      "state",
      "enabled",
      "last_register_sent",
      "registration_t_out",
      "registrar",
      "binding",
    ]);
    expect(rec).toMatchObject({
      expires: 600,
      enabled: "yes",
      last_register_sent: "Wed Jan 28 14:51:47 2026",
      registration_t_out: "Thu Jan  1 00:00:00 1970",
    });
  });

  it("adds the optional fields only when there is data, in order, dst_IP/ip from the pinned target", () => {
    const rec = regListRecord(
      recordView(KEY, {
        enabled: false,
        bindingParams: "transport=tcp",
        thirdPartyRegistrant: "sip:admin@reg.test",
        socket: "udp:127.0.0.1:5060",
        proxy: "sip:proxy.test",
        pinned: { family: "IPv4", address: "10.0.0.9", port: 5060 },
        shtag: "vip",
        clusterId: 1,
      }),
      true,
    );
    expect(Object.keys(rec).slice(8)).toEqual([
      "binding_params",
      "third_party_registrant",
      "socket",
      "proxy",
      "dst_IP",
      "ip",
      "shtag",
      "cluster_id",
    ]);
    expect(rec).toMatchObject({ enabled: "no", dst_IP: "IPv4", ip: "10.0.0.9", shtag: "vip", cluster_id: 1 });
  });
});
