/**
 * One node cut from the database while it still reaches the registrar, by a blackhole (issue 11 "Tests",
 * docs/cluster.md §3.3, §3.7): three `uacregd` with the db backend (timing `fast`), n1 through a TCP fault proxy
 * (`@uacreg/db/testing`) that holds every byte both ways, as a dead host. n1 fences at its trust deadline (its log
 * line, before any survivor claims its units), the survivors take its records over within the failover bound with no
 * double registration, and once the cut heals (the held bytes delivered late) n1 joins again and gets its share back.
 * On PostgreSQL and MariaDB.
 */
import { afterAll, describe, it } from "vitest";
import { stopAllClusters } from "../support/cluster-nodes.js";
import { databaseCutScenario } from "../support/cluster-scenario.js";

afterAll(stopAllClusters);

describe.each([["postgres" as const], ["mariadb" as const]])("three nodes on %s, n1 behind a TCP proxy", (engine) => {
  it("n1 blackholed from the database fences at its deadline, the others take over, it rejoins when healed", () =>
    databaseCutScenario(engine, "blackhole", (proxy) => ({
      cut: () => proxy.blackhole(true),
      heal: () => proxy.blackhole(false),
    })));
});
