import { describe, expect, it } from "vitest";
import { SharingTagError } from "./sharing-tag-error.js";
import { normalizeSharingTag } from "./sharing-tag-name.js";
import { SharingTagOwnership } from "./sharing-tag-ownership.js";

const vip = { name: "vip", clusterId: 1 };

describe("normalizeSharingTag", () => {
  it("trims both parts as core reads the column", () => {
    expect(normalizeSharingTag(" vip / 1 ")).toBe("vip/1");
  });

  it("refuses what is not name/cluster_id with a typed error naming the tag", () => {
    expect(() => normalizeSharingTag("vip")).toThrow(SharingTagError);
    expect(() => normalizeSharingTag("vip")).toThrow(/"vip".*no "\/"/);
    expect(() => normalizeSharingTag("/1")).toThrow(/empty tag name/);
    expect(() => normalizeSharingTag("vip/x")).toThrow(/not numeric/);
  });
});

describe("SharingTagOwnership with clustering on", () => {
  it("owns a tag only while it is active; untagged records and cluster id 0 are always owned", () => {
    const o = new SharingTagOwnership({ clustering: true });
    expect(o.owns(vip)).toBe(false);
    expect(o.owns(undefined)).toBe(true);
    expect(o.owns({ name: "vip", clusterId: 0 })).toBe(true);
    expect(o.setState(" vip/1", "active")).toBe("vip/1");
    expect(o.owns(vip)).toBe(true);
    expect(o.setState("vip/1", "backup")).toBe("vip/1");
    expect(o.owns(vip)).toBe(false);
  });

  it("starts with the configured active tags, normalized, and refuses a bad one", () => {
    expect(new SharingTagOwnership({ clustering: true, activeTags: ["vip / 1"] }).activeTags()).toEqual(["vip/1"]);
    expect(() => new SharingTagOwnership({ clustering: true, activeTags: ["vip"] })).toThrow(SharingTagError);
  });

  it("matches a record's tag against a canonical name", () => {
    const o = new SharingTagOwnership({ clustering: true });
    expect(o.matches(vip, "vip/1")).toBe(true);
    expect(o.matches(vip, "vip/2")).toBe(false);
    expect(o.matches(undefined, "vip/1")).toBe(false);
  });

  it("never asks for the ignored-tags warning", () => {
    expect(new SharingTagOwnership({ clustering: true }).warnIgnored()).toBe(false);
  });
});

describe("SharingTagOwnership with clustering off", () => {
  it("owns every record and ignores tag changes, but still refuses a malformed tag", () => {
    const o = new SharingTagOwnership({ clustering: false });
    expect(o.owns(vip)).toBe(true);
    expect(o.setState("vip/1", "backup")).toBeUndefined();
    expect(o.owns(vip)).toBe(true);
    expect(() => o.setState("vip", "active")).toThrow(SharingTagError);
  });

  it("asks for the warning once", () => {
    const o = new SharingTagOwnership({ clustering: false });
    expect([o.warnIgnored(), o.warnIgnored(), o.warnIgnored()]).toEqual([true, false, false]);
  });
});
