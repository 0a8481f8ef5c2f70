import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

function sink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(c: Buffer, _e, done) {
      lines.push(...c.toString().split("\n").filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}

describe("the daemon logger", () => {
  it("never writes a password that ends up in a logged object", () => {
    const { lines, stream } = sink();
    const log = createLogger({ level: "info", format: "json" }, stream);
    log.warn({ row: { aor: "sip:a@x", password: "s3cret" }, password: "s3cret" }, "rejected row");
    expect(lines.join("\n")).not.toContain("s3cret");
    expect(lines[0]).toContain("sip:a@x");
  });

  it("prints one readable line per entry in pretty format", () => {
    const { lines, stream } = sink();
    const log = createLogger({ level: "info", format: "pretty" }, stream);
    log.info({ key: "sip:a@x", to: "REGISTERED_STATE" }, "state change");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/INFO state change key=sip:a@x to=REGISTERED_STATE$/);
  });
});
