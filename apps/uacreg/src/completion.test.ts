import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runCli } from "./cli.js";

const execFileAsync = promisify(execFile);

async function script(shell: string): Promise<string> {
  let out = "";
  const code = await runCli(["completion", shell], { stdout: (t) => (out += t), stderr: () => undefined });
  expect(code).toBe(0);
  return out;
}

/**
 * Sources the bash script in a real bash, sets COMP_WORDS / COMP_CWORD as readline would for `line` (the cursor at
 * the end), calls the function `complete -p uacreg` names, and returns COMPREPLY.
 */
async function complete(bashScript: string, words: readonly string[]): Promise<string[]> {
  const quoted = words.map((w) => `'${w.replace(/'/g, "'\\''")}'`).join(" ");
  const program = `${bashScript}
fn=$(complete -p uacreg | sed -E 's/.*-F ([^ ]+) .*/\\1/')
COMP_WORDS=(${quoted}); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
"$fn"
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await execFileAsync("bash", ["-c", program], { cwd: "/" });
  return stdout.split("\n").filter((l) => l !== "");
}

describe("uacreg completion bash", () => {
  it("registers a completion function for uacreg, sourced in a real bash", async () => {
    const { stdout } = await execFileAsync("bash", ["-c", `${await script("bash")}\ncomplete -p uacreg`]);
    expect(stdout).toMatch(/^complete -o default -F \S+ uacreg$/m);
  });

  it("completes commands, subcommands, options and MI commands", async () => {
    const bash = await script("bash");
    expect(await complete(bash, ["uacreg", "d"])).toEqual(["db"]);
    expect(await complete(bash, ["uacreg", "db", "i"])).toEqual(["import"]);
    expect(await complete(bash, ["uacreg", "db", "e"])).toEqual(["export"]);
    expect(await complete(bash, ["uacreg", "st"])).toEqual(["status"]);
    expect(await complete(bash, ["uacreg", "--v"])).toEqual(["--version"]);
    expect(await complete(bash, ["uacreg", "completion", ""])).toEqual(["bash", "zsh"]);
    expect(await complete(bash, ["uacreg", "db", "export", "--with"])).toEqual(["--with-passwords"]);
    // A value option's argument is not a command word: `--config FILE db i` still completes `import`.
    expect(await complete(bash, ["uacreg", "--config", "/etc/uacreg.yaml", "db", "i"])).toEqual(["import"]);
    expect(await complete(bash, ["uacreg", "mi", "reg_di"])).toEqual(["reg_disable"]);
    expect(await complete(bash, ["uacreg", "mi", "--fi"])).toEqual(["--fifo"]);
    expect(await complete(bash, ["uacreg", "status", "--js"])).toEqual(["--json"]);
  });

  it("zsh gets the same function through bashcompinit", async () => {
    const zsh = await script("zsh");
    expect(zsh.split("\n")[0]).toBe("autoload -U +X bashcompinit && bashcompinit");
    expect(zsh.split("\n").slice(2)).toEqual((await script("bash")).split("\n").slice(1));
  });

  it("refuses another shell with exit 2", async () => {
    let err = "";
    const code = await runCli(["completion", "fish"], { stdout: () => undefined, stderr: (t) => (err += t) });
    expect(code).toBe(2);
    expect(err).toContain("bash, zsh");
  });
});
