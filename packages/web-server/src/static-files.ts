/**
 * The built front end (docs/web-api.md §5): `/` is `index.html`, other paths are files under the root directory.
 * No directory listing, no path outside the root (after decoding, `..` segments and symbolic links), no dotfiles;
 * hashed assets (`/assets/name-<hash>.ext`, as Vite names them) are cached for a year as immutable, the rest is
 * revalidated. When the root or its `index.html` is missing the page is a 503 saying the front end is not built.
 */
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, resolve, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".txt": "text/plain; charset=utf-8",
  ".webmanifest": "application/manifest+json",
};

/** Headers every page of the front end carries. */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
};

const HASHED = /^\/assets\/.+[-.][A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>uacreg: front end not built</title></head>
<body><h1>uacreg status page: front end not built</h1>
<p>The daemon runs and its API answers (<a href="/api/summary">/api/summary</a>, <code>/events</code>), but the
page's files are missing. Build them with <code>pnpm turbo run build --filter=@uacreg/web</code>.</p></body></html>
`;

/** Serves `pathname` (already known not to be /api or /events) from `root`. */
export async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  root: string | undefined,
): Promise<void> {
  const head = req.method === "HEAD";
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return plain(res, 400, "bad path encoding", head);
  }
  const file = decoded === "/" || decoded === "/index.html" ? "/index.html" : decoded;
  if (file.includes("\0") || file.includes("\\") || file.split("/").some((s) => s === ".." || s.startsWith("."))) {
    return plain(res, 404, "not found", head);
  }
  const realRoot = root === undefined ? undefined : await realpath(root).catch(() => undefined);
  if (realRoot === undefined) return notBuilt(res, file, head);
  const path = await realpath(resolve(realRoot, `.${file}`)).catch(() => undefined);
  if (path === undefined || !path.startsWith(realRoot + sep)) {
    return file === "/index.html" ? notBuilt(res, file, head) : plain(res, 404, "not found", head);
  }
  const info = await stat(path).catch(() => undefined);
  if (info === undefined || !info.isFile()) return plain(res, 404, "not found", head);
  const type = TYPES[extname(path).toLowerCase()] ?? "application/octet-stream";
  const headers: Record<string, string | number> = {
    "content-type": type,
    "content-length": info.size,
    "cache-control": HASHED.test(file) ? "public, max-age=31536000, immutable" : "no-cache",
    "last-modified": info.mtime.toUTCString(),
    ...PAGE_SECURITY_HEADERS,
  };
  res.writeHead(200, headers);
  if (head) {
    res.end();
    return;
  }
  const stream = createReadStream(path);
  stream.on("error", () => res.destroy());
  stream.pipe(res);
}

function notBuilt(res: ServerResponse, file: string, head: boolean): void {
  if (file !== "/index.html") {
    plain(res, 404, "not found", head);
    return;
  }
  const body = Buffer.from(NOT_BUILT, "utf8");
  res.writeHead(503, {
    "content-type": "text/html; charset=utf-8",
    "content-length": body.length,
    "cache-control": "no-store",
    "retry-after": "60",
    ...PAGE_SECURITY_HEADERS,
  });
  res.end(head ? undefined : body);
}

function plain(res: ServerResponse, status: number, text: string, head: boolean): void {
  const body = Buffer.from(`${text}\n`, "utf8");
  res.writeHead(status, {
    "content-type": "text/plain; charset=utf-8",
    "content-length": body.length,
    "x-content-type-options": "nosniff",
  });
  res.end(head ? undefined : body);
}
