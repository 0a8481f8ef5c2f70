/**
 * TypeORM, loaded on first use (docs/performance-startup.md): importing it costs 0.2–0.35 CPU-s, so nothing in
 * @uacreg/db loads it at import time. The daemon's MI comes up and `--check-config` runs without it; it is loaded
 * when a repository first connects. TypeORM's ESM entry re-exports this same CommonJS module, so classes loaded
 * here and by `import … from "typeorm"` are the same (`instanceof` holds across both).
 */
import { createRequire } from "node:module";
import type * as TypeOrm from "typeorm";
import type { DataSourceOptions } from "typeorm";

let loaded: typeof TypeOrm | undefined;

/** The `typeorm` module, required synchronously the first time it is asked for. */
export function typeorm(): typeof TypeOrm {
  loaded ??= createRequire(import.meta.url)("typeorm") as typeof TypeOrm;
  return loaded;
}

/**
 * Loads TypeORM and the driver `options` name now, without connecting: a DataSource is built (its driver requires the
 * driver package) and dropped. The daemon calls it before its MI FIFO exists: Node 20's module resolution can return
 * a path with its symbolic links unresolved when the last file stat the process made was of a FIFO or a socket (its
 * `realpathSync` reads the type of the last stat), and a package then loaded from pnpm's links cannot find its own
 * dependencies ("Cannot find module 'tslib'").
 */
export function preloadDriver(options: DataSourceOptions): void {
  new (typeorm().DataSource)(options);
}
