// The README's example, run as a test (keep the two in sync).
import { SharingTagOwnership } from "@uacreg/cluster";
import { expect, it } from "vitest";

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
