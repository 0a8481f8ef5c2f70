import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { describe, expect, it } from "vitest";
import { requireWebRoot, WebNotBuiltError, webRoot } from "./index.js";

describe("webRoot", () => {
  it("is the absolute path of the built page, dist/www of this package", () => {
    expect(isAbsolute(webRoot())).toBe(true);
    expect(webRoot().endsWith(join("apps", "web", "dist", "www"))).toBe(true);
  });

  it("requireWebRoot names the missing index.html when the page is not built", () => {
    if (existsSync(join(webRoot(), "index.html"))) expect(requireWebRoot()).toBe(webRoot());
    else expect(() => requireWebRoot()).toThrow(WebNotBuiltError);
  });
});
