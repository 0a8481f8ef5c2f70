/**
 * deploy/uacreg.example.yaml documents every key (issue 12): the keys the configuration schema knows are asked of the
 * validator itself (a mapping given an unknown key answers with the list of the keys it knows), so a key another
 * change adds to the schema is found without editing this test. The example must name each one, as a setting or as
 * an optional setting written `#key: value`, and must not name a key the schema does not know. `uacregd
 * --check-config` (the built daemon, as CI runs it) accepts the file as shipped.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ConfigError, resolveConfig } from "@uacreg/config";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { EXAMPLE_CONFIG } from "../support/install-prefix.js";
import { UACREGD } from "../support/uacregd.js";

const run = promisify(execFile);
const PROBE = "__probe__";
type Mapping = Record<string, unknown>;

const isMapping = (v: unknown): v is Mapping => typeof v === "object" && v !== null && !Array.isArray(v);

/** The example with every optional setting (`#key: value`, no space after the #) turned on. */
function exampleWithOptionals(text: string): Mapping {
  const uncommented = text
    .split("\n")
    .map((line) => line.replace(/^(\s*)#(?=["\w-]+:(\s|$))/, "$1"))
    .join("\n");
  const doc: unknown = parse(uncommented);
  if (!isMapping(doc)) throw new Error("the example is not a mapping");
  return doc;
}

/** A document with `value` at `path` and nothing else. */
function nest(path: readonly string[], value: unknown): unknown {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
}

/**
 * The keys the mapping at `path` accepts, from the validator's refusal of an unknown key there; undefined when
 * `path` is not a mapping of named keys (a value, a list, or a mapping of free names such as `tls:`'s sockets).
 */
function knownKeys(path: readonly string[]): string[] | undefined {
  try {
    resolveConfig(nest(path, { [PROBE]: 1 }), "/nonexistent/probe");
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const known = /unknown key \(known: ([^)]*)\)/.exec(e.message);
    if (e.key === [...path, PROBE].join(".") && known) return (known[1] as string).split(", ");
    return undefined;
  }
  throw new Error(`the validator accepted an unknown key at ${[...path, PROBE].join(".") || "the top level"}`);
}

/** Walks the schema beside the example: the keys the example lacks and those the schema does not know. */
function compare(example: Mapping): { missing: string[]; unknown: string[] } {
  const missing: string[] = [];
  const unknown: string[] = [];
  const walk = (path: string[], node: Mapping, keys: readonly string[]) => {
    const at = (k: string) => [...path, k].join(".");
    for (const k of keys) if (!(k in node)) missing.push(at(k));
    for (const k of Object.keys(node)) if (!keys.includes(k)) unknown.push(at(k));
    for (const k of keys) {
      const inner = knownKeys([...path, k]);
      const value = node[k];
      if (inner !== undefined) {
        if (isMapping(value)) walk([...path, k], value, inner);
        else if (k in node) missing.push(...inner.map((i) => `${at(k)}.${i}`));
        continue;
      }
      // A mapping of free names (tls: one entry per socket): each entry's own keys.
      if (!isMapping(value)) continue;
      for (const [name, entry] of Object.entries(value)) {
        const entryKeys = knownKeys([...path, k, name]);
        if (entryKeys !== undefined && isMapping(entry)) walk([...path, k, name], entry, entryKeys);
      }
    }
  };
  walk([], example, knownKeys([]) ?? []);
  return { missing, unknown };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("deploy/uacreg.example.yaml", () => {
  it("names every key the configuration schema knows, and no other", () => {
    const { missing, unknown } = compare(exampleWithOptionals(readFileSync(EXAMPLE_CONFIG, "utf8")));
    expect({ missing, unknown }).toEqual({ missing: [], unknown: [] });
  });

  it("the walk finds a key the example lacks (the check is not vacuous)", () => {
    const example = exampleWithOptionals(readFileSync(EXAMPLE_CONFIG, "utf8"));
    const before = new Set(compare(example).missing);
    const registrant = example.registrant as Mapping;
    delete registrant.max_in_flight;
    delete (example.mi as { fifo: Mapping }).fifo.reply_dir;
    delete example.tm;
    const found = compare(example).missing.filter((k) => !before.has(k));
    expect(found).toEqual(["tm", "registrant.max_in_flight", "mi.fifo.reply_dir"]);
  });

  it("passes uacregd --check-config as shipped", async () => {
    const { stdout } = await run(process.execPath, [UACREGD, "--check-config", EXAMPLE_CONFIG]);
    expect(stdout.trim().split("\n").pop()).toBe(`${EXAMPLE_CONFIG}: ok`);
  });

  it("a misspelled key in a copy is refused by --check-config with one line naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "uacreg-example-"));
    dirs.push(dir);
    const copy = join(dir, "uacreg.yaml");
    writeFileSync(copy, readFileSync(EXAMPLE_CONFIG, "utf8").replace("  max_in_flight:", "  max_inflight:"));
    const r = await run(process.execPath, [UACREGD, "--check-config", copy]).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^uacregd: config: registrant\.max_inflight: unknown key/),
    ]);
  });
});
