import { MiError, MiRegistry } from "@uacreg/mi";
import { beforeEach, describe, expect, it } from "vitest";
import type { ClusterControl, ClusterStatusView, SharingTagState } from "./cluster-control.js";
import { registerClusterCommands } from "./cluster-commands.js";

/** A static-backend-like control: tags in memory, activation applied at once unless told to fail. */
class MemoryControl implements ClusterControl {
  tags: SharingTagState[] = [
    { tag: "vip", clusterId: 1, state: "backup" },
    { tag: "trunks", clusterId: 2, state: "active" },
  ];
  failNext = false;
  drained = false;
  sharingTags(): readonly SharingTagState[] {
    return this.tags;
  }
  hasCluster(clusterId: number): boolean {
    return this.tags.some((t) => t.clusterId === clusterId);
  }
  async activateTag(tag: string, clusterId: number): Promise<"applied"> {
    if (this.failNext) throw new Error("database unreachable");
    const known = this.tags.find((t) => t.tag === tag && t.clusterId === clusterId);
    if (known) this.tags = this.tags.map((t) => (t === known ? { ...t, state: "active" } : t));
    else this.tags = [...this.tags, { tag, clusterId, state: "active" }];
    return "applied";
  }
  status(): ClusterStatusView {
    return {
      node: {
        name: "a",
        incarnation: "0f3c",
        state: "member",
        backend: "db",
        trustLeftMs: 11999.6,
        dbClockOffsetMs: -3.2,
      },
      members: [{ name: "a", incarnation: "0f3c", address: "127.0.0.2", live: true }],
      leases: [
        { unit: "tag:vip/1", owner: "a", epoch: 4, preferred: "a", records: 10 },
        { unit: "bucket:0", epoch: 1, records: 0 },
      ],
    };
  }
  async drain(): Promise<{ released: number }> {
    this.drained = true;
    return { released: 2 };
  }
}

let control: MemoryControl;
let registry: MiRegistry;

beforeEach(() => {
  control = new MemoryControl();
  registry = new MiRegistry();
  registerClusterCommands(registry, control);
});

async function error(method: string, params?: Record<string, unknown> | unknown[]): Promise<MiError> {
  const e = await registry.call(method, params).then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof MiError)) throw new Error(`${method} did not fail with an MiError`);
  return e;
}

describe("clusterer_list_shtags", () => {
  it("answers OpenSIPS's array of {Tag, Cluster, State}, under the 3.x name and the 4.x alias", async () => {
    const expected = [
      { Tag: "vip", Cluster: 1, State: "backup" },
      { Tag: "trunks", Cluster: 2, State: "active" },
    ];
    expect(await registry.call("clusterer_list_shtags")).toEqual(expected);
    expect(await registry.call("clusterer:list_shtags", [])).toEqual(expected);
  });
});

describe("clusterer_shtag_set_active", () => {
  it("activates the tag (blanks trimmed as OpenSIPS does) and answers OK", async () => {
    expect(await registry.call("clusterer_shtag_set_active", { tag: " vip / 1 " })).toBe("OK");
    expect(control.tags.find((t) => t.tag === "vip")?.state).toBe("active");
    expect(await registry.call("clusterer:shtag_set_active", ["trunks/2"])).toBe("OK");
  });

  it("refuses a tag without / with 400 Bad tag format, and changes nothing", async () => {
    const e = await error("clusterer_shtag_set_active", { tag: "vip" });
    expect([e.code, e.message]).toEqual([400, "Bad tag format <name/cluster_id>"]);
    expect(control.tags.find((t) => t.tag === "vip")?.state).toBe("backup");
  });

  it.each(["vip/", "vip/x", "vip/-1", "vip/1.5"])("refuses %j with 400 Bad cluster ID in tag", async (tag) => {
    const e = await error("clusterer_shtag_set_active", { tag });
    expect([e.code, e.message]).toEqual([400, "Bad cluster ID in tag"]);
  });

  it("answers 404 Cluster ID not found for a cluster no tag names", async () => {
    const e = await error("clusterer_shtag_set_active", { tag: "vip/9" });
    expect([e.code, e.message]).toEqual([404, "Cluster ID not found"]);
  });

  it("never answers OK when the change could not be stored", async () => {
    control.failNext = true;
    const e = await error("clusterer_shtag_set_active", { tag: "vip/1" });
    expect([e.code, e.message, e.data]).toEqual([500, "Internal failure when activating tag", "database unreachable"]);
  });

  it("requires the tag parameter", async () => {
    expect((await error("clusterer_shtag_set_active", {})).code).toBe(-32602);
  });
});

describe("cluster_status and cluster_drain", () => {
  it("shows the node, its members and the leases with owner, epoch and record count", async () => {
    expect(await registry.call("cluster_status")).toEqual({
      Node: {
        Name: "a",
        Incarnation: "0f3c",
        State: "member",
        Backend: "db",
        "Trust left ms": 12000,
        "DB clock offset ms": -3,
      },
      Members: [{ Name: "a", Incarnation: "0f3c", Address: "127.0.0.2", Live: true }],
      Leases: [
        { Unit: "tag:vip/1", Owner: "a", Epoch: 4, Preferred: "a", Records: 10 },
        { Unit: "bucket:0", Owner: null, Epoch: 1, Records: 0 },
      ],
    });
  });

  it("drains and reports how many units were released", async () => {
    expect(await registry.call("cluster_drain")).toEqual({ Released: 2 });
    expect(control.drained).toBe(true);
  });
});

describe("the observer", () => {
  it("hears every call once: the changing ones marked, with the tag and the error answered", async () => {
    const heard: unknown[] = [];
    const observedRegistry = new MiRegistry();
    registerClusterCommands(observedRegistry, control, {
      observe: (command, outcome, call) => heard.push({ command, outcome, ...call }),
    });
    await observedRegistry.call("clusterer_list_shtags");
    await observedRegistry.call("clusterer:shtag_set_active", { tag: "vip/1" });
    await observedRegistry.call("clusterer_shtag_set_active", { tag: "vip/9" }).catch(() => undefined);
    await observedRegistry.call("cluster_drain");
    expect(heard).toEqual([
      { command: "clusterer_list_shtags", outcome: "ok", changes: false, transport: "direct" },
      { command: "clusterer_shtag_set_active", outcome: "ok", changes: true, transport: "direct", tag: "vip/1" },
      {
        command: "clusterer_shtag_set_active",
        outcome: "error",
        changes: true,
        transport: "direct",
        tag: "vip/9",
        error: { code: 404, message: "Cluster ID not found" },
      },
      { command: "cluster_drain", outcome: "ok", changes: true, transport: "direct" },
    ]);
  });
});
