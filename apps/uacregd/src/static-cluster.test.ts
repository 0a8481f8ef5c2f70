/**
 * The static backend (static-cluster.ts, docs/cluster.md §7): what `clusterer_list_shtags`, `clusterer_shtag_set_active`
 * and a SIGHUP do to the engine's tag states, through the real MI commands of @uacreg/cluster-mi.
 */
import { registerClusterCommands } from "@uacreg/cluster-mi";
import { RegistrantEngine, type RequestSender } from "@uacreg/engine";
import { MiRegistry } from "@uacreg/mi";
import { SILENT_LOGGER } from "@uacreg/runtime";
import { describe, expect, it } from "vitest";
import { StaticCluster } from "./static-cluster.js";

/** A sender that is never used: the engine has no records. */
const NO_SENDS: RequestSender = {
  send: () => Promise.reject(new Error("no records, nothing to send")),
  hasSocket: () => false,
};

/** An engine with clustering on and no records; the tags it was told about show in `setTagState` calls. */
function engineWithTags(active: string[]) {
  const calls: string[] = [];
  const engine = new RegistrantEngine({
    transport: NO_SENDS,
    params: { enableClustering: true },
    activeTags: active,
  });
  const setTagState = engine.setTagState.bind(engine);
  engine.setTagState = (tag, state) => {
    calls.push(`${tag} ${state}`);
    setTagState(tag, state);
  };
  return { engine, calls };
}

function setup(configured: string[]) {
  const { engine, calls } = engineWithTags(configured);
  const cluster = new StaticCluster("a", configured, () => engine, SILENT_LOGGER);
  const registry = new MiRegistry();
  registerClusterCommands(registry, cluster);
  return { cluster, registry, calls };
}

describe("the static backend", () => {
  it("lists the configured tags and activates another one, answering OK once applied", async () => {
    const { registry, calls } = setup(["vip/1", "b2b/2"]);
    expect(await registry.call("clusterer_list_shtags")).toEqual([
      { Tag: "vip", Cluster: 1, State: "active" },
      { Tag: "b2b", Cluster: 2, State: "active" },
    ]);
    await expect(registry.call("clusterer_shtag_set_active", { tag: "gold/1" })).resolves.toBe("OK");
    expect(calls).toEqual(["gold/1 active"]);
    await expect(registry.call("clusterer_shtag_set_active", { tag: "gold/7" })).rejects.toMatchObject({
      code: 404,
    });
  });

  it("SIGHUP applies only what changed in the file's active_tags, not what MI changed since", () => {
    const { cluster, calls } = setup(["vip/1", "b2b/2"]);
    void cluster.activateTag("gold", 1);
    calls.length = 0;
    expect(cluster.applyConfiguredTags(["b2b/2", "new/3"])).toEqual({ activated: ["new/3"], deactivated: ["vip/1"] });
    expect(calls).toEqual(["new/3 active", "vip/1 backup"]);
    expect(cluster.activeTags().sort()).toEqual(["b2b/2", "gold/1", "new/3"]);
    calls.length = 0;
    expect(cluster.applyConfiguredTags(["b2b/2", "new/3"])).toEqual({ activated: [], deactivated: [] });
    expect(calls).toEqual([]);
  });

  it("cluster_drain makes every active tag backup here", async () => {
    const { registry, cluster } = setup(["vip/1", "b2b/2"]);
    expect(await registry.call("cluster_drain")).toEqual({ Released: 2 });
    expect(cluster.activeTags()).toEqual([]);
  });
});
