import { createServer, type Server } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig } from "@uacreg/config";
import { MiRegistry } from "@uacreg/mi";
import { afterEach, describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";
import { startWebStatus, type WebStatus } from "./web-status.js";

const open: Array<{ close(): Promise<void> }> = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A TCP port on 127.0.0.1 held by someone else for the test's duration. */
async function heldPort(): Promise<number> {
  const s: Server = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  open.push({ close: () => new Promise<void>((r) => s.close(() => r())) });
  const a = s.address();
  if (a === null || typeof a === "string") throw new Error("no address");
  return a.port;
}

function config(web: unknown) {
  const dir = mkdtempSync(join(tmpdir(), "web-status-"));
  dirs.push(dir);
  return resolveConfig({ web }, dir);
}

const log = createLogger({ level: "fatal", format: "json" });

describe("startWebStatus", () => {
  it("is off with web: null", async () => {
    expect(await startWebStatus(config(null), { registry: new MiRegistry(), records: () => undefined, log })).toBe(
      undefined,
    );
  });

  it("stops start-up when the address written in the file is in use", async () => {
    const port = await heldPort();
    await expect(
      startWebStatus(config({ listen: `127.0.0.1:${port}` }), {
        registry: new MiRegistry(),
        records: () => undefined,
        log,
      }),
    ).rejects.toThrow(/EADDRINUSE/);
  });

  it("moves the implicit default to an OS-chosen loopback port when it is in use, and serves the API there", async () => {
    const port = await heldPort();
    const c = config(undefined);
    // The implicit default, on a port another process holds (not 8889: tests never use fixed ports).
    c.web = { listen: `127.0.0.1:${port}`, token: null, explicit: false };
    const web = (await startWebStatus(c, { registry: new MiRegistry(), records: () => undefined, log })) as WebStatus;
    open.push(web);
    expect(web.address.port).not.toBe(port);
    expect(web.url).toBe(`http://127.0.0.1:${web.address.port}/`);
    const summary = (await (await fetch(`${web.url}api/summary`)).json()) as { ready: boolean; node: string | null };
    expect(summary).toMatchObject({ ready: false, node: null });
  });
});
