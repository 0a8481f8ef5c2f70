/**
 * TypeORM, loaded on first use (docs/performance-startup.md): importing it costs 0.2–0.35 CPU-s, so nothing in
 * @uacreg/db loads it at import time. The daemon's MI comes up and `--check-config` runs without it; it is loaded
 * when a repository first connects. TypeORM's ESM entry re-exports this same CommonJS module, so classes loaded
 * here and by `import … from "typeorm"` are the same (`instanceof` holds across both).
 */
import { createRequire } from "node:module";
import type * as TypeOrm from "typeorm";

let loaded: typeof TypeOrm | undefined;

/** The `typeorm` module, required synchronously the first time it is asked for. */
export function typeorm(): typeof TypeOrm {
  loaded ??= createRequire(import.meta.url)("typeorm") as typeof TypeOrm;
  return loaded;
}
