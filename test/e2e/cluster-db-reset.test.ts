/**
 * One node cut from the database while it still reaches the registrar, by a reset (issue 11 "Tests",
 * docs/cluster.md §3.3, §3.7): three `uacregd` with the db backend (timing `fast`), n1 through a TCP fault proxy
 * (`@uacreg/db/testing`) that drops every connection and refuses new ones. n1 fences at its trust deadline (its log
 * line, before any survivor claims its units), the survivors take its records over within the failover bound with no
 * double registration, and once the proxy accepts again n1 joins again and gets its share back.
 * On PostgreSQL and MariaDB.
 */
import { afterAll, describe, it } from "vitest";
import { stopAllClusters } from "../support/cluster-nodes.js";
import { databaseCutScenario } from "../support/cluster-scenario.js";

afterAll(stopAllClusters);

describe.each([["postgres" as const], ["mariadb" as const]])("three nodes on %s, n1 behind a TCP proxy", (engine) => {
  it("n1's database connections reset and refused: it fences at its deadline, the others take over, it rejoins when healed", () =>
    databaseCutScenario(engine, "reset", (proxy) => ({
      cut: () => {
        proxy.refuse(true);
        proxy.dropAll();
      },
      heal: () => proxy.refuse(false),
    })));
});
