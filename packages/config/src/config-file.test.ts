import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type ConfigEnvironment, dataDirOf, loadConfig } from "./config-file.js";
import { ConfigError } from "./config-error.js";

const dir = mkdtempSync(join(tmpdir(), "uacreg-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const user = (env: Record<string, string> = {}): ConfigEnvironment => ({ env, cwd: "/home/op", uid: 1000 });
const root = (env: Record<string, string> = {}): ConfigEnvironment => ({ env, cwd: "/", uid: 0 });

const refusal = (f: () => unknown): ConfigError => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("accepted");
};

describe("where the configuration comes from", () => {
  it("reads the file named by UACREG_CONFIG when there is no --config", () => {
    const f = file("env.yaml", "registrant:\n  hash_size: 3\n");
    const loaded = loadConfig({}, user({ UACREG_CONFIG: f }));
    expect(loaded.file).toBe(f);
    expect(loaded.config.registrant.hash_size).toBe(3);
  });

  it("prefers --config over UACREG_CONFIG", () => {
    const env = file("env2.yaml", "registrant:\n  hash_size: 3\n");
    const flag = file("flag.yaml", "registrant:\n  hash_size: 2\n");
    const loaded = loadConfig({ config: flag }, user({ UACREG_CONFIG: env }));
    expect(loaded.file).toBe(flag);
    expect(loaded.config.registrant.hash_size).toBe(2);
  });

  it("runs on the embedded defaults with neither", () => {
    const loaded = loadConfig({}, user());
    expect(loaded.file).toBeUndefined();
    expect(loaded.config.listen).toEqual(["udp:127.0.0.1:5060"]);
  });

  it("puts data_dir in /var/lib/uacreg for root and ./var for anyone else; UACREG_DATA_DIR and --data-dir win", () => {
    expect(dataDirOf({}, root())).toBe("/var/lib/uacreg");
    expect(dataDirOf({}, user())).toBe("/home/op/var");
    expect(dataDirOf({}, user({ UACREG_DATA_DIR: "/srv/uacreg" }))).toBe("/srv/uacreg");
    expect(dataDirOf({ dataDir: "/opt/u" }, user({ UACREG_DATA_DIR: "/srv/uacreg" }))).toBe("/opt/u");
    expect(loadConfig({}, root()).config.db_url).toBe("sqlite:///var/lib/uacreg/registrant.db");
    expect(loadConfig({}, user()).config.db_url).toBe("sqlite:///home/op/var/registrant.db");
  });

  it("takes data_dir from the file over every default", () => {
    const f = file("dd.yaml", "data_dir: /data/u\n");
    const loaded = loadConfig({ config: f, dataDir: "/opt/u" }, root());
    expect(loaded.config.data_dir).toBe("/data/u");
    expect(loaded.config.db_url).toBe("sqlite:///data/u/registrant.db");
  });

  it("names --config for a file that cannot be read or is not YAML", () => {
    const missing = join(dir, "nope.yaml");
    expect(refusal(() => loadConfig({ config: missing }, user())).message).toBe(
      `config: --config: cannot read the file (ENOENT) (got ${JSON.stringify(missing)})`,
    );
    const notYaml = file("bad.yaml", "listen: [udp:127.0.0.1:0\nmi: {");
    expect(refusal(() => loadConfig({}, user({ UACREG_CONFIG: notYaml }))).message).toMatch(
      /^config: --config: not valid YAML: /,
    );
  });
});
