// The README's examples, run as tests (keep them in sync).
import { LeaseMember, SharingTagOwnership, unitOfBucket } from "@uacreg/cluster";
import { MemoryLeaseStore } from "@uacreg/cluster/testing";
import { VirtualClock } from "@uacreg/runtime/testing";
import { expect, it } from "vitest";

it("spreads the units over two nodes and fails over when one is cut off", async () => {
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  // example:start
  const clock = new VirtualClock();
  const db = new MemoryLeaseStore({ clock });
  const units = [0, 1, 2, 3].map(unitOfBucket);
  let seed = 1;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return (seed - 1) / 2147483646;
  };
  const node = (name: string, store = db.connect()) => {
    const member = new LeaseMember({
      store,
      clock,
      random,
      name,
      address: `${name}:5060`,
      timing: { leaseMs: 6000, renewMs: 2000, marginMs: 1000, pollMs: 1000 },
    });
    member.setUnits(units);
    return { member, store };
  };
  const a = node("a");
  const b = node("b");
  await a.member.start();
  await b.member.start();
  await clock.advance(3000);
  log(`a owns ${a.member.ownedUnits().length}, b owns ${b.member.ownedUnits().length}`); // 4 in all

  a.store.partitioned = true; // a is cut off from the database: it fences itself at its trust deadline
  await clock.advance(6000 + 1.2 * 1000);
  log(`a owns ${a.member.ownedUnits().length}, b owns ${b.member.ownedUnits().length}`); // 0, 4
  // example:end
  const first = lines[0]!.match(/a owns (\d), b owns (\d)/)!;
  expect(Number(first[1]) + Number(first[2])).toBe(4);
  expect(Number(first[1])).toBeGreaterThan(0);
  expect(lines[1]).toBe("a owns 0, b owns 4");
});

it("decides which tagged records this node registers", () => {
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  // example:start
  const ownership = new SharingTagOwnership({ clustering: true, activeTags: ["vip/1"] });
  const tag = { name: "vip", clusterId: 1 }; // a record's parsed cluster_shtag

  log(`register vip/1 here: ${ownership.owns(tag)}`); // true
  ownership.setState("vip / 1", "backup"); // the node became BACKUP for the tag
  log(`register vip/1 here: ${ownership.owns(tag)}`); // false
  // example:end
  expect(lines).toEqual(["register vip/1 here: true", "register vip/1 here: false"]);
});
