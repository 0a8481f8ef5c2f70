/**
 * `uacreg db import` as an operator runs it (the built CLI, spawned): on a terminal (a real pseudo-terminal from
 * util-linux `script`) it draws a progress bar on stderr; through a pipe it writes only the summary. Then
 * `db export` and a re-import of its output change nothing.
 */
import { execFile } from "node:child_process";
import { promises as fsp } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UACREG_CLI } from "../support/uacregd.js";

const execFileP = promisify(execFile);

let dir: string;
let dbUrl: string;
let csv: string;
const N = 3000;

beforeAll(async () => {
  dir = await fsp.mkdtemp(join(tmpdir(), "uacreg-e2e-import-"));
  dbUrl = `sqlite://${dir}/registrant.db`;
  csv = join(dir, "rows.csv");
  const lines = ["aor,binding_URI,registrar,username,password,expiry"];
  for (let i = 0; i < N; i++) {
    lines.push(`sip:u${i}@example.com,sip:u${i}@192.0.2.1:5060,sip:reg.example.com,u${i},secret-${i},3600`);
  }
  await fsp.writeFile(csv, `${lines.join("\n")}\n`);
  await execFileP(process.execPath, [UACREG_CLI, "db", "create", "--db-url", dbUrl]);
});
afterAll(() => fsp.rm(dir, { recursive: true, force: true }));

describe("uacreg db import, spawned", () => {
  it("draws a progress bar on a terminal's stderr, and ends with the summary", async () => {
    const cmd = [process.execPath, UACREG_CLI, "db", "import", csv, "--db-url", dbUrl].map((a) => `'${a}'`).join(" ");
    // `script` runs the command on a pseudo-terminal: stdout and stderr are a TTY, as in an operator's shell.
    const { stdout } = await execFileP("script", ["-qec", cmd, "/dev/null"], {
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, COLUMNS: "100" },
    });
    const ESC = String.fromCharCode(27);
    expect(stdout).toMatch(new RegExp(`\\r\\[[#.]+\\] +\\d+% +[\\d,]+ rows +[\\d,]+ rows/s${ESC}\\[K`));
    expect(stdout).toContain("\r\u001b[Kinserted 3000, updated 0, unchanged 0, skipped 0");
    expect(stdout).not.toContain("secret-");
  });

  it("through a pipe: no bar, only the summary; export and re-import of the export change nothing", async () => {
    const again = await execFileP(process.execPath, [UACREG_CLI, "db", "import", csv, "--db-url", dbUrl], {
      encoding: "utf8",
    });
    expect(again.stderr).toBe("");
    expect(again.stdout).toBe(`inserted 0, updated 0, unchanged ${N}, skipped 0\n`);
    const out = join(dir, "export.csv");
    const exp = await execFileP(
      process.execPath,
      [UACREG_CLI, "db", "export", out, "--with-passwords", "--db-url", dbUrl],
      { encoding: "utf8" },
    );
    expect(exp.stderr).toBe(`exported ${N} row(s) to ${out}\n`);
    const back = await execFileP(process.execPath, [UACREG_CLI, "db", "import", out, "--db-url", dbUrl], {
      encoding: "utf8",
    });
    expect(back.stdout).toBe(`inserted 0, updated 0, unchanged ${N}, skipped 0\n`);
  });
});
