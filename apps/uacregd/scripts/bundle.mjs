#!/usr/bin/env node
// The daemon's shipped entry as a bundle (apps/uacregd/README.md "Start-up / bundle", docs/performance-startup.md):
// after `tsc` has emitted dist/ (other packages and the tests import dist/index.js, dist/cli.js, …), rolldown bundles
// src/main.ts with the workspace packages it imports (already built: their package.json `exports` point at dist/) and
// the pure-JavaScript libraries under them into dist/main.js plus dist/chunks/*.js, replacing the dist/main.js tsc
// wrote. An empty start then opens 31 JavaScript files (and the SQLite addon) instead of 456.
//
//   node scripts/bundle.mjs --external=<name>,<name>,…      (run by `pnpm build`, from apps/uacregd)
//
// --external lists the packages that stay imported at run time (and must resolve from dist/, hence be dependencies of
// @uacreg/uacregd: checked here, and `pnpm check:deps` finds each through the build script naming it); node's
// built-ins always stay. Every other bare import is inlined; the run fails if the output imports a bare name not in
// the list (a dependency nobody declared would be missing from the installed prefix). Code splitting keeps each
// `await import()` a chunk of its own (the database adapters, the cluster, the demo) and every module in exactly one
// chunk, so a lazily loaded adapter and the daemon share one @uacreg/db (`instanceof DbError` holds).
//
// An external CommonJS package (better-sqlite3, pg) imported by default (`import Database from "better-sqlite3"`) is
// loaded with `createRequire(import.meta.url)(name)` instead of an `import`: the same object (the default export
// node gives an ESM importer is `module.exports`), without node's scan of its source for named exports (the
// cjs-module-lexer, ~7-10 ms for better-sqlite3 on the start path). A named import of such a package fails the build.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { builtinModules, createRequire } from "node:module";
import { dirname, join } from "node:path";
import { rolldown } from "rolldown";

const appDir = join(import.meta.dirname, "..");
const dist = join(appDir, "dist");
const arg = process.argv.find((a) => a.startsWith("--external="));
if (arg === undefined) throw new Error("bundle: --external=<name>,… is required (the packages left out of the bundle)");
const external = arg.slice("--external=".length).split(",").filter(Boolean);
const pkg = JSON.parse(readFileSync(join(appDir, "package.json"), "utf8"));
const undeclared = external.filter((name) => pkg.dependencies?.[name] === undefined);
if (undeclared.length > 0) {
  throw new Error(`bundle: ${undeclared.join(", ")} left external but not dependencies of ${pkg.name}`);
}

const builtins = new Set(builtinModules);
const packageOf = (id) => id.split("/", id.startsWith("@") ? 2 : 1).join("/");
const requireFromDist = createRequire(join(dist, "main.js"));

/** Whether `id`, resolved from dist/ the way node resolves `require(id)`, is a CommonJS file. */
function isCommonJs(id) {
  const file = requireFromDist.resolve(id);
  if (file.endsWith(".cjs")) return true;
  if (!file.endsWith(".js")) return false;
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, "utf8")).type !== "module";
  }
  return true;
}

const isBuiltin = (id) => id.startsWith("node:") || builtins.has(id);
const commonJs = new Map();
const isRequired = (id) => {
  if (isBuiltin(id) || !external.includes(packageOf(id))) return false;
  if (!commonJs.has(id)) commonJs.set(id, isCommonJs(id));
  return commonJs.get(id);
};
const isExternal = (id) => isBuiltin(id) || (external.includes(packageOf(id)) && !isRequired(id));

const REQUIRED = "\0required:";
/** The external CommonJS packages the output loads with require (see the comment at the top). */
const required = new Set();
const requireCommonJs = {
  name: "uacregd-require-commonjs-externals",
  resolveId(id) {
    if (!isRequired(id)) return null;
    required.add(id);
    return REQUIRED + id;
  },
  load(id) {
    if (!id.startsWith(REQUIRED)) return null;
    const name = JSON.stringify(id.slice(REQUIRED.length));
    return `import { createRequire } from "node:module";\nexport default createRequire(import.meta.url)(${name});\n`;
  },
};

rmSync(join(dist, "chunks"), { recursive: true, force: true });
rmSync(join(dist, "main.js.map"), { force: true });
const build = await rolldown({
  input: { main: join(appDir, "src/main.ts") },
  platform: "node",
  tsconfig: join(appDir, "tsconfig.json"),
  external: isExternal,
  plugins: [requireCommonJs],
});
const { output } = await build.write({
  dir: dist,
  format: "esm",
  entryFileNames: "[name].js",
  chunkFileNames: "chunks/[name]-[hash].js",
  sourcemap: true,
});
await build.close();

// Every bare import left in the output is one of the externals, and each resolves from dist/ (where node looks).
const imported = new Set(required);
for (const chunk of output) {
  if (chunk.type !== "chunk") continue;
  for (const id of [...chunk.imports, ...chunk.dynamicImports]) {
    if (id.startsWith("chunks/") || id === "main.js" || isBuiltin(id)) continue;
    imported.add(id);
  }
}
const unlisted = [...imported].filter((id) => !external.includes(packageOf(id)));
if (unlisted.length > 0) throw new Error(`bundle: the output imports ${unlisted.join(", ")}, not in --external`);
for (const name of external) requireFromDist.resolve(name);
const chunks = output.filter((c) => c.type === "chunk");
const modules = chunks.reduce((n, c) => n + Object.keys(c.modules).length, 0);
console.log(
  `bundle: dist/main.js + ${chunks.length - 1} chunks (${modules} modules inlined); external: ${external.join(", ")}` +
    ` (${[...required].join(", ")} loaded with require)`,
);
