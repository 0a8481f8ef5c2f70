#!/usr/bin/env node
// Every ```ts block of packages/*/README.md and apps/*/README.md must compile. Each block becomes one module under
// .readme-examples/ (gitignored) and the workspace's tsc typechecks them all at once against the BUILT packages:
// `@uacreg/<name>` and `@uacreg/<name>/<sub>` resolve to packages/<name>/dist (run `pnpm build` first), third-party
// imports resolve from the README's own package (its node_modules is linked next to the examples). Failures are
// printed as README:line (the line of the block's opening fence) followed by tsc's message. Exit 1 when any.
//   node scripts/check-readme-examples.mjs [README.md…]
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const outDir = join(root, ".readme-examples");
const groups = ["packages", "apps"];

/** Workspace packages: name → folder, for the `paths` that send `@uacreg/*` to the built dist. */
const workspace = new Map();
for (const group of groups) {
  for (const dir of readdirSync(join(root, group))) {
    const pj = join(root, group, dir, "package.json");
    if (!existsSync(pj)) continue;
    const { name, exports } = JSON.parse(readFileSync(pj, "utf8"));
    workspace.set(name, { dir: join(group, dir), exports: exports ?? { ".": null } });
  }
}

const readmes = (
  process.argv.length > 2
    ? process.argv.slice(2).map((f) => relative(root, resolve(f)))
    : groups.flatMap((g) => readdirSync(join(root, g)).map((d) => join(g, d, "README.md")))
).filter((f) => existsSync(join(root, f)));

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
/** Generated file → where its block starts in the README. */
const origin = new Map();
const files = [];
for (const readme of readmes) {
  const pkgDir = dirname(readme);
  const slug = pkgDir.replace(/\//g, "__");
  const lines = readFileSync(join(root, readme), "utf8").split("\n");
  let block = null;
  let n = 0;
  lines.forEach((line, i) => {
    if (block === null && /^```ts\s*$/.test(line)) block = { start: i + 1, body: [] };
    else if (block !== null && /^```\s*$/.test(line)) {
      n += 1;
      const folder = join(outDir, slug);
      if (!existsSync(folder)) {
        mkdirSync(folder, { recursive: true });
        // Third-party imports resolve as they would inside the package.
        const modules = join(root, pkgDir, "node_modules");
        if (existsSync(modules)) symlinkSync(modules, join(folder, "node_modules"), "dir");
      }
      const file = join(folder, `example-${n}.ts`);
      // `export {}` makes every block a module of its own (top-level await, no clashing names between blocks).
      writeFileSync(file, `${block.body.join("\n")}\nexport {};\n`);
      origin.set(relative(root, file), { readme, line: block.start });
      files.push(relative(outDir, file));
      block = null;
    } else if (block !== null) block.body.push(line);
  });
}

const paths = {};
for (const [name, { dir, exports }] of workspace) {
  for (const sub of Object.keys(exports)) {
    const file = sub === "." ? "index" : sub.slice(2);
    paths[sub === "." ? name : `${name}/${file}`] = [`../${dir}/dist/${file}.d.ts`];
  }
}

/** Typechecks `list`; returns tsc's diagnostics grouped by generated file (and any line it could not place). */
function typecheck(list) {
  writeFileSync(
    join(outDir, "tsconfig.json"),
    `${JSON.stringify(
      {
        extends: "../tsconfig.base.json",
        compilerOptions: { noEmit: true, rootDir: ".", declaration: false, declarationMap: false, paths },
        files: list,
      },
      null,
      2,
    )}\n`,
  );
  let output = "";
  try {
    execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", join(outDir, "tsconfig.json"), "--pretty", "false"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    output = `${e.stdout ?? ""}${e.stderr ?? ""}`;
  }
  // tsc prints `path(line,col): error TSxxxx: message` (paths relative to the repository root) and indented
  // continuation lines.
  const byFile = new Map();
  let last = null;
  for (const line of output.split("\n")) {
    const m = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line.trim());
    if (m) {
      const rel = relative(root, resolve(root, m[1]));
      if (!byFile.has(rel)) byFile.set(rel, []);
      last = { line: Number(m[2]), col: m[3], code: m[4], text: m[5] };
      byFile.get(rel).push(last);
    } else if (line.trim() && last) last.text += ` ${line.trim()}`;
    else if (line.trim()) {
      if (!byFile.has("(tsc)")) byFile.set("(tsc)", []);
      byFile.get("(tsc)").push({ line: 0, col: "0", code: "", text: line.trim() });
    }
  }
  return byFile;
}

if (files.length === 0) {
  console.error("check-readme-examples: no ```ts blocks found");
  process.exit(0);
}
// A block with a syntax error stops tsc from typechecking the others: such blocks are reported and set aside, and
// the rest is checked again.
const failures = new Map();
let pending = files;
for (;;) {
  const byFile = typecheck(pending);
  const syntaxOnly = [...byFile.values()].some((ds) => ds.some((d) => /^TS1\d{3}$/.test(d.code)));
  for (const [rel, ds] of byFile) {
    if (!syntaxOnly || ds.some((d) => /^TS1\d{3}$/.test(d.code))) failures.set(rel, ds);
  }
  if (!syntaxOnly) break;
  const failed = new Set([...failures.keys()].map((rel) => relative(outDir, join(root, rel))));
  pending = pending.filter((f) => !failed.has(f));
  if (pending.length === 0) break;
}
for (const [rel, ds] of failures) {
  const where = origin.get(rel);
  console.log(`${where ? `${where.readme}:${where.line}` : rel}: the example does not compile`);
  // The first few diagnostics say what is wrong; a block that is not TypeScript at all would print dozens.
  for (const d of ds.slice(0, 5)) {
    const at = where ? `${where.readme}:${where.line + d.line}` : `${rel}:${d.line}`;
    console.log(`  ${at}:${d.col} ${d.code}: ${d.text}`);
  }
  if (ds.length > 5) console.log(`  … and ${ds.length - 5} more`);
}
const blocks = files.length;
if (failures.size > 0) {
  console.error(
    `check-readme-examples: ${failures.size} of ${blocks} README example(s) fail (${basename(outDir)}/ kept)`,
  );
  process.exit(1);
}
console.error(`check-readme-examples: ${blocks} README example(s) compile`);
