/**
 * A CommonJS script run with a V8 code cache made at build time (apps/uacregd/README.md "Start-up / bundle",
 * docs/performance-startup.md fifth session). Node 20 keeps no code cache for ES modules, and V8 compiles each
 * function the first time it runs: the third-party CommonJS libraries the daemon loads at start (yaml, pino,
 * prom-client) are bundled into one script, compiled here with `vm.Script`'s `cachedData`, made by
 * {@link writeCodeCache} after the functions a start runs have been compiled once.
 *
 * Never a reason to fail: a cache that is missing, unreadable, made from other source (checked by a SHA-1 of the
 * source in its first bytes), damaged (a SHA-1 of V8's data: V8's own check of it is only in its debug builds) or
 * refused by V8 (another node version, other V8 flags) is ignored and the script is compiled from its source, as
 * without a cache.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { Script } from "node:vm";

/** The CommonJS wrapper the script is compiled in (the cache is only valid for the same text). */
const WRAPPER_START = "(function (exports, require, module, __filename, __dirname) { ";
const WRAPPER_END = "\n})";
/**
 * The cache file: this tag, the source's SHA-1 (20 bytes), the SHA-1 of V8's data, then V8's data. SHA-1, not SHA-256:
 * a check against staleness and damage, not an adversary (who could write the script as well); on this machine's
 * CPU SHA-256 of the 0.8 MB took 5-7 ms per start, SHA-1 0.5-0.6 ms.
 */
const TAG = Buffer.from("uacregd-code-cache-2\n", "latin1");
const DIGEST_BYTES = 20;

/** How {@link runWithCodeCache} went: for the tests and the benchmark notes, not for behaviour. */
export type CodeCacheOutcome = "used" | "none" | "other-source" | "damaged" | "rejected";

export interface CachedScript {
  /** The script's `module.exports`. */
  readonly exports: unknown;
  readonly cache: CodeCacheOutcome;
  /** V8's cache of the script's functions compiled so far (see {@link writeCodeCache}). */
  createCachedData(): Buffer;
}

function digest(data: string | Buffer): Buffer {
  return createHash("sha1").update(data).digest();
}

/** The text V8 compiles for a script's source (its CommonJS wrapper around it): a cache is only valid for the same. */
export function wrappedSource(source: string): string {
  return WRAPPER_START + source + WRAPPER_END;
}

/** The content of a cache file for `source` holding V8's data `v8Data` (made from {@link wrappedSource}). */
export function codeCacheFile(source: string, v8Data: Buffer): Buffer {
  return Buffer.concat([TAG, digest(source), digest(v8Data), v8Data]);
}

/** V8's data in `cacheFile` when it was made from `source`; else why not. */
function readCache(cacheFile: string, source: string): Buffer | Exclude<CodeCacheOutcome, "used" | "rejected"> {
  let data: Buffer;
  try {
    data = readFileSync(cacheFile);
  } catch {
    return "none";
  }
  const head = TAG.length + 2 * DIGEST_BYTES;
  if (data.length <= head || !data.subarray(0, TAG.length).equals(TAG)) return "other-source";
  if (!data.subarray(TAG.length, TAG.length + DIGEST_BYTES).equals(digest(source))) return "other-source";
  const v8Data = data.subarray(head);
  if (!data.subarray(TAG.length + DIGEST_BYTES, head).equals(digest(v8Data))) return "damaged";
  return v8Data;
}

/**
 * Runs the CommonJS script `file` (its `require` resolves from its own directory) with the code cache in
 * `cacheFile` when that cache fits; returns its exports. Errors of the script itself propagate as from `require`.
 */
export function runWithCodeCache(file: string, cacheFile: string): CachedScript {
  const source = readFileSync(file, "utf8");
  const cached = readCache(cacheFile, source);
  const script = new Script(wrappedSource(source), {
    filename: file,
    ...(typeof cached === "string" ? {} : { cachedData: cached }),
  });
  const cache: CodeCacheOutcome =
    typeof cached === "string" ? cached : script.cachedDataRejected === true ? "rejected" : "used";
  const module = { exports: {} as unknown };
  const run = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: { exports: unknown },
    filename: string,
    dirname: string,
  ) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return { exports: module.exports, cache, createCachedData: () => script.createCachedData() };
}

/**
 * Writes the code cache of a script run by {@link runWithCodeCache}: V8's data for the functions compiled so far, so
 * call it once the functions worth caching have run (the bundle's build runs a start of the daemon, then this on its
 * exit). Run with the node flags the daemon runs with: V8 refuses a cache made under other flags.
 */
export function writeCodeCache(script: CachedScript, file: string, cacheFile: string): void {
  const source = readFileSync(file, "utf8");
  writeFileSync(cacheFile, codeCacheFile(source, script.createCachedData()));
}
