/** `mi:` limits of the HTTP and FIFO front ends (docs/mi-protocol.md §4, §5): read, defaulted, refused by key. */
import { describe, expect, it } from "vitest";
import { ConfigError } from "./config-error.js";
import { resolveConfig } from "./resolve-config.js";

const refusal = (mi: unknown): ConfigError => {
  try {
    resolveConfig({ mi }, "/d");
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("accepted");
};

describe("mi limits", () => {
  it("reads the HTTP connection cap and timeouts and the FIFO write timeout", () => {
    const c = resolveConfig(
      {
        mi: {
          http: { max_connections: 8, idle_timeout_ms: 2000, request_timeout_ms: 3000, write_timeout_ms: "60000" },
          fifo: { write_timeout_ms: 30_000 },
        },
      },
      "/d",
    );
    expect(c.mi.http).toMatchObject({
      max_connections: 8,
      idle_timeout_ms: 2000,
      request_timeout_ms: 3000,
      write_timeout_ms: 60_000,
    });
    expect(c.mi.fifo?.write_timeout_ms).toBe(30_000);
  });

  it.each([
    [{ http: { max_connections: 0 } }, "mi.http.max_connections", "must be at least 1"],
    [{ http: { max_connections: 2.5 } }, "mi.http.max_connections", "must be an integer"],
    [{ http: { idle_timeout_ms: 99 } }, "mi.http.idle_timeout_ms", "between 100 and 86400000"],
    [{ http: { request_timeout_ms: "soon" } }, "mi.http.request_timeout_ms", "must be an integer"],
    [{ http: { write_timeout_ms: 86_400_001 } }, "mi.http.write_timeout_ms", "between 100 and 86400000"],
    [{ http: { write_timeout: 1000 } }, "mi.http.write_timeout", "unknown key"],
    [{ fifo: { write_timeout_ms: -1 } }, "mi.fifo.write_timeout_ms", "between 100 and 86400000"],
    [{ fifo: { max_connections: 4 } }, "mi.fifo.max_connections", "unknown key"],
  ])("refuses %j naming the key", (mi, key, reason) => {
    const e = refusal(mi);
    expect(e.key).toBe(key);
    expect(e.message).toContain(reason);
  });
});
