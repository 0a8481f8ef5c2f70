/**
 * `promtool` (Debian package `prometheus`): `check metrics` on a scrape fed on stdin, `check rules` and `test rules`
 * on files. Missing promtool skips the tests that need it with a loud line, and fails them when
 * `UACREG_REQUIRE_SERVERS=1` (as CI sets it), like the database servers.
 */
import { spawn, spawnSync } from "node:child_process";
import { peerMissing } from "./required-peer.js";

export const PROMTOOL = process.env.UACREG_PROMTOOL ?? "promtool";

/** True when `promtool --version` runs. */
export function promtoolAvailable(): boolean {
  const r = spawnSync(PROMTOOL, ["--version"], { stdio: "ignore" });
  return r.status === 0;
}

/**
 * Call at the start of a test that needs promtool: false (the test skips itself) when it is missing and not
 * required; throws when it is missing and `UACREG_REQUIRE_SERVERS=1`.
 */
export function requirePromtool(): boolean {
  return (
    promtoolAvailable() || peerMissing(`promtool not found (${PROMTOOL})`, "install the Debian package prometheus")
  );
}

export interface PromtoolResult {
  code: number | null;
  output: string;
}

/** Runs promtool with `args`, `stdin` written to it; resolves with the exit code and stdout + stderr. */
export function promtool(args: readonly string[], stdin?: string): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, args, { stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      output += c.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
    child.stdin.end(stdin ?? "");
  });
}
