/**
 * The Node side of @uacreg/web: where the built status page lives, for the daemon to serve (docs/web-api.md).
 * The page itself is under src/client/ and is bundled by Vite (`pnpm --filter @uacreg/web build`) into dist/www.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

/** The built page is missing: the package was not built (`pnpm --filter @uacreg/web build`). */
export class WebNotBuiltError extends Error {
  constructor(readonly root: string) {
    super(
      `the status page is not built: ${join(root, "index.html")} is missing (run: pnpm --filter @uacreg/web build)`,
    );
    this.name = "WebNotBuiltError";
  }
}

/**
 * Absolute path of the built front end (the folder holding index.html and assets/). The same from the source
 * (src/index.ts, as vitest runs it) and from the build (dist/index.js): both sit one folder below the package root.
 */
export function webRoot(): string {
  return resolve(import.meta.dirname, "..", "dist", "www");
}

/** webRoot(), after checking that index.html is there; throws WebNotBuiltError when the page was never built. */
export function requireWebRoot(): string {
  const root = webRoot();
  if (!existsSync(join(root, "index.html"))) throw new WebNotBuiltError(root);
  return root;
}
