import { describe, expect, it } from "vitest";
import { placeholder } from "@uacreg/sip";
describe("wiring", () => {
  it("resolves the workspace alias", () => {
    expect(placeholder).toBe(1);
  });
});
