/**
 * TypeORM, loaded on first use (docs/performance-startup.md): importing it costs 0.2–0.35 CPU-s, so nothing in
 * @uacreg/db loads it at import time. The daemon's MI comes up and `--check-config` runs without it; it is loaded
 * when a repository first connects. TypeORM's ESM entry re-exports this same CommonJS module, so classes loaded
 * here and by `import … from "typeorm"` are the same (`instanceof` holds across both).
 */
import { statSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type * as TypeOrm from "typeorm";
import type { DataSourceOptions } from "typeorm";

let loaded: typeof TypeOrm | undefined;

/** The `typeorm` module, required synchronously the first time it is asked for. */
export function typeorm(): typeof TypeOrm {
  if (loaded === undefined) {
    forgetLastStat();
    loaded = createRequire(import.meta.url)("typeorm") as typeof TypeOrm;
  }
  return loaded;
}

/** The `typeorm` module if something loaded it already, else undefined (nothing of TypeORM can exist yet). */
export function loadedTypeorm(): typeof TypeOrm | undefined {
  return loaded;
}

/**
 * Makes the process's last file stat one of a regular file (this module's), so that a module loaded synchronously
 * right after resolves its path in full. Node 20's `realpathSync` stops resolving symbolic links at a cached path
 * component when the type left by the last stat is a FIFO or a socket (the MI FIFO server stats its FIFO), and a
 * package loaded from pnpm's links then cannot find its own dependencies ("Cannot find module 'tslib'"). Called
 * before TypeORM is required and before a DataSource loads its driver: a daemon on the embedded SQLite loads them at
 * its first write, long after the FIFO exists (docs/performance-startup.md).
 */
export function forgetLastStat(): void {
  statSync(fileURLToPath(import.meta.url));
}

/**
 * Loads TypeORM and the driver `options` name now, without connecting: a DataSource is built (its driver requires the
 * driver package) and dropped. The daemon calls it before its MI FIFO exists: Node 20's module resolution can return
 * a path with its symbolic links unresolved when the last file stat the process made was of a FIFO or a socket (its
 * `realpathSync` reads the type of the last stat), and a package then loaded from pnpm's links cannot find its own
 * dependencies ("Cannot find module 'tslib'").
 */
export function preloadDriver(options: DataSourceOptions): void {
  const { DataSource } = typeorm();
  forgetLastStat();
  new DataSource(options);
}
