import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openRegisterLogFile, parseRegisterLog, type RegisterLogEntry } from "./index.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const sample = (cseq: number): RegisterLogEntry => ({
  at: 1_800_000_000_000 + cseq,
  source: "127.0.0.2:5060",
  transport: "udp",
  aor: "sip:alice@uacreg.demo",
  contacts: [{ uri: "sip:alice@127.0.0.2:5060", expires: 60 }],
  wildcard: false,
  callId: "c1",
  cseq,
  status: 200,
  changed: true,
  retransmission: false,
});

describe("the REGISTER log file (--register-log)", () => {
  it("writes one JSON line per entry that parseRegisterLog reads back, in order", async () => {
    const dir = mkdtempSync(join(tmpdir(), "demo-registrar-log-"));
    dirs.push(dir);
    const path = join(dir, "register.jsonl");
    const file = openRegisterLogFile(path);
    const entries = Array.from({ length: 1000 }, (_, i) => sample(i + 1));
    for (const e of entries) file.write(e);
    await file.close();
    const text = readFileSync(path, "utf8");
    expect(text.split("\n")).toHaveLength(1001);
    expect(parseRegisterLog(text)).toEqual(entries);
  });

  it("leaves out a torn last line of a file still being written", () => {
    const line = JSON.stringify(sample(1));
    expect(parseRegisterLog(`${line}\n${line.slice(0, 40)}`)).toEqual([sample(1)]);
  });
});
