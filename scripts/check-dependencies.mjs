#!/usr/bin/env node
// Lists every dependency, peer dependency and dev dependency of a workspace package.json (packages/*, apps/*, test/)
// that nothing in the package uses: no `import`/`require`/`import()` of it (or, for `@types/x`, of `x`) in its .ts,
// .mts, .mjs or .js files, no mention in its scripts, and (for a workspace package) no path into its folder (the e2e
// tests run the apps' built `dist/main.js`). Exit 1 when any.   node scripts/check-dependencies.mjs
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const folders = [
  ...["packages", "apps"].flatMap((group) => readdirSync(join(root, group)).map((name) => join(group, name))),
  "test",
].filter((dir) => existsSync(join(root, dir, "package.json")));
const folderOf = new Map(
  folders.map((dir) => [JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8")).name, dir]),
);

function sources(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry === "dist" || entry.startsWith(".")) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (/\.(ts|mts|mjs|js|cjs)$/.test(entry)) out.push(path);
  }
  return out;
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const unused = [];
for (const dir of folders) {
  const pkg = JSON.parse(readFileSync(join(root, dir, "package.json"), "utf8"));
  const text = sources(join(root, dir))
    .map((f) => readFileSync(f, "utf8"))
    .join("\n");
  const scripts = JSON.stringify(pkg.scripts ?? {});
  for (const kind of ["dependencies", "peerDependencies", "devDependencies"]) {
    for (const name of Object.keys(pkg[kind] ?? {})) {
      // @types/node is for the compiler; @types/foo__bar types @foo/bar.
      if (name === "@types/node") continue;
      const target = name.startsWith("@types/") ? name.slice(7).replace(/^(.+)__(.+)$/, "@$1/$2") : name;
      const imported = new RegExp(`(from|import|require\\(|import\\()\\s*["']${escapeRegExp(target)}(/[^"']*)?["']`);
      const folder = folderOf.get(target);
      if (imported.test(text) || scripts.includes(target) || (folder !== undefined && text.includes(`${folder}/`))) {
        continue;
      }
      unused.push(`${dir}/package.json: ${kind} ${name} is never used`);
    }
  }
}
for (const line of unused) console.log(line);
if (unused.length > 0) {
  console.error(`check-dependencies: ${unused.length} unused dependenc${unused.length === 1 ? "y" : "ies"}`);
  process.exit(1);
}
console.error(`check-dependencies: ok (${folders.length} package.json files)`);
