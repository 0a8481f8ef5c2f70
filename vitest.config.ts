/**
 * One vitest run for the whole workspace (CI prints one summary).
 *
 * How TypeScript is wired across packages: each package's `exports` point at its built `dist/` (so `tsc`, Node and
 * turbo's `^build` see what a consumer sees), and vitest maps every `@uacreg/*` import to the package's `src/index.ts`
 * through the aliases below, so tests always run against the source and never against a stale build.
 */
import { readdirSync, existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;
const dirs = ["packages", "apps"].flatMap((group) => readdirSync(join(root, group)).map((name) => join(group, name)));
// Every export of every package: "." → src/index.ts, "./testing" → src/testing.ts (the dist file's source).
const alias: Array<{ find: RegExp; replacement: string }> = [];
for (const dir of dirs) {
  const pj = join(root, dir, "package.json");
  if (!existsSync(pj)) continue;
  const { name, exports } = JSON.parse(readFileSync(pj, "utf8")) as { name: string; exports?: Record<string, unknown> };
  for (const sub of Object.keys(exports ?? { ".": null })) {
    const file = sub === "." ? "index" : sub.slice(2);
    const spec = sub === "." ? name : `${name}/${file}`;
    alias.push({
      find: new RegExp(`^${spec.replace(/[/.]/g, "\\$&")}$`),
      replacement: resolve(root, dir, `src/${file}.ts`),
    });
  }
}

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      ...dirs.map((dir) => ({
        extends: true as const,
        test: {
          name: dir.split("/")[1] ?? dir,
          root: join(root, dir),
          include: ["src/**/*.test.ts", "test/**/*.test.ts"],
          testTimeout: 20_000,
        },
      })),
      {
        extends: true as const,
        test: {
          name: "test",
          root: join(root, "test"),
          include: ["e2e/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // The end-to-end files run in parallel: each one's daemons, SIPps and Kamailios take OS-chosen ports, their
          // own temp dirs, databases and FIFOs, and SIPp media ports from the worker's own block (test/support/README.md).
          // They mostly wait on timers and sockets, so more workers than cores pays. Measured on 2 shared cores: 1
          // worker 338 s, 2: 150 s, 3: 109 s, 4: 86 s, 5: 86 s, 6: 80 s; past 4 the suite is CPU-bound and only the
          // contention grows. UACREG_E2E_WORKERS overrides it.
          maxWorkers: Number(process.env.UACREG_E2E_WORKERS ?? 4),
          // Its own group, so never at the same time as the unit-test projects (vitest's default of cores − 1
          // workers): CPU-bound unit tests would starve the daemons and SIPps whose wire timing the e2e tests check.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
