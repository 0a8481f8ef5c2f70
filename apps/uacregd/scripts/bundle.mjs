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
//
// yaml, pino and prom-client (its five parts the daemon uses) are not in the ES chunks: they form one CommonJS script,
// dist/chunks/vendor-<hash>.cjs, which the daemon runs with the V8 code cache (vendor-<hash>.cjs.v8cache) that this
// build makes by starting the built daemon once (src/code-cache.ts; see VENDOR and writeVendorCache below).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createSocket } from "node:dgram";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
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

// The third-party CommonJS libraries a start loads (yaml, pino, prom-client) are not inlined in the ESM chunks: they
// are bundled into one CommonJS script, dist/chunks/vendor-<hash>.cjs, that the daemon runs with a V8 code cache made
// here (src/code-cache.ts; Node 20 keeps no code cache for ES modules). Each import of them in the daemon's code is
// resolved to a module taking the names VENDOR lists from that script's exports: a name missing from the list fails
// the build ("missing export"). prom-client is taken from the files that define the five parts the daemon uses, not
// its index: that requires the Pushgateway (node's http, https with tls, zlib), the AggregatorRegistry (node's
// cluster) and Summary with its t-digest, none of which the daemon uses (docs/performance-startup.md, fifth session).
const requireFrom = (file) => createRequire(file);
const configEntry = requireFromDist.resolve("@uacreg/config");
const VENDOR = {
  yaml: { names: ["parse"], files: { "": requireFrom(configEntry).resolve("yaml") } },
  pino: { names: ["pino"], files: { "": requireFromDist.resolve("pino") } },
  "prom-client": {
    names: ["Registry", "Counter", "Gauge", "Histogram", "collectDefaultMetrics"],
    files: {
      Registry: requireFromDist.resolve("prom-client/lib/registry.js"),
      Counter: requireFromDist.resolve("prom-client/lib/counter.js"),
      Gauge: requireFromDist.resolve("prom-client/lib/gauge.js"),
      Histogram: requireFromDist.resolve("prom-client/lib/histogram.js"),
      collectDefaultMetrics: requireFromDist.resolve("prom-client/lib/defaultMetrics.js"),
    },
  },
};
/** The comments kept in the output: the licences (legal comments) only. */
const SHIPPED_COMMENTS = { legal: true, annotation: false, jsdoc: false };
const VENDOR_ENTRY = "\0uacregd-vendor-entry";
/** The vendor script's source: `exports[package]` is the package (or, for prom-client, an object of its parts). */
function vendorEntrySource() {
  const lines = [];
  for (const [name, { files }] of Object.entries(VENDOR)) {
    if ("" in files) lines.push(`exports[${JSON.stringify(name)}] = require(${JSON.stringify(files[""])});`);
    else {
      const parts = Object.entries(files).map(([part, file]) => `${part}: require(${JSON.stringify(file)})`);
      lines.push(`exports[${JSON.stringify(name)}] = { ${parts.join(", ")} };`);
    }
  }
  return lines.join("\n");
}
const vendorBuild = await rolldown({
  input: { vendor: VENDOR_ENTRY },
  platform: "node",
  external: isBuiltin,
  plugins: [
    {
      name: "uacregd-vendor-entry",
      resolveId: (id) => (id === VENDOR_ENTRY ? VENDOR_ENTRY : null),
      load: (id) => (id === VENDOR_ENTRY ? vendorEntrySource() : null),
    },
  ],
});
const vendorGenerated = await vendorBuild.generate({ format: "cjs", charset: "ascii", comments: SHIPPED_COMMENTS });
const vendorOutput = vendorGenerated.output;
await vendorBuild.close();
if (vendorOutput.length !== 1) throw new Error("bundle: the vendor script came out in more than one file");
const [vendorChunk] = vendorOutput;
const vendorOutside = vendorChunk.imports.filter((id) => !isBuiltin(id));
if (vendorOutside.length > 0) throw new Error(`bundle: the vendor script requires ${vendorOutside.join(", ")}`);
const vendorName = `vendor-${createHash("sha256").update(vendorChunk.code).digest("hex").slice(0, 10)}.cjs`;

const VENDOR_MODULE = "\0uacregd-vendor:";
const VENDOR_LOADER = "\0uacregd-vendor-loader";
const MAKE_CACHE_ENV = "UACREGD_BUILD_WRITES_CODE_CACHE";
const vendorModules = {
  name: "uacregd-vendor-modules",
  resolveId(id) {
    if (id === VENDOR_LOADER) return VENDOR_LOADER;
    return Object.hasOwn(VENDOR, id) ? VENDOR_MODULE + id : null;
  },
  load(id) {
    if (id === VENDOR_LOADER) {
      return [
        `import { fileURLToPath } from "node:url";`,
        `import { runWithCodeCache, writeCodeCache } from ${JSON.stringify(join(appDir, "src/code-cache.ts"))};`,
        `const file = fileURLToPath(new URL(${JSON.stringify(`./${vendorName}`)}, import.meta.url));`,
        `const script = runWithCodeCache(file, \`\${file}.v8cache\`);`,
        // Set by writeVendorCache below only: the cache is written when this start of the daemon exits.
        `if (process.env.${MAKE_CACHE_ENV} === file) process.once("exit", () => writeCodeCache(script, file, \`\${file}.v8cache\`));`,
        `export const vendor = script.exports;`,
      ].join("\n");
    }
    if (!id.startsWith(VENDOR_MODULE)) return null;
    const name = id.slice(VENDOR_MODULE.length);
    return [
      `import { vendor } from ${JSON.stringify(VENDOR_LOADER)};`,
      `const m = vendor[${JSON.stringify(name)}];`,
      ...VENDOR[name].names.map((n) => `export const ${n} = m.${n};`),
    ].join("\n");
  },
};

rmSync(join(dist, "chunks"), { recursive: true, force: true });
rmSync(join(dist, "main.js.map"), { force: true });
const build = await rolldown({
  input: { main: join(appDir, "src/main.ts") },
  platform: "node",
  tsconfig: join(appDir, "tsconfig.json"),
  external: isExternal,
  plugins: [vendorModules, requireCommonJs],
});
const { output } = await build.write({
  dir: dist,
  format: "esm",
  entryFileNames: "[name].js",
  chunkFileNames: "chunks/[name]-[hash].js",
  // Non-ASCII characters escaped (\uXXXX) and the JSDoc comments left out (they carry most of the rest: §, →, …): a
  // source with no non-ASCII character is decoded and scanned by V8 as one-byte text, one with any as UTF-16
  // (docs/performance-startup.md, fifth session). The source maps still lead to the commented sources.
  charset: "ascii",
  comments: SHIPPED_COMMENTS,
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
// The vendor script next to the chunk that loads it (`new URL("./vendor-….cjs", import.meta.url)`), then its cache.
const loaderChunk = output.find((c) => c.type === "chunk" && VENDOR_LOADER in c.modules);
if (loaderChunk === undefined || dirname(loaderChunk.fileName) !== "chunks") {
  throw new Error(`bundle: the vendor loader is not in a chunk under chunks/ (${loaderChunk?.fileName})`);
}
const vendorFile = join(dist, "chunks", vendorName);
writeFileSync(vendorFile, vendorChunk.code);
// Without it the daemon runs the same, compiling the script from its source: a build that cannot start the daemon
// (no loopback, no SQLite addon) says so and goes on.
await writeVendorCache(vendorFile).catch((e) => {
  rmSync(`${vendorFile}.v8cache`, { force: true });
  console.warn(`bundle: WARNING: no code cache for ${vendorName} (start-up compiles it): ${e.message}`);
});
const chunks = output.filter((c) => c.type === "chunk");
const modules = chunks.reduce((n, c) => n + Object.keys(c.modules).length, 0);
console.log(
  `bundle: dist/main.js + ${chunks.length - 1} chunks (${modules} modules inlined); external: ${external.join(", ")}` +
    ` (${[...required].join(", ")} loaded with require)`,
);

/**
 * Makes the vendor script's code cache (src/code-cache.ts): starts the built daemon on an empty SQLite table in a
 * temporary directory (every listener on a free loopback port), with the flags of the shipped start command (the first
 * line of src/main.ts: V8 refuses a cache made under other flags), stops it once its records are loaded, and the
 * daemon writes the cache of what that start compiled as it exits.
 */
async function writeVendorCache(file) {
  const shebang = readFileSync(join(appDir, "src/main.ts"), "utf8").split("\n", 1)[0];
  const m = /^#!\S*env\s+(?:-S\s+)?node\b(.*)$/.exec(shebang);
  if (m === null) throw new Error(`bundle: src/main.ts does not start with a node shebang: ${shebang}`);
  const flags = m[1].split(/\s+/).filter(Boolean);
  const dir = mkdtempSync(join(tmpdir(), "uacregd-code-cache-"));
  try {
    const [sip, mi, metrics, web] = await Promise.all([freePort(true), freePort(), freePort(), freePort()]);
    const config = {
      listen: [`udp:127.0.0.1:${sip}`],
      db_url: `sqlite://${join(dir, "uacreg.db")}`,
      data_dir: dir,
      mi: { http: { listen: `127.0.0.1:${mi}` }, fifo: null },
      metrics: { listen: `127.0.0.1:${metrics}` },
      web: { listen: `127.0.0.1:${web}` },
      log: { level: "info", format: "json" },
    };
    const configFile = join(dir, "uacreg.yaml");
    writeFileSync(configFile, JSON.stringify(config));
    const child = spawn(process.execPath, [...flags, join(dist, "main.js"), "--config", configFile], {
      env: { ...process.env, [MAKE_CACHE_ENV]: file },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const loaded = new Promise((resolve) => {
      const read = (chunk) => {
        out += chunk;
        if (out.includes("registrant records loaded")) resolve(true);
      };
      child.stdout.on("data", read);
      child.stderr.on("data", read);
      exited.then(() => resolve(false));
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    const ok = await loaded;
    child.kill("SIGTERM");
    const code = await exited;
    clearTimeout(timer);
    if (!ok || code !== 0 || !existsSync(`${file}.v8cache`)) {
      throw new Error(`bundle: making the vendor script's code cache failed (exit ${code}):\n${out.slice(-2000)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A free loopback port (UDP or TCP), as the OS picks one. */
function freePort(udp = false) {
  return new Promise((resolve, reject) => {
    if (udp) {
      const s = createSocket("udp4");
      s.once("error", reject);
      s.bind(0, "127.0.0.1", () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
    } else {
      const s = createServer();
      s.once("error", reject);
      s.listen(0, "127.0.0.1", () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
    }
  });
}
