/**
 * The `uacreg` CLI (built, spawned as an operator runs it) against a running daemon: `status` with a registered, a
 * refused and a disabled record, `mi … -o table`, `--version`, and the hints for an MI that cannot be used (nothing
 * listening, a reply FIFO outside the daemon's reply_dir).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type DemoRegistrar, startDemoRegistrar } from "@uacreg/demo-registrar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/free-port.js";
import { registrantRow, startUacregd, stopAllUacregd, UACREG_CLI, type Uacregd } from "../support/uacregd.js";

const execFileP = promisify(execFile);
const ALICE_PW = "Pw-Alice-5521q";
const BOB_PW = "Pw-Bob-real-9917";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function uacreg(args: string[], env: Record<string, string> = {}): Promise<Run> {
  try {
    const r = await execFileP(process.execPath, [UACREG_CLI, ...args], {
      timeout: 20_000,
      encoding: "utf8",
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof x.code === "number" ? x.code : -1, stdout: x.stdout ?? "", stderr: x.stderr ?? "" };
  }
}

let registrar: DemoRegistrar;
let d: Uacregd;
let REG: string;

beforeAll(async () => {
  registrar = await startDemoRegistrar({ users: { alice: ALICE_PW, bob: BOB_PW }, realm: "reg.test" });
  REG = `sip:127.0.0.1:${registrar.port}`;
  // Disabled rows (state 1) enabled over the MI register at once instead of on the first bucket visit.
  d = await startUacregd({
    rows: [
      registrantRow({ registrar: REG, password: ALICE_PW, state: 1 }),
      registrantRow({
        registrar: REG,
        aor: "sip:bob@reg.test",
        username: "bob",
        password: "wrong-password",
        binding_URI: "sip:bob@127.0.0.1:5099",
        state: 1,
      }),
      registrantRow({
        registrar: REG,
        aor: "sip:carol@reg.test",
        username: "carol",
        password: "whatever",
        binding_URI: "sip:carol@127.0.0.1:5099",
        state: 1,
      }),
    ],
  });
  await d.mi("reg_enable", ["sip:alice@reg.test", "sip:alice@127.0.0.1:5099", REG]);
  await d.mi("reg_enable", ["sip:bob@reg.test", "sip:bob@127.0.0.1:5099", REG]);
  await d.waitFor(
    (r) =>
      r.find((x) => x.AOR === "sip:alice@reg.test")?.state === "REGISTERED_STATE" &&
      r.find((x) => x.AOR === "sip:bob@reg.test")?.state === "WRONG_CREDENTIALS_STATE",
    15_000,
  );
}, 60_000);

afterAll(async () => {
  await stopAllUacregd();
  await registrar?.close();
});

describe("uacreg status against the daemon", () => {
  it("shows the records per state, then the refused and the disabled record with state, meaning and since when", async () => {
    const r = await uacreg(["--config", d.configFile, "status"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("3 record(s)");
    expect(r.stdout).toMatch(/^REGISTERED_STATE\s+1$/m);
    expect(r.stdout).toMatch(/^WRONG_CREDENTIALS_STATE\s+1$/m);
    expect(r.stdout).toContain("2 not registered");
    const bob = lines.find((l) => l.startsWith("sip:bob@reg.test"));
    expect(bob).toMatch(/WRONG_CREDENTIALS_STATE\s+yes\s+\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} \(\d+s ago\)/);
    expect(bob).toContain("registrar refused the credentials");
    const carol = lines.find((l) => l.startsWith("sip:carol@reg.test"));
    expect(carol).toMatch(/\s+no\s+/);
    expect(carol).toContain("disabled");
    expect(lines.some((l) => l.startsWith("sip:alice@"))).toBe(false);
    // Not a terminal: no colour codes; never a password.
    expect(r.stdout).not.toContain("\u001b[");
    for (const pw of [ALICE_PW, BOB_PW, "wrong-password", "whatever"]) expect(r.stdout).not.toContain(pw);
  });

  it("--json gives the same report for scripts", async () => {
    const r = await uacreg(["status", "--json", "--url", d.miUrl]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      total: number;
      states: Record<string, number>;
      not_registered: Array<{ aor: string; state: string; enabled: boolean; seconds_since: number | null }>;
    };
    expect(report.total).toBe(3);
    expect(report.states.REGISTERED_STATE).toBe(1);
    expect(report.not_registered.map((x) => [x.aor, x.state, x.enabled])).toEqual([
      ["sip:bob@reg.test", "WRONG_CREDENTIALS_STATE", true],
      ["sip:carol@reg.test", expect.any(String), false],
    ]);
    expect(report.not_registered[0]?.seconds_since).toBeGreaterThanOrEqual(0);
    expect((await uacreg(["status", "-o", "json", "--url", d.miUrl])).stdout).toMatch(/^\{\n {4}"total": 3,/);
  });

  it("over the FIFO too; a reply FIFO outside the daemon's reply_dir gets the reply_dir hint", async () => {
    const ok = await uacreg(["status", "--fifo", d.fifoPath, "--reply-dir", `${d.dir}/`]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.split("\n")[0]).toBe("3 record(s)");
    const other = mkdtempSync(join(tmpdir(), "uacreg-other-reply-"));
    try {
      const r = await uacreg(["status", "--fifo", d.fifoPath, "--reply-dir", other, "--timeout", "1"]);
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(
        `ERROR: no reply from the FIFO ${d.fifoPath} within 1 s: the reply FIFO was made in ${other}, which must be the daemon's mi.fifo.reply_dir (give --reply-dir, or --config with the daemon's file)\n`,
      );
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("an MI nobody listens on: which address, and that the daemon may not be running (exit 3, no stack)", async () => {
    const port = await freePort();
    const r = await uacreg(["status", "--url", `http://127.0.0.1:${port}/mi`]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      `ERROR: cannot reach the MI at http://127.0.0.1:${port}/mi: connection refused: uacregd may not be running, or it listens elsewhere (its mi.http; give --url or --config)\n`,
    );
  });
});

describe("uacreg mi -o table and --version", () => {
  it("reg_list as a table: one line per record, columns aligned; JSON stays the default", async () => {
    const t = await uacreg(["mi", "-o", "table", "--url", d.miUrl, "reg_list"]);
    expect(t.code).toBe(0);
    const lines = t.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("Records:");
    expect(lines[1]).toMatch(
      /^AOR\s+expires\s+state\s+enabled\s+last_register_sent\s+registration_t_out\s+registrar\s+binding/,
    );
    expect(
      lines
        .slice(2)
        .map((l) => l.split(/\s+/)[0])
        .sort(),
    ).toEqual(["sip:alice@reg.test", "sip:bob@reg.test", "sip:carol@reg.test"]);
    const stateAt = lines[1]?.indexOf("state");
    for (const l of lines.slice(2)) expect(l.slice(stateAt).split(/\s+/)[0]).toMatch(/_STATE$/);
    const json = await uacreg(["mi", "--url", d.miUrl, "reg_list"]);
    expect((JSON.parse(json.stdout) as { Records: unknown[] }).Records).toHaveLength(3);
  });

  it("-o table after the command name: the server's error, then a hint saying where mi's options go", async () => {
    const r = await uacreg(["mi", "--url", d.miUrl, "reg_list", "-o", "table"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("ERROR: command 'reg_list' returned: Error executing command: -32602");
    expect(r.stderr).toContain("hint: '-o table' after the command name was sent as MI params");
    expect(r.stderr).toContain("uacreg mi -o table reg_list");
  });

  it("--version prints the release and the commit", async () => {
    const r = await uacreg(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^uacreg \d+\.\d+\.\d+\S* \(commit (?:[0-9a-f]{7,40}|unknown)\)\n$/);
  });
});
