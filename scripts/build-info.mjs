#!/usr/bin/env node
// Writes the build's facts for @uacreg/release (`--version` of both binaries): {"commit": "<short hash>"}.
//   node scripts/build-info.mjs <out.json>
// The commit is $UACREG_BUILD_COMMIT when set (a build from a source tarball that knows its commit), else
// `git rev-parse --short HEAD` of the checkout the build runs in, else "unknown" (no git, or not a checkout). It is
// written at build time, not read at run time, so an installed copy names the commit it was built from.
// The turbo task of @uacreg/release is not cached (packages/release/turbo.json): a cached dist would keep the commit
// of an earlier build.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

const out = process.argv[2];
if (!out) {
  process.stderr.write("usage: node scripts/build-info.mjs <out.json>\n");
  process.exit(2);
}

function commit() {
  const given = process.env.UACREG_BUILD_COMMIT?.trim();
  if (given) {
    if (!/^[0-9a-f]{4,40}$/i.test(given)) {
      process.stderr.write(`build-info: UACREG_BUILD_COMMIT must be a commit hash (got ${JSON.stringify(given)})\n`);
      process.exit(2);
    }
    return given.toLowerCase();
  }
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return "unknown";
  }
}

const file = resolve(out);
mkdirSync(dirname(file), { recursive: true });
const info = { commit: commit() || "unknown" };
writeFileSync(file, `${JSON.stringify(info)}\n`);
